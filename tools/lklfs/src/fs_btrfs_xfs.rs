//! `info` for btrfs and xfs: what their superblocks say beyond fs-probe's
//! recognition (features, state, format details). Field offsets follow the on-disk formats (btrfs `struct
//! btrfs_super_block`, xfs `struct xfs_dsb`); feature names are the ones
//! the kernel shows in /sys/fs/btrfs/features and the ones mkfs.xfs takes.

use crate::superblock::{Details, state, u16le, u32le};

fn u64le(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

fn be16(b: &[u8], at: usize) -> u32 {
    u32::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

fn names(table: &[(u64, &'static str)], bits: u64, out: &mut Vec<&'static str>) {
    out.extend(table.iter().filter(|(bit, _)| bits & bit != 0).map(|&(_, n)| n));
}

const BTRFS_COMPAT_RO: &[(u64, &str)] =
    &[(0x1, "free_space_tree"), (0x2, "free_space_tree_valid"), (0x4, "verity"), (0x8, "block_group_tree")];

const BTRFS_INCOMPAT: &[(u64, &str)] = &[
    (0x1, "mixed_backref"),
    (0x2, "default_subvol"),
    (0x4, "mixed_groups"),
    (0x8, "compress_lzo"),
    (0x10, "compress_zstd"),
    (0x20, "big_metadata"),
    (0x40, "extended_iref"),
    (0x80, "raid56"),
    (0x100, "skinny_metadata"),
    (0x200, "no_holes"),
    (0x400, "metadata_uuid"),
    (0x800, "raid1c34"),
    (0x1000, "zoned"),
    (0x2000, "extent_tree_v2"),
];

const BTRFS_CSUM: &[&str] = &["crc32c", "xxhash64", "sha256", "blake2b"];

/// Details of the btrfs superblock `sb` (4 KiB, recognized by fs-probe).
pub(crate) fn btrfs(sb: &[u8]) -> Details {
    let flags = u64le(sb, 0x38);
    let generation = u64le(sb, 0x48);
    let log_root = u64le(sb, 0x60);
    let used = u64le(sb, 0x78);
    let node = u32le(sb, 0x94);
    let devices = u64le(sb, 0x88);
    let compat = u64le(sb, 0xac);
    let compat_ro = u64le(sb, 0xb4);
    let incompat = u64le(sb, 0xbc);
    let csum = usize::from(u16le(sb, 0xc4));
    let mut features = Vec::new();
    names(BTRFS_COMPAT_RO, compat_ro, &mut features);
    names(BTRFS_INCOMPAT, incompat, &mut features);
    let mut why = Vec::new();
    // BTRFS_SUPER_FLAG_ERROR: the kernel met an error and forced read-only.
    if flags & (1 << 2) != 0 {
        why.push("errors detected");
    }
    if log_root != 0 {
        why.push("log tree to replay (fsynced data not yet in the trees)");
    }
    let extra = vec![
        ("generation", generation.to_string()),
        ("flags", format!("compat {compat:#x}, compat_ro {compat_ro:#x}, incompat {incompat:#x}")),
        ("checksum", BTRFS_CSUM.get(csum).map_or_else(|| format!("unknown ({csum})"), |c| c.to_string())),
        ("node size", node.to_string()),
        ("bytes used", used.to_string()),
        ("devices", devices.to_string()),
    ];
    Details { variant: None, features, state: state(&why), extra }
}

/// Version-number bits of v4 superblocks (`sb_versionnum`).
const XFS_VERSION_BITS: &[(u64, &str)] = &[(0x80, "align"), (0x400, "logv2"), (0x4000, "ascii-ci")];
/// `sb_features2` (v4; v5 sets the same bits for compatibility).
const XFS_FEATURES2: &[(u64, &str)] = &[(0x2, "lazy-count"), (0x8, "attr2"), (0x80, "projid32bit")];
const XFS_RO_COMPAT: &[(u64, &str)] = &[(0x1, "finobt"), (0x2, "rmapbt"), (0x4, "reflink"), (0x8, "inobtcount")];
const XFS_INCOMPAT: &[(u64, &str)] =
    &[(0x1, "ftype"), (0x2, "sparse"), (0x4, "meta_uuid"), (0x8, "bigtime"), (0x10, "needsrepair"), (0x20, "nrext64")];

/// Details of the xfs superblock `sb` (its first 512 bytes, recognized by
/// fs-probe).
pub(crate) fn xfs(sb: &[u8]) -> Details {
    let version = be16(sb, 100);
    let v5 = version & 0xf == 5;
    let features2 = u64::from(be32(sb, 200));
    let (ro_compat, incompat) = if v5 { (u64::from(be32(sb, 212)), u64::from(be32(sb, 216))) } else { (0, 0) };
    let mut features = Vec::new();
    if v5 {
        features.push("crc");
    }
    names(XFS_VERSION_BITS, u64::from(version), &mut features);
    names(XFS_FEATURES2, features2, &mut features);
    // v4 keeps the directory file type in features2.
    if !v5 && features2 & 0x200 != 0 {
        features.push("ftype");
    }
    names(XFS_RO_COMPAT, ro_compat, &mut features);
    names(XFS_INCOMPAT, incompat, &mut features);
    let mut why = Vec::new();
    if sb[126] != 0 {
        why.push("mkfs did not finish");
    }
    if incompat & 0x10 != 0 {
        why.push("needs xfs_repair");
    }
    // Whether the log is clean shows only in the log itself (mount or
    // xfs_repair -n read it); the superblock has no clean flag.
    let state = if why.is_empty() {
        "superblock sound (log state is checked at mount)".to_string()
    } else {
        format!("dirty ({})", why.join(", "))
    };
    let extra = vec![
        ("version", format!("v{}", version & 0xf)),
        ("allocation groups", format!("{} x {} blocks", be32(sb, 88), be32(sb, 84))),
        ("inode size", be16(sb, 104).to_string()),
        ("sector size", be16(sb, 102).to_string()),
        ("log", format!("{} blocks{}", be32(sb, 96), if be64(sb, 48) == 0 { " (external)" } else { " (internal)" })),
    ];
    Details { variant: Some(if v5 { "v5" } else { "v4" }), features, state, extra }
}

#[cfg(test)]
mod tests {
    use crate::superblock::{HEAD_LEN, identify};

    const BTRFS_SB: usize = 0x10000;

    #[test]
    fn btrfs_fields() {
        let mut h = vec![0u8; HEAD_LEN];
        let sb = &mut h[BTRFS_SB..];
        sb[0x40..0x48].copy_from_slice(b"_BHRfS_M");
        sb[0x48..0x50].copy_from_slice(&7u64.to_le_bytes());
        sb[0x70..0x78].copy_from_slice(&(128u64 << 20).to_le_bytes());
        sb[0x90..0x94].copy_from_slice(&4096u32.to_le_bytes());
        sb[0xb4..0xbc].copy_from_slice(&3u64.to_le_bytes());
        sb[0xbc..0xc4].copy_from_slice(&0x341u64.to_le_bytes());
        sb[0x12b..0x12e].copy_from_slice(b"lbl");
        let i = identify(&h).unwrap();
        assert_eq!((i.fstype, i.size, i.block_size, i.label.as_deref()), ("btrfs", 128 << 20, 4096, Some("lbl")));
        assert_eq!(
            i.features,
            [
                "free_space_tree",
                "free_space_tree_valid",
                "mixed_backref",
                "extended_iref",
                "skinny_metadata",
                "no_holes"
            ]
        );
        assert_eq!(i.state, "clean");
        assert!(i.extra.contains(&("generation", "7".into())));
        h[BTRFS_SB + 0x60] = 1;
        assert!(identify(&h).unwrap().state.starts_with("dirty (log tree"));
    }

    #[test]
    fn xfs_fields() {
        let mut h = vec![0u8; HEAD_LEN];
        h[..4].copy_from_slice(b"XFSB");
        h[4..8].copy_from_slice(&4096u32.to_be_bytes());
        h[8..16].copy_from_slice(&1000u64.to_be_bytes());
        h[100..102].copy_from_slice(&0xb4a5u16.to_be_bytes());
        h[212..216].copy_from_slice(&0xfu32.to_be_bytes());
        h[216..220].copy_from_slice(&0xbu32.to_be_bytes());
        let i = identify(&h).unwrap();
        assert_eq!((i.fstype, i.variant, i.size), ("xfs", Some("v5"), 4096 * 1000));
        for f in ["crc", "finobt", "rmapbt", "reflink", "inobtcount", "ftype", "sparse", "bigtime"] {
            assert!(i.features.contains(&f), "{f} missing from {:?}", i.features);
        }
        h[100..102].copy_from_slice(&0x34a4u16.to_be_bytes());
        let v4 = identify(&h).unwrap();
        assert_eq!(v4.variant, Some("v4"));
        assert!(!v4.features.contains(&"crc") && !v4.features.contains(&"finobt"));
    }
}
