//! Bad input for the checksummed file systems: 200 deterministic mutations
//! each of small btrfs and xfs images (100 per image kind), served through a copy-on-write block
//! device (the image file is never written).
//!
//! btrfs and xfs v5 checksum their metadata, so a blind change mostly tests
//! the checksum check. Here most changes get their checksum recomputed
//! (btrfs: CRC-32C of the block after its 32-byte csum field; xfs v5:
//! CRC-32C with the CRC field at its per-structure offset), so they reach
//! btrfs' tree-checker and xfs' verifiers and the code behind them; one in
//! five is left blind to test the rejection. xfs v4 (`-m crc=0`) has no
//! checksums at all; half of the btrfs mutations use a `--mixed` image
//! with single (not DUP) metadata, so a bad block has no good mirror, the
//! other half a default image whose DUP copies are changed alike.
//!
//! Each image must fail to mount with an errno or mount and survive a full
//! read walk and a few writes with errnos: no crash, no hang (per-case
//! timeout), no Linux BUG or panic, and the kernel still answering. The
//! summary counts what the kernel said about each change (checksum
//! rejection, verifier/tree-checker rejection, nothing), and lists every
//! WARNING.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fs_tests::host::{self, HostMount};
use fs_tests::metadata_map::{Csum, Region, btrfs_regions, read_at, xfs_regions};
use fs_tests::mutation::mutate;
use fs_tests::rng::Rng;
use fs_tests::tree::Lib;
use fs_tests::walk::{Outcome, mount_walk_unmount};
use fs_tests::{R, Scratch, boot, es, mkfs};
use lkl::{BlockDevice, Kernel, MountOptions, sys};
use lkl_std_host::{Console, CowDevice, FileDevice, StdHost};
use lkl_test_runner::{Case, check, ensure};

/// An image kind under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// mkfs.btrfs --mixed on 32 MiB: 4 KiB nodes, single metadata.
    BtrfsMixed,
    /// mkfs.btrfs defaults on 128 MiB: 16 KiB nodes, DUP metadata.
    BtrfsDefault,
    /// mkfs.xfs defaults (v5, CRCs).
    XfsV5,
    /// mkfs.xfs -m crc=0 (v4: no checksums).
    XfsV4,
}

impl Kind {
    fn fstype(self) -> &'static str {
        match self {
            Kind::BtrfsMixed | Kind::BtrfsDefault => "btrfs",
            Kind::XfsV5 | Kind::XfsV4 => "xfs",
        }
    }

    fn mkfs(self) -> (u64, &'static [&'static str]) {
        match self {
            Kind::BtrfsMixed => (32, &["mkfs.btrfs", "-q", "-f", "--mixed"]),
            Kind::BtrfsDefault => (128, &["mkfs.btrfs", "-q", "-f"]),
            // mkfs.xfs refuses less than 300 MB; the file is sparse and the
            // copy-on-write device keeps only the changed sectors.
            Kind::XfsV5 => (320, &["mkfs.xfs", "-q", "-f"]),
            Kind::XfsV4 => (320, &["mkfs.xfs", "-q", "-f", "-m", "crc=0"]),
        }
    }
}

/// Mutations per image kind (one process each).
const MUTATIONS: u64 = 100;

/// Kernel memory: btrfs and xfs want more than ext4.
const MEM_MB: u64 = 256;

/// Console lines that mean a structure failed its checksum.
const CSUM_SAYS: &[&str] = &["checksum verify failed", "checksum mismatch", "CRC error", "csum failed"];
/// Console lines of btrfs' tree-checker and xfs' verifiers and sanity
/// checks (a structure was parsed and refused).
const PARSER_SAYS: &[&str] = &[
    "corrupt leaf",
    "corrupt node",
    "corrupt superblock",
    "bad tree block",
    "tree block",
    "Metadata corruption detected",
    "Corruption detected",
    "Corruption of in-memory data",
    "SB validate failed",
    "validate failed",
    "verify failed",
    "bad magic",
    "invalid",
    "Invalid",
    "unsupported",
    "mismatch",
    "bad ",
    "Unmount and run xfs_repair",
];
/// Signs of a dead or damaged kernel.
const FATAL_SAYS: &[&str] = &["kernel BUG", "BUG:", "Oops", "Kernel panic", "general protection", "stack-protector"];

