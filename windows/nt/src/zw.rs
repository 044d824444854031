//! Zw file I/O on host files (disk images later; the block driver uses it)
//! and registry reads.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_void;

use crate::types::{ACCESS_MASK, HANDLE, IO_STATUS_BLOCK, LARGE_INTEGER, NTSTATUS, OBJECT_ATTRIBUTES, UNICODE_STRING};

/// `FILE_INFORMATION_CLASS`.
pub type FILE_INFORMATION_CLASS = i32;
/// `FS_INFORMATION_CLASS`.
pub type FS_INFORMATION_CLASS = i32;
/// `KEY_VALUE_INFORMATION_CLASS`.
pub type KEY_VALUE_INFORMATION_CLASS = i32;

crate::nt_structs! {
    /// `FILE_STANDARD_INFORMATION`.
    pub struct FILE_STANDARD_INFORMATION {
        pub AllocationSize: i64,
        pub EndOfFile: i64,
        pub NumberOfLinks: u32,
        pub DeletePending: u8,
        pub Directory: u8,
    }

    /// `FILE_POSITION_INFORMATION`.
    pub struct FILE_POSITION_INFORMATION {
        pub CurrentByteOffset: i64,
    }

    /// `KEY_VALUE_PARTIAL_INFORMATION`: `DataLength` bytes follow at `Data`.
    pub struct KEY_VALUE_PARTIAL_INFORMATION {
        pub TitleIndex: u32,
        pub Type: u32,
        pub DataLength: u32,
        pub Data: [u8; 1],
    }
}

crate::nt_consts! {
    /// `FILE_READ_DATA`.
    pub const FILE_READ_DATA: ACCESS_MASK = 0x1;
    /// `FILE_WRITE_DATA`.
    pub const FILE_WRITE_DATA: ACCESS_MASK = 0x2;
    /// `FILE_READ_ATTRIBUTES`.
    pub const FILE_READ_ATTRIBUTES: ACCESS_MASK = 0x80;
    /// `FILE_SHARE_READ`.
    pub const FILE_SHARE_READ: u32 = 1;
    /// `FILE_SHARE_WRITE`.
    pub const FILE_SHARE_WRITE: u32 = 2;
    /// `FILE_ATTRIBUTE_NORMAL`.
    pub const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;
    /// `FILE_OPEN`.
    pub const FILE_OPEN: u32 = 1;
    /// `FILE_OVERWRITE_IF`.
    pub const FILE_OVERWRITE_IF: u32 = 5;
    /// `FILE_NON_DIRECTORY_FILE`.
    pub const FILE_NON_DIRECTORY_FILE: u32 = 0x40;
    /// `FILE_SYNCHRONOUS_IO_NONALERT`.
    pub const FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x20;
    /// `FILE_WRITE_THROUGH`.
    pub const FILE_WRITE_THROUGH: u32 = 0x2;
    /// `FileStandardInformation`.
    pub const FileStandardInformation: FILE_INFORMATION_CLASS = 5;
    /// `FilePositionInformation`.
    pub const FilePositionInformation: FILE_INFORMATION_CLASS = 14;
    /// `KeyValuePartialInformation`.
    pub const KeyValuePartialInformation: KEY_VALUE_INFORMATION_CLASS = 2;
    /// `KEY_READ`.
    pub const KEY_READ: ACCESS_MASK = 0x2_0019;
    /// `REG_SZ`.
    pub const REG_SZ: u32 = 1;
    /// `REG_DWORD`.
    pub const REG_DWORD: u32 = 4;
}

unsafe extern "system" {
    /// `ZwCreateFile`. PASSIVE_LEVEL.
    pub fn ZwCreateFile(
        FileHandle: *mut HANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectAttributes: *mut OBJECT_ATTRIBUTES,
        IoStatusBlock: *mut IO_STATUS_BLOCK,
        AllocationSize: *mut LARGE_INTEGER,
        FileAttributes: u32,
        ShareAccess: u32,
        CreateDisposition: u32,
        CreateOptions: u32,
        EaBuffer: *mut c_void,
        EaLength: u32,
    ) -> NTSTATUS;
    /// `ZwReadFile`. PASSIVE_LEVEL.
    pub fn ZwReadFile(
        FileHandle: HANDLE,
        Event: HANDLE,
        ApcRoutine: *mut c_void,
        ApcContext: *mut c_void,
        IoStatusBlock: *mut IO_STATUS_BLOCK,
        Buffer: *mut c_void,
        Length: u32,
        ByteOffset: *mut LARGE_INTEGER,
        Key: *mut u32,
    ) -> NTSTATUS;
    /// `ZwWriteFile`. PASSIVE_LEVEL.
    pub fn ZwWriteFile(
        FileHandle: HANDLE,
        Event: HANDLE,
        ApcRoutine: *mut c_void,
        ApcContext: *mut c_void,
        IoStatusBlock: *mut IO_STATUS_BLOCK,
        Buffer: *mut c_void,
        Length: u32,
        ByteOffset: *mut LARGE_INTEGER,
        Key: *mut u32,
    ) -> NTSTATUS;
    /// `ZwDeviceIoControlFile` (a synchronous handle: the call returns when
    /// the request is done). PASSIVE_LEVEL.
    pub fn ZwDeviceIoControlFile(
        FileHandle: HANDLE,
        Event: HANDLE,
        ApcRoutine: *mut c_void,
        ApcContext: *mut c_void,
        IoStatusBlock: *mut IO_STATUS_BLOCK,
        IoControlCode: u32,
        InputBuffer: *mut c_void,
        InputBufferLength: u32,
        OutputBuffer: *mut c_void,
        OutputBufferLength: u32,
    ) -> NTSTATUS;
    /// `ZwOpenSymbolicLinkObject`: whether a name (a drive letter) is taken.
    pub fn ZwOpenSymbolicLinkObject(
        LinkHandle: *mut HANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectAttributes: *mut OBJECT_ATTRIBUTES,
    ) -> NTSTATUS;
    /// `ZwQueryInformationFile`.
    pub fn ZwQueryInformationFile(
        FileHandle: HANDLE,
        IoStatusBlock: *mut IO_STATUS_BLOCK,
        FileInformation: *mut c_void,
        Length: u32,
        FileInformationClass: FILE_INFORMATION_CLASS,
    ) -> NTSTATUS;
    /// `ZwFlushBuffersFile`.
    pub fn ZwFlushBuffersFile(FileHandle: HANDLE, IoStatusBlock: *mut IO_STATUS_BLOCK) -> NTSTATUS;
    /// `ZwOpenKey`: a registry key handle; close with `ZwClose`. PASSIVE_LEVEL.
    pub fn ZwOpenKey(
        KeyHandle: *mut HANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectAttributes: *mut OBJECT_ATTRIBUTES,
    ) -> NTSTATUS;
    /// `ZwQueryValueKey`. PASSIVE_LEVEL.
    pub fn ZwQueryValueKey(
        KeyHandle: HANDLE,
        ValueName: *mut UNICODE_STRING,
        KeyValueInformationClass: KEY_VALUE_INFORMATION_CLASS,
        KeyValueInformation: *mut c_void,
        Length: u32,
        ResultLength: *mut u32,
    ) -> NTSTATUS;
}
