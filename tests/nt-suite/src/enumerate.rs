//! Directory enumeration: the six classes byte for byte, patterns,
//! RestartScan, ReturnSingleEntry, resume index, `.` and `..`, and the
//! buffer rules.

use super::*;
use fs_glue::QueryDirParams;
use fs_glue::layout;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![
        ("enumeration_lists_every_entry", enumeration_lists_every_entry::<E>),
        ("directory_classes_byte_exact", directory_classes_byte_exact::<E>),
        ("entries_chain_and_align", entries_chain_and_align::<E>),
        ("patterns", patterns::<E>),
        ("restart_single_and_index", restart_single_and_index::<E>),
        ("no_such_file_then_no_more_files", no_such_file_then_no_more_files::<E>),
        ("directory_buffer_rules", directory_buffer_rules::<E>),
        ("symlinks_and_hidden_files_in_listings", symlinks_and_hidden_files_in_listings::<E>),
    ]
}

/// The six directory classes with (name offset, FileNameLength offset).
pub const CLASSES: [(u32, usize, usize); 6] = [
    (FILE_DIRECTORY_INFORMATION, layout::dir::NAME, layout::dir::NAME_LEN),
    (FILE_FULL_DIRECTORY_INFORMATION, layout::full_dir::NAME, layout::full_dir::NAME_LEN),
    (FILE_BOTH_DIRECTORY_INFORMATION, layout::both_dir::NAME, layout::both_dir::NAME_LEN),
    (FILE_ID_BOTH_DIRECTORY_INFORMATION, layout::id_both_dir::NAME, layout::id_both_dir::NAME_LEN),
    (FILE_ID_FULL_DIRECTORY_INFORMATION, layout::id_full_dir::NAME, layout::id_full_dir::NAME_LEN),
    (FILE_NAMES_INFORMATION, layout::names::NAME, layout::names::NAME_LEN),
];

/// The class's structure size (the DDK's sizeof, with its one-unit name):
/// the shortest buffer the I/O manager lets through.
pub fn struct_size(class: u32) -> usize {
    match class {
        FILE_DIRECTORY_INFORMATION => layout::dir::SIZE,
        FILE_FULL_DIRECTORY_INFORMATION => layout::full_dir::SIZE,
        FILE_BOTH_DIRECTORY_INFORMATION => layout::both_dir::SIZE,
        FILE_ID_BOTH_DIRECTORY_INFORMATION => layout::id_both_dir::SIZE,
        FILE_ID_FULL_DIRECTORY_INFORMATION => layout::id_full_dir::SIZE,
        FILE_NAMES_INFORMATION => layout::names::SIZE,
        _ => panic!("class {class} is no directory class"),
    }
}

/// One parsed entry: (offset in buffer, FileIndex, name).
pub type Entry = (usize, u32, String);

/// Walks a buffer of chained entries of `class`.
pub fn parse_entries(class: u32, buf: &[u8], len: usize) -> Vec<Entry> {
    let (_, name_off, len_off) = CLASSES.iter().find(|c| c.0 == class).copied().unwrap();
    let mut out = Vec::new();
    let mut off = 0;
    loop {
        let next = u32_at(buf, off) as usize;
        let nl = u32_at(buf, off + len_off) as usize;
        assert!(off + name_off + nl <= len, "entry at {off} runs past Information {len}");
        out.push((off, u32_at(buf, off + 4), utf16_at(buf, off + name_off, nl)));
        if next == 0 {
            assert_eq!(off + name_off + nl, len, "Information is the end of the last name");
            return out;
        }
        assert_eq!(next % 8, 0, "NextEntryOffset is 8-aligned");
        assert_eq!(next, (name_off + nl + 7) & !7, "NextEntryOffset is the aligned entry size");
        off += next;
    }
}

/// Query parameters.
pub fn q(class: u32, pattern: Option<&[u16]>, restart: bool, single: bool) -> QueryDirParams<'_> {
    QueryDirParams { class, pattern, restart, single, index: None }
}

