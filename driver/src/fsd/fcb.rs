//! The file control block: `FileObject->FsContext` of every file object
//! open on one file (an open of the volume keeps the volume's extension
//! there; the node type at offset 0 tells them apart). It starts with the
//! FSRTL_ADVANCED_FCB_HEADER that the Cache Manager, the memory manager
//! and FsRtl read through FsContext, and holds the file's
//! SECTION_OBJECT_POINTERS (`FileObject->SectionObjectPointer`), its main
//! and paging resources and the header's fast mutex, all in nonpaged
//! memory.
//!
//! The volume's FCBs live in its device extension, not in its mount: a
//! file object, and the Cache Manager's reference to one, may outlive the
//! volume's unmount from Linux. An FCB goes at the CLOSE of its last file
//! object.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::ffi::c_void;
use core::mem::{offset_of, size_of, zeroed};
use core::ptr;

use fsd::locks::{Lock, Mode, Path};
use nt::{ERESOURCE, FAST_MUTEX, FILE_OBJECT, FSRTL_ADVANCED_FCB_HEADER, SECTION_OBJECT_POINTERS};

use super::volume::VolumeExt;

/// The FCB's node type (the VCB's and CCB's are `volume::NODE_*`).
pub(crate) const NODE_FCB: u16 = 0x4C03;

/// One file's control block. `header` must stay first: FsContext points
/// at it.
#[repr(C)]
pub(crate) struct Fcb {
    pub header: FSRTL_ADVANCED_FCB_HEADER,
    pub sop: SECTION_OBJECT_POINTERS,
    main: ERESOURCE,
    paging: ERESOURCE,
    mutex: FAST_MUTEX,
    /// The file's oplock (FsRtlInitializeOplock's), beside the Vista-layout
    /// header that has no room for it.
    pub oplock: *mut c_void,
    /// The volume the file is on.
    pub volume: *const VolumeExt,
    /// The file's id (its inode number).
    pub file: u64,
    /// File objects whose FsContext this is.
    refs: usize,
    /// Those not yet cleaned up (an oplock request's open count).
    pub unclean: usize,
    /// The file's own Linux descriptor for paging I/O (`paging.rs`): it
    /// follows the file through renames and unlinks, and paging I/O needs
    /// no fs-glue handle (nor the volume's lock) to use it. Closed at the
    /// FCB's end, or before the volume's unmount.
    pub paging_fd: spin::Mutex<Option<PagingFd>>,
    /// It had a descriptor (a regular file): without one now, its volume
    /// was unmounted; without one ever, it has no data to page.
    pub has_data: bool,
}

/// A Linux descriptor of a file, closed when dropped (on a host thread:
/// every FCB goes on a worker).
pub(crate) struct PagingFd {
    pub kernel: Arc<lkl::Kernel>,
    pub fd: lkl::Fd,
}

impl Drop for PagingFd {
    fn drop(&mut self) {
        let _ = self.kernel.close(self.fd);
    }
}

/// A volume's FCBs by file id; boxed, so each stays where file objects
/// point until it goes.
#[derive(Default)]
pub(crate) struct Fcbs(BTreeMap<u64, Box<Fcb>>);

// SAFETY: the FCBs are reached through the map's lock (and through file
// objects, whose requests the I/O manager hands to one routine at a time).
unsafe impl Send for Fcbs {}

impl Fcbs {
    /// The FCB of `file` for one more file object, made (for a file of
    /// `size` bytes) if it has none.
    /// `paging` is the file's descriptor for a new FCB (dropped, so closed,
    /// when the FCB exists already).
    pub(crate) fn open(
        &mut self,
        volume: *const VolumeExt,
        file: u64,
        size: u64,
        paging: Option<PagingFd>,
    ) -> *mut Fcb {
        let fcb = self.0.entry(file).or_insert_with(|| {
            let mut f = Fcb::new(volume, file, size);
            f.has_data = paging.is_some();
            *f.paging_fd.lock() = paging;
            f
        });
        fcb.refs += 1;
        fcb.unclean += 1;
        &mut **fcb
    }

