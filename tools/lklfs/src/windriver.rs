//! `lklfs mount`, `unmount` and `list` on Windows: image files as disks of
//! the lklfs driver (lklfs.sys), asked for through its control device
//! (Administrators only). The driver opens the image with the caller's own
//! rights, makes a removable disk of it, and tells the Mount Manager, which
//! gives it a drive letter; Windows then mounts the file system on it when
//! the letter is first used. These commands run no Linux in this process.
//!
//! IOCTLs go through `lkl_std_host::windisk`; the one unsafe call here is
//! QueryDosDeviceW (windows-sys), which std lacks, for the letter Windows
//! gave a disk.

#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::path::Path;

use driver_ioctl as proto;
use proto::fsops::FsType;
use proto::images::{AttachRequest, Attached, Listed};

use crate::error::{Error, Kind, Result};

// Win32 errors DeviceIoControl and CreateFile report.
const ERROR_FILE_NOT_FOUND: i32 = 2;
const ERROR_PATH_NOT_FOUND: i32 = 3;
const ERROR_ACCESS_DENIED: i32 = 5;
const ERROR_BAD_COMMAND: i32 = 22;
const ERROR_SHARING_VIOLATION: i32 = 32;
const ERROR_INVALID_PARAMETER: i32 = 87;
const ERROR_ALREADY_EXISTS: i32 = 183;
const ERROR_NO_SUCH_DEVICE: i32 = 433;
const ERROR_UNRECOGNIZED_VOLUME: i32 = 1005;
const ERROR_NOT_FOUND: i32 = 1168;
const ERROR_FILE_CORRUPT: i32 = 1392;
const ERROR_DISK_CORRUPT: i32 = 1393;

/// The driver's control device, or why it cannot be had.
fn control() -> Result<File> {
    OpenOptions::new().read(true).write(true).open(proto::USER_PATH).map_err(|e| match e.raw_os_error() {
        Some(ERROR_ACCESS_DENIED) => {
            Error::new(Kind::NoDriver, "the lklfs driver serves Administrators only: run this from an elevated prompt")
        }
        _ => Error::new(
            Kind::NoDriver,
            format!("the lklfs driver is not running ({e}); install it, or `sc start lklfs`"),
        ),
    })
}

/// One IOCTL: the bytes returned, or the Win32 error.
pub(crate) use lkl_std_host::windisk::device_io_control as ioctl;