/// Lists a directory's names (pattern optional), in one or more queries.
pub fn list(v: &mut impl Vol, dir: &str, pattern: Option<&str>) -> Result<Vec<String>, NtStatus> {
    let h = open_ok(v, dir, FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    let pat = pattern.map(w);
    let mut names = Vec::new();
    let mut buf = vec![0u8; 256];
    let mut first = true;
    let r = loop {
        let p = q(FILE_NAMES_INFORMATION, pat.as_deref(), false, false);
        match v.query_directory(h, &p, &mut buf) {
            Ok(wr) => {
                assert_eq!(wr.status, NtStatus::SUCCESS);
                names.extend(parse_entries(FILE_NAMES_INFORMATION, &buf, wr.len).into_iter().map(|e| e.2));
            }
            Err(NtStatus::NO_MORE_FILES) => break Ok(names),
            Err(e) if first => break Err(e),
            Err(e) => panic!("listing {dir}: {e:?}"),
        }
        first = false;
    };
    v.close(h).unwrap();
    r
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn strs(v: &[&str]) -> Vec<String> {
    sorted(v.iter().map(|s| s.to_string()).collect())
}

fn enumeration_lists_every_entry<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    for i in 0..40 {
        make_file(&mut v, &format!("\\file-{i:02}-{}", "x".repeat(i)), b"");
    }
    make_dir(&mut v, "\\sub");
    let root = list(&mut v, "\\", None).unwrap();
    assert_eq!(root.len(), 41, "the root lists no . or ..");
    assert!(!root.contains(&".".to_string()));
    let sub = list(&mut v, "\\sub", None).unwrap();
    assert_eq!(sub, [".", ".."], "dot entries come first");
    assert_eq!(list(&mut v, "\\sub", Some("*")).unwrap(), [".", ".."]);
}

fn directory_classes_byte_exact<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\d\\Data.bin", &[7u8; 5000]);
    let f = open_ok(&mut v, "\\d\\Data.bin", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    let mut basic = [0u8; 40];
    v.query_information(f, FILE_BASIC_INFORMATION, &mut basic).unwrap();
    let mut std = [0u8; 24];
    v.query_information(f, FILE_STANDARD_INFORMATION, &mut std).unwrap();
    let mut id = [0u8; 8];
    v.query_information(f, FILE_INTERNAL_INFORMATION, &mut id).unwrap();
    v.close(f).unwrap();
    let pat = w("Data.bin");
    for (class, name_off, len_off) in CLASSES {
        let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
        let mut buf = vec![0x55u8; 512];
        let r = v.query_directory(d, &q(class, Some(&pat), false, false), &mut buf).unwrap();
        assert_eq!(r.len, name_off + 16, "class {class}: Information");
        assert_eq!(u32_at(&buf, 0), 0, "class {class}: NextEntryOffset");
        assert_eq!(u32_at(&buf, 4), 2, "class {class}: FileIndex is the position after . and ..");
        assert_eq!(u32_at(&buf, len_off), 16, "class {class}: FileNameLength");
        assert_eq!(utf16_at(&buf, name_off, 16), "Data.bin");
        if class != FILE_NAMES_INFORMATION {
            use layout::dir::*;
            assert_eq!(&buf[CREATION..CREATION + 32], &basic[0..32], "class {class}: the four times");
            assert_eq!(i64_at(&buf, EOF), 5000);
            assert_eq!(i64_at(&buf, ALLOC), i64_at(&std, 0), "class {class}: AllocationSize");
            assert_eq!(u32_at(&buf, ATTR), FILE_ATTRIBUTE_ARCHIVE);
        }
        if class != FILE_DIRECTORY_INFORMATION && class != FILE_NAMES_INFORMATION {
            assert_eq!(u32_at(&buf, layout::full_dir::EA), 0, "class {class}: EaSize");
        }
        if class == FILE_BOTH_DIRECTORY_INFORMATION || class == FILE_ID_BOTH_DIRECTORY_INFORMATION {
            use layout::both_dir::*;
            assert_eq!(buf[SHORT_LEN], 0, "no short name");
            assert!(buf[SHORT..SHORT + 24].iter().all(|&b| b == 0));
        }
        let id_off = match class {
            FILE_ID_BOTH_DIRECTORY_INFORMATION => Some(layout::id_both_dir::ID),
            FILE_ID_FULL_DIRECTORY_INFORMATION => Some(layout::id_full_dir::ID),
            _ => None,
        };
        if let Some(o) = id_off {
            assert_eq!(&buf[o..o + 8], &id, "class {class}: FileId is the inode number");
        }
        assert!(buf[r.len..].iter().all(|&b| b == 0x55), "class {class}: nothing written past Information");
        v.close(d).unwrap();
    }
}

fn entries_chain_and_align<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    for n in ["a", "bb", "ccc", "dddd", "eeeee", "ffffffffffffffffff"] {
        make_file(&mut v, &format!("\\d\\{n}"), b"");
    }
    for (class, _, _) in CLASSES {
        let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
        let mut buf = vec![0u8; 4096];
        let r = v.query_directory(d, &q(class, None, false, false), &mut buf).unwrap();
        let names: Vec<String> = parse_entries(class, &buf, r.len).into_iter().map(|e| e.2).collect();
        assert_eq!(sorted(names), strs(&[".", "..", "a", "bb", "ccc", "dddd", "eeeee", "ffffffffffffffffff"]));
        assert_eq!(v.query_directory(d, &q(class, None, false, false), &mut buf), Err(NtStatus::NO_MORE_FILES));
        v.close(d).unwrap();
    }
}

