//! Security descriptors from Linux owners and modes: queried, set (chown
//! and chmod where they map back exactly), refused otherwise. Masks here
//! are spelt from NT's generic file rights, not from fs-glue's table; where
//! the environment has advapi32, its SDDL conversions check the layout.

use super::*;
use fs_glue::security::{
    self as sec, DACL_SECURITY_INFORMATION as DACL, GROUP_SECURITY_INFORMATION as GROUP,
    OWNER_SECURITY_INFORMATION as OWNER,
};

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![("security_from_owner_and_mode", security_from_owner_and_mode::<E>)]
}

const ALL3: u32 = 7;
/// What every class may do (Linux lets anyone stat a file).
const BASE: u32 = READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
/// The owner may also chmod and touch.
const OWNER_EXTRA: u32 = WRITE_DAC | FILE_WRITE_ATTRIBUTES;

fn mask(rwx: u32, dir: bool, owner: bool) -> u32 {
    let mut m = BASE;
    if rwx & 4 != 0 {
        m |= FILE_GENERIC_READ;
    }
    if rwx & 2 != 0 {
        m |= FILE_GENERIC_WRITE | if dir { FILE_DELETE_CHILD } else { 0 };
    }
    if rwx & 1 != 0 {
        m |= FILE_GENERIC_EXECUTE;
    }
    if owner { m | OWNER_EXTRA } else { m }
}

/// `S-1-<authority>-<subs...>` as bytes.
fn sid(authority: u8, subs: &[u32]) -> Vec<u8> {
    let mut b = vec![1, subs.len() as u8, 0, 0, 0, 0, 0, authority];
    for s in subs {
        b.extend_from_slice(&s.to_le_bytes());
    }
    b
}

/// (owner SID, group SID, [(ace type, flags, mask, SID)]) of a
/// self-relative descriptor.
type Parsed = (Option<Vec<u8>>, Option<Vec<u8>>, Vec<Ace>);

/// An ACE: (type, flags, mask, SID).
type Ace = (u8, u8, u32, Vec<u8>);

fn parse(sd: &[u8]) -> Parsed {
    assert_eq!((sd[0], u16::from_le_bytes([sd[2], sd[3]]) & 0x8000), (1, 0x8000), "revision 1, self-relative");
    let sid_at = |off: usize| (off != 0).then(|| sd[off..off + 8 + 4 * sd[off + 1] as usize].to_vec());
    let (owner, group) = (sid_at(u32_at(sd, 4) as usize), sid_at(u32_at(sd, 8) as usize));
    assert_eq!(u32_at(sd, 12), 0, "no SACL");
    let mut aces = Vec::new();
    let dacl = u32_at(sd, 16) as usize;
    if dacl != 0 {
        let count = u16::from_le_bytes([sd[dacl + 4], sd[dacl + 5]]);
        let mut p = dacl + 8;
        for _ in 0..count {
            let size = u16::from_le_bytes([sd[p + 2], sd[p + 3]]) as usize;
            aces.push((sd[p], sd[p + 1], u32_at(sd, p + 4), sd[p + 8..p + size].to_vec()));
            p += size;
        }
        assert_eq!(p - dacl, u16::from_le_bytes([sd[dacl + 2], sd[dacl + 3]]) as usize, "AclSize");
    }
    (owner, group, aces)
}

