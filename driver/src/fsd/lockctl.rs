//! IRP_MJ_LOCK_CONTROL on a volume: byte-range locks (the rules are
//! `fsd::lockctl`'s). A lock request that must wait stays pending on the
//! volume's waiting list (`volume::keep_waiting`) until an unlock, a
//! cleanup or a dismount ends it, or it is cancelled.
//!
//! Both builds keep locks in the project's own table: FsRtl's FILE_LOCK
//! needs the FCB with the FsRtl header that part 3 brings (its fast I/O and
//! the Cache Manager consult it), and Wine stubs every FsRtl lock call.

use fsd::lockctl::{LockDone, LockOp, LockRequest};

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, ccb_of, reply};

pub(super) fn common(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    // SAFETY: LOCK_CONTROL's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.LockControl };
    // SAFETY: the I/O manager points Length at its own copy, alive until
    // completion (the unlock-all requests carry none).
    let length = if p.Length.is_null() { 0 } else { (unsafe { *p.Length }) as u64 };
    let (offset, process, flags) = (p.ByteOffset as u64, irp.requestor_process(), irp.sl_flags());
    let op = match irp.minor() {
        nt::IRP_MN_LOCK => LockOp::Lock(LockRequest {
            offset,
            length,
            key: p.Key,
            process,
            exclusive: flags & nt::SL_EXCLUSIVE_LOCK != 0,
            fail_immediately: flags & nt::SL_FAIL_IMMEDIATELY != 0,
        }),
        nt::IRP_MN_UNLOCK_SINGLE => LockOp::UnlockSingle(offset, length, p.Key, process),
        nt::IRP_MN_UNLOCK_ALL => LockOp::UnlockAll(process),
        nt::IRP_MN_UNLOCK_ALL_BY_KEY => LockOp::UnlockAllByKey(process, p.Key),
        _ => return (nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    };
    match m.vcb.lock_control(&c.ccb, op) {
        LockDone::Now(r) => reply(r),
        LockDone::Output(s, _) => (s.0 as i32, 0),
        // `post` keeps the IRP pending under the token.
        LockDone::Waiting(token) => (nt::STATUS_PENDING, token as usize),
    }
}