/// The tree the base image holds (written through the library), the same
/// names the shared walk's writes expect (`big/n-0007`, `sub/a`).
fn populate(l: &Lib) -> R {
    let mut rng = Rng::new(77);
    for d in ["sub", "sub/deeper", "sub/deeper/deepest", "big"] {
        l.mkdir(d, 0o755)?;
    }
    for i in 0..300u64 {
        l.write_random(&format!("big/n-{i:04}"), i % 50, rng.next_u64(), false)?;
    }
    for (i, size) in [0u64, 100, 5000, 70_000, 300_000].iter().enumerate() {
        l.write_random(&format!("sub/f{i}"), *size, rng.next_u64(), false)?;
    }
    l.write_random("sub/a", 1, rng.next_u64(), false)?;
    l.write_random("sub/deeper/deepest/leaf", 3000, rng.next_u64(), false)?;
    // Every other 4 KiB block, each written and synced alone: 40 extents,
    // more than an xfs inode holds, so the file needs a bmap btree block.
    for i in 0..40u64 {
        l.pwrite("sparse", &rng.bytes(4096), i * 8192)?;
    }
    l.symlink("sub/f1", "link")?;
    l.symlink(&"t/".repeat(50), "longlink")?;
    l.setxattr("sub/f2", "user.x", &rng.bytes(300))?;
    l.setxattr("sub/f3", "user.big", &rng.bytes(3000))?;
    Ok(())
}

/// The same tree through the host kernel, so the images the mutations
/// start from come from a second implementation.
fn populate_on_host(r: &Path) -> R {
    use std::os::unix::fs::FileExt;
    let mut rng = Rng::new(77);
    std::fs::create_dir_all(r.join("sub/deeper/deepest")).map_err(es("mkdir"))?;
    std::fs::create_dir(r.join("big")).map_err(es("mkdir"))?;
    for i in 0..300u64 {
        std::fs::write(r.join(format!("big/n-{i:04}")), rng.bytes((i % 50) as usize)).map_err(es("write"))?;
    }
    for (i, size) in [0usize, 100, 5000, 70_000, 300_000].iter().enumerate() {
        std::fs::write(r.join(format!("sub/f{i}")), rng.bytes(*size)).map_err(es("write"))?;
    }
    std::fs::write(r.join("sub/a"), b"a").map_err(es("write"))?;
    std::fs::write(r.join("sub/deeper/deepest/leaf"), rng.bytes(3000)).map_err(es("write"))?;
    let f = std::fs::File::create(r.join("sparse")).map_err(es("create"))?;
    for i in 0..40u64 {
        f.write_all_at(&rng.bytes(4096), i * 8192).map_err(es("pwrite"))?;
        f.sync_data().map_err(es("fdatasync"))?;
    }
    drop(f);
    std::os::unix::fs::symlink("sub/f1", r.join("link")).map_err(es("symlink"))?;
    std::os::unix::fs::symlink("t/".repeat(50), r.join("longlink")).map_err(es("symlink"))?;
    rustix::fs::lsetxattr(r.join("sub/f2"), "user.x", &rng.bytes(300), rustix::fs::XattrFlags::empty())
        .map_err(es("setxattr"))?;
    rustix::fs::lsetxattr(r.join("sub/f3"), "user.big", &rng.bytes(3000), rustix::fs::XattrFlags::empty())
        .map_err(es("setxattr"))?;
    Ok(())
}

fn ino(l: &Lib, rel: &str) -> R<u64> {
    l.k.fstatat(sys::AT_FDCWD, &l.p(rel), sys::AT_SYMLINK_NOFOLLOW)
        .map(|st| st.st_ino)
        .map_err(|e| format!("lstat({rel}) = {e}"))
}

/// Makes and populates the base image (xfs in `k`, btrfs through the host
/// kernel), checks it with the file system's own checker, and maps its
/// metadata; every stored checksum of the map must verify (which proves
/// the map's offsets and rules).
fn base_image(k: &Kernel, kind: Kind, img: &Path, s: &Scratch) -> R<Vec<Region>> {
    let (mb, args) = kind.mkfs();
    mkfs(img, mb, args)?;
    if kind.fstype() == "btrfs" {
        let mnt = HostMount::new(img, &s.path("mnt"), false)?;
        populate_on_host(mnt.path())?;
        mnt.unmount()?;
        host::btrfs_check_clean(img)?;
        return verified(kind, btrfs_regions(img)?, img);
    }
    let dev = FileDevice::open(img, false).map_err(es("open image"))?;
    let disk = check!(k.add_disk(Arc::new(dev)), "add_disk");
    let m = k.mount_disk(&disk, &MountOptions::default()).map_err(|e| format!("mount base: {e}"))?;
    let l = Lib { k, root: m.path.to_str().map_err(es("path"))?.to_string() };
    populate(&l)?;
    let inodes = ["big", "sub", "sub/f2", "sub/f3", "sparse", "longlink", "sub/deeper/deepest/leaf"]
        .iter()
        .map(|p| ino(&l, p))
        .collect::<R<Vec<u64>>>()?;
    check!(k.unmount(&m), "umount2(base)");
    check!(k.remove_disk(disk), "remove_disk(base)");
    host::xfs_repair_clean(img)?;
    verified(kind, xfs_regions(img, &inodes, &inodes[..1], &inodes[4..5])?.1, img)
}

