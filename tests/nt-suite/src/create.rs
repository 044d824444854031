//! Create: dispositions and their Information, directory options, delete on
//! close, share access, desired access, read-only volumes, path errors,
//! read and write.

use super::*;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![
        ("dispositions_on_missing_files", dispositions_on_missing_files::<E>),
        ("dispositions_on_existing_files", dispositions_on_existing_files::<E>),
        ("directory_options", directory_options::<E>),
        ("path_not_found_vs_name_not_found", path_not_found_vs_name_not_found::<E>),
        ("delete_on_close", delete_on_close::<E>),
        ("share_access", share_access::<E>),
        ("desired_access", desired_access::<E>),
        ("read_only_volume", read_only_volume::<E>),
        ("read_and_write", read_and_write::<E>),
        ("owner_and_umask_of_new_files", owner_and_umask_of_new_files::<E>),
        ("related_handles", related_handles::<E>),
    ]
}

fn dispositions_on_missing_files<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    let rw = FILE_GENERIC_READ | FILE_GENERIC_WRITE;
    for (disp, status, info) in [
        (FILE_OPEN, NtStatus::OBJECT_NAME_NOT_FOUND, FILE_DOES_NOT_EXIST),
        (FILE_OVERWRITE, NtStatus::OBJECT_NAME_NOT_FOUND, FILE_DOES_NOT_EXIST),
        (FILE_CREATE, NtStatus::SUCCESS, FILE_CREATED),
        (FILE_OPEN_IF, NtStatus::SUCCESS, FILE_CREATED),
        (FILE_OVERWRITE_IF, NtStatus::SUCCESS, FILE_CREATED),
        (FILE_SUPERSEDE, NtStatus::SUCCESS, FILE_CREATED),
    ] {
        let name = format!("\\f{disp}");
        let r = create(&mut v, &name, rw, 0, disp, 0);
        assert_eq!((r.status, r.information), (status, info), "disposition {disp} on a missing file");
        let on_disk = v.lstat(&name.as_bytes()[1..]);
        assert_eq!(on_disk.is_some(), status == NtStatus::SUCCESS, "disposition {disp} created a file?");
        if let Some(h) = r.handle {
            v.close(h).unwrap();
        }
    }
    assert_eq!(v.lstat(b"f2").map(|s| s.stx_mode as u32 & sys::S_IFMT), Some(sys::S_IFREG));
}

fn dispositions_on_existing_files<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    let rw = FILE_GENERIC_READ | FILE_GENERIC_WRITE;
    for (disp, status, info, size_after) in [
        (FILE_OPEN, NtStatus::SUCCESS, FILE_OPENED, 5),
        (FILE_CREATE, NtStatus::OBJECT_NAME_COLLISION, FILE_EXISTS, 5),
        (FILE_OPEN_IF, NtStatus::SUCCESS, FILE_OPENED, 5),
        (FILE_OVERWRITE, NtStatus::SUCCESS, FILE_OVERWRITTEN, 0),
        (FILE_OVERWRITE_IF, NtStatus::SUCCESS, FILE_OVERWRITTEN, 0),
        (FILE_SUPERSEDE, NtStatus::SUCCESS, FILE_SUPERSEDED, 0),
    ] {
        let name = format!("\\e{disp}");
        make_file(&mut v, &name, b"hello");
        let ino = v.lstat(&name.as_bytes()[1..]).unwrap().stx_ino;
        let r = create(&mut v, &name, rw, 0, disp, 0);
        assert_eq!((r.status, r.information), (status, info), "disposition {disp} on an existing file");
        let st = v.lstat(&name.as_bytes()[1..]).unwrap();
        assert_eq!(st.stx_size, size_after, "size after disposition {disp}");
        assert_eq!(st.stx_ino, ino, "disposition {disp} keeps the file");
        if let Some(h) = r.handle {
            v.close(h).unwrap();
        }
    }
    // Overwriting a directory is a collision whatever the options.
    make_dir(&mut v, "\\d");
    for disp in [FILE_OVERWRITE, FILE_OVERWRITE_IF, FILE_SUPERSEDE] {
        assert_eq!(create(&mut v, "\\d", rw, 0, disp, 0).status, NtStatus::OBJECT_NAME_COLLISION, "disp {disp}");
    }
    assert_eq!(create(&mut v, "\\d", rw, 0, FILE_CREATE, 0).status, NtStatus::OBJECT_NAME_COLLISION);
    // Invalid dispositions and share modes never reach the disk.
    assert_eq!(create(&mut v, "\\x", rw, 0, 6, 0).status, NtStatus::INVALID_PARAMETER);
    assert_eq!(create(&mut v, "\\x", rw, 8, FILE_CREATE, 0).status, NtStatus::INVALID_PARAMETER);
    assert!(v.lstat(b"x").is_none());
}

