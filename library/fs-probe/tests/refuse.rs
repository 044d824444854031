//! What must not be taken for one of ours, and heads that must not panic
//! the recognizer (the driver runs it in kernel mode, where a panic is a
//! bugcheck): zeros, noise, NTFS, short heads, mutated superblocks.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::{head, image};
use fs_probe::{HEAD_LEN, Kind, identify};
use lkl_test_runner::rng::Rng;

#[test]
fn zeros_are_nothing() {
    assert_eq!(identify(&[0u8; HEAD_LEN]), None);
    // A boot-sector signature alone is not FAT.
    let mut h = vec![0u8; HEAD_LEN];
    h[510..512].copy_from_slice(&[0x55, 0xaa]);
    assert_eq!(identify(&h), None);
}

#[test]
fn noise_is_nothing() {
    let mut rng = Rng::new(0x6c6b_6c66);
    let mut h = vec![0u8; HEAD_LEN];
    for _ in 0..64 {
        rng.fill(&mut h);
        assert_eq!(identify(&h), None);
        // Noise that ends like a boot sector still lacks a sound BPB.
        h[510..512].copy_from_slice(&[0x55, 0xaa]);
        assert_eq!(identify(&h), None);
    }
}

/// An NTFS boot sector: OEM ID "NTFS    ", 512-byte sectors, 8 sectors a
/// cluster, and the zeros NTFS keeps where FAT has its FAT count and size.
fn ntfs_boot_sector() -> Vec<u8> {
    let mut h = vec![0u8; HEAD_LEN];
    h[..3].copy_from_slice(&[0xeb, 0x52, 0x90]);
    h[3..11].copy_from_slice(b"NTFS    ");
    h[11..13].copy_from_slice(&512u16.to_le_bytes());
    h[13] = 8;
    h[21] = 0xf8;
    h[40..48].copy_from_slice(&((64u64 << 20) / 512 - 1).to_le_bytes());
    h[48..56].copy_from_slice(&4u64.to_le_bytes());
    h[510..512].copy_from_slice(&[0x55, 0xaa]);
    h
}

#[test]
fn ntfs_is_not_ours() {
    assert_eq!(identify(&ntfs_boot_sector()), None);
}

#[test]
fn short_heads_give_nothing_or_the_right_kind() {
    let ext4 = head(&image("short-ext4", 32, &["mkfs.ext4", "-q"]));
    let btrfs = head(&image("short-btrfs", 128, &["mkfs.btrfs", "-q", "-f"]));
    let fat = head(&image("short-vfat", 8, &["mkfs.vfat"]));
    for (h, kind, needs) in [(&ext4, Kind::Ext4, 2048), (&btrfs, Kind::Btrfs, HEAD_LEN), (&fat, Kind::Vfat, 512)] {
        for len in [0, 1, 510, 511, 512, 1024, 1081, 2047, 2048, 4096, 0x10000, 0x10048, HEAD_LEN - 1, HEAD_LEN] {
            let got = identify(&h[..len]).map(|v| v.kind);
            let want = (len >= needs).then_some(kind);
            assert_eq!(got, want, "{kind:?} head cut to {len} bytes");
        }
    }
}

#[test]
fn mutated_ext4_heads_never_panic() {
    let real = head(&image("fuzz-ext4", 32, &["mkfs.ext4", "-q", "-O", "64bit"]));
    assert_eq!(identify(&real).map(|v| v.kind), Some(Kind::Ext4));
    let mut rng = Rng::new(2026);
    let mut recognized = 0;
    for round in 0..2000 {
        let mut h = real.clone();
        // Mostly inside the superblock and the boot sector, where the
        // recognizer reads; now and then anywhere, or a cut.
        for _ in 0..1 + below(&mut rng, 16) {
            let at = match below(&mut rng, 4) {
                0 => below(&mut rng, 512),
                1 | 2 => 1024 + below(&mut rng, 1024),
                _ => below(&mut rng, HEAD_LEN),
            };
            h[at] = match below(&mut rng, 3) {
                0 => rng.next_u64() as u8,
                1 => h[at] ^ (1 << below(&mut rng, 8)),
                _ => 0xff,
            };
        }
        if round % 10 == 0 {
            h.truncate(below(&mut rng, HEAD_LEN));
        }
        if let Some(v) = identify(&h) {
            recognized += 1;
            let _ = (v.serial(), v.vpb_label(), v.label_text(), v.id.to_string());
        }
    }
    // The magic survives most rounds: the fields behind it were exercised.
    assert!(recognized > 1000, "only {recognized} of 2000 mutated heads recognized");
}

#[test]
fn mutated_boot_sectors_never_panic() {
    // FAT is judged by its geometry, so mutate a real one where it lives.
    let real = head(&image("fuzz-vfat", 64, &["mkfs.vfat", "-F", "32", "-n", "FUZZ"]));
    let mut rng = Rng::new(1234);
    for _ in 0..2000 {
        let mut h = real[..512].to_vec();
        for _ in 0..1 + below(&mut rng, 8) {
            let at = below(&mut rng, 90);
            h[at] = rng.next_u64() as u8;
        }
        if let Some(v) = identify(&h) {
            assert_eq!(v.kind, Kind::Vfat);
            let _ = (v.serial(), v.vpb_label(), v.id.to_string());
        }
    }
}

/// Uniform in `0..n`, as an index.
fn below(rng: &mut Rng, n: usize) -> usize {
    rng.below(n as u64) as usize
}
