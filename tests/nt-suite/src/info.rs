//! Query/set information classes, volume information, times, attributes,
//! symlinks as reparse points, rename and link, delete dispositions.

use super::*;
use fs_glue::layout;
use fs_glue::time::linux_to_nt;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![
        ("query_information_classes", query_information_classes::<E>),
        ("set_basic_times_and_attributes", set_basic_times_and_attributes::<E>),
        ("end_of_file_and_allocation", end_of_file_and_allocation::<E>),
        ("disposition_classic_and_posix", disposition_classic_and_posix::<E>),
        ("rename_rules", rename_rules::<E>),
        ("hard_links", hard_links::<E>),
        ("volume_information_classes", volume_information_classes::<E>),
        ("symlinks_as_reparse_points", symlinks_as_reparse_points::<E>),
    ]
}

fn nt(ts: &sys::StatxTimestamp) -> i64 {
    linux_to_nt(ts.tv_sec, ts.tv_nsec)
}

fn query(v: &mut impl Vol, h: Handle, class: u32, len: usize) -> (Vec<u8>, fs_glue::Written) {
    let mut b = vec![0x55u8; len];
    let r = v.query_information(h, class, &mut b).unwrap_or_else(|e| panic!("query class {class}: {e:?}"));
    (b, r)
}

