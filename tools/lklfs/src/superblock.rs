//! `info`: what kind of file system a device holds, read from its first
//! bytes without mounting, so it also describes images that fail to mount.
//! Recognition (magic, kind, label, UUID, size) is fs-probe's, the driver's
//! too; this adds what only a diagnostic tool shows: feature names, the
//! clean state and format details.

use fs_probe::{FatType, Kind, Volume};

/// Bytes of the device head `identify` needs.
pub const HEAD_LEN: usize = fs_probe::HEAD_LEN;

/// Offset of the ext superblock on the device.
const EXT_SB: usize = 1024;
/// Offset of the btrfs superblock on the device.
const BTRFS_SB: usize = 0x10000;

/// What the superblock says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsInfo {
    /// "ext2", "ext3", "ext4", "btrfs", "xfs" or "vfat" (blkid's names).
    pub fstype: &'static str,
    /// The kernel driver to mount it with ("ext4" serves ext2/3 too).
    pub driver: &'static str,
    /// Sub-type detail (FAT12/16/32), if any.
    pub variant: Option<&'static str>,
    /// Feature names as the file system's own tools spell them.
    pub features: Vec<&'static str>,
    /// Volume label, if set.
    pub label: Option<String>,
    /// Volume UUID, or the volume ID (FAT), as blkid prints it.
    pub uuid: String,
    /// Size of the file system in bytes.
    pub size: u64,
    /// Bytes per block (ext) or per cluster (FAT).
    pub block_size: u64,
    /// "clean", or why not.
    pub state: String,
    /// Further lines for `info` (name, value), in order.
    pub extra: Vec<(&'static str, String)>,
}

pub(crate) fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Identifies the file system whose first bytes are `head`.
pub fn identify(head: &[u8]) -> Option<FsInfo> {
    let v = fs_probe::identify(head)?;
    // fs-probe recognized the kind from the very superblock read below, so
    // the head holds it whole.
    let details = match v.kind {
        Kind::Ext2 | Kind::Ext3 | Kind::Ext4 => ext(&head[EXT_SB..EXT_SB + 1024]),
        Kind::Btrfs => crate::fs_btrfs_xfs::btrfs(&head[BTRFS_SB..BTRFS_SB + 4096]),
        Kind::Xfs => crate::fs_btrfs_xfs::xfs(&head[..512]),
        Kind::Vfat => fat(head)?,
    };
    Some(details.with(&v))
}

/// Where the first backup superblock sits for each block size (the
/// `sparse_super` layout puts one in group 1): (byte offset, block number).
pub fn ext_backup_superblocks() -> [(u64, u64); 3] {
    [(8193 * 1024, 8193), (16384 * 2048, 16384), (32768 * 4096, 32768)]
}

const COMPAT: &[(u32, &str)] = &[
    (0x1, "dir_prealloc"),
    (0x2, "imagic_inodes"),
    (0x4, "has_journal"),
    (0x8, "ext_attr"),
    (0x10, "resize_inode"),
    (0x20, "dir_index"),
    (0x40, "lazy_bg"),
    (0x200, "sparse_super2"),
    (0x400, "fast_commit"),
    (0x800, "stable_inodes"),
    (0x1000, "orphan_file"),
];

const INCOMPAT: &[(u32, &str)] = &[
    (0x1, "compression"),
    (0x2, "filetype"),
    (0x4, "needs_recovery"),
    (0x8, "journal_dev"),
    (0x10, "meta_bg"),
    (0x40, "extent"),
    (0x80, "64bit"),
    (0x100, "mmp"),
    (0x200, "flex_bg"),
    (0x400, "ea_inode"),
    (0x1000, "dirdata"),
    (0x2000, "metadata_csum_seed"),
    (0x4000, "large_dir"),
    (0x8000, "inline_data"),
    (0x10000, "encrypt"),
    (0x20000, "casefold"),
];

const RO_COMPAT: &[(u32, &str)] = &[
    (0x1, "sparse_super"),
    (0x2, "large_file"),
    (0x4, "btree_dir"),
    (0x8, "huge_file"),
    (0x10, "uninit_bg"),
    (0x20, "dir_nlink"),
    (0x40, "extra_isize"),
    (0x80, "snapshot"),
    (0x100, "quota"),
    (0x200, "bigalloc"),
    (0x400, "metadata_csum"),
    (0x800, "replica"),
    (0x1000, "read-only"),
    (0x2000, "project"),
    (0x4000, "shared_blocks"),
    (0x8000, "verity"),
    (0x10000, "orphan_present"),
];

