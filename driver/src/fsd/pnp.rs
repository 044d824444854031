//! IRP_MJ_PNP on a volume: the removal requests (`fsd::pnp` decides), each
//! passed on to the disk below as fastfat does (the volume device is not in
//! the disk's stack, so the I/O manager hands the disk's removal to the
//! file system first). A query-remove the disk refuses is cancelled again;
//! every other minor function goes to the disk as it is.

use core::ffi::c_void;
use core::ptr;

use fsd::pnp::PnpOp;
use lkl_ntk_host::sync::Event;
use nt::{DEVICE_OBJECT, IRP, NTSTATUS};

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt, reply};

unsafe extern "system" fn passed_on(_device: *mut DEVICE_OBJECT, _irp: *mut IRP, context: *mut c_void) -> NTSTATUS {
    // SAFETY: `context` is the Event `pass_on` waits for.
    unsafe { (*context.cast::<Event>()).set() };
    nt::STATUS_MORE_PROCESSING_REQUIRED
}

/// Sends the IRP down to `target` with this stack location copied to the
/// next, waits, and takes it back; the disk's status.
pub(super) fn pass_on(irp: Irp, target: *mut DEVICE_OBJECT) -> NTSTATUS {
    if target.is_null() {
        return nt::STATUS_SUCCESS;
    }
    let event = Event::new();
    // SAFETY: on this frame until the IRP came back.
    unsafe { event.init(true, false) };
    // SAFETY: our IRP; the volume device has one stack location more than
    // the target (mount.rs), so the next location exists.
    unsafe {
        let raw = irp.raw();
        let here = (*raw).CurrentStackLocation;
        let next = here.sub(1);
        ptr::copy_nonoverlapping(here, next, 1);
        (*next).CompletionRoutine = passed_on as *mut c_void;
        (*next).Context = (&event as *const Event).cast_mut().cast();
        (*next).Control = nt::SL_INVOKE_ON_SUCCESS | nt::SL_INVOKE_ON_ERROR | nt::SL_INVOKE_ON_CANCEL;
        nt::IofCallDriver(target, raw);
        event.wait();
        (*raw).IoStatus.Status
    }
}

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    let op = match irp.minor() {
        nt::IRP_MN_QUERY_REMOVE_DEVICE => PnpOp::QueryRemove,
        nt::IRP_MN_CANCEL_REMOVE_DEVICE => PnpOp::CancelRemove,
        nt::IRP_MN_REMOVE_DEVICE => PnpOp::Remove,
        nt::IRP_MN_SURPRISE_REMOVAL => PnpOp::SurpriseRemoval,
        _ => return (pass_on(irp, ext.target), 0),
    };
    if op == PnpOp::QueryRemove {
        let r = m.vcb.pnp(op);
        if r.status != fs_glue::NtStatus::SUCCESS {
            return reply(r);
        }
        // Everything on the disk before it may go.
        let _ = m.kernel.sync();
        let below = pass_on(irp, ext.target);
        if !nt::nt_success(below) {
            m.vcb.pnp(PnpOp::CancelRemove);
        }
        return (below, 0);
    }
    let r = m.vcb.pnp(op);
    // A remove writes back what it can; after a surprise removal the disk
    // is gone and the writes would only fail.
    if op == PnpOp::Remove {
        let _ = m.kernel.sync();
    }
    let below = pass_on(irp, ext.target);
    if matches!(op, PnpOp::Remove | PnpOp::SurpriseRemoval) && m.vcb.open_ccbs() == 0 {
        // Nothing will close: the volume goes with this request.
        ext.teardown.store(true, core::sync::atomic::Ordering::SeqCst);
    }
    let status = match op {
        PnpOp::CancelRemove => below,
        _ if !nt::nt_success(below) => below,
        _ => r.status.0 as NTSTATUS,
    };
    (status, 0)
}
