//! Byte-range locks over fs-glue's host `Vfs`: the facts Wine's kernel32
//! tests assert for Windows (LockFile/LockFileEx/UnlockFile), the I/O they
//! refuse, and the requests that wait.

use crate::lockctl::{LockDone, LockOp, LockRequest};
use crate::tests::{GENERIC_READ, GENERIC_WRITE, create, done, mount, open_volume};
use crate::*;
use fs_glue::nt::*;

const ME: usize = 1;

fn lock(offset: u64, length: u64, exclusive: bool) -> LockOp {
    LockOp::Lock(LockRequest { offset, length, key: 0, process: ME, exclusive, fail_immediately: true })
}

fn wait_for(offset: u64, length: u64) -> LockOp {
    LockOp::Lock(LockRequest { offset, length, key: 0, process: ME, exclusive: true, fail_immediately: false })
}

fn unlock(offset: u64, length: u64) -> LockOp {
    LockOp::UnlockSingle(offset, length, 0, ME)
}

fn now(d: LockDone) -> NtStatus {
    match d {
        LockDone::Now(r) => r.status,
        other => panic!("not answered at once: {other:?}"),
    }
}

/// (token, status) of what finished.
fn finished(v: &mut Vcb<fs_glue_testbed::HostVfs>) -> Vec<(u64, NtStatus)> {
    v.take_finished().into_iter().map(|f| (f.token, f.status)).collect()
}

fn io(vcb: &mut Vcb<fs_glue_testbed::HostVfs>, ccb: &mut Ccb, at: u64, write: bool) -> NtStatus {
    let mut pos = 0;
    let f = FileRef { ccb, position: &mut pos, synchronous: false, process: ME, key: 0 };
    if write { vcb.write(f, Offset::At(at), b"xxxx").status } else { vcb.read(f, Offset::At(at), &mut [0; 4]).status }
}

#[test]
fn locks_conflict_and_unlock_as_on_windows() {
    let mut f = mount();
    let a = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let b = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, 0).ccb.unwrap();
    let v = &mut f.vcb;
    // Exclusive 10..30; overlapping requests fail, an adjacent one is fine.
    assert_eq!(now(v.lock_control(&a, lock(10, 20, true))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(12, 10, true))), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(now(v.lock_control(&a, lock(5, 6, true))), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(now(v.lock_control(&a, lock(5, 5, true))), NtStatus::SUCCESS);
    // An unlock names one lock exactly.
    assert_eq!(now(v.lock_control(&a, unlock(10, 10))), NtStatus::RANGE_NOT_LOCKED);
    assert_eq!(now(v.lock_control(&a, unlock(10, 20))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, unlock(10, 20))), NtStatus::RANGE_NOT_LOCKED);
    assert_eq!(now(v.lock_control(&a, unlock(5, 5))), NtStatus::SUCCESS);
    // Shared locks overlap each other, an exclusive one does not.
    assert_eq!(now(v.lock_control(&a, lock(100, 100, false))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(150, 100, false))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&b, lock(120, 10, false))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(150, 50, true))), NtStatus::LOCK_NOT_GRANTED);
    for (c, o, l) in [(&a, 100, 100), (&a, 150, 100), (&b, 120, 10)] {
        assert_eq!(now(v.lock_control(c, unlock(o, l))), NtStatus::SUCCESS);
    }
    // A shared lock may overlap its own owner's exclusive lock, not
    // another's; the unlock takes the exclusive one first.
    assert_eq!(now(v.lock_control(&a, lock(300, 100, true))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&b, lock(300, 100, false))), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(now(v.lock_control(&a, lock(300, 100, false))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, unlock(300, 100))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&b, lock(300, 100, false))), NtStatus::SUCCESS);
    // A zero-length lock: requests holding its offset conflict with it.
    assert_eq!(now(v.lock_control(&a, lock(1000, 0, true))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(998, 4, true))), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(now(v.lock_control(&a, lock(990, 10, true))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(1000, 10, true))), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(now(v.lock_control(&a, unlock(990, 10))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, unlock(1000, 10))), NtStatus::RANGE_NOT_LOCKED);
    assert_eq!(now(v.lock_control(&a, unlock(1000, 0))), NtStatus::SUCCESS);
    // Ranges end at 2^64 at most.
    assert_eq!(now(v.lock_control(&a, lock(1 << 60, u64::MAX - (1 << 60) + 1, true))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(u64::MAX, 1, true))), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(now(v.lock_control(&a, lock(u64::MAX, 2, true))), NtStatus::INVALID_LOCK_RANGE);
    // Unlock-all takes only the caller's own: a's shared 300..400 stays.
    assert_eq!(now(v.lock_control(&b, LockOp::UnlockAll(ME))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(300, 1, true))), NtStatus::LOCK_NOT_GRANTED);
    assert_eq!(now(v.lock_control(&a, LockOp::UnlockAll(ME))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&b, LockOp::UnlockAllByKey(ME, 0))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(0, u64::MAX, true))), NtStatus::SUCCESS);
    assert!(!done(v, a));
    assert!(!done(v, b));
}

