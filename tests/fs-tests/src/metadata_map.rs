//! Where btrfs and xfs keep their metadata in an image, and how to put a
//! valid checksum back on a structure after changing it — so that the
//! mutation suite's changes reach the parsers (btrfs' tree-checker, xfs'
//! verifiers) instead of stopping at the checksum check.
//!
//! The locations come from the file systems' own tools (`btrfs
//! inspect-internal dump-tree`, `xfs_db`) and from the on-disk headers;
//! [`Region::stored_checksum_ok`] lets a test prove on the unmutated image
//! that every offset and checksum rule here is right.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::crc32c::{crc32c, crc32c_skipping};
use crate::{R, run};

/// How a structure is checksummed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Csum {
    /// Not at all (xfs v4).
    None,
    /// btrfs with csum_type crc32c: CRC-32C of bytes 32.. stored
    /// little-endian in bytes 0..4 (of a 32-byte field).
    Btrfs,
    /// xfs v5: CRC-32C of the structure with its CRC field (at this
    /// offset) taken as zero, stored little-endian there.
    Xfs(usize),
}

/// One metadata structure (every copy of it).
#[derive(Clone, Debug)]
pub struct Region {
    /// What it is ("btrfs EXTENT_TREE leaf", "xfs agf 1", ...).
    pub what: String,
    /// Byte offsets of its copies on the device (btrfs DUP keeps two).
    pub copies: Vec<u64>,
    /// Length in bytes.
    pub len: usize,
    /// Its checksum rule.
    pub csum: Csum,
}

impl Region {
    /// Bytes that are the checksum itself (never worth mutating when the
    /// checksum is recomputed afterwards).
    pub fn csum_bytes(&self) -> std::ops::Range<usize> {
        match self.csum {
            Csum::None => 0..0,
            Csum::Btrfs => 0..32,
            Csum::Xfs(at) => at..at + 4,
        }
    }

    /// Puts the right checksum on `block` (one copy of this structure).
    pub fn fix_checksum(&self, block: &mut [u8]) {
        match self.csum {
            Csum::None => {}
            Csum::Btrfs => {
                let c = crc32c(&block[32..]);
                block[..32].fill(0);
                block[..4].copy_from_slice(&c.to_le_bytes());
            }
            Csum::Xfs(at) => {
                let c = crc32c_skipping(block, at);
                block[at..at + 4].copy_from_slice(&c.to_le_bytes());
            }
        }
    }

    /// Whether the checksum stored in `block` is the one
    /// [`Region::fix_checksum`] would write.
    pub fn stored_checksum_ok(&self, block: &[u8]) -> bool {
        let mut b = block.to_vec();
        self.fix_checksum(&mut b);
        b == block
    }
}