fn query_information_classes<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\dir");
    make_file(&mut v, "\\dir\\f.txt", &[1u8; 10000]);
    let st = v.lstat(b"dir/f.txt").unwrap();
    let h = open_ok(&mut v, "\\dir\\f.txt", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, FILE_SYNCHRONOUS_IO_NONALERT);
    let (b, r) = query(&mut v, h, FILE_BASIC_INFORMATION, 40);
    assert_eq!(r.len, 40);
    let creation = if st.stx_mask & sys::STATX_BTIME != 0 { nt(&st.stx_btime) } else { nt(&st.stx_mtime) };
    assert_eq!(
        [i64_at(&b, 0), i64_at(&b, 8), i64_at(&b, 16), i64_at(&b, 24)],
        [creation, nt(&st.stx_atime), nt(&st.stx_mtime), nt(&st.stx_ctime)]
    );
    assert_eq!(u32_at(&b, 32), FILE_ATTRIBUTE_ARCHIVE);
    let (b, r) = query(&mut v, h, FILE_STANDARD_INFORMATION, 24);
    assert_eq!(r.len, 24);
    assert_eq!((i64_at(&b, 0), i64_at(&b, 8)), (st.stx_blocks as i64 * 512, 10000));
    assert_eq!((u32_at(&b, 16), b[20], b[21]), (1, 0, 0));
    let (b, _) = query(&mut v, h, FILE_INTERNAL_INFORMATION, 8);
    assert_eq!(i64_at(&b, 0) as u64, st.stx_ino);
    let (b, _) = query(&mut v, h, FILE_EA_INFORMATION, 4);
    assert_eq!(u32_at(&b, 0), 0);
    let (b, _) = query(&mut v, h, FILE_ACCESS_INFORMATION, 4);
    assert_eq!(u32_at(&b, 0), FILE_GENERIC_READ);
    let (b, r) = query(&mut v, h, FILE_NAME_INFORMATION, 64);
    assert_eq!((u32_at(&b, 0) as usize, r.len), (20, 24));
    assert_eq!(utf16_at(&b, 4, 20), "\\dir\\f.txt");
    let (b, _) = query(&mut v, h, FILE_MODE_INFORMATION, 4);
    assert_eq!(u32_at(&b, 0), FILE_SYNCHRONOUS_IO_NONALERT);
    let (b, _) = query(&mut v, h, FILE_ALIGNMENT_INFORMATION, 4);
    assert_eq!(u32_at(&b, 0), 0);
    let (n, _) = query(&mut v, h, FILE_NETWORK_OPEN_INFORMATION, 56);
    let (basic, _) = query(&mut v, h, FILE_BASIC_INFORMATION, 40);
    assert_eq!(&n[0..32], &basic[0..32]);
    assert_eq!(
        (i64_at(&n, 32), i64_at(&n, 40), u32_at(&n, 48)),
        (st.stx_blocks as i64 * 512, 10000, FILE_ATTRIBUTE_ARCHIVE)
    );
    let (b, _) = query(&mut v, h, FILE_ATTRIBUTE_TAG_INFORMATION, 8);
    assert_eq!((u32_at(&b, 0), u32_at(&b, 4)), (FILE_ATTRIBUTE_ARCHIVE, 0));
    let (b, r) = query(&mut v, h, FILE_STREAM_INFORMATION, 64);
    assert_eq!(r.len, 24 + 14);
    assert_eq!((u32_at(&b, 0), u32_at(&b, 4), i64_at(&b, 8)), (0, 14, 10000));
    assert_eq!(utf16_at(&b, 24, 14), "::$DATA");
    // FileAllInformation is the others laid end to end.
    let (all, r) = query(&mut v, h, FILE_ALL_INFORMATION, 200);
    use layout::all::*;
    assert_eq!(r.len, NAME + 4 + 20);
    assert_eq!(&all[BASIC..BASIC + 36], &basic[..36]);
    let (std, _) = query(&mut v, h, FILE_STANDARD_INFORMATION, 24);
    assert_eq!(&all[STANDARD..STANDARD + 22], &std[..22]);
    assert_eq!(u32_at(&all, ACCESS), FILE_GENERIC_READ);
    assert_eq!(u32_at(&all, MODE), FILE_SYNCHRONOUS_IO_NONALERT);
    assert_eq!(utf16_at(&all, NAME + 4, 20), "\\dir\\f.txt");
    // Short buffers: the fixed part is required, names are cut.
    let mut small = [0u8; 12];
    let r = v.query_information(h, FILE_NAME_INFORMATION, &mut small).unwrap();
    assert_eq!((r.status, r.len, u32_at(&small, 0)), (NtStatus::BUFFER_OVERFLOW, 12, 20));
    assert_eq!(v.query_information(h, FILE_BASIC_INFORMATION, &mut small), Err(NtStatus::INFO_LENGTH_MISMATCH));
    assert_eq!(v.query_information(h, 9999, &mut small), Err(NtStatus::INVALID_INFO_CLASS));
    v.close(h).unwrap();
    // Directories: Directory flag, one link, no data stream.
    let d = open_ok(&mut v, "\\dir", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    let (b, _) = query(&mut v, d, FILE_STANDARD_INFORMATION, 24);
    assert_eq!((i64_at(&b, 8), u32_at(&b, 16), b[21]), (0, 1, 1));
    let (b, _) = query(&mut v, d, FILE_BASIC_INFORMATION, 40);
    assert_eq!(u32_at(&b, 32), FILE_ATTRIBUTE_DIRECTORY);
    let (_, r) = query(&mut v, d, FILE_STREAM_INFORMATION, 64);
    assert_eq!(r.len, 0);
    v.close(d).unwrap();
    let root = open_ok(&mut v, "\\", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    let (b, r) = query(&mut v, root, FILE_NAME_INFORMATION, 16);
    assert_eq!((r.len, utf16_at(&b, 4, 2)), (6, "\\".to_string()));
    v.close(root).unwrap();
}

fn set_basic_times_and_attributes<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"x");
    let h = open_ok(&mut v, "\\f", FILE_GENERIC_READ | FILE_WRITE_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
    let before = v.lstat(b"f").unwrap();
    // 1990-01-01, a pre-1970 time and a far-future one (ext4 stores 1901..2446).
    for t in [
        linux_to_nt(631_152_000, 123_456_700),
        linux_to_nt(-86_400 * 365 * 50, 0),
        linux_to_nt(13_000_000_000, 999_999_900),
    ] {
        let mut basic = [0u8; 40];
        basic[8..16].copy_from_slice(&t.to_le_bytes());
        basic[16..24].copy_from_slice(&(t + 10_000_000).to_le_bytes());
        v.set_information(h, FILE_BASIC_INFORMATION, &basic).unwrap();
        let st = v.lstat(b"f").unwrap();
        assert_eq!((nt(&st.stx_atime), nt(&st.stx_mtime)), (t, t + 10_000_000), "time {t}");
        let mut q = [0u8; 40];
        v.query_information(h, FILE_BASIC_INFORMATION, &mut q).unwrap();
        assert_eq!((i64_at(&q, 8), i64_at(&q, 16)), (t, t + 10_000_000));
    }
    // 0 and -1 leave times alone; below -2 is invalid.
    let st1 = v.lstat(b"f").unwrap();
    v.set_basic(h, [0, -1, 0, -2], 0).unwrap();
    assert_eq!(nt(&v.lstat(b"f").unwrap().stx_mtime), nt(&st1.stx_mtime));
    assert_eq!(v.set_basic(h, [0, -3, 0, 0], 0), Err(NtStatus::INVALID_PARAMETER));
    // READONLY clears every write bit; clearing it restores the owner's.
    v.set_basic(h, [0; 4], FILE_ATTRIBUTE_READONLY).unwrap();
    assert_eq!(v.lstat(b"f").unwrap().stx_mode as u32 & 0o222, 0);
    let mut q = [0u8; 40];
    v.query_information(h, FILE_BASIC_INFORMATION, &mut q).unwrap();
    assert_eq!(u32_at(&q, 32), FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_ARCHIVE);
    v.set_basic(h, [0; 4], FILE_ATTRIBUTE_NORMAL).unwrap();
    assert_eq!(v.lstat(b"f").unwrap().stx_mode as u32 & 0o777, before.stx_mode as u32 & 0o777);
    v.close(h).unwrap();
    let mut short = [0u8; 39];
    let h = open_ok(&mut v, "\\f", FILE_WRITE_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.set_information(h, FILE_BASIC_INFORMATION, &short), Err(NtStatus::INFO_LENGTH_MISMATCH));
    short[0] = 1;
    assert_eq!(v.set_information(h, 9999, &short), Err(NtStatus::INVALID_INFO_CLASS));
    v.close(h).unwrap();
}