fn ext(sb: &[u8]) -> Details {
    let compat = u32le(sb, 92);
    let incompat = u32le(sb, 96);
    let ro_compat = u32le(sb, 100);
    let mut features = Vec::new();
    // `needs_recovery` is a state, not a feature.
    for (table, bits) in [(COMPAT, compat), (INCOMPAT, incompat & !0x4), (RO_COMPAT, ro_compat)] {
        features.extend(table.iter().filter(|(bit, _)| bits & bit != 0).map(|&(_, name)| name));
    }
    let s_state = u16le(sb, 58);
    let mut why = Vec::new();
    if incompat & 0x4 != 0 {
        why.push("journal needs recovery");
    }
    if s_state & 1 == 0 {
        why.push("not cleanly unmounted");
    }
    if s_state & 2 != 0 {
        why.push("errors detected");
    }
    Details { variant: None, features, state: state(&why), extra: Vec::new() }
}

/// "clean", or "dirty (why, why)".
pub(crate) fn state(why: &[&str]) -> String {
    if why.is_empty() { "clean".to_string() } else { format!("dirty ({})", why.join(", ")) }
}

/// What `info` shows beyond fs-probe's recognition.
pub(crate) struct Details {
    pub variant: Option<&'static str>,
    pub features: Vec<&'static str>,
    pub state: String,
    pub extra: Vec<(&'static str, String)>,
}

impl Details {
    fn with(self, v: &Volume) -> FsInfo {
        FsInfo {
            fstype: v.kind.name(),
            driver: v.kind.linux_driver(),
            variant: self.variant,
            features: self.features,
            label: text(&v.label),
            uuid: v.id.to_string(),
            size: v.size,
            block_size: u64::from(v.block_size),
            state: self.state,
            extra: self.extra,
        }
    }
}

/// Label text: NUL/space padded, absent when empty.
fn text(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let s = String::from_utf8_lossy(&bytes[..end]).trim_end().to_string();
    if s.is_empty() || s == "NO NAME" { None } else { Some(s) }
}

fn fat(b: &[u8]) -> Option<Details> {
    let fat_type = fs_probe::fat_type(b)?;
    let ext_at = fat_type.ebpb_offset();
    // Extended BPB: drive, state (bit 0: Linux's "dirty" flag), 0x29, serial, label.
    let state_byte = b[ext_at + 1];
    let variant = fat_type.name();
    let mut features = vec![variant];
    if fat_type == FatType::Fat32 {
        features.push("fsinfo");
        if u16le(b, 50) != 0 {
            features.push("backup_boot_sector");
        }
    }
    let state = if state_byte & 1 != 0 { "dirty (not cleanly unmounted)".to_string() } else { "clean".to_string() };
    Some(Details { variant: Some(variant), features, state, extra: Vec::new() })
}

/// Whether sector 6 (the usual FAT32 backup boot sector) is a FAT boot
/// sector, given the device bytes from sector 6 on.
pub fn is_fat_backup(sector6: &[u8]) -> bool {
    fs_probe::fat_type(sector6).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext_head(compat: u32, incompat: u32, ro: u32) -> Vec<u8> {
        let mut h = vec![0u8; HEAD_LEN];
        let sb = &mut h[EXT_SB..];
        sb[4..8].copy_from_slice(&1000u32.to_le_bytes());
        sb[24..28].copy_from_slice(&2u32.to_le_bytes());
        sb[56..58].copy_from_slice(&0xef53u16.to_le_bytes());
        sb[58..60].copy_from_slice(&1u16.to_le_bytes());
        sb[92..96].copy_from_slice(&compat.to_le_bytes());
        sb[96..100].copy_from_slice(&incompat.to_le_bytes());
        sb[100..104].copy_from_slice(&ro.to_le_bytes());
        sb[120..124].copy_from_slice(b"disk");
        h
    }

    #[test]
    fn ext_generations() {
        assert_eq!(identify(&ext_head(0x8, 0x2, 0x3)).unwrap().fstype, "ext2");
        assert_eq!(identify(&ext_head(0xc, 0x2, 0x3)).unwrap().fstype, "ext3");
        let four = identify(&ext_head(0xc, 0x2c2, 0x463)).unwrap();
        assert_eq!(four.fstype, "ext4");
        assert!(four.features.contains(&"extent") && four.features.contains(&"metadata_csum"));
        assert_eq!(four.size, 4096 * 1000);
        assert_eq!(four.label.as_deref(), Some("disk"));
        assert_eq!(four.state, "clean");
        let dirty = identify(&ext_head(0xc, 0x2c6, 0x463)).unwrap();
        assert!(dirty.state.contains("journal needs recovery"), "{}", dirty.state);
        assert!(!dirty.features.contains(&"needs_recovery"));
    }

    #[test]
    fn zeros_and_noise_are_nothing() {
        assert_eq!(identify(&[0u8; HEAD_LEN]), None);
        let mut h = vec![0u8; HEAD_LEN];
        h[510] = 0x55;
        h[511] = 0xaa;
        assert_eq!(identify(&h), None);
    }
}