fn patterns<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    for n in ["a.txt", "b.TXT", "c.txt.bak", "noext", "x.y.txt", "readme.md"] {
        make_file(&mut v, &format!("\\d\\{n}"), b"");
    }
    let l = |v: &mut E::V, p: &str| list(v, "\\d", Some(p)).map(sorted);
    assert_eq!(l(&mut v, "*.txt").unwrap(), strs(&["a.txt", "x.y.txt"]));
    assert_eq!(l(&mut v, "?.txt").unwrap(), strs(&["a.txt"]));
    assert_eq!(l(&mut v, "*.*").unwrap(), strs(&[".", "..", "a.txt", "b.TXT", "c.txt.bak", "x.y.txt", "readme.md"]));
    // Win32's "*.*" (<"*) also matches names without a period.
    assert_eq!(l(&mut v, "<\"*").unwrap().len(), 8);
    // Win32's "*." (<") : names without an extension, and . and .. too.
    assert_eq!(l(&mut v, "<\"").unwrap(), strs(&[".", "..", "noext"]));
    assert_eq!(l(&mut v, "<.txt").unwrap(), strs(&["a.txt", "x.y.txt"]));
    assert_eq!(l(&mut v, ">.txt").unwrap(), strs(&["a.txt"]));
    assert_eq!(l(&mut v, "noext"), Ok(strs(&["noext"])));
    assert_eq!(l(&mut v, "NOEXT"), Err(NtStatus::NO_SUCH_FILE), "case-sensitive by default");
    let mut ci = env.remount(v, MountOptions { case_insensitive: true, ..MountOptions::default() });
    assert_eq!(list(&mut ci, "\\d", Some("*.TXT")).map(sorted).unwrap(), strs(&["a.txt", "b.TXT", "x.y.txt"]));
    assert_eq!(list(&mut ci, "\\D", Some("NOEXT")).unwrap(), ["noext"], "case-insensitive lookup and match");
    // Case-insensitive open finds the on-disk name, and reports it.
    let h = open_ok(&mut ci, "\\D\\README.MD", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    let mut buf = [0u8; 64];
    let r = ci.query_information(h, FILE_NAME_INFORMATION, &mut buf).unwrap();
    assert_eq!(utf16_at(&buf, 4, r.len - 4), "\\d\\readme.md");
    ci.close(h).unwrap();
    // New names keep the case they were given.
    make_file(&mut ci, "\\d\\NEW.txt", b"");
    assert!(ci.lstat(b"d/NEW.txt").is_some());
}