fn directory_options<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\file", b"");
    make_dir(&mut v, "\\dir");
    let r = FILE_GENERIC_READ;
    assert_eq!(
        create(&mut v, "\\file", r, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE).status,
        NtStatus::NOT_A_DIRECTORY
    );
    assert_eq!(
        create(&mut v, "\\dir", r, SHARE_ALL, FILE_OPEN, FILE_NON_DIRECTORY_FILE).status,
        NtStatus::FILE_IS_A_DIRECTORY
    );
    assert_eq!(
        create(&mut v, "\\dir", r, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE | FILE_NON_DIRECTORY_FILE).status,
        NtStatus::INVALID_PARAMETER
    );
    for disp in [FILE_SUPERSEDE, FILE_OVERWRITE, FILE_OVERWRITE_IF] {
        assert_eq!(
            create(&mut v, "\\newdir", r, SHARE_ALL, disp, FILE_DIRECTORY_FILE).status,
            NtStatus::INVALID_PARAMETER,
            "directory with disposition {disp}"
        );
    }
    // OPEN_IF with FILE_DIRECTORY_FILE makes a directory.
    let res = create(&mut v, "\\newdir", r, SHARE_ALL, FILE_OPEN_IF, FILE_DIRECTORY_FILE);
    assert_eq!((res.status, res.information), (NtStatus::SUCCESS, FILE_CREATED));
    v.close(res.handle.unwrap()).unwrap();
    assert_eq!(v.lstat(b"newdir").unwrap().stx_mode as u32 & sys::S_IFMT, sys::S_IFDIR);
    // A trailing backslash names a directory.
    let h = open_ok(&mut v, "\\dir\\", r, SHARE_ALL, FILE_OPEN, 0);
    v.close(h).unwrap();
    assert_eq!(create(&mut v, "\\file\\", r, SHARE_ALL, FILE_OPEN, 0).status, NtStatus::OBJECT_NAME_INVALID);
    assert_eq!(create(&mut v, "\\nf\\", r, SHARE_ALL, FILE_CREATE, 0).status, NtStatus::OBJECT_NAME_INVALID);
    let h = open_ok(&mut v, "\\nd\\", r, SHARE_ALL, FILE_CREATE, FILE_DIRECTORY_FILE);
    v.close(h).unwrap();
    // The root opens as a directory and is not a file.
    let h = open_ok(&mut v, "\\", r, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    v.close(h).unwrap();
    assert_eq!(
        create(&mut v, "\\", r, SHARE_ALL, FILE_OPEN, FILE_NON_DIRECTORY_FILE).status,
        NtStatus::FILE_IS_A_DIRECTORY
    );
}

fn path_not_found_vs_name_not_found<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\f", b"");
    let r = FILE_GENERIC_READ;
    for (name, status) in [
        ("\\missing", NtStatus::OBJECT_NAME_NOT_FOUND),
        ("\\d\\missing", NtStatus::OBJECT_NAME_NOT_FOUND),
        ("\\nodir\\x", NtStatus::OBJECT_PATH_NOT_FOUND),
        ("\\d\\nodir\\x", NtStatus::OBJECT_PATH_NOT_FOUND),
        ("\\f\\x", NtStatus::OBJECT_PATH_NOT_FOUND),
    ] {
        assert_eq!(create(&mut v, name, r, SHARE_ALL, FILE_OPEN, 0).status, status, "open {name}");
        let c = create(&mut v, name, r, SHARE_ALL, FILE_CREATE, 0);
        let want = if status == NtStatus::OBJECT_NAME_NOT_FOUND { NtStatus::SUCCESS } else { status };
        assert_eq!(c.status, want, "create {name}");
        if let Some(h) = c.handle {
            v.close(h).unwrap();
        }
    }
}

