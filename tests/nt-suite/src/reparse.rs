//! Reparse points beyond reading and making them: links met in a name
//! (followed by Linux, or answered with STATUS_REPARSE for the I/O
//! manager), and FSCTL_DELETE_REPARSE_POINT.

use super::*;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![
        ("links_in_names", links_in_names::<E>),
        ("reparse_answers", reparse_answers::<E>),
        ("deleting_reparse_points", deleting_reparse_points::<E>),
    ]
}

/// FSCTL_DELETE_REPARSE_POINT's input: a header naming `tag`, no data.
fn header(tag: u32) -> Vec<u8> {
    let mut b = tag.to_le_bytes().to_vec();
    b.extend_from_slice(&[0; 4]);
    b
}

/// A tree with links of every kind: `\reld` to `d`, `\d\up` to
/// `../d/sub`, `\abs` to `/d/sub`, a loop, and `\d\sub\f` holding "deep".
fn linked_tree(v: &mut impl Vol) {
    make_dir(v, "\\d");
    make_dir(v, "\\d\\sub");
    make_file(v, "\\d\\sub\\f", b"deep");
    v.symlink(b"d", b"reld").unwrap();
    v.symlink(b"../d/sub", b"d/up").unwrap();
    v.symlink(b"/d/sub", b"abs").unwrap();
    v.symlink(b"loop2", b"loop1").unwrap();
    v.symlink(b"loop1", b"loop2").unwrap();
}

