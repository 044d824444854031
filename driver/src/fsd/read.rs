//! IRP_MJ_READ on a volume: paging, cached (where the build has Windows'
//! cache) or not, as the IRP says (`fsd::cache`).

use fsd::cache::Io;
use fsd::{FileRef, Offset};

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

/// READ and WRITE share their decoding.
pub(super) fn transfer(irp: Irp, ext: &VolumeExt, m: &mut Mount, write: bool) -> Done {
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
    let (process, key) = (irp.requestor_process(), p.Key);
    if irp.minor() & nt::IRP_MN_MDL != 0 {
        let f = FileRef { ccb: &mut c.ccb, position: &mut position, synchronous, process, key };
        let done = super::mdl::transfer(irp, ext, m, f, offset, p.Length as usize, write);
        // SAFETY: as above; only this request moves the offset now.
        unsafe { (*fo).CurrentByteOffset = position as i64 };
        return done;
    }
    let buf = match irp.mdl_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    // SAFETY: a live IRP of ours and its file object.
    let (irp_flags, fo_flags) = unsafe { ((*irp.raw()).Flags, (*fo).Flags) };
    let io = Io {
        paging: irp_flags & nt::IRP_PAGING_IO != 0,
        nocache: irp_flags & nt::IRP_NOCACHE != 0,
        write_through: fo_flags & nt::FO_WRITE_THROUGH != 0 || irp.sl_flags() & nt::SL_WRITE_THROUGH != 0,
    };
    let f = FileRef { ccb: &mut c.ccb, position: &mut position, synchronous, process, key };
    let mut svc = super::services::of(irp, ext, &mut m.shares);
    let r =
        if write { m.vcb.write_io(f, offset, buf, io, &mut svc) } else { m.vcb.read_io(f, offset, buf, io, &mut svc) };
    // SAFETY: as above; only this request moves the offset now.
    unsafe { (*fo).CurrentByteOffset = position as i64 };
    reply(r)
}

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    transfer(irp, ext, m, false)
}
