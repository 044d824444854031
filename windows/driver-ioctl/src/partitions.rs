//! The partitions of a partitioned image (`lklfs mount --part N`): an MBR's
//! four primary entries, or, behind a protective MBR, a GPT's entries. The
//! driver reads the table from the image's first sectors and makes a disk
//! of the chosen partition's byte range. Pure logic over the bytes, so a
//! damaged table is tested here: every field is checked against the image
//! before a range is trusted.

use alloc::vec::Vec;

/// 512-byte sectors (the tables' LBA unit for images).
const SECTOR: u64 = 512;
/// Bytes the driver reads from the image's start for [`find`]: the MBR, the
/// GPT header and 128 entries of 128 bytes.
pub const TABLE_BYTES: usize = 34 * SECTOR as usize;

/// Why a partition cannot be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoPartition {
    /// No MBR signature, or a GPT whose header or entries are damaged.
    NoTable,
    /// The table has no partition of that number.
    NoSuchNumber,
    /// The partition lies (partly) past the image's end, or is empty.
    OutOfRange,
}

/// A partition's byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// Offset from the image's start.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes)
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map(u64::from_le_bytes)
}

/// CRC-32 (IEEE, reflected), as the GPT's checksums use. Own code: a
/// dozen lines on a table-less loop, no crate needed in the driver.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The numbered partitions (1-based, in table order) of the image whose
/// first bytes are `head` (at least [`TABLE_BYTES`] when the image has
/// them) and whose size is `image_size`.
pub fn list(head: &[u8], image_size: u64) -> Result<Vec<(u32, Range)>, NoPartition> {
    if head.get(510..512) != Some(&[0x55, 0xAA][..]) {
        return Err(NoPartition::NoTable);
    }
    let mbr: Vec<(u8, u64, u64)> = (0..4)
        .filter_map(|i| {
            let e = 446 + 16 * i;
            Some((*head.get(e + 4)?, u64::from(u32_at(head, e + 8)?), u64::from(u32_at(head, e + 12)?)))
        })
        .collect();
    if mbr.iter().any(|&(t, ..)| t == 0xEE) {
        return gpt(head, image_size);
    }
    Ok(mbr
        .iter()
        .zip(1u32..)
        .filter(|((t, _, count), _)| *t != 0 && *count != 0)
        .map(|(&(_, start, count), n)| (n, Range { offset: start * SECTOR, length: count * SECTOR }))
        .collect())
}

/// The GPT behind a protective MBR: its header (LBA 1) and entries, with
/// their checksums.
fn gpt(head: &[u8], image_size: u64) -> Result<Vec<(u32, Range)>, NoPartition> {
    let no = NoPartition::NoTable;
    let h = head.get(512..1024).ok_or(no)?;
    if h.get(..8) != Some(&b"EFI PART"[..]) {
        return Err(no);
    }
    let header_size = u32_at(h, 12).ok_or(no)? as usize;
    let mut hdr = h.get(..header_size).filter(|_| (92..=512).contains(&header_size)).ok_or(no)?.to_vec();
    let want = u32_at(&hdr, 16).ok_or(no)?;
    hdr.get_mut(16..20).ok_or(no)?.fill(0);
    if crc32(&hdr) != want {
        return Err(no);
    }
    let (entries_lba, count, size) = (u64_at(h, 72).ok_or(no)?, u32_at(h, 80).ok_or(no)?, u32_at(h, 84).ok_or(no)?);
    let (count, size) = (count as usize, size as usize);
    let start = usize::try_from(entries_lba.checked_mul(SECTOR).ok_or(no)?).map_err(|_| no)?;
    if size < 128 || size % 8 != 0 {
        return Err(no);
    }
    let table = head.get(start..start + count.checked_mul(size).ok_or(no)?).ok_or(no)?;
    if crc32(table) != u32_at(h, 88).ok_or(no)? {
        return Err(no);
    }
    let sectors = image_size / SECTOR;
    let mut out = Vec::new();
    for (e, n) in table.chunks_exact(size).zip(1u32..) {
        // An all-zero type GUID is an unused entry.
        if e.get(..16).is_some_and(|g| g.iter().all(|&b| b == 0)) {
            continue;
        }
        let (first, last) = (u64_at(e, 32).ok_or(no)?, u64_at(e, 40).ok_or(no)?);
        if last < first || last >= sectors {
            out.push((n, Range { offset: 0, length: 0 }));
            continue;
        }
        out.push((n, Range { offset: first * SECTOR, length: (last - first + 1) * SECTOR }));
    }
    Ok(out)
}