fn verified(kind: Kind, regions: Vec<Region>, img: &Path) -> R<Vec<Region>> {
    let mut checked = 0;
    for r in &regions {
        for &c in &r.copies {
            let block = read_at(img, c, r.len)?;
            if r.csum != Csum::None {
                ensure!(
                    r.stored_checksum_ok(&block),
                    "{} at {c:#x}: stored checksum does not verify (map is wrong)",
                    r.what
                );
                checked += 1;
            }
        }
    }
    println!("base {kind:?}: {} metadata structures mapped, {checked} stored checksums verified", regions.len());
    Ok(regions)
}

/// Picks the byte to change in a btrfs tree block: half in the header and
/// item headers (or key pointers), half in the leaf's item data.
fn btrfs_offset(block: &[u8], rng: &mut Rng) -> usize {
    const HEADER: usize = 101;
    let items = u32::from_le_bytes([block[96], block[97], block[98], block[99]]) as usize;
    let leaf = block[100] == 0;
    let per = if leaf { 25 } else { 33 };
    let head_end = (HEADER + items * per).clamp(HEADER, block.len());
    if !leaf || items == 0 || rng.below(2) == 0 {
        return 32 + rng.below((head_end - 32) as u64) as usize;
    }
    // Item data offsets are relative to the end of the header.
    let min_off = (0..items.min((block.len() - HEADER) / 25))
        .map(|i| {
            let at = HEADER + i * 25 + 17;
            u32::from_le_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]) as usize
        })
        .min()
        .unwrap_or(0);
    let data = (HEADER + min_off).clamp(head_end, block.len() - 1);
    data + rng.below((block.len() - data) as u64) as usize
}

/// Writes `data` at `off` through the overlay, widened to whole sectors
/// (an xfs v4 inode is 256 bytes).
fn overlay_write(dev: &CowDevice, off: u64, data: &[u8]) -> R {
    let start = off & !511;
    let end = (off + data.len() as u64).div_ceil(512) * 512;
    let mut buf = vec![0u8; (end - start) as usize];
    dev.read_at(&mut buf, start).map_err(|e| format!("overlay read at {start}: {e}"))?;
    let at = (off - start) as usize;
    buf[at..at + data.len()].copy_from_slice(data);
    dev.write_at(&buf, start).map_err(|e| format!("overlay write at {start}: {e}"))
}

/// What the console said while one image was tried.
fn evidence(text: &str) -> &'static str {
    if CSUM_SAYS.iter().any(|s| text.contains(s)) {
        "checksum rejected"
    } else if PARSER_SAYS.iter().any(|s| text.contains(s)) {
        "parser/verifier complained"
    } else {
        "no complaint"
    }
}

/// Mounts the device, walks and scribbles, unmounts, removes the disk; the
/// outcome and the console text it produced. A Linux BUG, oops or panic,
/// or a kernel that stopped answering, is an error naming the console.
fn try_device(k: &Kernel, host: &StdHost, kind: Kind, dev: Arc<dyn BlockDevice>) -> R<(Outcome, String)> {
    let before = host.console_text().len();
    let disk = check!(k.add_disk(dev), "add_disk");
    let opts = MountOptions { fstype: Some(kind.fstype().into()), ..MountOptions::default() };
    let outcome = mount_walk_unmount(k, &disk, &opts)?;
    let removed = k.remove_disk(disk);
    let text = host.console_text();
    ensure!(text.len() < (1 << 20) - 4096, "console capture is full; make the batches smaller");
    let said = text[before..].to_string();
    if let Some(bad) = FATAL_SAYS.iter().find(|s| said.contains(*s)) {
        return Err(format!("kernel console shows {bad:?}; getpid() = {:?}; console:\n{said}", k.getpid()));
    }
    k.getpid()
        .map_err(|e| format!("getpid() = {e}: the kernel is dead; console:\n{said}\ntail:\n{}", lkl::console_tail()))?;
    check!(removed, "remove_disk");
    Ok((outcome, said))
}

fn first_line_with<'a>(text: &'a str, needles: &[&str]) -> Option<&'a str> {
    text.lines().find(|l| needles.iter().any(|n| l.contains(n))).map(str::trim)
}

