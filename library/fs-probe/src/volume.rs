//! What the recognizer reports, and the two forms Windows wants of it: the
//! VPB's label and its 32-bit serial number.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use widestring::U16String;

/// The file systems the recognizer knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// ext2: no journal, no feature beyond ext2's.
    Ext2,
    /// ext3: ext2 with a journal.
    Ext3,
    /// ext4: any feature ext3 does not know (extents, 64bit, checksums...).
    Ext4,
    /// btrfs.
    Btrfs,
    /// xfs (v4 or v5).
    Xfs,
    /// FAT12/16/32, mounted with Linux's vfat.
    Vfat,
}

impl Kind {
    /// The name blkid and mount use ("ext4", "vfat", ...).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Ext2 => "ext2",
            Kind::Ext3 => "ext3",
            Kind::Ext4 => "ext4",
            Kind::Btrfs => "btrfs",
            Kind::Xfs => "xfs",
            Kind::Vfat => "vfat",
        }
    }

    /// The Linux file-system type to mount it with: the ext4 driver serves
    /// ext2 and ext3 too, and it is the only ext driver the library builds.
    pub const fn linux_driver(self) -> &'static str {
        match self {
            Kind::Ext2 | Kind::Ext3 | Kind::Ext4 => "ext4",
            Kind::Btrfs => "btrfs",
            Kind::Xfs => "xfs",
            Kind::Vfat => "vfat",
        }
    }

    /// Whether the driver mounts it unasked. FAT is not: Windows' own
    /// fastfat serves it, and this driver takes a FAT volume only when the
    /// user asks for Linux's vfat.
    pub const fn mounted_by_default(self) -> bool {
        !matches!(self, Kind::Vfat)
    }
}

/// How the volume names itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VolumeId {
    /// The 16-byte UUID (ext `s_uuid`, btrfs `fsid`, xfs `sb_uuid`) in
    /// on-disk order, which is the order it is printed in.
    Uuid([u8; 16]),
    /// FAT's 32-bit volume ID from the extended BPB (0 when there is none).
    FatSerial(u32),
}

/// As blkid prints it: `6c6b6c66-7465-4000-8000-000000000001`, or
/// `1234-ABCD` for FAT.
impl fmt::Display for VolumeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VolumeId::Uuid(u) => {
                for (i, b) in u.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            VolumeId::FatSerial(s) => write!(f, "{:04X}-{:04X}", s >> 16, s & 0xffff),
        }
    }
}

/// Units of the VPB's `VolumeLabel` (MAXIMUM_VOLUME_LABEL_LENGTH is 32
/// WCHARs).
pub const VPB_LABEL_UNITS: usize = 32;

/// A recognized volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Volume {
    /// The file system.
    pub kind: Kind,
    /// The label as stored, without its padding (NULs; FAT's trailing
    /// spaces); empty when there is none (FAT's "NO NAME" included). ext,
    /// btrfs and xfs store UTF-8 by convention; FAT stores an OEM code page.
    pub label: Vec<u8>,
    /// UUID or FAT volume ID.
    pub id: VolumeId,
    /// Size of the file system in bytes (not of the device).
    pub size: u64,
    /// Bytes per block (ext, btrfs sector, xfs) or per cluster (FAT).
    pub block_size: u32,
    /// Whether a journal or log waits to be replayed (a Linux that
    /// hibernated or crashed): ext's needs_recovery flag, a btrfs log
    /// tree; `None` where the superblock cannot tell (xfs keeps it in its
    /// log only).
    pub needs_recovery: Option<bool>,
}

impl Volume {
    /// The 32-bit serial number Windows shows (`vol`, `dir`) as `XXXX-XXXX`.
    ///
    /// Chosen so that Windows shows what Linux shows: for FAT the volume ID
    /// itself (blkid prints it as the same `XXXX-XXXX`); for a UUID its
    /// first four bytes read big-endian, so the serial is the first eight
    /// hex digits of the UUID blkid and lsblk print.
    pub fn serial(&self) -> u32 {
        match self.id {
            VolumeId::Uuid([a, b, c, d, ..]) => u32::from_be_bytes([a, b, c, d]),
            VolumeId::FatSerial(s) => s,
        }
    }

    /// The whole label as text, bytes that are not UTF-8 replaced by
    /// U+FFFD (a FAT label in a non-ASCII OEM code page shows them too).
    pub fn label_text(&self) -> String {
        String::from_utf8_lossy(&self.label).into_owned()
    }

    /// The label for the VPB: at most [`VPB_LABEL_UNITS`] UTF-16 units, cut
    /// there (btrfs allows 255 bytes; the whole label is shown through the
    /// volume information query instead). A character whose surrogate pair
    /// would straddle the limit is left out whole rather than split.
    pub fn vpb_label(&self) -> U16String {
        vpb_label(&self.label_text())
    }
}

/// `label` cut for the VPB as [`Volume::vpb_label`] cuts it (also for a
/// label set after the mount).
pub fn vpb_label(label: &str) -> U16String {
    let mut units = Vec::with_capacity(VPB_LABEL_UNITS);
    for c in label.chars() {
        let mut pair = [0u16; 2];
        let encoded = c.encode_utf16(&mut pair);
        if units.len() + encoded.len() > VPB_LABEL_UNITS {
            break;
        }
        units.extend_from_slice(encoded);
    }
    U16String::from_vec(units)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn labelled(label: &str) -> Volume {
        Volume {
            kind: Kind::Btrfs,
            label: label.into(),
            id: VolumeId::FatSerial(0),
            size: 0,
            block_size: 4096,
            needs_recovery: Some(false),
        }
    }

    #[test]
    fn vpb_label_cuts_at_32_units() {
        let long = "0123456789abcdefghijklmnopqrstuvwxyz";
        assert_eq!(labelled(long).vpb_label().to_string_lossy(), long[..32]);
        assert_eq!(labelled("short").vpb_label().to_string_lossy(), "short");
        assert!(labelled("").vpb_label().is_empty());
    }

    #[test]
    fn vpb_label_never_splits_a_surrogate_pair() {
        // 31 units, then a character that needs two.
        let label = alloc::format!("{}\u{1F600}tail", "x".repeat(31));
        let vpb = labelled(&label).vpb_label();
        assert_eq!(vpb.len(), 31);
        let fits = alloc::format!("{}\u{1F600}tail", "x".repeat(30));
        assert_eq!(labelled(&fits).vpb_label().len(), 32);
    }

    #[test]
    fn serial_is_what_linux_prints_first() {
        let mut u = [0u8; 16];
        u[..4].copy_from_slice(&[0x6c, 0x6b, 0x6c, 0x66]);
        let v = Volume { id: VolumeId::Uuid(u), ..labelled("") };
        assert_eq!(v.serial(), 0x6c6b_6c66);
        assert!(v.id.to_string().starts_with("6c6b6c66-"));
        let fat = Volume { id: VolumeId::FatSerial(0x1234_abcd), ..labelled("") };
        assert_eq!((fat.serial(), fat.id.to_string()), (0x1234_abcd, "1234-ABCD".into()));
    }

    #[test]
    fn names_and_drivers() {
        assert_eq!((Kind::Ext3.name(), Kind::Ext3.linux_driver()), ("ext3", "ext4"));
        assert!(!Kind::Vfat.mounted_by_default() && Kind::Xfs.mounted_by_default());
    }
}
