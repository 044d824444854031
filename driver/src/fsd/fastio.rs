//! The product's fast I/O table (`DriverObject->FastIoDispatch`): reads and
//! writes of cached files straight from the cache, past the IRPs, and the
//! callbacks the memory manager and the Cache Manager call to take a file's
//! resources.
//!
//! - **Read**: FsRtlCopyRead itself. It reads the header's
//!   IsFastIoPossible (kept by `fcb::refresh_fast_io`) and FileSize under
//!   the main resource shared, and asks FastIoCheckIfPossible when the
//!   answer is "questionable".
//! - **Write**: FsRtlCopyWrite, but only within the file's size. A write
//!   past the end must grow Linux's file first (as the IRP path's cached
//!   write does), or the lazy writer's page-out, cut at Linux's size, would
//!   drop it; so an extending write, and an append, answer FALSE and take
//!   the IRP path. The main resource is held shared across the call, so
//!   that no size change (which takes it exclusive) comes between the
//!   check and the copy, and FsRtlCopyWrite's own shared acquisition of it
//!   is a recursive one.
//! - **FastIoCheckIfPossible** asks the common routine (`fsd::fastio`)
//!   under the volume's lock, but only takes that lock if it is free: its
//!   callers hold the main resource, which a request holding the volume's
//!   lock may be waiting for. Busy means FALSE, and the IRP path decides.
//! - **The MDL entries** are null: srv's MDL reads and writes then come
//!   as IRP_MN_MDL requests (`mdl.rs`), which go through the same checks
//!   (and extend Linux's file first) as the IRP path's copies.
//! - **Create section** (AcquireFileForNtCreateSection): the main resource
//!   exclusive, so no open or size change runs while the memory manager
//!   makes a section (fastfat's FatFilterCallbackAcquireForCreateSection).
//! - **Cache flush** (AcquireForCcFlush): main (shared if this thread
//!   holds it already, else exclusive), then paging shared
//!   (FatAcquireForCcFlush); the top-level IRP is marked as the cache's.
//! - **Modified-page writer**: no entry, so FsRtl's default takes the
//!   header's resources (FsRtlAcquireFileForModWrite).
//! - Every other entry is null: those requests come as IRPs.
//!
//! The table serves every device of the driver, so each entry first checks
//! that the file object is open on a file of one of our volumes.

use core::ffi::c_void;
use core::mem::size_of;
use core::ptr;

use nt::{DEVICE_OBJECT, FAST_IO_DISPATCH, FILE_OBJECT, IO_STATUS_BLOCK, IRP, NTSTATUS};

use fsd::locks::Path;

use super::fcb::{Fcb, acquire, fcb_of, release};
use super::volume::{ccb_of, volume_of};

/// The table, shared by every thread: its entries never change and the
/// I/O manager only reads it.
struct Table(FAST_IO_DISPATCH);

// SAFETY: read-only after compile time; the pointers are code addresses.
unsafe impl Sync for Table {}

static FAST_IO: Table = Table(FAST_IO_DISPATCH {
    SizeOfFastIoDispatch: size_of::<FAST_IO_DISPATCH>() as u32,
    FastIoCheckIfPossible: check_if_possible as *mut c_void,
    FastIoRead: nt::FsRtlCopyRead as *mut c_void,
    FastIoWrite: write as *mut c_void,
    FastIoQueryBasicInfo: ptr::null_mut(),
    FastIoQueryStandardInfo: ptr::null_mut(),
    FastIoLock: ptr::null_mut(),
    FastIoUnlockSingle: ptr::null_mut(),
    FastIoUnlockAll: ptr::null_mut(),
    FastIoUnlockAllByKey: ptr::null_mut(),
    FastIoDeviceControl: ptr::null_mut(),
    AcquireFileForNtCreateSection: acquire_for_create_section as *mut c_void,
    ReleaseFileForNtCreateSection: release_for_create_section as *mut c_void,
    FastIoDetachDevice: ptr::null_mut(),
    FastIoQueryNetworkOpenInfo: ptr::null_mut(),
    AcquireForModWrite: ptr::null_mut(),
    MdlRead: ptr::null_mut(),
    MdlReadComplete: ptr::null_mut(),
    PrepareMdlWrite: ptr::null_mut(),
    MdlWriteComplete: ptr::null_mut(),
    FastIoReadCompressed: ptr::null_mut(),
    FastIoWriteCompressed: ptr::null_mut(),
    MdlReadCompleteCompressed: ptr::null_mut(),
    MdlWriteCompleteCompressed: ptr::null_mut(),
    FastIoQueryOpen: ptr::null_mut(),
    ReleaseForModWrite: ptr::null_mut(),
    AcquireForCcFlush: acquire_for_cc_flush as *mut c_void,
    ReleaseForCcFlush: release_for_cc_flush as *mut c_void,
});

