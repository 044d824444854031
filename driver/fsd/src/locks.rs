//! The lock plan of the Windows half: which of the volume's lock and a
//! file's two resources (the FCB header's main and paging ERESOURCEs) each
//! path takes, in which mode and order, which paths one thread enters
//! while holding another's, and which paths a holder waits for on another
//! thread (the paging I/O a page fault or the lazy writer sends). The
//! driver takes an FCB's resources from this plan (`driver/src/fsd/fcb.rs`:
//! `acquire`, `release`, `Hold`), and the tests below check the rules that keep it from
//! deadlocking, the ones issue 14 names among them:
//!
//! 1. Paging I/O takes neither the volume's lock nor the main resource.
//! 2. No thread takes exclusive what it holds shared (it would wait for
//!    itself), and first acquisitions follow one order: volume, main,
//!    paging.
//! 3. A path another thread waits for needs no lock that thread holds in
//!    a conflicting mode, and takes shared what that thread holds shared
//!    past exclusive waiters (a plain shared acquisition queues behind a
//!    waiting truncation, which waits for the holder: a cycle).

/// A lock of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lock {
    /// The volume's lock (every request's common routine runs under it).
    Volume,
    /// The FCB header's Resource.
    Main,
    /// The FCB header's PagingIoResource.
    Paging,
}

/// How a lock is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Waits for it alone.
    Exclusive,
    /// Waits for it shared, behind waiting exclusive requests.
    Shared,
    /// Shared even past waiting exclusive requests
    /// (ExAcquireSharedStarveExclusive).
    SharedStarving,
    /// Only if free at once (never waits).
    Try,
}

/// A path through the driver that takes locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// Any request's common routine on a worker.
    Request,
    /// A change of a file's sizes (the FCB header and CcSetFileSizes), and
    /// a cache map's start with its sizes.
    SizeChange,
    /// An IRP_PAGING_IO READ or WRITE on a paging worker.
    PagingIo,
    /// The lazy writer's AcquireForLazyWrite.
    LazyWrite,
    /// Read-ahead's AcquireForReadAhead.
    ReadAhead,
    /// FsRtlCopyRead and FsRtlCopyWrite's own: the main resource shared
    /// (fast I/O's read is FsRtlCopyRead itself).
    FsRtlCopy,
    /// The fast I/O write: the main resource shared around FsRtlCopyWrite.
    FastWrite,
    /// FastIoCheckIfPossible: the volume's lock, if free.
    FastCheck,
    /// AcquireForCcFlush (a CcFlushCache on this thread, or the mapped
    /// page writer's flush).
    CcFlush,
    /// AcquireFileForNtCreateSection.
    CreateSection,
    /// Before an unmount: each FCB's paging descriptor taken away.
    Unmount,
}

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use Lock::*;
use Mode::*;
use Path::*;

impl Path {
    /// What the path takes, in order.
    pub const fn takes(self) -> &'static [(Lock, Mode)] {
        match self {
            Request => &[(Volume, Exclusive)],
            SizeChange => &[(Main, Exclusive), (Paging, Exclusive)],
            PagingIo => &[(Paging, SharedStarving)],
            LazyWrite => &[(Paging, Shared)],
            ReadAhead => &[(Main, Shared)],
            FsRtlCopy => &[(Main, Shared)],
            FastWrite => &[(Main, Shared)],
            FastCheck => &[(Volume, Try)],
            // Main shared instead when the thread holds it shared already
            // (FatAcquireForCcFlush); see `enter`.
            CcFlush => &[(Main, Exclusive), (Paging, Shared)],
            CreateSection => &[(Main, Exclusive)],
            Unmount => &[(Paging, Exclusive)],
        }
    }
}

/// Paths one thread enters in this order, each while holding what the
/// earlier ones took.
pub const CHAINS: &[&[Path]] = &[
    // A cached write past the end or a truncation, and a cache map's start.
    &[Request, SizeChange],
    // FLUSH_BUFFERS, a write-through write, a coherency flush: CcFlushCache
    // calls AcquireForCcFlush on the same thread.
    &[Request, CcFlush],
    // FsRtlCopyRead and FsRtlCopyWrite ask FastIoCheckIfPossible under the
    // main resource; the fast write holds it around FsRtlCopyWrite.
    &[FsRtlCopy, FastCheck],
    &[FastWrite, FsRtlCopy, FastCheck],
    // An unmount (shutdown, unload, the last close of a dismounted volume).
    &[Request, Unmount],
    // The mapped page writer, lazy writer, read-ahead and section creation
    // enter from their own threads.
    &[LazyWrite],
    &[ReadAhead],
    &[CreateSection],
    &[CcFlush],
    &[PagingIo],
];