fn end_of_file_and_allocation<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    let h = open_ok(&mut v, "\\f", FILE_GENERIC_READ | FILE_GENERIC_WRITE, 0, FILE_CREATE, 0);
    v.set_information(h, FILE_END_OF_FILE_INFORMATION, &100_000i64.to_le_bytes()).unwrap();
    assert_eq!(v.lstat(b"f").unwrap().stx_size, 100_000);
    v.set_information(h, FILE_END_OF_FILE_INFORMATION, &10i64.to_le_bytes()).unwrap();
    assert_eq!(v.lstat(b"f").unwrap().stx_size, 10);
    assert_eq!(
        v.set_information(h, FILE_END_OF_FILE_INFORMATION, &(-1i64).to_le_bytes()),
        Err(NtStatus::INVALID_PARAMETER)
    );
    // Allocation above the size preallocates and keeps the size.
    v.set_information(h, FILE_ALLOCATION_INFORMATION, &(1i64 << 20).to_le_bytes()).unwrap();
    let st = v.lstat(b"f").unwrap();
    assert_eq!(st.stx_size, 10);
    // Allocation below the size truncates.
    v.set_information(h, FILE_ALLOCATION_INFORMATION, &4i64.to_le_bytes()).unwrap();
    assert_eq!(v.lstat(b"f").unwrap().stx_size, 4);
    v.close(h).unwrap();
}

