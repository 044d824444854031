//! IRP_MJ_DIRECTORY_CONTROL / IRP_MN_QUERY_DIRECTORY.

use fs_glue::{NtStatus, QueryDirParams, Vfs};

use crate::Reply;
use crate::vcb::{Ccb, Vcb};

/// `Parameters.QueryDirectory` and the stack location's flags.
pub struct QueryDirectory<'a> {
    /// `FileInformationClass`.
    pub class: u32,
    /// `FileName`: the pattern (the first query of a handle fixes it).
    pub pattern: Option<&'a [u16]>,
    /// `SL_RESTART_SCAN`.
    pub restart: bool,
    /// `SL_RETURN_SINGLE_ENTRY`.
    pub single: bool,
    /// `FileIndex` when `SL_INDEX_SPECIFIED`.
    pub index: Option<u32>,
}

impl<V: Vfs> Vcb<V> {
    /// IRP_MN_QUERY_DIRECTORY into `buf` (the mapped MDL).
    pub fn query_directory(&mut self, ccb: &Ccb, q: &QueryDirectory<'_>, buf: &mut [u8]) -> Reply {
        let h = match self.file_handle(ccb, NtStatus::INVALID_PARAMETER) {
            Ok(h) => h,
            Err(s) => return Reply::err(s),
        };
        let p =
            QueryDirParams { class: q.class, pattern: q.pattern, restart: q.restart, single: q.single, index: q.index };
        self.volume.query_directory(h, &p, buf).into()
    }
}
