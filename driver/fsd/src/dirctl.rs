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

impl QueryDirectory<'_> {
    /// The size of the class's structure (IopQueryOperationLength), for the
    /// classes fs-glue answers.
    fn class_minimum(&self) -> Option<usize> {
        use fs_glue::layout;
        use fs_glue::nt::*;
        Some(match self.class {
            FILE_DIRECTORY_INFORMATION => layout::dir::SIZE,
            FILE_FULL_DIRECTORY_INFORMATION => layout::full_dir::SIZE,
            FILE_BOTH_DIRECTORY_INFORMATION => layout::both_dir::SIZE,
            FILE_ID_BOTH_DIRECTORY_INFORMATION => layout::id_both_dir::SIZE,
            FILE_ID_FULL_DIRECTORY_INFORMATION => layout::id_full_dir::SIZE,
            FILE_NAMES_INFORMATION => layout::names::SIZE,
            _ => return None,
        })
    }
}

impl<V: Vfs> Vcb<V> {
    /// IRP_MN_QUERY_DIRECTORY into `buf` (the mapped MDL).
    pub fn query_directory(&mut self, ccb: &Ccb, q: &QueryDirectory<'_>, buf: &mut [u8]) -> Reply {
        let h = match self.file_handle(ccb, NtStatus::INVALID_PARAMETER) {
            Ok(h) => h,
            Err(s) => return Reply::err(s),
        };
        // The I/O manager refuses a buffer shorter than the class's
        // structure before a file system sees it; the FSD holds the same
        // line for callers that do not.
        if q.class_minimum().is_some_and(|min| buf.len() < min) {
            return Reply::err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        let p =
            QueryDirParams { class: q.class, pattern: q.pattern, restart: q.restart, single: q.single, index: q.index };
        self.volume.query_directory(h, &p, buf).into()
    }
}
