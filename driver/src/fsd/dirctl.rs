//! IRP_MJ_DIRECTORY_CONTROL on a volume: IRP_MN_QUERY_DIRECTORY (change
//! notification is part 2's).

use fs_glue::QueryDirParams;

use super::create::units;
use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

pub(super) fn common(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    if irp.minor() != nt::IRP_MN_QUERY_DIRECTORY {
        return (nt::STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: QUERY_DIRECTORY's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.QueryDirectory };
    // SAFETY: null or the I/O manager's captured pattern, alive until
    // completion.
    let pattern = if p.FileName.is_null() { None } else { Some(unsafe { units(&*p.FileName) }) };
    let flags = irp.sl_flags();
    let q = QueryDirParams {
        class: p.FileInformationClass as u32,
        pattern,
        restart: flags & nt::SL_RESTART_SCAN != 0,
        single: flags & nt::SL_RETURN_SINGLE_ENTRY != 0,
        index: if flags & nt::SL_INDEX_SPECIFIED != 0 { Some(p.FileIndex) } else { None },
    };
    // The volume device does direct I/O: DIRECTORY_CONTROL obeys it.
    let buf = match irp.mdl_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    reply(m.vcb.query_directory(&c.ccb, &q, buf))
}
