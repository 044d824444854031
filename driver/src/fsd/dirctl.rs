//! IRP_MJ_DIRECTORY_CONTROL on a volume: IRP_MN_QUERY_DIRECTORY, and
//! IRP_MN_NOTIFY_CHANGE_DIRECTORY, whose request waits on the volume's
//! pending list (`volume::keep_waiting`) until a change, its handle's
//! cleanup or a cancel ends it.

use fs_glue::QueryDirParams;
use fsd::notify::NotifyRequest;
use fsd::pending::Pending;
use nt::NTSTATUS;

use super::create::units;
use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    match irp.minor() {
        nt::IRP_MN_QUERY_DIRECTORY => query(irp, m),
        nt::IRP_MN_NOTIFY_CHANGE_DIRECTORY => notify(irp, ext, m),
        _ => (nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    }
}

fn notify(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: NOTIFY_CHANGE_DIRECTORY's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.NotifyDirectory };
    let r = NotifyRequest {
        filter: p.CompletionFilter,
        watch_tree: irp.sl_flags() & nt::SL_WATCH_TREE != 0,
        length: p.Length as usize,
    };
    match m.vcb.notify_change_directory(&c.ccb, r) {
        Pending::Now(r) => reply(r),
        Pending::Output(status, data) => output(irp, status.0 as NTSTATUS, &data),
        // `post` keeps the IRP pending under the token.
        Pending::Waiting(token) => (nt::STATUS_PENDING, token as usize),
    }
}

/// Copies a finished request's output into its buffer (the MDL: the volume
/// does direct I/O); the IRP's status and Information.
pub(super) fn output(irp: Irp, status: NTSTATUS, data: &[u8]) -> Done {
    if data.is_empty() {
        return (status, 0);
    }
    match irp.mdl_buffer(data.len()) {
        Ok(buf) => {
            for (b, d) in buf.iter_mut().zip(data) {
                *b = *d;
            }
            (status, data.len())
        }
        Err(s) => (s, 0),
    }
}

fn query(irp: Irp, m: &mut Mount) -> Done {
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
