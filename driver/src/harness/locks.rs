//! Test build only: byte-range lock requests (NtLockFile, NtUnlockFile) as
//! IRP_MJ_LOCK_CONTROL, with the I/O manager's access check. A request the
//! client sends without waiting gets a ticket: the IRP stays outstanding
//! until the client collects it (waiting a bounded time) or cancels it with
//! IoCancelIrp, or its file's close ends it.

use alloc::boxed::Box;

use driver_ioctl::fsops;
use fs_glue::nt::{FILE_READ_DATA, FILE_WRITE_DATA};
use nt::{DEVICE_OBJECT, NTSTATUS};

use super::{Mounted, Sent, send};

/// A lock request sent without waiting.
pub(super) struct Ticket {
    /// The harness handle of its file.
    file: u32,
    state: State,
}

enum State {
    Outstanding {
        sent: Sent,
        /// `Parameters.LockControl.Length` points here until completion.
        _length: Box<i64>,
    },
    Finished(NTSTATUS),
}

/// `Op::Lock` on the file of `handle`.
pub(super) fn lock(m: &mut Mounted, handle: u32, offset: u64, args: [u32; 3], data: &[u8]) -> (u32, u64) {
    let Some(f) = m.files.get_mut(handle as usize).and_then(|s| s.as_mut()) else {
        return (fs_glue::NtStatus::INVALID_HANDLE.0, 0);
    };
    // NtLockFile and NtUnlockFile need read or write access.
    if f.access & (FILE_READ_DATA | FILE_WRITE_DATA) == 0 {
        return (nt::STATUS_ACCESS_DENIED as u32, 0);
    }
    let minor = (args[0] & 0xFF) as u8;
    let flags = ((args[0] >> 8) & 3) as u8;
    let key = data.get(..4).and_then(|k| k.try_into().ok()).map_or(0, u32::from_le_bytes);
    let length = Box::new((u64::from(args[1]) | u64::from(args[2]) << 32) as i64);
    let length_ptr = (&*length as *const i64).cast_mut();
    let (v, fo) = (m.volume as *mut DEVICE_OBJECT, f.ptr());
    // SAFETY: the live volume and our open file object; `length` lives in
    // the ticket (or this frame) until the IRP is finished.
    let sent = unsafe {
        send(v, nt::IRP_MJ_LOCK_CONTROL, minor, fo, flags, None, None, |sp| {
            let p = &mut sp.Parameters.LockControl;
            p.Length = length_ptr;
            p.Key = key;
            p.ByteOffset = offset as i64;
        })
    };
    let sent = match sent {
        Ok(s) => s,
        Err(s) => return (s as u32, 0),
    };
    if args[0] & fsops::LOCK_ASYNC == 0 {
        return (sent.finish().0 as u32, 0);
    }
    let t = Ticket { file: handle, state: State::Outstanding { sent, _length: length } };
    let slot = m.tickets.iter().position(Option::is_none).unwrap_or(m.tickets.len());
    if slot == m.tickets.len() {
        m.tickets.push(None);
    }
    if let Some(s) = m.tickets.get_mut(slot) {
        *s = Some(t);
    }
    (nt::STATUS_PENDING as u32, slot as u64)
}

/// `Op::Ticket`: collect ticket arg0 (arg1 0), or cancel it first (arg1
/// 1), waiting up to arg2 milliseconds; the request's final status (the
/// ticket is then gone), or STATUS_TIMEOUT while it is still outstanding.
pub(super) fn ticket(m: &mut Mounted, args: [u32; 3]) -> (u32, u64) {
    let Some(slot) = m.tickets.get_mut(args[0] as usize) else { return (fs_glue::NtStatus::INVALID_HANDLE.0, 0) };
    let Some(t) = slot.as_ref() else { return (fs_glue::NtStatus::INVALID_HANDLE.0, 0) };
    if let State::Outstanding { sent, .. } = &t.state {
        if args[1] == 1 {
            // SAFETY: outstanding, so the IRP is alive.
            unsafe { nt::IoCancelIrp(sent.irp()) };
        }
        if !sent.wait_ms(args[2]) {
            return (nt::STATUS_TIMEOUT as u32, 0);
        }
    }
    match slot.take().map(|t| t.state) {
        Some(State::Outstanding { sent, _length }) => (sent.finish().0 as u32, 0),
        Some(State::Finished(s)) => (s as u32, 0),
        None => (fs_glue::NtStatus::INVALID_HANDLE.0, 0),
    }
}

/// After the close of `file`: its cleanup ended its outstanding requests;
/// their IRPs are freed, their statuses kept for collection.
pub(super) fn settle(m: &mut Mounted, file: u32) {
    for slot in m.tickets.iter_mut() {
        if slot.as_ref().is_some_and(|t| t.file == file) {
            finish(slot);
        }
    }
}

/// Before the volume goes: every request is finished and freed.
pub(super) fn settle_all(m: &mut Mounted) {
    for slot in m.tickets.iter_mut() {
        finish(slot);
    }
    m.tickets.clear();
}

fn finish(slot: &mut Option<Ticket>) {
    let Some(t) = slot.take() else { return };
    let state = match t.state {
        State::Outstanding { sent, _length } => State::Finished(sent.finish().0),
        done => done,
    };
    *slot = Some(Ticket { file: t.file, state });
}
