//! The product's Windows cache: `fsd::cache::CacheManager` on the Cache
//! Manager and the memory manager, for one request on one file object
//! (under the volume's lock). The rules the common routines keep are in
//! `fsd::cache`; this file adds what only Windows has:
//!
//! - **The FCB header's sizes** (what FsRtl's fast I/O and the memory
//!   manager read) change only here, with the main and paging resources
//!   held exclusive, and CcSetFileSizes follows under them
//!   (FatSetEndOfFileInfo's order). Fast I/O holds the main resource
//!   shared, so it never sees a size half changed.
//! - **The callbacks** the Cache Manager calls before it writes behind or
//!   reads ahead take the FCB's paging resource (lazy write) or main
//!   resource (read-ahead) shared and mark the thread's top-level IRP as
//!   the cache's (FatAcquireFcbForLazyWrite, FatAcquireFcbForReadAhead).
//!   The paging I/O they lead to runs on the paging workers and takes the
//!   paging resource shared past exclusive waiters (`paging.rs`), so it
//!   never waits for them.
//! - **Exceptions.** CcInitializeCacheMap, CcCopyRead/Write, CcSetFileSizes
//!   and CcFlushCache raise on failure (an I/O error of the paging I/O
//!   under them, or no memory): each runs in an SEH scope (`seh.rs`) and
//!   the raised status becomes the request's.
//! - **Paging.** The `Pager` the common routines pass is unused: Windows'
//!   cache pages through IRP_PAGING_IO requests, which `paging.rs` serves.
//!
//! Under Wine 8 every one of these calls is a stub that kills winedevice,
//! so this file is in the product build only; the recording fake proves
//! the common routines' side of it (`fsd::cache_tests`).

use core::ffi::c_void;
use core::mem::zeroed;
use core::ptr;

use fs_glue::NtStatus;
use fsd::cache::{CacheManager, FileSizes, Pager};
use nt::{CACHE_MANAGER_CALLBACKS, CC_FILE_SIZES, FILE_OBJECT, IO_STATUS_BLOCK, IRP, MDL, SECTION_OBJECT_POINTERS};

use fsd::locks::Path;

use super::fcb::{Fcb, Fcbs, Hold, acquire, fcb_of, release};
use crate::seh::guarded;

/// The Cache Manager's calls for one request on file object `fo`; other
/// files' FCBs (a create's overwrite of a file others have open) are found
/// in `fcbs`.
pub(crate) struct WinCache<'a> {
    /// The request (an MDL read or write hands its chain back in it).
    pub irp: *mut IRP,
    pub fo: *mut FILE_OBJECT,
    pub fcbs: &'a spin::Mutex<Fcbs>,
}

/// What CcInitializeCacheMap keeps for every file: the callbacks, with the
/// FCB as their context.
static CALLBACKS: CACHE_MANAGER_CALLBACKS = CACHE_MANAGER_CALLBACKS {
    AcquireForLazyWrite: Some(acquire_for_lazy_write),
    ReleaseFromLazyWrite: Some(release_from_lazy_write),
    AcquireForReadAhead: Some(acquire_for_read_ahead),
    ReleaseFromReadAhead: Some(release_from_read_ahead),
};

fn cc_sizes(s: FileSizes) -> CC_FILE_SIZES {
    let clamp = |v: u64| v.min(i64::MAX as u64) as i64;
    CC_FILE_SIZES {
        AllocationSize: clamp(s.allocation),
        FileSize: clamp(s.file_size),
        ValidDataLength: clamp(s.valid_data),
    }
}

/// CcFlushCache's and CcPurgeCacheSection's offset and length for `range`
/// (the whole file, offset unused, without one).
fn range_args(range: Option<(u64, u64)>) -> (i64, u32) {
    range.map_or((0, 0), |(a, l)| (a as i64, l.min(u64::from(u32::MAX)) as u32))
}

