//! Disks as `lklfs` reads them on Windows: an image file or a raw disk
//! (`\\.\PhysicalDriveN`) opened for reading, its size (a disk's from
//! IOCTL_DISK_GET_LENGTH_INFO: its file size is 0), whole-sector reads,
//! and `lklfs list --all`: every disk's partitions (MBR or GPT) with the
//! file system each holds, read from its superblock.
//!
//! Windows gives drive letters only to partitions it has a file system
//! for: a Linux partition of a USB disk or a second disk gets none (on GPT
//! it is not even a volume). `lklfs mount DISK --part N` serves such a
//! partition's byte range as a disk of the driver instead.

use std::fs::File;
use std::path::{Path, PathBuf};

use driver_ioctl::partitions;

use crate::error::{Error, Kind, Result};

/// An open image or disk and its size in bytes (whole sectors).
pub struct Disk {
    file: File,
    pub size: u64,
}

/// Whether `path` names a device (`\\.\X` or `\\?\GLOBALROOT\...`), not a
/// file.
pub fn is_device(path: &Path) -> bool {
    let s = path.to_string_lossy();
    s.starts_with(r"\\.\") || s.to_ascii_lowercase().starts_with(r"\\?\globalroot\")
}

/// A device's NT path: `\\.\X` is `\??\X`, `\\?\GLOBALROOT\Device\X` is
/// `\Device\X`.
pub fn device_nt_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    match s.strip_prefix(r"\\.\") {
        Some(rest) => format!(r"\??\{rest}"),
        None => s.get(r"\\?\GLOBALROOT".len()..).unwrap_or_default().to_string(),
    }
}

/// IOCTL_DISK_GET_DRIVE_GEOMETRY's BytesPerSector.
fn sector_size(f: &File) -> Option<u32> {
    const IOCTL_DISK_GET_DRIVE_GEOMETRY: u32 = 0x0007_0000;
    let mut g = [0u8; 24];
    match crate::windriver::ioctl(f, IOCTL_DISK_GET_DRIVE_GEOMETRY, &[], &mut g) {
        Ok(24) => g.get(20..24).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes),
        _ => None,
    }
}

impl Disk {
    /// Opens `path` for reading. A disk whose sectors are not 512 bytes (a
    /// 4Kn disk) is refused: partition tables, the driver's disks and
    /// their transfers count 512-byte sectors.
    pub fn open(path: &Path) -> Result<Disk> {
        let file = File::open(path).map_err(|e| Error::io(path.display(), &e))?;
        let size = match lkl_std_host::windisk::device_length(&file) {
            Some(n) => {
                if let Some(s) = sector_size(&file).filter(|&s| s != 512) {
                    return Err(Error::new(
                        Kind::Other,
                        format!(
                            "{}: its sectors are {s} bytes; lklfs serves disks of 512-byte sectors only",
                            path.display()
                        ),
                    ));
                }
                n
            }
            None => file.metadata().map_err(|e| Error::io(path.display(), &e))?.len(),
        };
        Ok(Disk { file, size: size & !511 })
    }

    /// Up to `len` bytes at `at` (fewer at the end). Devices read whole
    /// sectors only: every caller's offsets and lengths are multiples of
    /// 512.
    pub fn read_at(&mut self, at: u64, len: usize, shown: &str) -> Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut b = vec![0u8; len.min(self.size.saturating_sub(at) as usize)];
        self.file
            .seek(SeekFrom::Start(at))
            .and_then(|_| self.file.read_exact(&mut b))
            .map_err(|e| Error::io(shown, &e))?;
        Ok(b)
    }
}

/// The Win32 path of an image or disk the driver knows by its NT path.
fn win32_path(nt: &str) -> String {
    if let Some(unc) = nt.strip_prefix(r"\??\UNC\") {
        return format!(r"\\{unc}");
    }
    match nt.strip_prefix(r"\??\") {
        // A drive path (`C:\dir\image`), else a device (`PhysicalDrive1`).
        Some(dos) if dos.as_bytes().get(1) == Some(&b':') => dos.to_string(),
        Some(device) => format!(r"\\.\{device}"),
        None => format!(r"\\?\GLOBALROOT{nt}"),
    }
}

/// The file system on the image or disk at NT path `nt`, in its
/// partition `partition` (0: the whole), read from its superblock the way
/// blkid names it; `?` when it cannot be read.
pub fn fs_type_at(nt: &str, partition: u16) -> &'static str {
    let path = PathBuf::from(win32_path(nt));
    let shown = path.display().to_string();
    let read = || -> Result<&'static str> {
        let mut disk = Disk::open(&path)?;
        let at = match partition {
            0 => 0,
            n => {
                let head = disk.read_at(0, partitions::TABLE_BYTES, &shown)?;
                partitions::find(&head, disk.size, u32::from(n))
                    .map_err(|_| Error::new(Kind::Other, "no partition"))?
                    .offset
            }
        };
        let head = disk.read_at(at, crate::superblock::HEAD_LEN, &shown)?;
        Ok(crate::superblock::identify(&head).map_or("?", |i| i.fstype))
    };
    read().unwrap_or("?")
}

/// One line of `list --all` for a file system at `at` on `disk`.
fn describe(disk: &mut Disk, at: u64, shown: &str) -> String {
    match disk.read_at(at, crate::superblock::HEAD_LEN, shown).ok().and_then(|h| crate::superblock::identify(&h)) {
        Some(info) => {
            let label = info.label.map(|l| format!(" \"{l}\"")).unwrap_or_default();
            format!("{}{label}, {}", info.fstype, info.state)
        }
        None => "no file system lklfs knows".to_string(),
    }
}

/// `lklfs list --all [DISK...]`: each disk (by default every
/// `\\.\PhysicalDriveN` this user may read) with its partitions and what
/// they hold.
pub fn list_all(disks: &[PathBuf]) -> Result<()> {
    let defaults: Vec<PathBuf>;
    let disks = if disks.is_empty() {
        defaults = lkl_std_host::windisk::physical_drives();
        &defaults[..]
    } else {
        disks
    };
    let mut shown_any = false;
    let mut denied = false;
    for path in disks {
        let shown = path.display().to_string();
        let mut disk = match Disk::open(path) {
            Ok(d) => d,
            // A drive number with no disk behind it, or one this user may
            // not read: the next.
            Err(e) if is_device(path) => {
                denied |= e.to_string().contains("denied");
                continue;
            }
            Err(e) => return Err(e),
        };
        shown_any = true;
        let head = disk.read_at(0, partitions::TABLE_BYTES, &shown)?;
        match partitions::list(&head, disk.size) {
            Ok(parts) if !parts.is_empty() => {
                println!("{shown}: {} MiB, {} partitions", disk.size >> 20, parts.len());
                for (n, r) in parts {
                    let what = describe(&mut disk, r.offset, &shown);
                    let (at, len) = (r.offset >> 20, r.length >> 20);
                    println!("  partition {n}: at {at} MiB, {len} MiB, {what}");
                }
            }
            _ => {
                let what = describe(&mut disk, 0, &shown);
                println!("{shown}: {} MiB, no partition table, {what}", disk.size >> 20);
            }
        }
    }
    if !shown_any {
        println!("no disks{}", if denied { " this user may read: run this from an elevated prompt" } else { "" });
    }
    Ok(())
}
