//! IRP_MJ_QUERY_SECURITY and IRP_MJ_SET_SECURITY: descriptors from Linux
//! owners and modes (fs-glue's `security` module has the mapping).

use fs_glue::nt::*;
use fs_glue::{NtStatus, Vfs};

use crate::Reply;
use crate::vcb::{Ccb, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_QUERY_SECURITY into `buf`: the descriptor (SUCCESS, its
    /// length), or BUFFER_OVERFLOW with the length it needs. An open of
    /// the volume has none, as on FAT: the I/O manager then answers with
    /// a descriptor of its own.
    pub fn query_security(&mut self, ccb: &Ccb, info: u32, buf: &mut [u8]) -> Reply {
        match self.handle(ccb) {
            Ok(Some(h)) => self.volume.query_security(h, info, buf).into(),
            Ok(None) => Reply::err(NtStatus::INVALID_DEVICE_REQUEST),
            Err(s) => Reply::err(s),
        }
    }

    /// IRP_MJ_SET_SECURITY from a self-relative descriptor; a change is
    /// reported to directory watchers as FILE_NOTIFY_CHANGE_SECURITY.
    pub fn set_security(&mut self, ccb: &Ccb, info: u32, sd: &[u8]) -> Reply {
        let h = match self.handle(ccb) {
            Ok(Some(h)) => h,
            Ok(None) => return Reply::err(NtStatus::INVALID_DEVICE_REQUEST),
            Err(s) => return Reply::err(s),
        };
        let r = self.volume.set_security(h, info, sd);
        if r.is_ok()
            && self.watched()
            && let Ok(name) = self.volume.name_of(h)
        {
            self.report(&name, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_SECURITY);
        }
        match r {
            Ok(()) => Reply::ok(0),
            Err(s) => Reply::err(s),
        }
    }
}