/// A status raised inside an SEH scope, as the request's.
fn raised(code: u32) -> NtStatus {
    NtStatus(code)
}

impl WinCache<'_> {
    /// The FCB of `file`: the request's own, or another file object's.
    fn fcb(&self, file: u64) -> Option<*mut Fcb> {
        // SAFETY: the request's live file object; an FCB it points at lives
        // while the file object does.
        let own = unsafe { fcb_of(self.fo) };
        // SAFETY: as above.
        if let Some(f) = own.filter(|&f| unsafe { (*f).file } == file) {
            return Some(f);
        }
        self.fcbs.lock().get(file)
    }

    /// The section pointers of `file`, if a file object is open on it
    /// (without one there is no section, cached or mapped).
    fn sop(&self, file: u64) -> Option<*mut SECTION_OBJECT_POINTERS> {
        // SAFETY: a live FCB (see `fcb`).
        self.fcb(file).map(|f| unsafe { &raw mut (*f).sop })
    }

    /// A file object the cache knows `fcb` by: the request's, or the one
    /// the Cache Manager caches the file through (null when none).
    fn file_object_of(&self, fcb: *mut Fcb) -> *mut FILE_OBJECT {
        // SAFETY: a live FCB and the request's live file object.
        unsafe {
            let sop = &raw mut (*fcb).sop;
            if (*self.fo).SectionObjectPointer == sop.cast() {
                return self.fo;
            }
            nt::CcGetFileObjectFromSectionPtrs(sop)
        }
    }
}

/// CcMdlRead's and CcPrepareMdlWrite's shape.
type MdlCall = unsafe extern "system" fn(*mut FILE_OBJECT, *mut i64, u32, *mut *mut MDL, *mut IO_STATUS_BLOCK);

impl WinCache<'_> {
    /// `call` (CcMdlRead or CcPrepareMdlWrite) for `len` bytes at `offset`,
    /// its chain to the IRP's MdlAddress (which IRP_MN_MDL requests bring
    /// empty).
    fn mdl(&mut self, offset: u64, len: usize, call: MdlCall) -> Result<(), NtStatus> {
        let len = u32::try_from(len).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let (fo, irp) = (self.fo, self.irp);
        let mut at = offset as i64;
        // SAFETY: zero is a valid IO_STATUS_BLOCK.
        let mut iosb: IO_STATUS_BLOCK = unsafe { zeroed() };
        // SAFETY: a cached file object and the request's IRP.
        guarded(|| unsafe { call(fo, &mut at, len, (&raw mut (*irp).MdlAddress).cast(), &mut iosb) })
            .map_err(raised)?;
        if nt::nt_success(iosb.Status) { Ok(()) } else { Err(NtStatus(iosb.Status as u32)) }
    }
}

/// Sets the FCB header's sizes. The caller holds the main and the paging
/// resource exclusive.
///
/// # Safety
/// `fcb` is a live FCB.
unsafe fn set_header(fcb: *mut Fcb, s: &CC_FILE_SIZES) {
    // SAFETY: the caller's contract.
    unsafe {
        (*fcb).header.AllocationSize = s.AllocationSize;
        (*fcb).header.FileSize = s.FileSize;
        (*fcb).header.ValidDataLength = s.ValidDataLength;
    }
}