/// Installs the table. DriverEntry, before any device exists.
///
/// # Safety
/// `driver` is our live driver object.
pub(crate) unsafe fn install(driver: *mut nt::DRIVER_OBJECT) {
    // SAFETY: the caller's contract; the I/O manager only reads the table.
    unsafe { (*driver).FastIoDispatch = (&raw const FAST_IO.0).cast_mut().cast() };
}

/// The FCB of `fo` if it is open on a file of one of our volumes.
///
/// # Safety
/// `fo` and `device` are the I/O manager's: a live file object on a live
/// device of this driver.
unsafe fn file_fcb(fo: *mut FILE_OBJECT, device: *mut DEVICE_OBJECT) -> Option<*mut Fcb> {
    // SAFETY: the caller's contract; a volume device's file objects carry
    // our CCB (checked by node type) and an FCB or the volume.
    unsafe {
        volume_of(device)?;
        ccb_of(fo)?;
        fcb_of(fo)
    }
}

/// FastIoCheckIfPossible.
unsafe extern "system" fn check_if_possible(
    fo: *mut FILE_OBJECT,
    offset: *mut i64,
    length: u32,
    _wait: u8,
    key: u32,
    read: u8,
    _iosb: *mut IO_STATUS_BLOCK,
    device: *mut DEVICE_OBJECT,
) -> u8 {
    // SAFETY: the I/O manager's (or FsRtl's) arguments.
    let Some(fcb) = (unsafe { file_fcb(fo, device) }) else { return 0 };
    // An oplock being broken stops fast I/O (FatFastIoCheckIfPossible).
    // SAFETY: a live FCB's oplock.
    if unsafe { nt::FsRtlOplockIsFastIoPossible(&mut (*fcb).oplock) } == 0 {
        return 0;
    }
    // SAFETY: a live FCB of a registered volume.
    let ext = unsafe { &*(*fcb).volume };
    // Never wait: the caller holds the main resource (module comment).
    let Some(mut mount) = ext.mount.try_lock() else { return 0 };
    let Some(m) = mount.as_mut() else { return 0 };
    // SAFETY: the file object has our CCB (checked above), live for the
    // call; the offset is the caller's.
    let (c, at) = unsafe { (ccb_of(fo), *offset) };
    let (Some(c), Ok(at)) = (c, u64::try_from(at)) else { return 0 };
    // SAFETY: as above.
    let (synchronous, mut position) =
        unsafe { ((*fo).Flags & nt::FO_SYNCHRONOUS_IO != 0, (*fo).CurrentByteOffset.max(0) as u64) };
    let f = fsd::FileRef { ccb: &mut c.ccb, position: &mut position, synchronous, process: current_process(), key };
    u8::from(m.vcb.fast_io_check(&f, at, length as usize, read == 0))
}

/// The calling process, as the IRP path names a lock's owner (fast I/O
/// runs in the requestor's context).
fn current_process() -> usize {
    // SAFETY: no arguments; the current thread's process.
    (unsafe { nt::IoGetCurrentProcess() }) as usize
}