/// A self-relative descriptor with the given parts (a DACL of
/// (type, flags, mask, SID) ACEs).
fn build(owner: Option<&[u8]>, group: Option<&[u8]>, aces: Option<&[Ace]>) -> Vec<u8> {
    let mut b = vec![0u8; 20];
    b[0] = 1;
    let mut control = 0x8000u16;
    for (at, part) in [(4, owner), (8, group)] {
        if let Some(p) = part {
            let off = b.len() as u32;
            b[at..at + 4].copy_from_slice(&off.to_le_bytes());
            b.extend_from_slice(p);
        }
    }
    if let Some(aces) = aces {
        control |= 0x0004;
        let off = b.len();
        b[16..20].copy_from_slice(&(off as u32).to_le_bytes());
        b.extend_from_slice(&[2, 0, 0, 0]);
        b.extend_from_slice(&(aces.len() as u16).to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        for (t, f, m, s) in aces {
            b.extend_from_slice(&[*t, *f]);
            b.extend_from_slice(&((8 + s.len()) as u16).to_le_bytes());
            b.extend_from_slice(&m.to_le_bytes());
            b.extend_from_slice(s);
        }
        let size = (b.len() - off) as u16;
        b[off + 2..off + 4].copy_from_slice(&size.to_le_bytes());
    }
    b[2..4].copy_from_slice(&control.to_le_bytes());
    b
}

fn query_sd(v: &mut impl Vol, h: Handle, info: u32) -> Vec<u8> {
    let mut b = vec![0u8; 512];
    let w = v.query_security(h, info, &mut b).unwrap();
    assert_eq!(w.status, NtStatus::SUCCESS);
    b.truncate(w.len);
    b
}

/// A descriptor for `sddl` from the platform when it has one, else the
/// given bytes (what the same SDDL spells).
fn sd_for(v: &impl Vol, sddl: &str, fallback: Vec<u8>) -> Vec<u8> {
    v.descriptor_of(sddl).unwrap_or(fallback)
}

fn security_from_owner_and_mode<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"x");
    make_dir(&mut v, "\\d");
    v.chmod(b"f", 0o2640).unwrap();
    v.chmod(b"d", 0o751).unwrap();
    let st = v.lstat(b"f").unwrap();
    let (uid, gid) = (st.stx_uid, st.stx_gid);
    let (user, group, world) = (sid(22, &[1, uid]), sid(22, &[2, gid]), sid(1, &[0]));
    let rights = READ_CONTROL | WRITE_DAC | WRITE_OWNER | FILE_READ_ATTRIBUTES;
    let h = open_ok(&mut v, "\\f", rights, SHARE_ALL, FILE_OPEN, 0);
    // Owner, group and a DACL from the mode: rw- r-- ---.
    let sd = query_sd(&mut v, h, ALL3);
    let want_aces = vec![
        (0, 0, mask(6, false, true), user.clone()),
        (0, 0, mask(4, false, false), group.clone()),
        (0, 0, mask(0, false, false), world.clone()),
    ];
    assert_eq!(parse(&sd), (Some(user.clone()), Some(group.clone()), want_aces));
    if let Some(s) = v.sddl_of(&sd, ALL3) {
        let want = format!(
            "O:S-1-22-1-{uid}G:S-1-22-2-{gid}D:P(A;;{:#x};;;S-1-22-1-{uid})(A;;FR;;;S-1-22-2-{gid})(A;;{:#x};;;WD)",
            mask(6, false, true),
            BASE
        );
        assert_eq!(s, want, "advapi32's reading");
    }
    // Only what is asked for; too small a buffer gets the length it needs.
    assert_eq!(parse(&query_sd(&mut v, h, OWNER)), (Some(user.clone()), None, vec![]));
    for len in 0..=sd.len() + 8 {
        let mut b = vec![0xCCu8; len];
        let w = v.query_security(h, ALL3, &mut b).unwrap();
        if len < sd.len() {
            assert_eq!((w.status, w.len), (NtStatus::BUFFER_OVERFLOW, sd.len()), "{len}");
        } else {
            assert_eq!((w.status, w.len), (NtStatus::SUCCESS, sd.len()), "{len}");
            assert_eq!(b[..sd.len()], sd[..], "{len}");
        }
    }
    if let Some(s) = v.query_security_at_a_bad_address(h) {
        assert_eq!(s, NtStatus::INVALID_USER_BUFFER, "a buffer no program owns");
    }
    // A directory's w lets it delete children.
    let hd = open_ok(&mut v, "\\d", rights, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    let (_, _, aces) = parse(&query_sd(&mut v, hd, DACL));
    let masks: Vec<u32> = aces.iter().map(|a| a.2).collect();
    assert_eq!(masks, [mask(7, true, true), mask(5, true, false), mask(1, true, false)]);
    v.close(hd).unwrap();
    // A set: the DACL of a mode becomes that mode; the setgid bit stays.
    let dacl = format!(
        "D:P(A;;{:#x};;;S-1-22-1-{uid})(A;;{:#x};;;S-1-22-2-{gid})(A;;{:#x};;;WD)",
        mask(7, false, true),
        mask(5, false, false),
        mask(4, false, false)
    );
    let aces = [
        (0, 0, mask(7, false, true), user.clone()),
        (0, 0, mask(5, false, false), group.clone()),
        (0, 0, mask(4, false, false), world.clone()),
    ];
    let new = sd_for(&v, &dacl, build(None, None, Some(&aces)));
    v.set_security(h, DACL, &new).unwrap();
    assert_eq!(v.lstat(b"f").unwrap().stx_mode & 0o7777, 0o2754);
    // A class without an ACE has no rights.
    let owner_only = format!("D:P(A;;{:#x};;;S-1-22-1-{uid})", mask(6, false, true));
    let aces = [(0, 0, mask(6, false, true), user.clone())];
    v.set_security(h, DACL, &sd_for(&v, &owner_only, build(None, None, Some(&aces)))).unwrap();
    assert_eq!(v.lstat(b"f").unwrap().stx_mode & 0o7777, 0o2600);
    // Owner and group of the Unix-id form: chown.
    let both = OWNER | GROUP;
    let (u2, g2) = (sid(22, &[1, 1234]), sid(22, &[2, 5678]));
    let ids = sd_for(&v, "O:S-1-22-1-1234G:S-1-22-2-5678", build(Some(&u2), Some(&g2), None));
    v.set_security(h, both, &ids).unwrap();
    let st = v.lstat(b"f").unwrap();
    assert_eq!((st.stx_uid, st.stx_gid), (1234, 5678));
    assert_eq!(parse(&query_sd(&mut v, h, both)), (Some(u2.clone()), Some(g2.clone()), vec![]));
    // What no owner, group or mode gives is refused, and nothing changes.
    let before = v.lstat(b"f").unwrap();
    let admins = sid(5, &[32, 544]);
    let refused = [
        (OWNER, build(Some(&admins), None, None), NtStatus::INVALID_OWNER),
        (GROUP, build(None, Some(&admins), None), NtStatus::INVALID_PRIMARY_GROUP),
        // A deny ACE, a mask no rwx gives, an ACE for another SID, two
        // for one class.
        (DACL, build(None, None, Some(&[(1, 0, FILE_ALL_ACCESS, world.clone())])), NtStatus::NOT_SUPPORTED),
        (DACL, build(None, None, Some(&[(0, 0, mask(6, false, true) | DELETE, u2.clone())])), NtStatus::NOT_SUPPORTED),
        (DACL, build(None, None, Some(&[(0, 0, BASE, admins.clone())])), NtStatus::NOT_SUPPORTED),
        (
            DACL,
            build(None, None, Some(&[(0, 0, BASE, world.clone()), (0, 0, BASE, world.clone())])),
            NtStatus::NOT_SUPPORTED,
        ),
        // A SACL needs ACCESS_SYSTEM_SECURITY; no DACL at all is no mode.
        (sec::SACL_SECURITY_INFORMATION, build(None, None, None), NtStatus::ACCESS_DENIED),
        (DACL, build(None, None, None), NtStatus::NOT_SUPPORTED),
    ];
    for (info, sd, want) in refused {
        assert_eq!(v.set_security(h, info, &sd), Err(want), "{info} {sd:02x?}");
    }
    let after = v.lstat(b"f").unwrap();
    assert_eq!((after.stx_mode, after.stx_uid, after.stx_gid), (before.stx_mode, before.stx_uid, before.stx_gid));
    // Rights: READ_CONTROL to query, WRITE_DAC to set a DACL.
    let weak = open_ok(&mut v, "\\f", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.query_security(weak, DACL, &mut [0u8; 256]), Err(NtStatus::ACCESS_DENIED));
    assert_eq!(v.set_security(weak, DACL, &new), Err(NtStatus::ACCESS_DENIED));
    v.close(weak).unwrap();
    v.close(h).unwrap();
    // A read-only volume shows the descriptor and refuses the right to
    // change it at the open.
    let mut v = env.remount(v, MountOptions { read_only: true, ..MountOptions::default() });
    let h = open_ok(&mut v, "\\f", READ_CONTROL, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(parse(&query_sd(&mut v, h, OWNER)).0, Some(u2));
    v.close(h).unwrap();
    let r = create(&mut v, "\\f", READ_CONTROL | WRITE_DAC, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(r.status, NtStatus::MEDIA_WRITE_PROTECTED);
}
