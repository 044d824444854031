//! IRP_MJ_FILE_SYSTEM_CONTROL on a volume: the user FSCTLs (lock, unlock,
//! dismount, is-mounted). Mount and verify arrive at the file-system
//! device (`mount.rs`).

use alloc::vec::Vec;

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

// The common routines' codes are the DDK's.
const _: () = assert!(fsd::fsctl::LOCK_VOLUME == nt::FSCTL_LOCK_VOLUME);
const _: () = assert!(fsd::fsctl::UNLOCK_VOLUME == nt::FSCTL_UNLOCK_VOLUME);
const _: () = assert!(fsd::fsctl::DISMOUNT_VOLUME == nt::FSCTL_DISMOUNT_VOLUME);
const _: () = assert!(fsd::fsctl::IS_VOLUME_MOUNTED == nt::FSCTL_IS_VOLUME_MOUNTED);
const _: () = assert!(fsd::fsctl::GET_REPARSE_POINT == nt::FSCTL_GET_REPARSE_POINT);
const _: () = assert!(fsd::fsctl::SET_REPARSE_POINT == nt::FSCTL_SET_REPARSE_POINT);
const _: () = assert!(fsd::fsctl::DELETE_REPARSE_POINT == nt::FSCTL_DELETE_REPARSE_POINT);
const _: () = {
    let r = fsd::fsctl::OPLOCK_REQUESTS;
    assert!(r[0] == nt::FSCTL_REQUEST_OPLOCK_LEVEL_1 && r[1] == nt::FSCTL_REQUEST_OPLOCK_LEVEL_2);
    assert!(r[2] == nt::FSCTL_REQUEST_BATCH_OPLOCK && r[3] == nt::FSCTL_REQUEST_FILTER_OPLOCK);
    assert!(r[4] == nt::FSCTL_REQUEST_OPLOCK);
    let a = fsd::fsctl::OPLOCK_ACKS;
    assert!(a[0] == nt::FSCTL_OPLOCK_BREAK_ACKNOWLEDGE && a[1] == nt::FSCTL_OPBATCH_ACK_CLOSE_PENDING);
    assert!(a[2] == nt::FSCTL_OPLOCK_BREAK_NOTIFY && a[3] == nt::FSCTL_OPLOCK_BREAK_ACK_NO_2);
};

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    if irp.minor() != nt::IRP_MN_USER_FS_REQUEST {
        return (nt::STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: FILE_SYSTEM_CONTROL's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.FileSystemControl };
    // Every FSCTL served here is METHOD_BUFFERED: one system buffer holds
    // the input and receives the output.
    let (in_len, out_len) = (p.InputBufferLength as usize, p.OutputBufferLength as usize);
    let mut input = Vec::new();
    let mut output: &mut [u8] = &mut [];
    if in_len.max(out_len) > 0 && p.FsControlCode & 3 == nt::METHOD_BUFFERED {
        match irp.system_buffer(in_len.max(out_len)) {
            Ok(b) => {
                if input.try_reserve_exact(in_len).is_err() {
                    return (nt::STATUS_INSUFFICIENT_RESOURCES, 0);
                }
                input.extend_from_slice(b.get(..in_len).unwrap_or(&[]));
                output = b.get_mut(..out_len).unwrap_or(&mut []);
            }
            Err(s) => return (s, 0),
        }
    }
    #[cfg(not(feature = "testing"))]
    if let Some(handed) = super::oplock::fsctl(irp, m, p.FsControlCode, &input) {
        return handed;
    }
    // A dismount writes the cached files back first (FatFlushVolume):
    // their file objects may outlive the handles it closes.
    #[cfg(not(feature = "testing"))]
    if p.FsControlCode == nt::FSCTL_DISMOUNT_VOLUME && !m.vcb.is_dismounted() {
        super::wincache::flush_volume(ext);
    }
    #[cfg(feature = "testing")]
    let _ = ext;
    let done = m.vcb.fsctl(&c.ccb, p.FsControlCode, &input, output);
    if done.dismounted {
        // The handles are closed; write everything back now (the umount at
        // the last close finds nothing left to do).
        let _ = m.kernel.sync();
    }
    reply(done.reply)
}
