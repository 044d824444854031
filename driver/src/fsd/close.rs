//! IRP_MJ_CLOSE on a volume.

use alloc::boxed::Box;
use core::ptr;
use core::sync::atomic::Ordering;

use super::irp::Irp;
use super::volume::{CcbBox, Done, Mount, VolumeExt, ccb_of};

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    let fo = irp.file_object();
    // SAFETY: the IRP's file object, live until completion.
    let Some(c) = (unsafe { ccb_of(fo) }) else { return (nt::STATUS_SUCCESS, 0) };
    // SAFETY: made by create with Box::into_raw, taken back once here; the
    // file object forgets it first.
    let c = unsafe {
        (*fo).FsContext2 = ptr::null_mut();
        (*fo).FsContext = ptr::null_mut();
        Box::from_raw(c as *mut CcbBox)
    };
    let mut svc = super::services::of(fo, &mut m.shares);
    if m.vcb.close(c.ccb, &mut svc) {
        ext.teardown.store(true, Ordering::SeqCst);
    }
    (nt::STATUS_SUCCESS, 0)
}
