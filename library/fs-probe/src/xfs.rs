//! xfs: the superblock at the start of the device (`struct xfs_dsb`,
//! big-endian).

use alloc::vec::Vec;

use crate::bytes::{array, be32, be64, until_nul};
use crate::{Kind, Volume, VolumeId};

/// The part of the superblock the recognizer reads.
const SB_LEN: usize = 512;

/// The xfs file system in `head`, if the magic is there.
pub(crate) fn identify(head: &[u8]) -> Option<Volume> {
    let sb = head.get(..SB_LEN)?;
    if sb.get(..4)? != b"XFSB" {
        return None;
    }
    let block_size = be32(sb, 4)?;
    Some(Volume {
        kind: Kind::Xfs,
        label: Vec::from(until_nul(sb.get(108..120)?)),
        // `sb_uuid`, the UUID users see (with meta_uuid the metadata carries
        // another one).
        id: VolumeId::Uuid(array(sb, 32)?),
        size: be64(sb, 8)?.saturating_mul(u64::from(block_size)),
        block_size,
        needs_recovery: None,
    })
}