impl CacheManager for WinCache<'_> {
    fn is_cached(&self, _fo: u64) -> bool {
        // SAFETY: the request's live file object.
        unsafe { !(*self.fo).PrivateCacheMap.is_null() }
    }

    fn has_data_section(&self, file: u64) -> bool {
        // SAFETY: a live FCB's section pointers.
        self.sop(file).is_some_and(|s| unsafe { !(*s).DataSectionObject.is_null() })
    }

    fn initialize(&mut self, _fo: u64, file: u64, sizes: FileSizes) -> Result<(), NtStatus> {
        let Some(fcb) = self.fcb(file) else { return Err(NtStatus::INVALID_PARAMETER) };
        let mut cc = cc_sizes(sizes);
        {
            // SAFETY: a live FCB.
            let _held = unsafe { Hold::new(fcb, Path::SizeChange) };
            // SAFETY: both resources held.
            unsafe { set_header(fcb, &cc) };
        }
        let fo = self.fo;
        let callbacks = (&raw const CALLBACKS).cast_mut();
        // SAFETY: the request's file object, whose SectionObjectPointer is
        // the FCB's; the callbacks are static and the FCB outlives its
        // cache maps (it goes at the last CLOSE, after every cleanup's
        // CcUninitializeCacheMap).
        guarded(|| unsafe { nt::CcInitializeCacheMap(fo, &mut cc, 0, callbacks, fcb.cast()) }).map_err(raised)
    }

    fn copy_read(&mut self, _fo: u64, offset: u64, buf: &mut [u8], _pager: &mut dyn Pager) -> Result<(), NtStatus> {
        let len = u32::try_from(buf.len()).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let (fo, p) = (self.fo, buf.as_mut_ptr());
        let mut at = offset as i64;
        // SAFETY: zero is a valid IO_STATUS_BLOCK.
        let mut iosb: IO_STATUS_BLOCK = unsafe { zeroed() };
        // Wait: this is a worker thread, which may block.
        // SAFETY: a cached file object and `len` writable bytes at `p`.
        guarded(|| unsafe {
            nt::CcCopyRead(fo, &mut at, len, 1, p.cast(), &mut iosb);
        })
        .map_err(raised)?;
        if nt::nt_success(iosb.Status) { Ok(()) } else { Err(NtStatus(iosb.Status as u32)) }
    }

    fn copy_write(&mut self, _fo: u64, offset: u64, data: &[u8], _pager: &mut dyn Pager) -> Result<(), NtStatus> {
        let len = u32::try_from(data.len()).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let (fo, p) = (self.fo, data.as_ptr().cast_mut());
        let mut at = offset as i64;
        // SAFETY: a cached file object and `len` readable bytes at `p`
        // (CcCopyWrite only reads them).
        guarded(|| unsafe {
            nt::CcCopyWrite(fo, &mut at, len, 1, p.cast());
        })
        .map_err(raised)
    }

    fn mdl_read(&mut self, _fo: u64, offset: u64, len: usize, _pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.mdl(offset, len, nt::CcMdlRead)
    }

    fn prepare_mdl_write(&mut self, _fo: u64, offset: u64, len: usize, _pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.mdl(offset, len, nt::CcPrepareMdlWrite)
    }

    fn set_file_sizes(&mut self, file: u64, sizes: FileSizes) {
        let Some(fcb) = self.fcb(file) else { return };
        let mut cc = cc_sizes(sizes);
        // SAFETY: a live FCB. Main before paging (fastfat's order);
        // CcSetFileSizes runs under both, as in FatSetEndOfFileInfo's
        // truncation, and waits for no paging I/O (`fsd::locks`).
        let _held = unsafe { Hold::new(fcb, Path::SizeChange) };
        // SAFETY: both held.
        unsafe { set_header(fcb, &cc) };
        let fo = self.file_object_of(fcb);
        if fo.is_null() {
            // Not cached through any file object: the header is all the
            // cache will read when it starts.
            return;
        }
        // A failure leaves the section at its old size: a later copy past
        // it raises, inside its own scope, and fails that request.
        // SAFETY: a file object of this FCB.
        let _ = guarded(|| unsafe { nt::CcSetFileSizes(fo, &mut cc) });
    }

    fn flush(&mut self, file: u64, range: Option<(u64, u64)>, _pager: &mut dyn Pager) -> Result<(), NtStatus> {
        let Some(sop) = self.sop(file) else { return Ok(()) };
        let (mut at, len) = range_args(range);
        let offset = if range.is_some() { &raw mut at } else { ptr::null_mut() };
        // SAFETY: zero is a valid IO_STATUS_BLOCK.
        let mut iosb: IO_STATUS_BLOCK = unsafe { zeroed() };
        // SAFETY: a live FCB's section pointers.
        guarded(|| unsafe { nt::CcFlushCache(sop, offset, len, &mut iosb) }).map_err(raised)?;
        if nt::nt_success(iosb.Status) { Ok(()) } else { Err(NtStatus(iosb.Status as u32)) }
    }

    fn purge(&mut self, file: u64, range: Option<(u64, u64)>) -> bool {
        let Some(sop) = self.sop(file) else { return true };
        let (mut at, len) = range_args(range);
        let offset = if range.is_some() { &raw mut at } else { ptr::null_mut() };
        let mut purged = 0u8;
        // SAFETY: a live FCB's section pointers.
        let done = guarded(|| unsafe { purged = nt::CcPurgeCacheSection(sop, offset, len, 0) });
        done.is_ok() && purged != 0
    }

    fn uninitialize(&mut self, _fo: u64, truncate: Option<u64>, _pager: &mut dyn Pager) {
        let mut size = truncate.map_or(0, |t| t.min(i64::MAX as u64) as i64);
        let size = if truncate.is_some() { &raw mut size } else { ptr::null_mut() };
        // Every file open's cleanup calls it, cached or not (FatCommonCleanup);
        // it does not wait for the lazy writer (no event).
        // SAFETY: the request's live file object, open on a file when it
        // has section pointers.
        unsafe {
            if !(*self.fo).SectionObjectPointer.is_null() {
                nt::CcUninitializeCacheMap(self.fo, size, ptr::null_mut());
            }
        }
    }

    fn can_be_truncated(&mut self, file: u64, size: u64) -> bool {
        let Some(sop) = self.sop(file) else { return true };
        let mut size = size.min(i64::MAX as u64) as i64;
        // SAFETY: a live FCB's section pointers.
        unsafe { nt::MmCanFileBeTruncated(sop, &mut size) != 0 }
    }

    fn flush_image(&mut self, file: u64, for_delete: bool) -> bool {
        let Some(sop) = self.sop(file) else { return true };
        let how = if for_delete { nt::MmFlushForDelete } else { nt::MmFlushForWrite };
        // SAFETY: a live FCB's section pointers.
        unsafe { nt::MmFlushImageSection(sop, how) != 0 }
    }
}

