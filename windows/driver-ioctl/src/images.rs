//! Wire formats of the image-disk requests (`lklfs.exe mount` and
//! `unmount` on Windows): [`crate::IOCTL_IMAGE_ATTACH`] makes a disk device
//! of an image file, opened in the caller's context with the caller's
//! rights; [`crate::IOCTL_IMAGE_DETACH`] deletes one that nothing holds.
//! All little-endian.
//!
//! Attach input: the 8-byte header, flags u32 (bit 0 read-only; the others
//! 0), the file-system type u32 ([`FsType`]; 0 detects), the drive letter
//! u32 (0 for none, else `'A'..='Z'`), the partition u32 (0 for the whole
//! image, else 1-based in its MBR or GPT), the path's byte count u32, then
//! the path: the image's NT name in UTF-16LE (`\??\C:\dir\image.ext4`), at most
//! [`PATH_BYTES_MAX`] bytes. Output: [`Attached`]. A letter already in use
//! is refused (STATUS_OBJECT_NAME_COLLISION) before anything is made.
//!
//! Detach input: the header, the disk's number u32, reserved u32 (0); no
//! output. STATUS_INVALID_DEVICE_STATE while a volume or a transfer holds
//! the disk, STATUS_NO_SUCH_DEVICE for a number that names none.

use alloc::vec::Vec;

use crate::Reject;
use crate::fsops::FsType;
use crate::linux::{HEADER_SIZE, check_header, header};

/// Bytes of an attach request before its path.
pub const ATTACH_HEAD: usize = HEADER_SIZE + 20;
/// Most path bytes (UNICODE_STRING's limit).
pub const PATH_BYTES_MAX: usize = 65534;
/// Bytes of an attach reply.
pub const ATTACH_OUT_SIZE: usize = 24;
/// Bytes of a detach request.
pub const DETACH_IN_SIZE: usize = HEADER_SIZE + 8;
/// Read-only (the `flags` bit).
pub const ATTACH_READ_ONLY: u32 = 1;

/// An attach request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachRequest<'a> {
    /// Write-protected disk (and so a read-only volume).
    pub read_only: bool,
    /// The type the user named (`--type`), or detection.
    pub fs_type: FsType,
    /// The drive letter asked for, upper case.
    pub letter: Option<u8>,
    /// The partition (1-based), or the whole image.
    pub partition: Option<u32>,
    /// The image's NT path, UTF-16LE bytes.
    pub path: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).and_then(|s| s.try_into().ok()).map(u32::from_le_bytes)
}

impl<'a> AttachRequest<'a> {
    /// The request's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = header().to_vec();
        b.extend_from_slice(&u32::from(self.read_only).to_le_bytes());
        b.extend_from_slice(&(self.fs_type as u32).to_le_bytes());
        b.extend_from_slice(&u32::from(self.letter.unwrap_or(0)).to_le_bytes());
        b.extend_from_slice(&self.partition.unwrap_or(0).to_le_bytes());
        b.extend_from_slice(&(self.path.len() as u32).to_le_bytes());
        b.extend_from_slice(self.path);
        b
    }

    /// Reads and checks a request: header, known flags and type, a letter
    /// (either case) or none, a path of whole UTF-16 units that fills the
    /// rest exactly, is not empty, has no NUL and is not too long.
    pub fn decode(b: &'a [u8]) -> Result<AttachRequest<'a>, Reject> {
        let bad = Reject::InvalidParameter;
        check_header(b.get(..HEADER_SIZE).ok_or(bad)?)?;
        let field = |i: usize| u32_at(b, HEADER_SIZE + 4 * i).ok_or(bad);
        let (flags, ty, letter, partition, len) = (field(0)?, field(1)?, field(2)?, field(3)?, field(4)? as usize);
        if flags & !ATTACH_READ_ONLY != 0 {
            return Err(bad);
        }
        let fs_type = FsType::from_u32(ty).ok_or(bad)?;
        let letter = match u8::try_from(letter).map_err(|_| bad)? {
            0 => None,
            l @ b'A'..=b'Z' => Some(l),
            l @ b'a'..=b'z' => Some(l.to_ascii_uppercase()),
            _ => return Err(bad),
        };
        let path = b.get(ATTACH_HEAD..).ok_or(bad)?;
        let units_ok = path.chunks_exact(2).all(|u| u != [0, 0]);
        if path.len() != len || len == 0 || len % 2 != 0 || len > PATH_BYTES_MAX || !units_ok {
            return Err(bad);
        }
        let partition = (partition != 0).then_some(partition);
        Ok(AttachRequest { read_only: flags & ATTACH_READ_ONLY != 0, fs_type, letter, partition, path })
    }
}

