//! A disk pulled out with a write in flight while other volumes are busy
//! (issue "Volumes in Explorer", item 3). Part of the stress scenario: its
//! last image disk is not one of the threads' volumes but gets
//!
//! 1. `\flushed.bin`, written and flushed (IRP_MJ_FLUSH_BUFFERS), closed:
//!    the image must hold it afterwards;
//! 2. a writer thread writing `\inflight.bin` over and over in 64 KiB
//!    chunks, as a copy in progress does, until a write fails;
//! 3. once the writer has done a few writes, its disk pulled out and the
//!    PnP manager's IRP_MN_SURPRISE_REMOVAL sent to the volume, while the
//!    stress threads go on with the other volumes.
//!
//! What must hold, however the threads interleave: the writer's last write
//! ends with an error and the writer ends (no hang); a request after the
//! removal finds the volume dismounted; the stress threads all succeed; the
//! volume unmounts; the suite finds the image consistent to its last flush.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use fs_glue::nt::{FILE_GENERIC_READ, FILE_GENERIC_WRITE, FILE_NON_DIRECTORY_FILE, FILE_OVERWRITE_IF};
use lkl_abi::Host;
use lkl_ntk_host::sync::Event;
use nt::{DEVICE_OBJECT, FILE_OBJECT, NTSTATUS, VPB};

use super::irp::{call, close, create};
use super::stress::{transfer, utf16};
use super::{ATTRIBUTE_NORMAL, HFile, Handed, Mounted, SHARE_ALL};
use crate::HOST;

/// The writer's chunk, and how many chunks its file wraps at (16 MiB).
const CHUNK: usize = 64 << 10;
const RING: u64 = 256;
/// Writes done before the disk is pulled.
const BEFORE_PULL: u32 = 8;
/// The writer's bound, should no removal stop it.
const MAX_WRITES: u32 = 2048;

/// The bytes of `\flushed.bin` (the suite computes the same): k mod 251.
fn flushed_content() -> Vec<u8> {
    (0..CHUNK).map(|k| (k % 251) as u8).collect()
}

/// The writer's chunk `i`.
fn chunk(i: u32) -> Vec<u8> {
    (0..CHUNK).map(|k| ((k as u32).wrapping_mul(13).wrapping_add(i) % 256) as u8).collect()
}

/// WRITE of `data` at `at` (`stress::transfer`), or FLUSH_BUFFERS (`data`
/// None), on `fo`; the status.
fn io(v: *mut DEVICE_OBJECT, fo: *mut FILE_OBJECT, at: u64, data: Option<&mut [u8]>) -> NTSTATUS {
    match data {
        Some(buf) => transfer(v, fo, true, at, buf).0,
        // SAFETY: the live volume and an open harness file object.
        None => unsafe { call(v, nt::IRP_MJ_FLUSH_BUFFERS, 0, fo, 0, None, None, |_| {}) }.0,
    }
}

/// Opens (creating or emptying) `name` on the volume of `m`.
fn open(v: *mut DEVICE_OBJECT, vpb: *mut VPB, real: *mut DEVICE_OBJECT, name: &str) -> Result<Box<HFile>, NTSTATUS> {
    let mut f = HFile::new(&utf16(name), vpb, real);
    let access = FILE_GENERIC_READ | FILE_GENERIC_WRITE;
    // SAFETY: the live volume and our new file object.
    let (s, _) = unsafe {
        create(v, &mut f, access, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, SHARE_ALL, 0, ATTRIBUTE_NORMAL)
    };
    if nt::nt_success(s) { Ok(f) } else { Err(s) }
}

/// What the writer thread reports: writes that succeeded, and the status
/// of the one that ended it (success if it reached its bound).
type Outcome = (u32, NTSTATUS);

/// The volume being written to, with its writer running.
pub(super) struct Writer {
    thread: Option<<lkl_ntk_host::NtHost as Host>::Thread>,
    outcome: Arc<spin::Mutex<Option<Outcome>>>,
    /// Set once the writer did `BEFORE_PULL` writes, or ended.
    ready: Arc<Event>,
    stop: Arc<AtomicBool>,
    /// The writer's file, used by its thread until joined.
    file: Box<HFile>,
    /// A file opened before the removal, written after it.
    late: Box<HFile>,
}