/// The Cache Manager's mark for requests it makes (IoSetTopLevelIrp).
fn cache_top_level() -> *mut IRP {
    nt::FSRTL_CACHE_TOP_LEVEL_IRP as *mut IRP
}

/// Before the lazy writer writes the file's dirty pages: the paging
/// resource shared (FatAcquireFcbForLazyWrite).
unsafe extern "system" fn acquire_for_lazy_write(ctx: *mut c_void, wait: u8) -> u8 {
    // SAFETY: the FCB given to CcInitializeCacheMap, live while it is
    // cached; the Cache Manager calls from a system thread.
    unsafe { acquire_for_cache(ctx.cast(), Path::LazyWrite, wait) }
}

unsafe extern "system" fn release_from_lazy_write(ctx: *mut c_void) {
    // SAFETY: acquired by `acquire_for_lazy_write` on this thread.
    unsafe { release_from_cache(ctx.cast(), Path::LazyWrite) };
}

/// Before read-ahead: the main resource shared, so that it cannot run
/// into a purge (FatAcquireFcbForReadAhead).
unsafe extern "system" fn acquire_for_read_ahead(ctx: *mut c_void, wait: u8) -> u8 {
    // SAFETY: as in `acquire_for_lazy_write`.
    unsafe { acquire_for_cache(ctx.cast(), Path::ReadAhead, wait) }
}

