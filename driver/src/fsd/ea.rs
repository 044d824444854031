//! IRP_MJ_QUERY_EA and IRP_MJ_SET_EA on a volume. The volume does direct
//! I/O, so NtQueryEaFile and NtSetEaFile hand the caller's buffer over as
//! an MDL (and NtSetEaFile leaves checking the list to the file system,
//! which fs-glue does); the EaList of a query is the I/O manager's kernel
//! copy.

use core::slice;

use fs_glue::QueryEaParams;
use fsd::FileRef;

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

pub(super) fn query(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: QUERY_EA's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.QueryEa };
    let buf = match irp.mdl_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    let list: &[u8] = if p.EaList.is_null() || p.EaListLength == 0 {
        &[]
    } else {
        // SAFETY: the I/O manager's copy of the list, EaListLength bytes,
        // alive until completion.
        unsafe { slice::from_raw_parts(p.EaList.cast::<u8>(), p.EaListLength as usize) }
    };
    let flags = irp.sl_flags();
    let params = QueryEaParams {
        list: Some(list).filter(|l| !l.is_empty()),
        index: (flags & nt::SL_INDEX_SPECIFIED != 0).then_some(p.EaIndex),
        restart: flags & nt::SL_RESTART_SCAN != 0,
        single: flags & nt::SL_RETURN_SINGLE_ENTRY != 0,
    };
    let mut position = 0;
    let f = FileRef { ccb: &mut c.ccb, position: &mut position, synchronous: false, process: 0, key: 0 };
    reply(m.vcb.query_ea(f, &params, buf))
}

pub(super) fn set(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: SET_EA's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.SetEa };
    let buf = match irp.mdl_buffer(p.Length as usize) {
        Ok(b) => &*b,
        Err(s) => return (s, 0),
    };
    let mut position = 0;
    let f = FileRef { ccb: &mut c.ccb, position: &mut position, synchronous: false, process: 0, key: 0 };
    reply(m.vcb.set_ea(f, buf))
}
