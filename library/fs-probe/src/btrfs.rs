//! btrfs: the primary superblock at 64 KiB (`struct btrfs_super_block`).

use alloc::vec::Vec;

use crate::bytes::{array, le32, le64, until_nul};
use crate::{Kind, Volume, VolumeId};

/// Offset of the primary superblock on the device.
pub(crate) const SB: usize = 0x10000;
/// Bytes of the superblock.
pub(crate) const SB_LEN: usize = 4096;

/// The btrfs file system in `head`, if the magic is there. The superblock
/// checksum is left to the kernel at mount, for the same reason ext is
/// judged by its magic alone.
pub(crate) fn identify(head: &[u8]) -> Option<Volume> {
    let sb = head.get(SB..SB.checked_add(SB_LEN)?)?;
    if sb.get(0x40..0x48)? != b"_BHRfS_M" {
        return None;
    }
    Some(Volume {
        kind: Kind::Btrfs,
        // The label field is 256 bytes; the kernel keeps it NUL-terminated.
        label: Vec::from(until_nul(sb.get(0x12b..0x22b)?)),
        // `fsid`, the UUID users see (metadata_uuid, when set, is internal).
        id: VolumeId::Uuid(array(sb, 0x20)?),
        size: le64(sb, 0x70)?,
        block_size: le32(sb, 0x90)?,
        // `log_root`: a tree-log left by fsync waits for the next mount.
        needs_recovery: Some(le64(sb, 0x60)? != 0),
    })
}
