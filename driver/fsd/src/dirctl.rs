//! IRP_MJ_DIRECTORY_CONTROL / IRP_MN_QUERY_DIRECTORY.

use fs_glue::{NtStatus, QueryDirParams, Vfs};

use crate::Reply;
use crate::vcb::{Ccb, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MN_QUERY_DIRECTORY into `buf` (the mapped MDL), with
    /// `Parameters.QueryDirectory` and the stack location's flags in `q`.
    pub fn query_directory(&mut self, ccb: &Ccb, q: &QueryDirParams<'_>, buf: &mut [u8]) -> Reply {
        let h = match self.file_handle(ccb, NtStatus::INVALID_PARAMETER) {
            Ok(h) => h,
            Err(s) => return Reply::err(s),
        };
        self.volume.query_directory(h, q, buf).into()
    }
}
