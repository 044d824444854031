//! Change notification over fs-glue's host `Vfs`: the records Windows
//! gives (Wine's ntdll tests), what completes a waiting request, overflow,
//! cleanup, cancellation and dismount.

use crate::notify::NotifyRequest;
use crate::pending::Pending;
use crate::tests::{GENERIC_READ, GENERIC_WRITE, create, done, mount, open_volume};
use crate::*;
use fs_glue::nt::*;
use fs_glue_testbed::HostVfs;

const DELETE: u32 = 0x0001_0000;
const ALL: u32 = FILE_NOTIFY_CHANGE_FILE_NAME
    | FILE_NOTIFY_CHANGE_DIR_NAME
    | FILE_NOTIFY_CHANGE_ATTRIBUTES
    | FILE_NOTIFY_CHANGE_SIZE
    | FILE_NOTIFY_CHANGE_LAST_WRITE;

fn watch(v: &mut Vcb<HostVfs>, dir: &Ccb, filter: u32, tree: bool, length: usize) -> Pending {
    v.notify_change_directory(dir, NotifyRequest { filter, watch_tree: tree, length })
}

fn waits(p: Pending) -> u64 {
    match p {
        Pending::Waiting(t) => t,
        other => panic!("answered at once: {other:?}"),
    }
}

/// The records of a notification: (action, name).
fn records(data: &[u8]) -> Vec<(u32, String)> {
    let u32_at = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
    let mut out = Vec::new();
    let mut off = 0;
    loop {
        let (next, action, len) = (u32_at(off), u32_at(off + 4), u32_at(off + 8) as usize);
        let name: Vec<u16> =
            data[off + 12..off + 12 + len].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        out.push((action, String::from_utf16(&name).unwrap()));
        if next == 0 {
            assert_eq!(off + 12 + len, data.len(), "Information ends with the last name");
            return out;
        }
        assert_eq!(next % 4, 0, "entries are DWORD-aligned");
        off += next as usize;
    }
}

fn one(v: &mut Vcb<HostVfs>) -> (u64, NtStatus, Vec<(u32, String)>) {
    let f = v.take_finished();
    assert_eq!(f.len(), 1, "{f:?}");
    let f = &f[0];
    let r = if f.data.is_empty() { Vec::new() } else { records(&f.data) };
    (f.token, f.status, r)
}

#[test]
fn changes_complete_a_waiting_notification_with_records() {
    let mut f = mount();
    let d = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    let v = &mut f.vcb;
    // A create through another handle: FILE_ACTION_ADDED, "hoo" (Wine's
    // test: Information 0x12).
    let t = waits(watch(v, &d, ALL, false, 4096));
    assert!(v.take_finished().is_empty());
    let h = create(v, "\\d\\hoo", GENERIC_READ | GENERIC_WRITE | DELETE, FILE_CREATE, 0).ccb.unwrap();
    let fin = v.take_finished();
    assert_eq!((fin.len(), fin[0].token, fin[0].status, fin[0].data.len()), (1, t, NtStatus::SUCCESS, 0x12));
    assert_eq!(records(&fin[0].data), [(FILE_ACTION_ADDED, "hoo".into())]);
    // A write, then a rename (old and new name in one completion), then a
    // delete (at the last handle's cleanup).
    let t = waits(watch(v, &d, ALL, false, 4096));
    let (mut pos, mut hh) = (0, h);
    let r = v.write(
        FileRef { ccb: &mut hh, position: &mut pos, synchronous: false, process: 0, key: 0 },
        Offset::At(0),
        b"x",
    );
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(one(v), (t, NtStatus::SUCCESS, vec![(FILE_ACTION_MODIFIED, "hoo".into())]));
    let t = waits(watch(v, &d, ALL, false, 4096));
    let name: Vec<u16> = "boo".encode_utf16().collect();
    let mut info = vec![0u8; 20];
    info[16..20].copy_from_slice(&6u32.to_le_bytes());
    info.extend(name.iter().flat_map(|u| u.to_le_bytes()));
    let r = v.set_information(
        FileRef { ccb: &mut hh, position: &mut pos, synchronous: false, process: 0, key: 0 },
        FILE_RENAME_INFORMATION,
        &info,
        None,
    );
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(
        one(v),
        (
            t,
            NtStatus::SUCCESS,
            vec![(FILE_ACTION_RENAMED_OLD_NAME, "hoo".into()), (FILE_ACTION_RENAMED_NEW_NAME, "boo".into())]
        )
    );
    let t = waits(watch(v, &d, ALL, false, 4096));
    let r = v.set_information(
        FileRef { ccb: &mut hh, position: &mut pos, synchronous: false, process: 0, key: 0 },
        FILE_DISPOSITION_INFORMATION,
        &[1],
        None,
    );
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert!(v.take_finished().is_empty(), "a delete disposition is no change yet");
    assert!(!done(v, hh));
    assert_eq!(one(v), (t, NtStatus::SUCCESS, vec![(FILE_ACTION_REMOVED, "boo".into())]));
    assert!(!done(v, d));
}

