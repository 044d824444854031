//! What a caching file system shares with the Cache Manager, the memory
//! manager and FsRtl: the FCB header, the section pointers, executive
//! resources, the cache callbacks and the fast I/O table, and the calls
//! on them (the file-system driver's part 3).

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_void;

use crate::io::{FILE_OBJECT, IRP, MDL};
use crate::ke::KEVENT;
use crate::types::{IO_STATUS_BLOCK, LIST_ENTRY, NTSTATUS};

/// `PACQUIRE_FOR_LAZY_WRITE` / `PACQUIRE_FOR_READ_AHEAD`: take the FCB's
/// resources for the Cache Manager (`Wait` false: only if free at once).
pub type ACQUIRE_FOR_CACHE = unsafe extern "system" fn(Context: *mut c_void, Wait: u8) -> u8;
/// `PRELEASE_FROM_LAZY_WRITE` / `PRELEASE_FROM_READ_AHEAD`.
pub type RELEASE_FROM_CACHE = unsafe extern "system" fn(Context: *mut c_void);
/// `PCC_POST_DEFERRED_WRITE`: CcDeferWrite's callback once writing may go on.
pub type CC_POST_DEFERRED_WRITE = unsafe extern "system" fn(Context1: *mut c_void, Context2: *mut c_void);

crate::nt_structs! {
    /// `FSRTL_ADVANCED_FCB_HEADER` as mingw-w64 declares it (the Vista
    /// layout, FSRTL_FCB_HEADER_V1: an FCB keeps its oplock beside it).
    pub struct FSRTL_ADVANCED_FCB_HEADER {
        pub NodeTypeCode: i16,
        pub NodeByteSize: i16,
        pub Flags: u8,
        pub IsFastIoPossible: u8,
        pub Flags2: u8,
        /// `Reserved:4` and `Version:4`, one byte of bitfields.
        pub _reserved_version: u8,
        pub Resource: *mut ERESOURCE,
        pub PagingIoResource: *mut ERESOURCE,
        pub AllocationSize: i64,
        pub FileSize: i64,
        pub ValidDataLength: i64,
        pub FastMutex: *mut FAST_MUTEX,
        pub FilterContexts: LIST_ENTRY,
        pub PushLock: usize,
        pub FileContextSupportPointer: *mut *mut c_void,
    }

    /// `SECTION_OBJECT_POINTERS`: where the memory manager and the Cache
    /// Manager keep a file's sections (`FileObject->SectionObjectPointer`).
    pub struct SECTION_OBJECT_POINTERS {
        pub DataSectionObject: *mut c_void,
        pub SharedCacheMap: *mut c_void,
        pub ImageSectionObject: *mut c_void,
    }

    /// `ERESOURCE`: opaque to a driver, which only gives its address to
    /// the Ex*Resource* calls (in nonpaged memory).
    pub struct ERESOURCE {
        pub SystemResourcesList: LIST_ENTRY,
        pub _rest: [u64; 11],
    }

    /// `FAST_MUTEX` (in nonpaged memory; the header's FastMutex).
    pub struct FAST_MUTEX {
        pub Count: i32,
        pub Owner: *mut c_void,
        pub Contention: u32,
        pub Event: KEVENT,
        pub OldIrql: u32,
    }

    /// `CC_FILE_SIZES`: the three sizes CcInitializeCacheMap and
    /// CcSetFileSizes take (the FCB header's, in the same order).
    pub struct CC_FILE_SIZES {
        pub AllocationSize: i64,
        pub FileSize: i64,
        pub ValidDataLength: i64,
    }

    /// `CACHE_MANAGER_CALLBACKS`.
    pub struct CACHE_MANAGER_CALLBACKS {
        pub AcquireForLazyWrite: Option<ACQUIRE_FOR_CACHE>,
        pub ReleaseFromLazyWrite: Option<RELEASE_FROM_CACHE>,
        pub AcquireForReadAhead: Option<ACQUIRE_FOR_CACHE>,
        pub ReleaseFromReadAhead: Option<RELEASE_FROM_CACHE>,
    }

    /// `FAST_IO_DISPATCH` (`DriverObject->FastIoDispatch`): each entry is a
    /// routine or null.
    pub struct FAST_IO_DISPATCH {
        pub SizeOfFastIoDispatch: u32,
        pub FastIoCheckIfPossible: *mut c_void,
        pub FastIoRead: *mut c_void,
        pub FastIoWrite: *mut c_void,
        pub FastIoQueryBasicInfo: *mut c_void,
        pub FastIoQueryStandardInfo: *mut c_void,
        pub FastIoLock: *mut c_void,
        pub FastIoUnlockSingle: *mut c_void,
        pub FastIoUnlockAll: *mut c_void,
        pub FastIoUnlockAllByKey: *mut c_void,
        pub FastIoDeviceControl: *mut c_void,
        pub AcquireFileForNtCreateSection: *mut c_void,
        pub ReleaseFileForNtCreateSection: *mut c_void,
        pub FastIoDetachDevice: *mut c_void,
        pub FastIoQueryNetworkOpenInfo: *mut c_void,
        pub AcquireForModWrite: *mut c_void,
        pub MdlRead: *mut c_void,
        pub MdlReadComplete: *mut c_void,
        pub PrepareMdlWrite: *mut c_void,
        pub MdlWriteComplete: *mut c_void,
        pub FastIoReadCompressed: *mut c_void,
        pub FastIoWriteCompressed: *mut c_void,
        pub MdlReadCompleteCompressed: *mut c_void,
        pub MdlWriteCompleteCompressed: *mut c_void,
        pub FastIoQueryOpen: *mut c_void,
        pub ReleaseForModWrite: *mut c_void,
        pub AcquireForCcFlush: *mut c_void,
        pub ReleaseForCcFlush: *mut c_void,
    }
}