fn be16(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn be32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn be64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

fn le32(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

/// Reads `len` bytes at `off` of a file.
pub fn read_at(img: &Path, off: u64, len: usize) -> R<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(img).map_err(|e| format!("open {}: {e}", img.display()))?;
    let mut b = vec![0u8; len];
    f.read_exact_at(&mut b, off).map_err(|e| format!("read {} at {off}: {e}", img.display()))?;
    Ok(b)
}

/// Where the btrfs primary superblock lives, and its checksummed size.
pub const BTRFS_SUPER: (u64, usize) = (0x10000, 4096);

/// Every btrfs tree block of `img` (all trees `dump-tree` prints: root,
/// chunk, extent, device, fs, checksum, uuid, free space, data reloc),
/// each with all its physical copies, plus the primary superblock.
pub fn btrfs_regions(img: &Path) -> R<Vec<Region>> {
    let sb = read_at(img, BTRFS_SUPER.0, BTRFS_SUPER.1)?;
    if &sb[0x40..0x48] != b"_BHRfS_M" || u16::from_le_bytes([sb[0xc4], sb[0xc5]]) != 0 {
        return Err(format!("{}: not a btrfs with crc32c checksums", img.display()));
    }
    let nodesize = le32(&sb, 0x94) as usize;
    // logical start -> (length, physical stripe offsets), from the chunk tree.
    let chunks = run(Command::new("btrfs").args(["inspect-internal", "dump-tree", "-t", "chunk"]).arg(img))?;
    let mut map: BTreeMap<u64, (u64, Vec<u64>)> = BTreeMap::new();
    let mut cur: Option<u64> = None;
    for line in chunks.lines().map(str::trim) {
        if let Some(i) = line.find("CHUNK_ITEM ") {
            cur = line[i + 11..]
                .trim_end_matches(|c: char| !c.is_ascii_digit())
                .split(')')
                .next()
                .and_then(|v| v.trim().parse().ok());
        } else if let (Some(c), Some(rest)) = (cur, line.strip_prefix("length ")) {
            let len = rest.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
            map.entry(c).or_default().0 = len;
        } else if let (Some(c), true) = (cur, line.starts_with("stripe "))
            && let Some(off) = line.split("offset ").nth(1).and_then(|v| v.trim().parse().ok())
        {
            map.entry(c).or_default().1.push(off);
        }
    }
    let physical = |logical: u64| -> Option<Vec<u64>> {
        let (&start, (len, stripes)) = map.range(..=logical).next_back()?;
        (logical < start + len).then(|| stripes.iter().map(|s| s + (logical - start)).collect())
    };
    let dump = run(Command::new("btrfs").args(["inspect-internal", "dump-tree"]).arg(img))?;
    let mut out = vec![Region {
        what: "btrfs superblock".into(),
        copies: vec![BTRFS_SUPER.0],
        len: BTRFS_SUPER.1,
        csum: Csum::Btrfs,
    }];
    let mut seen = std::collections::BTreeSet::new();
    for line in dump.lines().map(str::trim) {
        let (kind, rest) = match line.split_once(' ') {
            Some((k @ ("leaf" | "node"), rest)) => (k, rest),
            _ => continue,
        };
        let Some(logical) = rest.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()) else { continue };
        if !seen.insert(logical) {
            continue;
        }
        let owner = line.split("owner ").nth(1).unwrap_or("?").split_whitespace().next().unwrap_or("?");
        let copies = physical(logical).ok_or_else(|| format!("tree block {logical} is in no chunk"))?;
        out.push(Region { what: format!("btrfs {owner} {kind}"), copies, len: nodesize, csum: Csum::Btrfs });
    }
    if out.len() < 8 {
        return Err(format!("dump-tree of {} found only {} tree blocks", img.display(), out.len() - 1));
    }
    Ok(out)
}

/// The parts of an xfs superblock the map needs.
#[derive(Clone, Copy, Debug)]
pub struct XfsGeometry {
    /// Block size.
    pub block: u64,
    /// Sector size (the AG headers are one sector each).
    pub sector: u64,
    /// Blocks per AG.
    pub ag_blocks: u64,
    /// Number of AGs.
    pub ag_count: u64,
    /// log2 of blocks per AG (rounded up), for inode numbers.
    pub ag_blk_log: u32,
    /// log2 of inodes per block.
    pub inop_blog: u32,
    /// Inode size.
    pub inode_size: u64,
    /// Root directory inode.
    pub root_ino: u64,
    /// Directory block size.
    pub dir_block: u64,
    /// Version 5 (CRCs on all metadata).
    pub v5: bool,
    /// Reverse-mapping btree.
    pub rmapbt: bool,
    /// Reference-count btree (reflink).
    pub reflink: bool,
    /// Free-inode btree.
    pub finobt: bool,
}

