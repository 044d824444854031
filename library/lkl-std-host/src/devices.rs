//! Block devices on std: image files and raw block devices. The
//! copy-on-write overlay for read-only mounts that still need a journal
//! replay is lkl-abi's `CowDevice`, which the driver uses too.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use lkl_abi::block::in_range;
use lkl_abi::{BlockDevice, Errno};

/// Why a device could not be opened.
#[derive(Debug)]
pub enum DeviceError {
    /// The OS refused (missing file, permissions, ...).
    Io(std::io::Error),
    /// Another program (an lklfs, or this one) has it open.
    InUse,
    /// The host has it mounted (directly or through a loop device).
    MountedOnHost(String),
    /// Empty or not a whole number of sectors.
    BadSize(u64),
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceError::Io(e) => write!(f, "{e}"),
            DeviceError::InUse => write!(f, "image is in use by another program"),
            DeviceError::MountedOnHost(m) => write!(f, "image is mounted on the host ({m})"),
            DeviceError::BadSize(n) => write!(f, "size {n} is not a whole number of 512-byte sectors"),
        }
    }
}

impl std::error::Error for DeviceError {}

/// An image file or a raw block device.
pub struct FileDevice {
    file: File,
    size: u64,
    read_only: bool,
    path: PathBuf,
}

impl FileDevice {
    /// Opens `path`, exclusively: fails if another program holds the image
    /// (an advisory lock every lklfs takes) or if the host has it mounted.
    pub fn open(path: &Path, read_only: bool) -> Result<FileDevice, DeviceError> {
        let file = OpenOptions::new().read(true).write(!read_only).open(path).map_err(DeviceError::Io)?;
        // A Windows disk's file pointer knows no end: its driver tells.
        let disk_length = crate::windisk::device_length(&file);
        // Windows locks byte ranges of files only: a disk's handle refuses
        // (`\\.\PhysicalDriveN`); its sharing is the I/O manager's.
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(DeviceError::InUse),
            Err(std::fs::TryLockError::Error(_)) if disk_length.is_some() => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(DeviceError::Io(e)),
        }
        if let Some(m) = host_mount_of(path, &file) {
            return Err(DeviceError::MountedOnHost(m));
        }
        // A raw device's length is its size, not its metadata length.
        let size = match disk_length {
            Some(n) => n,
            None => (&file).seek(SeekFrom::End(0)).map_err(DeviceError::Io)?,
        };
        if size == 0 || size % 512 != 0 {
            return Err(DeviceError::BadSize(size));
        }
        Ok(FileDevice { file, size, read_only, path: path.to_path_buf() })
    }

    /// The path it was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn io_errno(e: std::io::Error) -> Errno {
    e.raw_os_error().map(Errno).unwrap_or(Errno::EIO)
}

impl BlockDevice for FileDevice {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
        in_range(self.size, offset, buf.len())?;
        read_exact_at(&self.file, buf, offset).map_err(io_errno)
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno> {
        if self.read_only {
            return Err(Errno::EROFS);
        }
        in_range(self.size, offset, buf.len())?;
        write_all_at(&self.file, buf, offset).map_err(io_errno)
    }

    fn flush(&self) -> Result<(), Errno> {
        if self.read_only {
            return Ok(());
        }
        self.file.sync_data().map_err(io_errno)
    }
}

#[cfg(unix)]
fn read_exact_at(f: &File, buf: &mut [u8], off: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, off)
}

#[cfg(unix)]
fn write_all_at(f: &File, buf: &[u8], off: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, buf, off)
}

#[cfg(windows)]
fn read_exact_at(f: &File, mut buf: &mut [u8], mut off: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = f.seek_read(buf, off)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        off += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn write_all_at(f: &File, mut buf: &[u8], mut off: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = f.seek_write(buf, off)?;
        buf = &buf[n..];
        off += n as u64;
    }
    Ok(())
}

/// Where the host has this image or device mounted, if it does.
#[cfg(target_os = "linux")]
fn host_mount_of(path: &Path, file: &File) -> Option<String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = file.metadata().ok()?;
    let mut devs = Vec::new();
    if meta.file_type().is_block_device() {
        let d = meta.rdev();
        let major = ((d >> 8) & 0xfff) | ((d >> 32) & !0xfff);
        let minor = (d & 0xff) | ((d >> 12) & !0xff);
        devs.push((major, minor));
    } else if let Ok(canon) = std::fs::canonicalize(path) {
        // Loop devices backed by this file.
        for entry in std::fs::read_dir("/sys/block").ok()?.flatten() {
            let backing = std::fs::read_to_string(entry.path().join("loop/backing_file")).unwrap_or_default();
            if backing.trim() == canon.to_string_lossy() {
                let dev = std::fs::read_to_string(entry.path().join("dev")).unwrap_or_default();
                if let Some((ma, mi)) = dev.trim().split_once(':') {
                    devs.push((ma.parse().unwrap_or(0), mi.parse().unwrap_or(0)));
                }
            }
        }
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    for line in mountinfo.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() < 5 {
            continue;
        }
        let Some((ma, mi)) = f[2].split_once(':') else { continue };
        let (ma, mi): (u64, u64) = (ma.parse().unwrap_or(u64::MAX), mi.parse().unwrap_or(u64::MAX));
        // A whole disk is also busy if one of its partitions is mounted.
        if devs.iter().any(|&(dma, dmi)| {
            dma == ma && (dmi == mi || (meta.file_type().is_block_device() && mi > dmi && mi < dmi + 16))
        }) {
            return Some(format!("{} on {}", f[2], f[4]));
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn host_mount_of(_path: &Path, _file: &File) -> Option<String> {
    None
}
