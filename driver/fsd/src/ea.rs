//! IRP_MJ_QUERY_EA and IRP_MJ_SET_EA: Linux `user.` xattrs as EAs
//! (fs-glue's `ea` module has the rules).

use fs_glue::nt::*;
use fs_glue::{NtStatus, QueryEaParams, Vfs};

use crate::Reply;
use crate::vcb::{FileRef, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_QUERY_EA into `buf` (the request's output buffer).
    pub fn query_ea(&mut self, f: FileRef<'_>, p: &QueryEaParams<'_>, buf: &mut [u8]) -> Reply {
        match self.synced(&f, NtStatus::INVALID_PARAMETER) {
            Ok(h) => self.volume.query_ea(h, p, buf).into(),
            Err(s) => Reply::err(s),
        }
    }

    /// IRP_MJ_SET_EA from `buf` (a FILE_FULL_EA_INFORMATION list); a change
    /// is reported to directory watchers as FILE_NOTIFY_CHANGE_EA.
    pub fn set_ea(&mut self, f: FileRef<'_>, buf: &[u8]) -> Reply {
        let h = match self.synced(&f, NtStatus::INVALID_PARAMETER) {
            Ok(h) => h,
            Err(s) => return Reply::err(s),
        };
        let r = self.volume.set_ea(h, buf);
        if matches!(r, Ok(w) if w.status == NtStatus::SUCCESS)
            && self.watched()
            && let Ok(name) = self.volume.name_of(h)
        {
            self.report(&name, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_EA);
        }
        r.into()
    }
}
