//! Removal of the volume's disk, over fs-glue's host `Vfs`.

use crate::pnp::PnpOp;
use crate::tests::{GENERIC_READ, GENERIC_WRITE, create, done, mount, open_volume};
use crate::*;
use fs_glue::nt::*;

#[test]
fn query_remove_locks_cancel_unlocks_remove_dismounts() {
    let mut f = mount();
    let v = &mut f.vcb;
    let a = create(v, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    // Not while a file is open.
    assert_eq!(v.pnp(PnpOp::QueryRemove).status, NtStatus::ACCESS_DENIED);
    assert!(!done(v, a));
    // Then it holds the volume: nothing opens until the cancel.
    assert_eq!(v.pnp(PnpOp::QueryRemove).status, NtStatus::SUCCESS);
    assert!(v.is_locked());
    assert_eq!(create(v, "\\a", GENERIC_READ, FILE_OPEN, 0).status, NtStatus::ACCESS_DENIED);
    assert_eq!(v.pnp(PnpOp::QueryRemove).status, NtStatus::ACCESS_DENIED, "held already");
    assert_eq!(v.pnp(PnpOp::CancelRemove).status, NtStatus::SUCCESS);
    assert!(!v.is_locked());
    // A cancel without a query changes nothing; a volume lock is not the
    // removal's to drop.
    let vol = open_volume(v);
    assert_eq!(v.fsctl(&vol, fsctl::LOCK_VOLUME, &[], &mut []).reply.status, NtStatus::SUCCESS);
    assert_eq!(v.pnp(PnpOp::CancelRemove).status, NtStatus::SUCCESS);
    assert!(v.is_locked());
    assert_eq!(v.fsctl(&vol, fsctl::UNLOCK_VOLUME, &[], &mut []).reply.status, NtStatus::SUCCESS);
    // A surprise removal with a file open: dismounted, the file's requests
    // fail, its close still works.
    let b = create(v, "\\b", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    assert_eq!(v.pnp(PnpOp::SurpriseRemoval).status, NtStatus::SUCCESS);
    assert!(v.is_dismounted());
    assert_eq!(create(v, "\\a", GENERIC_READ, FILE_OPEN, 0).status, NtStatus::VOLUME_DISMOUNTED);
    assert_eq!(v.pnp(PnpOp::Remove).status, NtStatus::SUCCESS, "the remove that follows");
    assert_eq!(v.pnp(PnpOp::QueryRemove).status, NtStatus::SUCCESS, "nothing left to refuse");
    assert!(!done(v, b));
    assert!(done(v, vol), "the last close of the dismounted volume");
}

#[test]
fn eject_refused_with_a_file_open_dismounts_when_none_is() {
    let mut f = mount();
    let v = &mut f.vcb;
    // A volume open holding the lock (Explorer's own) does not stop it; a
    // file open does.
    let vol = open_volume(v);
    assert_eq!(v.fsctl(&vol, fsctl::LOCK_VOLUME, &[], &mut []).reply.status, NtStatus::SUCCESS);
    assert_eq!(v.fsctl(&vol, fsctl::UNLOCK_VOLUME, &[], &mut []).reply.status, NtStatus::SUCCESS);
    let mut a = create(v, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE, 0).ccb.unwrap();
    assert_eq!(v.eject().status, NtStatus::DEVICE_BUSY);
    assert!(!v.is_dismounted());
    let b = create(v, "\\b", GENERIC_READ, FILE_CREATE, 0).ccb.expect("still mounted");
    assert!(!done(v, b));
    // Cleaned up but not yet closed (the Cache Manager may keep a file
    // object): no longer open.
    assert_eq!(v.cleanup(&mut a, &mut crate::OwnServices), Reply::ok(0));
    assert_eq!(v.eject().status, NtStatus::SUCCESS);
    assert!(v.is_dismounted());
    assert_eq!(create(v, "\\a", GENERIC_READ, FILE_OPEN, 0).status, NtStatus::VOLUME_DISMOUNTED);
    assert_eq!(v.eject().status, NtStatus::SUCCESS, "dismounted already");
    assert!(!v.close(a, &mut crate::OwnServices));
    assert!(done(v, vol), "the last close of the ejected volume");
}