fn delete_on_close<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    let rwd = FILE_GENERIC_READ | FILE_GENERIC_WRITE | DELETE;
    // A new file with FILE_DELETE_ON_CLOSE is gone after its last handle.
    let h = open_ok(&mut v, "\\tmp", rwd, FILE_SHARE_READ | FILE_SHARE_DELETE, FILE_CREATE, FILE_DELETE_ON_CLOSE);
    assert!(v.lstat(b"tmp").is_some());
    // Others may still open it while the handle is open, sharing delete.
    assert_eq!(
        create(&mut v, "\\tmp", FILE_GENERIC_READ, FILE_SHARE_READ, FILE_OPEN, 0).status,
        NtStatus::SHARING_VIOLATION
    );
    let h2 = open_ok(&mut v, "\\tmp", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    v.close(h).unwrap();
    // Cleanup of the delete-on-close handle made the file delete-pending.
    assert!(v.lstat(b"tmp").is_some(), "still there while a handle is open");
    assert_eq!(create(&mut v, "\\tmp", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0).status, NtStatus::DELETE_PENDING);
    let mut std = [0u8; 24];
    v.query_information(h2, FILE_STANDARD_INFORMATION, &mut std).unwrap();
    assert_eq!(std[20], 1, "DeletePending");
    v.close(h2).unwrap();
    assert!(v.lstat(b"tmp").is_none(), "deleted with the last handle");

    // FILE_DELETE_ON_CLOSE needs DELETE access.
    make_file(&mut v, "\\keep", b"x");
    assert_eq!(
        create(&mut v, "\\keep", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, FILE_DELETE_ON_CLOSE).status,
        NtStatus::INVALID_PARAMETER
    );
    // A read-only file cannot be deleted.
    let ro = "\\ro";
    make_file(&mut v, ro, b"");
    v.chmod(b"ro", 0o444).unwrap();
    assert_eq!(create(&mut v, ro, DELETE, SHARE_ALL, FILE_OPEN, FILE_DELETE_ON_CLOSE).status, NtStatus::CANNOT_DELETE);
    // Nor a directory that has entries; an empty one goes.
    make_dir(&mut v, "\\full");
    make_file(&mut v, "\\full\\x", b"");
    assert_eq!(
        create(&mut v, "\\full", DELETE, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE).status,
        NtStatus::DIRECTORY_NOT_EMPTY
    );
    make_dir(&mut v, "\\empty");
    let h = open_ok(&mut v, "\\empty", DELETE, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE);
    v.close(h).unwrap();
    assert!(v.lstat(b"empty").is_none());
    // Nothing may be created in a delete-pending directory.
    make_dir(&mut v, "\\pend");
    let hd = open_ok(&mut v, "\\pend", DELETE | FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    v.set_disposition(hd, FILE_DISPOSITION_DELETE).unwrap();
    assert_eq!(create(&mut v, "\\pend\\n", FILE_GENERIC_WRITE, 0, FILE_CREATE, 0).status, NtStatus::DELETE_PENDING);
    v.close(hd).unwrap();
    assert!(v.lstat(b"pend").is_none());
    assert_eq!(v.lstat(b"keep").map(|s| s.stx_size), Some(1));
}

fn share_access<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\s", b"data");
    let (r, wr, d, attrs) = (FILE_READ_DATA, FILE_WRITE_DATA, DELETE, FILE_READ_ATTRIBUTES);
    let (sr, sw, sd) = (FILE_SHARE_READ, FILE_SHARE_WRITE, FILE_SHARE_DELETE);
    // (first access, first share, second access, second share, allowed)
    let table = [
        (r, sr, r, sr, true),
        (r, sr, r, 0, false),
        (r, 0, r, sr, false),
        (r, sr, wr, sr | sw, false),
        (r, sr | sw, wr, sr | sw, true),
        (wr, sr, r, sr | sw, true),
        (wr, sr, r, sr, false),
        (r, sr, d, SHARE_ALL, false),
        (r, sr | sd, d, sr, true),
        (d, 0, r, SHARE_ALL, false),
        (d, sr, r, sr | sd, true),
        (r, 0, attrs, 0, true),
        (attrs, 0, r, 0, true),
        (attrs, 0, wr, 0, true),
        (r | wr, SHARE_ALL, r | wr | d, SHARE_ALL, true),
    ];
    for (a1, s1, a2, s2, ok) in table {
        let h1 = open_ok(&mut v, "\\s", a1, s1, FILE_OPEN, 0);
        let res = create(&mut v, "\\s", a2, s2, FILE_OPEN, 0);
        let want = if ok { NtStatus::SUCCESS } else { NtStatus::SHARING_VIOLATION };
        assert_eq!(res.status, want, "open({a1:#x}, share {s1}) then open({a2:#x}, share {s2})");
        if let Some(h) = res.handle {
            v.close(h).unwrap();
        }
        v.close(h1).unwrap();
    }
    // Closing releases the share counts.
    let h = open_ok(&mut v, "\\s", r, 0, FILE_OPEN, 0);
    v.close(h).unwrap();
    let h = open_ok(&mut v, "\\s", wr, 0, FILE_OPEN, 0);
    // Overwrite is a write open, and is refused like one.
    assert_eq!(create(&mut v, "\\s", r, SHARE_ALL, FILE_OVERWRITE, 0).status, NtStatus::SHARING_VIOLATION);
    v.close(h).unwrap();
    // Hard links are one file: share modes apply across names.
    let h = open_ok(&mut v, "\\s", FILE_READ_DATA, 0, FILE_OPEN, 0);
    let mut li = vec![0u8; 20];
    let target = w("\\s2");
    li[16..20].copy_from_slice(&((target.len() * 2) as u32).to_le_bytes());
    for u in &target {
        li.extend_from_slice(&u.to_le_bytes());
    }
    v.set_information(h, FILE_LINK_INFORMATION, &li).unwrap();
    assert_eq!(create(&mut v, "\\s2", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0).status, NtStatus::SHARING_VIOLATION);
    v.close(h).unwrap();
}