unsafe extern "system" fn release_from_read_ahead(ctx: *mut c_void) {
    // SAFETY: acquired by `acquire_for_read_ahead` on this thread.
    unsafe { release_from_cache(ctx.cast(), Path::ReadAhead) };
}

/// The Cache Manager's acquisitions: the plan's resources, then the
/// top-level IRP marked as the cache's.
///
/// # Safety
/// `fcb` is a live FCB; the caller has kernel APCs disabled.
unsafe fn acquire_for_cache(fcb: *mut Fcb, path: Path, wait: u8) -> u8 {
    // SAFETY: the caller's contract.
    unsafe {
        if !acquire(fcb, path, wait != 0) {
            return 0;
        }
        nt::IoSetTopLevelIrp(cache_top_level());
    }
    1
}

/// # Safety
/// `acquire_for_cache(fcb, path)` succeeded on this thread.
unsafe fn release_from_cache(fcb: *mut Fcb, path: Path) {
    // SAFETY: the caller's contract.
    unsafe {
        nt::IoSetTopLevelIrp(ptr::null_mut());
        release(fcb, path);
    }
}

/// Writes every cached file of the volume back (fastfat's FatFlushVolume)
/// before a dismount that unmounts it from Linux at once (an eject, a
/// shutdown): the lazy writer's dirty pages would otherwise reach a
/// volume gone from Linux. Under the volume's lock, on a worker, as a
/// FLUSH_BUFFERS is; a failed flush leaves that file's pages to fail later.
pub(crate) fn flush_volume(ext: &super::volume::VolumeExt) {
    let sections = ext.fcbs.lock().sections();
    for sop in sections {
        // SAFETY: zero is a valid IO_STATUS_BLOCK.
        let mut iosb: IO_STATUS_BLOCK = unsafe { zeroed() };
        // SAFETY: a live FCB's section pointers (the volume lock keeps its
        // CLOSE out); a file never cached has none, which CcFlushCache
        // takes as nothing to do.
        let _ = guarded(|| unsafe { nt::CcFlushCache(sop, ptr::null_mut(), 0, &mut iosb) });
    }
}

/// The start of a cached WRITE (fastfat's FatCommonWrite): when the Cache
/// Manager says the write must wait for the lazy writer (too many dirty
/// pages), CcDeferWrite keeps it and calls back once it may go on, and the
/// write is posted again then (`retrying`). Before the volume's lock, so
/// nothing waits while holding it. True when deferred.
pub(crate) fn defer_write(irp: super::irp::Irp, ext: usize, retrying: bool) -> bool {
    if irp.major() != nt::IRP_MJ_WRITE {
        return false;
    }
    let fo = irp.file_object();
    // SAFETY: a live IRP of ours and its file object.
    let (flags, length) = unsafe { ((*irp.raw()).Flags, irp.stack().Parameters.Write.Length) };
    // SAFETY: as above; ours only with one of our CCBs.
    let file = unsafe { super::volume::ccb_of(fo).and_then(|_| fcb_of(fo)) };
    if flags & (nt::IRP_NOCACHE | nt::IRP_PAGING_IO) != 0 || length == 0 || file.is_none() {
        return false;
    }
    // SAFETY: the request's live file object; no wait.
    if unsafe { nt::CcCanIWrite(fo, length, 0, u8::from(retrying)) } != 0 {
        return false;
    }
    // SAFETY: the IRP stays pending and ours until the callback posts it.
    unsafe { nt::CcDeferWrite(fo, deferred, irp.raw().cast(), ext as *mut c_void, length, u8::from(retrying)) };
    true
}

/// CcDeferWrite's callback: the write may go on now.
unsafe extern "system" fn deferred(irp: *mut c_void, ext: *mut c_void) {
    // SAFETY: the pending IRP `defer_write` handed over, ours again.
    let irp = unsafe { super::irp::Irp::new(irp.cast()) };
    super::volume::retry_write(irp, ext as usize);
}