fn disposition_classic_and_posix<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\a", b"a");
    let h = open_ok(&mut v, "\\a", DELETE | FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    let h2 = open_ok(&mut v, "\\a", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    v.set_information(h, FILE_DISPOSITION_INFORMATION, &[1]).unwrap();
    // Undo, then redo.
    assert_eq!(create(&mut v, "\\a", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0).status, NtStatus::DELETE_PENDING);
    v.set_information(h, FILE_DISPOSITION_INFORMATION, &[0]).unwrap();
    let h3 = open_ok(&mut v, "\\a", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    v.set_information(h, FILE_DISPOSITION_INFORMATION, &[1]).unwrap();
    v.close(h).unwrap();
    v.close(h3).unwrap();
    assert!(v.lstat(b"a").is_some(), "classic delete waits for the last handle");
    let mut b = [0u8; 1];
    assert_eq!(v.read(h2, Some(0), &mut b), Ok(1));
    v.close(h2).unwrap();
    assert_eq!(v.open_handles(), 0);
    assert!(v.lstat(b"a").is_none());
    // POSIX semantics: the name goes when the deleting handle closes.
    make_file(&mut v, "\\p", b"p");
    let h = open_ok(&mut v, "\\p", DELETE, SHARE_ALL, FILE_OPEN, 0);
    let h2 = open_ok(&mut v, "\\p", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    v.set_information(
        h,
        FILE_DISPOSITION_INFORMATION_EX,
        &(FILE_DISPOSITION_DELETE | FILE_DISPOSITION_POSIX_SEMANTICS).to_le_bytes(),
    )
    .unwrap();
    v.close(h).unwrap();
    assert!(v.lstat(b"p").is_none(), "POSIX delete removes the name at once");
    assert_eq!(v.read(h2, Some(0), &mut b), Ok(1), "open handles keep the data");
    make_file(&mut v, "\\p", b"new");
    v.close(h2).unwrap();
    assert_eq!(read_all(&mut v, "\\p"), b"new");
    // Read-only files resist unless told to ignore the attribute.
    make_file(&mut v, "\\ro", b"");
    v.chmod(b"ro", 0o444).unwrap();
    let h = open_ok(&mut v, "\\ro", DELETE, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.set_information(h, FILE_DISPOSITION_INFORMATION, &[1]), Err(NtStatus::CANNOT_DELETE));
    let flags = FILE_DISPOSITION_DELETE | FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE;
    v.set_information(h, FILE_DISPOSITION_INFORMATION_EX, &flags.to_le_bytes()).unwrap();
    v.close(h).unwrap();
    assert!(v.lstat(b"ro").is_none());
    // Directories must be empty; the root cannot go.
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\d\\x", b"");
    let h = open_ok(&mut v, "\\d", DELETE, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.set_information(h, FILE_DISPOSITION_INFORMATION, &[1]), Err(NtStatus::DIRECTORY_NOT_EMPTY));
    v.close(h).unwrap();
    let h = open_ok(&mut v, "\\", DELETE, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.set_information(h, FILE_DISPOSITION_INFORMATION, &[1]), Err(NtStatus::CANNOT_DELETE));
    assert_eq!(v.set_information(h, FILE_DISPOSITION_INFORMATION, &[]), Err(NtStatus::INFO_LENGTH_MISMATCH));
    v.close(h).unwrap();
}

/// A FILE_RENAME_INFORMATION(_EX) / FILE_LINK_INFORMATION buffer.
pub fn rename_buf(flags_or_replace: u32, ex: bool, name: &str) -> Vec<u8> {
    let n = w(name);
    let mut b = vec![0u8; 20];
    if ex {
        b[0..4].copy_from_slice(&flags_or_replace.to_le_bytes());
    } else {
        b[0] = flags_or_replace as u8;
    }
    b[16..20].copy_from_slice(&((n.len() * 2) as u32).to_le_bytes());
    for u in n {
        b.extend_from_slice(&u.to_le_bytes());
    }
    b
}

fn rename_rules<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\d\\a", b"A");
    make_file(&mut v, "\\b", b"B");
    let h = open_ok(&mut v, "\\d\\a", DELETE | FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    // A bare name renames within the directory.
    v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(0, false, "a2")).unwrap();
    assert!(v.lstat(b"d/a2").is_some() && v.lstat(b"d/a").is_none());
    // The handle follows its file.
    let (mut nb, mut len) = ([0u8; 64], 0);
    if let Ok(r) = v.query_information(h, FILE_NAME_INFORMATION, &mut nb) {
        len = r.len;
    }
    assert_eq!(utf16_at(&nb, 4, len - 4), "\\d\\a2");
    // No replace: collision; replace: done.
    assert_eq!(
        v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(0, false, "\\b")),
        Err(NtStatus::OBJECT_NAME_COLLISION)
    );
    // An open target is not replaced without POSIX semantics.
    let hb = open_ok(&mut v, "\\b", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(
        v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(1, false, "\\b")),
        Err(NtStatus::ACCESS_DENIED)
    );
    let posix = FILE_RENAME_REPLACE_IF_EXISTS | FILE_RENAME_POSIX_SEMANTICS;
    v.set_information(h, FILE_RENAME_INFORMATION_EX, &rename_buf(posix, true, "\\b")).unwrap();
    assert_eq!(read_all(&mut v, "\\b"), b"A");
    let mut one = [0u8; 1];
    assert_eq!(v.read(hb, Some(0), &mut one), Ok(1));
    assert_eq!(one, *b"B", "the replaced file lives on in its handle");
    v.close(hb).unwrap();
    // Target paths must exist up to the last component; directories are
    // never replaced; read-only targets need the ignore flag.
    assert_eq!(
        v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(1, false, "\\no\\x")),
        Err(NtStatus::OBJECT_PATH_NOT_FOUND)
    );
    assert_eq!(
        v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(1, false, "\\d")),
        Err(NtStatus::ACCESS_DENIED)
    );
    make_file(&mut v, "\\ro", b"R");
    v.chmod(b"ro", 0o444).unwrap();
    assert_eq!(
        v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(1, false, "\\ro")),
        Err(NtStatus::ACCESS_DENIED)
    );
    let ign = FILE_RENAME_REPLACE_IF_EXISTS | FILE_RENAME_IGNORE_READONLY_ATTRIBUTE;
    v.set_information(h, FILE_RENAME_INFORMATION_EX, &rename_buf(ign, true, "\\ro")).unwrap();
    assert_eq!(read_all(&mut v, "\\ro"), b"A");
    assert_eq!(
        v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(0, false, "a:b")),
        Err(NtStatus::OBJECT_NAME_INVALID)
    );
    assert_eq!(
        v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(0, false, "x\\y")),
        Err(NtStatus::OBJECT_NAME_INVALID)
    );
    v.close(h).unwrap();
    // Renaming needs DELETE access.
    let h = open_ok(&mut v, "\\ro", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.set_information(h, FILE_RENAME_INFORMATION, &rename_buf(0, false, "z")), Err(NtStatus::ACCESS_DENIED));
    v.close(h).unwrap();
    // A directory with open children cannot move; once they close it can.
    make_file(&mut v, "\\d\\c", b"");
    make_dir(&mut v, "\\d\\s");
    let hd = open_ok(&mut v, "\\d", DELETE, SHARE_ALL, FILE_OPEN, 0);
    let hc = open_ok(&mut v, "\\d\\c", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(
        v.set_information(hd, FILE_RENAME_INFORMATION, &rename_buf(0, false, "e")),
        Err(NtStatus::ACCESS_DENIED)
    );
    v.close(hc).unwrap();
    // Nor into itself. (Through the I/O manager, the open of the target
    // directory \d itself fails first: it shares no delete with `hd`.)
    let into_itself = if v.through_io_manager() { NtStatus::SHARING_VIOLATION } else { NtStatus::INVALID_PARAMETER };
    assert_eq!(v.set_information(hd, FILE_RENAME_INFORMATION, &rename_buf(0, false, "\\d\\sub")), Err(into_itself));
    assert_eq!(
        v.set_information(hd, FILE_RENAME_INFORMATION, &rename_buf(0, false, "\\d\\s\\sub")),
        Err(NtStatus::INVALID_PARAMETER)
    );
    v.set_information(hd, FILE_RENAME_INFORMATION, &rename_buf(0, false, "e")).unwrap();
    assert!(v.lstat(b"e/c").is_some());
    v.close(hd).unwrap();
}

