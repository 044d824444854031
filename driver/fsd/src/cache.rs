//! Windows' caching as the common routines see it: the Cache Manager and
//! the memory manager's section checks behind one interface, which the
//! product build implements with Cc* and Mm* and the tests with a
//! recording fake (`cache_fake`). A build without Windows' cache (the test
//! build under Wine, whose Cc* are stubs) has none, and every request goes
//! to Linux as it comes.
//!
//! The rules the common routines keep (fastfat's, cited where they apply):
//!
//! - **Sizes.** FileSize is Linux's size, kept in step: a cached write past
//!   the end first extends the Linux file, then tells the cache
//!   (FatCommonWrite: FileSize, then CcSetFileSizes). ValidDataLength is
//!   FileSize: Linux reads zeros past what was written, so the gap
//!   CcZeroData would zero already reads as zeros.
//! - **Cached I/O** (neither IRP_NOCACHE nor IRP_PAGING_IO; a copy, or
//!   srv's IRP_MN_MDL, which hands out the cache's pages): the first one
//!   on a file object sets up its cache map (FatCommonRead/Write:
//!   FatInitializeCacheMap when PrivateCacheMap is NULL); reads past the
//!   end are STATUS_END_OF_FILE and are cut at it; a write-through file
//!   object flushes what it wrote, and fsync takes it to the disk.
//! - **Paging I/O** goes to Linux, is cut at FileSize and never extends it
//!   (fastfat's paging read and write).
//! - **Flush**: the cache's dirty pages, then fsync (FatFlushFile).
//! - **Truncate**: MmCanFileBeTruncated first (STATUS_USER_MAPPED_FILE),
//!   then Linux, then CcSetFileSizes (FatSetEndOfFileInfo).
//! - **Delete**: MmFlushImageSection(MmFlushForDelete), STATUS_CANNOT_DELETE
//!   if an image is mapped (FatSetDispositionInfo).
//! - **Cleanup**: CcUninitializeCacheMap, with a truncate size of 0 when the
//!   last handle deletes the file (FatCommonCleanup).
//! - **Overwrite** at create: MmCanFileBeTruncated(0) first
//!   (STATUS_USER_MAPPED_FILE), then the cache's pages go with the data
//!   (FatSupersedeOrOverwriteFile); an open for writing or delete-on-close
//!   checks MmFlushImageSection (FatOpenExistingFcb).
//! - **Non-cached I/O on a cached file**: the cache's dirty pages of the
//!   range are written first, and a write also purges them, so neither
//!   side reads stale data (fastfat's CcCoherencyFlushAndPurgeCache).

use fs_glue::NtStatus;

/// A file's sizes as the cache knows them (CC_FILE_SIZES).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileSizes {
    /// AllocationSize.
    pub allocation: u64,
    /// FileSize.
    pub file_size: u64,
    /// ValidDataLength.
    pub valid_data: u64,
}

impl FileSizes {
    /// The sizes of a file `size` bytes long (allocation in 4 KiB pages).
    pub fn of(size: u64) -> FileSizes {
        FileSizes { allocation: size.next_multiple_of(4096), file_size: size, valid_data: size }
    }
}

/// The file system's paging I/O, which the cache calls back to fill and
/// write its pages (IRP_PAGING_IO requests on Windows).
pub trait Pager {
    /// Reads the file's bytes at `offset` into `buf`, zeros past its end.
    fn page_in(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), NtStatus>;
    /// Writes `data` at `offset`, cut at the end of the file.
    fn page_out(&mut self, offset: u64, data: &[u8]) -> Result<(), NtStatus>;
}

/// The Cache Manager and memory-manager calls of the common routines. `fo`
/// names a file object (its CCB's id), `file` a file (its inode).
pub trait CacheManager {
    /// Whether `fo` has a cache map (`FileObject->PrivateCacheMap`).
    fn is_cached(&self, fo: u64) -> bool;
    /// Whether `file` has a data section (`SectionObjectPointer->
    /// DataSectionObject`): pages the cache or a mapped view may hold.
    fn has_data_section(&self, file: u64) -> bool;
    /// CcInitializeCacheMap for `fo` on `file` (whose FCB header then has
    /// `sizes`).
    fn initialize(&mut self, fo: u64, file: u64, sizes: FileSizes) -> Result<(), NtStatus>;
    /// CcCopyRead: `buf` from the cache at `offset` (within FileSize).
    fn copy_read(&mut self, fo: u64, offset: u64, buf: &mut [u8], pager: &mut dyn Pager) -> Result<(), NtStatus>;
    /// CcCopyWrite: `data` into the cache at `offset` (within FileSize).
    fn copy_write(&mut self, fo: u64, offset: u64, data: &[u8], pager: &mut dyn Pager) -> Result<(), NtStatus>;
    /// CcMdlRead: the cache's pages of `len` bytes at `offset` (within
    /// FileSize) locked for the requester, who returns them with
    /// CcMdlReadComplete.
    fn mdl_read(&mut self, fo: u64, offset: u64, len: usize, pager: &mut dyn Pager) -> Result<(), NtStatus>;
    /// CcPrepareMdlWrite: the cache's pages of `len` bytes at `offset`
    /// (within FileSize) locked for the requester to fill; they are dirty
    /// once it returns them (CcMdlWriteComplete).
    fn prepare_mdl_write(&mut self, fo: u64, offset: u64, len: usize, pager: &mut dyn Pager) -> Result<(), NtStatus>;
    /// `file` is now `sizes`, at every change: the FCB header's sizes,
    /// and CcSetFileSizes where the file is cached (pages past a smaller
    /// size go).
    fn set_file_sizes(&mut self, file: u64, sizes: FileSizes);
    /// CcFlushCache: `file`'s dirty pages in `range` (all without one)
    /// through the pager.
    fn flush(&mut self, file: u64, range: Option<(u64, u64)>, pager: &mut dyn Pager) -> Result<(), NtStatus>;
    /// CcPurgeCacheSection: drops `file`'s pages in `range` (all without
    /// one), dirty or not; false when a mapped view keeps them.
    fn purge(&mut self, file: u64, range: Option<(u64, u64)>) -> bool;
    /// CcUninitializeCacheMap for `fo`, with the size to truncate the cache
    /// to when the file is being deleted or cut.
    fn uninitialize(&mut self, fo: u64, truncate: Option<u64>, pager: &mut dyn Pager);
    /// MmCanFileBeTruncated: whether no mapped view keeps `file` from being
    /// cut to `size`.
    fn can_be_truncated(&mut self, file: u64, size: u64) -> bool;
    /// MmFlushImageSection: whether no image section of `file` is in use
    /// (`for_delete`: MmFlushForDelete, else MmFlushForWrite).
    fn flush_image(&mut self, file: u64, for_delete: bool) -> bool;
}

/// How a READ or WRITE came (the IRP's flags and the file object's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Io {
    /// IRP_PAGING_IO: the cache or the memory manager moving pages.
    pub paging: bool,
    /// IRP_NOCACHE: past the cache, to the disk.
    pub nocache: bool,
    /// FO_WRITE_THROUGH (or SL_WRITE_THROUGH): a write reaches the disk
    /// before it completes.
    pub write_through: bool,
}
