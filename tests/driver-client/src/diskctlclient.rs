//! The driver's disks as Windows' storage and mount stack see them: each
//! code of the IOCTL set (`driver_ioctl::diskctl`) sent with DeviceIoControl
//! through a user-mode handle, on a RAM disk (a fixed disk) and on an image
//! disk (removable, with a volume mounted on it), its answer read back as
//! winioctl.h lays it out, and a sample of other codes refused. The
//! expected bytes are written here from the DDK's layouts, not from the
//! driver's encoder.

use std::ptr;

use widestring::U16CString;

use crate::win::{CloseHandle, CreateFileW, ERROR_INVALID_FUNCTION, GENERIC_READ, GetLastError, Handle, ioctl};

const ERROR_NOT_READY: u32 = 21;
const ERROR_MORE_DATA: u32 = 234;
const ERROR_NOT_FOUND: u32 = 1168;
const ERROR_INSUFFICIENT_BUFFER: u32 = 122;

const IOCTL_DISK_GET_DRIVE_GEOMETRY: u32 = 0x0007_0000;
const IOCTL_DISK_GET_DRIVE_GEOMETRY_EX: u32 = 0x0007_00A0;
const IOCTL_DISK_GET_LENGTH_INFO: u32 = 0x0007_405C;
const IOCTL_DISK_GET_PARTITION_INFO: u32 = 0x0007_4004;
const IOCTL_DISK_GET_PARTITION_INFO_EX: u32 = 0x0007_0048;
const IOCTL_DISK_IS_WRITABLE: u32 = 0x0007_0024;
const IOCTL_DISK_CHECK_VERIFY: u32 = 0x0007_4800;
const IOCTL_STORAGE_CHECK_VERIFY: u32 = 0x002D_4800;
const IOCTL_STORAGE_CHECK_VERIFY2: u32 = 0x002D_0800;
const IOCTL_STORAGE_EJECT_MEDIA: u32 = 0x002D_4808;
const IOCTL_STORAGE_GET_HOTPLUG_INFO: u32 = 0x002D_0C14;
const IOCTL_MOUNTDEV_QUERY_UNIQUE_ID: u32 = 0x004D_0000;
const IOCTL_MOUNTDEV_QUERY_DEVICE_NAME: u32 = 0x004D_0008;
const IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME: u32 = 0x004D_000C;
const IOCTL_MOUNTDEV_LINK_CREATED: u32 = 0x004D_0010;
const IOCTL_MOUNTDEV_LINK_DELETED: u32 = 0x004D_0014;
/// Others, refused by the driver: IOCTL_DISK_GET_DRIVE_LAYOUT_EX,
/// IOCTL_DISK_GET_DRIVE_LAYOUT, IOCTL_SCSI_GET_ADDRESS,
/// IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, IOCTL_STORAGE_QUERY_PROPERTY (codes
/// that need no write access: the handle is read-only, and the I/O manager
/// refuses the others before the driver sees them).
const OTHERS: [u32; 5] = [0x0007_0050, 0x0007_400C, 0x0004_1018, 0x0056_0000, 0x002D_1400];

/// `RemovableMedia` and `FixedMedia` (MEDIA_TYPE).
const REMOVABLE_MEDIA: i32 = 11;
const FIXED_MEDIA: i32 = 12;

