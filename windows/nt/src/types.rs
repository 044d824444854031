//! Basic NT types shared by every other module: status codes, handles,
//! strings, object attributes and I/O status.

#![allow(non_camel_case_types)]

use core::ffi::c_void;
use widestring::U16Str;

/// `NTSTATUS`: negative is an error, `0x4000_0000..` informational.
pub type NTSTATUS = i32;
/// `HANDLE`.
pub type HANDLE = *mut c_void;
/// `ACCESS_MASK`.
pub type ACCESS_MASK = u32;
/// `KPROCESSOR_MODE` (`KernelMode` or `UserMode`).
pub type KPROCESSOR_MODE = i8;
/// `KIRQL`.
pub type KIRQL = u8;
/// `LARGE_INTEGER` as the 64-bit value it carries.
pub type LARGE_INTEGER = i64;
/// `BOOLEAN`: 0 or 1 in one byte.
pub type BOOLEAN = u8;
/// An opaque `OBJECT_TYPE` (only ever used through pointers).
pub enum OBJECT_TYPE {}

/// Whether a status is a success or informational code (`NT_SUCCESS`).
pub const fn nt_success(status: NTSTATUS) -> bool {
    status >= 0
}

crate::nt_structs! {
    /// `LIST_ENTRY`.
    pub struct LIST_ENTRY {
        pub Flink: *mut LIST_ENTRY,
        pub Blink: *mut LIST_ENTRY,
    }

    /// `UNICODE_STRING`: lengths in bytes, not necessarily NUL-terminated.
    pub struct UNICODE_STRING {
        pub Length: u16,
        pub MaximumLength: u16,
        pub Buffer: *mut u16,
    }

    /// `OBJECT_ATTRIBUTES`.
    pub struct OBJECT_ATTRIBUTES {
        pub Length: u32,
        pub RootDirectory: HANDLE,
        pub ObjectName: *mut UNICODE_STRING,
        pub Attributes: u32,
        pub SecurityDescriptor: *mut c_void,
        pub SecurityQualityOfService: *mut c_void,
    }

    /// `IO_STATUS_BLOCK` (the `Pointer` arm of the first union is not used).
    pub struct IO_STATUS_BLOCK {
        pub Status: NTSTATUS,
        pub Information: usize,
    }

    /// `CLIENT_ID`.
    pub struct CLIENT_ID {
        pub UniqueProcess: HANDLE,
        pub UniqueThread: HANDLE,
    }
}