/// Partition `number` (1-based) of the image: its range, checked against
/// the image's size.
pub fn find(head: &[u8], image_size: u64, number: u32) -> Result<Range, NoPartition> {
    let (_, r) = list(head, image_size)?.into_iter().find(|(n, _)| *n == number).ok_or(NoPartition::NoSuchNumber)?;
    match r.offset.checked_add(r.length) {
        Some(end) if r.length > 0 && end <= image_size => Ok(r),
        _ => Err(NoPartition::OutOfRange),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn mbr(entries: &[(u8, u32, u32)]) -> Vec<u8> {
        let mut b = alloc::vec![0u8; TABLE_BYTES];
        for (i, &(t, start, count)) in entries.iter().enumerate() {
            let e = 446 + 16 * i;
            b[e + 4] = t;
            b[e + 8..e + 12].copy_from_slice(&start.to_le_bytes());
            b[e + 12..e + 16].copy_from_slice(&count.to_le_bytes());
        }
        b[510] = 0x55;
        b[511] = 0xAA;
        b
    }

    /// A protective MBR and a GPT of 128 entries at LBA 2 with `parts`
    /// (first, last LBA).
    fn gpt_image(parts: &[(u64, u64)]) -> Vec<u8> {
        let mut b = mbr(&[(0xEE, 1, 0xFFFF_FFFF)]);
        let linux: [u8; 16] =
            [0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4];
        for (i, &(first, last)) in parts.iter().enumerate() {
            let e = 1024 + 128 * i;
            b[e..e + 16].copy_from_slice(&linux);
            b[e + 32..e + 40].copy_from_slice(&first.to_le_bytes());
            b[e + 40..e + 48].copy_from_slice(&last.to_le_bytes());
        }
        let table_crc = crc32(&b[1024..1024 + 128 * 128]);
        let h = 512;
        b[h..h + 8].copy_from_slice(b"EFI PART");
        b[h + 8..h + 12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        b[h + 12..h + 16].copy_from_slice(&92u32.to_le_bytes());
        b[h + 72..h + 80].copy_from_slice(&2u64.to_le_bytes());
        b[h + 80..h + 84].copy_from_slice(&128u32.to_le_bytes());
        b[h + 84..h + 88].copy_from_slice(&128u32.to_le_bytes());
        b[h + 88..h + 92].copy_from_slice(&table_crc.to_le_bytes());
        let crc = crc32(&b[h..h + 92]);
        b[h + 16..h + 20].copy_from_slice(&crc.to_le_bytes());
        b
    }

    #[test]
    fn crc32_is_the_ieee_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn mbr_partitions() {
        let b = mbr(&[(0x83, 2048, 4096), (0, 0, 0), (0x07, 8192, 2048)]);
        let size = 8 * MIB;
        assert_eq!(find(&b, size, 1), Ok(Range { offset: MIB, length: 2 * MIB }));
        assert_eq!(find(&b, size, 3), Ok(Range { offset: 4 * MIB, length: MIB }));
        assert_eq!(find(&b, size, 2), Err(NoPartition::NoSuchNumber));
        assert_eq!(find(&b, 4 * MIB, 3), Err(NoPartition::OutOfRange));
        let mut unsigned = b.clone();
        unsigned[511] = 0;
        assert_eq!(find(&unsigned, size, 1), Err(NoPartition::NoTable));
    }

    #[test]
    fn gpt_partitions_and_damage() {
        let b = gpt_image(&[(2048, 34815), (34816, 67583)]);
        let size = 40 * MIB;
        assert_eq!(find(&b, size, 1), Ok(Range { offset: MIB, length: 16 * MIB }));
        assert_eq!(find(&b, size, 2), Ok(Range { offset: 17 * MIB, length: 16 * MIB }));
        assert_eq!(find(&b, size, 3), Err(NoPartition::NoSuchNumber));
        // Past the image's end.
        assert_eq!(find(&b, 20 * MIB, 2), Err(NoPartition::OutOfRange));
        // A damaged header, then damaged entries: no table.
        let mut bad = b.clone();
        bad[512 + 80] = 127;
        assert_eq!(find(&bad, size, 1), Err(NoPartition::NoTable));
        let mut bad = b.clone();
        bad[1024 + 40] ^= 1;
        assert_eq!(find(&bad, size, 1), Err(NoPartition::NoTable));
        // Cut short of its entries.
        assert_eq!(find(&b[..2048], size, 1), Err(NoPartition::NoTable));
    }
}
