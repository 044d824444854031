//! IRP_MJ_PNP on a volume: the disk below is about to go, goes, or went.
//!
//! fastfat's answers: a query-remove locks the volume as FSCTL_LOCK_VOLUME
//! would (refused while anything is open: the disk cannot go with files
//! open) and a cancel-remove unlocks it; a remove, and a surprise removal
//! (the disk is gone already), dismount it: its handles close, later
//! requests get STATUS_VOLUME_DISMOUNTED, and the volume goes at its last
//! close. Passing the request to the disk below is the driver's part.

use fs_glue::{NtStatus, Vfs};

use crate::Reply;
use crate::vcb::Vcb;

/// The lock a query-remove holds (volume opens are numbered from 0).
const REMOVAL: u32 = u32::MAX;

/// The removal requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PnpOp {
    /// IRP_MN_QUERY_REMOVE_DEVICE.
    QueryRemove,
    /// IRP_MN_CANCEL_REMOVE_DEVICE.
    CancelRemove,
    /// IRP_MN_REMOVE_DEVICE.
    Remove,
    /// IRP_MN_SURPRISE_REMOVAL.
    SurpriseRemoval,
}

impl<V: Vfs> Vcb<V> {
    /// A removal request for the volume's disk. After a remove or a
    /// surprise removal the volume is dismounted (`is_dismounted`).
    pub fn pnp(&mut self, op: PnpOp) -> Reply {
        match op {
            PnpOp::QueryRemove if self.dismounted => Reply::ok(0),
            PnpOp::QueryRemove if self.locked_by.is_some() || self.open_handles() > 0 => {
                Reply::err(NtStatus::ACCESS_DENIED)
            }
            PnpOp::QueryRemove => {
                self.locked_by = Some(REMOVAL);
                Reply::ok(0)
            }
            PnpOp::CancelRemove => {
                if self.locked_by == Some(REMOVAL) {
                    self.locked_by = None;
                }
                Reply::ok(0)
            }
            PnpOp::Remove | PnpOp::SurpriseRemoval => {
                if !self.dismounted {
                    self.force_dismount();
                }
                Reply::ok(0)
            }
        }
    }
}

impl<V: Vfs> Vcb<V> {
    /// IOCTL_STORAGE_EJECT_MEDIA reached the volume's disk (Explorer's
    /// Eject, sent after its own lock and dismount, or any program's):
    /// the medium may go once no file is open. A volume dismounted already
    /// lets it go; one with files open refuses (STATUS_DEVICE_BUSY: the
    /// driver names the processes holding them); otherwise the volume is
    /// dismounted here, as FSCTL_DISMOUNT_VOLUME would, opens of the volume
    /// itself and a lock included (the eject's sender holds them).
    pub fn eject(&mut self) -> Reply {
        if self.dismounted {
            return Reply::ok(0);
        }
        if self.volume.open_handles() > 0 {
            return Reply::err(NtStatus::DEVICE_BUSY);
        }
        self.force_dismount();
        Reply::ok(0)
    }
}