crate::nt_consts! {
    /// `STATUS_SUCCESS`.
    pub const STATUS_SUCCESS: NTSTATUS = 0;
    /// `STATUS_WAIT_1`: the second object of a wait-any was signalled.
    pub const STATUS_WAIT_1: NTSTATUS = 1;
    /// `STATUS_TIMEOUT`.
    pub const STATUS_TIMEOUT: NTSTATUS = 0x102;
    /// `STATUS_PENDING`.
    pub const STATUS_PENDING: NTSTATUS = 0x103;
    /// `STATUS_BUFFER_OVERFLOW` (a warning: data was returned, more exists).
    pub const STATUS_BUFFER_OVERFLOW: NTSTATUS = 0x8000_0005_u32 as i32;
    /// `STATUS_VERIFY_REQUIRED` (a warning: the media may have changed).
    pub const STATUS_VERIFY_REQUIRED: NTSTATUS = 0x8000_0016_u32 as i32;
    /// `STATUS_UNSUCCESSFUL`.
    pub const STATUS_UNSUCCESSFUL: NTSTATUS = 0xC000_0001_u32 as i32;
    /// `STATUS_NOT_IMPLEMENTED`.
    pub const STATUS_NOT_IMPLEMENTED: NTSTATUS = 0xC000_0002_u32 as i32;
    /// `STATUS_INVALID_PARAMETER`.
    pub const STATUS_INVALID_PARAMETER: NTSTATUS = 0xC000_000D_u32 as i32;
    /// `STATUS_NO_SUCH_DEVICE`.
    pub const STATUS_NO_SUCH_DEVICE: NTSTATUS = 0xC000_000E_u32 as i32;
    /// `STATUS_INVALID_USER_BUFFER`.
    pub const STATUS_INVALID_USER_BUFFER: NTSTATUS = 0xC000_00E8_u32 as i32;
    /// `STATUS_INVALID_SECURITY_DESCR`.
    pub const STATUS_INVALID_SECURITY_DESCR: NTSTATUS = 0xC000_0079_u32 as i32;
    /// `STATUS_INVALID_DEVICE_REQUEST`.
    pub const STATUS_INVALID_DEVICE_REQUEST: NTSTATUS = 0xC000_0010_u32 as i32;
    /// `STATUS_WRONG_VOLUME`.
    pub const STATUS_WRONG_VOLUME: NTSTATUS = 0xC000_0012_u32 as i32;
    /// `STATUS_NO_MEDIA_IN_DEVICE`.
    pub const STATUS_NO_MEDIA_IN_DEVICE: NTSTATUS = 0xC000_0013_u32 as i32;
    /// `STATUS_MORE_PROCESSING_REQUIRED`: from a completion routine, stops
    /// completion so that the routine's owner keeps the IRP.
    pub const STATUS_MORE_PROCESSING_REQUIRED: NTSTATUS = 0xC000_0016_u32 as i32;
    /// `STATUS_ACCESS_DENIED`.
    pub const STATUS_ACCESS_DENIED: NTSTATUS = 0xC000_0022_u32 as i32;
    /// `STATUS_BUFFER_TOO_SMALL`.
    pub const STATUS_BUFFER_TOO_SMALL: NTSTATUS = 0xC000_0023_u32 as i32;
    /// `STATUS_DISK_CORRUPT_ERROR`.
    pub const STATUS_DISK_CORRUPT_ERROR: NTSTATUS = 0xC000_0032_u32 as i32;
    /// `STATUS_OBJECT_NAME_NOT_FOUND`.
    pub const STATUS_OBJECT_NAME_NOT_FOUND: NTSTATUS = 0xC000_0034_u32 as i32;
    /// `STATUS_OBJECT_NAME_COLLISION`.
    pub const STATUS_OBJECT_NAME_COLLISION: NTSTATUS = 0xC000_0035_u32 as i32;
    /// `STATUS_SHARING_VIOLATION`.
    pub const STATUS_SHARING_VIOLATION: NTSTATUS = 0xC000_0043_u32 as i32;
    /// `STATUS_DELETE_PENDING`.
    pub const STATUS_DELETE_PENDING: NTSTATUS = 0xC000_0056_u32 as i32;
    /// `STATUS_FILE_INVALID`.
    pub const STATUS_FILE_INVALID: NTSTATUS = 0xC000_0098_u32 as i32;
    /// `STATUS_INSUFFICIENT_RESOURCES`.
    pub const STATUS_INSUFFICIENT_RESOURCES: NTSTATUS = 0xC000_009A_u32 as i32;
    /// `STATUS_MEDIA_WRITE_PROTECTED`.
    pub const STATUS_MEDIA_WRITE_PROTECTED: NTSTATUS = 0xC000_00A2_u32 as i32;
    /// `STATUS_NOT_FOUND`.
    pub const STATUS_NOT_FOUND: NTSTATUS = 0xC000_0225_u32 as i32;
    /// `STATUS_NOT_SUPPORTED`.
    pub const STATUS_NOT_SUPPORTED: NTSTATUS = 0xC000_00BB_u32 as i32;
    /// `STATUS_INFO_LENGTH_MISMATCH`.
    pub const STATUS_INFO_LENGTH_MISMATCH: NTSTATUS = 0xC000_0004_u32 as i32;
    /// `STATUS_DEVICE_BUSY`.
    pub const STATUS_DEVICE_BUSY: NTSTATUS = 0x8000_0011_u32 as i32;
    /// `STATUS_DEVICE_NOT_READY`.
    pub const STATUS_DEVICE_NOT_READY: NTSTATUS = 0xC000_00A3_u32 as i32;
    /// `STATUS_END_OF_FILE`.
    pub const STATUS_END_OF_FILE: NTSTATUS = 0xC000_0011_u32 as i32;
    /// `STATUS_INTERNAL_ERROR`.
    pub const STATUS_INTERNAL_ERROR: NTSTATUS = 0xC000_00E5_u32 as i32;
    /// `STATUS_FILE_CORRUPT_ERROR`.
    pub const STATUS_FILE_CORRUPT_ERROR: NTSTATUS = 0xC000_0102_u32 as i32;
    /// `STATUS_TOO_MANY_OPENED_FILES`.
    pub const STATUS_TOO_MANY_OPENED_FILES: NTSTATUS = 0xC000_011F_u32 as i32;
    /// `STATUS_CANCELLED`.
    pub const STATUS_CANCELLED: NTSTATUS = 0xC000_0120_u32 as i32;
    /// `STATUS_UNRECOGNIZED_VOLUME`: no file system on the volume is known.
    pub const STATUS_UNRECOGNIZED_VOLUME: NTSTATUS = 0xC000_014F_u32 as i32;
    /// `STATUS_INVALID_DEVICE_STATE`.
    pub const STATUS_INVALID_DEVICE_STATE: NTSTATUS = 0xC000_0184_u32 as i32;
    /// `STATUS_IO_DEVICE_ERROR`.
    pub const STATUS_IO_DEVICE_ERROR: NTSTATUS = 0xC000_0185_u32 as i32;
    /// `STATUS_NOT_LOCKED`.
    pub const STATUS_NOT_LOCKED: NTSTATUS = 0xC000_002A_u32 as i32;
    /// `STATUS_VOLUME_DISMOUNTED`.
    pub const STATUS_VOLUME_DISMOUNTED: NTSTATUS = 0xC000_026E_u32 as i32;

    /// `OBJ_CASE_INSENSITIVE`.
    pub const OBJ_CASE_INSENSITIVE: u32 = 0x40;
    /// `OBJ_KERNEL_HANDLE`: the handle lives in the system process's table,
    /// so no user process can use or close it.
    pub const OBJ_KERNEL_HANDLE: u32 = 0x200;
    /// `OBJ_FORCE_ACCESS_CHECK`: check the caller's access even though the
    /// open is made from kernel mode on its behalf.
    pub const OBJ_FORCE_ACCESS_CHECK: u32 = 0x400;

    /// `KernelMode`.
    pub const KernelMode: KPROCESSOR_MODE = 0;
    /// `UserMode`.
    pub const UserMode: KPROCESSOR_MODE = 1;
    /// `PASSIVE_LEVEL`.
    pub const PASSIVE_LEVEL: KIRQL = 0;
    /// `DISPATCH_LEVEL`.
    pub const DISPATCH_LEVEL: KIRQL = 2;

    /// `SYNCHRONIZE`.
    pub const SYNCHRONIZE: ACCESS_MASK = 0x0010_0000;
    /// `READ_CONTROL`.
    pub const READ_CONTROL: ACCESS_MASK = 0x0002_0000;
    /// `WRITE_DAC`.
    pub const WRITE_DAC: ACCESS_MASK = 0x0004_0000;
    /// `GENERIC_READ`.
    pub const GENERIC_READ: ACCESS_MASK = 0x8000_0000;
    /// `GENERIC_WRITE`.
    pub const GENERIC_WRITE: ACCESS_MASK = 0x4000_0000;
    /// `GENERIC_ALL`.
    pub const GENERIC_ALL: ACCESS_MASK = 0x1000_0000;
    /// `THREAD_ALL_ACCESS` as the DDK defines it.
    pub const THREAD_ALL_ACCESS: ACCESS_MASK = 0x001F_FFFF;
}

