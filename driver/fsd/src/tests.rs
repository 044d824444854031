//! The common routines over fs-glue's host `Vfs` (real syscalls on a
//! scratch directory): each test plays the I/O manager's side of a request
//! sequence and checks what Windows would answer.

use super::*;
use fs_glue::QueryDirParams;
use fs_glue::nt::*;
use fs_glue::{MountOptions, Volume};
use fs_glue_testbed::HostVfs;
use fs_glue_testbed::scratch::Scratch;

pub(crate) const GENERIC_READ: u32 = 0x8000_0000;
pub(crate) const GENERIC_WRITE: u32 = 0x4000_0000;
const DELETE: u32 = 0x0001_0000;
const SYNC_NONALERT: u32 = 0x20;

fn w(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

pub(crate) struct Fixture {
    pub(crate) vcb: Vcb<HostVfs>,
    pub(crate) dir: Scratch,
}

pub(crate) fn mount() -> Fixture {
    let dir = Scratch::new("fsd");
    let vfs = HostVfs::new(dir.path()).unwrap();
    Fixture { vcb: Vcb::new(Volume::new(vfs, MountOptions::default())), dir }
}

pub(crate) fn create(vcb: &mut Vcb<HostVfs>, name: &str, access: u32, disposition: u32, options: u32) -> Created {
    create_with(vcb, &mut OwnServices, name, access, disposition, options)
}

/// A create sharing everything, with the build's `svc`.
pub(crate) fn create_with(
    vcb: &mut Vcb<HostVfs>,
    svc: &mut dyn Services,
    name: &str,
    access: u32,
    disposition: u32,
    options: u32,
) -> Created {
    let name = w(name);
    vcb.create(
        svc,
        &Create {
            name: &name,
            related: None,
            access,
            attributes: 0x80,
            share: 7,
            disposition,
            options,
            ea: &[],
            open_target_directory: false,
        },
    )
}

pub(crate) fn open_volume(vcb: &mut Vcb<HostVfs>) -> Ccb {
    let c = create(vcb, "", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, 0);
    assert_eq!(c.status, NtStatus::SUCCESS);
    c.ccb.unwrap()
}

/// The I/O manager's first step of a rename to a full path.
fn open_target(vcb: &mut Vcb<HostVfs>, name: &[u16]) -> Created {
    vcb.create(
        &mut OwnServices,
        &Create {
            name,
            related: None,
            access: 0x2,
            attributes: 0,
            share: 3,
            disposition: FILE_OPEN,
            options: 0,
            ea: &[],
            open_target_directory: true,
        },
    )
}

pub(crate) fn done(vcb: &mut Vcb<HostVfs>, mut ccb: Ccb) -> bool {
    assert_eq!(vcb.cleanup(&mut ccb, &mut OwnServices), Reply::ok(0));
    vcb.close(ccb, &mut OwnServices)
}

#[test]
fn write_read_with_a_synchronous_position_and_append() {
    let mut f = mount();
    let c = create(&mut f.vcb, "\\a.txt", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, SYNC_NONALERT);
    assert_eq!((c.status, c.information), (NtStatus::SUCCESS, FILE_CREATED));
    let mut ccb = c.ccb.unwrap();
    let mut pos = 0u64;
    let r = f.vcb.write(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        Offset::Current,
        b"hello",
    );
    assert_eq!((r, pos), (Reply::ok(5), 5));
    let r = f.vcb.write(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        Offset::Current,
        b" world",
    );
    assert_eq!((r, pos), (Reply::ok(6), 11));
    // Appending moves the position to the new end.
    pos = 0;
    let r = f.vcb.write(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        Offset::EndOfFile,
        b"!",
    );
    assert_eq!((r, pos), (Reply::ok(1), 12));
    let mut buf = [0u8; 32];
    let r = f.vcb.read(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        Offset::At(6),
        &mut buf,
    );
    assert_eq!((r, pos, &buf[..6]), (Reply::ok(6), 12, &b"world!"[..]));
    // At the end: STATUS_END_OF_FILE, and a zero-length read succeeds.
    let r = f.vcb.read(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        Offset::Current,
        &mut buf,
    );
    assert_eq!(r, Reply::err(NtStatus::END_OF_FILE));
    let r = f.vcb.read(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        Offset::At(99),
        &mut [],
    );
    assert_eq!(r, Reply::ok(0));
    // An asynchronous file object's position stays where it was.
    let mut apos = 3u64;
    let r = f.vcb.read(
        FileRef { ccb: &mut ccb, position: &mut apos, synchronous: false, process: 0, key: 0 },
        Offset::At(0),
        &mut buf,
    );
    assert_eq!((r, apos), (Reply::ok(12), 3));
    // FilePositionInformation reports the file object's offset.
    let mut info = [0u8; 8];
    let r = f.vcb.query_information(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        FILE_POSITION_INFORMATION,
        &mut info,
    );
    assert_eq!((r, u64::from_le_bytes(info)), (Reply::ok(8), 12));
    let r = f.vcb.set_information(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: true, process: 0, key: 0 },
        FILE_POSITION_INFORMATION,
        &2u64.to_le_bytes(),
        None,
    );
    assert_eq!((r, pos), (Reply::ok(0), 2));
    assert!(!done(&mut f.vcb, ccb));
    assert_eq!(std::fs::read(f.dir.path().join("a.txt")).unwrap(), b"hello world!");
    assert_eq!(f.vcb.open_ccbs(), 0);
}