/// Writes and flushes `\flushed.bin`, opens `\late.bin`, and starts the
/// writer on the volume of `m`.
pub(super) fn start(m: &mut Mounted) -> Result<Writer, NTSTATUS> {
    let (v, vpb, real) = (m.volume as *mut DEVICE_OBJECT, &mut *m.vpb as *mut VPB, m.real as *mut DEVICE_OBJECT);
    let mut f = open(v, vpb, real, "\\flushed.bin")?;
    let mut s = io(v, f.ptr(), 0, Some(&mut flushed_content()));
    if nt::nt_success(s) {
        s = io(v, f.ptr(), 0, None);
    }
    // SAFETY: the live volume and our open file object.
    unsafe { close(v, &mut f) };
    if !nt::nt_success(s) {
        return Err(s);
    }
    let late = open(v, vpb, real, "\\late.bin")?;
    let mut file = open(v, vpb, real, "\\inflight.bin")?;
    let fo = file.ptr();
    let ready = Arc::new(Event::new());
    // SAFETY: new, pinned in its Arc, and nobody waits on it yet.
    unsafe { ready.init(true, false) };
    let outcome = Arc::new(spin::Mutex::new(None));
    let stop = Arc::new(AtomicBool::new(false));
    let (r, o, st) = (ready.clone(), outcome.clone(), stop.clone());
    let target = Handed((v, fo));
    let body = move || {
        let target = target;
        let (v, fo) = target.0;
        let mut done = 0u32;
        let mut status = nt::STATUS_SUCCESS;
        while done < MAX_WRITES && !st.load(Ordering::SeqCst) {
            status = io(v, fo, u64::from(done) % RING * CHUNK as u64, Some(&mut chunk(done)));
            if !nt::nt_success(status) {
                break;
            }
            done += 1;
            if done == BEFORE_PULL {
                r.set();
            }
        }
        *o.lock() = Some((done, status));
        r.set();
    };
    let thread = HOST.thread_spawn(Box::new(body)).map_err(|_| nt::STATUS_INSUFFICIENT_RESOURCES)?;
    Ok(Writer { thread: Some(thread), outcome, ready, stop, file, late })
}

/// Once the writer is under way: the disk of `m` pulled out and the
/// surprise removal sent; the writer's outcome once it ended, or the
/// status of the step that went wrong. Every file is closed and the
/// remove that follows a surprise removal sent, either way.
pub(super) fn pull(m: &mut Mounted, mut w: Writer) -> Result<Outcome, NTSTATUS> {
    let v = m.volume as *mut DEVICE_OBJECT;
    w.ready.wait();
    m.claim.pull();
    // SAFETY: the live volume; PnP requests carry no file object.
    let removal =
        unsafe { call(v, nt::IRP_MJ_PNP, nt::IRP_MN_SURPRISE_REMOVAL, ptr::null_mut(), 0, None, None, |_| {}) }.0;
    // Whatever happened, the writer must end: a write after the removal
    // fails.
    if !nt::nt_success(removal) {
        w.stop.store(true, Ordering::SeqCst);
    }
    let late = io(v, w.late.ptr(), 0, Some(&mut chunk(0)));
    if let Some(t) = w.thread.take() {
        let _ = HOST.thread_join(t);
    }
    let outcome = w.outcome.lock().take();
    // SAFETY: the live volume and our open file objects (the writer's is
    // ours again: its thread was joined).
    unsafe {
        close(v, &mut w.file);
        close(v, &mut w.late);
    }
    // SAFETY: as the removal above.
    let remove = unsafe { call(v, nt::IRP_MJ_PNP, nt::IRP_MN_REMOVE_DEVICE, ptr::null_mut(), 0, None, None, |_| {}) }.0;
    if !nt::nt_success(removal) {
        return Err(removal);
    }
    if late != nt::STATUS_VOLUME_DISMOUNTED {
        lkl_ntk_host::print::print_fmt(format_args!("lklfs: removal: a write after it: {late:#x}\n"));
        return Err(nt::STATUS_UNSUCCESSFUL);
    }
    if !nt::nt_success(remove) {
        return Err(remove);
    }
    match outcome {
        // The write in flight (or the first one after the removal) failed.
        Some((done, status)) if !nt::nt_success(status) && done >= BEFORE_PULL => Ok((done, status)),
        Some((done, status)) => {
            lkl_ntk_host::print::print_fmt(format_args!(
                "lklfs: removal: the writer ended after {done} writes with {status:#x}\n"
            ));
            Err(nt::STATUS_UNSUCCESSFUL)
        }
        None => Err(nt::STATUS_UNSUCCESSFUL),
    }
}
