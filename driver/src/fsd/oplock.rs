//! Oplocks in the product build: FsRtl's oplock package on each FCB's
//! oplock (initialised and torn down with the FCB, `fcb.rs`). The test
//! build grants none (`fsd::fsctl`): Wine 8's FsRtl oplock calls are stubs.
//!
//! - **Requests and acknowledgments** (the oplock FSCTLs on a file) go to
//!   FsRtlOplockFsctrl, which owns the IRP from then on: it completes it,
//!   or keeps a granted request pending until the oplock breaks. Its open
//!   count is FatOplockRequest's: the file's handles not yet cleaned up
//!   for an exclusive oplock (one, the requester's, is the only count that
//!   grants), and whether byte-range locks exist for a shared one.
//! - **The check before a request that breaks oplocks** (READ, WRITE,
//!   LOCK_CONTROL, FLUSH_BUFFERS, a SET_INFORMATION of the size, and
//!   CREATE): FsRtlCheckOplock with a completion routine, so it never
//!   waits. All of this runs under the volume's lock, which the holder's
//!   acknowledgment (an FSCTL) and its flushing writes need too: waiting
//!   there would deadlock. When a break must finish first the package
//!   keeps the IRP, and the completion routine re-posts it (or fails it)
//!   once the break is acknowledged (FatOplockComplete).
//! - **CREATE** is checked after the open, once its FCB is known: a
//!   create whose break is pending completes, with the open's own result,
//!   when the break is done; if the package fails it (cancelled), the open
//!   is undone first.
//! - **CLEANUP** tells the package its handle is going (FsRtlCheckOplock
//!   without a completion routine, which never waits for cleanup).

use alloc::boxed::Box;
use core::ffi::c_void;
use core::ptr;

use nt::{IRP, NTSTATUS};

use super::fcb::fcb_of;
use super::irp::Irp;
use super::volume::{Common, HANDED_OVER, Mount, VolumeExt, complete_posted, repost};

/// Whether `irp` (a major that breaks oplocks) may go on now: `None`, or
/// the package kept it and will re-post it (`Some`, for the caller to
/// return). Under the volume's lock.
pub(super) fn gate(irp: Irp, ext: &VolumeExt, common: Common) -> Option<(NTSTATUS, usize)> {
    if !breaks_oplocks(irp) {
        return None;
    }
    // SAFETY: the IRP's file object, live until completion; ours when it
    // has our CCB.
    let fcb = unsafe { super::volume::ccb_of(irp.file_object()).and_then(|_| fcb_of(irp.file_object())) }?;
    // SAFETY: a live FCB (its file object holds it).
    unsafe { check(irp, fcb, Again { ext: ext as *const VolumeExt as usize, common }, again) }
}

/// FsRtlCheckOplock on `fcb`'s oplock with `routine` as its completion
/// routine and `ctx` as the routine's (boxed) context: `None` to go on,
/// the package kept the IRP (`HANDED_OVER`), or its failure.
///
/// # Safety
/// `fcb` is a live FCB; `routine` takes a `Box<T>` back from its context.
unsafe fn check<T>(
    irp: Irp,
    fcb: *mut super::fcb::Fcb,
    ctx: T,
    routine: unsafe extern "system" fn(*mut c_void, *mut IRP),
) -> Option<(NTSTATUS, usize)> {
    let ctx = Box::into_raw(Box::new(ctx));
    // SAFETY: the caller's contract; the routine and its context are ours.
    let status = unsafe {
        nt::FsRtlCheckOplock(&mut (*fcb).oplock, irp.raw(), ctx.cast(), routine as *mut c_void, ptr::null_mut())
    };
    if status == nt::STATUS_PENDING {
        return Some((nt::STATUS_PENDING, HANDED_OVER));
    }
    // SAFETY: the package did not keep the context.
    drop(unsafe { Box::from_raw(ctx) });
    (status != nt::STATUS_SUCCESS).then_some((status, 0))
}

/// The majors and classes that break oplocks (checked before the common
/// routine); CREATE and CLEANUP have their own calls.
fn breaks_oplocks(irp: Irp) -> bool {
    match irp.major() {
        nt::IRP_MJ_READ | nt::IRP_MJ_WRITE | nt::IRP_MJ_LOCK_CONTROL | nt::IRP_MJ_FLUSH_BUFFERS => true,
        nt::IRP_MJ_SET_INFORMATION => {
            // SAFETY: SET_INFORMATION's stack location carries this arm.
            let class = unsafe { irp.stack().Parameters.SetFile.FileInformationClass } as u32;
            matches!(class, fs_glue::nt::FILE_END_OF_FILE_INFORMATION | fs_glue::nt::FILE_ALLOCATION_INFORMATION)
        }
        _ => false,
    }
}

