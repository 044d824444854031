//! READ and WRITE with IRP_MN_MDL (srv's): the cache's own pages handed to
//! the requester as an MDL chain in `Irp->MdlAddress` instead of a copy,
//! and given back by a second request with IRP_MN_COMPLETE as well
//! (FatCompleteMdl). Only a build with Windows' cache has pages to hand
//! out; without one both are STATUS_INVALID_DEVICE_REQUEST.

use fsd::{FileRef, Offset};

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, reply};

/// An IRP_MN_MDL READ or WRITE of `len` bytes at `offset` on `f`.
pub(super) fn transfer(
    irp: Irp,
    ext: &VolumeExt,
    m: &mut Mount,
    f: FileRef<'_>,
    offset: Offset,
    len: usize,
    write: bool,
) -> Done {
    if irp.minor() & nt::IRP_MN_COMPLETE != 0 {
        return complete(irp, write);
    }
    let mut svc = super::services::of(irp, ext, &mut m.shares);
    reply(if write {
        m.vcb.prepare_mdl_write(f, offset, len, &mut svc)
    } else {
        m.vcb.mdl_read(f, offset, len, &mut svc)
    })
}

/// The requester gives the chain back: to the Cache Manager, and the IRP
/// forgets it (the I/O manager must not free the cache's pages).
#[cfg(not(feature = "testing"))]
fn complete(irp: Irp, write: bool) -> Done {
    let fo = irp.file_object();
    // SAFETY: a live IRP of ours, its file object, and the chain an earlier
    // IRP_MN_MDL request of this file object handed out.
    unsafe {
        let raw = irp.raw();
        let chain = (*raw).MdlAddress.cast::<nt::MDL>();
        if chain.is_null() {
            return (nt::STATUS_INVALID_PARAMETER, 0);
        }
        if write {
            let mut at = irp.stack().Parameters.Write.ByteOffset;
            nt::CcMdlWriteComplete(fo, &mut at, chain);
        } else {
            nt::CcMdlReadComplete(fo, chain);
        }
        (*raw).MdlAddress = core::ptr::null_mut();
    }
    (nt::STATUS_SUCCESS, 0)
}

/// Without Windows' cache no chain was handed out.
#[cfg(feature = "testing")]
fn complete(_irp: Irp, _write: bool) -> Done {
    (nt::STATUS_INVALID_DEVICE_REQUEST, 0)
}
