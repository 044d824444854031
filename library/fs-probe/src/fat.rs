//! FAT12/16/32 (Linux's vfat): the boot sector's BIOS parameter block.
//! Unlike the other formats FAT has no magic of its own (0x55AA ends every
//! boot sector, NTFS's and exFAT's too), so the geometry must make sense
//! before a sector counts as FAT.

use alloc::vec::Vec;

use crate::bytes::{le16, le32, until_nul};
use crate::{Kind, Volume, VolumeId};

/// FAT width, decided by the cluster count as the FAT specification does
/// (never by the type string in the boot sector, which is only a hint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FatType {
    /// Fewer than 4085 clusters.
    Fat12,
    /// Fewer than 65525 clusters.
    Fat16,
    /// The rest.
    Fat32,
}

impl FatType {
    /// "FAT12", "FAT16" or "FAT32".
    pub const fn name(self) -> &'static str {
        match self {
            FatType::Fat12 => "FAT12",
            FatType::Fat16 => "FAT16",
            FatType::Fat32 => "FAT32",
        }
    }

    /// Offset of the extended BPB (drive number, state, signature 0x29,
    /// volume ID, label), which FAT32's longer BPB pushes back.
    pub const fn ebpb_offset(self) -> usize {
        match self {
            FatType::Fat32 => 64,
            FatType::Fat12 | FatType::Fat16 => 36,
        }
    }
}

/// The geometry the recognizer reads.
struct Bpb {
    bytes_per_sector: u64,
    sectors_per_cluster: u64,
    total_sectors: u64,
    fat_type: FatType,
}

fn bpb(b: &[u8]) -> Option<Bpb> {
    if b.get(510..512)? != [0x55, 0xaa] {
        return None;
    }
    let bps = u64::from(le16(b, 11)?);
    let spc = u64::from(*b.get(13)?);
    let reserved = u64::from(le16(b, 14)?);
    let nfats = u64::from(*b.get(16)?);
    let root_entries = u64::from(le16(b, 17)?);
    let total = match le16(b, 19)? {
        0 => u64::from(le32(b, 32)?),
        n => u64::from(n),
    };
    let fat_size = match le16(b, 22)? {
        0 => u64::from(le32(b, 36)?),
        n => u64::from(n),
    };
    // NTFS and exFAT keep zeros where FAT has its FAT count and size.
    if !matches!(bps, 512 | 1024 | 2048 | 4096) || spc == 0 || !spc.is_power_of_two() || nfats == 0 || fat_size == 0 {
        return None;
    }
    let root_sectors = root_entries.checked_mul(32)?.div_ceil(bps);
    let meta = nfats.checked_mul(fat_size)?.checked_add(reserved)?.checked_add(root_sectors)?;
    let clusters = total.checked_sub(meta)? / spc;
    let fat_type = if clusters < 4085 {
        FatType::Fat12
    } else if clusters < 65525 {
        FatType::Fat16
    } else {
        FatType::Fat32
    };
    Some(Bpb { bytes_per_sector: bps, sectors_per_cluster: spc, total_sectors: total, fat_type })
}

/// The FAT type of a boot sector (the primary one or a backup), or None
/// when it is not a sound FAT boot sector.
pub fn fat_type(boot_sector: &[u8]) -> Option<FatType> {
    bpb(boot_sector).map(|b| b.fat_type)
}

/// The FAT file system in `head`, if its boot sector is sound.
pub(crate) fn identify(head: &[u8]) -> Option<Volume> {
    let bpb = bpb(head)?;
    let ebpb = bpb.fat_type.ebpb_offset();
    // Without the extended BPB (signature 0x29) there is no volume ID or
    // label; the ID then reads as 0.
    let (serial, label) = if head.get(ebpb + 2) == Some(&0x29) {
        let label = until_nul(head.get(ebpb + 7..ebpb + 18)?);
        let end = label.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
        let label = label.get(..end).unwrap_or_default();
        // "NO NAME" is how FAT spells "no label".
        let label = if label == b"NO NAME" { &[][..] } else { label };
        (le32(head, ebpb + 3)?, Vec::from(label))
    } else {
        (0, Vec::new())
    };
    Some(Volume {
        kind: Kind::Vfat,
        label,
        id: VolumeId::FatSerial(serial),
        size: bpb.total_sectors.saturating_mul(bpb.bytes_per_sector),
        block_size: u32::try_from(bpb.bytes_per_sector.saturating_mul(bpb.sectors_per_cluster)).ok()?,
        // No journal.
        needs_recovery: Some(false),
    })
}