/// FastIoWrite: FsRtlCopyWrite within the file's size only (module
/// comment).
unsafe extern "system" fn write(
    fo: *mut FILE_OBJECT,
    offset: *mut i64,
    length: u32,
    wait: u8,
    key: u32,
    buffer: *mut c_void,
    iosb: *mut IO_STATUS_BLOCK,
    device: *mut DEVICE_OBJECT,
) -> u8 {
    // SAFETY: the I/O manager's arguments.
    let Some(fcb) = (unsafe { file_fcb(fo, device) }) else { return 0 };
    // SAFETY: a live FCB; its main resource held shared across the copy
    // (taken without waiting unless the caller may wait).
    unsafe {
        nt::KeEnterCriticalRegion();
        if !acquire(fcb, Path::FastWrite, wait != 0) {
            nt::KeLeaveCriticalRegion();
            return 0;
        }
        let at = *offset;
        let within = at >= 0 && at.checked_add(i64::from(length)).is_some_and(|end| end <= (*fcb).header.FileSize);
        let done = within && nt::FsRtlCopyWrite(fo, offset, length, wait, key, buffer, iosb, device.cast()) != 0;
        release(fcb, Path::FastWrite);
        nt::KeLeaveCriticalRegion();
        u8::from(done)
    }
}

/// AcquireFileForNtCreateSection: the main resource exclusive.
unsafe extern "system" fn acquire_for_create_section(fo: *mut FILE_OBJECT) {
    // SAFETY: the memory manager's file object, open on one of our files
    // (it asks the driver whose device the file object is on).
    if let Some(fcb) = unsafe { ccb_of(fo).and_then(|_| fcb_of(fo)) } {
        // SAFETY: a live FCB; the caller has kernel APCs disabled.
        unsafe { acquire(fcb, Path::CreateSection, true) };
    }
}

/// ReleaseFileForNtCreateSection.
unsafe extern "system" fn release_for_create_section(fo: *mut FILE_OBJECT) {
    // SAFETY: as above; acquired by `acquire_for_create_section`.
    if let Some(fcb) = unsafe { ccb_of(fo).and_then(|_| fcb_of(fo)) } {
        // SAFETY: as above.
        unsafe { release(fcb, Path::CreateSection) };
    }
}

/// AcquireForCcFlush: main, then paging shared (FatAcquireForCcFlush).
unsafe extern "system" fn acquire_for_cc_flush(fo: *mut FILE_OBJECT, device: *mut DEVICE_OBJECT) -> NTSTATUS {
    // SAFETY: the memory manager's arguments.
    let Some(fcb) = (unsafe { file_fcb(fo, device) }) else { return nt::STATUS_SUCCESS };
    // SAFETY: a live FCB; the caller has kernel APCs disabled.
    unsafe {
        if nt::IoGetTopLevelIrp().is_null() {
            nt::IoSetTopLevelIrp(nt::FSRTL_CACHE_TOP_LEVEL_IRP as *mut IRP);
        }
        // Main shared if this thread holds it shared (a fast read), which
        // `acquire` knows.
        acquire(fcb, Path::CcFlush, true);
    }
    nt::STATUS_SUCCESS
}

/// ReleaseForCcFlush.
unsafe extern "system" fn release_for_cc_flush(fo: *mut FILE_OBJECT, device: *mut DEVICE_OBJECT) -> NTSTATUS {
    // SAFETY: as above; acquired by `acquire_for_cc_flush`.
    let Some(fcb) = (unsafe { file_fcb(fo, device) }) else { return nt::STATUS_SUCCESS };
    // SAFETY: as above.
    unsafe {
        if nt::IoGetTopLevelIrp() == nt::FSRTL_CACHE_TOP_LEVEL_IRP as *mut IRP {
            nt::IoSetTopLevelIrp(ptr::null_mut());
        }
        release(fcb, Path::CcFlush);
    }
    nt::STATUS_SUCCESS
}