fn restart_single_and_index<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    for n in ["one", "two", "three"] {
        make_file(&mut v, &format!("\\d\\{n}"), b"");
    }
    let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    let mut buf = vec![0u8; 1024];
    let mut seen = Vec::new();
    loop {
        match v.query_directory(d, &q(FILE_DIRECTORY_INFORMATION, None, false, true), &mut buf) {
            Ok(r) => {
                let e = parse_entries(FILE_DIRECTORY_INFORMATION, &buf, r.len);
                assert_eq!(e.len(), 1, "ReturnSingleEntry");
                seen.push((e[0].1, e[0].2.clone()));
            }
            Err(s) => {
                assert_eq!(s, NtStatus::NO_MORE_FILES);
                break;
            }
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2, 3, 4], "FileIndex counts entries");
    // RestartScan starts over.
    let r = v.query_directory(d, &q(FILE_DIRECTORY_INFORMATION, None, true, true), &mut buf).unwrap();
    assert_eq!(parse_entries(FILE_DIRECTORY_INFORMATION, &buf, r.len)[0].2, ".");
    // SL_INDEX_SPECIFIED resumes after the given FileIndex.
    let p = QueryDirParams { index: Some(2), ..q(FILE_DIRECTORY_INFORMATION, None, false, false) };
    let r = v.query_directory(d, &p, &mut buf).unwrap();
    let rest: Vec<String> = parse_entries(FILE_DIRECTORY_INFORMATION, &buf, r.len).into_iter().map(|e| e.2).collect();
    assert_eq!(rest, [seen[3].1.clone(), seen[4].1.clone()]);
    v.close(d).unwrap();
}