#[test]
fn filters_trees_buffering_and_overflow() {
    let mut f = mount();
    let d = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    let sub = create(&mut f.vcb, "\\d\\sub", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    let root = create(&mut f.vcb, "\\", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE).ccb.unwrap();
    let v = &mut f.vcb;
    // Directory names only: a new file passes unseen; a new directory not.
    let t = waits(watch(v, &d, FILE_NOTIFY_CHANGE_DIR_NAME, false, 4096));
    let c = create(v, "\\d\\file", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    assert!(v.take_finished().is_empty());
    let e = create(v, "\\d\\dir", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    assert_eq!(one(v), (t, NtStatus::SUCCESS, vec![(FILE_ACTION_ADDED, "dir".into())]));
    // The subtree only with watch-tree: the root sees d\sub\x, named from
    // the root; d's own watch does not (its filter is set: directories).
    let t = waits(watch(v, &root, FILE_NOTIFY_CHANGE_FILE_NAME, true, 4096));
    let x = create(v, "\\d\\sub\\x", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    assert_eq!(one(v), (t, NtStatus::SUCCESS, vec![(FILE_ACTION_ADDED, "d\\sub\\x".into())]));
    // Changes while nobody waits are kept, and the next request takes them
    // at once.
    let y = create(v, "\\d\\sub\\y", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    assert!(v.take_finished().is_empty());
    match watch(v, &root, FILE_NOTIFY_CHANGE_FILE_NAME, true, 4096) {
        Pending::Output(s, data) => {
            assert_eq!((s, records(&data)), (NtStatus::SUCCESS, vec![(FILE_ACTION_ADDED, "d\\sub\\y".into())]))
        }
        other => panic!("{other:?}"),
    }
    // More than the first request's buffer held while nobody waited:
    // STATUS_NOTIFY_ENUM_DIR and nothing.
    let small = create(v, "\\d\\sub", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE).ccb.unwrap();
    let t = waits(watch(v, &small, FILE_NOTIFY_CHANGE_FILE_NAME, false, 40));
    // (The driver hands out what finished after every request.)
    let (mut kept, mut fin) = (Vec::new(), Vec::new());
    for n in ["a1", "a2", "a3", "a4"] {
        kept.push(create(v, &format!("\\d\\sub\\{n}"), GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap());
        fin.extend(v.take_finished());
    }
    assert_eq!(fin.len(), 1);
    assert_eq!((fin[0].token, records(&fin[0].data)), (t, vec![(FILE_ACTION_ADDED, "a1".into())]));
    match watch(v, &small, FILE_NOTIFY_CHANGE_FILE_NAME, false, 40) {
        Pending::Output(s, data) => assert_eq!((s, data.len()), (NtStatus::NOTIFY_ENUM_DIR, 0)),
        other => panic!("{other:?}"),
    }
    // Records that do not fit a request's own buffer (a zero-length one):
    // STATUS_NOTIFY_ENUM_DIR too.
    let t = waits(watch(v, &d, FILE_NOTIFY_CHANGE_DIR_NAME, false, 0));
    let z = create(v, "\\d\\dir2", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    assert_eq!(one(v), (t, NtStatus::NOTIFY_ENUM_DIR, vec![]));
    for c in [c, e, x, y, z, small, sub, root, d].into_iter().chain(kept) {
        done(v, c);
    }
}

#[test]
fn notifications_end_by_cleanup_cancel_and_dismount() {
    let mut f = mount();
    let d = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    let d2 = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE).ccb.unwrap();
    let file = create(&mut f.vcb, "\\f", GENERIC_READ, FILE_CREATE, 0).ccb.unwrap();
    let v = &mut f.vcb;
    // Not on a file, the volume, or with no (or an unknown) filter.
    let vol = open_volume(v);
    for (c, filter) in [(&file, ALL), (&vol, ALL), (&d, 0), (&d, 0x1000)] {
        assert_eq!(watch(v, c, filter, false, 64), Pending::Now(Reply::err(NtStatus::INVALID_PARAMETER)));
    }
    // Two requests wait; a cancel takes one, the handle's cleanup ends the
    // other with STATUS_NOTIFY_CLEANUP.
    let t1 = waits(watch(v, &d, ALL, false, 64));
    let t2 = waits(watch(v, &d, ALL, false, 64));
    assert_eq!(v.waiting_notifications(), 2);
    assert!(v.cancel_waiter(t1));
    assert!(!v.cancel_waiter(t1));
    assert!(!done(v, d));
    assert_eq!(one(v), (t2, NtStatus::NOTIFY_CLEANUP, vec![]));
    // A dismount ends the rest.
    let t3 = waits(watch(v, &d2, ALL, true, 64));
    assert!(v.fsctl(&vol, fsctl::DISMOUNT_VOLUME, &[], &mut []).dismounted);
    assert_eq!(one(v), (t3, NtStatus::NOTIFY_CLEANUP, vec![]));
    assert_eq!(v.waiting_notifications(), 0);
}

#[test]
fn writes_past_the_irps_are_reported_at_cleanup() {
    let mut f = mount();
    let d = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    let v = &mut f.vcb;
    let mut h = create(v, "\\d\\fast", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let _ = v.take_finished();
    let t = waits(watch(v, &d, ALL, false, 4096));
    // FsRtlCopyWrite wrote through the cache, and the driver tells at the
    // file object's cleanup (FatCommonCleanup's FO_FILE_MODIFIED).
    v.report_modified(&h);
    assert_eq!(one(v), (t, NtStatus::SUCCESS, vec![(FILE_ACTION_MODIFIED, "fast".into())]));
    assert_eq!(v.cleanup(&mut h, &mut OwnServices), Reply::ok(0));
}
