//! IRP_MJ_FILE_SYSTEM_CONTROL on a volume: the user FSCTLs (lock, unlock,
//! dismount, is-mounted). Mount and verify arrive at the file-system
//! device (`mount.rs`).

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

// The common routines' codes are the DDK's.
const _: () = assert!(fsd::fsctl::LOCK_VOLUME == nt::FSCTL_LOCK_VOLUME);
const _: () = assert!(fsd::fsctl::UNLOCK_VOLUME == nt::FSCTL_UNLOCK_VOLUME);
const _: () = assert!(fsd::fsctl::DISMOUNT_VOLUME == nt::FSCTL_DISMOUNT_VOLUME);
const _: () = assert!(fsd::fsctl::IS_VOLUME_MOUNTED == nt::FSCTL_IS_VOLUME_MOUNTED);

pub(super) fn common(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    if irp.minor() != nt::IRP_MN_USER_FS_REQUEST {
        return (nt::STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: FILE_SYSTEM_CONTROL's stack location carries this arm.
    let code = unsafe { irp.stack().Parameters.FileSystemControl.FsControlCode };
    let done = m.vcb.fsctl(&c.ccb, code);
    if done.dismounted {
        // The handles are closed; write everything back now (the umount at
        // the last close finds nothing left to do).
        let _ = m.kernel.sync();
    }
    reply(done.reply)
}
