//! IRP_MJ_WRITE on a volume: as READ (`read.rs`).

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt};

pub(crate) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    super::read::transfer(irp, ext, m, true)
}
