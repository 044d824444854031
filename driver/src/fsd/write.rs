//! IRP_MJ_WRITE on a volume (non-cached; paging I/O is part 3's).

use super::irp::Irp;
use super::volume::{Done, Mount, VolumeExt};

pub(super) fn common(irp: Irp, _ext: &VolumeExt, m: &mut Mount) -> Done {
    super::read::transfer(irp, m, true)
}
