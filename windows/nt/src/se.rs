//! Security descriptors for device objects: SIDs, ACLs and the Rtl routines
//! that build them.

#![allow(non_camel_case_types, non_snake_case)]

use core::ffi::c_void;

use crate::types::{ACCESS_MASK, HANDLE, NTSTATUS};

/// `SECURITY_INFORMATION`.
pub type SECURITY_INFORMATION = u32;

crate::nt_structs! {
    /// `SID_IDENTIFIER_AUTHORITY`.
    pub struct SID_IDENTIFIER_AUTHORITY {
        pub Value: [u8; 6],
    }

    /// `SID` with its one declared sub-authority; longer SIDs continue past
    /// the end.
    pub struct SID {
        pub Revision: u8,
        pub SubAuthorityCount: u8,
        pub IdentifierAuthority: SID_IDENTIFIER_AUTHORITY,
        pub SubAuthority: [u32; 1],
    }

    /// `ACL` header; ACEs follow it.
    pub struct ACL {
        pub AclRevision: u8,
        pub Sbz1: u8,
        pub AclSize: u16,
        pub AceCount: u16,
        pub Sbz2: u16,
    }

    /// `ACE_HEADER`.
    pub struct ACE_HEADER {
        pub AceType: u8,
        pub AceFlags: u8,
        pub AceSize: u16,
    }

    /// `ACCESS_ALLOWED_ACE`; the SID starts at `SidStart`.
    pub struct ACCESS_ALLOWED_ACE {
        pub Header: ACE_HEADER,
        pub Mask: ACCESS_MASK,
        pub SidStart: u32,
    }

    /// Absolute-format `SECURITY_DESCRIPTOR`.
    pub struct SECURITY_DESCRIPTOR {
        pub Revision: u8,
        pub Sbz1: u8,
        pub Control: u16,
        pub Owner: *mut c_void,
        pub Group: *mut c_void,
        pub Sacl: *mut ACL,
        pub Dacl: *mut ACL,
    }
}

crate::nt_consts! {
    /// `SID_REVISION`.
    pub const SID_REVISION: u8 = 1;
    /// `ACL_REVISION`.
    pub const ACL_REVISION: u32 = 2;
    /// `SECURITY_DESCRIPTOR_REVISION`.
    pub const SECURITY_DESCRIPTOR_REVISION: u32 = 1;
    /// `DACL_SECURITY_INFORMATION`.
    pub const DACL_SECURITY_INFORMATION: SECURITY_INFORMATION = 4;
    /// `SECURITY_LOCAL_SYSTEM_RID` (S-1-5-18).
    pub const SECURITY_LOCAL_SYSTEM_RID: u32 = 18;
    /// `SECURITY_BUILTIN_DOMAIN_RID` (S-1-5-32).
    pub const SECURITY_BUILTIN_DOMAIN_RID: u32 = 32;
    /// `DOMAIN_ALIAS_RID_ADMINS` (S-1-5-32-544).
    pub const DOMAIN_ALIAS_RID_ADMINS: u32 = 544;
    /// `FILE_ALL_ACCESS`.
    pub const FILE_ALL_ACCESS: ACCESS_MASK = 0x001F_01FF;
}

unsafe extern "system" {
    /// `RtlCreateSecurityDescriptor`.
    pub fn RtlCreateSecurityDescriptor(SecurityDescriptor: *mut SECURITY_DESCRIPTOR, Revision: u32) -> NTSTATUS;
    /// `RtlCreateAcl`.
    pub fn RtlCreateAcl(Acl: *mut ACL, AclLength: u32, AclRevision: u32) -> NTSTATUS;
    /// `RtlAddAccessAllowedAce`.
    pub fn RtlAddAccessAllowedAce(Acl: *mut ACL, AceRevision: u32, AccessMask: ACCESS_MASK, Sid: *mut SID) -> NTSTATUS;
    /// `RtlSetDaclSecurityDescriptor`.
    pub fn RtlSetDaclSecurityDescriptor(
        SecurityDescriptor: *mut SECURITY_DESCRIPTOR,
        DaclPresent: u8,
        Dacl: *mut ACL,
        DaclDefaulted: u8,
    ) -> NTSTATUS;
    /// `RtlLengthSid`.
    pub fn RtlLengthSid(Sid: *mut SID) -> u32;
    /// `ZwQuerySecurityObject`: a self-relative descriptor.
    pub fn ZwQuerySecurityObject(
        Handle: HANDLE,
        SecurityInformation: SECURITY_INFORMATION,
        SecurityDescriptor: *mut c_void,
        Length: u32,
        LengthNeeded: *mut u32,
    ) -> NTSTATUS;
    /// `ZwSetSecurityObject`.
    pub fn ZwSetSecurityObject(
        Handle: HANDLE,
        SecurityInformation: SECURITY_INFORMATION,
        SecurityDescriptor: *mut SECURITY_DESCRIPTOR,
    ) -> NTSTATUS;
}