/// The image's NT path (`\??\C:\dir\image`), from a path relative or not;
/// a disk's (`\\.\PhysicalDrive1` is `\??\PhysicalDrive1`).
fn nt_path(image: &Path) -> Result<Vec<u8>> {
    if crate::windisks::is_device(image) {
        let nt = crate::windisks::device_nt_path(image);
        return Ok(nt.encode_utf16().flat_map(|u| u.to_le_bytes()).collect());
    }
    let full = std::fs::canonicalize(image).map_err(|e| Error::io(image.display(), &e))?;
    let s = full.to_string_lossy();
    let dos = s.strip_prefix(r"\\?\").unwrap_or(&s);
    let nt = match dos.strip_prefix(r"UNC\") {
        Some(share) => format!(r"\??\UNC\{share}"),
        None => format!(r"\??\{dos}"),
    };
    Ok(nt.encode_utf16().flat_map(|u| u.to_le_bytes()).collect())
}

/// A drive letter as the user wrote it: `L`, `L:` or `L:\`.
fn letter(s: &str) -> Result<u8> {
    let t = s.trim_end_matches('\\').trim_end_matches(':');
    match t.as_bytes() {
        [l] if l.is_ascii_alphabetic() => Ok(l.to_ascii_uppercase()),
        _ => Err(Error::new(Kind::Usage, format!("{s}: not a drive letter (like L:)"))),
    }
}

/// What drive `letter` names (`QueryDosDeviceW`: `\Device\LklfsImage0`
/// for a disk of ours), if anything.
fn dos_device(letter: u8) -> Option<String> {
    let name: Vec<u16> = format!("{}:", char::from(letter)).encode_utf16().chain(Some(0)).collect();
    let mut target = vec![0u16; 1024];
    // SAFETY: `name` is NUL-terminated; `target` holds the length given.
    let n = unsafe {
        windows_sys::Win32::Storage::FileSystem::QueryDosDeviceW(
            name.as_ptr(),
            target.as_mut_ptr(),
            target.len() as u32,
        )
    };
    let first = target.get(..n as usize)?.split(|&u| u == 0).next()?;
    (!first.is_empty()).then(|| String::from_utf16_lossy(first))
}

/// The letter Windows gave image disk `number`, whether or not it was the
/// one asked for (the Mount Manager links the letter to the disk's device):
/// the disk list only knows the one asked for.
fn letter_of(number: u32) -> Option<u8> {
    let device = proto::fsops::image_disk_name(number);
    (b'A'..=b'Z').find(|&l| dos_device(l).is_some_and(|t| t.eq_ignore_ascii_case(&device)))
}

/// The image disk drive `letter` is: by the letter it was asked for, else
/// by what the letter names.
fn disk_at(listed: &[Listed], letter: u8) -> Option<u32> {
    if let Some(d) = listed.iter().find(|d| d.letter == letter) {
        return Some(d.number);
    }
    let target = dos_device(letter)?;
    let n = target.strip_prefix(proto::fsops::IMAGE_DISK_PREFIX)?.parse().ok()?;
    listed.iter().any(|d| d.number == n).then_some(n)
}

fn fs_type(t: Option<&str>) -> Result<FsType> {
    Ok(match t {
        None => FsType::Detect,
        Some("ext2" | "ext3" | "ext4") => FsType::Ext4,
        Some("vfat") => FsType::Vfat,
        Some("btrfs") => FsType::Btrfs,
        Some("xfs") => FsType::Xfs,
        Some(other) => {
            return Err(Error::new(Kind::Usage, format!("--type {other}: not ext2/3/4, vfat, btrfs or xfs")));
        }
    })
}

/// `lklfs mount IMAGE [L:]`.
pub fn mount(image: &Path, at: Option<&str>, ro: bool, fstype: Option<&str>, part: Option<u32>) -> Result<()> {
    let path = nt_path(image)?;
    let letter = at.map(letter).transpose()?;
    let fs_type = fs_type(fstype)?;
    precheck(image, part, fstype, ro)?;
    let req = AttachRequest { read_only: ro, fs_type, letter, partition: part, path: &path }.encode();
    let dev = control()?;
    let mut out = [0u8; proto::images::ATTACH_OUT_SIZE];
    let shown = image.display();
    let a = match ioctl(&dev, proto::IOCTL_IMAGE_ATTACH, &req, &mut out) {
        Ok(_) => Attached::decode(&out).ok_or_else(|| Error::new(Kind::Other, "the driver's reply is short"))?,
        Err(ERROR_ALREADY_EXISTS) => {
            let l = letter.map_or('?', char::from);
            return Err(Error::new(Kind::InUse, format!("{l}: is in use; nothing was mounted")));
        }
        Err(ERROR_SHARING_VIOLATION) => {
            return Err(Error::new(Kind::InUse, format!("{shown}: another program has the image open for writing")));
        }
        Err(ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND) => {
            return Err(Error::new(Kind::NotFound, format!("{shown}: no such file")));
        }
        Err(ERROR_ACCESS_DENIED) => {
            return Err(Error::new(Kind::ReadOnly, format!("{shown}: you may not open the image (try --ro)")));
        }
        Err(ERROR_UNRECOGNIZED_VOLUME) => {
            return Err(Error::new(Kind::NotAFileSystem, format!("{shown}: empty image")));
        }
        Err(ERROR_NOT_FOUND) => {
            let n = part.unwrap_or(0);
            return Err(Error::new(
                Kind::NotAFileSystem,
                format!("{shown}: no partition {n} (no MBR or GPT holds one)"),
            ));
        }
        Err(e) => return Err(Error::new(Kind::Other, format!("{shown}: the driver refused it (error {e})"))),
    };
    let name = proto::fsops::image_disk_name(a.number);
    match (a.letter, letter) {
        (l @ b'A'..=b'Z', want) if want.is_none_or(|w| w == l) => {
            verify_mount(&dev, l, a.number, &shown.to_string())?;
            println!(
                "{}: {shown} ({} MiB{}) on {name}",
                char::from(l),
                a.size >> 20,
                if ro { ", read-only" } else { "" }
            );
            Ok(())
        }
        (got, want) => {
            // No letter (or not the one asked for): the disk stays, for
            // `lklfs unmount` (or a letter given in Disk Management).
            println!("{name}: {shown} ({} MiB{})", a.size >> 20, if ro { ", read-only" } else { "" });
            let got = if got == 0 { "none".to_string() } else { format!("{}:", char::from(got)) };
            Err(Error::new(
                Kind::Other,
                format!(
                    "the Mount Manager gave {got}, not {} (arrival {:#010x}, letter {:#010x}); `lklfs unmount {}` removes the disk",
                    want.map_or("a letter".into(), |w| format!("{}:", char::from(w))),
                    a.arrival,
                    a.letter_status,
                    a.number
                ),
            ))
        }
    }
}

/// What the image (or its partition `part`) holds, checked before the
/// driver makes a disk of it, so that a misuse changes nothing: no file
/// system the driver knows (exit 4), another type than `--type` names
/// (exit 4), or a journal that needs recovery (a Linux that hibernated or
/// crashed) on a read-write mount (exit 7: `--ro` replays it in memory).
fn precheck(image: &Path, part: Option<u32>, fstype: Option<&str>, ro: bool) -> Result<()> {
    let shown = image.display();
    let mut disk = crate::windisks::Disk::open(image)?;
    let size = disk.size;
    let text = shown.to_string();
    let mut read_at = |at: u64, len: usize| disk.read_at(at, len, &text);
    let offset = match part {
        None => 0,
        Some(n) => {
            let table = read_at(0, proto::partitions::TABLE_BYTES)?;
            proto::partitions::find(&table, size, n)
                .map_err(|_| {
                    Error::new(Kind::NotAFileSystem, format!("{shown}: no partition {n} (no MBR or GPT holds one)"))
                })?
                .offset
        }
    };
    let head = read_at(offset, crate::superblock::HEAD_LEN)?;
    let Some(info) = crate::superblock::identify(&head) else {
        return Err(Error::new(
            Kind::NotAFileSystem,
            format!("{shown}: holds no ext2/3/4, btrfs, xfs or FAT file system; nothing was mounted"),
        ));
    };
    if let Some(t) = fstype
        && t != info.fstype
        && t != info.driver
    {
        return Err(Error::new(Kind::NotAFileSystem, format!("{shown}: holds {}, not {t}", info.fstype)));
    }
    if !ro && info.state.contains("journal needs recovery") {
        return Err(Error::new(
            Kind::ReadOnly,
            format!(
                "{shown}: its journal needs recovery (a Linux that hibernated or crashed); mount it with --ro, which replays the journal in memory only"
            ),
        ));
    }
    Ok(())
}

/// Opens drive `letter` once, so that Windows mounts the file system on the
/// new disk now: a file system Linux will not mount (a damaged one) is
/// reported here, and its disk removed, rather than at the first use of
/// the drive. Nothing was written to the image: the mount failed.
fn verify_mount(dev: &File, letter: u8, number: u32, shown: &str) -> Result<()> {
    let drive = format!(r"\\.\{}:", char::from(letter));
    let why = match OpenOptions::new().read(true).open(&drive) {
        Ok(_) => return Ok(()),
        Err(e) => match e.raw_os_error() {
            Some(ERROR_FILE_CORRUPT | ERROR_DISK_CORRUPT | ERROR_UNRECOGNIZED_VOLUME) => e,
            // Anything else is for the first real use to report.
            _ => return Ok(()),
        },
    };
    let _ = ioctl(dev, proto::IOCTL_IMAGE_DETACH, &proto::images::detach(number), &mut []);
    Err(Error::new(
        Kind::Corrupt,
        format!(
            "{shown}: the file system does not mount ({why}); check it with its fsck on Linux; nothing was mounted"
        ),
    ))
}

/// The image disks the driver serves.
fn listed(dev: &File) -> Result<Vec<Listed>> {
    let mut out = vec![0u8; proto::images::LIST_OUT_SIZE];
    ioctl(dev, proto::IOCTL_IMAGE_LIST, &proto::linux::header(), &mut out)
        .map_err(|e| Error::new(Kind::Other, format!("the driver's list failed (error {e})")))?;
    Ok(Listed::decode_all(&out))
}

/// `lklfs unmount L:` or `lklfs unmount N`.
pub fn unmount(what: &str) -> Result<()> {
    let dev = control()?;
    let disks = listed(&dev)?;
    let number = match what.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            let l = letter(what)?;
            disk_at(&disks, l)
                .ok_or_else(|| Error::new(Kind::NotFound, format!("{}: is no lklfs image disk", char::from(l))))?
        }
    };
    // A volume mounted on the disk is taken off it the way Explorer's Eject
    // does: locked (no file open), dismounted (written back), closed.
    let asked = disks.iter().find(|d| d.number == number && d.letter != 0).map(|d| d.letter);
    if let Some(l) = letter_of(number).or(asked) {
        dismount(l, what)?;
    }
    match ioctl(&dev, proto::IOCTL_IMAGE_DETACH, &proto::images::detach(number), &mut []) {
        Ok(_) => {
            println!("{}: removed", proto::fsops::image_disk_name(number));
            Ok(())
        }
        Err(ERROR_BAD_COMMAND) => {
            let by = listed(&dev)?.iter().find(|d| d.number == number).and_then(holders);
            let by = by.map(|h| format!(" by {h}")).unwrap_or_default();
            Err(Error::new(
                Kind::InUse,
                format!("{what}: the volume is in use{by}; close the programs using it, then eject it, and try again"),
            ))
        }
        Err(ERROR_NO_SUCH_DEVICE | ERROR_INVALID_PARAMETER) => {
            Err(Error::new(Kind::NotFound, format!("{what}: is no lklfs image disk")))
        }
        Err(e) => Err(Error::new(Kind::Other, format!("{what}: the driver refused (error {e})"))),
    }
}

