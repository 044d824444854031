//! Names: UTF-16 <-> UTF-8, the private-use mapping of characters Windows
//! forbids and of bytes that are not UTF-8, and length limits.

use super::enumerate::list;
use super::*;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![
        ("linux_names_windows_cannot_spell", linux_names_windows_cannot_spell::<E>),
        ("windows_names_reach_linux_intact", windows_names_reach_linux_intact::<E>),
        ("name_and_path_length_limits", name_and_path_length_limits::<E>),
    ]
}

fn linux_names_windows_cannot_spell<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    let odd: [&[u8]; 4] = [b"a:b", b"q?*\"<>|\\", b"caf\xe9", b"tab\there"];
    for n in odd {
        v.make_linux_file(n).unwrap();
    }
    let names = list(&mut v, "\\", None).unwrap();
    let mut want: Vec<String> =
        odd.iter().map(|n| String::from_utf16(&fs_glue::names::linux_to_windows(n)).unwrap()).collect();
    want.sort();
    let mut got = names.clone();
    got.sort();
    assert_eq!(got, want);
    assert!(got.contains(&"a\u{F03A}b".to_string()));
    assert!(got.contains(&"caf\u{F0E9}".to_string()));
    // Each listed name opens the file it stands for.
    for n in &names {
        let h = open_ok(&mut v, &format!("\\{n}"), FILE_READ_ATTRIBUTES, SHARE_ALL, FILE_OPEN, 0);
        v.close(h).unwrap();
    }
}

fn windows_names_reach_linux_intact<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    make_file(&mut v, "\\Grüße 😀.txt", b"");
    assert!(v.lstat("Grüße 😀.txt".as_bytes()).is_some());
    make_file(&mut v, "\\x\u{F03A}y", b"");
    assert!(v.lstat(b"x:y").is_some(), "U+F03A is ':' on Linux");
    make_file(&mut v, "\\raw\u{F0FF}", b"");
    assert!(v.lstat(b"raw\xff").is_some());
    for bad in
        ["\\a:b", "\\a*", "\\a?", "\\a\"", "\\a<", "\\a>", "\\a|", "\\a/b", "\\\u{1}", "\\.", "\\..", "\\x\u{F041}"]
    {
        let r = create(&mut v, bad, FILE_GENERIC_WRITE, 0, FILE_CREATE, 0);
        assert_eq!(r.status, NtStatus::OBJECT_NAME_INVALID, "{bad:?}");
    }
    // Lone surrogates.
    for units in [vec![0x5C, 0xD800], vec![0x5C, 0xDC00, 0x61], vec![0x5C, 0x61, 0xD83D]] {
        let r = v.create(&CreateParams {
            related: None,
            name: &units,
            desired_access: FILE_GENERIC_WRITE,
            file_attributes: 0,
            share_access: 0,
            disposition: FILE_CREATE,
            options: 0,
            ea: &[],
        });
        assert_eq!(r.status, NtStatus::OBJECT_NAME_INVALID, "{units:x?}");
    }
}

fn name_and_path_length_limits<E: Env>(env: &mut E) {
    let mut v = env.mount(MountOptions::default());
    let n255 = "n".repeat(255);
    make_file(&mut v, &format!("\\{n255}"), b"");
    let r = create(&mut v, &format!("\\{n255}x"), FILE_GENERIC_WRITE, 0, FILE_CREATE, 0);
    assert_eq!(r.status, NtStatus::OBJECT_NAME_INVALID, "256 bytes");
    // 128 'é' are 128 UTF-16 units but 256 Linux bytes.
    let r = create(&mut v, &format!("\\{}", "é".repeat(128)), FILE_GENERIC_WRITE, 0, FILE_CREATE, 0);
    assert_eq!(r.status, NtStatus::OBJECT_NAME_INVALID);
    // Paths are capped at PATH_MAX bytes on Linux.
    let mut path = String::new();
    let comp = "d".repeat(250);
    for _ in 0..15 {
        path.push('\\');
        path.push_str(&comp);
        make_dir(&mut v, &path);
    }
    let r = create(&mut v, &format!("{path}\\{comp}\\{comp}"), FILE_GENERIC_WRITE, 0, FILE_CREATE, 0);
    assert_eq!(r.status, NtStatus::NAME_TOO_LONG);
}