#[test]
fn offsets_decode_as_the_io_manager_sends_them() {
    assert_eq!(Offset::from_irp(7, false), Ok(Offset::At(7)));
    assert_eq!(Offset::from_irp(-1, false), Ok(Offset::EndOfFile));
    assert_eq!(Offset::from_irp(-2, true), Ok(Offset::Current));
    assert_eq!(Offset::from_irp(-2, false), Err(NtStatus::INVALID_PARAMETER));
    assert_eq!(Offset::from_irp(-3, true), Err(NtStatus::INVALID_PARAMETER));
}

#[test]
fn requests_after_cleanup_fail_and_handles_are_not_confused() {
    let mut f = mount();
    let mut a = create(&mut f.vcb, "\\a", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    assert_eq!(f.vcb.cleanup(&mut a, &mut OwnServices), Reply::ok(0));
    // The fs-glue handle number is free again and goes to the next open.
    let b = create(&mut f.vcb, "\\b", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let mut pos = 0;
    let r = f.vcb.write(
        FileRef { ccb: &mut a, position: &mut pos, synchronous: false, process: 0, key: 0 },
        Offset::At(0),
        b"x",
    );
    assert_eq!(r, Reply::err(NtStatus::FILE_CLOSED));
    assert_eq!(f.vcb.cleanup(&mut a, &mut OwnServices), Reply::err(NtStatus::FILE_CLOSED));
    assert!(!f.vcb.close(a, &mut OwnServices));
    assert!(!done(&mut f.vcb, b));
    assert_eq!(std::fs::metadata(f.dir.path().join("b")).unwrap().len(), 0);
}

#[test]
fn volume_open_lock_unlock_and_the_lock_keeps_others_out() {
    let mut f = mount();
    let file = create(&mut f.vcb, "\\f", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let vol = open_volume(&mut f.vcb);
    assert!(vol.is_volume_open());
    // Another open exists: no lock.
    assert_eq!(f.vcb.fsctl(&vol, fsctl::LOCK_VOLUME, &[], &mut []).reply.status, NtStatus::ACCESS_DENIED);
    assert!(!done(&mut f.vcb, file));
    assert_eq!(f.vcb.fsctl(&vol, fsctl::LOCK_VOLUME, &[], &mut []).reply.status, NtStatus::SUCCESS);
    assert!(f.vcb.is_locked());
    assert_eq!(create(&mut f.vcb, "\\f", GENERIC_READ, FILE_OPEN, 0).status, NtStatus::ACCESS_DENIED);
    assert_eq!(create(&mut f.vcb, "", GENERIC_READ, FILE_OPEN, 0).status, NtStatus::ACCESS_DENIED);
    // Only the holder unlocks; a second lock is refused.
    assert_eq!(f.vcb.fsctl(&vol, fsctl::LOCK_VOLUME, &[], &mut []).reply.status, NtStatus::ACCESS_DENIED);
    assert_eq!(f.vcb.fsctl(&vol, fsctl::UNLOCK_VOLUME, &[], &mut []).reply.status, NtStatus::SUCCESS);
    assert_eq!(f.vcb.fsctl(&vol, fsctl::UNLOCK_VOLUME, &[], &mut []).reply.status, NtStatus::NOT_LOCKED);
    // The holder's cleanup unlocks too.
    assert_eq!(f.vcb.fsctl(&vol, fsctl::LOCK_VOLUME, &[], &mut []).reply.status, NtStatus::SUCCESS);
    assert!(!done(&mut f.vcb, vol));
    assert!(!f.vcb.is_locked());
    let again = create(&mut f.vcb, "\\f", GENERIC_READ, FILE_OPEN, 0);
    assert_eq!(again.status, NtStatus::SUCCESS);
    assert!(!done(&mut f.vcb, again.ccb.unwrap()));
}

#[test]
fn reparse_point_fsctls_carry_their_buffers() {
    let mut f = mount();
    let link = create(&mut f.vcb, "\\l", GENERIC_WRITE | FILE_READ_ATTRIBUTES, FILE_CREATE, 0).ccb.unwrap();
    let target: Vec<u16> = "t".encode_utf16().collect();
    let data = fs_glue::reparse::build(&target, &target, SYMLINK_FLAG_RELATIVE);
    let set = f.vcb.fsctl(&link, fsctl::SET_REPARSE_POINT, &data, &mut []);
    assert_eq!(set.reply.status, NtStatus::SUCCESS);
    // The answer is the buffer that was set; a short one is cut and says so.
    let mut out = vec![0u8; 256];
    let got = f.vcb.fsctl(&link, fsctl::GET_REPARSE_POINT, &[], &mut out).reply;
    assert_eq!((got.status, &out[..got.information as usize]), (NtStatus::SUCCESS, &data[..]));
    let mut short = vec![0u8; data.len() - 1];
    let cut = f.vcb.fsctl(&link, fsctl::GET_REPARSE_POINT, &[], &mut short).reply;
    assert_eq!(cut.status, NtStatus::BUFFER_OVERFLOW);
    assert!(!done(&mut f.vcb, link));
    let file = create(&mut f.vcb, "\\f", GENERIC_READ, FILE_CREATE, 0).ccb.unwrap();
    let plain = f.vcb.fsctl(&file, fsctl::GET_REPARSE_POINT, &[], &mut out).reply.status;
    assert_eq!(plain, NtStatus::NOT_A_REPARSE_POINT);
    assert!(!done(&mut f.vcb, file));
    // Not on the volume itself.
    let vol = open_volume(&mut f.vcb);
    let on_volume = f.vcb.fsctl(&vol, fsctl::GET_REPARSE_POINT, &[], &mut out).reply.status;
    assert_eq!(on_volume, NtStatus::INVALID_PARAMETER);
}

#[test]
fn fsctls_check_their_handle_and_unknown_codes_are_invalid() {
    let mut f = mount();
    let file = create(&mut f.vcb, "\\f", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    for code in [fsctl::LOCK_VOLUME, fsctl::UNLOCK_VOLUME, fsctl::DISMOUNT_VOLUME] {
        assert_eq!(f.vcb.fsctl(&file, code, &[], &mut []).reply.status, NtStatus::INVALID_PARAMETER, "{code:#x}");
    }
    assert_eq!(f.vcb.fsctl(&file, fsctl::IS_VOLUME_MOUNTED, &[], &mut []).reply.status, NtStatus::SUCCESS);
    assert_eq!(f.vcb.fsctl(&file, 0x0009_0100, &[], &mut []).reply.status, NtStatus::INVALID_DEVICE_REQUEST);
    assert_eq!(f.vcb.fsctl(&file, 0, &[], &mut []).reply.status, NtStatus::INVALID_DEVICE_REQUEST);
    // No oplocks: requests are not granted, acknowledgments out of
    // protocol, and neither is a volume's or a directory's request.
    for code in fsctl::OPLOCK_REQUESTS {
        assert_eq!(f.vcb.fsctl(&file, code, &[], &mut []).reply.status, NtStatus::OPLOCK_NOT_GRANTED, "{code:#x}");
    }
    for code in fsctl::OPLOCK_ACKS {
        assert_eq!(f.vcb.fsctl(&file, code, &[], &mut []).reply.status, NtStatus::INVALID_OPLOCK_PROTOCOL, "{code:#x}");
    }
    let vol = open_volume(&mut f.vcb);
    let dir = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    for ccb in [&vol, &dir] {
        assert_eq!(f.vcb.fsctl(ccb, fsctl::OPLOCK_REQUESTS[0], &[], &mut []).reply.status, NtStatus::INVALID_PARAMETER);
    }
    assert!(!done(&mut f.vcb, dir));
    assert!(!done(&mut f.vcb, vol));
    assert!(!done(&mut f.vcb, file));
}

#[test]
fn dismount_with_open_files_closes_them_and_keeps_their_data() {
    let mut f = mount();
    let mut file = create(&mut f.vcb, "\\kept", GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let gone = create(&mut f.vcb, "\\gone", GENERIC_WRITE | DELETE, FILE_CREATE, 0x1000).ccb.unwrap();
    let mut pos = 0;
    let r = f.vcb.write(
        FileRef { ccb: &mut file, position: &mut pos, synchronous: false, process: 0, key: 0 },
        Offset::At(0),
        b"data",
    );
    assert_eq!(r, Reply::ok(4));
    let vol = open_volume(&mut f.vcb);
    let d = f.vcb.fsctl(&vol, fsctl::DISMOUNT_VOLUME, &[], &mut []);
    assert_eq!((d.reply.status, d.dismounted), (NtStatus::SUCCESS, true));
    assert!(f.vcb.is_dismounted());
    assert_eq!(f.vcb.fsctl(&vol, fsctl::IS_VOLUME_MOUNTED, &[], &mut []).reply.status, NtStatus::VOLUME_DISMOUNTED);
    let r = f.vcb.write(
        FileRef { ccb: &mut file, position: &mut pos, synchronous: false, process: 0, key: 0 },
        Offset::At(0),
        b"late",
    );
    assert_eq!(r, Reply::err(NtStatus::VOLUME_DISMOUNTED));
    assert_eq!(create(&mut f.vcb, "\\kept", GENERIC_READ, FILE_OPEN, 0).status, NtStatus::VOLUME_DISMOUNTED);
    // The file objects still close; the last one says the volume may go.
    assert!(!done(&mut f.vcb, file));
    assert!(!done(&mut f.vcb, gone));
    assert!(done(&mut f.vcb, vol));
    assert_eq!(std::fs::read(f.dir.path().join("kept")).unwrap(), b"data");
    assert!(!f.dir.path().join("gone").exists(), "delete-on-close still happens at a forced dismount");
}

#[test]
fn volume_open_rules() {
    let mut f = mount();
    assert_eq!(create(&mut f.vcb, "", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE).status, NtStatus::NOT_A_DIRECTORY);
    assert_eq!(create(&mut f.vcb, "", GENERIC_READ, FILE_CREATE, 0).status, NtStatus::ACCESS_DENIED);
    assert_eq!(create(&mut f.vcb, "", GENERIC_READ | DELETE, FILE_OPEN, 0x1000).status, NtStatus::CANNOT_DELETE);
    let mut vol = open_volume(&mut f.vcb);
    // No file data on a volume open here; volume information works.
    let mut pos = 0;
    let r = f.vcb.read(
        FileRef { ccb: &mut vol, position: &mut pos, synchronous: false, process: 0, key: 0 },
        Offset::At(0),
        &mut [0; 512],
    );
    assert_eq!(r, Reply::err(NtStatus::INVALID_DEVICE_REQUEST));
    let mut buf = [0u8; 64];
    assert_eq!(f.vcb.query_volume_information(&vol, FILE_FS_SIZE_INFORMATION, &mut buf).status, NtStatus::SUCCESS);
    assert_eq!(f.vcb.flush(&vol), Reply::ok(0));
    // A relative open against the volume is invalid.
    let name = w("x");
    let c = f.vcb.create(
        &mut OwnServices,
        &Create {
            name: &name,
            related: Some(&vol),
            access: GENERIC_READ,
            attributes: 0,
            share: 7,
            disposition: FILE_OPEN_IF,
            options: 0,
            ea: &[],
            open_target_directory: false,
        },
    );
    assert_eq!(c.status, NtStatus::INVALID_PARAMETER);
    assert!(!done(&mut f.vcb, vol));
}

#[test]
fn relative_opens_and_a_rename_through_the_target_directory() {
    let mut f = mount();
    std::fs::create_dir(f.dir.path().join("d")).unwrap();
    std::fs::create_dir(f.dir.path().join("e")).unwrap();
    std::fs::write(f.dir.path().join("d/old"), b"x").unwrap();
    let dir = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE).ccb.unwrap();
    let name = w("old");
    let c = f.vcb.create(
        &mut OwnServices,
        &Create {
            name: &name,
            related: Some(&dir),
            access: DELETE | GENERIC_READ,
            attributes: 0,
            share: 7,
            disposition: FILE_OPEN,
            options: 0,
            ea: &[],
            open_target_directory: false,
        },
    );
    assert_eq!((c.status, c.information), (NtStatus::SUCCESS, FILE_OPENED));
    let mut file = c.ccb.unwrap();
    // A rename to \e\new.
    let target_name = w("\\e\\new");
    let t = open_target(&mut f.vcb, &target_name);
    assert_eq!((t.status, t.information, t.final_component), (NtStatus::SUCCESS, FILE_DOES_NOT_EXIST, Some(3)));
    let target = t.ccb.unwrap();
    let mut info = vec![0u8; 24];
    info[16..20].copy_from_slice(&12u32.to_le_bytes());
    let mut pos = 0;
    let new = w("new");
    let r = f.vcb.set_information(
        FileRef { ccb: &mut file, position: &mut pos, synchronous: false, process: 0, key: 0 },
        FILE_RENAME_INFORMATION,
        &info,
        Some(RenameTarget { directory: &target, name: &new }),
    );
    assert_eq!(r, Reply::ok(0));
    assert!(f.dir.path().join("e/new").exists() && !f.dir.path().join("d/old").exists());
    // Now the target exists: the directory open says so.
    let t2 = open_target(&mut f.vcb, &target_name);
    assert_eq!(t2.information, FILE_EXISTS);
    // A target below a file, or below nothing, is a path not found.
    for bad in ["\\e\\new\\x", "\\nowhere\\x"] {
        let t = open_target(&mut f.vcb, &w(bad));
        assert_eq!((t.status, t.ccb.is_none()), (NtStatus::OBJECT_PATH_NOT_FOUND, true), "{bad}");
    }
    for c in [file, target, dir, t2.ccb.unwrap()] {
        assert!(!done(&mut f.vcb, c));
    }
}

#[test]
fn directory_query_through_the_common_routine() {
    let mut f = mount();
    for n in ["b.txt", "a.txt", "c.bin"] {
        std::fs::write(f.dir.path().join(n), b"").unwrap();
    }
    let dir = create(&mut f.vcb, "\\", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE).ccb.unwrap();
    let pat = w("*.txt");
    let mut names = Vec::new();
    let mut restart = true;
    loop {
        let mut buf = [0u8; 512];
        let q =
            QueryDirParams { class: FILE_NAMES_INFORMATION, pattern: Some(&pat), restart, single: true, index: None };
        restart = false;
        let r = f.vcb.query_directory(&dir, &q, &mut buf);
        if r.status == NtStatus::NO_MORE_FILES {
            break;
        }
        assert_eq!(r.status, NtStatus::SUCCESS);
        let len = u32::from_le_bytes(buf[8..12].try_into().unwrap()) as usize;
        let name: Vec<u16> = buf[12..12 + len].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        names.push(String::from_utf16(&name).unwrap());
    }
    names.sort();
    assert_eq!(names, ["a.txt", "b.txt"]);
    assert!(!done(&mut f.vcb, dir));
}

/// Fake Windows services: records the share-access calls and refuses the
/// opens the test says to, as IoCheckShareAccess would.
#[derive(Default)]
struct Recorder {
    calls: Vec<String>,
    refuse: bool,
}

impl Services for Recorder {
    fn share_open(&mut self, file: u64, access: u32, share: u32) -> Result<(), NtStatus> {
        self.calls.push(format!("open {file} {access:#x} {share}"));
        if self.refuse { Err(NtStatus::SHARING_VIOLATION) } else { Ok(()) }
    }

    fn share_close(&mut self, file: u64) {
        self.calls.push(format!("close {file}"));
    }
}

#[test]
fn the_windows_share_record_follows_every_open_and_can_refuse_one() {
    let mut f = mount();
    let mut svc = Recorder::default();
    let name = w("\\s");
    let mk = |access| Create {
        name: &name,
        related: None,
        access,
        attributes: 0x80,
        share: 1,
        disposition: FILE_OPEN_IF,
        options: 0,
        ea: &[],
        open_target_directory: false,
    };
    let a = f.vcb.create(&mut svc, &mk(GENERIC_READ | GENERIC_WRITE));
    assert_eq!(a.status, NtStatus::SUCCESS);
    let mut a = a.ccb.unwrap();
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(f.dir.path().join("s")).unwrap());
    // Generic rights arrive mapped, as fs-glue granted them.
    assert_eq!(svc.calls, [format!("open {ino} {:#x} 1", f.vcb.volume().granted_access(Handle(0)).unwrap())]);
    // A refusal undoes the create: no CCB, and fs-glue's handle is closed.
    svc.refuse = true;
    let b = f.vcb.create(&mut svc, &mk(GENERIC_READ));
    assert_eq!((b.status, b.ccb.is_none()), (NtStatus::SHARING_VIOLATION, true));
    assert_eq!(f.vcb.open_handles(), 1);
    svc.refuse = false;
    // An attributes-only open is recorded too (IoCheckShareAccess itself
    // leaves it out of the counts); the volume's own opens take no part.
    let attrs = f.vcb.create(&mut svc, &mk(0x80));
    let attrs = attrs.ccb.unwrap();
    let v = open_volume(&mut f.vcb);
    svc.calls.clear();
    // A forced dismount closes the handles, but each CLEANUP still takes
    // its open off the record.
    assert!(f.vcb.fsctl(&v, fsctl::DISMOUNT_VOLUME, &[], &mut []).dismounted);
    assert_eq!(f.vcb.cleanup(&mut a, &mut svc), Reply::ok(0));
    assert!(!f.vcb.close(a, &mut svc));
    assert!(!f.vcb.close(attrs, &mut svc));
    assert!(f.vcb.close(v, &mut svc));
    assert_eq!(svc.calls, [format!("close {ino}"), format!("close {ino}")]);
}

#[test]
fn a_directory_buffer_shorter_than_its_class_is_a_length_mismatch() {
    let mut f = mount();
    std::fs::write(f.dir.path().join("x"), b"").unwrap();
    let dir = create(&mut f.vcb, "\\", GENERIC_READ, FILE_OPEN, FILE_DIRECTORY_FILE).ccb.unwrap();
    let q =
        QueryDirParams { class: FILE_DIRECTORY_INFORMATION, pattern: None, restart: true, single: true, index: None };
    let mut short = [0u8; 71];
    assert_eq!(f.vcb.query_directory(&dir, &q, &mut short), Reply::err(NtStatus::INFO_LENGTH_MISMATCH));
    let mut enough = [0u8; 72];
    assert_ne!(f.vcb.query_directory(&dir, &q, &mut enough).status, NtStatus::INFO_LENGTH_MISMATCH);
    assert!(!done(&mut f.vcb, dir));
}

#[test]
fn a_read_past_the_largest_offset_is_end_of_file() {
    let mut f = mount();
    let mut ccb = create(&mut f.vcb, "\\big", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let mut pos = 0;
    let r = f.vcb.write(
        FileRef { ccb: &mut ccb, position: &mut pos, synchronous: false, process: 0, key: 0 },
        Offset::At(0),
        b"abc",
    );
    assert_eq!(r, Reply::ok(3));
    for at in [3, 1 << 40, i64::MAX as u64 - 1, i64::MAX as u64] {
        let mut buf = [0u8; 512];
        let r = f.vcb.read(
            FileRef { ccb: &mut ccb, position: &mut pos, synchronous: false, process: 0, key: 0 },
            Offset::At(at),
            &mut buf,
        );
        assert_eq!(r, Reply::err(NtStatus::END_OF_FILE), "read at {at:#x}");
    }
    assert!(!done(&mut f.vcb, ccb));
}
