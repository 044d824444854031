//! IRP_MJ_DIRECTORY_CONTROL / IRP_MN_QUERY_DIRECTORY.

use fs_glue::{NtStatus, QueryDirParams, Vfs};

use crate::Reply;
use crate::vcb::{Ccb, Vcb};

/// The size of the class's structure (IopQueryOperationLength), for the
/// classes fs-glue answers.
fn class_minimum(class: u32) -> Option<usize> {
    use fs_glue::layout;
    use fs_glue::nt::*;
    Some(match class {
        FILE_DIRECTORY_INFORMATION => layout::dir::SIZE,
        FILE_FULL_DIRECTORY_INFORMATION => layout::full_dir::SIZE,
        FILE_BOTH_DIRECTORY_INFORMATION => layout::both_dir::SIZE,
        FILE_ID_BOTH_DIRECTORY_INFORMATION => layout::id_both_dir::SIZE,
        FILE_ID_FULL_DIRECTORY_INFORMATION => layout::id_full_dir::SIZE,
        FILE_NAMES_INFORMATION => layout::names::SIZE,
        _ => return None,
    })
}

impl<V: Vfs> Vcb<V> {
    /// IRP_MN_QUERY_DIRECTORY into `buf` (the mapped MDL), with
    /// `Parameters.QueryDirectory` and the stack location's flags in `q`.
    pub fn query_directory(&mut self, ccb: &Ccb, q: &QueryDirParams<'_>, buf: &mut [u8]) -> Reply {
        let h = match self.file_handle(ccb, NtStatus::INVALID_PARAMETER) {
            Ok(h) => h,
            Err(s) => return Reply::err(s),
        };
        // The I/O manager refuses a buffer shorter than the class's
        // structure before a file system sees it; the FSD holds the same
        // line for callers that do not.
        if class_minimum(q.class).is_some_and(|min| buf.len() < min) {
            return Reply::err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        self.volume.query_directory(h, q, buf).into()
    }
}