fn desired_access<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\ro", b"abc");
    v.chmod(b"ro", 0o444).unwrap();
    for access in [FILE_WRITE_DATA, FILE_APPEND_DATA, GENERIC_WRITE, GENERIC_ALL] {
        assert_eq!(
            create(&mut v, "\\ro", access, SHARE_ALL, FILE_OPEN, 0).status,
            NtStatus::ACCESS_DENIED,
            "{access:#x}"
        );
    }
    assert_eq!(create(&mut v, "\\ro", FILE_READ_DATA, SHARE_ALL, FILE_OVERWRITE, 0).status, NtStatus::ACCESS_DENIED);
    // Attribute writes and delete access are still granted.
    let h = open_ok(&mut v, "\\ro", FILE_READ_DATA | FILE_WRITE_ATTRIBUTES | DELETE, SHARE_ALL, FILE_OPEN, 0);
    v.close(h).unwrap();
    // MAXIMUM_ALLOWED grants what the file allows.
    let h = open_ok(&mut v, "\\ro", MAXIMUM_ALLOWED, SHARE_ALL, FILE_OPEN, 0);
    let mut a = [0u8; 4];
    v.query_information(h, FILE_ACCESS_INFORMATION, &mut a).unwrap();
    let granted = u32::from_le_bytes(a);
    assert_eq!(granted & (FILE_WRITE_DATA | FILE_APPEND_DATA), 0);
    assert_ne!(granted & FILE_READ_DATA, 0);
    assert_eq!(v.write(h, Some(0), b"x"), Err(NtStatus::ACCESS_DENIED));
    v.close(h).unwrap();
    // The handle's rights bound its operations.
    make_file(&mut v, "\\rw", b"abc");
    let h = open_ok(&mut v, "\\rw", FILE_READ_DATA, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.write(h, Some(0), b"x"), Err(NtStatus::ACCESS_DENIED));
    assert_eq!(v.set_end_of_file(h, 0), Err(NtStatus::ACCESS_DENIED));
    assert_eq!(v.set_disposition(h, FILE_DISPOSITION_DELETE), Err(NtStatus::ACCESS_DENIED));
    assert_eq!(v.set_basic(h, [0, 0, 1, 0], 0), Err(NtStatus::ACCESS_DENIED));
    v.close(h).unwrap();
    let h = open_ok(&mut v, "\\rw", FILE_WRITE_DATA, SHARE_ALL, FILE_OPEN, 0);
    let mut b = [0u8; 3];
    assert_eq!(v.read(h, Some(0), &mut b), Err(NtStatus::ACCESS_DENIED));
    let mut basic = [0u8; 40];
    assert_eq!(v.query_information(h, FILE_BASIC_INFORMATION, &mut basic), Err(NtStatus::ACCESS_DENIED));
    v.close(h).unwrap();
    // Append-only handles always write at the end.
    let h = open_ok(&mut v, "\\rw", FILE_APPEND_DATA, SHARE_ALL, FILE_OPEN, 0);
    v.write(h, Some(0), b"de").unwrap();
    v.close(h).unwrap();
    assert_eq!(read_all(&mut v, "\\rw"), b"abcde");
}

