//! Security descriptors from Linux owners and modes (IRP_MJ_QUERY_SECURITY,
//! IRP_MJ_SET_SECURITY).
//!
//! The mapping, the one Samba and the NFS client use for ids without a
//! Windows account:
//!
//! - owner: `S-1-22-1-<uid>`; group: `S-1-22-2-<gid>`;
//! - the DACL (protected: nothing is inherited) has three allow ACEs, for
//!   the owner, the group and Everyone (`S-1-1-0`), each from its class's
//!   `rwx` bits: `r` is FILE_GENERIC_READ, `w` FILE_GENERIC_WRITE (and
//!   FILE_DELETE_CHILD on a directory), `x` FILE_GENERIC_EXECUTE; every
//!   class has READ_CONTROL, SYNCHRONIZE and FILE_READ_ATTRIBUTES (Linux
//!   lets anyone stat a file) and the owner WRITE_DAC and
//!   FILE_WRITE_ATTRIBUTES (the owner may chmod and touch it);
//! - no SACL: Linux keeps no audit list.
//!
//! Windows adds up every allow ACE that matches a caller where Linux takes
//! only the first matching class, so the DACL grants the owner the
//! group's and everyone's rights too; Linux decides every access anyway.
//!
//! A set changes what maps back exactly: an owner or group of the form
//! above (chown), and a DACL that is exactly what a mode gives (chmod,
//! keeping the setuid, setgid and sticky bits). Anything else is refused
//! whole: STATUS_INVALID_OWNER / STATUS_INVALID_PRIMARY_GROUP for another
//! SID, STATUS_NOT_SUPPORTED for a DACL no mode gives or a SACL.

use crate::nt::*;
use crate::open_table::Kind;
use crate::wire::*;
use crate::{Access, Handle, NtStatus, Vfs, Volume, Written};
use alloc::vec::Vec;
use lkl_abi::sys;

/// SECURITY_INFORMATION bits.
pub const OWNER_SECURITY_INFORMATION: u32 = 0x1;
/// See [`OWNER_SECURITY_INFORMATION`].
pub const GROUP_SECURITY_INFORMATION: u32 = 0x2;
/// See [`OWNER_SECURITY_INFORMATION`].
pub const DACL_SECURITY_INFORMATION: u32 = 0x4;
/// See [`OWNER_SECURITY_INFORMATION`].
pub const SACL_SECURITY_INFORMATION: u32 = 0x8;

const SE_DACL_PRESENT: u16 = 0x0004;
const SE_DACL_PROTECTED: u16 = 0x1000;
const SE_SELF_RELATIVE: u16 = 0x8000;
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
/// Bytes of a self-relative SECURITY_DESCRIPTOR's header.
const SD_HEADER: usize = 20;
const ACL_HEADER: usize = 8;
const ACE_HEADER: usize = 8;
/// The NT authority of Samba's Unix ids (`S-1-22-...`).
const UNIX_AUTHORITY: u64 = 22;

/// Rights every class has, and what the owner has beyond its bits.
const BASE: u32 = READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
const OWNER_EXTRA: u32 = WRITE_DAC | FILE_WRITE_ATTRIBUTES;

/// A SID: its identifier authority and sub-authorities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sid {
    /// IdentifierAuthority (48 bits).
    pub authority: u64,
    /// SubAuthority values.
    pub subs: Vec<u32>,
}

impl Sid {
    /// `S-1-22-1-uid`.
    pub fn user(uid: u32) -> Sid {
        Sid { authority: UNIX_AUTHORITY, subs: alloc::vec![1, uid] }
    }
    /// `S-1-22-2-gid`.
    pub fn group(gid: u32) -> Sid {
        Sid { authority: UNIX_AUTHORITY, subs: alloc::vec![2, gid] }
    }
    /// `S-1-1-0`, Everyone.
    pub fn everyone() -> Sid {
        Sid { authority: 1, subs: alloc::vec![0] }
    }

    fn len(&self) -> usize {
        8 + 4 * self.subs.len()
    }

    fn put(&self, b: &mut Vec<u8>) {
        b.push(1);
        b.push(self.subs.len() as u8);
        b.extend_from_slice(&self.authority.to_be_bytes()[2..]);
        for s in &self.subs {
            b.extend_from_slice(&s.to_le_bytes());
        }
    }

