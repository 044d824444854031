//! IRP_MJ_CLEANUP: the last handle to a file object is gone.

use fs_glue::nt::FILE_ACTION_REMOVED;
use fs_glue::{NtStatus, Vfs};

use crate::Reply;
use crate::services::Services;
use crate::vcb::{Ccb, Open, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_CLEANUP: closes the fs-glue handle, so a delete disposition
    /// takes effect when the file's last handle goes; the cleanup of the
    /// volume open that holds the lock unlocks the volume.
    /// `svc` takes the open off the file's Windows share-access record.
    pub fn cleanup(&mut self, ccb: &mut Ccb, svc: &mut dyn Services) -> Reply {
        if ccb.cleaned_up {
            return Reply::err(NtStatus::FILE_CLOSED);
        }
        ccb.cleaned_up = true;
        match ccb.open {
            Open::Volume(id) => {
                self.volume_opens = self.volume_opens.saturating_sub(1);
                if self.locked_by == Some(id) {
                    self.locked_by = None;
                }
            }
            Open::File(h, id) => {
                self.release_locks(ccb);
                self.end_watch(ccb);
                // A dismount closed every handle already. Otherwise this
                // fails only for an unknown handle, which a live CCB never
                // holds; cleanup itself cannot fail on Windows.
                if !self.dismounted {
                    self.uninitialize(ccb, h, svc);
                }
                if !self.dismounted
                    && let Ok(Some((path, is_dir))) = self.volume.close_reporting(h)
                    && self.watched()
                {
                    self.report(&path, FILE_ACTION_REMOVED, Self::name_filter(is_dir));
                }
                svc.share_close(id);
            }
        }
        Reply::ok(0)
    }
}
