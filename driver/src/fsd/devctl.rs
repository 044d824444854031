//! IRP_MJ_DEVICE_CONTROL on a volume: an open of the volume passes it to
//! the disk below, as fastfat does (FatCommonDeviceControl). Explorer's
//! Eject is such a request: on the volume's handle it locks and dismounts
//! the volume, allows the medium's removal and sends
//! IOCTL_STORAGE_EJECT_MEDIA, which the disk answers (`disk.rs`). Not
//! posted and not under the volume's lock: the disk's eject takes that lock
//! itself (`volume::release_for_eject`). An open of a file gets
//! STATUS_INVALID_PARAMETER, as on fastfat.

use super::irp::Irp;
use super::volume::{VolumeExt, ccb_of};
use nt::NTSTATUS;

pub(super) fn pass_down(irp: Irp, ext: &VolumeExt) -> NTSTATUS {
    // SAFETY: the IRP's file object, live until completion; its CCB goes
    // only at its CLOSE, which cannot run while this request is in flight.
    let volume_open = unsafe { ccb_of(irp.file_object()) }.is_some_and(|c| c.ccb.is_volume_open());
    if !volume_open || ext.target.is_null() {
        return irp.complete(nt::STATUS_INVALID_PARAMETER, 0);
    }
    let raw = irp.raw();
    // SAFETY: our IRP, handed on whole (IoSkipCurrentIrpStackLocation): the
    // disk below gets this stack location as its own and completes the
    // IRP. The target lives while the volume's file objects do: each
    // references the disk it was opened on (the VPB's real device, the
    // bottom of the stack whose top is `target`).
    unsafe {
        (*raw).CurrentLocation += 1;
        (*raw).CurrentStackLocation = (*raw).CurrentStackLocation.add(1);
        nt::IofCallDriver(ext.target, raw)
    }
}