impl UNICODE_STRING {
    /// A counted string over a static UTF-16 string, written
    /// `widestring::u16str!("\\Device\\X")` (no NUL: the length counts).
    pub const fn from_static(text: &'static U16Str) -> UNICODE_STRING {
        let bytes = (text.len() * 2) as u16;
        UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: text.as_ptr() as *mut u16 }
    }

    /// A counted string over `units` (no NUL: the length counts), or
    /// `None` past the 65,534 bytes a `UNICODE_STRING` can count. It
    /// borrows `units` without a lifetime: pass it only where the kernel
    /// reads the name (object names, value names) while `units` lives.
    pub const fn from_units(units: &[u16]) -> Option<UNICODE_STRING> {
        if units.len() > (u16::MAX / 2) as usize {
            return None;
        }
        let bytes = (units.len() * 2) as u16;
        Some(UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: units.as_ptr() as *mut u16 })
    }
}

impl OBJECT_ATTRIBUTES {
    /// `InitializeObjectAttributes` (a macro in C).
    pub const fn new(
        name: *mut UNICODE_STRING,
        attributes: u32,
        security_descriptor: *mut c_void,
    ) -> OBJECT_ATTRIBUTES {
        OBJECT_ATTRIBUTES {
            Length: core::mem::size_of::<OBJECT_ATTRIBUTES>() as u32,
            RootDirectory: core::ptr::null_mut(),
            ObjectName: name,
            Attributes: attributes,
            SecurityDescriptor: security_descriptor,
            SecurityQualityOfService: core::ptr::null_mut(),
        }
    }
}
