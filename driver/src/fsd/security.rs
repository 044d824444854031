//! IRP_MJ_QUERY_SECURITY and IRP_MJ_SET_SECURITY on a volume.
//!
//! A query's buffer is the caller's own (`Irp->UserBuffer`, unprobed even
//! on a volume that does direct I/O): the descriptor is built in the
//! driver's memory and copied out inside an SEH scope (`crate::seh`),
//! after ProbeForWrite for a user-mode caller; a bad address is
//! STATUS_INVALID_USER_BUFFER, as WinFsp answers. A set's descriptor is
//! the I/O manager's captured, self-relative copy.

use alloc::vec;
use core::slice;

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

/// Room for any descriptor fs-glue builds (three SIDs and three ACEs).
const SD_ROOM: usize = 256;

pub(super) fn query(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: QUERY_SECURITY's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.QuerySecurity };
    let mut sd = vec![0u8; SD_ROOM];
    let (status, len) = reply(m.vcb.query_security(&c.ccb, p.SecurityInformation, &mut sd));
    if status != nt::STATUS_SUCCESS {
        return (status, len);
    }
    // Only a whole descriptor that fits the caller's buffer is copied;
    // else the caller learns the length it needs.
    if len > p.Length as usize {
        return (nt::STATUS_BUFFER_OVERFLOW, len);
    }
    // SAFETY: a live IRP of ours.
    let (user, mode) = unsafe { ((*irp.raw()).UserBuffer, (*irp.raw()).RequestorMode) };
    let src = sd.get(..len).unwrap_or(&[]);
    let copied = crate::seh::guarded(|| {
        // SAFETY: inside the SEH scope: a user-mode range is probed first,
        // and a fault on any address ends the scope instead of the driver.
        unsafe {
            if mode == nt::UserMode {
                nt::ProbeForWrite(user, src.len(), 1);
            }
            core::ptr::copy_nonoverlapping(src.as_ptr(), user.cast::<u8>(), src.len());
        }
    });
    match copied {
        Ok(()) => (status, len),
        Err(_) => (nt::STATUS_INVALID_USER_BUFFER, 0),
    }
}

pub(super) fn set(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: SET_SECURITY's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.SetSecurity };
    if p.SecurityDescriptor.is_null() {
        return (nt::STATUS_INVALID_SECURITY_DESCR, 0);
    }
    // SAFETY: the I/O manager's captured descriptor, alive until
    // completion; its length is what RtlLengthSecurityDescriptor counts.
    let sd = unsafe {
        let len = nt::RtlLengthSecurityDescriptor(p.SecurityDescriptor) as usize;
        slice::from_raw_parts(p.SecurityDescriptor.cast::<u8>(), len)
    };
    reply(m.vcb.set_security(&c.ccb, p.SecurityInformation, sd))
}
