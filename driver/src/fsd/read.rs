//! IRP_MJ_READ on a volume (non-cached; paging I/O is part 3's).

use fsd::{FileRef, Offset};

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

/// READ and WRITE share their decoding.
pub(super) fn transfer(irp: Irp, m: &mut Mount, write: bool) -> Done {
    let fo = irp.file_object();
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(fo) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: READ's and WRITE's stack locations carry this arm.
    let p = unsafe { irp.stack().Parameters.Read };
    // SAFETY: as above.
    let (synchronous, mut position) =
        unsafe { ((*fo).Flags & nt::FO_SYNCHRONOUS_IO != 0, (*fo).CurrentByteOffset.max(0) as u64) };
    let offset = match Offset::from_irp(p.ByteOffset, synchronous) {
        Ok(o) => o,
        Err(s) => return (s.0 as i32, 0),
    };
    let buf = match irp.mdl_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    let (process, key) = (irp.requestor_process(), p.Key);
    let f = FileRef { ccb: &mut c.ccb, position: &mut position, synchronous, process, key };
    let r = if write { m.vcb.write(f, offset, buf) } else { m.vcb.read(f, offset, buf) };
    // SAFETY: as above; only this request moves the offset now.
    unsafe { (*fo).CurrentByteOffset = position as i64 };
    reply(r)
}

pub(super) fn common(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    transfer(irp, m, false)
}