fn open(device: &str) -> Result<Handle, String> {
    const SHARE_READ_WRITE: u32 = 3;
    const OPEN_EXISTING: u32 = 3;
    let path = U16CString::from_str_truncate(format!("\\\\?\\GLOBALROOT{device}"));
    // SAFETY: NUL-terminated name; other pointers null.
    let h = unsafe {
        CreateFileW(path.as_ptr(), GENERIC_READ, SHARE_READ_WRITE, ptr::null_mut(), OPEN_EXISTING, 0, ptr::null_mut())
    };
    if h as isize == -1 {
        // SAFETY: no preconditions.
        return Err(format!("open {device}: error {}", unsafe { GetLastError() }));
    }
    Ok(h)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn i64_at(b: &[u8], at: usize) -> i64 {
    i64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// An answer of exactly `len` bytes.
fn query(h: Handle, code: u32, len: usize) -> Result<Vec<u8>, String> {
    let mut out = vec![0xCCu8; len + 16];
    match ioctl(h, code, &[], &mut out) {
        Ok(n) if n == len => Ok(out[..n].to_vec()),
        Ok(n) => Err(format!("{code:#010x}: {n} bytes, want {len}")),
        Err(e) => Err(format!("{code:#010x}: error {e}")),
    }
}

pub(crate) fn want_err(h: Handle, code: u32, input: &[u8], out_len: usize, want: u32) -> Result<(), String> {
    let mut out = vec![0u8; out_len];
    match ioctl(h, code, input, &mut out) {
        Err(e) if e == want => Ok(()),
        other => Err(format!("{code:#010x}: {other:?}, want error {want}")),
    }
}

/// The sizes, geometry and partition of a disk of `size` bytes.
fn sizes(h: Handle, size: u64, media: i32) -> Result<(), String> {
    let l = query(h, IOCTL_DISK_GET_LENGTH_INFO, 8)?;
    let g = query(h, IOCTL_DISK_GET_DRIVE_GEOMETRY, 24)?;
    let gx = query(h, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, 32)?;
    let p = query(h, IOCTL_DISK_GET_PARTITION_INFO, 32)?;
    let px = query(h, IOCTL_DISK_GET_PARTITION_INFO_EX, 144)?;
    let size = size as i64;
    let cylinders = size / (512 * 255 * 63);
    let geometry = (i64_at(&g, 0), u32_at(&g, 8) as i32, u32_at(&g, 12), u32_at(&g, 16), u32_at(&g, 20));
    if i64_at(&l, 0) != size || geometry != (cylinders, media, 255, 63, 512) {
        return Err(format!(
            "length {} geometry {geometry:?}, want {size} and {:?}",
            i64_at(&l, 0),
            (cylinders, media)
        ));
    }
    if gx[..24] != g[..] || i64_at(&gx, 24) != size {
        return Err(format!("DISK_GEOMETRY_EX {gx:02x?}"));
    }
    // One Linux partition (0x83) over the whole disk.
    if (i64_at(&p, 0), i64_at(&p, 8), u32_at(&p, 20), p[24], p[26]) != (0, size, 1, 0x83, 1) {
        return Err(format!("PARTITION_INFORMATION {p:02x?}"));
    }
    if (u32_at(&px, 0), i64_at(&px, 8), i64_at(&px, 16), u32_at(&px, 24), px[32], px[34]) != (0, 0, size, 1, 0x83, 1) {
        return Err(format!("PARTITION_INFORMATION_EX {px:02x?}"));
    }
    // A buffer one byte short of a fixed answer.
    want_err(h, IOCTL_DISK_GET_DRIVE_GEOMETRY, &[], 23, ERROR_INSUFFICIENT_BUFFER)
}

/// Image disk `device` of `size` bytes over the image at NT path `path`
/// answers the whole IOCTL set as a removable disk holding one Linux
/// partition, named for the Mount Manager by the image's path, with no
/// suggested letter, other codes refused.
pub(crate) fn removable_disk(device: &str, size: u64, path: &str) -> Result<(), String> {
    let h = open(device)?;
    let id: Vec<u8> = b"lklfs-image:".iter().copied().chain(utf16le(path)).collect();
    let res = sizes(h, size, REMOVABLE_MEDIA).and_then(|_| mountdev(h, device, &id, None)).and_then(|_| media(h, true));
    // SAFETY: our handle.
    unsafe { CloseHandle(h) };
    res
}

/// The Mount Manager's queries: the device's name, its unique ID and the
/// suggested letter (or none); the link notifications checked for their
/// input.
fn mountdev(h: Handle, device: &str, unique_id: &[u8], letter: Option<char>) -> Result<(), String> {
    let name = utf16le(device);
    let mut out = vec![0u8; 512];
    let n = ioctl(h, IOCTL_MOUNTDEV_QUERY_DEVICE_NAME, &[], &mut out).map_err(|e| format!("device name: {e}"))?;
    if n != 2 + name.len() || u16_at(&out, 0) != name.len() || out[2..n] != name[..] {
        return Err(format!("MOUNTDEV_NAME {:02x?}", &out[..n]));
    }
    // Too small for the name: the header, with the length to ask for.
    let mut small = vec![0u8; 4];
    match ioctl(h, IOCTL_MOUNTDEV_QUERY_DEVICE_NAME, &[], &mut small) {
        Err(ERROR_MORE_DATA) if u16_at(&small, 0) == name.len() => {}
        other => return Err(format!("device name into 4 bytes: {other:?} {small:02x?}")),
    }
    let n = ioctl(h, IOCTL_MOUNTDEV_QUERY_UNIQUE_ID, &[], &mut out).map_err(|e| format!("unique ID: {e}"))?;
    if n != 2 + unique_id.len() || u16_at(&out, 0) != unique_id.len() || out[2..n] != unique_id[..] {
        return Err(format!("MOUNTDEV_UNIQUE_ID {:02x?}", &out[..n]));
    }
    match letter {
        Some(l) => {
            let link = utf16le(&format!("\\DosDevices\\{l}:"));
            let n = ioctl(h, IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME, &[], &mut out)
                .map_err(|e| format!("suggested link: {e}"))?;
            // UseOnlyIfThereAreNoOtherLinks, then the name.
            if n != 4 + link.len() || out[0] != 1 || u16_at(&out, 2) != link.len() || out[4..n] != link[..] {
                return Err(format!("MOUNTDEV_SUGGESTED_LINK_NAME {:02x?}", &out[..n]));
            }
        }
        None => want_err(h, IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME, &[], 64, ERROR_NOT_FOUND)?,
    }
    let link: Vec<u8> = [4u8, 0].into_iter().chain(utf16le("Z:")).collect();
    ioctl(h, IOCTL_MOUNTDEV_LINK_CREATED, &link, &mut []).map_err(|e| format!("link created: {e}"))?;
    ioctl(h, IOCTL_MOUNTDEV_LINK_DELETED, &link, &mut []).map_err(|e| format!("link deleted: {e}"))?;
    want_err(h, IOCTL_MOUNTDEV_LINK_DELETED, &link[..5], 0, crate::win::ERROR_INVALID_PARAMETER)
}

/// The medium's state: writable, present, the hotplug answer.
fn media(h: Handle, removable: bool) -> Result<(), String> {
    ioctl(h, IOCTL_DISK_IS_WRITABLE, &[], &mut []).map_err(|e| format!("is writable: {e}"))?;
    for code in [IOCTL_DISK_CHECK_VERIFY, IOCTL_STORAGE_CHECK_VERIFY, IOCTL_STORAGE_CHECK_VERIFY2] {
        ioctl(h, code, &[], &mut []).map_err(|e| format!("{code:#010x}: {e}"))?;
    }
    let count = query(h, IOCTL_STORAGE_CHECK_VERIFY, 4)?;
    let hot = query(h, IOCTL_STORAGE_GET_HOTPLUG_INFO, 8)?;
    let r = u8::from(removable);
    if count != [0; 4] || hot != [8, 0, 0, 0, r, 0, r, 0] {
        return Err(format!("media change count {count:02x?}, STORAGE_HOTPLUG_INFO {hot:02x?}"));
    }
    for code in OTHERS {
        want_err(h, code, &[], 256, ERROR_INVALID_FUNCTION)?;
    }
    Ok(())
}

/// A RAM disk of `size` bytes, held by nothing: a fixed disk whose unique
/// ID is its name; at the end its medium is ejected, and from then on
/// transfers and queries find none.
pub(crate) fn ram_disk(device: &str, size: u64) -> Result<(), String> {
    let h = open(device)?;
    let res = (|| {
        sizes(h, size, FIXED_MEDIA)?;
        mountdev(h, device, device.as_bytes(), None)?;
        media(h, false)?;
        ioctl(h, IOCTL_STORAGE_EJECT_MEDIA, &[], &mut []).map_err(|e| format!("eject: {e}"))?;
        want_err(h, IOCTL_STORAGE_CHECK_VERIFY, &[], 0, ERROR_NOT_READY)?;
        want_err(h, IOCTL_DISK_GET_LENGTH_INFO, &[], 8, ERROR_NOT_READY)
    })();
    // SAFETY: our handle.
    unsafe { CloseHandle(h) };
    res
}

/// An image disk of `size` bytes over the image whose NT path is `path`,
/// with a volume mounted on it: removable, its unique ID the image's path;
/// then a program's eject (`ejectclient::direct`).
pub(crate) fn image_disk(dev: Handle, device: &str, size: u64, path: &str) -> Result<(), String> {
    let h = open(device)?;
    let res = (|| {
        sizes(h, size, REMOVABLE_MEDIA)?;
        let id: Vec<u8> = b"lklfs-image:".iter().copied().chain(utf16le(path)).collect();
        mountdev(h, device, &id, None)?;
        media(h, true)?;
        crate::ejectclient::direct(dev, h)
    })();
    // SAFETY: our handle.
    unsafe { CloseHandle(h) };
    res
}

/// `lklfs.exe mount`'s request, IOCTL_IMAGE_ATTACH, and its detach: the
/// disk it makes answers the IOCTL set with the letter asked for as its
/// suggested link; part 1's mount path mounts the file system on it; while
/// mounted it can be neither ejected nor detached; afterwards both work,
/// and a second detach finds no disk. Misuse changes nothing.
pub(crate) fn attach_detach(dev: Handle, file: &str, size: u64) -> Result<(), String> {
    use driver_ioctl as proto;
    use proto::images::{AttachRequest, detach};
    const ERROR_FILE_NOT_FOUND: u32 = 2;
    const ERROR_BAD_COMMAND: u32 = 22;
    const ERROR_NO_SUCH_DEVICE: u32 = 433;
    let nt_path = format!("\\??\\{file}");
    let path = utf16le(&nt_path);
    let attach = |path: &[u8], letter: Option<u8>| attach_image(dev, path, letter, None);
    match attach(&utf16le("\\??\\C:\\lklfs-test\\no-such.img"), None) {
        Err(ERROR_FILE_NOT_FOUND) => {}
        other => return Err(format!("attach of a missing image: {other:?}, want ERROR_FILE_NOT_FOUND")),
    }
    let mut bad = AttachRequest {
        read_only: false,
        fs_type: proto::fsops::FsType::Detect,
        letter: Some(b'1'),
        partition: None,
        path: &path,
    }
    .encode();
    match ioctl(dev, proto::IOCTL_IMAGE_ATTACH, &bad, &mut [0u8; 16]) {
        Err(crate::win::ERROR_INVALID_PARAMETER) => {}
        other => return Err(format!("attach with letter '1': {other:?}, want ERROR_INVALID_PARAMETER")),
    }
    bad.truncate(bad.len() - 1);
    match ioctl(dev, proto::IOCTL_IMAGE_ATTACH, &bad, &mut [0u8; 16]) {
        Err(crate::win::ERROR_INVALID_PARAMETER) => {}
        other => return Err(format!("attach with half a unit of path: {other:?}, want ERROR_INVALID_PARAMETER")),
    }
    // A letter in use (Wine's C:) is refused before anything is made.
    const ERROR_ALREADY_EXISTS: u32 = 183;
    match attach(&path, Some(b'C')) {
        Err(ERROR_ALREADY_EXISTS) => {}
        other => return Err(format!("attach as C:: {other:?}, want ERROR_ALREADY_EXISTS")),
    }
    let a = match attach(&path, Some(b'l')) {
        Ok(Some(a)) if a.size == size && a.number == 0 => a,
        other => return Err(format!("attach {nt_path}: {other:?}, want disk 0 of {size} bytes")),
    };
    println!(
        "# Mount Manager: arrival notification {:#010x}, letter request {:#010x}, letter now {:?}",
        a.arrival,
        a.letter_status,
        char::from(a.letter)
    );
    // The notification reached the Mount Manager: Windows' takes it, Wine's
    // mountmgr.sys answers STATUS_NOT_SUPPORTED (a driver that could not
    // reach it would report the open's failure instead).
    const STATUS_NOT_SUPPORTED: i32 = 0xC000_00BB_u32 as i32;
    if a.arrival != 0 && a.arrival != STATUS_NOT_SUPPORTED {
        return Err(format!("the arrival notification did not reach the Mount Manager: {:#010x}", a.arrival));
    }
    let device = proto::fsops::image_disk_name(a.number);
    let h = open(&device)?;
    let res = (|| {
        sizes(h, size, REMOVABLE_MEDIA)?;
        let id: Vec<u8> = b"lklfs-image:".iter().copied().chain(path.iter().copied()).collect();
        mountdev(h, &device, &id, Some('L'))?;
        media(h, true)?;
        crate::fsclient::want(
            crate::fsclient::mount_device(dev, &device, false)?,
            crate::status::STATUS_SUCCESS,
            "mount",
        )?;
        // The volume's holders: the harness keeps the volume itself open.
        let held_by = match list(dev)?.into_iter().find(|d| d.number == a.number) {
            Some(d) if d.flags & proto::images::LISTED_IN_USE != 0 && !d.holders.is_empty() => d.holders,
            other => return Err(format!("list while mounted: {other:?}, want in use with its holders")),
        };
        println!("# image disk {} held by process {held_by:?}", a.number);
        let held = match ioctl(dev, proto::IOCTL_IMAGE_DETACH, &detach(a.number), &mut []) {
            Err(ERROR_BAD_COMMAND) => Ok(()),
            other => Err(format!("detach while mounted: {other:?}, want ERROR_BAD_COMMAND")),
        };
        let ejected = held.and_then(|_| crate::ejectclient::explorer(dev, h, a.number, size));
        crate::fsclient::want(crate::fsclient::unmount(dev)?, crate::status::STATUS_SUCCESS, "unmount")?;
        ejected?;
        match list(dev)?.into_iter().find(|d| d.number == a.number) {
            Some(d) if d.flags & proto::images::LISTED_IN_USE == 0 && d.holders.is_empty() => {}
            other => return Err(format!("list after the unmount: {other:?}, want idle and no holders")),
        }
        ioctl(h, IOCTL_STORAGE_EJECT_MEDIA, &[], &mut []).map_err(|e| format!("eject once unmounted: {e}"))?;
        want_err(h, IOCTL_STORAGE_CHECK_VERIFY, &[], 0, ERROR_NOT_READY)
    })();
    // SAFETY: our handle.
    unsafe { CloseHandle(h) };
    res?;
    ioctl(dev, proto::IOCTL_IMAGE_DETACH, &detach(a.number), &mut []).map_err(|e| format!("detach: {e}"))?;
    match ioctl(dev, proto::IOCTL_IMAGE_DETACH, &detach(a.number), &mut []) {
        Err(ERROR_NO_SUCH_DEVICE) => Ok(()),
        other => Err(format!("second detach: {other:?}, want ERROR_NO_SUCH_DEVICE")),
    }
}

/// `lklfs.exe mount`, `list` and `unmount` (the Windows tool, `lklfs_exe`)
/// against the running driver: each misuse has its message and exit code
/// and leaves no disk; a mount makes the disk that `list` shows and
/// `unmount` by letter removes. Under Wine the Mount Manager gives no
/// letter, so the mount reports that (exit 1) and keeps the disk for
/// `unmount`; on Windows it exits 0 with the letter.
pub(crate) fn cli(
    dev: Handle,
    lklfs_exe: &str,
    file: &str,
    size: u64,
    gpt: Option<&str>,
    dirty: Option<&str>,
) -> Result<(), String> {
    let run = |args: &[&str]| -> Result<(i32, String, String), String> {
        let o =
            std::process::Command::new(lklfs_exe).args(args).output().map_err(|e| format!("run {lklfs_exe}: {e}"))?;
        let text = |b: &[u8]| String::from_utf8_lossy(b).replace('\r', "");
        Ok((o.status.code().unwrap_or(-1), text(&o.stdout), text(&o.stderr)))
    };
    let want = |args: &[&str], code: i32, says: &str| -> Result<String, String> {
        let (c, out, err) = run(args)?;
        if c == code && (out.contains(says) || err.contains(says)) {
            Ok(out)
        } else {
            Err(format!(
                "lklfs {}: exit {c}, out {out:?}, err {err:?}; want exit {code} saying {says:?}",
                args.join(" ")
            ))
        }
    };
    want(&["list"], 0, "no image disks")?;
    want(&["mount", r"C:\lklfs-test\no-such.img", "L:"], 3, "no-such.img")?;
    want(&["mount", file, "C:"], 8, "C: is in use")?;
    want(&["mount", file, "1:"], 2, "not a drive letter")?;
    want(&["mount", file, "L:", "--type", "ntfs"], 2, "--type ntfs")?;
    // What the image holds is checked before anything is made: no file
    // system (the tool itself is no image), another type than named.
    want(&["mount", lklfs_exe, "L:"], 4, "holds no ext2/3/4, btrfs, xfs or FAT file system")?;
    want(&["mount", file, "L:", "--type", "btrfs"], 4, "holds ext4, not btrfs")?;
    // A journal that needs recovery is never written: --ro only.
    if let Some(dirty) = dirty {
        want(&["mount", dirty, "J:"], 7, "its journal needs recovery")?;
        let (c, _, err) = run(&["mount", "--ro", dirty, "J:"])?;
        if !(c == 0 || (c == 1 && err.contains("the Mount Manager gave none"))) {
            return Err(format!("lklfs mount --ro {dirty} J:: exit {c}, err {err:?}"));
        }
        want(&["list"], 0, "0 J: ")?;
        want(&["list"], 0, " ext4 ro idle ")?;
        // The volume mounts read-only: Linux replays the journal into the
        // driver's in-memory overlay (the suite checks the image unchanged).
        use crate::fsclient::{create_with, handle_op, mount_device, unmount, want as want_status};
        let disk = driver_ioctl::fsops::image_disk_name(0);
        want_status(mount_device(dev, &disk, true)?, crate::status::STATUS_SUCCESS, "mount the dirty image --ro")?;
        // Opened for reading (a read-only volume refuses write access).
        const GENERIC_READ: u32 = 0x8000_0000;
        let opened = create_with(dev, "\\lost+found", 1, 1, GENERIC_READ);
        if let Ok((crate::status::STATUS_SUCCESS, _, h)) = opened {
            handle_op(dev, driver_ioctl::fsops::Op::Close, h)?;
        }
        want_status(unmount(dev)?, crate::status::STATUS_SUCCESS, "unmount the dirty image")?;
        match opened? {
            (crate::status::STATUS_SUCCESS, ..) => {}
            (s, ..) => return Err(format!("open of the dirty image's lost+found for reading: {s:#010x}")),
        }
        want(&["unmount", "J:"], 0, "removed")?;
    }
    want(&["list"], 0, "no image disks")?;
    let (c, out, err) = run(&["mount", file, "L:"])?;
    let device = driver_ioctl::fsops::image_disk_name(0);
    let mib = size >> 20;
    let made = match c {
        0 => out.contains(&format!("L: {file} ({mib} MiB) on {device}")),
        1 => {
            out.contains(&format!("{device}: {file} ({mib} MiB)"))
                && err.contains("the Mount Manager gave none, not L:")
        }
        _ => false,
    };
    if !made {
        return Err(format!("lklfs mount {file} L:: exit {c}, out {out:?}, err {err:?}"));
    }
    println!("# lklfs mount under this system's Mount Manager: exit {c}: {}", err.trim());
    want(&["list"], 0, &format!("0 L: {device} ext4 rw idle {mib} MiB {file}"))?;
    want(&["unmount", "L:"], 0, &format!("{device}: removed"))?;
    want(&["list"], 0, "no image disks")?;
    want(&["unmount", "L:"], 3, "L: is no lklfs image disk")?;
    want(&["unmount", "3"], 3, "3: is no lklfs image disk")?;
    // A partition: `--part N`, shown by the list; one the table lacks.
    if let Some(gpt) = gpt {
        want(&["mount", "--part", "3", gpt, "P:"], 4, "no partition 3")?;
        let (c, _, err) = run(&["mount", "--part", "2", gpt, "P:"])?;
        if !(c == 0 || (c == 1 && err.contains("the Mount Manager gave none"))) {
            return Err(format!("lklfs mount --part 2 {gpt} P:: exit {c}, err {err:?}"));
        }
        want(&["list"], 0, &format!("0 P: {device} ext4 rw idle 16 MiB {gpt} (partition 2)"))?;
        want(&["unmount", "P:"], 0, "removed")?;
        // The disks and partitions lklfs can mount, with what each holds
        // (read from its superblock): the GPT's two ext4 partitions, the
        // unpartitioned image's ext4, then the driver's disks.
        let out = want(&["list", "--all", gpt, file], 0, "no image disks")?;
        for line in [
            format!("{gpt}: 40 MiB, 2 partitions\n"),
            "  partition 1: at 1 MiB, 16 MiB, ext4, clean\n".to_string(),
            "  partition 2: at 17 MiB, 16 MiB, ext4, clean\n".to_string(),
            format!("{file}: {mib} MiB, no partition table, ext4, clean\n"),
        ] {
            if !out.contains(&line) {
                return Err(format!("lklfs list --all: {out:?} lacks {line:?}"));
            }
        }
        want(&["list", "--all", r"C:\lklfs-test\no-such.img"], 3, "no-such.img")?;
        // Every physical drive this user may read (Wine may have none).
        let every = want(&["list", "--all"], 0, "")?;
        println!("# lklfs list --all: {}", every.trim().replace('\n', " | "));
    }
    Ok(())
}

/// Partitioned images: partition `n` of a GPT image and of an MBR image as
/// a disk of its own, 16 MiB, whose volume holds `/which.txt` naming the
/// partition (written there by mkfs at its offset); a partition the table
/// lacks is refused (STATUS_NOT_FOUND) and makes no disk. (A raw disk
/// cannot be had here: Wine serves a driver's requests to its own devices
/// on the thread that would wait for them, so the RAM disk cannot stand in
/// for one; the runbook covers `\\.\PhysicalDriveN`.)
pub(crate) fn partitions(dev: Handle, gpt: &str, mbr: &str) -> Result<(), String> {
    let attach = |path: &str, partition: u32| attach_image(dev, &utf16le(path), None, Some(partition));
    let (gpt_path, mbr_path) = (format!("\\??\\{gpt}"), format!("\\??\\{mbr}"));
    match attach(&gpt_path, 3) {
        Err(ERROR_NOT_FOUND) => {}
        other => return Err(format!("partition 3 of a GPT with two: {other:?}, want ERROR_NOT_FOUND")),
    }
    for (file, n, says) in [(&gpt_path, 2u32, "partition two"), (&mbr_path, 1, "partition one")] {
        attach_mount_read(dev, file, n, says)?;
    }
    Ok(())
}

/// Partition `n` of the image or disk at NT path `file`, attached, mounted
/// through part 1's path, its `/which.txt` read (it must say `says`),
/// unmounted and detached.
fn attach_mount_read(dev: Handle, file: &str, n: u32, says: &str) -> Result<(), String> {
    use driver_ioctl as proto;
    use proto::images::detach;
    {
        let a = match attach_image(dev, &utf16le(file), None, Some(n)) {
            Ok(Some(a)) if a.size == 16 << 20 => a,
            other => return Err(format!("{file} partition {n}: {other:?}, want a 16 MiB disk")),
        };
        let device = proto::fsops::image_disk_name(a.number);
        let h = open(&device)?;
        let sized = sizes(h, 16 << 20, REMOVABLE_MEDIA);
        // SAFETY: our handle.
        unsafe { CloseHandle(h) };
        sized?;
        let read = (|| {
            use crate::fsclient::{handle_op, mount_device, open as open_file, read, unmount, want};
            want(mount_device(dev, &device, false)?, crate::status::STATUS_SUCCESS, "mount")?;
            let f = open_file(dev, "\\which.txt", 1, 0);
            let text = f.and_then(|f| {
                let t = read(dev, f, 0, 64);
                handle_op(dev, proto::fsops::Op::Close, f)?;
                t
            });
            want(unmount(dev)?, crate::status::STATUS_SUCCESS, "unmount")?;
            text
        })();
        ioctl(dev, proto::IOCTL_IMAGE_DETACH, &detach(a.number), &mut []).map_err(|e| format!("detach: {e}"))?;
        match read {
            Ok(t) if t == format!("{says}\n").as_bytes() => Ok(()),
            other => Err(format!("{file} partition {n}: /which.txt {other:?}, want {says:?}")),
        }
    }
}

/// The driver's list of image disks.
pub(crate) fn list(dev: Handle) -> Result<Vec<driver_ioctl::images::Listed>, String> {
    let mut out = vec![0u8; driver_ioctl::images::LIST_OUT_SIZE];
    ioctl(dev, driver_ioctl::IOCTL_IMAGE_LIST, &driver_ioctl::linux::header(), &mut out)
        .map_err(|e| format!("list: error {e}"))?;
    Ok(driver_ioctl::images::Listed::decode_all(&out))
}

/// IOCTL_IMAGE_ATTACH of the image whose NT path is `path` (UTF-16LE),
/// read-write, its type detected: the reply, or the Win32 error.
fn attach_image(
    dev: Handle,
    path: &[u8],
    letter: Option<u8>,
    partition: Option<u32>,
) -> Result<Option<driver_ioctl::images::Attached>, u32> {
    use driver_ioctl::images::{ATTACH_OUT_SIZE, AttachRequest, Attached};
    let fs_type = driver_ioctl::fsops::FsType::Detect;
    let req = AttachRequest { read_only: false, fs_type, letter, partition, path }.encode();
    let mut out = [0u8; ATTACH_OUT_SIZE];
    ioctl(dev, driver_ioctl::IOCTL_IMAGE_ATTACH, &req, &mut out).map(|_| Attached::decode(&out))
}
