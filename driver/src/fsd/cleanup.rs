//! IRP_MJ_CLEANUP on a volume.

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    let fo = irp.file_object();
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(fo) }) else { return (nt::STATUS_SUCCESS, 0) };
    // SAFETY: as above; its FCB (if a file) lives until its CLOSE.
    if let Some(f) = unsafe { super::fcb::fcb_of(fo) } {
        #[cfg(not(feature = "testing"))]
        super::oplock::cleanup(irp);
        // SAFETY: as above, under the volume's lock.
        unsafe { (*f).unclean = (*f).unclean.saturating_sub(1) };
    }
    // Its process lets go of the volume (a file object is cleaned up once).
    ext.let_go(c.pid);
    // Writes that came past the IRPs (FsRtlCopyWrite sets the flag) are
    // reported now.
    // SAFETY: as above.
    if unsafe { (*fo).Flags } & nt::FO_FILE_MODIFIED != 0 {
        m.vcb.report_modified(&c.ccb);
    }
    let mut svc = super::services::of(irp, ext, &mut m.shares);
    let r = m.vcb.cleanup(&mut c.ccb, &mut svc);
    // SAFETY: as above.
    unsafe { (*fo).Flags |= nt::FO_CLEANUP_COMPLETE };
    reply(r)
}