fn mutations(kind: Kind) -> R {
    let s = Scratch::new(&format!("cowmut-{kind:?}"))?;
    let img = s.path("base.img");
    // FS_TESTS_MUTATION=N runs mutation N alone with the console on stderr.
    let only: Option<u64> = std::env::var("FS_TESTS_MUTATION").ok().and_then(|v| v.parse().ok());
    let (k, host) = boot(if only.is_some() { Console::Stderr } else { Console::Capture }, MEM_MB)?;
    let regions = base_image(&k, kind, &img, &s)?;
    let base: Arc<dyn BlockDevice> = Arc::new(FileDevice::open(&img, true).map_err(es("open base read-only"))?);
    // The unmutated image must mount and walk clean, or the test means nothing.
    match try_device(&k, host, kind, Arc::new(CowDevice::new(base.clone())))? {
        (Outcome::Mounted(w), said) if w.errors.is_empty() && w.entries > 300 => {
            ensure!(evidence(&said) == "no complaint", "the base image made the kernel complain:\n{said}");
        }
        (o, said) => return Err(format!("the base image: {}\n{said}", o.describe())),
    }
    let supers: Vec<usize> = (0..regions.len())
        .filter(|&i| regions[i].what.contains("superblock") || regions[i].what.starts_with("xfs sb "))
        .collect();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut reached = 0;
    for i in 0..MUTATIONS {
        let mut rng = Rng::new(((kind as u64) << 32) ^ i ^ 0xc0_ffee);
        // One in six changes a superblock (the first thing mount parses).
        let r = if rng.below(6) == 0 {
            &regions[supers[rng.below(supers.len() as u64) as usize]]
        } else {
            &regions[rng.below(regions.len() as u64) as usize]
        };
        let blind = r.csum == Csum::None || rng.below(5) == 0;
        let mut block = read_at(&img, r.copies[0], r.len)?;
        let skip = r.csum_bytes();
        let at = if r.what.starts_with("btrfs") && !r.what.contains("superblock") {
            btrfs_offset(&block, &mut rng)
        } else if r.what.contains("btrfs superblock") {
            // The fields, the system chunk array and the root backups.
            32 + rng.below(0xc00 - 32) as usize
        } else {
            let mut at = rng.below(r.len as u64) as usize;
            if skip.contains(&at) {
                at = skip.end;
            }
            at
        };
        let what = mutate(&mut block, at, &mut rng);
        let checksum = if blind && r.csum != Csum::None {
            "checksum left stale"
        } else if r.csum == Csum::None {
            "no checksum"
        } else {
            r.fix_checksum(&mut block);
            "checksum recomputed"
        };
        if only.is_some_and(|n| n != i) {
            continue;
        }
        let label =
            format!("#{i} {} at {:#x}+{at:#x} ({what}, {checksum}, {} copies)", r.what, r.copies[0], r.copies.len());
        println!("{label} ...");
        let dev = CowDevice::new(base.clone());
        for &c in &r.copies {
            overlay_write(&dev, c, &block)?;
        }
        let (o, said) = try_device(&k, host, kind, Arc::new(dev)).map_err(|e| format!("{label}: {e}"))?;
        let ev = evidence(&said);
        println!(
            "    {}; console: {ev}{}",
            o.describe(),
            first_line_with(&said, PARSER_SAYS.iter().chain(CSUM_SAYS).copied().collect::<Vec<_>>().as_slice())
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        );
        if let Some(w) = first_line_with(&said, &["WARNING"]) {
            warnings.push(format!("#{i}: {w}"));
        }
        if checksum != "checksum left stale" {
            reached += 1;
        }
        let key = match &o {
            Outcome::MountFailed(e) => format!("{checksum}: mount failed {}, {ev}", e.name().unwrap_or("?")),
            Outcome::Mounted(w) if w.errors.is_empty() => format!("{checksum}: mounted, clean walk, {ev}"),
            Outcome::Mounted(_) => format!("{checksum}: mounted, walk met errnos, {ev}"),
        };
        *tally.entry(key).or_default() += 1;
    }
    println!(
        "summary {kind:?}: {reached} of {MUTATIONS} mutations carried a valid (or no) checksum, so reached the parsers"
    );
    for (k, v) in &tally {
        println!("  {v:3}  {k}");
    }
    println!("WARNINGs: {}", if warnings.is_empty() { "none".to_string() } else { warnings.join("\n  ") });
    check!(k.halt(), "halt");
    Ok(())
}

fn btrfs_mixed() -> R {
    mutations(Kind::BtrfsMixed)
}
fn btrfs_default() -> R {
    mutations(Kind::BtrfsDefault)
}
fn xfs_v5() -> R {
    mutations(Kind::XfsV5)
}
fn xfs_v4() -> R {
    mutations(Kind::XfsV4)
}

fn main() {
    let t = |name, run| Case { name, timeout: Duration::from_secs(150), run };
    lkl_test_runner::main(
        "btrfs_xfs_mutations",
        &[t("btrfs_mixed", btrfs_mixed), t("btrfs_default", btrfs_default), t("xfs_v5", xfs_v5), t("xfs_v4", xfs_v4)],
    )
}
