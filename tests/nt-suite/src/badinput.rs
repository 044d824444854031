//! Bad input: every buffer length from 0 to past the needed size for every
//! query class, malformed names and patterns. Clear statuses, no panic, no
//! write past the buffer.

use super::enumerate::{CLASSES, q, struct_size};
use super::*;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![
        ("every_buffer_length_for_file_information", every_buffer_length_for_file_information::<E>),
        ("every_buffer_length_for_directory_queries", every_buffer_length_for_directory_queries::<E>),
        ("every_buffer_length_for_volume_information", every_buffer_length_for_volume_information::<E>),
        ("every_buffer_length_for_set_information", every_buffer_length_for_set_information::<E>),
        ("malformed_patterns_and_handles", malformed_patterns_and_handles::<E>),
    ]
}

const FILE_CLASSES: [u32; 13] = [
    FILE_BASIC_INFORMATION,
    FILE_STANDARD_INFORMATION,
    FILE_INTERNAL_INFORMATION,
    FILE_EA_INFORMATION,
    FILE_ACCESS_INFORMATION,
    FILE_NAME_INFORMATION,
    FILE_POSITION_INFORMATION,
    FILE_MODE_INFORMATION,
    FILE_ALIGNMENT_INFORMATION,
    FILE_ALL_INFORMATION,
    FILE_NETWORK_OPEN_INFORMATION,
    FILE_ATTRIBUTE_TAG_INFORMATION,
    FILE_STREAM_INFORMATION,
];

/// Runs `f` on a buffer of `len` bytes inside a guard zone; checks nothing
/// past `len` changed and that the result is one of the allowed shapes.
fn guarded(
    len: usize,
    f: &mut dyn FnMut(&mut [u8]) -> Result<fs_glue::Written, NtStatus>,
) -> Result<fs_glue::Written, NtStatus> {
    let mut b = vec![0xA5u8; len + 64];
    let r = f(&mut b[..len]);
    assert!(b[len..].iter().all(|&x| x == 0xA5), "wrote past a {len}-byte buffer");
    if let Ok(wr) = r {
        assert!(wr.len <= len, "Information {} > buffer {len}", wr.len);
        assert!(wr.status == NtStatus::SUCCESS || wr.status == NtStatus::BUFFER_OVERFLOW);
    }
    r
}

fn every_buffer_length_for_file_information<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\some directory");
    make_file(&mut v, "\\some directory\\a file name.txt", b"data");
    let f = open_ok(&mut v, "\\some directory\\a file name.txt", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    for class in FILE_CLASSES {
        let full = guarded(4096, &mut |b| v.query_information(f, class, b)).unwrap();
        assert_eq!(full.status, NtStatus::SUCCESS);
        let mut min = None;
        for len in 0..=full.len + 8 {
            match guarded(len, &mut |b| v.query_information(f, class, b)) {
                Err(NtStatus::INFO_LENGTH_MISMATCH) => {
                    assert!(min.is_none(), "class {class}: mismatch at {len} after success")
                }
                Ok(wr) => {
                    min.get_or_insert(len);
                    let want = if len >= full.len { NtStatus::SUCCESS } else { NtStatus::BUFFER_OVERFLOW };
                    assert_eq!(wr.status, want, "class {class} len {len}");
                    if wr.status == NtStatus::SUCCESS {
                        assert_eq!(wr.len, full.len, "class {class} len {len}");
                    } else {
                        // Whole UTF-16 units only.
                        assert!(wr.len + 1 >= len, "class {class} len {len}: only {} bytes", wr.len);
                    }
                }
                Err(e) => panic!("class {class} len {len}: {e:?}"),
            }
        }
        assert!(min.is_some(), "class {class} never succeeded");
    }
    v.close(f).unwrap();
}

fn every_buffer_length_for_directory_queries<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    for n in ["a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "c.txt"] {
        make_file(&mut v, &format!("\\d\\{n}"), b"");
    }
    for (class, _, _) in CLASSES {
        let size = struct_size(class);
        for len in 0..400 {
            let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
            let mut names = Vec::new();
            loop {
                match guarded(len, &mut |b| v.query_directory(d, &q(class, None, false, false), b)) {
                    Err(NtStatus::INFO_LENGTH_MISMATCH) => {
                        assert!(len < size, "class {class} len {len}");
                        break;
                    }
                    Err(NtStatus::NO_MORE_FILES) => break,
                    Ok(wr) if wr.status == NtStatus::BUFFER_OVERFLOW => {
                        assert_eq!(wr.len, len);
                        names.push(None);
                    }
                    Ok(_) => names.push(Some(())),
                    Err(e) => panic!("class {class} len {len}: {e:?}"),
                }
                assert!(names.len() <= 5, "class {class} len {len}: more queries than entries");
            }
            if len >= size {
                assert!(!names.is_empty(), "class {class} len {len}: nothing returned");
            }
            v.close(d).unwrap();
        }
    }
}