#[test]
fn locks_refuse_other_owners_io_and_shared_locks_refuse_writes() {
    let mut f = mount();
    let mut a = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let mut b = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, 0).ccb.unwrap();
    let v = &mut f.vcb;
    assert_eq!(io(v, &mut a, 0, true), NtStatus::SUCCESS);
    assert_eq!(io(v, &mut a, 40, true), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(0, 10, true))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(20, 10, false))), NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(35, 0, true))), NtStatus::SUCCESS);
    // The exclusive lock: its owner reads and writes, nobody else.
    assert_eq!(io(v, &mut a, 2, false), NtStatus::SUCCESS);
    assert_eq!(io(v, &mut a, 2, true), NtStatus::SUCCESS);
    assert_eq!(io(v, &mut b, 8, false), NtStatus::FILE_LOCK_CONFLICT);
    assert_eq!(io(v, &mut b, 8, true), NtStatus::FILE_LOCK_CONFLICT);
    // The shared lock: everyone reads, nobody writes, the owner included.
    assert_eq!(io(v, &mut b, 22, false), NtStatus::SUCCESS);
    assert_eq!(io(v, &mut a, 22, true), NtStatus::FILE_LOCK_CONFLICT);
    assert_eq!(io(v, &mut b, 18, true), NtStatus::FILE_LOCK_CONFLICT);
    // The zero-length lock refuses no I/O; outside the locks all is free.
    assert_eq!(io(v, &mut b, 33, true), NtStatus::SUCCESS);
    assert_eq!(io(v, &mut b, 40, true), NtStatus::SUCCESS);
    // An append is checked where it lands (the end, 44, is free).
    let mut pos = 0;
    let r = v.write(
        FileRef { ccb: &mut b, position: &mut pos, synchronous: false, process: ME, key: 0 },
        Offset::EndOfFile,
        b"z",
    );
    assert_eq!(r.status, NtStatus::SUCCESS);
    assert_eq!(now(v.lock_control(&a, lock(45, 10, true))), NtStatus::SUCCESS);
    let r = v.write(
        FileRef { ccb: &mut b, position: &mut pos, synchronous: false, process: ME, key: 0 },
        Offset::EndOfFile,
        b"z",
    );
    assert_eq!(r.status, NtStatus::FILE_LOCK_CONFLICT);
    // Another process through the same file object is another owner.
    let mut pos = 0;
    let other = FileRef { ccb: &mut a, position: &mut pos, synchronous: false, process: ME + 1, key: 0 };
    assert_eq!(v.read(other, Offset::At(0), &mut [0; 4]).status, NtStatus::FILE_LOCK_CONFLICT);
    // Cleanup frees the file object's locks.
    assert!(!done(v, a));
    assert_eq!(io(v, &mut b, 0, true), NtStatus::SUCCESS);
    assert!(!done(v, b));
}

#[test]
fn waiting_locks_are_granted_in_order_cancelled_or_ended() {
    let mut f = mount();
    let a = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let b = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, 0).ccb.unwrap();
    let c = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, 0).ccb.unwrap();
    let v = &mut f.vcb;
    assert_eq!(now(v.lock_control(&a, lock(0, 10, true))), NtStatus::SUCCESS);
    let LockDone::Waiting(tb) = v.lock_control(&b, wait_for(5, 10)) else { panic!("b waits") };
    let LockDone::Waiting(tc) = v.lock_control(&c, wait_for(0, 1)) else { panic!("c waits") };
    assert_eq!(v.waiting_locks(), 2);
    assert!(finished(v).is_empty());
    // The unlock lets b in, then c (0..1 is clear of b's 5..15), in the
    // order they came.
    assert_eq!(now(v.lock_control(&a, unlock(0, 10))), NtStatus::SUCCESS);
    assert_eq!(finished(v), [(tb, NtStatus::SUCCESS), (tc, NtStatus::SUCCESS)]);
    assert_eq!(now(v.lock_control(&a, lock(6, 1, false))), NtStatus::LOCK_NOT_GRANTED, "b holds 5..15");
    // A cancelled waiter leaves; a finished one cannot be cancelled.
    let LockDone::Waiting(t) = v.lock_control(&a, wait_for(0, 100)) else { panic!("a waits") };
    assert!(v.cancel_waiter(t));
    assert!(!v.cancel_waiter(t));
    assert!(!v.cancel_waiter(tb));
    // Cleanup of a waiting file object cancels its request; a dismount
    // ends the rest.
    let LockDone::Waiting(ta) = v.lock_control(&a, wait_for(0, 100)) else { panic!("a waits") };
    let LockDone::Waiting(tc2) = v.lock_control(&c, wait_for(10, 1)) else { panic!("c waits") };
    assert!(!done(v, a));
    assert_eq!(finished(v), [(ta, NtStatus::CANCELLED)]);
    let vol = open_volume(v);
    assert!(v.fsctl(&vol, fsctl::DISMOUNT_VOLUME, &[], &mut []).dismounted);
    assert_eq!(finished(v), [(tc2, NtStatus::VOLUME_DISMOUNTED)]);
    assert_eq!(v.waiting_locks(), 0);
    assert_eq!(now(v.lock_control(&b, lock(0, 1, true))), NtStatus::VOLUME_DISMOUNTED);
}

