//! Volume-wide requests beyond the queries: the label (set through Linux's
//! own label ioctl) and the object ID.

use super::*;

/// The cases of this file.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    vec![("volume_label", volume_label::<E>), ("volume_object_id", volume_object_id::<E>)]
}

/// A FILE_FS_LABEL_INFORMATION for `units`, padded to the structure's size.
fn label_info(units: &[u16]) -> Vec<u8> {
    let mut b = ((units.len() * 2) as u32).to_le_bytes().to_vec();
    for u in units {
        b.extend_from_slice(&u.to_le_bytes());
    }
    b.resize(b.len().max(8), 0);
    b
}

/// The label FileFsVolumeInformation reports.
fn nt_label(v: &mut impl Vol) -> String {
    let mut b = vec![0u8; 1024];
    let r = v.query_volume_information(FILE_FS_VOLUME_INFORMATION, &mut b).unwrap();
    assert_eq!(r.status, NtStatus::SUCCESS);
    utf16_at(&b, 18, u32_at(&b, 12) as usize)
}

fn volume_label<E: Env>(env: &mut E) {
    let opts = MountOptions { label: "DATA".into(), ..MountOptions::default() };
    let mut v = env.mount(opts.clone());
    let set = |v: &mut E::V, s: &str| v.set_volume_information(FILE_FS_LABEL_INFORMATION, &label_info(&w(s)));
    let before = nt_label(&mut v);
    // Linux decides whether this file system has a label to set: the host
    // test bed's volume is a directory of the host's file system, which
    // has none of its own.
    let linux = match v.fs_label() {
        Err(Errno::ENOTTY) => {
            assert_eq!(set(&mut v, "NEW"), Err(NtStatus::NOT_SUPPORTED));
            assert_eq!(nt_label(&mut v), before);
            return;
        }
        r => r.unwrap(),
    };
    assert_eq!(String::from_utf8(linux).unwrap(), before, "the mounted label is the file system's");
    // Set, as Linux stores it (UTF-8) and as Windows reads it back.
    set(&mut v, "Données 1").unwrap();
    assert_eq!(v.fs_label().unwrap(), "Données 1".as_bytes());
    assert_eq!(nt_label(&mut v), "Données 1");
    // Refused, and the label stays.
    let refused: [(&[u8], NtStatus); 4] = [
        (&label_info(&w(&"x".repeat(256))), NtStatus::INVALID_VOLUME_LABEL),
        (&label_info(&[0x41, 0, 0x42]), NtStatus::INVALID_VOLUME_LABEL),
        (&label_info(&[0xD800, 0x41]), NtStatus::INVALID_VOLUME_LABEL),
        (&[3, 0, 0, 0, 0x41, 0, 0, 0], NtStatus::INVALID_PARAMETER),
    ];
    for (b, want) in refused {
        assert_eq!(v.set_volume_information(FILE_FS_LABEL_INFORMATION, b), Err(want), "{b:?}");
    }
    // A length past the buffer, a buffer shorter than the structure.
    let mut long = label_info(&w("ABCD"));
    long[0] = 10;
    assert_eq!(v.set_volume_information(FILE_FS_LABEL_INFORMATION, &long), Err(NtStatus::INVALID_PARAMETER));
    assert_eq!(v.set_volume_information(FILE_FS_LABEL_INFORMATION, &[0; 7]), Err(NtStatus::INFO_LENGTH_MISMATCH));
    if v.options().fs_name == "ext4" {
        // ext4's own limit is 16 bytes: 17 are its EINVAL.
        assert_eq!(set(&mut v, &"y".repeat(17)), Err(NtStatus::INVALID_VOLUME_LABEL));
        set(&mut v, &"y".repeat(16)).unwrap();
        assert_eq!(v.fs_label().unwrap(), "y".repeat(16).as_bytes());
    }
    // Only the label is set.
    assert_eq!(v.set_volume_information(FILE_FS_OBJECTID_INFORMATION, &[0; 64]), Err(NtStatus::INVALID_PARAMETER));
    // An empty label removes it.
    set(&mut v, "").unwrap();
    assert_eq!((v.fs_label().unwrap(), nt_label(&mut v)), (Vec::new(), String::new()));
    set(&mut v, "BACKUP").unwrap();
    // It is on the disk: a read-only mount reads it, and refuses a change.
    let mut v = env.remount(v, MountOptions { read_only: true, ..opts.clone() });
    assert_eq!(v.fs_label().unwrap(), b"BACKUP");
    assert_eq!(set(&mut v, "OTHER"), Err(NtStatus::MEDIA_WRITE_PROTECTED));
    assert_eq!(v.fs_label().unwrap(), b"BACKUP");
    // The label as it was, for an environment whose volumes share one
    // file system.
    let mut v = env.remount(v, opts);
    assert_eq!(nt_label(&mut v), "BACKUP");
    set(&mut v, &before).unwrap();
}

fn volume_object_id<E: Env>(env: &mut E) {
    let uuid = [0x12, 0x34, 0xab, 0xcd, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    let mut v = env.mount(MountOptions { uuid, ..MountOptions::default() });
    let o = v.options().clone();
    let mut b = vec![0x55u8; 80];
    if !o.object_id {
        assert_eq!(v.query_volume_information(FILE_FS_OBJECTID_INFORMATION, &mut b), Err(NtStatus::INVALID_PARAMETER));
        return;
    }
    // The file system's UUID is the volume's object ID.
    let r = v.query_volume_information(FILE_FS_OBJECTID_INFORMATION, &mut b).unwrap();
    assert_eq!((r.status, r.len), (NtStatus::SUCCESS, 64));
    assert_eq!((&b[..16], &b[16..64], &b[64..]), (&o.uuid[..], &[0u8; 48][..], &[0x55u8; 16][..]));
    assert_eq!(
        v.query_volume_information(FILE_FS_OBJECTID_INFORMATION, &mut b[..63]),
        Err(NtStatus::INFO_LENGTH_MISMATCH)
    );
}
