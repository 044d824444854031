//! Pool memory and debug output.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::{c_char, c_void};

use crate::types::UNICODE_STRING;

/// `POOL_TYPE`.
pub type POOL_TYPE = i32;

crate::nt_consts! {
    /// `NonPagedPool` (executable; only for pre-Windows 8).
    pub const NonPagedPool: POOL_TYPE = 0;
    /// `PagedPool`.
    pub const PagedPool: POOL_TYPE = 1;
    /// `NonPagedPoolNx`: non-paged, not executable (Windows 8 and later).
    pub const NonPagedPoolNx: POOL_TYPE = 512;
    /// `DPFLTR_IHVDRIVER_ID`: the component third-party drivers print under.
    pub const DPFLTR_IHVDRIVER_ID: u32 = 77;
    /// `DPFLTR_ERROR_LEVEL`: shown by default.
    pub const DPFLTR_ERROR_LEVEL: u32 = 0;
    /// `DPFLTR_INFO_LEVEL`.
    pub const DPFLTR_INFO_LEVEL: u32 = 3;
}

unsafe extern "system" {
    /// `ExAllocatePoolWithTag`: 16-byte aligned on x64, null when exhausted.
    /// IRQL <= DISPATCH_LEVEL for non-paged pools.
    pub fn ExAllocatePoolWithTag(PoolType: POOL_TYPE, NumberOfBytes: usize, Tag: u32) -> *mut c_void;
    /// `ExFreePoolWithTag`.
    pub fn ExFreePoolWithTag(P: *mut c_void, Tag: u32);
    /// `MmGetSystemRoutineAddress`: an ntoskrnl or HAL export by name, or
    /// null. PASSIVE_LEVEL.
    pub fn MmGetSystemRoutineAddress(SystemRoutineName: *mut UNICODE_STRING) -> *mut c_void;
    /// `RtlInitUnicodeString`.
    pub fn RtlInitUnicodeString(Destination: *mut UNICODE_STRING, Source: *const u16);
}

unsafe extern "C" {
    /// `DbgPrintEx` (printf-style, variadic).
    pub fn DbgPrintEx(ComponentId: u32, Level: u32, Format: *const c_char, ...) -> u32;
}