fn every_buffer_length_for_volume_information<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions { label: "a fairly long volume label".into(), ..MountOptions::default() });
    for class in [
        FILE_FS_VOLUME_INFORMATION,
        FILE_FS_SIZE_INFORMATION,
        FILE_FS_DEVICE_INFORMATION,
        FILE_FS_ATTRIBUTE_INFORMATION,
        FILE_FS_FULL_SIZE_INFORMATION,
        FILE_FS_SECTOR_SIZE_INFORMATION,
    ] {
        let full = guarded(4096, &mut |b| v.query_volume_information(class, b)).unwrap();
        for len in 0..=full.len + 8 {
            match guarded(len, &mut |b| v.query_volume_information(class, b)) {
                Err(NtStatus::INFO_LENGTH_MISMATCH) => {}
                Ok(wr) => assert_eq!(wr.status == NtStatus::SUCCESS, len >= full.len, "class {class} len {len}"),
                Err(e) => panic!("class {class} len {len}: {e:?}"),
            }
        }
    }
    v.symlink(b"some/where/far/away", b"l").unwrap();
    let h = open_ok(&mut v, "\\l", FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, FILE_OPEN_REPARSE_POINT);
    let full = guarded(4096, &mut |b| v.get_reparse_point(h, b)).unwrap();
    for len in 0..=full.len {
        match guarded(len, &mut |b| v.get_reparse_point(h, b)) {
            Err(NtStatus::BUFFER_TOO_SMALL) => assert!(len < 8),
            Ok(wr) => assert_eq!(wr.status == NtStatus::SUCCESS, len >= full.len),
            Err(e) => panic!("reparse len {len}: {e:?}"),
        }
    }
    v.close(h).unwrap();
}

fn every_buffer_length_for_set_information<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"data");
    let h = open_ok(&mut v, "\\f", FILE_GENERIC_READ | FILE_WRITE_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
    let rename = super::info::rename_buf(0, false, "g");
    for (class, len_ok) in [
        (FILE_BASIC_INFORMATION, 40),
        (FILE_POSITION_INFORMATION, 8),
        (FILE_RENAME_INFORMATION, rename.len()),
        (FILE_DISPOSITION_INFORMATION_EX, 4),
    ] {
        for len in 0..len_ok {
            let mut b = vec![0u8; len];
            if class == FILE_RENAME_INFORMATION {
                b.copy_from_slice(&rename[..len]);
            }
            let r = v.set_information(h, class, &b);
            assert!(
                r == Err(NtStatus::INFO_LENGTH_MISMATCH)
                    || r == Err(NtStatus::INVALID_PARAMETER)
                    || r == Err(NtStatus::ACCESS_DENIED),
                "class {class} len {len}: {r:?}"
            );
        }
    }
    // FileNameLength pointing past the buffer, odd lengths, lone surrogates.
    let mut b = super::info::rename_buf(0, false, "g");
    b[16..20].copy_from_slice(&1000u32.to_le_bytes());
    let h2 = open_ok(&mut v, "\\f", DELETE, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.set_information(h2, FILE_RENAME_INFORMATION, &b), Err(NtStatus::INVALID_PARAMETER));
    b[16..20].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(v.set_information(h2, FILE_RENAME_INFORMATION, &b), Err(NtStatus::INVALID_PARAMETER));
    let mut b = super::info::rename_buf(0, false, "g");
    b[20..22].copy_from_slice(&0xD800u16.to_le_bytes());
    assert_eq!(v.set_information(h2, FILE_RENAME_INFORMATION, &b), Err(NtStatus::OBJECT_NAME_INVALID));
    v.close(h2).unwrap();
    v.close(h).unwrap();
    assert!(v.lstat(b"f").is_some());
}

fn malformed_patterns_and_handles<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"");
    let d = open_ok(&mut v, "\\", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, 0);
    let pat = [0xD800u16, b'*' as u16];
    let mut b = vec![0u8; 512];
    assert_eq!(
        v.query_directory(d, &q(FILE_NAMES_INFORMATION, Some(&pat), false, false), &mut b),
        Err(NtStatus::NO_SUCH_FILE)
    );
    v.close(d).unwrap();
    let bogus = Handle(12345);
    assert_eq!(v.query_information(bogus, FILE_BASIC_INFORMATION, &mut b), Err(NtStatus::INVALID_HANDLE));
    assert_eq!(v.read(bogus, Some(0), &mut b), Err(NtStatus::INVALID_HANDLE));
    assert_eq!(v.set_information(bogus, FILE_POSITION_INFORMATION, &[0; 8]), Err(NtStatus::INVALID_HANDLE));
    assert_eq!(v.close(bogus), Err(NtStatus::INVALID_HANDLE));
    // Through the I/O manager an empty name is the volume itself.
    if v.through_io_manager() {
        let r = create(&mut v, "", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
        assert_eq!(r.status, NtStatus::SUCCESS, "the volume");
        v.close(r.handle.unwrap()).unwrap();
    }
    let empty: &[&str] = if v.through_io_manager() { &[] } else { &[""] };
    for &name in empty.iter().chain(&["f", "\\\\", "\\f\\\\", "\\f:stream", "\\f:", "\\::$DATA"]) {
        let r = create(&mut v, name, FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
        assert!(r.status.is_error(), "{name:?}: {:?}", r.status);
        assert!(r.handle.is_none());
    }
    assert_eq!(v.open_handles(), 0);
}
