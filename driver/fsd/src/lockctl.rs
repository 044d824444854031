//! IRP_MJ_LOCK_CONTROL: byte-range locks per file, the requests that wait
//! for one, and the check READ and WRITE make against them.
//!
//! The rules are Windows' (LockFileEx's documentation, and what Wine's
//! kernel32 tests assert Windows does):
//! - a lock is owned by one file object in one process, with a key;
//! - an exclusive request conflicts with every lock it overlaps; a shared
//!   request only with exclusive locks of other owners (a shared lock may
//!   overlap its own owner's exclusive lock);
//! - a zero-length lock covers no byte, but a request whose range holds its
//!   offset conflicts with it (Windows refuses 98..102 and 100..110 next to
//!   a zero-length lock at 100, and grants 90..100);
//! - an unlock names exactly one lock (owner, key, offset, length); with an
//!   exclusive and a shared lock alike, the exclusive one goes first;
//! - a range past 2^64 bytes is STATUS_INVALID_LOCK_RANGE;
//! - a conflict fails with STATUS_LOCK_NOT_GRANTED when the request says
//!   fail-immediately, and otherwise waits (first come, first served) until
//!   an unlock, a cleanup or a dismount lets it in, or it is cancelled;
//! - reads are refused (STATUS_FILE_LOCK_CONFLICT) where another owner (or
//!   another key) holds an exclusive lock; writes also where anyone, the
//!   owner included, holds a shared lock; zero-length locks refuse no I/O.
//!
//! Decided, where Windows' documentation is silent: at CLEANUP every lock of
//! the file object goes, whichever process took it (FsRtlFastUnlockAll
//! frees the cleaning process's; after the last handle no process can use
//! the others), and its waiting requests complete with STATUS_CANCELLED,
//! since their handle is gone; a dismount completes every waiting request
//! with STATUS_VOLUME_DISMOUNTED.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use fs_glue::{NtStatus, Vfs};

use crate::Reply;
use crate::pending::Finished;
use crate::vcb::{Ccb, FileRef, Open, Vcb};

/// Who holds a lock: a file object (its CCB) in a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The CCB's number.
    pub ccb: u64,
    /// The requesting process (`IoGetRequestorProcess`).
    pub process: usize,
}

/// One granted lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Lock {
    owner: Owner,
    key: u32,
    offset: u64,
    length: u64,
    exclusive: bool,
}

impl Lock {
    /// One past the last byte, in 65 bits.
    fn end(&self) -> u128 {
        u128::from(self.offset) + u128::from(self.length)
    }

    /// Whether `self` (held) and a request for `r` are in each other's way,
    /// by range alone.
    fn meets(&self, r: &Lock) -> bool {
        let point_in = |p: u64, l: &Lock| l.offset <= p && u128::from(p) < l.end();
        match (self.length, r.length) {
            (0, 0) => false,
            (0, _) => point_in(self.offset, r),
            (_, 0) => point_in(r.offset, self),
            _ => u128::from(self.offset) < r.end() && u128::from(r.offset) < self.end(),
        }
    }

    /// Whether a request for `r` cannot be granted beside `self`.
    fn blocks(&self, r: &Lock) -> bool {
        self.meets(r) && (r.exclusive || (self.exclusive && self.owner != r.owner))
    }
}

/// A request waiting for its range.
#[derive(Debug)]
struct Waiter {
    token: u64,
    file: u64,
    lock: Lock,
}

/// What IRP_MN_LOCK asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockRequest {
    /// `ByteOffset`.
    pub offset: u64,
    /// `*Length`.
    pub length: u64,
    /// `Key`.
    pub key: u32,
    /// The requesting process.
    pub process: usize,
    /// SL_EXCLUSIVE_LOCK.
    pub exclusive: bool,
    /// SL_FAIL_IMMEDIATELY.
    pub fail_immediately: bool,
}

