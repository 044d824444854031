//! IRP_MJ_WRITE (non-cached: every write goes to Linux).

use fs_glue::Vfs;
use fs_glue::nt::{FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_LAST_WRITE, FILE_NOTIFY_CHANGE_SIZE};

use crate::Reply;
use crate::read::Offset;
use crate::vcb::{FileRef, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_WRITE of `data` (the mapped MDL; empty for a zero-length
    /// write). Writing past the end extends the file; a synchronous file
    /// object's position moves past what was written (for an append, past
    /// the new end); a zero-length write changes nothing.
    pub fn write(&mut self, f: FileRef<'_>, offset: Offset, data: &[u8]) -> Reply {
        let (h, at) = match self.start(&f, offset, true) {
            Ok(x) => x,
            Err(s) => return Reply::err(s),
        };
        if let Err(s) = self.lock_check(&f, at, data.len(), true) {
            return Reply::err(s);
        }
        match self.volume.write(h, Some(at), data) {
            Ok(n) => {
                if n > 0 {
                    self.report_handle(
                        h,
                        FILE_ACTION_MODIFIED,
                        FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SIZE,
                    );
                }
                if f.synchronous
                    && !data.is_empty()
                    && let Ok(p) = self.volume.position(h)
                {
                    *f.position = p;
                }
                Reply::ok(n as u64)
            }
            Err(s) => Reply::err(s),
        }
    }
}