#[test]
fn locks_need_a_file() {
    let mut f = mount();
    let d = create(&mut f.vcb, "\\d", GENERIC_READ, FILE_CREATE, FILE_DIRECTORY_FILE).ccb.unwrap();
    let vol = open_volume(&mut f.vcb);
    assert_eq!(now(f.vcb.lock_control(&d, lock(0, 1, true))), NtStatus::INVALID_PARAMETER);
    assert_eq!(now(f.vcb.lock_control(&vol, lock(0, 1, true))), NtStatus::INVALID_PARAMETER);
    assert!(!done(&mut f.vcb, d));
}

#[test]
fn fast_io_goes_only_where_the_locks_let_a_request_go() {
    use crate::fastio::FastIo;
    let mut f = mount();
    let a = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    let mut b = create(&mut f.vcb, "\\f", GENERIC_READ | GENERIC_WRITE, FILE_OPEN, 0).ccb.unwrap();
    let file = a.file().unwrap();
    let v = &mut f.vcb;
    // FatIsFastIoPossible: possible without locks, questionable with them.
    assert_eq!(v.fast_io_state(file), FastIo::Possible);
    assert_eq!(now(v.lock_control(&a, lock(10, 20, true))), NtStatus::SUCCESS);
    assert_eq!(v.fast_io_state(file), FastIo::Questionable);
    // FatFastIoCheckIfPossible: the other owner's fast I/O goes past the
    // range only; a request the lock refuses would take the IRP path and
    // get STATUS_FILE_LOCK_CONFLICT there.
    let mut pos = 0;
    let fb = FileRef { ccb: &mut b, position: &mut pos, synchronous: false, process: ME, key: 0 };
    assert!(!v.fast_io_check(&fb, 12, 4, false));
    assert!(!v.fast_io_check(&fb, 0, 11, true));
    assert!(v.fast_io_check(&fb, 30, 4, true));
    assert_eq!(io(v, &mut b, 12, false), NtStatus::FILE_LOCK_CONFLICT);
    assert_eq!(now(v.lock_control(&a, unlock(10, 20))), NtStatus::SUCCESS);
    assert_eq!(v.fast_io_state(file), FastIo::Possible);
    let fb = FileRef { ccb: &mut b, position: &mut pos, synchronous: false, process: ME, key: 0 };
    assert!(v.fast_io_check(&fb, 12, 4, false));
    // Not on the volume's own open, and nothing on a dismounted volume.
    let mut vol = open_volume(v);
    let fv = FileRef { ccb: &mut vol, position: &mut pos, synchronous: false, process: ME, key: 0 };
    assert!(!v.fast_io_check(&fv, 0, 4, false));
    v.force_dismount();
    assert_eq!(v.fast_io_state(file), FastIo::NotPossible);
    let fb = FileRef { ccb: &mut b, position: &mut pos, synchronous: false, process: ME, key: 0 };
    assert!(!v.fast_io_check(&fb, 0, 4, false));
}

#[test]
fn fast_writes_never_reach_a_read_only_volume() {
    use crate::fastio::FastIo;
    let dir = fs_glue_testbed::scratch::Scratch::new("fsd-ro");
    std::fs::write(dir.path().join("f"), b"data").unwrap();
    let vfs = fs_glue_testbed::HostVfs::new(dir.path()).unwrap();
    let opts = fs_glue::MountOptions { read_only: true, ..Default::default() };
    let mut vcb = Vcb::new(fs_glue::Volume::new(vfs, opts));
    let mut a = create(&mut vcb, "\\f", GENERIC_READ, FILE_OPEN, 0).ccb.unwrap();
    assert_eq!(vcb.fast_io_state(a.file().unwrap()), FastIo::Questionable);
    let mut pos = 0;
    let fa = FileRef { ccb: &mut a, position: &mut pos, synchronous: false, process: ME, key: 0 };
    assert!(vcb.fast_io_check(&fa, 0, 4, false));
    assert!(!vcb.fast_io_check(&fa, 0, 4, true));
}