crate::nt_consts! {
    /// `FSRTL_FLAG_ADVANCED_HEADER` (the header's `Flags`).
    pub const FSRTL_FLAG_ADVANCED_HEADER: u8 = 0x40;
    /// `FSRTL_FLAG2_SUPPORTS_FILTER_CONTEXTS` (the header's `Flags2`).
    pub const FSRTL_FLAG2_SUPPORTS_FILTER_CONTEXTS: u8 = 0x02;
    /// `FSRTL_FCB_HEADER_V1` (the header's `Version`).
    pub const FSRTL_FCB_HEADER_V1: u8 = 0x01;
    /// `FSRTL_CACHE_TOP_LEVEL_IRP`: IoSetTopLevelIrp's mark for requests the
    /// Cache Manager makes.
    pub const FSRTL_CACHE_TOP_LEVEL_IRP: usize = 0x02;
    /// `FastIoIsNotPossible` (the header's `IsFastIoPossible`).
    pub const FastIoIsNotPossible: u8 = 0;
    /// `FastIoIsPossible`.
    pub const FastIoIsPossible: u8 = 1;
    /// `FastIoIsQuestionable`: ask FastIoCheckIfPossible.
    pub const FastIoIsQuestionable: u8 = 2;
    /// `MmFlushForDelete` (MmFlushImageSection's `FlushType`).
    pub const MmFlushForDelete: i32 = 0;
    /// `MmFlushForWrite`.
    pub const MmFlushForWrite: i32 = 1;
}