    /// The CLOSE of a file object of `fcb`: at the last one the FCB leaves
    /// the map, and the caller drops it once the map's lock is released
    /// (dropping closes its descriptor in Linux).
    pub(crate) fn release(&mut self, fcb: *mut Fcb) -> Option<Box<Fcb>> {
        // SAFETY: a live FCB of this map (the caller read it from a file
        // object of this volume that is closing now).
        let file = unsafe { (*fcb).file };
        let f = self.0.get_mut(&file)?;
        f.refs = f.refs.saturating_sub(1);
        if f.refs == 0 { self.0.remove(&file) } else { None }
    }

    /// Whether `file` has an FCB (a create then needs no new descriptor).
    pub(crate) fn contains(&self, file: u64) -> bool {
        self.0.contains_key(&file)
    }

    /// The FCB of `file`, if a file object is open on it. It stays while
    /// the caller holds the volume's lock (an FCB goes at a CLOSE, which
    /// takes that lock).
    #[cfg(not(feature = "testing"))]
    pub(crate) fn get(&mut self, file: u64) -> Option<*mut Fcb> {
        self.0.get_mut(&file).map(|f| &raw mut **f)
    }

    /// The section pointers of every FCB, for a flush of the whole
    /// volume. They stay while the caller holds the volume's lock (as
    /// `get`'s FCBs do).
    #[cfg(not(feature = "testing"))]
    pub(crate) fn sections(&mut self) -> alloc::vec::Vec<*mut SECTION_OBJECT_POINTERS> {
        self.0.values_mut().map(|f| &raw mut f.sop).collect()
    }

    /// Fast I/O on none of them (the volume is dismounted).
    pub(crate) fn no_fast_io(&mut self) {
        for f in self.0.values_mut() {
            f.header.IsFastIoPossible = nt::FastIoIsNotPossible;
        }
    }

    /// Takes every FCB's paging descriptor (before the volume's unmount,
    /// which an open descriptor would keep busy), for the caller to drop,
    /// which closes them, once the map's lock is released; paging I/O then
    /// finds the volume dismounted. Each is taken under its FCB's paging
    /// resource, so no paging request is using it.
    pub(crate) fn take_paging(&mut self) -> alloc::vec::Vec<PagingFd> {
        let mut taken = alloc::vec::Vec::new();
        for f in self.0.values_mut() {
            // SAFETY: a live FCB of the map.
            let _held = unsafe { Hold::new(&raw mut **f, Path::Unmount) };
            taken.extend(f.paging_fd.lock().take());
        }
        taken
    }
}

/// Takes what `path` takes of `fcb`'s resources, in the plan's order and
/// modes (`fsd::locks`, whose tests check the plan); false, with nothing
/// held, when `wait` is false and one is busy. The volume's lock is not an
/// FCB's and is taken by the caller. The caller has kernel APCs disabled.
///
/// # Safety
/// `fcb` is a live FCB.
pub(crate) unsafe fn acquire(fcb: *mut Fcb, path: Path, wait: bool) -> bool {
    let mut taken = 0;
    for &(lock, mode) in path.takes() {
        // SAFETY: the caller's contract.
        let Some(r) = (unsafe { resource(fcb, lock) }) else { continue };
        let w = u8::from(wait);
        // SAFETY: an initialised resource of a live FCB.
        let got = unsafe {
            match mode {
                // FatAcquireForCcFlush: shared when this thread holds it
                // shared already (exclusive would wait for itself).
                Mode::Exclusive if path == Path::CcFlush && nt::ExIsResourceAcquiredSharedLite(r) != 0 => {
                    nt::ExAcquireResourceSharedLite(r, w)
                }
                Mode::Exclusive => nt::ExAcquireResourceExclusiveLite(r, w),
                Mode::Shared => nt::ExAcquireResourceSharedLite(r, w),
                Mode::SharedStarving => nt::ExAcquireSharedStarveExclusive(r, w),
                Mode::Try => nt::ExAcquireResourceExclusiveLite(r, 0),
            }
        };
        if got == 0 {
            // SAFETY: the first `taken` of the plan's entries were taken.
            unsafe { release_first(fcb, path, taken) };
            return false;
        }
        taken += 1;
    }
    true
}

/// Releases what `acquire(fcb, path)` took.
///
/// # Safety
/// As [`acquire`], which returned true on this thread.
pub(crate) unsafe fn release(fcb: *mut Fcb, path: Path) {
    // SAFETY: the caller's contract.
    unsafe { release_first(fcb, path, path.takes().len()) };
}

