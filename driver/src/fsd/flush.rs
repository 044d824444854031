//! IRP_MJ_FLUSH_BUFFERS on a volume.

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    let mut svc = super::services::of(irp, ext, &mut m.shares);
    reply(m.vcb.flush_with(&c.ccb, &mut svc))
}