fn read_only_volume<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\f", b"data");
    make_dir(&mut v, "\\d");
    // The same tree, mounted read-only.
    let mut ro = env.remount(v, MountOptions { read_only: true, ..MountOptions::default() });
    for access in [FILE_WRITE_DATA, FILE_APPEND_DATA, DELETE, FILE_WRITE_ATTRIBUTES, FILE_WRITE_EA, GENERIC_WRITE] {
        assert_eq!(
            create(&mut ro, "\\f", access, SHARE_ALL, FILE_OPEN, 0).status,
            NtStatus::MEDIA_WRITE_PROTECTED,
            "{access:#x}"
        );
    }
    for disp in [FILE_OVERWRITE, FILE_OVERWRITE_IF, FILE_SUPERSEDE] {
        assert_eq!(create(&mut ro, "\\f", FILE_READ_DATA, SHARE_ALL, disp, 0).status, NtStatus::MEDIA_WRITE_PROTECTED);
    }
    for disp in [FILE_CREATE, FILE_OPEN_IF, FILE_OVERWRITE_IF, FILE_SUPERSEDE] {
        assert_eq!(
            create(&mut ro, "\\new", FILE_READ_DATA, SHARE_ALL, disp, 0).status,
            NtStatus::MEDIA_WRITE_PROTECTED
        );
    }
    assert_eq!(create(&mut ro, "\\new", FILE_READ_DATA, 0, FILE_OPEN, 0).status, NtStatus::OBJECT_NAME_NOT_FOUND);
    assert!(ro.lstat(b"new").is_none());
    assert_eq!(read_all(&mut ro, "\\f"), b"data");
    // MAXIMUM_ALLOWED grants no write rights, and the handle cannot write.
    let h = open_ok(&mut ro, "\\f", MAXIMUM_ALLOWED, SHARE_ALL, FILE_OPEN, 0);
    let mut acc = [0u8; 4];
    ro.query_information(h, FILE_ACCESS_INFORMATION, &mut acc).unwrap();
    assert_eq!(u32::from_le_bytes(acc) & WRITE_RIGHTS, 0);
    assert_eq!(ro.write(h, Some(0), b"x"), Err(NtStatus::MEDIA_WRITE_PROTECTED));
    ro.close(h).unwrap();
    let mut a = [0u8; 64];
    ro.query_volume_information(FILE_FS_ATTRIBUTE_INFORMATION, &mut a).unwrap();
    assert_ne!(u32_at(&a, 0) & FILE_READ_ONLY_VOLUME, 0);
    // Writable again, with nothing changed.
    let mut v = env.remount(ro, MountOptions::default());
    v.query_volume_information(FILE_FS_ATTRIBUTE_INFORMATION, &mut a).unwrap();
    assert_eq!(u32_at(&a, 0) & FILE_READ_ONLY_VOLUME, 0);
    assert_eq!(v.lstat(b"f").unwrap().stx_size, 4);
    assert!(v.lstat(b"new").is_none());
}