/// Releases the first `n` of `path`'s entries, last first.
///
/// # Safety
/// Those were taken on this thread.
unsafe fn release_first(fcb: *mut Fcb, path: Path, n: usize) {
    for &(lock, _) in path.takes().iter().take(n).rev() {
        // SAFETY: the caller's contract.
        if let Some(r) = unsafe { resource(fcb, lock) } {
            // SAFETY: held by this thread.
            unsafe { nt::ExReleaseResourceLite(r) };
        }
    }
}

/// The resource of `fcb` that is `lock` (the volume's lock is not one).
///
/// # Safety
/// `fcb` is a live FCB.
unsafe fn resource(fcb: *mut Fcb, lock: Lock) -> Option<*mut ERESOURCE> {
    // SAFETY: the caller's contract.
    unsafe {
        match lock {
            Lock::Main => Some(&raw mut (*fcb).main),
            Lock::Paging => Some(&raw mut (*fcb).paging),
            Lock::Volume => None,
        }
    }
}

/// `path`'s resources of an FCB, held inside a critical region until
/// dropped.
pub(crate) struct Hold {
    fcb: *mut Fcb,
    path: Path,
}

impl Hold {
    /// Waits for `path`'s resources of `fcb`.
    ///
    /// # Safety
    /// `fcb` is a live FCB that outlives the guard.
    pub(crate) unsafe fn new(fcb: *mut Fcb, path: Path) -> Hold {
        // SAFETY: the caller's contract; resources are held with kernel
        // APCs off.
        unsafe {
            nt::KeEnterCriticalRegion();
            acquire(fcb, path, true);
        }
        Hold { fcb, path }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        // SAFETY: acquired by `new`, in its critical region.
        unsafe {
            release(self.fcb, self.path);
            nt::KeLeaveCriticalRegion();
        }
    }
}

impl Fcb {
    fn new(volume: *const VolumeExt, file: u64, size: u64) -> Box<Fcb> {
        // SAFETY: every field is plain data, pointers or the kernel's
        // structures, whose all-zero state precedes their initialisation
        // below.
        let mut b: Box<Fcb> = Box::new(unsafe { zeroed() });
        // The zeroed bytes are no valid lock or descriptor: written in place,
        // never dropped.
        // SAFETY: `paging_fd` is in the box, and its bytes held nothing.
        unsafe { ptr::write(&raw mut b.paging_fd, spin::Mutex::new(None)) };
        b.volume = volume;
        b.file = file;
        let size = size.min(i64::MAX as u64) as i64;
        let h = &mut b.header;
        h.NodeTypeCode = NODE_FCB as i16;
        h.NodeByteSize = size_of::<Fcb>() as i16;
        h.IsFastIoPossible = nt::FastIoIsNotPossible;
        h.AllocationSize = size.saturating_add(4095) & !4095;
        h.FileSize = size;
        h.ValidDataLength = size;
        // FsRtlSetupAdvancedHeader (a macro of ntifs.h): the flags, the
        // version (the high nibble of its byte), an empty filter-context
        // list and the fast mutex.
        h.Flags |= nt::FSRTL_FLAG_ADVANCED_HEADER;
        h.Flags2 |= nt::FSRTL_FLAG2_SUPPORTS_FILTER_CONTEXTS;
        h._reserved_version = nt::FSRTL_FCB_HEADER_V1 << 4;
        let raw: *mut Fcb = &mut *b;
        // SAFETY: `raw` is the boxed FCB, which does not move from here on;
        // the kernel structures are initialised once, in nonpaged memory
        // (the Rust heap is nonpaged pool).
        unsafe {
            let list = &raw mut (*raw).header.FilterContexts;
            (*list).Flink = list;
            (*list).Blink = list;
            // ExInitializeFastMutex (inline in wdm.h).
            let m = &raw mut (*raw).mutex;
            (*m).Count = 1;
            nt::KeInitializeEvent(&raw mut (*m).Event, nt::SynchronizationEvent, 0);
            (*raw).header.FastMutex = m;
            nt::ExInitializeResourceLite(&raw mut (*raw).main);
            nt::ExInitializeResourceLite(&raw mut (*raw).paging);
            (*raw).header.Resource = &raw mut (*raw).main;
            (*raw).header.PagingIoResource = &raw mut (*raw).paging;
            #[cfg(not(feature = "testing"))]
            nt::FsRtlInitializeOplock(&raw mut (*raw).oplock);
        }
        b
    }
}

