//! IRP_MJ_CLOSE: the file object itself goes away.

use fs_glue::Vfs;

use crate::services::Services;
use crate::vcb::{Ccb, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_CLOSE: the CCB is consumed (cleaned up first if CLEANUP never
    /// came, which a file object that never had a handle allows). Returns
    /// whether this was the last file object of a dismounted volume, which
    /// may then be torn down.
    pub fn close(&mut self, mut ccb: Ccb, svc: &mut dyn Services) -> bool {
        if !ccb.cleaned_up {
            let _ = self.cleanup(&mut ccb, svc);
        }
        self.ccbs = self.ccbs.saturating_sub(1);
        self.dismounted && self.ccbs == 0
    }
}
