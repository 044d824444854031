//! System threads and the object manager calls needed to join them.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_void;

use crate::types::{ACCESS_MASK, CLIENT_ID, HANDLE, KPROCESSOR_MODE, NTSTATUS, OBJECT_ATTRIBUTES, OBJECT_TYPE};

/// `PKSTART_ROUTINE`.
pub type KSTART_ROUTINE = unsafe extern "system" fn(context: *mut c_void);

unsafe extern "system" {
    /// `PsCreateSystemThread`. PASSIVE_LEVEL. Pass `OBJ_KERNEL_HANDLE` in the
    /// attributes so that the handle cannot be reached from user mode.
    pub fn PsCreateSystemThread(
        ThreadHandle: *mut HANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectAttributes: *mut OBJECT_ATTRIBUTES,
        ProcessHandle: HANDLE,
        ClientId: *mut CLIENT_ID,
        StartRoutine: KSTART_ROUTINE,
        StartContext: *mut c_void,
    ) -> NTSTATUS;
    /// `PsTerminateSystemThread`: ends the calling system thread.
    pub fn PsTerminateSystemThread(ExitStatus: NTSTATUS) -> NTSTATUS;
    /// `PsGetCurrentThread`: the current `PETHREAD` (for
    /// `Irp->Tail.Overlay.Thread`). Any IRQL.
    pub fn PsGetCurrentThread() -> *mut c_void;
    /// `PsGetCurrentThreadId`.
    pub fn PsGetCurrentThreadId() -> HANDLE;
    /// `PsGetProcessId`: a `PEPROCESS`'s process ID.
    pub fn PsGetProcessId(Process: *mut c_void) -> HANDLE;
    /// `ObReferenceObjectByHandle`.
    pub fn ObReferenceObjectByHandle(
        Handle: HANDLE,
        DesiredAccess: ACCESS_MASK,
        ObjectType: *mut OBJECT_TYPE,
        AccessMode: KPROCESSOR_MODE,
        Object: *mut *mut c_void,
        HandleInformation: *mut c_void,
    ) -> NTSTATUS;
    /// `ObOpenObjectByPointer`.
    pub fn ObOpenObjectByPointer(
        Object: *mut c_void,
        HandleAttributes: u32,
        PassedAccessState: *mut c_void,
        DesiredAccess: ACCESS_MASK,
        ObjectType: *mut OBJECT_TYPE,
        AccessMode: KPROCESSOR_MODE,
        Handle: *mut HANDLE,
    ) -> NTSTATUS;
    /// `ObfDereferenceObject` (what the `ObDereferenceObject` macro calls).
    pub fn ObfDereferenceObject(Object: *mut c_void) -> isize;
    /// `ZwClose`.
    pub fn ZwClose(Handle: HANDLE) -> NTSTATUS;
}

unsafe extern "C" {
    /// The import-table slot of the exported variable `PsThreadType`: it
    /// holds the variable's address. Declared by its `__imp_` name because
    /// the kernel has no runtime pseudo-relocator for auto-imported data.
    pub static __imp_PsThreadType: *const *mut OBJECT_TYPE;
    /// The import-table slot of `IoDeviceObjectType` (see `__imp_PsThreadType`).
    pub static __imp_IoDeviceObjectType: *const *mut OBJECT_TYPE;
}

/// `*PsThreadType`.
///
/// # Safety
/// The image must have been loaded by the kernel (the import slot is bound).
pub unsafe fn ps_thread_type() -> *mut OBJECT_TYPE {
    // SAFETY: the loader bound the slot to ntoskrnl's PsThreadType variable,
    // which lives as long as the system.
    unsafe { *__imp_PsThreadType }
}

/// `*IoDeviceObjectType`.
///
/// # Safety
/// The image must have been loaded by the kernel (the import slot is bound).
pub unsafe fn io_device_object_type() -> *mut OBJECT_TYPE {
    // SAFETY: the loader bound the slot to ntoskrnl's IoDeviceObjectType
    // variable, which lives as long as the system.
    unsafe { *__imp_IoDeviceObjectType }
}