/// A holder (the chain it is in) waits for a path on another thread.
pub const WAITS: &[(&[Path], Path)] = &[
    // A page fault in CcCopyRead or CcCopyWrite, CcMdlRead or
    // CcPrepareMdlWrite.
    (&[Request], PagingIo),
    // CcFlushCache's writes.
    (&[Request, CcFlush], PagingIo),
    (&[CcFlush], PagingIo),
    // The lazy writer's writes, read-ahead's reads.
    (&[LazyWrite], PagingIo),
    (&[ReadAhead], PagingIo),
    // Fast I/O's page faults.
    (&[FsRtlCopy], PagingIo),
    (&[FastWrite, FsRtlCopy], PagingIo),
];

/// What one thread holds after entering `chain`, each lock in its
/// strongest mode; `Err` names a self-deadlock or an order broken.
pub fn enter(chain: &[Path]) -> Result<Vec<(Lock, Mode)>, String> {
    let mut held: Vec<(Lock, Mode)> = Vec::new();
    for &path in chain {
        for &(lock, mode) in path.takes() {
            let mode = match (path, lock, held.iter().find(|h| h.0 == lock)) {
                (CcFlush, Main, Some((_, Shared | SharedStarving))) => Shared,
                _ => mode,
            };
            match held.iter_mut().find(|h| h.0 == lock) {
                Some(h) if mode == Try => {
                    let _ = h;
                }
                Some(h) if h.1 == Exclusive => {}
                Some(h) if mode == Exclusive => {
                    return Err(format!("{path:?} takes {lock:?} exclusive while this thread holds it {:?}", h.1));
                }
                Some(_) => {}
                None => {
                    if mode != Try
                        && let Some(later) = held.iter().find(|h| h.0 > lock && h.1 != Try)
                    {
                        return Err(format!("{path:?} takes {lock:?} after {:?}", later.0));
                    }
                    held.push((lock, mode));
                }
            }
        }
    }
    Ok(held)
}

/// Whether `want` can wait forever on a lock another thread holds in
/// `held` mode (while that thread waits for this one).
fn blocks(held: Mode, want: Mode, exclusive_waiters: bool) -> bool {
    match (held, want) {
        (_, Try) | (Try, _) => false,
        (Exclusive, _) | (_, Exclusive) => true,
        (Shared | SharedStarving, SharedStarving) => false,
        (Shared | SharedStarving, Shared) => exclusive_waiters,
    }
}

/// Checks rule 3 for every wait: `Err` names the first that can deadlock.
pub fn check_waits(plan: &[(&[Path], Path)]) -> Result<(), String> {
    for (holder, waited) in plan {
        let held = enter(holder)?;
        for &(lock, mode) in waited.takes() {
            // Some path may wait for this lock exclusive meanwhile.
            let exclusive_waiters =
                CHAINS.iter().any(|c| c.iter().any(|p| p.takes().iter().any(|&(l, m)| l == lock && m == Exclusive)));
            if let Some(&(_, h)) = held.iter().find(|h| h.0 == lock)
                && blocks(h, mode, exclusive_waiters)
            {
                return Err(format!(
                    "{holder:?} holds {lock:?} {h:?} and waits for {waited:?}, which takes it {mode:?}"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_io_takes_neither_the_volume_lock_nor_the_main_resource() {
        assert!(PagingIo.takes().iter().all(|&(l, _)| l == Paging));
        assert!(LazyWrite.takes().iter().all(|&(l, m)| l == Paging && m != Exclusive));
    }

    #[test]
    fn no_thread_waits_for_itself_and_the_order_holds() {
        for chain in CHAINS {
            if let Err(e) = enter(chain) {
                panic!("{chain:?}: {e}");
            }
        }
        // A fast read's flush takes main shared, as it holds it shared.
        assert_eq!(enter(&[FsRtlCopy, CcFlush]).unwrap(), [(Main, Shared), (Paging, Shared)]);
    }

    #[test]
    fn no_waited_path_needs_what_its_waiter_holds() {
        check_waits(WAITS).unwrap();
    }

    #[test]
    fn the_checks_catch_broken_plans() {
        // Paging I/O under the request's own main resource, exclusive.
        assert!(check_waits(&[(&[Request, SizeChange], PagingIo)]).is_err());
        // A plain shared acquisition behind the lazy writer's, with a
        // truncation waiting exclusive.
        assert!(check_waits(&[(&[LazyWrite], LazyWrite)]).is_err());
        // Exclusive under one's own shared hold.
        assert!(enter(&[FsRtlCopy, CreateSection]).is_err());
        // The volume's lock after a resource, waiting.
        assert!(enter(&[ReadAhead, Request]).is_err());
        // ... but a try of it never waits.
        assert!(enter(&[ReadAhead, FastCheck]).is_ok());
    }
}