fn hard_links<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\a", b"A");
    make_file(&mut v, "\\b", b"B");
    make_dir(&mut v, "\\d");
    let h = open_ok(&mut v, "\\a", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    v.set_information(h, FILE_LINK_INFORMATION, &rename_buf(0, false, "\\d\\a")).unwrap();
    assert_eq!(v.lstat(b"d/a").unwrap().stx_ino, v.lstat(b"a").unwrap().stx_ino);
    let mut std = [0u8; 24];
    v.query_information(h, FILE_STANDARD_INFORMATION, &mut std).unwrap();
    assert_eq!(u32_at(&std, 16), 2, "NumberOfLinks");
    assert_eq!(
        v.set_information(h, FILE_LINK_INFORMATION, &rename_buf(0, false, "b")),
        Err(NtStatus::OBJECT_NAME_COLLISION)
    );
    v.set_information(h, FILE_LINK_INFORMATION, &rename_buf(1, false, "b")).unwrap();
    assert_eq!(read_all(&mut v, "\\b"), b"A");
    v.close(h).unwrap();
    let d = open_ok(&mut v, "\\d", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(
        v.set_information(d, FILE_LINK_INFORMATION, &rename_buf(0, false, "x")),
        Err(NtStatus::FILE_IS_A_DIRECTORY)
    );
    v.close(d).unwrap();
}

fn volume_information_classes<E: Env>(env: &mut E) {
    let uuid = [0x12, 0x34, 0xab, 0xcd, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    let opts = MountOptions { label: "DATA".into(), uuid, sector_size: 4096, ..MountOptions::default() };
    let mut v = env.mount(opts);
    // What the volume is (an environment mounting a real disk reports the
    // disk's own label, UUID and sector size).
    let o = v.options().clone();
    let (label, sector) = (w(&o.label), o.sector_size);
    let serial = u32::from_be_bytes([o.uuid[0], o.uuid[1], o.uuid[2], o.uuid[3]]);
    let mut b = vec![0x55u8; 128];
    let r = v.query_volume_information(FILE_FS_VOLUME_INFORMATION, &mut b).unwrap();
    assert_eq!((r.status, r.len), (NtStatus::SUCCESS, 18 + 2 * label.len()));
    assert_eq!((u32_at(&b, 8), u32_at(&b, 12), b[16]), (serial, 2 * label.len() as u32, 0));
    assert_eq!(utf16_at(&b, 18, 2 * label.len()), o.label);
    let r = v.query_volume_information(FILE_FS_ATTRIBUTE_INFORMATION, &mut b).unwrap();
    let fs_name = w(&o.fs_name);
    assert_eq!(r.len, 12 + 2 * fs_name.len());
    let attrs = u32_at(&b, 0);
    for a in [FILE_CASE_SENSITIVE_SEARCH, FILE_CASE_PRESERVED_NAMES, FILE_UNICODE_ON_DISK, FILE_SUPPORTS_REPARSE_POINTS]
    {
        assert_ne!(attrs & a, 0, "{a:#x}");
    }
    assert_eq!((u32_at(&b, 4), u32_at(&b, 8)), (255, 2 * fs_name.len() as u32));
    assert_eq!(utf16_at(&b, 12, 2 * fs_name.len()), "ext4");
    let statfs = v.statfs().unwrap();
    let r = v.query_volume_information(FILE_FS_SIZE_INFORMATION, &mut b).unwrap();
    assert_eq!(r.len, 24);
    assert_eq!(i64_at(&b, 0) as u64, statfs.f_blocks);
    assert_eq!(u32_at(&b, 16) as i64 * u32_at(&b, 20) as i64, statfs.f_bsize.max(i64::from(sector)));
    assert_eq!(u32_at(&b, 20), sector);
    let r = v.query_volume_information(FILE_FS_FULL_SIZE_INFORMATION, &mut b).unwrap();
    assert_eq!(r.len, 32);
    assert_eq!(i64_at(&b, 0) as u64, statfs.f_blocks);
    assert!(i64_at(&b, 16) >= i64_at(&b, 8), "actual available >= caller available");
    let r = v.query_volume_information(FILE_FS_DEVICE_INFORMATION, &mut b).unwrap();
    assert_eq!((r.len, u32_at(&b, 0), u32_at(&b, 4)), (8, FILE_DEVICE_DISK, 0));
    let r = v.query_volume_information(FILE_FS_SECTOR_SIZE_INFORMATION, &mut b).unwrap();
    assert_eq!(r.len, 28);
    assert_eq!((u32_at(&b, 0), u32_at(&b, 4), u32_at(&b, 8), u32_at(&b, 12)), (sector, sector, sector, sector));
    // Short buffers: the fixed part, then cut names.
    assert!(label.len() >= 4, "the label {:?} is too short to cut", o.label);
    let mut s = vec![0u8; 24];
    let r = v.query_volume_information(FILE_FS_VOLUME_INFORMATION, &mut s).unwrap();
    assert_eq!((r.status, r.len, u32_at(&s, 12)), (NtStatus::BUFFER_OVERFLOW, 24, 2 * label.len() as u32));
    assert_eq!(
        v.query_volume_information(FILE_FS_VOLUME_INFORMATION, &mut s[..23]),
        Err(NtStatus::INFO_LENGTH_MISMATCH)
    );
    assert_eq!(v.query_volume_information(2, &mut s), Err(NtStatus::INVALID_INFO_CLASS));
}

fn symlinks_as_reparse_points<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions { link_root: "\\??\\E:".into(), ..MountOptions::default() });
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\d\\t", b"target");
    v.symlink(b"../d/t", b"d/rel").unwrap();
    v.symlink(b"/abs/x", b"abs").unwrap();
    // Without FILE_OPEN_REPARSE_POINT the link is followed.
    assert_eq!(read_all(&mut v, "\\d\\rel"), b"target");
    // With it, the link itself: attributes and reparse data.
    let h = open_ok(&mut v, "\\d\\rel", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    let mut b = [0u8; 8];
    v.query_information(h, FILE_ATTRIBUTE_TAG_INFORMATION, &mut b).unwrap();
    assert_eq!((u32_at(&b, 0), u32_at(&b, 4)), (FILE_ATTRIBUTE_REPARSE_POINT, IO_REPARSE_TAG_SYMLINK));
    let mut rp = vec![0u8; 256];
    let r = v.get_reparse_point(h, &mut rp).unwrap();
    let want = fs_glue::reparse::build(&w("..\\d\\t"), &w("..\\d\\t"), SYMLINK_FLAG_RELATIVE);
    assert_eq!(&rp[..r.len], &want[..]);
    // Short buffers.
    assert_eq!(v.get_reparse_point(h, &mut rp[..7]), Err(NtStatus::BUFFER_TOO_SMALL));
    let r = v.get_reparse_point(h, &mut rp[..21]).unwrap();
    assert_eq!((r.status, r.len), (NtStatus::BUFFER_OVERFLOW, 21));
    let mut data = [0u8; 4];
    assert_eq!(v.read(h, Some(0), &mut data), Err(NtStatus::ACCESS_DENIED));
    v.close(h).unwrap();
    let h = open_ok(&mut v, "\\abs", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    let r = v.get_reparse_point(h, &mut rp).unwrap();
    let want = fs_glue::reparse::build(&w("\\??\\E:\\abs\\x"), &w("E:\\abs\\x"), 0);
    assert_eq!(&rp[..r.len], &want[..]);
    v.close(h).unwrap();
    // Regular files are not reparse points.
    let h = open_ok(&mut v, "\\d\\t", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    assert_eq!(v.get_reparse_point(h, &mut rp), Err(NtStatus::NOT_A_REPARSE_POINT));
    v.close(h).unwrap();
    // FSCTL_SET_REPARSE_POINT turns an empty file into a link.
    make_file(&mut v, "\\newlink", b"");
    let h = open_ok(&mut v, "\\newlink", FILE_WRITE_ATTRIBUTES | FILE_READ_ATTRIBUTES, 0, FILE_OPEN, 0);
    let data = fs_glue::reparse::build(&w("d\\t"), &w("d\\t"), SYMLINK_FLAG_RELATIVE);
    v.set_reparse_point(h, &data).unwrap();
    assert_eq!(v.readlink(b"newlink").unwrap(), b"d/t");
    v.query_information(h, FILE_ATTRIBUTE_TAG_INFORMATION, &mut b).unwrap();
    assert_eq!(u32_at(&b, 4), IO_REPARSE_TAG_SYMLINK);
    assert_eq!(v.set_reparse_point(h, &data[..data.len() - 1]), Err(NtStatus::IO_REPARSE_DATA_INVALID));
    v.close(h).unwrap();
    assert_eq!(read_all(&mut v, "\\newlink"), b"target");
    // Dangling links cannot be followed.
    v.symlink(b"nowhere", b"dang").unwrap();
    let r = create(&mut v, "\\dang", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!((r.status, r.information), (NtStatus::OBJECT_NAME_NOT_FOUND, FILE_DOES_NOT_EXIST));
}