unsafe extern "system" {
    /// `ExInitializeResourceLite` (nonpaged memory).
    pub fn ExInitializeResourceLite(Resource: *mut ERESOURCE) -> NTSTATUS;
    /// `ExDeleteResourceLite`.
    pub fn ExDeleteResourceLite(Resource: *mut ERESOURCE) -> NTSTATUS;
    /// `ExAcquireResourceSharedLite`: false only when `Wait` is false and
    /// the resource is not free for sharing. Inside a critical region.
    pub fn ExAcquireResourceSharedLite(Resource: *mut ERESOURCE, Wait: u8) -> u8;
    /// `ExAcquireResourceExclusiveLite`.
    pub fn ExAcquireResourceExclusiveLite(Resource: *mut ERESOURCE, Wait: u8) -> u8;
    /// `ExReleaseResourceLite`.
    pub fn ExReleaseResourceLite(Resource: *mut ERESOURCE);
    /// `ExAcquireSharedStarveExclusive`: shared even past exclusive
    /// waiters, as paging I/O must take it while another thread that holds
    /// it shared waits for that I/O.
    pub fn ExAcquireSharedStarveExclusive(Resource: *mut ERESOURCE, Wait: u8) -> u8;
    /// `ExIsResourceAcquiredSharedLite`: how often the caller holds it
    /// (shared or exclusive).
    pub fn ExIsResourceAcquiredSharedLite(Resource: *mut ERESOURCE) -> u32;
    /// `KeEnterCriticalRegion`: normal kernel APCs off while a resource is held.
    pub fn KeEnterCriticalRegion();
    /// `KeLeaveCriticalRegion`.
    pub fn KeLeaveCriticalRegion();
    /// `IoGetTopLevelIrp`.
    pub fn IoGetTopLevelIrp() -> *mut IRP;
    /// `IoSetTopLevelIrp`.
    pub fn IoSetTopLevelIrp(Irp: *mut IRP);

    /// `CcInitializeCacheMap`: caches the file object's stream (raises on
    /// failure; call it inside structured exception handling).
    pub fn CcInitializeCacheMap(
        FileObject: *mut FILE_OBJECT,
        FileSizes: *mut CC_FILE_SIZES,
        PinAccess: u8,
        Callbacks: *mut CACHE_MANAGER_CALLBACKS,
        LazyWriteContext: *mut c_void,
    );
    /// `CcUninitializeCacheMap`.
    pub fn CcUninitializeCacheMap(
        FileObject: *mut FILE_OBJECT,
        TruncateSize: *mut i64,
        UninitializeEvent: *mut c_void,
    ) -> u8;
    /// `CcCopyRead`: false when `Wait` is false and the data is not all
    /// cached (raises on I/O errors).
    pub fn CcCopyRead(
        FileObject: *mut FILE_OBJECT,
        FileOffset: *mut i64,
        Length: u32,
        Wait: u8,
        Buffer: *mut c_void,
        IoStatus: *mut IO_STATUS_BLOCK,
    ) -> u8;
    /// `CcCopyWrite`.
    pub fn CcCopyWrite(
        FileObject: *mut FILE_OBJECT,
        FileOffset: *mut i64,
        Length: u32,
        Wait: u8,
        Buffer: *mut c_void,
    ) -> u8;
    /// `CcMdlRead`: the cache's pages as an MDL chain for the requester
    /// (raises on I/O errors).
    pub fn CcMdlRead(
        FileObject: *mut FILE_OBJECT,
        FileOffset: *mut i64,
        Length: u32,
        MdlChain: *mut *mut MDL,
        IoStatus: *mut IO_STATUS_BLOCK,
    );
    /// `CcMdlReadComplete`: the requester is done with them.
    pub fn CcMdlReadComplete(FileObject: *mut FILE_OBJECT, MdlChain: *mut MDL);
    /// `CcPrepareMdlWrite`: the cache's pages for the requester to fill.
    pub fn CcPrepareMdlWrite(
        FileObject: *mut FILE_OBJECT,
        FileOffset: *mut i64,
        Length: u32,
        MdlChain: *mut *mut MDL,
        IoStatus: *mut IO_STATUS_BLOCK,
    );
    /// `CcMdlWriteComplete`: filled, so dirty (flushed for write-through).
    pub fn CcMdlWriteComplete(FileObject: *mut FILE_OBJECT, FileOffset: *mut i64, MdlChain: *mut MDL);
    /// `CcCanIWrite`: false when the write must wait for the lazy writer.
    pub fn CcCanIWrite(FileObject: *mut FILE_OBJECT, BytesToWrite: u32, Wait: u8, Retrying: u8) -> u8;
    /// `CcDeferWrite`: calls `PostRoutine` once the write may go on.
    pub fn CcDeferWrite(
        FileObject: *mut FILE_OBJECT,
        PostRoutine: CC_POST_DEFERRED_WRITE,
        Context1: *mut c_void,
        Context2: *mut c_void,
        BytesToWrite: u32,
        Retrying: u8,
    );
    /// `CcSetFileSizes` (raises on failure).
    pub fn CcSetFileSizes(FileObject: *mut FILE_OBJECT, FileSizes: *mut CC_FILE_SIZES);
    /// `CcFlushCache`: null `FileOffset` flushes the whole file.
    pub fn CcFlushCache(
        SectionObjectPointer: *mut SECTION_OBJECT_POINTERS,
        FileOffset: *mut i64,
        Length: u32,
        IoStatus: *mut IO_STATUS_BLOCK,
    );
    /// `CcPurgeCacheSection`: false when a mapped view keeps the pages.
    pub fn CcPurgeCacheSection(
        SectionObjectPointer: *mut SECTION_OBJECT_POINTERS,
        FileOffset: *mut i64,
        Length: u32,
        UninitializeCacheMaps: u8,
    ) -> u8;
    /// `CcGetFileObjectFromSectionPtrs`: the file object the Cache Manager
    /// caches the file through (null when it is not cached).
    pub fn CcGetFileObjectFromSectionPtrs(SectionObjectPointer: *mut SECTION_OBJECT_POINTERS) -> *mut FILE_OBJECT;
    /// `MmCanFileBeTruncated`.
    pub fn MmCanFileBeTruncated(SectionPointer: *mut SECTION_OBJECT_POINTERS, NewFileSize: *mut i64) -> u8;
    /// `MmFlushImageSection`.
    pub fn MmFlushImageSection(SectionObjectPointer: *mut SECTION_OBJECT_POINTERS, FlushType: i32) -> u8;
    /// `FsRtlTeardownPerStreamContexts`: at the FCB's end.
    pub fn FsRtlTeardownPerStreamContexts(AdvancedHeader: *mut FSRTL_ADVANCED_FCB_HEADER);
    /// `FsRtlCopyRead`: the fast I/O read through the cache.
    pub fn FsRtlCopyRead(
        FileObject: *mut FILE_OBJECT,
        FileOffset: *mut i64,
        Length: u32,
        Wait: u8,
        LockKey: u32,
        Buffer: *mut c_void,
        IoStatus: *mut IO_STATUS_BLOCK,
        DeviceObject: *mut c_void,
    ) -> u8;
    /// `FsRtlCopyWrite`.
    pub fn FsRtlCopyWrite(
        FileObject: *mut FILE_OBJECT,
        FileOffset: *mut i64,
        Length: u32,
        Wait: u8,
        LockKey: u32,
        Buffer: *mut c_void,
        IoStatus: *mut IO_STATUS_BLOCK,
        DeviceObject: *mut c_void,
    ) -> u8;
    /// `FsRtlInitializeOplock`.
    pub fn FsRtlInitializeOplock(Oplock: *mut *mut c_void);
    /// `FsRtlUninitializeOplock`.
    pub fn FsRtlUninitializeOplock(Oplock: *mut *mut c_void);
    /// `FsRtlCheckOplock`: STATUS_SUCCESS to go on; otherwise the IRP
    /// waits for an oplock break (or was posted through the callbacks).
    pub fn FsRtlCheckOplock(
        Oplock: *mut *mut c_void,
        Irp: *mut IRP,
        Context: *mut c_void,
        CompletionRoutine: *mut c_void,
        PostIrpRoutine: *mut c_void,
    ) -> NTSTATUS;
    /// `FsRtlOplockFsctrl`: the oplock FSCTLs (it owns the IRP from then on).
    pub fn FsRtlOplockFsctrl(Oplock: *mut *mut c_void, Irp: *mut IRP, OpenCount: u32) -> NTSTATUS;
    /// `FsRtlOplockIsFastIoPossible`.
    pub fn FsRtlOplockIsFastIoPossible(Oplock: *mut *mut c_void) -> u8;
}