fn no_such_file_then_no_more_files<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\d\\x", b"");
    let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    let mut buf = vec![0u8; 1024];
    let pat = w("nothing*");
    assert_eq!(
        v.query_directory(d, &q(FILE_BOTH_DIRECTORY_INFORMATION, Some(&pat), false, true), &mut buf),
        Err(NtStatus::NO_SUCH_FILE)
    );
    assert_eq!(
        v.query_directory(d, &q(FILE_BOTH_DIRECTORY_INFORMATION, None, false, true), &mut buf),
        Err(NtStatus::NO_MORE_FILES)
    );
    // The pattern of the first query sticks, even across a restart.
    assert_eq!(
        v.query_directory(d, &q(FILE_BOTH_DIRECTORY_INFORMATION, None, true, true), &mut buf),
        Err(NtStatus::NO_MORE_FILES)
    );
    let star = w("*");
    assert_eq!(
        v.query_directory(d, &q(FILE_BOTH_DIRECTORY_INFORMATION, Some(&star), true, true), &mut buf),
        Err(NtStatus::NO_MORE_FILES)
    );
    v.close(d).unwrap();
    // Not a directory; not a directory class.
    let f = open_ok(&mut v, "\\d\\x", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(
        v.query_directory(f, &q(FILE_NAMES_INFORMATION, None, false, false), &mut buf),
        Err(NtStatus::INVALID_PARAMETER)
    );
    v.close(f).unwrap();
    let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    assert_eq!(
        v.query_directory(d, &q(FILE_BASIC_INFORMATION, None, false, false), &mut buf),
        Err(NtStatus::INVALID_INFO_CLASS)
    );
    v.close(d).unwrap();
    // Listing needs FILE_LIST_DIRECTORY.
    let d = open_ok(&mut v, "\\d", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    assert_eq!(
        v.query_directory(d, &q(FILE_NAMES_INFORMATION, None, false, false), &mut buf),
        Err(NtStatus::ACCESS_DENIED)
    );
    v.close(d).unwrap();
}

fn directory_buffer_rules<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\d\\longer-name", b"");
    for (class, name_off, len_off) in CLASSES {
        let open = |v: &mut E::V| open_ok(v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
        // Shorter than the structure: INFO_LENGTH_MISMATCH, nothing
        // consumed (the I/O manager's rule, IopQueryOperationLength).
        let d = open(&mut v);
        let mut buf = vec![0x55u8; struct_size(class) - 1];
        assert_eq!(v.query_directory(d, &q(class, None, false, false), &mut buf), Err(NtStatus::INFO_LENGTH_MISMATCH));
        let mut buf = vec![0x55u8; 512];
        let r = v.query_directory(d, &q(class, None, false, true), &mut buf).unwrap();
        assert_eq!(parse_entries(class, &buf, r.len)[0].2, ".", "the refused query consumed nothing");
        v.close(d).unwrap();
        // The first entry cut short: BUFFER_OVERFLOW, Information = buffer
        // length, FileNameLength of the whole name, the part that fits.
        let pat = w("longer-name");
        for len in struct_size(class)..name_off + 22 {
            let d = open(&mut v);
            let mut buf = vec![0x55u8; len];
            let r = v.query_directory(d, &q(class, Some(&pat), false, false), &mut buf).unwrap();
            assert_eq!(r.status, NtStatus::BUFFER_OVERFLOW, "class {class} len {len}");
            assert_eq!(r.len, len);
            assert_eq!(u32_at(&buf, 0), 0);
            assert_eq!(u32_at(&buf, len_off), 22);
            let fit = (len - name_off) / 2 * 2;
            assert_eq!(utf16_at(&buf, name_off, fit), &"longer-name"[..fit / 2]);
            // The cut entry was consumed.
            assert_eq!(v.query_directory(d, &q(class, None, false, false), &mut buf), Err(NtStatus::NO_MORE_FILES));
            v.close(d).unwrap();
        }
        // A later entry that does not fit waits for the next query.
        let d = open(&mut v);
        let one = (name_off + 2 + 7) & !7;
        let mut buf = vec![0x55u8; one + name_off + 3];
        let r = v.query_directory(d, &q(class, None, false, false), &mut buf).unwrap();
        assert_eq!((r.status, r.len), (NtStatus::SUCCESS, name_off + 2), "only . fits whole");
        assert_eq!(u32_at(&buf, 0), 0);
        assert_eq!(buf[name_off + 2], 0x55, "nothing after the entry's name");
        let r = v.query_directory(d, &q(class, None, false, false), &mut buf).unwrap();
        assert_eq!(parse_entries(class, &buf, r.len)[0].2, "..");
        v.close(d).unwrap();
    }
}

fn symlinks_and_hidden_files_in_listings<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions { hide_dot_files: true, ..MountOptions::default() });
    make_dir(&mut v, "\\d");
    make_dir(&mut v, "\\d\\target");
    make_file(&mut v, "\\d\\.hidden", b"");
    v.symlink(b"target", b"d/dirlink").unwrap();
    v.symlink(b"missing", b"d/dangling").unwrap();
    let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    let mut buf = vec![0u8; 4096];
    let r = v.query_directory(d, &q(FILE_FULL_DIRECTORY_INFORMATION, None, false, false), &mut buf).unwrap();
    let mut attrs = std::collections::BTreeMap::new();
    for (off, _, name) in parse_entries(FILE_FULL_DIRECTORY_INFORMATION, &buf, r.len) {
        attrs.insert(name, (u32_at(&buf, off + layout::full_dir::ATTR), u32_at(&buf, off + layout::full_dir::EA)));
    }
    assert_eq!(attrs["."].0, FILE_ATTRIBUTE_DIRECTORY, ". is not hidden");
    assert_eq!(attrs[".."].0, FILE_ATTRIBUTE_DIRECTORY);
    assert_eq!(attrs[".hidden"].0, FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_HIDDEN);
    assert_eq!(attrs["target"].0, FILE_ATTRIBUTE_DIRECTORY);
    assert_eq!(attrs["dirlink"], (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY, IO_REPARSE_TAG_SYMLINK));
    assert_eq!(attrs["dangling"], (FILE_ATTRIBUTE_REPARSE_POINT, IO_REPARSE_TAG_SYMLINK));
    v.close(d).unwrap();
}
