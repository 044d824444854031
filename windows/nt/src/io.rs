//! The I/O manager: IRPs, stack locations, device, driver and file objects,
//! device creation and symbolic links.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_void;

use crate::ke::{KDPC, KEVENT};
use crate::types::{HANDLE, IO_STATUS_BLOCK, KPROCESSOR_MODE, LIST_ENTRY, NTSTATUS, UNICODE_STRING};
use crate::zw::{FILE_INFORMATION_CLASS, FS_INFORMATION_CLASS};

/// `MEMORY_CACHING_TYPE`.
pub type MEMORY_CACHING_TYPE = i32;
/// `PDRIVER_DISPATCH`.
pub type DRIVER_DISPATCH = unsafe extern "system" fn(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS;
/// `PDRIVER_UNLOAD`.
pub type DRIVER_UNLOAD = unsafe extern "system" fn(driver: *mut DRIVER_OBJECT);
/// `PIO_COMPLETION_ROUTINE`: returns `STATUS_MORE_PROCESSING_REQUIRED` to
/// keep the IRP from being completed further.
pub type IO_COMPLETION_ROUTINE =
    unsafe extern "system" fn(DeviceObject: *mut DEVICE_OBJECT, Irp: *mut IRP, Context: *mut c_void) -> NTSTATUS;

crate::nt_structs! {
    /// `IRP`, with the members of its unions that drivers read flattened out.
    pub struct IRP {
        pub Type: i16,
        pub Size: u16,
        pub MdlAddress: *mut c_void,
        pub Flags: u32,
        /// `AssociatedIrp.SystemBuffer`: the METHOD_BUFFERED buffer.
        pub SystemBuffer: *mut c_void => "AssociatedIrp.SystemBuffer",
        pub ThreadListEntry: LIST_ENTRY,
        pub IoStatus: IO_STATUS_BLOCK,
        pub RequestorMode: KPROCESSOR_MODE,
        pub PendingReturned: u8,
        pub StackCount: i8,
        pub CurrentLocation: i8,
        pub Cancel: u8,
        pub CancelIrql: u8,
        pub ApcEnvironment: i8,
        pub AllocationFlags: u8,
        pub UserIosb: *mut IO_STATUS_BLOCK,
        pub UserEvent: *mut KEVENT,
        pub Overlay: [u64; 2],
        pub CancelRoutine: *mut c_void,
        pub UserBuffer: *mut c_void,
        pub DriverContext: [*mut c_void; 4] => "Tail.Overlay.DriverContext",
        pub Thread: *mut c_void => "Tail.Overlay.Thread",
        pub AuxiliaryBuffer: *mut i8 => "Tail.Overlay.AuxiliaryBuffer",
        pub ListEntry: LIST_ENTRY => "Tail.Overlay.ListEntry",
        /// `Tail.Overlay.CurrentStackLocation` (`IoGetCurrentIrpStackLocation`).
        pub CurrentStackLocation: *mut IO_STACK_LOCATION => "Tail.Overlay.CurrentStackLocation",
        pub OriginalFileObject: *mut FILE_OBJECT => "Tail.Overlay.OriginalFileObject",
        _tail_apc_rest: u64,
    }

    /// `IO_STACK_LOCATION`.
    pub struct IO_STACK_LOCATION {
        pub MajorFunction: u8,
        pub MinorFunction: u8,
        pub Flags: u8,
        pub Control: u8,
        pub Parameters: IO_STACK_PARAMETERS,
        pub DeviceObject: *mut DEVICE_OBJECT,
        pub FileObject: *mut FILE_OBJECT,
        pub CompletionRoutine: *mut c_void,
        pub Context: *mut c_void,
    }

    /// The `Parameters` union of `IO_STACK_LOCATION`.
    pub union IO_STACK_PARAMETERS = "IO_STACK_LOCATION::Parameters" {
        pub Create: CREATE_PARAMETERS,
        pub Read: READ_WRITE_PARAMETERS,
        pub Write: READ_WRITE_PARAMETERS,
        pub DeviceIoControl: DEVICE_IO_CONTROL_PARAMETERS,
        pub QueryFile: QUERY_FILE_PARAMETERS,
        pub SetFile: SET_FILE_PARAMETERS,
        pub QueryVolume: VOLUME_PARAMETERS,
        pub SetVolume: VOLUME_PARAMETERS,
        pub QueryDirectory: QUERY_DIRECTORY_PARAMETERS,
        pub NotifyDirectory: NOTIFY_DIRECTORY_PARAMETERS,
        pub FileSystemControl: FILE_SYSTEM_CONTROL_PARAMETERS,
        pub MountVolume: MOUNT_VOLUME_PARAMETERS,
        pub VerifyVolume: MOUNT_VOLUME_PARAMETERS,
        pub LockControl: LOCK_CONTROL_PARAMETERS,
        pub QueryEa: QUERY_EA_PARAMETERS,
        pub SetEa: SET_EA_PARAMETERS,
        pub QuerySecurity: QUERY_SECURITY_PARAMETERS,
        pub SetSecurity: SET_SECURITY_PARAMETERS,
        pub Others: [*mut c_void; 4],
    }

    /// `Parameters.Create`; `FileAttributes` and `EaLength` are
    /// pointer-aligned in C.
    pub struct CREATE_PARAMETERS = "IO_STACK_LOCATION::Parameters.Create" {
        pub SecurityContext: *mut c_void,
        pub Options: u32,
        _pad0: u32,
        pub FileAttributes: u16,
        pub ShareAccess: u16,
        _pad1: u32,
        pub EaLength: u32,
    }

    /// `Parameters.Read` (and `Parameters.Write`, which has the same layout);
    /// `Key` is pointer-aligned in C.
    pub struct READ_WRITE_PARAMETERS = "IO_STACK_LOCATION::Parameters.Read" {
        pub Length: u32,
        _pad0: u32,
        pub Key: u32,
        pub ByteOffset: i64,
    }

    /// `Parameters.DeviceIoControl`; each length is pointer-aligned in C.
    pub struct DEVICE_IO_CONTROL_PARAMETERS = "IO_STACK_LOCATION::Parameters.DeviceIoControl" {
        pub OutputBufferLength: u32,
        _pad0: u32,
        pub InputBufferLength: u32,
        _pad1: u32,
        pub IoControlCode: u32,
        _pad2: u32,
        pub Type3InputBuffer: *mut c_void,
    }

    /// `Parameters.QueryFile`; `FileInformationClass` is pointer-aligned in C
    /// (`_align` gives the struct C's 8-byte alignment).
    pub struct QUERY_FILE_PARAMETERS = "IO_STACK_LOCATION::Parameters.QueryFile" {
        _align: [u64; 0],
        pub Length: u32,
        _pad0: u32,
        pub FileInformationClass: FILE_INFORMATION_CLASS,
    }

    /// `Parameters.SetFile`. In C `ReplaceIfExists`/`AdvanceOnly` share a
    /// union with `ClusterCount` and `DeleteHandle`: read those through
    /// [`SET_FILE_PARAMETERS::cluster_count`] and
    /// [`SET_FILE_PARAMETERS::delete_handle`].
    pub struct SET_FILE_PARAMETERS = "IO_STACK_LOCATION::Parameters.SetFile" {
        pub Length: u32,
        _pad0: u32,
        pub FileInformationClass: FILE_INFORMATION_CLASS,
        _pad1: u32,
        pub FileObject: *mut FILE_OBJECT,
        pub ReplaceIfExists: u8,
        pub AdvanceOnly: u8,
        _union_rest: [u8; 6],
    }

    /// `Parameters.QueryVolume` (and `Parameters.SetVolume`, which has the
    /// same layout); `FsInformationClass` is pointer-aligned in C.
    pub struct VOLUME_PARAMETERS = "IO_STACK_LOCATION::Parameters.QueryVolume" {
        _align: [u64; 0],
        pub Length: u32,
        _pad0: u32,
        pub FsInformationClass: FS_INFORMATION_CLASS,
    }

    /// `Parameters.QueryDirectory`; `FileIndex` is pointer-aligned in C.
    pub struct QUERY_DIRECTORY_PARAMETERS = "IO_STACK_LOCATION::Parameters.QueryDirectory" {
        pub Length: u32,
        pub FileName: *mut UNICODE_STRING,
        pub FileInformationClass: FILE_INFORMATION_CLASS,
        _pad0: u32,
        pub FileIndex: u32,
    }

    /// `Parameters.NotifyDirectory`; `CompletionFilter` is pointer-aligned in C.
    pub struct NOTIFY_DIRECTORY_PARAMETERS = "IO_STACK_LOCATION::Parameters.NotifyDirectory" {
        _align: [u64; 0],
        pub Length: u32,
        _pad0: u32,
        pub CompletionFilter: u32,
    }

    /// `Parameters.FileSystemControl`; each length and the code are
    /// pointer-aligned in C.
    pub struct FILE_SYSTEM_CONTROL_PARAMETERS = "IO_STACK_LOCATION::Parameters.FileSystemControl" {
        pub OutputBufferLength: u32,
        _pad0: u32,
        pub InputBufferLength: u32,
        _pad1: u32,
        pub FsControlCode: u32,
        _pad2: u32,
        pub Type3InputBuffer: *mut c_void,
    }

    /// `Parameters.MountVolume` (and `Parameters.VerifyVolume`, which has the
    /// same layout).
    pub struct MOUNT_VOLUME_PARAMETERS = "IO_STACK_LOCATION::Parameters.MountVolume" {
        pub Vpb: *mut VPB,
        pub DeviceObject: *mut DEVICE_OBJECT,
    }

    /// `Parameters.LockControl`; `Key` is pointer-aligned in C.
    pub struct LOCK_CONTROL_PARAMETERS = "IO_STACK_LOCATION::Parameters.LockControl" {
        pub Length: *mut i64,
        pub Key: u32,
        _pad0: u32,
        pub ByteOffset: i64,
    }

    /// `Parameters.QueryEa`; `EaIndex` is pointer-aligned in C.
    pub struct QUERY_EA_PARAMETERS = "IO_STACK_LOCATION::Parameters.QueryEa" {
        pub Length: u32,
        pub EaList: *mut c_void,
        pub EaListLength: u32,
        _pad0: u32,
        pub EaIndex: u32,
    }

    /// `Parameters.SetEa`.
    pub struct SET_EA_PARAMETERS = "IO_STACK_LOCATION::Parameters.SetEa" {
        pub Length: u32,
    }

    /// `Parameters.QuerySecurity`; `Length` is pointer-aligned in C.
    pub struct QUERY_SECURITY_PARAMETERS = "IO_STACK_LOCATION::Parameters.QuerySecurity" {
        _align: [u64; 0],
        pub SecurityInformation: u32,
        _pad0: u32,
        pub Length: u32,
    }

    /// `Parameters.SetSecurity`.
    pub struct SET_SECURITY_PARAMETERS = "IO_STACK_LOCATION::Parameters.SetSecurity" {
        pub SecurityInformation: u32,
        pub SecurityDescriptor: *mut c_void,
    }

    /// `VPB`: the volume parameter block linking a disk device to the file
    /// system's volume device mounted on it.
    pub struct VPB {
        pub Type: i16,
        pub Size: i16,
        pub Flags: u16,
        pub VolumeLabelLength: u16,
        pub DeviceObject: *mut DEVICE_OBJECT,
        pub RealDevice: *mut DEVICE_OBJECT,
        pub SerialNumber: u32,
        pub ReferenceCount: u32,
        pub VolumeLabel: [u16; 32],
    }

    /// `IO_SECURITY_CONTEXT` (`Parameters.Create.SecurityContext`).
    pub struct IO_SECURITY_CONTEXT {
        pub SecurityQos: *mut c_void,
        pub AccessState: *mut c_void,
        pub DesiredAccess: u32,
        pub FullCreateOptions: u32,
    }

    /// `DISK_GEOMETRY` (ntdddisk.h), the answer to
    /// `IOCTL_DISK_GET_DRIVE_GEOMETRY`.
    pub struct DISK_GEOMETRY {
        pub Cylinders: i64,
        pub MediaType: i32,
        pub TracksPerCylinder: u32,
        pub SectorsPerTrack: u32,
        pub BytesPerSector: u32,
    }

    /// `DEVICE_OBJECT` as mingw-w64 declares it.
    pub struct DEVICE_OBJECT {
        pub Type: i16,
        pub Size: u16,
        pub ReferenceCount: i32,
        pub DriverObject: *mut DRIVER_OBJECT,
        pub NextDevice: *mut DEVICE_OBJECT,
        pub AttachedDevice: *mut DEVICE_OBJECT,
        pub CurrentIrp: *mut IRP,
        pub Timer: *mut c_void,
        pub Flags: u32,
        pub Characteristics: u32,
        pub Vpb: *mut VPB,
        pub DeviceExtension: *mut c_void,
        pub DeviceType: u32,
        pub StackSize: i8,
        pub Queue: [u64; 9],
        pub AlignmentRequirement: u32,
        pub DeviceQueue: [u64; 5],
        pub Dpc: KDPC,
        pub ActiveThreadCount: u32,
        pub SecurityDescriptor: *mut c_void,
        pub DeviceLock: KEVENT,
        pub SectorSize: u16,
        pub Spare1: u16,
        pub DeviceObjectExtension: *mut c_void,
        pub Reserved: *mut c_void,
    }

    /// `SHARE_ACCESS`: the share-access counts of one file (its FCB's),
    /// kept by `IoCheckShareAccess` and `IoRemoveShareAccess`.
    pub struct SHARE_ACCESS {
        pub OpenCount: u32,
        pub Readers: u32,
        pub Writers: u32,
        pub Deleters: u32,
        pub SharedRead: u32,
        pub SharedWrite: u32,
        pub SharedDelete: u32,
    }

    /// `MDL`: the pages behind a direct-I/O buffer.
    pub struct MDL {
        pub Next: *mut MDL,
        pub Size: i16,
        pub MdlFlags: i16,
        pub Process: *mut c_void,
        pub MappedSystemVa: *mut c_void,
        pub StartVa: *mut c_void,
        pub ByteCount: u32,
        pub ByteOffset: u32,
    }

    /// `DRIVER_OBJECT`.
    pub struct DRIVER_OBJECT {
        pub Type: i16,
        pub Size: i16,
        pub DeviceObject: *mut DEVICE_OBJECT,
        pub Flags: u32,
        pub DriverStart: *mut c_void,
        pub DriverSize: u32,
        pub DriverSection: *mut c_void,
        pub DriverExtension: *mut c_void,
        pub DriverName: UNICODE_STRING,
        pub HardwareDatabase: *mut UNICODE_STRING,
        pub FastIoDispatch: *mut c_void,
        pub DriverInit: *mut c_void,
        pub DriverStartIo: *mut c_void,
        pub DriverUnload: Option<DRIVER_UNLOAD>,
        pub MajorFunction: [Option<DRIVER_DISPATCH>; 28],
    }

    /// `FILE_OBJECT`.
    pub struct FILE_OBJECT {
        pub Type: i16,
        pub Size: i16,
        pub DeviceObject: *mut DEVICE_OBJECT,
        pub Vpb: *mut VPB,
        pub FsContext: *mut c_void,
        pub FsContext2: *mut c_void,
        pub SectionObjectPointer: *mut c_void,
        pub PrivateCacheMap: *mut c_void,
        pub FinalStatus: NTSTATUS,
        pub RelatedFileObject: *mut FILE_OBJECT,
        pub LockOperation: u8,
        pub DeletePending: u8,
        pub ReadAccess: u8,
        pub WriteAccess: u8,
        pub DeleteAccess: u8,
        pub SharedRead: u8,
        pub SharedWrite: u8,
        pub SharedDelete: u8,
        pub Flags: u32,
        pub FileName: UNICODE_STRING,
        pub CurrentByteOffset: i64,
        pub Waiters: u32,
        pub Busy: u32,
        pub LastLock: *mut c_void,
        pub Lock: KEVENT,
        pub Event: KEVENT,
        pub CompletionContext: *mut c_void,
        pub IrpListLock: usize,
        pub IrpList: LIST_ENTRY,
        pub FileObjectExtension: *mut c_void,
    }
}

impl SET_FILE_PARAMETERS {
    /// `ClusterCount`, the union arm over `ReplaceIfExists`.
    pub const fn cluster_count(&self) -> u32 {
        let r = self._union_rest;
        u32::from_ne_bytes([self.ReplaceIfExists, self.AdvanceOnly, r[0], r[1]])
    }

    /// `DeleteHandle`, the union arm over `ReplaceIfExists`.
    pub const fn delete_handle(&self) -> HANDLE {
        let r = self._union_rest;
        usize::from_ne_bytes([self.ReplaceIfExists, self.AdvanceOnly, r[0], r[1], r[2], r[3], r[4], r[5]]) as HANDLE
    }
}

/// `CTL_CODE(DeviceType, Function, Method, Access)`.
pub const fn ctl_code(device_type: u32, function: u32, method: u32, access: u32) -> u32 {
    (device_type << 16) | (access << 14) | (function << 2) | method
}

crate::nt_consts! {
    /// `IRP_MJ_CREATE`.
    pub const IRP_MJ_CREATE: u8 = 0x00;
    /// `IRP_MJ_CLOSE`.
    pub const IRP_MJ_CLOSE: u8 = 0x02;
    /// `IRP_MJ_READ`.
    pub const IRP_MJ_READ: u8 = 0x03;
    /// `IRP_MJ_WRITE`.
    pub const IRP_MJ_WRITE: u8 = 0x04;
    /// `IRP_MJ_QUERY_INFORMATION`.
    pub const IRP_MJ_QUERY_INFORMATION: u8 = 0x05;
    /// `IRP_MJ_SET_INFORMATION`.
    pub const IRP_MJ_SET_INFORMATION: u8 = 0x06;
    /// `IRP_MJ_QUERY_EA`.
    pub const IRP_MJ_QUERY_EA: u8 = 0x07;
    /// `IRP_MJ_SET_EA`.
    pub const IRP_MJ_SET_EA: u8 = 0x08;
    /// `IRP_MJ_FLUSH_BUFFERS`.
    pub const IRP_MJ_FLUSH_BUFFERS: u8 = 0x09;
    /// `IRP_MJ_QUERY_VOLUME_INFORMATION`.
    pub const IRP_MJ_QUERY_VOLUME_INFORMATION: u8 = 0x0a;
    /// `IRP_MJ_SET_VOLUME_INFORMATION`.
    pub const IRP_MJ_SET_VOLUME_INFORMATION: u8 = 0x0b;
    /// `IRP_MJ_DIRECTORY_CONTROL`.
    pub const IRP_MJ_DIRECTORY_CONTROL: u8 = 0x0c;
    /// `IRP_MJ_FILE_SYSTEM_CONTROL`.
    pub const IRP_MJ_FILE_SYSTEM_CONTROL: u8 = 0x0d;
    /// `IRP_MJ_DEVICE_CONTROL`.
    pub const IRP_MJ_DEVICE_CONTROL: u8 = 0x0e;
    /// `IRP_MJ_SHUTDOWN`.
    pub const IRP_MJ_SHUTDOWN: u8 = 0x10;
    /// `IRP_MJ_LOCK_CONTROL`.
    pub const IRP_MJ_LOCK_CONTROL: u8 = 0x11;
    /// `IRP_MJ_CLEANUP`.
    pub const IRP_MJ_CLEANUP: u8 = 0x12;
    /// `IRP_MJ_QUERY_SECURITY`.
    pub const IRP_MJ_QUERY_SECURITY: u8 = 0x14;
    /// `IRP_MJ_SET_SECURITY`.
    pub const IRP_MJ_SET_SECURITY: u8 = 0x15;
    /// `IRP_MJ_MAXIMUM_FUNCTION`: the dispatch table has one more entry.
    pub const IRP_MJ_MAXIMUM_FUNCTION: u8 = 0x1b;
    /// `FILE_DEVICE_UNKNOWN`.
    pub const FILE_DEVICE_UNKNOWN: u32 = 0x22;
    /// `FILE_DEVICE_DISK`.
    pub const FILE_DEVICE_DISK: u32 = 0x7;
    /// `IRP_MN_QUERY_DIRECTORY` (under `IRP_MJ_DIRECTORY_CONTROL`).
    pub const IRP_MN_QUERY_DIRECTORY: u8 = 0x01;
    /// `IRP_MN_NOTIFY_CHANGE_DIRECTORY` (under `IRP_MJ_DIRECTORY_CONTROL`).
    pub const IRP_MN_NOTIFY_CHANGE_DIRECTORY: u8 = 0x02;
    /// `IRP_MN_USER_FS_REQUEST` (under `IRP_MJ_FILE_SYSTEM_CONTROL`).
    pub const IRP_MN_USER_FS_REQUEST: u8 = 0x00;
    /// `IRP_MJ_PNP`.
    pub const IRP_MJ_PNP: u8 = 0x1b;
    /// `IRP_MN_QUERY_REMOVE_DEVICE` (under `IRP_MJ_PNP`).
    pub const IRP_MN_QUERY_REMOVE_DEVICE: u8 = 0x01;
    /// `IRP_MN_REMOVE_DEVICE`.
    pub const IRP_MN_REMOVE_DEVICE: u8 = 0x02;
    /// `IRP_MN_CANCEL_REMOVE_DEVICE`.
    pub const IRP_MN_CANCEL_REMOVE_DEVICE: u8 = 0x03;
    /// `IRP_MN_SURPRISE_REMOVAL`.
    pub const IRP_MN_SURPRISE_REMOVAL: u8 = 0x17;
    /// `IRP_MN_LOCK` (under `IRP_MJ_LOCK_CONTROL`).
    pub const IRP_MN_LOCK: u8 = 0x01;
    /// `IRP_MN_UNLOCK_SINGLE`.
    pub const IRP_MN_UNLOCK_SINGLE: u8 = 0x02;
    /// `IRP_MN_UNLOCK_ALL`.
    pub const IRP_MN_UNLOCK_ALL: u8 = 0x03;
    /// `IRP_MN_UNLOCK_ALL_BY_KEY`.
    pub const IRP_MN_UNLOCK_ALL_BY_KEY: u8 = 0x04;
    /// `SL_FAIL_IMMEDIATELY` (`Flags` of a lock request).
    pub const SL_FAIL_IMMEDIATELY: u8 = 0x01;
    /// `SL_EXCLUSIVE_LOCK`.
    pub const SL_EXCLUSIVE_LOCK: u8 = 0x02;
    /// `IRP_MN_MDL` (a READ or WRITE minor bit): the caller wants the
    /// cache's pages as an MDL, not a copy.
    pub const IRP_MN_MDL: u8 = 0x02;
    /// `IRP_MN_COMPLETE` (with IRP_MN_MDL): the caller gives them back.
    pub const IRP_MN_COMPLETE: u8 = 0x04;
    /// `IRP_MN_MOUNT_VOLUME` (under `IRP_MJ_FILE_SYSTEM_CONTROL`).
    pub const IRP_MN_MOUNT_VOLUME: u8 = 0x01;
    /// `IRP_MN_VERIFY_VOLUME` (under `IRP_MJ_FILE_SYSTEM_CONTROL`).
    pub const IRP_MN_VERIFY_VOLUME: u8 = 0x02;
    /// `IRP_MN_LOAD_FILE_SYSTEM` (under `IRP_MJ_FILE_SYSTEM_CONTROL`).
    pub const IRP_MN_LOAD_FILE_SYSTEM: u8 = 0x03;
    /// `FILE_DEVICE_DISK_FILE_SYSTEM`: a disk file system's control or volume device.
    pub const FILE_DEVICE_DISK_FILE_SYSTEM: u32 = 0x8;
    /// `FILE_DEVICE_FILE_SYSTEM`.
    pub const FILE_DEVICE_FILE_SYSTEM: u32 = 0x9;
    /// `FILE_REMOVABLE_MEDIA` (device characteristics).
    pub const FILE_REMOVABLE_MEDIA: u32 = 0x1;
    /// `FILE_DEVICE_SECURE_OPEN`: the device's security applies to every
    /// name under it, not only to the device itself.
    pub const FILE_DEVICE_SECURE_OPEN: u32 = 0x100;
    /// `DO_BUFFERED_IO`.
    pub const DO_BUFFERED_IO: u32 = 0x4;
    /// `DO_DIRECT_IO`: read/write buffers arrive as an MDL.
    pub const DO_DIRECT_IO: u32 = 0x10;
    /// `DO_DEVICE_INITIALIZING`.
    pub const DO_DEVICE_INITIALIZING: u32 = 0x80;
    /// `VPB_MOUNTED`.
    pub const VPB_MOUNTED: u16 = 0x1;
    /// `VPB_LOCKED`.
    pub const VPB_LOCKED: u16 = 0x2;
    /// `MAXIMUM_VOLUME_LABEL_LENGTH`, in bytes.
    pub const MAXIMUM_VOLUME_LABEL_LENGTH: u32 = 64;
    /// `SL_PENDING_RETURNED` (`IO_STACK_LOCATION::Control`).
    pub const SL_PENDING_RETURNED: u8 = 0x01;
    /// `SL_INVOKE_ON_CANCEL` (`IO_STACK_LOCATION::Control`).
    pub const SL_INVOKE_ON_CANCEL: u8 = 0x20;
    /// `SL_INVOKE_ON_SUCCESS` (`IO_STACK_LOCATION::Control`).
    pub const SL_INVOKE_ON_SUCCESS: u8 = 0x40;
    /// `SL_INVOKE_ON_ERROR` (`IO_STACK_LOCATION::Control`).
    pub const SL_INVOKE_ON_ERROR: u8 = 0x80;
    /// `SL_WRITE_THROUGH` (`Flags` of a write): through to the disk.
    pub const SL_WRITE_THROUGH: u8 = 0x04;
    /// `SL_RESTART_SCAN` (`Flags` of a directory query).
    pub const SL_RESTART_SCAN: u8 = 0x01;
    /// `SL_RETURN_SINGLE_ENTRY` (`Flags` of a directory query).
    pub const SL_RETURN_SINGLE_ENTRY: u8 = 0x02;
    /// `SL_INDEX_SPECIFIED` (`Flags` of a directory query).
    pub const SL_INDEX_SPECIFIED: u8 = 0x04;
    /// `SL_WATCH_TREE` (`Flags` of a change notification).
    pub const SL_WATCH_TREE: u8 = 0x01;
    /// `SL_OPEN_PAGING_FILE` (`Flags` of a create).
    pub const SL_OPEN_PAGING_FILE: u8 = 0x02;
    /// `SL_OPEN_TARGET_DIRECTORY` (`Flags` of a create).
    pub const SL_OPEN_TARGET_DIRECTORY: u8 = 0x04;
    /// `SL_CASE_SENSITIVE` (`Flags` of a create).
    pub const SL_CASE_SENSITIVE: u8 = 0x80;
    /// `FO_SYNCHRONOUS_IO`.
    pub const FO_SYNCHRONOUS_IO: u32 = 0x2;
    /// `FO_NO_INTERMEDIATE_BUFFERING`.
    pub const FO_NO_INTERMEDIATE_BUFFERING: u32 = 0x8;
    /// `FO_WRITE_THROUGH`.
    pub const FO_WRITE_THROUGH: u32 = 0x10;
    /// `FO_FILE_MODIFIED`.
    pub const FO_FILE_MODIFIED: u32 = 0x1000;
    /// `FO_CACHE_SUPPORTED`: the file system caches this file object, so
    /// the I/O manager may try fast I/O on it.
    pub const FO_CACHE_SUPPORTED: u32 = 0x0000_0040;
    /// `FO_FILE_SIZE_CHANGED`.
    pub const FO_FILE_SIZE_CHANGED: u32 = 0x2000;
    /// `FO_CLEANUP_COMPLETE`.
    pub const FO_CLEANUP_COMPLETE: u32 = 0x4000;
    /// `FO_TEMPORARY_FILE`.
    pub const FO_TEMPORARY_FILE: u32 = 0x8000;
    /// `FO_DELETE_ON_CLOSE`.
    pub const FO_DELETE_ON_CLOSE: u32 = 0x1_0000;
    /// `IRP_NOCACHE`.
    pub const IRP_NOCACHE: u32 = 0x1;
    /// `IRP_PAGING_IO`.
    pub const IRP_PAGING_IO: u32 = 0x2;
    /// `IRP_BUFFERED_IO`.
    pub const IRP_BUFFERED_IO: u32 = 0x10;
    /// `IRP_INPUT_OPERATION`.
    pub const IRP_INPUT_OPERATION: u32 = 0x40;
    /// `IRP_SYNCHRONOUS_PAGING_IO` (the same bit as `IRP_INPUT_OPERATION`).
    pub const IRP_SYNCHRONOUS_PAGING_IO: u32 = 0x40;
    /// `METHOD_BUFFERED`.
    pub const METHOD_BUFFERED: u32 = 0;
    /// `FILE_ANY_ACCESS`.
    pub const FILE_ANY_ACCESS: u32 = 0;
    /// `FILE_READ_ACCESS`.
    pub const FILE_READ_ACCESS: u32 = 1;
    /// `FILE_WRITE_ACCESS`.
    pub const FILE_WRITE_ACCESS: u32 = 2;
    /// `IOCTL_DISK_IS_WRITABLE` (ntdddisk.h): fails with
    /// STATUS_MEDIA_WRITE_PROTECTED on a write-protected disk.
    pub const IOCTL_DISK_IS_WRITABLE: u32 = ctl_code(0x7, 0x9, 0, 0);
    /// `IOCTL_DISK_GET_LENGTH_INFO` (ntdddisk.h).
    pub const IOCTL_DISK_GET_LENGTH_INFO: u32 = ctl_code(0x7, 0x17, 0, 1);
    /// `IOCTL_DISK_GET_DRIVE_GEOMETRY` (ntdddisk.h): a [`DISK_GEOMETRY`].
    pub const IOCTL_DISK_GET_DRIVE_GEOMETRY: u32 = ctl_code(0x7, 0, 0, 0);
    /// `FSCTL_LOCK_VOLUME`.
    pub const FSCTL_LOCK_VOLUME: u32 = ctl_code(0x9, 6, 0, 0);
    /// `FSCTL_UNLOCK_VOLUME`.
    pub const FSCTL_UNLOCK_VOLUME: u32 = ctl_code(0x9, 7, 0, 0);
    /// `FSCTL_DISMOUNT_VOLUME`.
    pub const FSCTL_DISMOUNT_VOLUME: u32 = ctl_code(0x9, 8, 0, 0);
    /// `FSCTL_REQUEST_OPLOCK_LEVEL_1`.
    pub const FSCTL_REQUEST_OPLOCK_LEVEL_1: u32 = ctl_code(0x9, 0, 0, 0);
    /// `FSCTL_REQUEST_OPLOCK_LEVEL_2`.
    pub const FSCTL_REQUEST_OPLOCK_LEVEL_2: u32 = ctl_code(0x9, 1, 0, 0);
    /// `FSCTL_REQUEST_BATCH_OPLOCK`.
    pub const FSCTL_REQUEST_BATCH_OPLOCK: u32 = ctl_code(0x9, 2, 0, 0);
    /// `FSCTL_OPLOCK_BREAK_ACKNOWLEDGE`.
    pub const FSCTL_OPLOCK_BREAK_ACKNOWLEDGE: u32 = ctl_code(0x9, 3, 0, 0);
    /// `FSCTL_OPBATCH_ACK_CLOSE_PENDING`.
    pub const FSCTL_OPBATCH_ACK_CLOSE_PENDING: u32 = ctl_code(0x9, 4, 0, 0);
    /// `FSCTL_OPLOCK_BREAK_NOTIFY`.
    pub const FSCTL_OPLOCK_BREAK_NOTIFY: u32 = ctl_code(0x9, 5, 0, 0);
    /// `FSCTL_OPLOCK_BREAK_ACK_NO_2`.
    pub const FSCTL_OPLOCK_BREAK_ACK_NO_2: u32 = ctl_code(0x9, 20, 0, 0);
    /// `FSCTL_REQUEST_FILTER_OPLOCK`.
    pub const FSCTL_REQUEST_FILTER_OPLOCK: u32 = ctl_code(0x9, 23, 0, 0);
    /// `FSCTL_REQUEST_OPLOCK` (Windows 7).
    pub const FSCTL_REQUEST_OPLOCK: u32 = ctl_code(0x9, 144, 0, 0);
    /// `OPLOCK_LEVEL_CACHE_WRITE` (REQUEST_OPLOCK_INPUT_BUFFER's level):
    /// write caching, which makes the oplock exclusive.
    pub const OPLOCK_LEVEL_CACHE_WRITE: u32 = 0x4;
    /// `REQUEST_OPLOCK_INPUT_FLAG_REQUEST` (its flags): a request, not an
    /// acknowledgment.
    pub const REQUEST_OPLOCK_INPUT_FLAG_REQUEST: u32 = 0x1;
    /// `FSCTL_IS_VOLUME_MOUNTED`.
    pub const FSCTL_IS_VOLUME_MOUNTED: u32 = ctl_code(0x9, 10, 0, 0);
    /// `FSCTL_SET_REPARSE_POINT` (FILE_SPECIAL_ACCESS, which is 0).
    pub const FSCTL_SET_REPARSE_POINT: u32 = ctl_code(0x9, 41, 0, 0);
    /// `FSCTL_DELETE_REPARSE_POINT` (FILE_SPECIAL_ACCESS, which is 0).
    pub const FSCTL_DELETE_REPARSE_POINT: u32 = ctl_code(0x9, 43, 0, 0);
    /// `FSCTL_GET_REPARSE_POINT`.
    pub const FSCTL_GET_REPARSE_POINT: u32 = ctl_code(0x9, 42, 0, 0);
    /// `MDL_MAPPED_TO_SYSTEM_VA`: `MappedSystemVa` is valid.
    pub const MDL_MAPPED_TO_SYSTEM_VA: i16 = 0x1;
    /// `MDL_SOURCE_IS_NONPAGED_POOL`: `MappedSystemVa` is valid.
    pub const MDL_SOURCE_IS_NONPAGED_POOL: i16 = 0x4;
    /// `MmCached`.
    pub const MmCached: MEMORY_CACHING_TYPE = 1;
    /// `NormalPagePriority`.
    pub const NormalPagePriority: u32 = 16;
    /// A sample `CTL_CODE` to prove [`ctl_code`] against the C macro.
    pub const CTL_CODE_SAMPLE: u32 = ctl_code(0x22, 0x801, 0, 3) => "CTL_CODE(0x22, 0x801, METHOD_BUFFERED, FILE_READ_ACCESS | FILE_WRITE_ACCESS)";
}

unsafe extern "system" {
    /// `IoCreateDevice`. PASSIVE_LEVEL.
    pub fn IoCreateDevice(
        DriverObject: *mut DRIVER_OBJECT,
        DeviceExtensionSize: u32,
        DeviceName: *mut UNICODE_STRING,
        DeviceType: u32,
        DeviceCharacteristics: u32,
        Exclusive: u8,
        DeviceObject: *mut *mut DEVICE_OBJECT,
    ) -> NTSTATUS;
    /// `IoDeleteDevice`.
    pub fn IoDeleteDevice(DeviceObject: *mut DEVICE_OBJECT);
    /// `IoCreateSymbolicLink`.
    pub fn IoCreateSymbolicLink(SymbolicLinkName: *mut UNICODE_STRING, DeviceName: *mut UNICODE_STRING) -> NTSTATUS;
    /// `IoDeleteSymbolicLink`.
    pub fn IoDeleteSymbolicLink(SymbolicLinkName: *mut UNICODE_STRING) -> NTSTATUS;
    /// `IofCompleteRequest` (what the `IoCompleteRequest` macro calls).
    pub fn IofCompleteRequest(Irp: *mut IRP, PriorityBoost: i8);
    /// `IoBuildSynchronousFsdRequest`: an IRP for READ, WRITE or
    /// FLUSH_BUFFERS that sets `Event` and fills `IoStatusBlock` when it
    /// completes; the I/O manager frees it. PASSIVE_LEVEL.
    pub fn IoBuildSynchronousFsdRequest(
        MajorFunction: u32,
        DeviceObject: *mut DEVICE_OBJECT,
        Buffer: *mut c_void,
        Length: u32,
        StartingOffset: *mut i64,
        Event: *mut KEVENT,
        IoStatusBlock: *mut IO_STATUS_BLOCK,
    ) -> *mut IRP;
    /// `IoBuildDeviceIoControlRequest`, completed like the above.
    pub fn IoBuildDeviceIoControlRequest(
        IoControlCode: u32,
        DeviceObject: *mut DEVICE_OBJECT,
        InputBuffer: *mut c_void,
        InputBufferLength: u32,
        OutputBuffer: *mut c_void,
        OutputBufferLength: u32,
        InternalDeviceIoControl: u8,
        Event: *mut KEVENT,
        IoStatusBlock: *mut IO_STATUS_BLOCK,
    ) -> *mut IRP;
    /// `IofCallDriver` (what the `IoCallDriver` macro calls).
    pub fn IofCallDriver(DeviceObject: *mut DEVICE_OBJECT, Irp: *mut IRP) -> NTSTATUS;
    /// `IoGetDeviceObjectPointer`: the top of a named device's stack and a
    /// referenced file object that keeps it alive. PASSIVE_LEVEL.
    pub fn IoGetDeviceObjectPointer(
        ObjectName: *mut UNICODE_STRING,
        DesiredAccess: u32,
        FileObject: *mut *mut FILE_OBJECT,
        DeviceObject: *mut *mut DEVICE_OBJECT,
    ) -> NTSTATUS;
    /// `ObfReferenceObject` (the `ObReferenceObject` macro;
    /// `ObfDereferenceObject` is in `ps`).
    pub fn ObfReferenceObject(Object: *mut c_void) -> isize;
    /// `RtlLengthSecurityDescriptor`: the bytes of a security descriptor
    /// with everything it points to.
    pub fn RtlLengthSecurityDescriptor(SecurityDescriptor: *mut c_void) -> u32;
    /// `ProbeForWrite`: raises STATUS_ACCESS_VIOLATION (or
    /// STATUS_DATATYPE_MISALIGNMENT) unless `Address..Address+Length` is a
    /// writable user-mode range; call it only inside structured exception
    /// handling.
    pub fn ProbeForWrite(Address: *mut c_void, Length: usize, Alignment: u32);
    /// `MmMapLockedPagesSpecifyCache` (the slow path of the
    /// `MmGetSystemAddressForMdlSafe` macro).
    pub fn MmMapLockedPagesSpecifyCache(
        MemoryDescriptorList: *mut MDL,
        AccessMode: KPROCESSOR_MODE,
        CacheType: MEMORY_CACHING_TYPE,
        RequestedAddress: *mut c_void,
        BugCheckOnFailure: u32,
        Priority: u32,
    ) -> *mut c_void;
    /// `IoCheckShareAccess`: whether an open with `DesiredAccess` and
    /// `DesiredShareAccess` may join the file's opens; with `Update` it also
    /// records it (and sets the file object's access flags). Any IRQL up to
    /// APC_LEVEL; the caller serialises the record. A Wine stub that kills
    /// the process: the product build only.
    pub fn IoCheckShareAccess(
        DesiredAccess: u32,
        DesiredShareAccess: u32,
        FileObject: *mut FILE_OBJECT,
        ShareAccess: *mut SHARE_ACCESS,
        Update: u8,
    ) -> NTSTATUS;
    /// `IoRemoveShareAccess`: the file object's open leaves the record
    /// (at cleanup). A Wine stub that kills the process: the product build
    /// only.
    pub fn IoRemoveShareAccess(FileObject: *mut FILE_OBJECT, ShareAccess: *mut SHARE_ACCESS);
    /// `IoGetStackLimits`.
    pub fn IoGetStackLimits(LowLimit: *mut usize, HighLimit: *mut usize);
    /// `IoRegisterFileSystem`: adds a file system's control device to the
    /// list the I/O manager offers mounts to. PASSIVE_LEVEL.
    pub fn IoRegisterFileSystem(DeviceObject: *mut DEVICE_OBJECT);
    /// `IoUnregisterFileSystem`. PASSIVE_LEVEL.
    pub fn IoUnregisterFileSystem(DeviceObject: *mut DEVICE_OBJECT);
    /// `IoAllocateIrp` with `StackSize` stack locations; free with
    /// `IoFreeIrp`. <= DISPATCH_LEVEL.
    pub fn IoAllocateIrp(StackSize: i8, ChargeQuota: u8) -> *mut IRP;
    /// `IoFreeIrp` (an IRP from `IoAllocateIrp`). <= DISPATCH_LEVEL.
    pub fn IoFreeIrp(Irp: *mut IRP);
    /// `IoAllocateMdl` for a buffer of `Length` bytes; with an `Irp` and
    /// `SecondaryBuffer` 0 it becomes `Irp->MdlAddress`. <= DISPATCH_LEVEL.
    pub fn IoAllocateMdl(
        VirtualAddress: *mut c_void,
        Length: u32,
        SecondaryBuffer: u8,
        ChargeQuota: u8,
        Irp: *mut IRP,
    ) -> *mut MDL;
    /// `IoFreeMdl`. <= DISPATCH_LEVEL.
    pub fn IoFreeMdl(Mdl: *mut MDL);
    /// `MmBuildMdlForNonPagedPool`: fills an MDL over nonpaged memory (no
    /// locking needed). <= DISPATCH_LEVEL.
    pub fn MmBuildMdlForNonPagedPool(MemoryDescriptorList: *mut MDL);
    /// `IoGetCurrentProcess`: the current `PEPROCESS`. Any IRQL.
    pub fn IoGetCurrentProcess() -> *mut c_void;
    /// `IoGetRequestorProcess`: the process that sent the IRP (its
    /// thread's). <= DISPATCH_LEVEL.
    pub fn IoGetRequestorProcess(Irp: *mut IRP) -> *mut c_void;
    /// `IoCancelIrp`: sets `Cancel` and calls the IRP's cancel routine, if
    /// it has one, with the cancel spin lock held. <= DISPATCH_LEVEL.
    pub fn IoCancelIrp(Irp: *mut IRP) -> u8;
    /// `IoReleaseCancelSpinLock`: what a cancel routine calls first, with
    /// the IRP's `CancelIrql`.
    pub fn IoReleaseCancelSpinLock(Irql: u8);
    /// `IoRegisterShutdownNotification`: the device gets IRP_MJ_SHUTDOWN
    /// when the system shuts down. PASSIVE_LEVEL.
    pub fn IoRegisterShutdownNotification(DeviceObject: *mut DEVICE_OBJECT) -> NTSTATUS;
    /// `IoUnregisterShutdownNotification`. PASSIVE_LEVEL.
    pub fn IoUnregisterShutdownNotification(DeviceObject: *mut DEVICE_OBJECT);
}

/// A cancel routine (`DRIVER_CANCEL`).
pub type DRIVER_CANCEL = unsafe extern "system" fn(DeviceObject: *mut DEVICE_OBJECT, Irp: *mut IRP);

/// The handle type `IoCreateDevice` callers receive nothing of; kept so that
/// signatures elsewhere read like the DDK.
pub type DEVICE_HANDLE = HANDLE;