/// What a re-post needs.
struct Again {
    ext: usize,
    common: Common,
}

/// The package's completion routine for a checked request: run it again
/// once the break is done, or fail it.
unsafe extern "system" fn again(ctx: *mut c_void, irp: *mut IRP) {
    // SAFETY: the context `gate` made, handed over once.
    let a = unsafe { Box::from_raw(ctx.cast::<Again>()) };
    // SAFETY: the package hands the pending IRP back, ours again.
    let (irp, status) = unsafe { (Irp::new(irp), (*irp).IoStatus.Status) };
    if status == nt::STATUS_SUCCESS {
        repost(irp, a.ext, a.common);
    } else {
        complete_posted(irp, status, 0);
    }
}

/// The check of a CREATE that opened `fo`'s file with `done` (its status
/// and information): `None` to complete it now, or the package kept it.
pub(super) fn after_create(irp: Irp, ext: &VolumeExt, done: (NTSTATUS, usize)) -> Option<(NTSTATUS, usize)> {
    // SAFETY: the create's file object, its FCB set by the create.
    let fcb = unsafe { fcb_of(irp.file_object()) }?;
    // A failure here (no memory) fails the create: the caller undoes the
    // open.
    // SAFETY: the create's FCB, live while its file object is.
    unsafe { check(irp, fcb, Opened { ext: ext as *const VolumeExt as usize, done }, opened) }
}

/// What a create's completion needs.
struct Opened {
    ext: usize,
    done: (NTSTATUS, usize),
}

/// The package's completion routine for a create: complete it with the
/// open's result, or undo the open and fail it.
unsafe extern "system" fn opened(ctx: *mut c_void, irp: *mut IRP) {
    // SAFETY: the context `after_create` made, handed over once.
    let o = unsafe { Box::from_raw(ctx.cast::<Opened>()) };
    // SAFETY: the package hands the pending IRP back, ours again.
    let (irp, status) = unsafe { (Irp::new(irp), (*irp).IoStatus.Status) };
    if status == nt::STATUS_SUCCESS {
        complete_posted(irp, o.done.0, o.done.1);
    } else {
        super::volume::post_job(irp, o.ext, move |irp, ext, m| {
            super::create::undo(irp, ext, m);
            (status, 0)
        });
    }
}

/// CLEANUP's part: the package lets go of this handle's oplock.
pub(super) fn cleanup(irp: Irp) {
    // SAFETY: the IRP's file object, live until completion.
    let Some(fcb) = (unsafe { fcb_of(irp.file_object()) }) else { return };
    // SAFETY: a live FCB's oplock; without a completion routine the
    // package handles a cleanup at once.
    unsafe { nt::FsRtlCheckOplock(&mut (*fcb).oplock, irp.raw(), ptr::null_mut(), ptr::null_mut(), ptr::null_mut()) };
}

/// An oplock FSCTL on a file: to FsRtlOplockFsctrl, which owns the IRP
/// from then on. `None` for other codes and for opens that are not of a
/// file (the common routine answers those).
pub(super) fn fsctl(irp: Irp, m: &Mount, code: u32, input: &[u8]) -> Option<(NTSTATUS, usize)> {
    let request = fsd::fsctl::OPLOCK_REQUESTS.contains(&code);
    if !request && !fsd::fsctl::OPLOCK_ACKS.contains(&code) {
        return None;
    }
    // SAFETY: the IRP's file object, live until completion.
    let fcb = unsafe { fcb_of(irp.file_object()) }.filter(|&f| unsafe { (*f).has_data })?;
    // FSCTL_REQUEST_OPLOCK says in its input whether it asks or
    // acknowledges, and for which level (the write-caching bit makes it
    // exclusive).
    let (asks, exclusive) = if code == nt::FSCTL_REQUEST_OPLOCK {
        let word = |at: usize| input.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        let (level, flags) = (word(4).unwrap_or(0), word(8).unwrap_or(0));
        (flags & nt::REQUEST_OPLOCK_INPUT_FLAG_REQUEST != 0, level & nt::OPLOCK_LEVEL_CACHE_WRITE != 0)
    } else {
        (request, code != nt::FSCTL_REQUEST_OPLOCK_LEVEL_2)
    };
    // SAFETY: a live FCB.
    let (unclean, file) = unsafe { ((*fcb).unclean, (*fcb).file) };
    let count = match (asks, exclusive) {
        (true, true) => u32::try_from(unclean).unwrap_or(u32::MAX),
        (true, false) => u32::from(m.vcb.has_byte_range_locks(file)),
        (false, _) => 0,
    };
    // SAFETY: a live FCB's oplock and our IRP, which the package takes.
    unsafe { nt::FsRtlOplockFsctrl(&mut (*fcb).oplock, irp.raw(), count) };
    Some((nt::STATUS_PENDING, HANDED_OVER))
}
