//! Extended attributes: Linux `user.` xattrs as EAs, through QUERY_EA,
//! SET_EA, a create's EaBuffer and FileEaInformation.

use super::*;
use fs_glue::layout;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![
        ("eas_are_user_xattrs", eas_are_user_xattrs::<E>),
        ("ea_queries_scan_index_and_list", ea_queries_scan_index_and_list::<E>),
        ("ea_sets_checked_whole", ea_sets_checked_whole::<E>),
        ("eas_at_create", eas_at_create::<E>),
    ]
}

/// A FILE_FULL_EA_INFORMATION list of (flags, name, value).
pub fn full_eas(entries: &[(u8, &str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for (i, (flags, name, value)) in entries.iter().enumerate() {
        let start = b.len();
        b.extend_from_slice(&[0; 4]);
        b.push(*flags);
        b.push(name.len() as u8);
        b.extend_from_slice(&(value.len() as u16).to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        b.extend_from_slice(value);
        if i + 1 < entries.len() {
            b.resize((b.len() + 3) & !3, 0);
            let next = (b.len() - start) as u32;
            b[start..start + 4].copy_from_slice(&next.to_le_bytes());
        }
    }
    b
}

/// A FILE_GET_EA_INFORMATION list of names.
fn get_list(names: &[&str]) -> Vec<u8> {
    let mut b = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let start = b.len();
        b.extend_from_slice(&[0; 4]);
        b.push(name.len() as u8);
        b.extend_from_slice(name.as_bytes());
        b.push(0);
        if i + 1 < names.len() {
            b.resize((b.len() + 3) & !3, 0);
            let next = (b.len() - start) as u32;
            b[start..start + 4].copy_from_slice(&next.to_le_bytes());
        }
    }
    b
}

/// The (name, value) entries of a QUERY_EA result of `len` bytes, checking
/// the chain: 4-aligned, flags 0, names NUL-terminated, the last entry
/// ending exactly at `len`.
pub fn parse_eas(b: &[u8], len: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut off = 0;
    loop {
        let next = u32_at(b, off) as usize;
        let (flags, nl) = (b[off + 4], b[off + 5] as usize);
        let vl = u16::from_le_bytes([b[off + 6], b[off + 7]]) as usize;
        assert_eq!(flags, 0, "flags at {off}");
        assert_eq!(b[off + 8 + nl], 0, "the name's NUL at {off}");
        let name = String::from_utf8(b[off + 8..off + 8 + nl].to_vec()).unwrap();
        out.push((name, b[off + 9 + nl..off + 9 + nl + vl].to_vec()));
        if next == 0 {
            assert_eq!(off + 9 + nl + vl, len, "Information is the end of the last entry");
            return out;
        }
        assert_eq!(next % 4, 0, "NextEntryOffset at {off}");
        off += next;
    }
}

fn query(v: &mut impl Vol, h: Handle, p: &QueryEaParams<'_>, len: usize) -> Result<(Written, Vec<u8>), NtStatus> {
    let mut b = vec![0xCCu8; len];
    v.query_ea(h, p, &mut b).map(|w| (w, b))
}

fn scan(restart: bool, single: bool) -> QueryEaParams<'static> {
    QueryEaParams { restart, single, ..QueryEaParams::default() }
}

/// Every EA of `h` (a restarted scan into a large buffer).
fn all_eas(v: &mut impl Vol, h: Handle) -> Vec<(String, Vec<u8>)> {
    match query(v, h, &scan(true, false), 65536) {
        Ok((w, b)) => {
            assert_eq!(w.status, NtStatus::SUCCESS);
            parse_eas(&b, w.len)
        }
        Err(NtStatus::NO_EAS_ON_FILE) => Vec::new(),
        Err(e) => panic!("query EAs: {e:?}"),
    }
}

fn ea_size(v: &mut impl Vol, h: Handle) -> u32 {
    let mut b = [0u8; 4];
    v.query_information(h, FILE_EA_INFORMATION, &mut b).unwrap();
    u32::from_le_bytes(b)
}

fn pairs(p: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    p.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect()
}

const EA_RIGHTS: u32 = FILE_READ_EA | FILE_WRITE_EA | FILE_READ_ATTRIBUTES;

fn eas_are_user_xattrs<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"data");
    make_dir(&mut v, "\\d");
    v.set_xattr(b"f", b"user.lower", b"from linux").unwrap();
    v.set_xattr(b"f", b"user.Mixed", b"m").unwrap();
    // Not valid EA names: Linux keeps them, NT does not list them.
    v.set_xattr(b"f", b"user.bad:name", b"x").unwrap();
    v.set_xattr(b"f", "user.caf\u{e9}".as_bytes(), b"x").unwrap();
    // A handle without data access (fs-glue holds an O_PATH descriptor).
    let h = open_ok(&mut v, "\\f", EA_RIGHTS, SHARE_ALL, FILE_OPEN, 0);
    // Upper-cased, in byte order of their NT names.
    assert_eq!(all_eas(&mut v, h), pairs(&[("LOWER", b"from linux"), ("MIXED", b"m")]));
    // MS-FSA's EaSize: the list header and 5 + name + value per EA.
    assert_eq!(ea_size(&mut v, h), 4 + (5 + 5 + 10) + (5 + 5 + 1));
    let mut all = vec![0u8; layout::all::SIZE + 64];
    v.query_information(h, FILE_ALL_INFORMATION, &mut all).unwrap();
    assert_eq!(u32_at(&all, layout::all::EA), 35);
    // A set finds the Linux name ignoring case and keeps it; a new EA
    // keeps its caller's case; an empty value removes.
    let w = v.set_ea(h, &full_eas(&[(0, "LoWeR", b"changed"), (0, "NewOne", b"v"), (0, "mixed", b"")])).unwrap();
    assert_eq!((w.status, w.len), (NtStatus::SUCCESS, 0));
    assert_eq!(v.get_xattr(b"f", b"user.lower").unwrap(), b"changed");
    assert_eq!(v.get_xattr(b"f", b"user.NewOne").unwrap(), b"v");
    let mut names = v.list_xattr(b"f").unwrap();
    names.sort();
    let want: Vec<Vec<u8>> = ["user.NewOne", "user.bad:name", "user.caf\u{e9}", "user.lower"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    assert_eq!(names, want);
    // Removing what is not there is no error.
    v.set_ea(h, &full_eas(&[(0, "NOTHERE", b"")])).unwrap();
    v.close(h).unwrap();
    // A handle with data access, and a directory.
    let h = open_ok(&mut v, "\\f", FILE_READ_DATA | FILE_READ_EA, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(all_eas(&mut v, h), pairs(&[("LOWER", b"changed"), ("NEWONE", b"v")]));
    v.close(h).unwrap();
    let h = open_ok(&mut v, "\\d", EA_RIGHTS, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    assert_eq!(query(&mut v, h, &scan(true, false), 100).unwrap_err(), NtStatus::NO_EAS_ON_FILE);
    assert_eq!(ea_size(&mut v, h), 0);
    v.set_ea(h, &full_eas(&[(0, "dir.ea", b"1")])).unwrap();
    assert_eq!(v.get_xattr(b"d", b"user.dir.ea").unwrap(), b"1");
    assert_eq!(all_eas(&mut v, h), pairs(&[("DIR.EA", b"1")]));
    v.close(h).unwrap();
    // Rights: FILE_READ_EA to query, FILE_WRITE_EA to set.
    let h = open_ok(&mut v, "\\f", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(query(&mut v, h, &scan(true, false), 100).unwrap_err(), NtStatus::ACCESS_DENIED);
    assert_eq!(v.set_ea(h, &full_eas(&[(0, "X", b"1")])), Err(NtStatus::ACCESS_DENIED));
    v.close(h).unwrap();
    // A symbolic link itself has no EAs, and takes none.
    v.symlink(b"f", b"link").unwrap();
    let h = open_ok(&mut v, "\\link", EA_RIGHTS, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    assert_eq!(query(&mut v, h, &scan(true, false), 100).unwrap_err(), NtStatus::NO_EAS_ON_FILE);
    assert_eq!(v.set_ea(h, &full_eas(&[(0, "X", b"1")])), Err(NtStatus::EAS_NOT_SUPPORTED));
    v.close(h).unwrap();
}

fn ea_queries_scan_index_and_list<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"");
    let h = open_ok(&mut v, "\\f", EA_RIGHTS, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(query(&mut v, h, &scan(true, false), 0).unwrap_err(), NtStatus::NO_EAS_ON_FILE);
    v.set_ea(h, &full_eas(&[(0, "A", b"1"), (0, "BB", b"22"), (0, "CCC", b"333")])).unwrap();
    // One at a time: the handle remembers where the scan is.
    for want in [("A", "1"), ("BB", "22"), ("CCC", "333")] {
        let restart = want.0 == "A";
        let (w, b) = query(&mut v, h, &scan(restart, true), 100).unwrap();
        assert_eq!(w.status, NtStatus::SUCCESS);
        assert_eq!(parse_eas(&b, w.len), pairs(&[(want.0, want.1.as_bytes())]));
    }
    let (w, _) = query(&mut v, h, &scan(false, true), 100).unwrap();
    assert_eq!(w.status, NtStatus::NO_MORE_EAS);
    // Every buffer length: entries of 11, 13 and 15 bytes at 0, 12 and 28.
    for len in 0..=48 {
        match (len, query(&mut v, h, &scan(true, false), len)) {
            (0..11, r) => assert_eq!(r.unwrap_err(), NtStatus::BUFFER_TOO_SMALL, "{len}"),
            (_, r) => {
                let (w, b) = r.unwrap();
                let want = match len {
                    11..25 => (NtStatus::BUFFER_OVERFLOW, 11),
                    25..43 => (NtStatus::BUFFER_OVERFLOW, 25),
                    _ => (NtStatus::SUCCESS, 43),
                };
                assert_eq!((w.status, w.len), want, "{len}");
                assert_eq!(b[w.len..], vec![0xCC; len - w.len][..], "nothing written past the entries ({len})");
            }
        }
    }
    let (w, b) = query(&mut v, h, &scan(true, false), 16).unwrap();
    assert_eq!((w.status, w.len), (NtStatus::BUFFER_OVERFLOW, 11));
    assert_eq!(parse_eas(&b, w.len), pairs(&[("A", b"1")]));
    // The scan goes on after what was returned.
    let (w, b) = query(&mut v, h, &scan(false, false), 100).unwrap();
    assert_eq!(w.status, NtStatus::SUCCESS);
    assert_eq!(parse_eas(&b, w.len), pairs(&[("BB", b"22"), ("CCC", b"333")]));
    // By 1-based index.
    let at = |i| QueryEaParams { index: Some(i), ..QueryEaParams::default() };
    let (w, b) = query(&mut v, h, &at(2), 100).unwrap();
    assert_eq!(parse_eas(&b, w.len), pairs(&[("BB", b"22"), ("CCC", b"333")]));
    assert_eq!(query(&mut v, h, &at(4), 100).unwrap().0.status, NtStatus::NO_MORE_EAS);
    assert_eq!(query(&mut v, h, &at(0), 100).unwrap_err(), NtStatus::NONEXISTENT_EA_ENTRY);
    assert_eq!(query(&mut v, h, &at(5), 100).unwrap_err(), NtStatus::NONEXISTENT_EA_ENTRY);
    // By name: in the list's order, a missing one with no value, a
    // repeated one once.
    let list = get_list(&["ccc", "missing", "CcC", "a"]);
    let by = QueryEaParams { list: Some(&list), ..QueryEaParams::default() };
    let (w, b) = query(&mut v, h, &by, 100).unwrap();
    assert_eq!(w.status, NtStatus::SUCCESS);
    assert_eq!(parse_eas(&b, w.len), pairs(&[("CCC", b"333"), ("MISSING", b""), ("A", b"1")]));
    let (w, _) = query(&mut v, h, &by, 20).unwrap();
    assert_eq!((w.status, w.len), (NtStatus::BUFFER_OVERFLOW, 0));
    let bad = get_list(&["ok", "a*b"]);
    let (w, _) = query(&mut v, h, &QueryEaParams { list: Some(&bad), ..QueryEaParams::default() }, 100).unwrap();
    assert_eq!((w.status, w.len), (NtStatus::INVALID_EA_NAME, 8));
    v.close(h).unwrap();
}

fn ea_sets_checked_whole<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"");
    let h = open_ok(&mut v, "\\f", EA_RIGHTS, SHARE_ALL, FILE_OPEN, 0);
    v.set_ea(h, &full_eas(&[(0, "KEEP", b"k")])).unwrap();
    // A bad name anywhere: nothing changes, and Information is its offset.
    let b = full_eas(&[(0, "FIRST", b"1"), (0, "a:b", b"2")]);
    let w = v.set_ea(h, &b).unwrap();
    assert_eq!((w.status, w.len), (NtStatus::INVALID_EA_NAME, 16));
    let w = v.set_ea(h, &full_eas(&[(0, "FIRST", b"1"), (0x01, "FLAGGED", b"2")])).unwrap();
    assert_eq!((w.status, w.len), (NtStatus::INVALID_EA_NAME, 16));
    // FILE_NEED_EA has no place in Linux.
    assert_eq!(v.set_ea(h, &full_eas(&[(0x80, "NEED", b"1")])), Err(NtStatus::NOT_SUPPORTED));
    // Broken chains: a warning with the bad entry's offset.
    let inconsistent = |at| Ok(Written { status: NtStatus::EA_LIST_INCONSISTENT, len: at });
    let mut odd = full_eas(&[(0, "FIRST", b"1"), (0, "SECOND", b"2")]);
    odd[0] = 13;
    assert_eq!(v.set_ea(h, &odd), inconsistent(0));
    let mut cut = full_eas(&[(0, "FIRST", b"1"), (0, "SECOND", b"2")]);
    cut.pop();
    assert_eq!(v.set_ea(h, &cut), inconsistent(16));
    assert_eq!(v.set_ea(h, &[]), inconsistent(0));
    // More than an EA list may hold.
    let big = vec![7u8; 40000];
    assert_eq!(v.set_ea(h, &full_eas(&[(0, "BIG1", &big), (0, "BIG2", &big)])), Err(NtStatus::EA_TOO_LARGE));
    assert_eq!(all_eas(&mut v, h), pairs(&[("KEEP", b"k")]));
    v.close(h).unwrap();
    // A read-only volume refuses, and keeps what it has.
    let mut v = env.remount(v, MountOptions { read_only: true, ..MountOptions::default() });
    let h = open_ok(&mut v, "\\f", FILE_READ_EA | FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(all_eas(&mut v, h), pairs(&[("KEEP", b"k")]));
    assert_eq!(v.set_ea(h, &full_eas(&[(0, "X", b"1")])), Err(NtStatus::ACCESS_DENIED));
    v.close(h).unwrap();
    assert_eq!(v.get_xattr(b"f", b"user.KEEP").unwrap(), b"k");
}

fn create_with_eas(v: &mut impl Vol, name: &str, disp: u32, ea: &[u8]) -> CreateResult {
    let n = w(name);
    v.create(&CreateParams {
        related: None,
        name: &n,
        desired_access: FILE_GENERIC_READ | FILE_GENERIC_WRITE,
        file_attributes: 0,
        share_access: SHARE_ALL,
        disposition: disp,
        options: FILE_NON_DIRECTORY_FILE,
        ea,
    })
}

/// Leaves `/ea-created` with `user.not:nt` = `kept` and `user.second` =
/// `2`, which suite 20 reads back from the image with debugfs.
fn eas_at_create<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    // A new file takes the EaBuffer's EAs.
    let r = create_with_eas(&mut v, "\\ea-created", FILE_CREATE, &full_eas(&[(0, "Created", b"yes")]));
    assert_eq!((r.status, r.information), (NtStatus::SUCCESS, FILE_CREATED));
    v.close(r.handle.unwrap()).unwrap();
    assert_eq!(v.list_xattr(b"ea-created").unwrap(), [b"user.Created".to_vec()]);
    // An open ignores them.
    let r = create_with_eas(&mut v, "\\ea-created", FILE_OPEN, &full_eas(&[(0, "IGNORED", b"1")]));
    assert_eq!((r.status, r.information), (NtStatus::SUCCESS, FILE_OPENED));
    v.close(r.handle.unwrap()).unwrap();
    assert_eq!(v.list_xattr(b"ea-created").unwrap(), [b"user.Created".to_vec()]);
    // An overwrite replaces what NT saw, and leaves Linux's own alone.
    v.set_xattr(b"ea-created", b"user.not:nt", b"kept").unwrap();
    let r = create_with_eas(&mut v, "\\ea-created", FILE_OVERWRITE, &full_eas(&[(0, "second", b"2")]));
    assert_eq!((r.status, r.information), (NtStatus::SUCCESS, FILE_OVERWRITTEN));
    v.close(r.handle.unwrap()).unwrap();
    let mut names = v.list_xattr(b"ea-created").unwrap();
    names.sort();
    assert_eq!(names, [b"user.not:nt".to_vec(), b"user.second".to_vec()]);
    // A bad EaBuffer creates nothing.
    for (ea, want) in [
        (full_eas(&[(0x80, "NEED", b"1")]), NtStatus::NOT_SUPPORTED),
        (full_eas(&[(0, "a|b", b"1")]), NtStatus::INVALID_EA_NAME),
        (vec![1, 2, 3], NtStatus::EA_LIST_INCONSISTENT),
    ] {
        assert_eq!(create_with_eas(&mut v, "\\new", FILE_CREATE, &ea).status, want);
        assert!(v.lstat(b"new").is_none(), "{want:?} left a file");
    }
    assert_eq!(v.open_handles(), 0);
}
