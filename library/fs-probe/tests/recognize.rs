//! Real images, made by mkfs at test time, recognized from their heads and
//! checked against blkid: kind (blkid's TYPE), label, UUID, and the serial
//! (the first eight hex digits of what blkid prints), plus the size and
//! block size mkfs was asked for.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::{blkid, head, image};
use fs_probe::{Kind, identify};

/// Recognizes `name`.img made by `mkfs` and checks it against blkid.
fn check(name: &str, mib: u64, mkfs: &[&str], kind: Kind, block_size: u32) -> fs_probe::Volume {
    let img = image(name, mib, mkfs);
    let v = identify(&head(&img)).unwrap_or_else(|| panic!("{name}: not recognized"));
    assert_eq!(v.kind, kind, "{name}");
    assert_eq!(v.kind.name(), blkid(&img, "TYPE"), "{name}: kind");
    assert_eq!(v.label_text(), blkid(&img, "LABEL"), "{name}: label");
    let uuid = blkid(&img, "UUID");
    assert_eq!(v.id.to_string(), uuid, "{name}: uuid");
    let digits: String = uuid.chars().filter(|c| *c != '-').take(8).collect();
    assert_eq!(v.serial(), u32::from_str_radix(&digits, 16).unwrap(), "{name}: serial");
    assert_eq!((v.size, v.block_size), (mib << 20, block_size), "{name}: size, block size");
    assert!(v.vpb_label().len() <= fs_probe::VPB_LABEL_UNITS);
    v
}

#[test]
fn ext2() {
    let v = check("ext2", 16, &["mkfs.ext2", "-q", "-b", "1024", "-L", "two"], Kind::Ext2, 1024);
    assert_eq!(v.vpb_label().to_string_lossy(), "two");
}

#[test]
fn ext3() {
    let v = check("ext3", 32, &["mkfs.ext3", "-q", "-b", "4096"], Kind::Ext3, 4096);
    assert!(v.label.is_empty() && v.vpb_label().is_empty());
    assert_eq!(v.serial(), 0x6c6b_6c66, "mkfs-fixed's UUID");
}

#[test]
fn ext4() {
    let v = check("ext4", 64, &["mkfs.ext4", "-q", "-b", "4096", "-L", "photos"], Kind::Ext4, 4096);
    assert_eq!(v.kind.linux_driver(), "ext4");
}

#[test]
fn ext4_longest_label() {
    // ext keeps 16 bytes of label; UTF-8 counts bytes, UTF-16 units less.
    let label = "Fotos-Übersicht";
    assert_eq!(label.len(), 16);
    let v = check("ext4-label", 64, &["mkfs.ext4", "-q", "-b", "4096", "-L", label], Kind::Ext4, 4096);
    assert_eq!(v.vpb_label().to_string_lossy(), label);
}

#[test]
fn btrfs_label_longer_than_the_vpb() {
    // 31 UTF-16 units, then a character that needs a surrogate pair: the
    // VPB gets the 31 units, neither half of the pair.
    let first = "Ünïcode label that is long, 31u";
    assert_eq!(first.encode_utf16().count(), 31);
    let label = format!("{first}\u{1F600} and more, well past 32 characters");
    let uuid = "6c6b6c66-7465-4000-8000-0000000000b1";
    let mkfs = ["mkfs.btrfs", "-q", "-f", "-s", "4096", "-U", uuid, "-L", &label];
    let v = check("btrfs", 128, &mkfs, Kind::Btrfs, 4096);
    assert_eq!(v.label_text(), label);
    assert_eq!(v.vpb_label().to_string_lossy(), first);
    assert_eq!(v.serial(), 0x6c6b_6c66);
}

#[test]
fn xfs() {
    let mkfs = ["mkfs.xfs", "-q", "-f", "-b", "size=4096", "-L", "pictures"];
    let v = check("xfs", 300, &mkfs, Kind::Xfs, 4096);
    assert_eq!(v.vpb_label().to_string_lossy(), "pictures");
}

#[test]
fn vfat() {
    // 4 sectors of 512 bytes a cluster; mkfs-fixed sets the volume ID.
    let v = check("vfat", 64, &["mkfs.vfat", "-F", "16", "-s", "4", "-n", "CAMERA"], Kind::Vfat, 2048);
    assert_eq!((v.serial(), v.id.to_string()), (0x1234_abcd, "1234-ABCD".to_string()));
    assert!(!v.kind.mounted_by_default());
    assert_eq!(
        fs_probe::fat_type(&head(&image("vfat-type", 64, &["mkfs.vfat", "-F", "32"]))),
        Some(fs_probe::FatType::Fat32)
    );
}

#[test]
fn vfat_without_label() {
    let v = check("vfat-nolabel", 8, &["mkfs.vfat", "-s", "1"], Kind::Vfat, 512);
    assert!(v.label.is_empty(), "FAT's NO NAME is no label");
}

#[test]
fn journal_needing_recovery() {
    let img = image("ext4-dirty", 16, &["mkfs.ext4", "-q"]);
    assert_eq!(identify(&head(&img)).unwrap().needs_recovery, Some(false), "fresh from mkfs");
    // debugfs, e2fsprogs' own editor, sets the flag a crashed Linux leaves;
    // dumpe2fs confirms it.
    let set = std::process::Command::new("debugfs").args(["-w", "-R", "feature needs_recovery"]).arg(&img).output();
    assert!(set.unwrap().status.success());
    let dump = std::process::Command::new("dumpe2fs").arg("-h").arg(&img).output().unwrap();
    assert!(String::from_utf8_lossy(&dump.stdout).contains("needs_recovery"));
    let v = identify(&head(&img)).unwrap();
    assert_eq!((v.kind, v.needs_recovery), (Kind::Ext4, Some(true)));
    let mut btrfs = head(&image("btrfs-clean", 128, &["mkfs.btrfs", "-q", "-f"]));
    assert_eq!(identify(&btrfs).unwrap().needs_recovery, Some(false), "no log tree");
    // A tree-log's root (`log_root`, superblock offset 0x60), as fsync
    // leaves it until the next mount replays it.
    btrfs[0x10060..0x10068].copy_from_slice(&0x1d_4000u64.to_le_bytes());
    assert_eq!(identify(&btrfs).unwrap().needs_recovery, Some(true), "a log tree");
    let xfs = identify(&head(&image("xfs-unknown", 300, &["mkfs.xfs", "-q", "-f"]))).unwrap();
    assert_eq!(xfs.needs_recovery, None, "xfs keeps it in its log");
}
