//! IRP_MJ_QUERY_VOLUME_INFORMATION and IRP_MJ_SET_VOLUME_INFORMATION on a
//! volume.

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

pub(super) fn query(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: QUERY_VOLUME_INFORMATION's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.QueryVolume };
    let buf = match irp.system_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    reply(m.vcb.query_volume_information(&c.ccb, p.FsInformationClass as u32, buf))
}

pub(super) fn set(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: SET_VOLUME_INFORMATION's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.SetVolume };
    let buf = match irp.system_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    let done = reply(m.vcb.set_volume_information(&c.ccb, p.FsInformationClass as u32, buf));
    if done.0 == nt::STATUS_SUCCESS {
        // The VPB shows the label too (fastfat keeps it in step the same
        // way after a label change).
        let label = fs_probe::vpb_label(m.vcb.volume().label());
        // SAFETY: the volume's VPB lives as long as its device.
        super::mount::set_vpb_label(unsafe { &mut *ext.vpb }, label.as_slice());
    }
    done
}