/// An attach reply: the disk's number (its device is
/// [`crate::fsops::image_disk_name`] of it) u32, its drive letter u8 (0 for
/// none), 3 bytes of padding, its size u64, and what the Mount Manager
/// answered: the arrival notification's status i32 and the letter
/// request's i32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attached {
    /// The disk's number.
    pub number: u32,
    /// The drive letter the volume has, or 0.
    pub letter: u8,
    /// Its size in bytes (whole sectors).
    pub size: u64,
    /// IOCTL_MOUNTMGR_VOLUME_ARRIVAL_NOTIFICATION's status.
    pub arrival: i32,
    /// IOCTL_MOUNTMGR_CREATE_POINT's (or NEXT_DRIVE_LETTER's) status.
    pub letter_status: i32,
}

impl Attached {
    /// The reply's bytes.
    pub fn encode(&self) -> [u8; ATTACH_OUT_SIZE] {
        let mut b = [0u8; ATTACH_OUT_SIZE];
        b[..4].copy_from_slice(&self.number.to_le_bytes());
        b[4] = self.letter;
        b[8..16].copy_from_slice(&self.size.to_le_bytes());
        b[16..20].copy_from_slice(&self.arrival.to_le_bytes());
        b[20..].copy_from_slice(&self.letter_status.to_le_bytes());
        b
    }

    /// Reads a reply.
    pub fn decode(b: &[u8]) -> Option<Attached> {
        let size = b.get(8..16)?.try_into().ok().map(u64::from_le_bytes)?;
        Some(Attached {
            number: u32_at(b, 0)?,
            letter: *b.get(4)?,
            size,
            arrival: u32_at(b, 16)? as i32,
            letter_status: u32_at(b, 20)? as i32,
        })
    }
}

/// Image disks the driver serves at once (its image slots).
pub const IMAGE_DISKS: u32 = 8;
/// Image disks a list reports: every slot.
pub const LIST_ENTRIES: usize = IMAGE_DISKS as usize;
/// Path bytes an entry of the list keeps (longer paths are cut).
pub const LIST_PATH_BYTES: usize = 512;
/// Process IDs an entry of the list names (the volume's holders).
pub const LIST_HOLDERS: usize = 8;
/// Bytes of one entry of the list: number u32, letter u8, flags u8,
/// partition u16, size u64, path byte count u16, holder count u8, reserved
/// 5 bytes, the holders' process IDs (u32 each, [`LIST_HOLDERS`]), path.
pub const LIST_ENTRY_SIZE: usize = 24 + 4 * LIST_HOLDERS + LIST_PATH_BYTES;
/// Where an entry's path starts.
const LIST_PATH_AT: usize = 24 + 4 * LIST_HOLDERS;
/// Bytes of a list reply.
pub const LIST_OUT_SIZE: usize = LIST_ENTRIES * LIST_ENTRY_SIZE;
/// An entry's flag: the slot holds a disk.
pub const LISTED_PRESENT: u8 = 1;
/// An entry's flag: write-protected.
pub const LISTED_READ_ONLY: u8 = 2;
/// An entry's flag: a volume (or a transfer) holds it.
pub const LISTED_IN_USE: u8 = 4;
/// An entry's flag: its medium was ejected.
pub const LISTED_EJECTED: u8 = 8;

