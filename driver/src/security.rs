//! The control device's security: a DACL granting all access to SYSTEM and
//! the Administrators group and nothing to anyone else. Set on the device
//! object after IoCreateDevice (IoCreateDeviceSecure lives in a static
//! library, wdmsec.lib, that mingw does not ship).

use core::ptr;

use nt::{ACL, NTSTATUS, SECURITY_DESCRIPTOR, SID, SID_IDENTIFIER_AUTHORITY};

const NT_AUTHORITY: SID_IDENTIFIER_AUTHORITY = SID_IDENTIFIER_AUTHORITY { Value: [0, 0, 0, 0, 0, 5] };

/// A SID with two sub-authorities: `SID` declares one, the second follows.
#[repr(C)]
struct Sid2 {
    sid: SID,
    second: u32,
}

/// Room for the ACL header and two ACEs (each at most 8 + 16 bytes here).
#[repr(C, align(8))]
struct AclBuffer([u8; 128]);

/// Applies the admin/SYSTEM-only DACL to `device`. PASSIVE_LEVEL.
///
/// # Safety
/// `device` is a device object this driver created and has not deleted.
pub unsafe fn restrict_to_admins(device: *mut nt::DEVICE_OBJECT) -> NTSTATUS {
    let mut system = SID {
        Revision: nt::SID_REVISION,
        SubAuthorityCount: 1,
        IdentifierAuthority: NT_AUTHORITY,
        SubAuthority: [nt::SECURITY_LOCAL_SYSTEM_RID],
    };
    let mut admins = Sid2 {
        sid: SID {
            Revision: nt::SID_REVISION,
            SubAuthorityCount: 2,
            IdentifierAuthority: NT_AUTHORITY,
            SubAuthority: [nt::SECURITY_BUILTIN_DOMAIN_RID],
        },
        second: nt::DOMAIN_ALIAS_RID_ADMINS,
    };
    let mut acl_buf = AclBuffer([0; 128]);
    let acl = acl_buf.0.as_mut_ptr().cast::<ACL>();
    let mut sd = SECURITY_DESCRIPTOR {
        Revision: 0,
        Sbz1: 0,
        Control: 0,
        Owner: ptr::null_mut(),
        Group: ptr::null_mut(),
        Sacl: ptr::null_mut(),
        Dacl: ptr::null_mut(),
    };
    // SAFETY: every pointer refers to a live local of the right type and size;
    // the ACL buffer is 8-aligned and large enough for the header and two
    // ACEs of these SIDs (8 + 2 * (8 + 16) = 56 bytes).
    unsafe {
        let steps = [
            nt::RtlCreateAcl(acl, acl_buf.0.len() as u32, nt::ACL_REVISION),
            nt::RtlAddAccessAllowedAce(acl, nt::ACL_REVISION, nt::FILE_ALL_ACCESS, &mut system),
            nt::RtlAddAccessAllowedAce(acl, nt::ACL_REVISION, nt::FILE_ALL_ACCESS, &mut admins.sid),
            nt::RtlCreateSecurityDescriptor(&mut sd, nt::SECURITY_DESCRIPTOR_REVISION),
            nt::RtlSetDaclSecurityDescriptor(&mut sd, 1, acl, 0),
        ];
        if let Some(&bad) = steps.iter().find(|s| !nt::nt_success(**s)) {
            return bad;
        }
        let mut handle: nt::HANDLE = ptr::null_mut();
        let status = nt::ObOpenObjectByPointer(
            device.cast(),
            nt::OBJ_KERNEL_HANDLE,
            ptr::null_mut(),
            nt::WRITE_DAC | nt::READ_CONTROL,
            nt::io_device_object_type(),
            nt::KernelMode,
            &mut handle,
        );
        if !nt::nt_success(status) {
            return status;
        }
        let mut status = nt::ZwSetSecurityObject(handle, nt::DACL_SECURITY_INFORMATION, &mut sd);
        if nt::nt_success(status) {
            status = verify(handle, &system, &admins.sid);
        }
        nt::ZwClose(handle);
        status
    }
}

/// Reads the DACL back from the object and checks it is exactly the two
/// ACEs set above, so a silently ignored ZwSetSecurityObject fails loading.
///
/// # Safety
/// `handle` is a kernel handle to the device with READ_CONTROL (WRITE_DAC
/// handles from ObOpenObjectByPointer in kernel mode are not access-checked).
unsafe fn verify(handle: nt::HANDLE, first: &SID, second: &SID) -> NTSTATUS {
    // A self-relative descriptor: Revision, Sbz1, Control (u16), then the
    // offsets of Owner, Group, Sacl and Dacl (u32 each).
    #[repr(C, align(8))]
    struct Buf([u8; 256]);
    let mut buf = Buf([0; 256]);
    let mut needed = 0u32;
    // SAFETY: the buffer is valid for its length (caller's handle contract).
    let status = unsafe {
        nt::ZwQuerySecurityObject(
            handle,
            nt::DACL_SECURITY_INFORMATION,
            buf.0.as_mut_ptr().cast(),
            buf.0.len() as u32,
            &mut needed,
        )
    };
    if !nt::nt_success(status) {
        return status;
    }
    let b = &buf.0;
    // Reads past the descriptor give None, which fails the check below.
    let u16_at = |i: usize| b.get(i..i + 2).and_then(|s| s.try_into().ok()).map(u16::from_le_bytes);
    let u32_at = |i: usize| b.get(i..i + 4).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes);
    let Some(dacl) = u32_at(16).map(|d| d as usize) else { return nt::STATUS_INTERNAL_ERROR };
    if dacl == 0 || dacl + 8 > b.len() || u16_at(dacl + 4) != Some(2) {
        return nt::STATUS_INTERNAL_ERROR;
    }
    // Each ACE: header (type u8, flags u8, size u16), mask u32, then the SID.
    let mut ace = dacl + 8;
    for want in [first, second] {
        let sid_len = 8 + 4 * want.SubAuthorityCount as usize;
        if ace + 8 + sid_len > b.len() || b.get(ace) != Some(&0) || u32_at(ace + 4) != Some(nt::FILE_ALL_ACCESS) {
            return nt::STATUS_INTERNAL_ERROR;
        }
        // SAFETY: `want` points to a SID followed by its sub-authorities
        // (the second one is a Sid2), `sid_len` bytes in all.
        let want_bytes = unsafe { core::slice::from_raw_parts((want as *const SID).cast::<u8>(), sid_len) };
        if b.get(ace + 8..ace + 8 + sid_len) != Some(want_bytes) {
            return nt::STATUS_INTERNAL_ERROR;
        }
        let Some(size) = u16_at(ace + 2) else { return nt::STATUS_INTERNAL_ERROR };
        ace += size as usize;
    }
    nt::STATUS_SUCCESS
}
