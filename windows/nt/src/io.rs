//! The I/O manager: IRPs, stack locations, device, driver and file objects,
//! device creation and symbolic links.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_void;

use crate::ke::{KDPC, KEVENT};
use crate::types::{HANDLE, IO_STATUS_BLOCK, KPROCESSOR_MODE, LIST_ENTRY, NTSTATUS, UNICODE_STRING};

/// `MEMORY_CACHING_TYPE`.
pub type MEMORY_CACHING_TYPE = i32;
/// `PDRIVER_DISPATCH`.
pub type DRIVER_DISPATCH = unsafe extern "system" fn(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS;
/// `PDRIVER_UNLOAD`.
pub type DRIVER_UNLOAD = unsafe extern "system" fn(driver: *mut DRIVER_OBJECT);

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
        pub Vpb: *mut c_void,
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
        pub Vpb: *mut c_void,
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
    /// `IRP_MJ_FLUSH_BUFFERS`.
    pub const IRP_MJ_FLUSH_BUFFERS: u8 = 0x09;
    /// `IRP_MJ_DEVICE_CONTROL`.
    pub const IRP_MJ_DEVICE_CONTROL: u8 = 0x0e;
    /// `IRP_MJ_CLEANUP`.
    pub const IRP_MJ_CLEANUP: u8 = 0x12;
    /// `IRP_MJ_MAXIMUM_FUNCTION`: the dispatch table has one more entry.
    pub const IRP_MJ_MAXIMUM_FUNCTION: u8 = 0x1b;
    /// `FILE_DEVICE_UNKNOWN`.
    pub const FILE_DEVICE_UNKNOWN: u32 = 0x22;
    /// `FILE_DEVICE_DISK`.
    pub const FILE_DEVICE_DISK: u32 = 0x7;
    /// `FILE_DEVICE_SECURE_OPEN`: the device's security applies to every
    /// name under it, not only to the device itself.
    pub const FILE_DEVICE_SECURE_OPEN: u32 = 0x100;
    /// `DO_BUFFERED_IO`.
    pub const DO_BUFFERED_IO: u32 = 0x4;
    /// `DO_DIRECT_IO`: read/write buffers arrive as an MDL.
    pub const DO_DIRECT_IO: u32 = 0x10;
    /// `DO_DEVICE_INITIALIZING`.
    pub const DO_DEVICE_INITIALIZING: u32 = 0x80;
    /// `METHOD_BUFFERED`.
    pub const METHOD_BUFFERED: u32 = 0;
    /// `FILE_ANY_ACCESS`.
    pub const FILE_ANY_ACCESS: u32 = 0;
    /// `FILE_READ_ACCESS`.
    pub const FILE_READ_ACCESS: u32 = 1;
    /// `FILE_WRITE_ACCESS`.
    pub const FILE_WRITE_ACCESS: u32 = 2;
    /// `IOCTL_DISK_GET_LENGTH_INFO` (winioctl.h, which the probe cannot
    /// include next to the DDK: checked through its definition instead).
    pub const IOCTL_DISK_GET_LENGTH_INFO: u32 = ctl_code(0x7, 0x17, 0, 1) => "CTL_CODE(FILE_DEVICE_DISK, 0x17, METHOD_BUFFERED, FILE_READ_ACCESS)";
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
    /// `IoGetStackLimits`.
    pub fn IoGetStackLimits(LowLimit: *mut usize, HighLimit: *mut usize);
}

/// The handle type `IoCreateDevice` callers receive nothing of; kept so that
/// signatures elsewhere read like the DDK.
pub type DEVICE_HANDLE = HANDLE;