    /// The SID at `off` of `b` (bounds checked).
    fn parse(b: &[u8], off: usize) -> Option<Sid> {
        let head = b.get(off..off + 8)?;
        let n = head[1] as usize;
        if head[0] != 1 || n > 15 {
            return None;
        }
        let mut a = [0u8; 8];
        a[2..].copy_from_slice(&head[2..8]);
        let subs = b
            .get(off + 8..off + 8 + 4 * n)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Some(Sid { authority: u64::from_be_bytes(a), subs })
    }

    /// The uid of `S-1-22-1-uid`, the gid of `S-1-22-2-gid` (`kind` 1 or 2).
    fn unix_id(&self, kind: u32) -> Option<u32> {
        match self.subs[..] {
            [k, id] if self.authority == UNIX_AUTHORITY && k == kind => Some(id),
            _ => None,
        }
    }
}

/// The access mask one class's `rwx` bits (0..=7) give.
pub fn class_mask(bits: u32, is_dir: bool, owner: bool) -> u32 {
    let mut m = BASE;
    if bits & 4 != 0 {
        m |= FILE_GENERIC_READ;
    }
    if bits & 2 != 0 {
        m |= FILE_GENERIC_WRITE | if is_dir { FILE_DELETE_CHILD } else { 0 };
    }
    if bits & 1 != 0 {
        m |= FILE_GENERIC_EXECUTE;
    }
    if owner {
        m |= OWNER_EXTRA;
    }
    m
}

/// The DACL of `mode` for `uid`/`gid`.
fn dacl(uid: u32, gid: u32, mode: u32, is_dir: bool) -> Vec<u8> {
    let aces = [
        (Sid::user(uid), class_mask(mode >> 6 & 7, is_dir, true)),
        (Sid::group(gid), class_mask(mode >> 3 & 7, is_dir, false)),
        (Sid::everyone(), class_mask(mode & 7, is_dir, false)),
    ];
    let size = ACL_HEADER + aces.iter().map(|(s, _)| ACE_HEADER + s.len()).sum::<usize>();
    let mut b = Vec::with_capacity(size);
    b.extend_from_slice(&[2, 0]);
    b.extend_from_slice(&(size as u16).to_le_bytes());
    b.extend_from_slice(&(aces.len() as u16).to_le_bytes());
    b.extend_from_slice(&[0, 0]);
    for (sid, mask) in &aces {
        b.push(ACCESS_ALLOWED_ACE_TYPE);
        b.push(0);
        b.extend_from_slice(&((ACE_HEADER + sid.len()) as u16).to_le_bytes());
        b.extend_from_slice(&mask.to_le_bytes());
        sid.put(&mut b);
    }
    b
}

/// The self-relative security descriptor of a file with `uid`, `gid` and
/// `mode`, holding the parts `info` asks for.
pub fn descriptor(uid: u32, gid: u32, mode: u32, is_dir: bool, info: u32) -> Vec<u8> {
    let mut b = alloc::vec![0u8; SD_HEADER];
    b[0] = 1;
    let mut control = SE_SELF_RELATIVE;
    if info & OWNER_SECURITY_INFORMATION != 0 {
        let at = b.len() as u32;
        put_u32(&mut b, 4, at);
        Sid::user(uid).put(&mut b);
    }
    if info & GROUP_SECURITY_INFORMATION != 0 {
        let at = b.len() as u32;
        put_u32(&mut b, 8, at);
        Sid::group(gid).put(&mut b);
    }
    if info & DACL_SECURITY_INFORMATION != 0 {
        control |= SE_DACL_PRESENT | SE_DACL_PROTECTED;
        let at = b.len() as u32;
        put_u32(&mut b, 16, at);
        b.extend_from_slice(&dacl(uid, gid, mode, is_dir));
    }
    put_u16(&mut b, 2, control);
    b
}

/// The bytes a self-relative descriptor spans (its header and whatever its
/// offsets point to), if all of it is inside `sd`: what a capture of the
/// descriptor would copy.
pub fn self_relative_len(sd: &[u8]) -> Option<usize> {
    let mut end = SD_HEADER;
    for (at, acl) in [(4, false), (8, false), (12, true), (16, true)] {
        let off = get_u32(sd, at).ok()? as usize;
        if off == 0 {
            continue;
        }
        let len = if acl { get_u16(sd, off + 2).ok()? as usize } else { 8 + 4 * *sd.get(off + 1)? as usize };
        end = end.max(off.checked_add(len)?);
    }
    (end <= sd.len()).then_some(end)
}

/// What a SET_SECURITY asks for: a new owner, group and mode bits.
#[derive(Debug, Default, PartialEq, Eq)]
struct Change {
    uid: Option<u32>,
    gid: Option<u32>,
    bits: Option<u32>,
}

