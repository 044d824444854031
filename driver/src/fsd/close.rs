//! IRP_MJ_CLOSE on a volume.

use core::sync::atomic::Ordering;

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, take_ccb};

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    let fo = irp.file_object();
    // SAFETY: the IRP's file object, live until completion; this is its
    // CLOSE.
    let Some(c) = (unsafe { take_ccb(fo, ext) }) else { return (nt::STATUS_SUCCESS, 0) };
    let mut svc = super::services::of(irp, ext, &mut m.shares);
    if m.vcb.close(c.ccb, &mut svc) {
        ext.teardown.store(true, Ordering::SeqCst);
    }
    (nt::STATUS_SUCCESS, 0)
}