/// What a program sees of links in the names it opens, whoever follows
/// them: Linux (fs-glue called directly) or the I/O manager (the driver
/// answers STATUS_REPARSE).
fn links_in_names<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions { link_root: "\\??\\E:".into(), ..MountOptions::default() });
    linked_tree(&mut v);
    // Links on the way and at the end, relative ones with `..`.
    for name in ["\\reld\\sub\\f", "\\d\\up\\f", "\\reld\\up\\f"] {
        assert_eq!(read_all(&mut v, name), b"deep", "{name}");
    }
    // FILE_OPEN_REPARSE_POINT concerns the last component only.
    let h = open_ok(&mut v, "\\reld\\sub\\f", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    let mut b = [0u8; 4];
    assert_eq!(v.read(h, Some(0), &mut b), Ok(4));
    v.close(h).unwrap();
    // A link to a directory opens as the directory.
    let h = open_ok(&mut v, "\\reld", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    v.close(h).unwrap();
    // Creating through a link creates in its target.
    make_file(&mut v, "\\reld\\new.txt", b"n");
    assert_eq!(v.lstat(b"d/new.txt").map(|s| s.stx_size), Some(1));
    // Absolute targets are the link root's: only the I/O manager knows
    // where that is (Linux's `/` is not the volume's root).
    if v.through_io_manager() {
        assert_eq!(read_all(&mut v, "\\abs\\f"), b"deep");
    }
    // A loop is not resolved; a missing name past a link is missing.
    let r = create(&mut v, "\\loop1", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(r.status, NtStatus::REPARSE_POINT_NOT_RESOLVED);
    let r = create(&mut v, "\\reld\\nothing", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!((r.status, r.information), (NtStatus::OBJECT_NAME_NOT_FOUND, FILE_DOES_NOT_EXIST));
    let r = create(&mut v, "\\reld\\nodir\\x", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(r.status, NtStatus::OBJECT_PATH_NOT_FOUND);
    assert_eq!(v.open_handles(), 0);
}

/// The STATUS_REPARSE answers themselves, on a volume that leaves links to
/// the I/O manager (the driver's choice): through the I/O manager they are
/// followed before a program sees them, so this runs on direct calls only.
fn reparse_answers<E: Env>(env: &mut E) {
    let opts = MountOptions { link_root: "\\??\\E:".into(), reparse_links: true, ..MountOptions::default() };
    let mut v = env.mount(opts);
    if v.through_io_manager() {
        return;
    }
    linked_tree(&mut v);
    // (name, substitute name, relative, bytes of the name after the link)
    let cases: [(&str, &str, bool, usize); 5] = [
        ("\\reld\\sub\\f", "d", true, 2 * "\\sub\\f".len()),
        ("\\reld", "d", true, 0),
        ("\\reld\\", "d", true, 2),
        ("\\d\\up\\f::$DATA", "..\\d\\sub", true, 2 * "\\f::$DATA".len()),
        ("\\abs\\f", "\\??\\E:\\d\\sub", false, 2 * "\\f".len()),
    ];
    for (name, subst, relative, unparsed) in cases {
        let r = create(&mut v, name, FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
        assert_eq!((r.status, r.information, r.handle), (NtStatus::REPARSE, u64::from(IO_REPARSE_TAG_SYMLINK), None));
        let data = v.take_reparse().expect("reparse data");
        let (s, flags) = fs_glue::reparse::parse(&data).unwrap();
        let reserved = usize::from(u16::from_le_bytes([data[6], data[7]]));
        let got = (String::from_utf16(&s).unwrap(), flags & SYMLINK_FLAG_RELATIVE != 0, reserved);
        assert_eq!(got, (subst.to_string(), relative, unparsed), "{name}");
    }
    // The link itself with FILE_OPEN_REPARSE_POINT; a plain name as ever.
    let h = open_ok(&mut v, "\\reld", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    v.close(h).unwrap();
    assert_eq!(read_all(&mut v, "\\d\\sub\\f"), b"deep");
    assert_eq!(v.take_reparse(), None);
    // An absolute target on a volume without a link root cannot be
    // followed by anyone.
    let mut v = env.remount(v, MountOptions { reparse_links: true, ..MountOptions::default() });
    let r = create(&mut v, "\\abs\\f", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(r.status, NtStatus::REPARSE_POINT_NOT_RESOLVED);
}

fn deleting_reparse_points<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\dir");
    make_file(&mut v, "\\file", b"data");
    v.symlink(b"dir", b"to-dir").unwrap();
    v.symlink(b"file", b"to-file").unwrap();
    v.symlink(b"nowhere", b"dangling").unwrap();
    let rights = FILE_WRITE_ATTRIBUTES | FILE_READ_ATTRIBUTES;
    let open_link = |v: &mut E::V, name| open_ok(v, name, rights, 0, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    // A directory link leaves an empty directory, a file link (or one that
    // leads nowhere) an empty file; the handle then refers to it.
    for (name, path, dir) in
        [("\\to-dir", &b"to-dir"[..], true), ("\\to-file", b"to-file", false), ("\\dangling", b"dangling", false)]
    {
        let h = open_link(&mut v, name);
        // Refused: the wrong tag, data in the request, a short header.
        assert_eq!(v.delete_reparse_point(h, &header(0x8000_0017)), Err(NtStatus::IO_REPARSE_TAG_MISMATCH));
        let mut with_data = header(IO_REPARSE_TAG_SYMLINK);
        with_data[4] = 4;
        with_data.extend_from_slice(&[0; 4]);
        assert_eq!(v.delete_reparse_point(h, &with_data), Err(NtStatus::IO_REPARSE_DATA_INVALID));
        assert_eq!(
            v.delete_reparse_point(h, &header(IO_REPARSE_TAG_SYMLINK)[..7]),
            Err(NtStatus::IO_REPARSE_DATA_INVALID)
        );
        v.delete_reparse_point(h, &header(IO_REPARSE_TAG_SYMLINK)).unwrap();
        let st = v.lstat(path).unwrap();
        let want = if dir { sys::S_IFDIR } else { sys::S_IFREG };
        assert_eq!(
            (u32::from(st.stx_mode) & sys::S_IFMT, st.stx_size),
            (want, if dir { st.stx_size } else { 0 }),
            "{name}"
        );
        let mut b = [0u8; 8];
        v.query_information(h, FILE_ATTRIBUTE_TAG_INFORMATION, &mut b).unwrap();
        let attrs = if dir { FILE_ATTRIBUTE_DIRECTORY } else { FILE_ATTRIBUTE_ARCHIVE };
        assert_eq!(
            (u32_at(&b, 0) & !FILE_ATTRIBUTE_ARCHIVE, u32_at(&b, 4)),
            (attrs & !FILE_ATTRIBUTE_ARCHIVE, 0),
            "{name}"
        );
        // No reparse point is left to delete.
        assert_eq!(v.delete_reparse_point(h, &header(IO_REPARSE_TAG_SYMLINK)), Err(NtStatus::NOT_A_REPARSE_POINT));
        v.close(h).unwrap();
    }
    // Not on a file that is no link, and not while another handle has the
    // link open.
    let h = open_ok(&mut v, "\\file", rights, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    assert_eq!(v.delete_reparse_point(h, &header(IO_REPARSE_TAG_SYMLINK)), Err(NtStatus::NOT_A_REPARSE_POINT));
    v.close(h).unwrap();
    v.symlink(b"file", b"shared").unwrap();
    let a = open_ok(&mut v, "\\shared", rights, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    let b = open_ok(&mut v, "\\shared", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    assert_eq!(v.delete_reparse_point(a, &header(IO_REPARSE_TAG_SYMLINK)), Err(NtStatus::SHARING_VIOLATION));
    // Nor without the right to write.
    assert_eq!(v.delete_reparse_point(b, &header(IO_REPARSE_TAG_SYMLINK)), Err(NtStatus::ACCESS_DENIED));
    v.close(a).unwrap();
    v.close(b).unwrap();
    assert_eq!(v.readlink(b"shared").unwrap(), b"file");
    assert_eq!(v.open_handles(), 0);
}
