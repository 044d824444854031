//! The IOCTL set of the driver's own disks (image disks, and the test
//! build's RAM disks): what a disk class driver answers for a removable
//! disk that holds one volume, and what the Mount Manager asks a volume
//! device. Every other code is STATUS_INVALID_DEVICE_REQUEST. Pure logic
//! over the disk's facts, so the answers and the buffer rules are tested
//! here; the layouts are nt's, which the DDK probe proves.
//!
//! Buffer rules, as the class driver and the Mount Manager's clients
//! expect them:
//!
//! - a fixed answer into a smaller buffer: STATUS_BUFFER_TOO_SMALL
//!   (DISK_GEOMETRY_EX's fixed part is its geometry and size);
//! - a MOUNTDEV answer (a length, then a name or ID): smaller than its
//!   header, STATUS_INVALID_PARAMETER; smaller than the whole, the header
//!   alone with STATUS_BUFFER_OVERFLOW, so the caller learns the length;
//! - LINK_CREATED and LINK_DELETED take a MOUNTDEV_NAME whose name fits
//!   its buffer, or STATUS_INVALID_PARAMETER.

use alloc::vec::Vec;
use core::mem::{offset_of, size_of};

use nt::NTSTATUS;

/// `PARTITION_LINUX` (ntdddisk.h of current WDKs; mingw-w64 lacks it).
pub const PARTITION_LINUX: u8 = 0x83;

/// 512-byte sectors, as every disk of the driver has.
pub const SECTOR: u64 = 512;

/// What a disk's answers are made of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskFacts {
    /// Bytes (whole sectors).
    pub length: u64,
    /// Removable medium (an image disk): Explorer offers Eject.
    pub removable: bool,
    /// Write-protected.
    pub read_only: bool,
    /// The medium is gone (ejected, or the disk pulled).
    pub no_media: bool,
    /// The NT device name, UTF-16.
    pub device_name: Vec<u16>,
    /// The Mount Manager's key for the volume: stable for the same image.
    pub unique_id: Vec<u8>,
    /// The drive letter the user asked for, if any (`b'A'..=b'Z'`).
    pub letter: Option<u8>,
}

/// What to do with IOCTL_STORAGE_EJECT_MEDIA: the caller decides whether
/// the medium can go (the volume on it lets it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Complete with this status and this many output bytes.
    Done(NTSTATUS, usize),
    /// An eject: the caller takes the medium out if nothing holds it.
    Eject,
}

