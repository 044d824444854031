//! Test build only: the requests that may wait, sent as IRPs with the I/O
//! manager's checks: byte-range locks (NtLockFile, NtUnlockFile) as
//! IRP_MJ_LOCK_CONTROL, and change notifications (NtNotifyChangeDirectoryFile)
//! as IRP_MN_NOTIFY_CHANGE_DIRECTORY. A request the client sends without
//! waiting gets a ticket: the IRP stays outstanding until the client
//! collects it (waiting a bounded time) or cancels it with IoCancelIrp, or
//! its file's close ends it.

use alloc::boxed::Box;
use alloc::vec::Vec;

use driver_ioctl::fsops;
use fs_glue::nt::{FILE_LIST_DIRECTORY, FILE_NOTIFY_VALID_MASK, FILE_READ_DATA, FILE_WRITE_DATA};
use nt::{DEVICE_OBJECT, NTSTATUS};

use super::irp::{Sent, send};
use super::{Mounted, fill_slot};

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
        /// A notification's buffer (its MDL's pages).
        buffer: Vec<u8>,
    },
    /// The IO_STATUS_BLOCK and the output.
    Finished(NTSTATUS, Vec<u8>),
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
    issue(m, Ticket { file: handle, state: State::Outstanding { sent, _length: length, buffer: Vec::new() } })
}

/// Files `t`; the reply that names its ticket.
fn issue(m: &mut Mounted, t: Ticket) -> (u32, u64) {
    (nt::STATUS_PENDING as u32, fill_slot(&mut m.tickets, t) as u64)
}

/// `Op::Notify` on the directory of `handle`: arg0 the filter, arg1 watch
/// the tree, arg2 the buffer's length; always a ticket, as NtNotifyChange-
/// DirectoryFile always answers STATUS_PENDING.
pub(super) fn notify(m: &mut Mounted, handle: u32, args: [u32; 3]) -> (u32, u64) {
    let Some(f) = m.files.get_mut(handle as usize).and_then(|s| s.as_mut()) else {
        return (fs_glue::NtStatus::INVALID_HANDLE.0, 0);
    };
    // NtNotifyChangeDirectoryFile's own checks.
    if args[0] == 0 || args[0] & !FILE_NOTIFY_VALID_MASK != 0 {
        return (nt::STATUS_INVALID_PARAMETER as u32, 0);
    }
    if f.access & FILE_LIST_DIRECTORY == 0 {
        return (nt::STATUS_ACCESS_DENIED as u32, 0);
    }
    let mut buffer = alloc::vec![0u8; args[2] as usize];
    let (p, len) = (buffer.as_mut_ptr(), buffer.len());
    let (v, fo) = (m.volume as *mut DEVICE_OBJECT, f.ptr());
    let flags = if args[1] != 0 { nt::SL_WATCH_TREE } else { 0 };
    let (filter, length) = (args[0], args[2]);
    // SAFETY: the live volume and our open file object; the buffer moves
    // into the ticket (its heap block stays put) until the IRP is finished.
    let sent = unsafe {
        send(
            v,
            nt::IRP_MJ_DIRECTORY_CONTROL,
            nt::IRP_MN_NOTIFY_CHANGE_DIRECTORY,
            fo,
            flags,
            None,
            Some((p, len)),
            |sp| {
                let n = &mut sp.Parameters.NotifyDirectory;
                n.Length = length;
                n.CompletionFilter = filter;
            },
        )
    };
    match sent {
        Ok(sent) => issue(m, Ticket { file: handle, state: State::Outstanding { sent, _length: Box::new(0), buffer } }),
        Err(s) => (s as u32, 0),
    }
}

/// `Op::Ticket`: collect ticket arg0 (arg1 0), or cancel it first (arg1
/// 1), waiting up to arg2 milliseconds; the request's final status and
/// Information with its output in `out` (the ticket is then gone), or
/// STATUS_TIMEOUT while it is still outstanding.
pub(super) fn ticket(m: &mut Mounted, args: [u32; 3], out: &mut [u8]) -> (u32, u64) {
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
    let (status, data) = match slot.take().map(|t| t.state) {
        Some(State::Outstanding { sent, _length, buffer }) => finished(sent, buffer),
        Some(State::Finished(s, data)) => (s, data),
        None => return (fs_glue::NtStatus::INVALID_HANDLE.0, 0),
    };
    for (o, d) in out.iter_mut().zip(&data) {
        *o = *d;
    }
    (status as u32, data.len() as u64)
}

/// A completed request's status and output (its buffer up to Information).
fn finished(sent: Sent, mut buffer: Vec<u8>) -> (NTSTATUS, Vec<u8>) {
    let (status, information) = sent.finish();
    buffer.truncate(information);
    (status, buffer)
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
        State::Outstanding { sent, _length, buffer } => {
            let (s, data) = finished(sent, buffer);
            State::Finished(s, data)
        }
        done => done,
    };
    *slot = Some(Ticket { file: t.file, state });
}