/// The minor functions of IRP_MJ_LOCK_CONTROL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockOp {
    /// IRP_MN_LOCK.
    Lock(LockRequest),
    /// IRP_MN_UNLOCK_SINGLE: (offset, length, key, process).
    UnlockSingle(u64, u64, u32, usize),
    /// IRP_MN_UNLOCK_ALL: every lock of the file object in the process.
    UnlockAll(usize),
    /// IRP_MN_UNLOCK_ALL_BY_KEY: (process, key).
    UnlockAllByKey(usize, u32),
}

pub use crate::pending::Pending as LockDone;

/// The volume's byte-range locks: per file id, the granted locks; the
/// waiting requests in arrival order.
#[derive(Debug, Default)]
pub struct Locks {
    granted: BTreeMap<u64, Vec<Lock>>,
    waiting: Vec<Waiter>,
}

impl Locks {
    fn conflicts(&self, file: u64, r: &Lock) -> bool {
        self.granted.get(&file).is_some_and(|l| l.iter().any(|g| g.blocks(r)))
    }

    fn grant(&mut self, file: u64, l: Lock) {
        self.granted.entry(file).or_default().push(l);
    }

    /// Grants what waits and now fits, in arrival order, into `finished`.
    fn wake(&mut self, finished: &mut Vec<Finished>) {
        let mut i = 0;
        while let Some(w) = self.waiting.get(i) {
            if self.conflicts(w.file, &w.lock) {
                i += 1;
                continue;
            }
            let w = self.waiting.remove(i);
            self.grant(w.file, w.lock);
            finished.push(Finished::status(w.token, NtStatus::SUCCESS));
        }
    }