fn read_and_write<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    let h = open_ok(&mut v, "\\f", FILE_GENERIC_READ | FILE_GENERIC_WRITE, 0, FILE_CREATE, 0);
    assert_eq!(v.write(h, Some(0), b"hello"), Ok(5));
    assert_eq!(v.write(h, Some(10), b"world"), Ok(5));
    let mut b = [0xAAu8; 32];
    assert_eq!(v.read(h, Some(0), &mut b), Ok(15));
    assert_eq!(&b[..15], b"hello\0\0\0\0\0world");
    assert_eq!(v.read(h, Some(15), &mut b), Err(NtStatus::END_OF_FILE));
    assert_eq!(v.read(h, Some(100), &mut b), Err(NtStatus::END_OF_FILE));
    assert_eq!(v.read(h, Some(100), &mut []), Ok(0));
    // Without an offset, the handle's position is used and advanced.
    let mut pos = [0u8; 8];
    v.query_information(h, FILE_POSITION_INFORMATION, &mut pos).unwrap();
    assert_eq!(u64::from_le_bytes(pos), 15);
    v.set_information(h, FILE_POSITION_INFORMATION, &2u64.to_le_bytes()).unwrap();
    assert_eq!(v.read(h, None, &mut b[..3]), Ok(3));
    assert_eq!(&b[..3], b"llo");
    assert_eq!(v.write(h, Some(u64::MAX), b"!"), Ok(1));
    v.flush(h).unwrap();
    v.close(h).unwrap();
    assert_eq!(read_all(&mut v, "\\f"), b"hello\0\0\0\0\0world!");
    let d = open_ok(&mut v, "\\", FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    assert_eq!(v.read(d, Some(0), &mut b), Err(NtStatus::INVALID_DEVICE_REQUEST));
    v.close(d).unwrap();
    assert_eq!(v.close(d), Err(NtStatus::INVALID_HANDLE));
    assert_eq!(v.open_handles(), 0);
}

fn owner_and_umask_of_new_files<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions { umask: 0o027, uid: Some(1234), gid: Some(5678), ..MountOptions::default() });
    make_file(&mut v, "\\f", b"");
    make_dir(&mut v, "\\d");
    let f = v.lstat(b"f").unwrap();
    let d = v.lstat(b"d").unwrap();
    assert_eq!(f.stx_mode as u32 & 0o777, 0o640);
    assert_eq!(d.stx_mode as u32 & 0o777, 0o750);
    assert_eq!((f.stx_uid, f.stx_gid), (1234, 5678));
    assert_eq!((d.stx_uid, d.stx_gid), (1234, 5678));
    // FILE_ATTRIBUTE_READONLY on create clears the write bits.
    let n = w("\\r");
    let res = v.create(&CreateParams {
        related: None,
        name: &n,
        desired_access: FILE_GENERIC_WRITE,
        file_attributes: FILE_ATTRIBUTE_READONLY,
        share_access: 0,
        disposition: FILE_CREATE,
        options: 0,
        ea: &[],
    });
    assert_eq!(res.status, NtStatus::SUCCESS);
    // The creating handle may still write.
    assert_eq!(v.write(res.handle.unwrap(), Some(0), b"x"), Ok(1));
    v.close(res.handle.unwrap()).unwrap();
    assert_eq!(v.lstat(b"r").unwrap().stx_mode as u32 & 0o777, 0o440);
}

fn related_handles<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_dir(&mut v, "\\d");
    make_file(&mut v, "\\d\\f", b"x");
    let d = open_ok(&mut v, "\\d", FILE_LIST_DIRECTORY, SHARE_ALL, FILE_OPEN, FILE_DIRECTORY_FILE);
    let rel = |v: &mut E::V, name: &str, disp: u32| {
        let n = w(name);
        v.create(&CreateParams {
            related: Some(d),
            name: &n,
            desired_access: FILE_GENERIC_READ,
            file_attributes: 0,
            share_access: SHARE_ALL,
            disposition: disp,
            options: 0,
            ea: &[],
        })
    };
    let r = rel(&mut v, "f", FILE_OPEN);
    assert_eq!(r.status, NtStatus::SUCCESS);
    let mut name = [0u8; 64];
    let n = v.query_information(r.handle.unwrap(), FILE_NAME_INFORMATION, &mut name).unwrap();
    assert_eq!(utf16_at(&name, 4, n.len - 4), "\\d\\f");
    v.close(r.handle.unwrap()).unwrap();
    assert_eq!(rel(&mut v, "\\f", FILE_OPEN).status, NtStatus::OBJECT_NAME_INVALID);
    assert_eq!(rel(&mut v, "g", FILE_OPEN).status, NtStatus::OBJECT_NAME_NOT_FOUND);
    let r = rel(&mut v, "g", FILE_CREATE);
    assert_eq!(r.status, NtStatus::SUCCESS);
    v.close(r.handle.unwrap()).unwrap();
    assert!(v.lstat(b"d/g").is_some());
    v.close(d).unwrap();
}
