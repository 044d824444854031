//! Reparse points beyond reading and making them: FSCTL_DELETE_REPARSE_POINT.

use super::*;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![("deleting_reparse_points", deleting_reparse_points::<E>)]
}

/// FSCTL_DELETE_REPARSE_POINT's input: a header naming `tag`, no data.
fn header(tag: u32) -> Vec<u8> {
    let mut b = tag.to_le_bytes().to_vec();
    b.extend_from_slice(&[0; 4]);
    b
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