/// One image disk of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// Its number.
    pub number: u32,
    /// Its drive letter (as asked for), or 0.
    pub letter: u8,
    /// `LISTED_*` flags.
    pub flags: u8,
    /// The partition of the image it serves (1-based), or 0 for the whole.
    pub partition: u16,
    /// Its size in bytes.
    pub size: u64,
    /// The image's NT path, UTF-16LE (cut at [`LIST_PATH_BYTES`]).
    pub path: Vec<u8>,
    /// The processes holding handles on its volume (the first
    /// [`LIST_HOLDERS`]).
    pub holders: Vec<u32>,
}

impl Listed {
    /// The image's NT path as text (`\??\C:\images\disk.img`).
    pub fn nt_path(&self) -> alloc::string::String {
        let units: Vec<u16> = self.path.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect();
        alloc::string::String::from_utf16_lossy(&units)
    }

    /// The image's path as the user gave it: the NT path without `\??\`.
    pub fn shown_path(&self) -> alloc::string::String {
        let nt = self.nt_path();
        match nt.strip_prefix(r"\??\") {
            Some(p) => alloc::string::String::from(p),
            None => nt,
        }
    }

    /// Writes the entry into its place in a list reply.
    pub fn encode_into(&self, out: &mut [u8]) {
        let Some(e) = out.get_mut(..LIST_ENTRY_SIZE) else { return };
        e.fill(0);
        let path = self.path.get(..self.path.len().min(LIST_PATH_BYTES) & !1).unwrap_or(&[]);
        e[..4].copy_from_slice(&self.number.to_le_bytes());
        e[4] = self.letter;
        e[5] = self.flags;
        e[6..8].copy_from_slice(&self.partition.to_le_bytes());
        e[8..16].copy_from_slice(&self.size.to_le_bytes());
        e[16..18].copy_from_slice(&(path.len() as u16).to_le_bytes());
        let holders = &self.holders[..self.holders.len().min(LIST_HOLDERS)];
        e[18] = holders.len() as u8;
        for (i, pid) in holders.iter().enumerate() {
            e[24 + 4 * i..28 + 4 * i].copy_from_slice(&pid.to_le_bytes());
        }
        e[LIST_PATH_AT..LIST_PATH_AT + path.len()].copy_from_slice(path);
    }

    /// The entries of a list reply that hold a disk.
    pub fn decode_all(b: &[u8]) -> Vec<Listed> {
        b.chunks_exact(LIST_ENTRY_SIZE)
            .filter(|e| e[5] & LISTED_PRESENT != 0)
            .map(|e| {
                let n = usize::from(u16::from_le_bytes([e[16], e[17]])).min(LIST_PATH_BYTES);
                Listed {
                    number: u32_at(e, 0).unwrap_or(0),
                    letter: e[4],
                    flags: e[5],
                    partition: u16::from_le_bytes([e[6], e[7]]),
                    size: e[8..16].try_into().map(u64::from_le_bytes).unwrap_or(0),
                    path: e[LIST_PATH_AT..LIST_PATH_AT + n].to_vec(),
                    holders: (0..usize::from(e[18]).min(LIST_HOLDERS))
                        .map(|i| u32_at(e, 24 + 4 * i).unwrap_or(0))
                        .collect(),
                }
            })
            .collect()
    }
}

/// A detach request's bytes.
pub fn detach(number: u32) -> [u8; DETACH_IN_SIZE] {
    let mut b = [0u8; DETACH_IN_SIZE];
    b[..HEADER_SIZE].copy_from_slice(&header());
    b[HEADER_SIZE..HEADER_SIZE + 4].copy_from_slice(&number.to_le_bytes());
    b
}