impl XfsGeometry {
    /// From the primary superblock.
    pub fn read(img: &Path) -> R<XfsGeometry> {
        let sb = read_at(img, 0, 512)?;
        if &sb[..4] != b"XFSB" {
            return Err(format!("{}: no XFS superblock", img.display()));
        }
        let v5 = be16(&sb, 100) & 0xf == 5;
        let ro_compat = if v5 { be32(&sb, 212) } else { 0 };
        let block = be32(&sb, 4);
        Ok(XfsGeometry {
            block,
            sector: be16(&sb, 102),
            ag_blocks: be32(&sb, 84),
            ag_count: be32(&sb, 88),
            ag_blk_log: u32::from(sb[124]),
            inop_blog: u32::from(sb[123]),
            inode_size: be16(&sb, 104),
            root_ino: be64(&sb, 56),
            dir_block: block << sb[192],
            v5,
            finobt: ro_compat & 1 != 0,
            rmapbt: ro_compat & 2 != 0,
            reflink: ro_compat & 4 != 0,
        })
    }

    /// Byte offset of AG block `agbno` of AG `ag`.
    pub fn ag_byte(&self, ag: u64, agbno: u64) -> u64 {
        (ag * self.ag_blocks + agbno) * self.block
    }

    /// Byte offset of inode `ino`.
    pub fn inode_byte(&self, ino: u64) -> u64 {
        let ag = ino >> (self.ag_blk_log + self.inop_blog);
        let agbno = (ino >> self.inop_blog) & ((1 << self.ag_blk_log) - 1);
        let slot = ino & ((1 << self.inop_blog) - 1);
        self.ag_byte(ag, agbno) + slot * self.inode_size
    }

    fn csum(&self, at: usize) -> Csum {
        if self.v5 { Csum::Xfs(at) } else { Csum::None }
    }
}

/// The xfs metadata of `img`: every AG's superblock, AGF, AGI and AGFL
/// sectors; the roots of every AG's free-space, inode, free-inode, rmap and
/// refcount btrees; the inodes `inodes` (plus the root directory's); the
/// directory blocks of `dirs` and the bmap btree blocks of `btree_files`
/// (inode numbers), as `xfs_db` maps them.
pub fn xfs_regions(img: &Path, inodes: &[u64], dirs: &[u64], btree_files: &[u64]) -> R<(XfsGeometry, Vec<Region>)> {
    let g = XfsGeometry::read(img)?;
    let s = g.sector as usize;
    let b = g.block as usize;
    let mut out = Vec::new();
    for ag in 0..g.ag_count {
        let base = g.ag_byte(ag, 0);
        // Sector 0..3 of every AG: sb, agf, agi, agfl (v5 CRC offsets from
        // xfs_format.h: sb_crc 224, agf_crc 216, agi_crc 312, agfl_crc 32).
        out.push(Region { what: format!("xfs sb {ag}"), copies: vec![base], len: s, csum: g.csum(224) });
        out.push(Region { what: format!("xfs agf {ag}"), copies: vec![base + g.sector], len: s, csum: g.csum(216) });
        out.push(Region {
            what: format!("xfs agi {ag}"),
            copies: vec![base + 2 * g.sector],
            len: s,
            csum: g.csum(312),
        });
        if g.v5 {
            out.push(Region {
                what: format!("xfs agfl {ag}"),
                copies: vec![base + 3 * g.sector],
                len: s,
                csum: g.csum(32),
            });
        }
        let agf = read_at(img, base + g.sector, s)?;
        let agi = read_at(img, base + 2 * g.sector, s)?;
        // Short-form btree blocks keep their CRC at 52 (v5).
        let mut roots = vec![("bnobt", be32(&agf, 16)), ("cntbt", be32(&agf, 20)), ("inobt", be32(&agi, 20))];
        if g.rmapbt {
            roots.push(("rmapbt", be32(&agf, 24)));
        }
        if g.reflink {
            roots.push(("refcountbt", be32(&agf, 88)));
        }
        if g.finobt {
            roots.push(("finobt", be32(&agi, 328)));
        }
        for (name, agbno) in roots {
            out.push(Region {
                what: format!("xfs {name} root {ag}"),
                copies: vec![g.ag_byte(ag, agbno)],
                len: b,
                csum: g.csum(52),
            });
        }
    }
    let mut all_inodes = vec![g.root_ino];
    all_inodes.extend_from_slice(inodes);
    for ino in all_inodes {
        // The dinode's CRC is at 100 (v3 inodes only).
        out.push(Region {
            what: format!("xfs inode {ino}"),
            copies: vec![g.inode_byte(ino)],
            len: g.inode_size as usize,
            csum: g.csum(100),
        });
    }
    for &ino in dirs {
        for (off, len) in xfs_db_extents(img, &g, ino)? {
            let mut at = off;
            while at < off + len {
                let head = read_at(img, at, 16)?;
                // Data and free blocks start with their magic and CRC; leaf
                // and node blocks start with the da_blkinfo (CRC at 12).
                let crc = if matches!(&head[..4], b"XDB3" | b"XDD3" | b"XDF3") { 4 } else { 12 };
                out.push(Region {
                    what: format!("xfs dir block of inode {ino}"),
                    copies: vec![at],
                    len: g.dir_block as usize,
                    csum: g.csum(crc),
                });
                at += g.dir_block;
            }
        }
    }
    for &ino in btree_files {
        for fsb in xfs_db_bmbt_ptrs(img, &g, ino)? {
            // Long-form btree blocks keep their CRC at 64.
            out.push(Region {
                what: format!("xfs bmbt block of inode {ino}"),
                copies: vec![fsb],
                len: b,
                csum: g.csum(64),
            });
        }
    }
    Ok((g, out))
}