/// Answers `code` with `input` for the disk `d`, writing into `out` (the
/// system buffer's output part).
pub fn answer(code: u32, d: &DiskFacts, input: &[u8], out: &mut [u8]) -> Answer {
    let done = Answer::Done;
    match code {
        nt::IOCTL_DISK_IS_WRITABLE => {
            done(if d.read_only { nt::STATUS_MEDIA_WRITE_PROTECTED } else { nt::STATUS_SUCCESS }, 0)
        }
        nt::IOCTL_DISK_CHECK_VERIFY | nt::IOCTL_STORAGE_CHECK_VERIFY | nt::IOCTL_STORAGE_CHECK_VERIFY2 => {
            if d.no_media {
                return done(nt::STATUS_NO_MEDIA_IN_DEVICE, 0);
            }
            // The optional output is the media change count: the medium
            // never changes under a disk (an eject ends it).
            if out.len() >= 4 {
                put(out, 0, &0u32.to_le_bytes());
                return done(nt::STATUS_SUCCESS, 4);
            }
            done(nt::STATUS_SUCCESS, 0)
        }
        _ if d.no_media && is_media_query(code) => done(nt::STATUS_NO_MEDIA_IN_DEVICE, 0),
        nt::IOCTL_DISK_GET_DRIVE_GEOMETRY => fixed(out, &geometry(d)),
        nt::IOCTL_DISK_GET_DRIVE_GEOMETRY_EX => {
            let mut b = geometry(d);
            b.extend_from_slice(&(d.length as i64).to_le_bytes());
            // The fixed part: no partition or detection data follows.
            debug_assert_eq!(b.len(), offset_of!(nt::DISK_GEOMETRY_EX, Data));
            fixed(out, &b)
        }
        nt::IOCTL_DISK_GET_LENGTH_INFO => fixed(out, &(d.length as i64).to_le_bytes()),
        nt::IOCTL_DISK_GET_PARTITION_INFO => fixed(out, &partition(d)),
        nt::IOCTL_DISK_GET_PARTITION_INFO_EX => fixed(out, &partition_ex(d)),
        nt::IOCTL_STORAGE_GET_HOTPLUG_INFO => {
            let mut b = [0u8; size_of::<nt::STORAGE_HOTPLUG_INFO>()];
            let size = size_of::<nt::STORAGE_HOTPLUG_INFO>() as u32;
            put(&mut b, offset_of!(nt::STORAGE_HOTPLUG_INFO, Size), &size.to_le_bytes());
            put(&mut b, offset_of!(nt::STORAGE_HOTPLUG_INFO, MediaRemovable), &[u8::from(d.removable)]);
            // A device that can go at any time: Explorer's Eject and "safely
            // remove" apply, and Windows caches no writes for it.
            put(&mut b, offset_of!(nt::STORAGE_HOTPLUG_INFO, DeviceHotplug), &[u8::from(d.removable)]);
            fixed(out, &b)
        }
        nt::IOCTL_STORAGE_EJECT_MEDIA => Answer::Eject,
        // Explorer's Eject allows the removal before it ejects (and stops
        // if refused). Nothing but an eject takes the medium out, and the
        // eject itself waits for open files, so the request changes
        // nothing; its input is checked as the class driver checks it.
        nt::IOCTL_STORAGE_MEDIA_REMOVAL => done(
            if input.len() < size_of::<nt::PREVENT_MEDIA_REMOVAL>() {
                nt::STATUS_INFO_LENGTH_MISMATCH
            } else {
                nt::STATUS_SUCCESS
            },
            0,
        ),
        nt::IOCTL_MOUNTDEV_QUERY_DEVICE_NAME => counted(out, 0, &units(&d.device_name)),
        nt::IOCTL_MOUNTDEV_QUERY_UNIQUE_ID => counted(out, 0, &d.unique_id),
        nt::IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME => match d.letter {
            Some(l) => {
                let name = mountmgr::drive_link(l);
                // UseOnlyIfThereAreNoOtherLinks: a letter the Mount Manager
                // remembers for this volume wins.
                let at = offset_of!(nt::MOUNTDEV_SUGGESTED_LINK_NAME, NameLength);
                let r = counted(out, at, &units(&name));
                if let Some(b) = out.first_mut()
                    && r != done(nt::STATUS_INVALID_PARAMETER, 0)
                {
                    *b = 1;
                }
                r
            }
            None => done(nt::STATUS_NOT_FOUND, 0),
        },
        nt::IOCTL_MOUNTDEV_LINK_CREATED | nt::IOCTL_MOUNTDEV_LINK_DELETED => {
            let ok = input.get(..2).and_then(|b| b.try_into().ok()).map(u16::from_le_bytes).is_some_and(|n| {
                n % 2 == 0 && usize::from(n) <= input.len().saturating_sub(offset_of!(nt::MOUNTDEV_NAME, Name))
            });
            done(if ok { nt::STATUS_SUCCESS } else { nt::STATUS_INVALID_PARAMETER }, 0)
        }
        _ => done(nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    }
}

/// The queries about the medium, which a disk without one refuses.
fn is_media_query(code: u32) -> bool {
    matches!(
        code,
        nt::IOCTL_DISK_GET_DRIVE_GEOMETRY
            | nt::IOCTL_DISK_GET_DRIVE_GEOMETRY_EX
            | nt::IOCTL_DISK_GET_LENGTH_INFO
            | nt::IOCTL_DISK_GET_PARTITION_INFO
            | nt::IOCTL_DISK_GET_PARTITION_INFO_EX
    )
}

fn put(b: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = b.get_mut(at..at + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

fn units(s: &[u16]) -> Vec<u8> {
    s.iter().flat_map(|u| u.to_le_bytes()).collect()
}

/// A fixed-size answer.
fn fixed(out: &mut [u8], b: &[u8]) -> Answer {
    match out.get_mut(..b.len()) {
        Some(dst) => {
            dst.copy_from_slice(b);
            Answer::Done(nt::STATUS_SUCCESS, b.len())
        }
        None => Answer::Done(nt::STATUS_BUFFER_TOO_SMALL, 0),
    }
}

/// A MOUNTDEV answer: a u16 byte count at `at`, then `body`.
fn counted(out: &mut [u8], at: usize, body: &[u8]) -> Answer {
    let header = at + 4;
    if out.len() < header {
        return Answer::Done(nt::STATUS_INVALID_PARAMETER, 0);
    }
    let Ok(n) = u16::try_from(body.len()) else { return Answer::Done(nt::STATUS_INVALID_PARAMETER, 0) };
    out.fill(0);
    put(out, at, &n.to_le_bytes());
    let whole = at + 2 + body.len();
    match out.get_mut(at + 2..whole) {
        Some(dst) => {
            dst.copy_from_slice(body);
            Answer::Done(nt::STATUS_SUCCESS, whole.max(header))
        }
        None => Answer::Done(nt::STATUS_BUFFER_OVERFLOW, header),
    }
}

/// DISK_GEOMETRY: 255 heads and 63 sectors per track, as disk.sys makes
/// up for a disk without its own.
fn geometry(d: &DiskFacts) -> Vec<u8> {
    let mut b = alloc::vec![0u8; size_of::<nt::DISK_GEOMETRY>()];
    let (heads, per_track) = (255u32, 63u32);
    let cylinders = d.length / (SECTOR * u64::from(heads) * u64::from(per_track));
    let media = if d.removable { nt::RemovableMedia } else { nt::FixedMedia };
    put(&mut b, offset_of!(nt::DISK_GEOMETRY, Cylinders), &cylinders.to_le_bytes());
    put(&mut b, offset_of!(nt::DISK_GEOMETRY, MediaType), &media.to_le_bytes());
    put(&mut b, offset_of!(nt::DISK_GEOMETRY, TracksPerCylinder), &heads.to_le_bytes());
    put(&mut b, offset_of!(nt::DISK_GEOMETRY, SectorsPerTrack), &per_track.to_le_bytes());
    put(&mut b, offset_of!(nt::DISK_GEOMETRY, BytesPerSector), &(SECTOR as u32).to_le_bytes());
    b
}

/// PARTITION_INFORMATION: the whole disk is the one partition, a Linux one.
fn partition(d: &DiskFacts) -> Vec<u8> {
    type P = nt::PARTITION_INFORMATION;
    let mut b = alloc::vec![0u8; size_of::<P>()];
    put(&mut b, offset_of!(P, PartitionLength), &(d.length as i64).to_le_bytes());
    put(&mut b, offset_of!(P, PartitionNumber), &1u32.to_le_bytes());
    put(&mut b, offset_of!(P, PartitionType), &[PARTITION_LINUX]);
    put(&mut b, offset_of!(P, RecognizedPartition), &[1]);
    b
}

/// PARTITION_INFORMATION_EX, MBR style, as [`partition`].
fn partition_ex(d: &DiskFacts) -> Vec<u8> {
    type P = nt::PARTITION_INFORMATION_EX;
    let mut b = alloc::vec![0u8; size_of::<P>()];
    put(&mut b, offset_of!(P, PartitionStyle), &nt::PARTITION_STYLE_MBR.to_le_bytes());
    put(&mut b, offset_of!(P, PartitionLength), &(d.length as i64).to_le_bytes());
    put(&mut b, offset_of!(P, PartitionNumber), &1u32.to_le_bytes());
    put(&mut b, offset_of!(P, MbrPartitionType), &[PARTITION_LINUX]);
    put(&mut b, offset_of!(P, MbrRecognizedPartition), &[1]);
    b
}

/// The Mount Manager's requests about a disk, as bytes.
pub mod mountmgr {
    use alloc::vec::Vec;
    use core::mem::{offset_of, size_of};

    use super::units as bytes;

    /// MOUNTMGR_TARGET_NAME (and MOUNTMGR_DRIVE_LETTER_TARGET, the same
    /// shape): the device name's byte count, then the name.
    pub fn target(device: &[u16]) -> Vec<u8> {
        let name = bytes(device);
        let mut b = ((name.len() as u16).to_le_bytes()).to_vec();
        b.extend_from_slice(&name);
        b
    }

    /// MOUNTMGR_CREATE_POINT_INPUT for `link` (`\DosDevices\X:`) to
    /// `device`, the two names after the header.
    pub fn create_point(link: &[u16], device: &[u16]) -> Vec<u8> {
        type P = nt::MOUNTMGR_CREATE_POINT_INPUT;
        let (l, d) = (bytes(link), bytes(device));
        let head = size_of::<P>();
        let mut b = alloc::vec![0u8; head];
        let mut put = |at: usize, v: usize| b[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes());
        put(offset_of!(P, SymbolicLinkNameOffset), head);
        put(offset_of!(P, SymbolicLinkNameLength), l.len());
        put(offset_of!(P, DeviceNameOffset), head + l.len());
        put(offset_of!(P, DeviceNameLength), d.len());
        b.extend_from_slice(&l);
        b.extend_from_slice(&d);
        b
    }

    /// MOUNTMGR_MOUNT_POINT naming only `device`: every mount point of that
    /// device (IOCTL_MOUNTMGR_DELETE_POINTS's input).
    pub fn points_of(device: &[u16]) -> Vec<u8> {
        type P = nt::MOUNTMGR_MOUNT_POINT;
        let d = bytes(device);
        let head = size_of::<P>();
        let mut b = alloc::vec![0u8; head];
        b[offset_of!(P, DeviceNameOffset)..][..4].copy_from_slice(&(head as u32).to_le_bytes());
        b[offset_of!(P, DeviceNameLength)..][..2].copy_from_slice(&(d.len() as u16).to_le_bytes());
        b.extend_from_slice(&d);
        b
    }

    /// `\DosDevices\X:`.
    pub fn drive_link(letter: u8) -> Vec<u16> {
        r"\DosDevices\".encode_utf16().chain([u16::from(letter), u16::from(b':')]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn disk() -> DiskFacts {
        DiskFacts {
            length: 64 << 20,
            removable: true,
            read_only: false,
            no_media: false,
            device_name: r"\Device\LklfsImage0".encode_utf16().collect(),
            unique_id: b"lklfs-image".to_vec(),
            letter: Some(b'L'),
        }
    }

    fn ask(code: u32, d: &DiskFacts, input: &[u8], len: usize) -> (NTSTATUS, Vec<u8>) {
        let mut out = alloc::vec![0xEEu8; len];
        match answer(code, d, input, &mut out) {
            Answer::Done(s, n) => {
                out.truncate(n);
                (s, out)
            }
            Answer::Eject => (-1, Vec::new()),
        }
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn i64_at(b: &[u8], at: usize) -> i64 {
        i64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn sizes_and_geometry() {
        let d = disk();
        let (s, b) = ask(nt::IOCTL_DISK_GET_LENGTH_INFO, &d, &[], 8);
        assert_eq!((s, i64_at(&b, 0)), (nt::STATUS_SUCCESS, 64 << 20));
        let (s, g) = ask(nt::IOCTL_DISK_GET_DRIVE_GEOMETRY, &d, &[], 24);
        assert_eq!(s, nt::STATUS_SUCCESS);
        assert_eq!(i64_at(&g, 0), (64 << 20) / (512 * 255 * 63));
        assert_eq!(
            (u32_at(&g, 8) as i32, u32_at(&g, 12), u32_at(&g, 16), u32_at(&g, 20)),
            (nt::RemovableMedia, 255, 63, 512)
        );
        let (s, gx) = ask(nt::IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, &d, &[], 40);
        assert_eq!((s, gx.len(), &gx[..24], i64_at(&gx, 24)), (nt::STATUS_SUCCESS, 32, &g[..], 64 << 20));
        let (s, p) = ask(nt::IOCTL_DISK_GET_PARTITION_INFO, &d, &[], 32);
        assert_eq!((s, i64_at(&p, 0), i64_at(&p, 8), u32_at(&p, 16), u32_at(&p, 20)), (0, 0, 64 << 20, 0, 1));
        assert_eq!(&p[24..28], &[PARTITION_LINUX, 0, 1, 0]);
        let (s, px) = ask(nt::IOCTL_DISK_GET_PARTITION_INFO_EX, &d, &[], 144);
        assert_eq!((s, px.len(), u32_at(&px, 0), i64_at(&px, 16), u32_at(&px, 24)), (0, 144, 0, 64 << 20, 1));
        assert_eq!(&px[32..35], &[PARTITION_LINUX, 0, 1]);
        // One byte short of each fixed answer.
        for (code, len) in [
            (nt::IOCTL_DISK_GET_LENGTH_INFO, 8),
            (nt::IOCTL_DISK_GET_DRIVE_GEOMETRY, 24),
            (nt::IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, 32),
            (nt::IOCTL_DISK_GET_PARTITION_INFO, 32),
            (nt::IOCTL_DISK_GET_PARTITION_INFO_EX, 144),
            (nt::IOCTL_STORAGE_GET_HOTPLUG_INFO, 8),
        ] {
            assert_eq!(ask(code, &d, &[], len - 1), (nt::STATUS_BUFFER_TOO_SMALL, Vec::new()), "{code:#x}");
        }
    }

    #[test]
    fn media_state_and_hotplug() {
        let mut d = disk();
        assert_eq!(ask(nt::IOCTL_DISK_IS_WRITABLE, &d, &[], 0).0, nt::STATUS_SUCCESS);
        assert_eq!(ask(nt::IOCTL_STORAGE_CHECK_VERIFY, &d, &[], 4), (nt::STATUS_SUCCESS, alloc::vec![0; 4]));
        assert_eq!(ask(nt::IOCTL_DISK_CHECK_VERIFY, &d, &[], 0), (nt::STATUS_SUCCESS, Vec::new()));
        let (s, h) = ask(nt::IOCTL_STORAGE_GET_HOTPLUG_INFO, &d, &[], 8);
        assert_eq!((s, h), (nt::STATUS_SUCCESS, alloc::vec![8, 0, 0, 0, 1, 0, 1, 0]));
        d.read_only = true;
        assert_eq!(ask(nt::IOCTL_DISK_IS_WRITABLE, &d, &[], 0).0, nt::STATUS_MEDIA_WRITE_PROTECTED);
        d.no_media = true;
        for code in [nt::IOCTL_STORAGE_CHECK_VERIFY2, nt::IOCTL_DISK_GET_LENGTH_INFO, nt::IOCTL_DISK_GET_PARTITION_INFO]
        {
            assert_eq!(ask(code, &d, &[], 64).0, nt::STATUS_NO_MEDIA_IN_DEVICE, "{code:#x}");
        }
        assert_eq!(answer(nt::IOCTL_STORAGE_EJECT_MEDIA, &d, &[], &mut []), Answer::Eject);
        // Allowing (or preventing) the removal takes a one-byte input.
        assert_eq!(ask(nt::IOCTL_STORAGE_MEDIA_REMOVAL, &d, &[0], 0).0, nt::STATUS_SUCCESS);
        assert_eq!(ask(nt::IOCTL_STORAGE_MEDIA_REMOVAL, &d, &[], 0).0, nt::STATUS_INFO_LENGTH_MISMATCH);
    }

    #[test]
    fn mount_manager_queries() {
        let d = disk();
        let name = units(&d.device_name);
        let (s, b) = ask(nt::IOCTL_MOUNTDEV_QUERY_DEVICE_NAME, &d, &[], 256);
        assert_eq!((s, usize::from(u16::from_le_bytes([b[0], b[1]])), &b[2..]), (0, name.len(), &name[..]));
        // Too small for the name: the header with the length, overflow.
        let (s, b) = ask(nt::IOCTL_MOUNTDEV_QUERY_DEVICE_NAME, &d, &[], 4);
        assert_eq!(
            (s, b),
            (nt::STATUS_BUFFER_OVERFLOW, (name.len() as u16).to_le_bytes().into_iter().chain([0, 0]).collect())
        );
        assert_eq!(ask(nt::IOCTL_MOUNTDEV_QUERY_DEVICE_NAME, &d, &[], 3).0, nt::STATUS_INVALID_PARAMETER);
        let (s, b) = ask(nt::IOCTL_MOUNTDEV_QUERY_UNIQUE_ID, &d, &[], 64);
        assert_eq!((s, &b[..2], &b[2..]), (0, &[11u8, 0][..], &b"lklfs-image"[..]));
        let (s, b) = ask(nt::IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME, &d, &[], 64);
        let want: Vec<u8> = units(&r"\DosDevices\L:".encode_utf16().collect::<Vec<_>>());
        assert_eq!((s, b[0], usize::from(u16::from_le_bytes([b[2], b[3]])), &b[4..]), (0, 1, want.len(), &want[..]));
        let (s, b) = ask(nt::IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME, &d, &[], 6);
        assert_eq!((s, b.len(), b[0]), (nt::STATUS_BUFFER_OVERFLOW, 6, 1));
        let none = DiskFacts { letter: None, ..disk() };
        assert_eq!(ask(nt::IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME, &none, &[], 64).0, nt::STATUS_NOT_FOUND);
        let link: Vec<u8> = [4u8, 0].into_iter().chain(units(&"X:".encode_utf16().collect::<Vec<_>>())).collect();
        assert_eq!(ask(nt::IOCTL_MOUNTDEV_LINK_CREATED, &d, &link, 0).0, nt::STATUS_SUCCESS);
        assert_eq!(ask(nt::IOCTL_MOUNTDEV_LINK_DELETED, &d, &link[..5], 0).0, nt::STATUS_INVALID_PARAMETER);
        assert_eq!(ask(nt::IOCTL_MOUNTDEV_LINK_DELETED, &d, &[], 0).0, nt::STATUS_INVALID_PARAMETER);
    }

    #[test]
    fn mount_manager_requests() {
        let dev: Vec<u16> = r"\Device\LklfsImage0".encode_utf16().collect();
        let t = mountmgr::target(&dev);
        assert_eq!((u16::from_le_bytes([t[0], t[1]]) as usize, t.len()), (dev.len() * 2, 2 + dev.len() * 2));
        let link = mountmgr::drive_link(b'L');
        assert_eq!(String::from_utf16(&link).unwrap(), r"\DosDevices\L:");
        let c = mountmgr::create_point(&link, &dev);
        let w = |at: usize| usize::from(u16::from_le_bytes([c[at], c[at + 1]]));
        assert_eq!((w(0), w(2), w(4), w(6)), (8, 28, 36, dev.len() * 2));
        assert_eq!(&c[8..36], &units(&link)[..]);
        assert_eq!(&c[36..], &units(&dev)[..]);
        let p = mountmgr::points_of(&dev);
        assert_eq!(p.len(), 24 + dev.len() * 2);
        assert_eq!((u32_at(&p, 0), u32_at(&p, 8), u32_at(&p, 16)), (0, 0, 24));
        assert_eq!(&p[20..22], &((dev.len() * 2) as u16).to_le_bytes());
    }

    #[test]
    fn everything_else_is_refused() {
        let d = disk();
        // IOCTL_DISK_SET_DRIVE_LAYOUT, IOCTL_DISK_FORMAT_TRACKS, IOCTL_SCSI_PASS_THROUGH,
        // IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, IOCTL_MOUNTDEV_QUERY_STABLE_GUID.
        for code in [0x0007_C010, 0x0007_C018, 0x0004_D004, 0x0056_0000, 0x004D_0018] {
            assert_eq!(ask(code, &d, &[], 256), (nt::STATUS_INVALID_DEVICE_REQUEST, Vec::new()), "{code:#x}");
        }
    }
}