impl Drop for Fcb {
    fn drop(&mut self) {
        // SAFETY: the resources were initialised in `new`, and no file
        // object refers to this FCB any more.
        unsafe {
            #[cfg(not(feature = "testing"))]
            nt::FsRtlUninitializeOplock(&mut self.oplock);
            #[cfg(not(feature = "testing"))]
            nt::FsRtlTeardownPerStreamContexts(&mut self.header);
            nt::ExDeleteResourceLite(&mut self.main);
            nt::ExDeleteResourceLite(&mut self.paging);
        }
    }
}

/// The volume a file object of ours is on, from its FsContext: the
/// volume's extension itself (an open of the volume) or an FCB's.
///
/// # Safety
/// `fo` is a live file object whose FsContext2 is one of our CCBs.
pub(crate) unsafe fn volume_of_file(fo: *mut FILE_OBJECT) -> *const VolumeExt {
    // SAFETY: the caller's contract: FsContext is a VolumeExt or an Fcb,
    // both with their node type first.
    unsafe {
        let ctx = (*fo).FsContext;
        if ctx.is_null() {
            return ptr::null();
        }
        match *ctx.cast::<u16>() {
            NODE_FCB => (*ctx.cast::<Fcb>()).volume,
            _ => ctx.cast::<VolumeExt>(),
        }
    }
}

/// The FCB a file object of ours points at, if it is open on a file.
///
/// # Safety
/// As [`volume_of_file`].
pub(crate) unsafe fn fcb_of(fo: *mut FILE_OBJECT) -> Option<*mut Fcb> {
    // SAFETY: the caller's contract.
    unsafe {
        let ctx = (*fo).FsContext;
        (!ctx.is_null() && *ctx.cast::<u16>() == NODE_FCB).then(|| ctx.cast::<Fcb>())
    }
}

// The header is FsContext itself.
const _: () = assert!(offset_of!(Fcb, header) == 0);

/// Keeps an FCB header's IsFastIoPossible as FatIsFastIoPossible sets it,
/// after each request on the volume (a lock, an unlock, a cleanup or a
/// dismount may change it): never for a directory or on a dismounted
/// volume, questionable while the file has byte-range locks or the volume
/// is read-only (`fsd::fastio`), and never while an oplock forbids it.
/// Under the volume's lock.
///
/// # Safety
/// `fo` is null or a live file object of one of our volumes.
pub(crate) unsafe fn refresh_fast_io(ext: &VolumeExt, vcb: &fsd::Vcb<lkl::vfs::KernelVfs>, fo: *mut FILE_OBJECT) {
    if vcb.is_dismounted() {
        ext.fcbs.lock().no_fast_io();
        return;
    }
    // SAFETY: the caller's contract; a file object with one of our CCBs
    // has an FCB (or the volume) as FsContext.
    let Some(fcb) = (unsafe { super::volume::ccb_of(fo) }).and_then(|_| unsafe { fcb_of(fo) }) else { return };
    // SAFETY: a live FCB: its file object holds it.
    let f = unsafe { &mut *fcb };
    let state = match vcb.fast_io_state(f.file) {
        _ if !f.has_data => nt::FastIoIsNotPossible,
        fsd::fastio::FastIo::NotPossible => nt::FastIoIsNotPossible,
        fsd::fastio::FastIo::Questionable => nt::FastIoIsQuestionable,
        fsd::fastio::FastIo::Possible => nt::FastIoIsPossible,
    };
    #[cfg(not(feature = "testing"))]
    // SAFETY: the FCB's oplock, initialised with the FCB.
    let state = if state != nt::FastIoIsNotPossible && unsafe { nt::FsRtlOplockIsFastIoPossible(&mut f.oplock) } == 0 {
        nt::FastIoIsNotPossible
    } else {
        state
    };
    f.header.IsFastIoPossible = state;
}