/// (byte offset, length) of the data-fork extents of `ino`, from
/// `xfs_db ... bmap` lines like `data offset 0 startblock 24 (0/24) count 1 flag 0`.
fn xfs_db_extents(img: &Path, g: &XfsGeometry, ino: u64) -> R<Vec<(u64, u64)>> {
    let out =
        run(Command::new("xfs_db").arg("-r").arg("-c").arg(format!("inode {ino}")).args(["-c", "bmap"]).arg(img))?;
    let mut v = Vec::new();
    for line in out.lines() {
        let ag_bno = line.split('(').nth(1).and_then(|r| r.split(')').next()).and_then(|r| r.split_once('/'));
        let count =
            line.split("count ").nth(1).and_then(|r| r.split_whitespace().next()).and_then(|c| c.parse::<u64>().ok());
        if let (Some((ag, bno)), Some(count)) = (ag_bno, count)
            && let (Ok(ag), Ok(bno)) = (ag.trim().parse::<u64>(), bno.trim().parse::<u64>())
        {
            v.push((g.ag_byte(ag, bno), count * g.block));
        }
    }
    if v.is_empty() {
        return Err(format!("xfs_db found no extents for inode {ino}:\n{out}"));
    }
    Ok(v)
}

/// Byte offsets of the bmap btree blocks under the inode root of `ino`
/// (its `ptrs` as absolute filesystem block numbers: AG in the high bits).
fn xfs_db_bmbt_ptrs(img: &Path, g: &XfsGeometry, ino: u64) -> R<Vec<u64>> {
    let fork = if g.v5 { "u3" } else { "u" };
    let out = run(Command::new("xfs_db")
        .arg("-r")
        .arg("-c")
        .arg(format!("inode {ino}"))
        .arg("-c")
        .arg(format!("print {fork}.bmbt.ptrs"))
        .arg(img))?;
    let mut v = Vec::new();
    // "u3.bmbt.ptrs[1] = 10" or "...ptrs[1-2] = 1:12 2:34" (index:value).
    let values = out.split_once('=').map_or("", |(_, v)| v);
    for tok in values.split_whitespace() {
        let fsb = tok.rsplit(':').next().unwrap_or(tok);
        if let Ok(fsb) = fsb.parse::<u64>() {
            let ag = fsb >> g.ag_blk_log;
            let bno = fsb & ((1 << g.ag_blk_log) - 1);
            v.push(g.ag_byte(ag, bno));
        }
    }
    if v.is_empty() {
        return Err(format!("xfs_db found no bmbt block for inode {ino}:\n{out}"));
    }
    Ok(v)
}
