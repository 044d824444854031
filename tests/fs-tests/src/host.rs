//! The oracles on the host: the file systems' own checkers, the host
//! kernel through loop mounts, mtools for FAT, dumpe2fs/debugfs for where
//! metadata lives.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{R, es, run, run_any};

/// `e2fsck -fn IMAGE` must exit 0 (nothing to fix; read-only check).
pub fn e2fsck_clean(img: &Path) -> R {
    let out = run_any(Command::new("e2fsck").arg("-fn").arg(img))?;
    if out.status.code() != Some(0) {
        return Err(format!(
            "e2fsck -fn {} = {}:\n{}{}",
            img.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// `fsck.vfat -n IMAGE` must exit 0 and report nothing but its summary.
pub fn fsck_vfat_clean(img: &Path) -> R {
    let out = run_any(Command::new("fsck.vfat").arg("-n").arg(img))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // Clean output is the version banner and "IMG: N files, A/B clusters".
    let odd: Vec<&str> = text.lines().filter(|l| !l.starts_with("fsck.fat ") && !l.contains(" files, ")).collect();
    if out.status.code() != Some(0) || !odd.is_empty() {
        return Err(format!("fsck.vfat -n {} = {}:\n{text}", img.display(), out.status));
    }
    Ok(())
}

/// `btrfs check --readonly IMAGE` must exit 0 (no errors found).
pub fn btrfs_check_clean(img: &Path) -> R {
    checker_clean(Command::new("btrfs").args(["check", "--readonly"]).arg(img))
}

/// `xfs_repair -n IMAGE` must exit 0 (no-modify mode; 1 means it found
/// corruption).
pub fn xfs_repair_clean(img: &Path) -> R {
    checker_clean(Command::new("xfs_repair").arg("-n").arg(img))
}

fn checker_clean(cmd: &mut Command) -> R {
    let out = run_any(cmd)?;
    if out.status.code() != Some(0) {
        return Err(format!(
            "{cmd:?} = {}:\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Replays the journal of an ext3/4 image with e2fsprogs only (nothing
/// else is checked or fixed), as a recovery step before `e2fsck -fn`.
pub fn e2fsck_replay_journal(img: &Path) -> R {
    let out = run_any(Command::new("e2fsck").args(["-E", "journal_only", "-y"]).arg(img))?;
    // 0: nothing to do, 1: journal replayed.
    match out.status.code() {
        Some(0) | Some(1) => Ok(()),
        _ => Err(format!(
            "e2fsck -E journal_only -y {} = {}:\n{}{}",
            img.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
    }
}

/// An image loop-mounted by the host kernel; unmounted on drop.
pub struct HostMount {
    dir: PathBuf,
    mounted: bool,
}

impl HostMount {
    /// Mounts `img` on `dir` (created). `read_only` uses a read-only loop
    /// device, so the host cannot write the image either.
    pub fn new(img: &Path, dir: &Path, read_only: bool) -> R<HostMount> {
        HostMount::with_options(img, dir, read_only, "")
    }

    /// As [`HostMount::new`], with extra mount options (`compress=zstd`).
    pub fn with_options(img: &Path, dir: &Path, read_only: bool, options: &str) -> R<HostMount> {
        std::fs::create_dir_all(dir).map_err(es("create mount point"))?;
        let mut opts = String::from(if read_only { "loop,ro" } else { "loop" });
        if !options.is_empty() {
            opts.push(',');
            opts.push_str(options);
        }
        run(Command::new("mount").arg("-o").arg(&opts).arg(img).arg(dir))?;
        Ok(HostMount { dir: dir.to_path_buf(), mounted: true })
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Unmounts (the loop device is released with it).
    pub fn unmount(mut self) -> R {
        self.mounted = false;
        run(Command::new("umount").arg(&self.dir)).map(|_| ())
    }
}

impl Drop for HostMount {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg(&self.dir).status();
        }
    }
}

/// An mtools command on `img` with the environment the suites rely on:
/// times in UTC (what Linux's vfat uses with no `tz=`/time offset set) and
/// no geometry check (images are plain files).
pub fn mtools(tool: &str, img: &Path) -> Command {
    let mut c = Command::new(tool);
    c.env("TZ", "UTC").env("MTOOLS_SKIP_CHECK", "1").arg("-i").arg(img);
    c
}

/// Copies the whole FAT image out to `out` with mtools (`mcopy -s -m`
/// keeps modification times), for the FAT manifest.
pub fn mtools_extract(img: &Path, out: &Path) -> R {
    std::fs::create_dir_all(out).map_err(es("create mtools out dir"))?;
    let listing = run(mtools("mdir", img).args(["-b", "::/"]))?;
    if listing.trim().is_empty() {
        return Ok(());
    }
    run(mtools("mcopy", img).args(["-s", "-m", "-n", "-Q", "::/*"]).arg(out)).map(|_| ())
}

/// Where the metadata of an ext image lives, in bytes, from `dumpe2fs`
/// (superblock, descriptors, bitmaps, inode tables) and `debugfs`
/// (extent tree and directory blocks).
#[derive(Clone, Debug, Default)]
pub struct ExtLayout {
    /// Block size.
    pub block_size: u64,
    /// Byte ranges by class.
    pub regions: Vec<(Class, u64, u64)>,
}

/// What kind of metadata a region holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// The primary superblock (1 KiB at byte 1024).
    Superblock,
    /// Group descriptors.
    GroupDesc,
    /// Block bitmaps.
    BlockBitmap,
    /// Inode bitmaps.
    InodeBitmap,
    /// The used part of the inode tables.
    InodeTable,
    /// Extent tree index/leaf blocks.
    ExtentBlock,
    /// Directory blocks (linear and htree).
    DirBlock,
}

fn parse_range(s: &str) -> Option<(u64, u64)> {
    let s = s.trim().trim_end_matches(',');
    let s = s.split_whitespace().next()?;
    match s.split_once('-') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => {
            let v = s.parse().ok()?;
            Some((v, v))
        }
    }
}

impl ExtLayout {
    /// Reads the layout of `img`; `files` and `dirs` name paths inside
    /// whose extent-tree and directory blocks count as metadata.
    pub fn read(img: &Path, files: &[&str], dirs: &[&str]) -> R<ExtLayout> {
        let text = run(Command::new("dumpe2fs").arg(img))?;
        let mut l = ExtLayout::default();
        let mut inodes_per_group = 0u64;
        let mut inode_size = 0u64;
        for line in text.lines() {
            let line = line.trim();
            if let Some(v) = line.strip_prefix("Block size:") {
                l.block_size = v.trim().parse().map_err(es("block size"))?;
            } else if let Some(v) = line.strip_prefix("Inodes per group:") {
                inodes_per_group = v.trim().parse().map_err(es("inodes per group"))?;
            } else if let Some(v) = line.strip_prefix("Inode size:") {
                inode_size = v.trim().parse().map_err(es("inode size"))?;
            }
        }
        if l.block_size == 0 || inode_size == 0 {
            return Err(format!("dumpe2fs {}: no block or inode size", img.display()));
        }
        let bs = l.block_size;
        l.regions.push((Class::Superblock, 1024, 2048));
        let mut group = 0u64;
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("Group ") {
                group = rest.split(':').next().and_then(|g| g.trim().parse().ok()).unwrap_or(group);
            }
            let mut push = |class, key: &str| {
                if let Some((a, b)) = line.find(key).and_then(|i| parse_range(&line[i + key.len()..])) {
                    l.regions.push((class, a * bs, (b + 1) * bs));
                }
            };
            if line.starts_with("Primary superblock at") || line.starts_with("Backup superblock at") {
                push(Class::GroupDesc, "Group descriptors at ");
            }
            push(Class::BlockBitmap, "Block bitmap at ");
            push(Class::InodeBitmap, "Inode bitmap at ");
            // Only the first group's used inodes matter: the rest of the
            // tables is zeroes the kernel never parses.
            if let Some((a, _)) =
                line.find("Inode table at ").and_then(|i| parse_range(&line[i + 15..])).filter(|_| group == 0)
            {
                let len = (inodes_per_group.min(64) * inode_size).div_ceil(bs) * bs;
                l.regions.push((Class::InodeTable, a * bs, a * bs + len));
            }
        }
        // Extent tree blocks (ETB) and directory blocks from debugfs.
        for (paths, class) in [(files, Class::ExtentBlock), (dirs, Class::DirBlock)] {
            for p in paths {
                let out = run(Command::new("debugfs").arg("-R").arg(format!("stat {p}")).arg(img))?;
                let mut found = false;
                for tok in out.split([',', ' ', '\n']) {
                    let tok = tok.trim();
                    let blocks = if class == Class::ExtentBlock {
                        tok.strip_prefix("(ETB").and_then(|t| t.split_once("):")).map(|(_, b)| b)
                    } else {
                        // "(0):1234" or "(0-3):1234-1237" for a directory's data.
                        tok.strip_prefix('(')
                            .filter(|t| !t.starts_with("ETB"))
                            .and_then(|t| t.split_once("):"))
                            .map(|(_, b)| b)
                    };
                    if let Some((a, b)) = blocks.and_then(parse_range) {
                        l.regions.push((class, a * bs, (b + 1) * bs));
                        found = true;
                    }
                }
                if !found {
                    return Err(format!("debugfs found no {class:?} for {p} in {}:\n{out}", img.display()));
                }
            }
        }
        Ok(l)
    }

    /// The regions of one class.
    pub fn of(&self, class: Class) -> Vec<(u64, u64)> {
        self.regions.iter().filter(|r| r.0 == class).map(|r| (r.1, r.2)).collect()
    }
}
