//! IRP_MJ_QUERY_INFORMATION and IRP_MJ_SET_INFORMATION on a volume.

use fsd::{FileRef, RenameTarget};

use super::create::units;
use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

fn file<'a>(irp: Irp) -> Option<(&'a mut super::volume::CcbBox, bool, u64)> {
    let fo = irp.file_object();
    // SAFETY: the IRP's file object, live until completion.
    let c = unsafe { ccb_of(fo) }?;
    // SAFETY: as above.
    let (sync, pos) = unsafe { ((*fo).Flags & nt::FO_SYNCHRONOUS_IO != 0, (*fo).CurrentByteOffset.max(0) as u64) };
    Some((c, sync, pos))
}

fn set_position(irp: Irp, position: u64) {
    // SAFETY: the IRP's file object, live until completion.
    unsafe { (*irp.file_object()).CurrentByteOffset = position as i64 };
}

pub(super) fn query(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    let Some((c, synchronous, mut position)) = file(irp) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: QUERY_INFORMATION's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.QueryFile };
    let buf = match irp.system_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    let f = FileRef { ccb: &mut c.ccb, position: &mut position, synchronous, process: 0, key: 0 };
    reply(m.vcb.query_information(f, p.FileInformationClass as u32, buf))
}

pub(super) fn set(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    let Some((c, synchronous, mut position)) = file(irp) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: SET_INFORMATION's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.SetFile };
    // The lazy writer's valid-data advance: Linux keeps no valid-data
    // length apart from the size, which the writes already moved, so there
    // is nothing to change (and the end of file must not move: this is no
    // truncation, FatSetEndOfFileInfo's AdvanceOnly case).
    if p.FileInformationClass as u32 == fs_glue::nt::FILE_END_OF_FILE_INFORMATION && p.AdvanceOnly != 0 {
        let file = c.ccb.file().is_some();
        return (if file { nt::STATUS_SUCCESS } else { nt::STATUS_INVALID_PARAMETER }, 0);
    }
    let buf = match irp.system_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    let target_fo = p.FileObject;
    // SAFETY: null or the target directory's live file object (opened with
    // SL_OPEN_TARGET_DIRECTORY by the I/O manager); ours only if it holds
    // one of our CCBs of this volume.
    let target = match unsafe { ccb_of(target_fo) } {
        // SAFETY: non-null here (it has a CCB), live for the IRP's life.
        Some(t) if core::ptr::eq(unsafe { super::fcb::volume_of_file(target_fo) }, ext) => {
            // SAFETY: its name was cut to the final component at create.
            Some(RenameTarget { directory: &t.ccb, name: unsafe { units(&(*target_fo).FileName) } })
        }
        Some(_) => return (fs_glue::NtStatus::NOT_SAME_DEVICE.0 as i32, 0),
        None if target_fo.is_null() => None,
        None => return (fs_glue::NtStatus::NOT_SAME_DEVICE.0 as i32, 0),
    };
    let f = FileRef { ccb: &mut c.ccb, position: &mut position, synchronous, process: 0, key: 0 };
    let mut svc = super::services::of(irp, ext, &mut m.shares);
    let r = m.vcb.set_information_with(f, p.FileInformationClass as u32, buf, target, &mut svc);
    set_position(irp, position);
    reply(r)
}