    fn drop_empty(&mut self, file: u64) {
        if self.granted.get(&file).is_some_and(Vec::is_empty) {
            self.granted.remove(&file);
        }
    }
}

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_LOCK_CONTROL on `ccb`.
    pub fn lock_control(&mut self, ccb: &Ccb, op: LockOp) -> LockDone {
        let now = |s| LockDone::Now(Reply::err(s));
        let file = match (self.handle(ccb), ccb.open) {
            (Err(s), _) => return now(s),
            (Ok(_), Open::Volume(_)) => return now(NtStatus::INVALID_PARAMETER),
            (Ok(Some(h)), Open::File(_, file)) => match self.volume.is_directory(h) {
                Ok(false) => file,
                Ok(true) => return now(NtStatus::INVALID_PARAMETER),
                Err(s) => return now(s),
            },
            (Ok(None), Open::File(..)) => return now(NtStatus::INVALID_HANDLE),
        };
        let (l, finished) = (&mut self.locks, &mut self.finished);
        match op {
            LockOp::Lock(r) => {
                let lock = Lock {
                    owner: Owner { ccb: ccb.id, process: r.process },
                    key: r.key,
                    offset: r.offset,
                    length: r.length,
                    exclusive: r.exclusive,
                };
                if lock.end() > 1u128 << 64 {
                    return now(NtStatus::INVALID_LOCK_RANGE);
                }
                if !l.conflicts(file, &lock) {
                    l.grant(file, lock);
                    return LockDone::Now(Reply::ok(0));
                }
                if r.fail_immediately {
                    return now(NtStatus::LOCK_NOT_GRANTED);
                }
                self.next_token += 1;
                let token = self.next_token;
                self.locks.waiting.push(Waiter { token, file, lock });
                LockDone::Waiting(token)
            }
            LockOp::UnlockSingle(offset, length, key, process) => {
                let owner = Owner { ccb: ccb.id, process };
                let list = l.granted.entry(file).or_default();
                let same = |g: &Lock| g.owner == owner && g.key == key && g.offset == offset && g.length == length;
                let at = list.iter().position(|g| same(g) && g.exclusive).or_else(|| list.iter().position(same));
                let status = match at {
                    Some(i) => {
                        list.remove(i);
                        NtStatus::SUCCESS
                    }
                    None => NtStatus::RANGE_NOT_LOCKED,
                };
                l.drop_empty(file);
                l.wake(finished);
                now(status)
            }
            LockOp::UnlockAll(process) => {
                self.unlock_where(file, |g| g.owner == Owner { ccb: ccb.id, process });
                LockDone::Now(Reply::ok(0))
            }
            LockOp::UnlockAllByKey(process, key) => {
                self.unlock_where(file, |g| g.owner == Owner { ccb: ccb.id, process } && g.key == key);
                LockDone::Now(Reply::ok(0))
            }
        }
    }

    fn unlock_where(&mut self, file: u64, gone: impl Fn(&Lock) -> bool) {
        if let Some(list) = self.locks.granted.get_mut(&file) {
            list.retain(|g| !gone(g));
        }
        self.locks.drop_empty(file);
        self.locks.wake(&mut self.finished);
    }

    /// At CLEANUP of `ccb`: its locks go, and its waiting requests finish
    /// with STATUS_CANCELLED.
    pub(crate) fn release_locks(&mut self, ccb: &Ccb) {
        let Open::File(_, file) = ccb.open else { return };
        let (id, l) = (ccb.id, &mut self.locks);
        let mut i = 0;
        while let Some(w) = l.waiting.get(i) {
            if w.lock.owner.ccb == id {
                let w = l.waiting.remove(i);
                self.finished.push(Finished::status(w.token, NtStatus::CANCELLED));
            } else {
                i += 1;
            }
        }
        self.unlock_where(file, |g| g.owner.ccb == id);
    }

    /// At a dismount: no lock survives, and every waiting request finishes
    /// with STATUS_VOLUME_DISMOUNTED.
    pub(crate) fn drop_all_locks(&mut self) {
        let l = &mut self.locks;
        l.granted.clear();
        for w in core::mem::take(&mut l.waiting) {
            self.finished.push(Finished::status(w.token, NtStatus::VOLUME_DISMOUNTED));
        }
    }

    /// Takes a waiting lock request out; whether it was waiting.
    pub(crate) fn cancel_lock_waiter(&mut self, token: u64) -> bool {
        let before = self.locks.waiting.len();
        self.locks.waiting.retain(|w| w.token != token);
        before != self.locks.waiting.len()
    }

    /// Requests waiting for a lock.
    pub fn waiting_locks(&self) -> usize {
        self.locks.waiting.len()
    }

    /// Whether I/O of `len` bytes at `offset` by `owner` with `key` may go
    /// past the file's locks (STATUS_FILE_LOCK_CONFLICT if not).
    fn io_allowed(&self, file: u64, owner: Owner, key: u32, offset: u64, len: u64, write: bool) -> bool {
        let Some(list) = self.locks.granted.get(&file) else { return true };
        let io = Lock { owner, key, offset, length: len, exclusive: false };
        !list.iter().any(|g| {
            let mine = g.owner == owner && g.key == key;
            g.length != 0 && len != 0 && g.meets(&io) && if g.exclusive { !mine } else { write }
        })
    }

    /// Whether `file` has byte-range locks (fast I/O is then questionable).
    pub(crate) fn has_locks(&self, file: u64) -> bool {
        self.locks.granted.contains_key(&file)
    }

    /// READ's and WRITE's check: `len` bytes at `at` (`u64::MAX`: at the
    /// end of the file, an append) against the file's locks.
    pub(crate) fn lock_check(&mut self, f: &FileRef<'_>, at: u64, len: usize, write: bool) -> Result<(), NtStatus> {
        let Open::File(h, file) = f.ccb.open else { return Ok(()) };
        if len == 0 || !self.locks.granted.contains_key(&file) {
            return Ok(());
        }
        let at = if at == u64::MAX { self.volume.file_size(h)? } else { at };
        let owner = Owner { ccb: f.ccb.id, process: f.process };
        if self.io_allowed(file, owner, f.key, at, len as u64, write) {
            Ok(())
        } else {
            Err(NtStatus::FILE_LOCK_CONFLICT)
        }
    }
}
