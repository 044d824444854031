//! A fixed pool of host threads that run requests for the dispatch routines,
//! so the library is only ever entered on threads the host created (IRPs
//! arrive on arbitrary threads, which have no thread-local records).

use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use lkl_abi::{Errno, Host};
use lkl_ntk_host::sync::{Event, Lock, RawSemaphore};
use lkl_ntk_host::thread::Thread;

use crate::HOST;

const WORKERS: usize = 2;

/// A request on the caller's stack; the caller blocks until `done`.
struct Job {
    call: *mut (dyn FnMut() + Send),
    done: Event,
    next: *mut Job,
}

struct Pool {
    /// Guards `head` and `tail`.
    lock: Lock,
    head: UnsafeCell<*mut Job>,
    tail: UnsafeCell<*mut Job>,
    /// One unit per queued job (and per worker at stop).
    pending: RawSemaphore,
    stopping: AtomicBool,
    /// Written by start/stop only (DriverEntry and DriverUnload).
    threads: UnsafeCell<[Option<Thread>; WORKERS]>,
}

// SAFETY: the queue is guarded by `lock`; `threads` is only touched by
// DriverEntry/DriverUnload, which the I/O manager never runs concurrently.
unsafe impl Sync for Pool {}

static POOL: Pool = Pool {
    lock: Lock::new(),
    head: UnsafeCell::new(ptr::null_mut()),
    tail: UnsafeCell::new(ptr::null_mut()),
    pending: RawSemaphore::new(),
    stopping: AtomicBool::new(false),
    threads: UnsafeCell::new([const { None }; WORKERS]),
};

/// Starts the workers.
///
/// # Safety
/// Once, from DriverEntry, after the host started.
pub unsafe fn start() -> Result<(), Errno> {
    // SAFETY: nothing uses the pool yet.
    unsafe {
        POOL.lock.init();
        POOL.pending.init(0);
    }
    POOL.stopping.store(false, Ordering::SeqCst);
    for i in 0..WORKERS {
        match HOST.thread_spawn(alloc::boxed::Box::new(worker)) {
            // SAFETY: DriverEntry is single-threaded with respect to the pool.
            Ok(t) => unsafe { (*POOL.threads.get())[i] = Some(t) },
            Err(e) => {
                // SAFETY: as above.
                unsafe { stop() };
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Stops and joins the workers (queued jobs have all completed, because
/// every submitter blocks until its job is done).
///
/// # Safety
/// From DriverUnload (or a failing DriverEntry), once after `start`.
pub unsafe fn stop() {
    POOL.stopping.store(true, Ordering::SeqCst);
    for _ in 0..WORKERS {
        POOL.pending.up();
    }
    // SAFETY: see `start`.
    for t in unsafe { (*POOL.threads.get()).iter_mut() } {
        if let Some(t) = t.take() {
            let _ = HOST.thread_join(t);
        }
    }
}

fn worker() {
    loop {
        POOL.pending.down();
        if POOL.stopping.load(Ordering::SeqCst) {
            return;
        }
        let job = {
            let _g = POOL.lock.lock();
            // SAFETY: `lock` is held.
            unsafe {
                let job = *POOL.head.get();
                if !job.is_null() {
                    *POOL.head.get() = (*job).next;
                    if (*POOL.head.get()).is_null() {
                        *POOL.tail.get() = ptr::null_mut();
                    }
                }
                job
            }
        };
        if job.is_null() {
            continue;
        }
        // SAFETY: the submitter keeps the job and its closure alive until
        // `done` is set, and nobody else runs this job.
        unsafe {
            (*(*job).call)();
            (*job).done.set();
        }
    }
}

/// Runs `f` on a worker thread and waits for it. PASSIVE_LEVEL.
pub fn run<F: FnMut() + Send>(mut f: F) {
    let call: &mut (dyn FnMut() + Send) = &mut f;
    // SAFETY: the lifetime is erased only for the queue; this function does
    // not return before the worker signalled `done`, so `f` outlives its use.
    let call: *mut (dyn FnMut() + Send + 'static) = unsafe { core::mem::transmute(call) };
    let mut job = Job { call, done: Event::new(), next: ptr::null_mut() };
    // SAFETY: the job is on this stack frame, which outlives the wait below.
    unsafe { job.done.init(true, false) };
    let p: *mut Job = &mut job;
    {
        let _g = POOL.lock.lock();
        // SAFETY: `lock` is held; `p` stays valid until `done`.
        unsafe {
            let tail = *POOL.tail.get();
            if tail.is_null() {
                *POOL.head.get() = p;
            } else {
                (*tail).next = p;
            }
            *POOL.tail.get() = p;
        }
    }
    POOL.pending.up();
    // SAFETY: `p` points to `job`, alive until we return; from here on the
    // job is only reached through `p` (other submitters may link to it).
    unsafe { (*p).done.wait() };
}