/// The rwx bits an ACE's mask stands for, if it is exactly one that
/// [`class_mask`] gives.
fn bits_of(mask: u32, is_dir: bool, owner: bool) -> Option<u32> {
    (0..8).find(|&b| class_mask(b, is_dir, owner) == mask)
}

/// Reads a self-relative descriptor for the parts `info` names, against
/// the file's current `uid`/`gid`.
fn parse_change(sd: &[u8], info: u32, uid: u32, gid: u32, is_dir: bool) -> Result<Change, NtStatus> {
    let bad = NtStatus::INVALID_SECURITY_DESCR;
    if sd.len() < SD_HEADER || sd[0] != 1 {
        return Err(bad);
    }
    let control = get_u16(sd, 2)?;
    if control & SE_SELF_RELATIVE == 0 {
        return Err(bad);
    }
    let at = |off: usize| get_u32(sd, off).map(|v| v as usize);
    let mut c = Change::default();
    if info & SACL_SECURITY_INFORMATION != 0 {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    if info & OWNER_SECURITY_INFORMATION != 0 {
        let sid = Sid::parse(sd, at(4)?).filter(|_| at(4).is_ok_and(|o| o != 0)).ok_or(bad)?;
        c.uid = Some(sid.unix_id(1).ok_or(NtStatus::INVALID_OWNER)?);
    }
    if info & GROUP_SECURITY_INFORMATION != 0 {
        let sid = Sid::parse(sd, at(8)?).filter(|_| at(8).is_ok_and(|o| o != 0)).ok_or(bad)?;
        c.gid = Some(sid.unix_id(2).ok_or(NtStatus::INVALID_PRIMARY_GROUP)?);
    }
    if info & DACL_SECURITY_INFORMATION != 0 {
        let off = at(16)?;
        // No DACL (everyone may do anything) is no mode.
        if control & SE_DACL_PRESENT == 0 || off == 0 {
            return Err(NtStatus::NOT_SUPPORTED);
        }
        let (owner, group) = (Sid::user(c.uid.unwrap_or(uid)), Sid::group(c.gid.unwrap_or(gid)));
        let acl = sd.get(off..).ok_or(bad)?;
        if acl.len() < ACL_HEADER || !matches!(acl[0], 2 | 4) {
            return Err(NtStatus::INVALID_ACL);
        }
        let size = get_u16(acl, 2)? as usize;
        let count = get_u16(acl, 4)? as usize;
        let acl = acl.get(..size).ok_or(NtStatus::INVALID_ACL)?;
        let mut classes: [Option<u32>; 3] = [None; 3];
        let mut p = ACL_HEADER;
        for _ in 0..count {
            let head = acl.get(p..p + ACE_HEADER).ok_or(NtStatus::INVALID_ACL)?;
            let ace_size = u16::from_le_bytes([head[2], head[3]]) as usize;
            let mask = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
            let ace = acl.get(p..p + ace_size).ok_or(NtStatus::INVALID_ACL)?;
            let sid = Sid::parse(ace, ACE_HEADER).ok_or(NtStatus::INVALID_ACL)?;
            if ace_size < ACE_HEADER + sid.len() {
                return Err(NtStatus::INVALID_ACL);
            }
            // Only plain allow ACEs for the three classes map to a mode.
            if head[0] != ACCESS_ALLOWED_ACE_TYPE || head[1] != 0 {
                return Err(NtStatus::NOT_SUPPORTED);
            }
            let class = if sid == owner {
                0
            } else if sid == group {
                1
            } else if sid == Sid::everyone() {
                2
            } else {
                return Err(NtStatus::NOT_SUPPORTED);
            };
            if classes[class].is_some() {
                return Err(NtStatus::NOT_SUPPORTED);
            }
            classes[class] = Some(bits_of(mask, is_dir, class == 0).ok_or(NtStatus::NOT_SUPPORTED)?);
            p += ace_size;
        }
        // A class without an ACE has no rights.
        let [u, g, o] = classes.map(|b| b.unwrap_or(0));
        c.bits = Some(u << 6 | g << 3 | o);
    }
    Ok(c)
}

impl<V: Vfs> Volume<V> {
    /// IRP_MJ_QUERY_SECURITY: the descriptor's parts `info` asks for. A
    /// buffer too small gets STATUS_BUFFER_OVERFLOW with the length it
    /// needs as Information (and nothing written), as NTFS answers.
    pub fn query_security(&mut self, h: Handle, info: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let o = self.open(h)?;
        let need = if info & SACL_SECURITY_INFORMATION != 0 { Access::ACCESS_SYSTEM_SECURITY } else { Access::empty() }
            | if info & !SACL_SECURITY_INFORMATION != 0 { Access::READ_CONTROL } else { Access::empty() };
        if !o.granted.contains(need) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let st = self.stat_open(o)?;
        let sd = descriptor(st.stx_uid, st.stx_gid, u32::from(st.stx_mode), o.kind == Kind::Dir, info);
        if buf.len() < sd.len() {
            return Ok(Written::overflow(sd.len()));
        }
        put_bytes(buf, 0, &sd);
        Ok(Written::ok(sd.len()))
    }

    /// IRP_MJ_SET_SECURITY from a self-relative descriptor (the I/O
    /// manager's captured copy): chown and chmod where the parts map back
    /// exactly, nothing at all otherwise.
    pub fn set_security(&mut self, h: Handle, info: u32, sd: &[u8]) -> Result<(), NtStatus> {
        let o = self.open(h)?;
        let mut need = Access::empty();
        if info & (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION) != 0 {
            need |= Access::WRITE_OWNER;
        }
        if info & DACL_SECURITY_INFORMATION != 0 {
            need |= Access::WRITE_DAC;
        }
        if info & SACL_SECURITY_INFORMATION != 0 {
            need |= Access::ACCESS_SYSTEM_SECURITY;
        }
        if !o.granted.contains(need) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        let st = self.stat_open(o)?;
        let is_dir = o.kind == Kind::Dir;
        let c = parse_change(sd, info, st.stx_uid, st.stx_gid, is_dir)?;
        let (path, kind) = (o.path.clone(), o.kind);
        let root = self.vfs.root();
        let at = crate::path::at_path(&path);
        // A symbolic link has no mode of its own in Linux; checked before
        // the owner changes, so a refusal changes nothing.
        if c.bits.is_some() && kind == Kind::Symlink {
            return Err(NtStatus::NOT_SUPPORTED);
        }
        if c.uid.is_some() || c.gid.is_some() {
            let (u, g) = (c.uid.unwrap_or(u32::MAX), c.gid.unwrap_or(u32::MAX));
            self.vfs.fchownat(root, at, u, g, sys::AT_SYMLINK_NOFOLLOW)?;
        }
        if let Some(bits) = c.bits {
            self.vfs.fchmodat(root, at, (u32::from(st.stx_mode) & 0o7000) | bits)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_round_trip_through_a_set() {
        for mode in [0o000, 0o644, 0o755, 0o700, 0o777, 0o421, 0o1750] {
            for is_dir in [false, true] {
                let sd = descriptor(1000, 100, mode, is_dir, 7);
                let c = parse_change(&sd, 7, 1, 2, is_dir).unwrap();
                assert_eq!(c, Change { uid: Some(1000), gid: Some(100), bits: Some(mode & 0o777) }, "{mode:o}");
            }
        }
    }

    #[test]
    fn sids_are_samba_s() {
        let mut b = Vec::new();
        Sid::user(1000).put(&mut b);
        // S-1-22-1-1000
        assert_eq!(b, [1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0, 0xE8, 3, 0, 0]);
        assert_eq!(Sid::parse(&b, 0), Some(Sid::user(1000)));
        assert_eq!(Sid::parse(&b[..15], 0), None);
    }

    #[test]
    fn what_no_mode_gives_is_refused() {
        let sd = descriptor(1, 2, 0o644, false, 7);
        // Another owner SID.
        let mut other = sd.clone();
        other[SD_HEADER + 7] = 5;
        assert_eq!(parse_change(&other, 1, 1, 2, false), Err(NtStatus::INVALID_OWNER));
        // A mask no rwx gives.
        let mut odd = sd.clone();
        let dacl_off = u32::from_le_bytes([sd[16], sd[17], sd[18], sd[19]]) as usize;
        odd[dacl_off + ACL_HEADER + 4] ^= 0x01;
        assert_eq!(parse_change(&odd, 4, 1, 2, false), Err(NtStatus::NOT_SUPPORTED));
        assert_eq!(parse_change(&sd, 8, 1, 2, false), Err(NtStatus::NOT_SUPPORTED));
        for n in 0..sd.len() {
            assert!(parse_change(&sd[..n], 7, 1, 2, false).is_err(), "{n}");
        }
    }
}
