//! ext2/3/4: the superblock at 1 KiB. Which generation is told from the
//! feature flags the way blkid tells it, so that the kind shown on Windows
//! matches what Linux tools report for the same volume.

use alloc::vec::Vec;

use crate::bytes::{le16, le32, until_nul};
use crate::{Kind, Volume, VolumeId};

/// Offset of the primary superblock on the device.
pub(crate) const SB: usize = 1024;
/// Size of the superblock.
pub(crate) const SB_LEN: usize = 1024;
const MAGIC: u16 = 0xef53;

const COMPAT_HAS_JOURNAL: u32 = 0x4;
const INCOMPAT_64BIT: u32 = 0x80;
/// Incompatible features ext3 knows: filetype, needs_recovery, meta_bg.
/// needs_recovery is a state, so a dirty ext3 stays ext3.
const EXT3_INCOMPAT: u32 = 0x2 | 0x4 | 0x10;
/// Read-only compatible features ext3 knows: sparse_super, large_file,
/// btree_dir.
const EXT3_RO_COMPAT: u32 = 0x1 | 0x2 | 0x4;

/// Whether `sb` (a superblock, primary or backup) carries the ext magic.
pub fn is_ext_superblock(sb: &[u8]) -> bool {
    le16(sb, 56) == Some(MAGIC)
}

/// The generation the feature flags make the file system: anything ext3
/// does not know makes it ext4; ext3 is ext2 with a journal.
fn kind(compat: u32, incompat: u32, ro_compat: u32) -> Kind {
    if incompat & !EXT3_INCOMPAT != 0 || ro_compat & !EXT3_RO_COMPAT != 0 {
        Kind::Ext4
    } else if compat & COMPAT_HAS_JOURNAL != 0 {
        Kind::Ext3
    } else {
        Kind::Ext2
    }
}

/// EXT4_FEATURE_INCOMPAT_RECOVER: the journal holds transactions not yet
/// written home.
const INCOMPAT_RECOVER: u32 = 0x4;

/// The ext file system in `head`, if the magic is there. Nothing past the
/// magic is judged: a damaged ext volume is still ext (its mount then fails
/// with an error) rather than an unknown volume Windows offers to format.
pub(crate) fn identify(head: &[u8]) -> Option<Volume> {
    let sb = head.get(SB..SB.checked_add(SB_LEN)?)?;
    if !is_ext_superblock(sb) {
        return None;
    }
    let compat = le32(sb, 92)?;
    let incompat = le32(sb, 96)?;
    let ro_compat = le32(sb, 100)?;
    // Linux refuses block sizes past 64 KiB; the clamp only keeps the shift
    // defined for a corrupt field.
    let block_size = 1024u32 << le32(sb, 24)?.min(16);
    let mut blocks = u64::from(le32(sb, 4)?);
    if incompat & INCOMPAT_64BIT != 0 {
        blocks |= u64::from(le32(sb, 0x150)?) << 32;
    }
    Some(Volume {
        kind: kind(compat, incompat, ro_compat),
        label: Vec::from(until_nul(sb.get(120..136)?)),
        id: VolumeId::Uuid(crate::bytes::array(sb, 104)?),
        size: blocks.saturating_mul(u64::from(block_size)),
        block_size,
        needs_recovery: Some(incompat & INCOMPAT_RECOVER != 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_follow_the_flags() {
        assert_eq!(kind(0x8, 0x2, 0x3), Kind::Ext2);
        assert_eq!(kind(0xc, 0x2, 0x3), Kind::Ext3);
        // A dirty ext3 (needs_recovery) is still ext3.
        assert_eq!(kind(0xc, 0x6, 0x3), Kind::Ext3);
        assert_eq!(kind(0xc, 0x2c2, 0x463), Kind::Ext4);
        // ext4 without a journal is still ext4 (extents).
        assert_eq!(kind(0x8, 0x42, 0x3), Kind::Ext4);
    }
}