/// Locks and dismounts the volume on drive `letter`, if Windows has one
/// mounted there (the drive opens); nothing to do otherwise.
fn dismount(letter: u8, what: &str) -> Result<()> {
    const FSCTL_LOCK_VOLUME: u32 = 0x0009_0018;
    const FSCTL_DISMOUNT_VOLUME: u32 = 0x0009_0020;
    let drive = format!(r"\\.\{}:", char::from(letter));
    let Ok(volume) = OpenOptions::new().read(true).write(true).open(&drive) else { return Ok(()) };
    if ioctl(&volume, FSCTL_LOCK_VOLUME, &[], &mut []).is_err() {
        return Err(Error::new(
            Kind::InUse,
            format!("{what}: files on the volume are open; close the programs using them and try again"),
        ));
    }
    ioctl(&volume, FSCTL_DISMOUNT_VOLUME, &[], &mut [])
        .map_err(|e| Error::new(Kind::Other, format!("{what}: the volume did not dismount (error {e})")))?;
    // Closing the handle ends the volume: the disk is then free.
    drop(volume);
    Ok(())
}

/// The processes holding a disk's volume, as `process 12, 345`.
fn holders(d: &Listed) -> Option<String> {
    let pids: Vec<String> = d.holders.iter().map(u32::to_string).collect();
    (!pids.is_empty()).then(|| format!("process {}", pids.join(", ")))
}