/// Reads and checks a detach request: the disk's number.
pub fn decode_detach(b: &[u8]) -> Result<u32, Reject> {
    let bad = Reject::InvalidParameter;
    if b.len() != DETACH_IN_SIZE || u32_at(b, HEADER_SIZE + 4) != Some(0) {
        return Err(bad);
    }
    check_header(b.get(..HEADER_SIZE).ok_or(bad)?)?;
    u32_at(b, HEADER_SIZE).ok_or(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn attach_round_trips_and_refuses_what_is_wrong() {
        let p = path(r"\??\C:\img\disk.ext4");
        let r =
            AttachRequest { read_only: true, fs_type: FsType::Btrfs, letter: Some(b'L'), partition: Some(2), path: &p };
        let b = r.encode();
        assert_eq!(AttachRequest::decode(&b), Ok(r.clone()));
        // A lower-case letter is the same letter.
        let mut lower = b.clone();
        lower[HEADER_SIZE + 8] = b'l';
        assert_eq!(AttachRequest::decode(&lower).map(|r| r.letter), Ok(Some(b'L')));
        let bad = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut c = b.clone();
            f(&mut c);
            AttachRequest::decode(&c).map(|_| ())
        };
        let e = Err(Reject::InvalidParameter);
        assert_eq!(bad(&|c| c[0] ^= 1), e, "magic");
        assert_eq!(bad(&|c| c[HEADER_SIZE] = 2), e, "unknown flag");
        assert_eq!(bad(&|c| c[HEADER_SIZE + 4] = 9), e, "unknown type");
        assert_eq!(bad(&|c| c[HEADER_SIZE + 8] = b'1'), e, "letter");
        assert_eq!(bad(&|c| c[HEADER_SIZE + 16] += 2), e, "length past the end");
        assert_eq!(bad(&|c| c.truncate(c.len() - 1)), e, "odd length");
        assert_eq!(bad(&|c| c.extend_from_slice(&[0, 0])), e, "bytes past the path");
        assert_eq!(bad(&|c| c[ATTACH_HEAD..ATTACH_HEAD + 2].copy_from_slice(&[0, 0])), e, "NUL");
        assert_eq!(bad(&|c| c.truncate(ATTACH_HEAD - 1)), e, "short head");
        let empty =
            AttachRequest { read_only: false, fs_type: FsType::Detect, letter: None, partition: None, path: &[] };
        assert_eq!(AttachRequest::decode(&empty.encode()).map(|_| ()), e, "no path");
        let long = alloc::vec![b'a'; PATH_BYTES_MAX + 2];
        let long = AttachRequest { path: &long, ..empty };
        assert_eq!(AttachRequest::decode(&long.encode()).map(|_| ()), e, "too long");
    }

    #[test]
    fn lists_round_trip() {
        let mut out = alloc::vec![0u8; LIST_OUT_SIZE];
        let a = Listed {
            number: 1,
            letter: b'L',
            flags: LISTED_PRESENT | LISTED_IN_USE,
            partition: 2,
            size: 1 << 20,
            path: path(r"\??\C:\a.img"),
            holders: alloc::vec![12, 345],
        };
        a.encode_into(&mut out[LIST_ENTRY_SIZE..]);
        assert_eq!((a.nt_path(), a.shown_path()), (r"\??\C:\a.img".into(), r"C:\a.img".into()));
        assert_eq!(Listed::decode_all(&out), [a]);
        // A path longer than an entry keeps is cut at whole units.
        let long = Listed {
            number: 0,
            letter: 0,
            flags: LISTED_PRESENT,
            partition: 0,
            size: 0,
            path: alloc::vec![b'a'; 601],
            holders: alloc::vec![1; 9],
        };
        long.encode_into(&mut out);
        assert_eq!(Listed::decode_all(&out)[0].path.len(), LIST_PATH_BYTES);
        assert_eq!(Listed::decode_all(&out)[0].holders.len(), LIST_HOLDERS);
    }

    #[test]
    fn replies_and_detach() {
        let a = Attached { number: 3, letter: b'L', size: 64 << 20, arrival: -1, letter_status: 0x103 };
        assert_eq!(Attached::decode(&a.encode()), Some(a));
        assert_eq!(decode_detach(&detach(2)), Ok(2));
        let mut d = detach(2);
        d[HEADER_SIZE + 4] = 1;
        assert_eq!(decode_detach(&d), Err(Reject::InvalidParameter));
        assert_eq!(decode_detach(&d[..DETACH_IN_SIZE - 1]), Err(Reject::InvalidParameter));
    }
}
