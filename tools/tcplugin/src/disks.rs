//! The machine's own disks in the plugin's root: each disk this user may
//! read that holds a Linux file system (ext2/3/4, btrfs, xfs), in one of
//! its partitions or whole, is a read-only volume named after the disk
//! (`PhysicalDrive1`, its partitions the usual `partition N` folders).
//! Windows gives such partitions no drive letter (on GPT they are not even
//! volumes), so this is how a file manager reaches them.
//!
//! Which disks: on Windows `\\.\PhysicalDrive0` to `31`, which Windows
//! lets only an elevated file manager open; elsewhere none. The ini's
//! `Disks=` (a `;`-separated list) names others instead (`/dev/sdb` on
//! Linux, an image file to try the feature). A `[volume NAME]` entry for
//! the same disk takes its place, and with `ReadOnly=0` makes it writable.

use std::path::{Path, PathBuf};

use driver_ioctl::partitions;
use lkl::BlockDevice;
use lkl_std_host::FileDevice;

use crate::config::VolumeEntry;

/// The folder name of a disk: its path's last component
/// (`\\.\PhysicalDrive1` is `PhysicalDrive1`, `/dev/sdb` is `sdb`).
pub fn name_of(disk: &Path) -> String {
    let full = disk.to_string_lossy();
    full.rsplit(['/', '\\']).find(|c| !c.is_empty()).unwrap_or("disk").to_string()
}

/// Whether a file system the plugin shows as a disk's volume starts here.
fn linux_fs_at(dev: &FileDevice, offset: u64) -> bool {
    let len = (fs_probe::HEAD_LEN as u64).min(dev.size().saturating_sub(offset)) as usize & !511;
    let mut head = vec![0u8; len];
    dev.read_at(&mut head, offset).is_ok() && fs_probe::identify(&head).is_some_and(|v| v.kind != fs_probe::Kind::Vfat)
}

/// Whether `disk` can be read and holds a Linux file system, whole or in
/// a partition (MBR or GPT).
pub fn holds_linux(disk: &Path) -> bool {
    let Ok(dev) = FileDevice::open(disk, true) else { return false };
    if linux_fs_at(&dev, 0) {
        return true;
    }
    let mut head = vec![0u8; partitions::TABLE_BYTES.min(dev.size() as usize)];
    if dev.read_at(&mut head, 0).is_err() {
        return false;
    }
    partitions::list(&head, dev.size())
        .is_ok_and(|parts| parts.iter().any(|(_, r)| r.length > 0 && linux_fs_at(&dev, r.offset)))
}

/// The volumes of `disks` that hold a Linux file system, read-only, named
/// after each disk; `skip(name)` leaves out those the caller has already
/// (configured, or mounted now and so locked against a second open).
pub fn discover(disks: &[PathBuf], skip: &dyn Fn(&str, &Path) -> bool) -> Vec<VolumeEntry> {
    disks
        .iter()
        .filter(|d| !skip(&name_of(d), d) && holds_linux(d))
        .map(|d| VolumeEntry { name: name_of(d), image: d.clone(), read_only: true })
        .collect()
}
