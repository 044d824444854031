//! IRP_MJ_QUERY_VOLUME_INFORMATION and IRP_MJ_SET_VOLUME_INFORMATION.

use fs_glue::Vfs;

use crate::Reply;
use crate::vcb::{Ccb, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_QUERY_VOLUME_INFORMATION of `class` into `buf` (the system
    /// buffer), on any open of the volume.
    pub fn query_volume_information(&mut self, ccb: &Ccb, class: u32, buf: &mut [u8]) -> Reply {
        match self.handle(ccb) {
            Ok(_) => self.volume.query_volume_information(class, buf).into(),
            Err(s) => Reply::err(s),
        }
    }

    /// IRP_MJ_SET_VOLUME_INFORMATION of `class` from `buf` (the system
    /// buffer), on any open of the volume. On success the label may have
    /// changed: [`fs_glue::Volume::label`] has the new one for the VPB.
    pub fn set_volume_information(&mut self, ccb: &Ccb, class: u32, buf: &[u8]) -> Reply {
        match self.handle(ccb) {
            Ok(_) => match self.volume.set_volume_information(class, buf) {
                Ok(()) => Reply::ok(0),
                Err(s) => Reply::err(s),
            },
            Err(s) => Reply::err(s),
        }
    }
}