/// `lklfs list`: one line per image disk; with `all`, the disks and their
/// partitions first (`windisks`), which need no driver.
pub fn list(all: bool, disks: &[std::path::PathBuf]) -> Result<()> {
    if all {
        crate::windisks::list_all(disks)?;
    }
    let dev = match control() {
        Ok(d) => d,
        Err(e) if all => {
            println!("image disks: none ({e})");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let disks = listed(&dev)?;
    for d in &disks {
        let path = d.shown_path();
        let letter = match letter_of(d.number).or((d.letter != 0).then_some(d.letter)) {
            Some(l) => format!("{}:", char::from(l)),
            None => "--".to_string(),
        };
        let state = match d.flags {
            f if f & proto::images::LISTED_EJECTED != 0 => "ejected",
            f if f & proto::images::LISTED_IN_USE != 0 => "mounted",
            _ => "idle",
        };
        let ro = if d.flags & proto::images::LISTED_READ_ONLY != 0 { "ro" } else { "rw" };
        let part = if d.partition == 0 { String::new() } else { format!(" (partition {})", d.partition) };
        let name = proto::fsops::image_disk_name(d.number);
        let held = holders(d).map(|h| format!("; held by {h}")).unwrap_or_default();
        let fs = crate::windisks::fs_type_at(&d.nt_path(), d.partition);
        println!("{} {letter} {name} {fs} {ro} {state} {} MiB {path}{part}{held}", d.number, d.size >> 20);
    }
    if disks.is_empty() {
        println!("no image disks");
    }
    Ok(())
}
