//! Recognizes the file system on a volume from its first bytes, without
//! mounting it and without Linux: the driver answers IRP_MN_MOUNT_VOLUME
//! with it for every new Windows volume (most of which are not ours and
//! must be turned down quickly), and `lklfs info` describes images with it.
//!
//! It reads ext2/3/4, btrfs, xfs and FAT (vfat) superblocks and gives the
//! kind, label, UUID, size and block size; format details that only a
//! diagnostic tool shows (feature lists, clean state) stay with that tool.
//!
//! The driver runs this in kernel mode, where a panic is a bugcheck: every
//! read is bounds-checked and a short or corrupt head gives None (or the
//! kind its magic names), never a panic.

#![no_std]
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

extern crate alloc;

mod btrfs;
mod bytes;
mod ext;
mod fat;
mod volume;
mod xfs;

pub use ext::is_ext_superblock;
pub use fat::{FatType, fat_type};
pub use volume::{Kind, VPB_LABEL_UNITS, Volume, VolumeId, vpb_label};

/// Bytes of the device head [`identify`] needs: through the end of the
/// btrfs superblock at 64 KiB. A shorter head is read as far as it goes.
pub const HEAD_LEN: usize = btrfs::SB + btrfs::SB_LEN;

/// The file system whose device starts with `head` (ideally [`HEAD_LEN`]
/// bytes), or None.
///
/// The order matters where stale signatures survive a reformat: ext first
/// (its superblock sits where FAT keeps reserved sectors), then xfs and
/// btrfs by their magic, FAT last because only its geometry identifies it.
pub fn identify(head: &[u8]) -> Option<Volume> {
    ext::identify(head)
        .or_else(|| xfs::identify(head))
        .or_else(|| btrfs::identify(head))
        .or_else(|| fat::identify(head))
}
