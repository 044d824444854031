//! IRP_MJ_FLUSH_BUFFERS.

use fs_glue::{NtStatus, Vfs};

use crate::Reply;
use crate::vcb::{Ccb, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_FLUSH_BUFFERS: a file's data and metadata to the disk (fsync);
    /// on an open of the volume, the volume's metadata (fsync of the root,
    /// which commits the journal).
    pub fn flush(&mut self, ccb: &Ccb) -> Reply {
        match self.handle(ccb) {
            Ok(Some(h)) => self.volume.flush(h).into(),
            Ok(None) => {
                let vfs = self.volume.vfs();
                match vfs.fsync(vfs.root()) {
                    Ok(()) => Reply::ok(0),
                    Err(e) => Reply::err(NtStatus::from(e)),
                }
            }
            Err(s) => Reply::err(s),
        }
    }
}
