//! Fixed pools of host threads that run requests for the dispatch routines,
//! so the library is only ever entered on threads the host created (IRPs
//! arrive on arbitrary threads, which have no thread-local records).
//!
//! Two pools: the general one, whose jobs may wait for a volume's lock,
//! and the paging one, for paging I/O, whose jobs never do. A request
//! holding a volume's lock may wait for paging I/O (the Cache Manager's
//! page faults); were that I/O queued behind such requests, nothing would
//! move.

use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};

use lkl_abi::{Errno, Host};
use lkl_ntk_host::sync::{Event, Mutex, RawSemaphore};
use lkl_ntk_host::thread::Thread;

use crate::HOST;

const WORKERS: usize = 2;

/// A request: on the caller's stack, which blocks until `done` (`run`), or
/// owned by the queue and freed by the worker that ran it (`post`).
struct Job {
    call: *mut (dyn FnMut() + Send),
    done: Event,
    next: *mut Job,
    /// Posted: `call` and the job itself are leaked boxes the worker frees.
    owned: bool,
}

/// The jobs waiting for a worker, oldest first, linked through `Job::next`.
struct Queue {
    head: *mut Job,
    tail: *mut Job,
}

// SAFETY: the jobs live on their submitters' stacks and are handed to a
// worker thread on purpose: each submitter keeps its job alive until the
// worker set `done`, and only the worker that unlinked a job touches it.
unsafe impl Send for Queue {}

struct Pool {
    queue: Mutex<Queue>,
    /// One unit per queued job (and per worker at stop).
    pending: RawSemaphore,
    stopping: AtomicBool,
    /// Written by start/stop only (DriverEntry and DriverUnload).
    threads: Mutex<[Option<Thread>; WORKERS]>,
}

impl Pool {
    const fn new() -> Pool {
        Pool {
            queue: Mutex::new(Queue { head: ptr::null_mut(), tail: ptr::null_mut() }),
            pending: RawSemaphore::new(),
            stopping: AtomicBool::new(false),
            threads: Mutex::new([const { None }; WORKERS]),
        }
    }
}

static POOL: Pool = Pool::new();
static PAGING: Pool = Pool::new();
static POOLS: [&Pool; 2] = [&POOL, &PAGING];

/// Starts the workers of both pools.
///
/// # Safety
/// Once, from DriverEntry, after the host started.
pub unsafe fn start() -> Result<(), Errno> {
    for (i, pool) in POOLS.iter().enumerate() {
        // SAFETY: the caller's contract, for each pool once.
        if let Err(e) = unsafe { start_pool(pool, i) } {
            // SAFETY: from DriverEntry; the workers spawned so far are
            // recorded, so stop joins them.
            unsafe { stop() };
            return Err(e);
        }
    }
    Ok(())
}

/// Starts `pool` (number `index` of [`POOLS`]).
///
/// # Safety
/// As [`start`].
unsafe fn start_pool(pool: &'static Pool, index: usize) -> Result<(), Errno> {
    // SAFETY: no worker runs yet and no job was queued (caller's contract:
    // once, from DriverEntry), so nothing waits on the semaphore; it is a
    // static, so it never moves.
    unsafe { pool.pending.init(0) };
    pool.stopping.store(false, Ordering::SeqCst);
    let mut threads = [const { None }; WORKERS];
    let mut failed = None;
    for slot in threads.iter_mut() {
        let body: fn() = if index == 0 { || worker(&POOL) } else { || worker(&PAGING) };
        match HOST.thread_spawn(alloc::boxed::Box::new(body)) {
            Ok(t) => *slot = Some(t),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    *pool.threads.lock() = threads;
    failed.map_or(Ok(()), Err)
}

/// Stops and joins the workers of both pools (queued jobs have all
/// completed, because every submitter blocks until its job is done).
///
/// # Safety
/// From DriverUnload (or a failing DriverEntry), once after `start`.
pub unsafe fn stop() {
    for pool in POOLS {
        pool.stopping.store(true, Ordering::SeqCst);
        for _ in 0..WORKERS {
            pool.pending.up();
        }
        // Joined after the lock is released: a worker's exit then cannot
        // depend on it.
        let threads = core::mem::replace(&mut *pool.threads.lock(), [const { None }; WORKERS]);
        for t in threads.into_iter().flatten() {
            let _ = HOST.thread_join(t);
        }
    }
}

fn worker(pool: &'static Pool) {
    loop {
        pool.pending.down();
        if pool.stopping.load(Ordering::SeqCst) {
            return;
        }
        let job = {
            let mut q = pool.queue.lock();
            let job = q.head;
            if !job.is_null() {
                // SAFETY: a queued job is alive until its `done` is set,
                // which happens only after it is unlinked here; its `next`
                // is written only with the queue locked.
                q.head = unsafe { (*job).next };
                if q.head.is_null() {
                    q.tail = ptr::null_mut();
                }
            }
            job
        };
        if job.is_null() {
            continue;
        }
        // SAFETY: the submitter keeps the job and its closure alive until
        // `done` is set, and nobody else runs this job; a posted job's
        // boxes belong to this worker once unlinked and are freed once.
        unsafe {
            (*(*job).call)();
            if (*job).owned {
                drop(alloc::boxed::Box::from_raw((*job).call));
                drop(alloc::boxed::Box::from_raw(job));
            } else {
                (*job).done.set();
            }
        }
    }
}

/// Runs `f` on a worker thread and waits for it. PASSIVE_LEVEL.
pub fn run<F: FnMut() + Send>(mut f: F) {
    let call: &mut (dyn FnMut() + Send) = &mut f;
    // SAFETY: the lifetime is erased only for the queue; this function does
    // not return before the worker signalled `done`, so `f` outlives its use.
    let call: *mut (dyn FnMut() + Send + 'static) = unsafe { core::mem::transmute(call) };
    let mut job = Job { call, done: Event::new(), next: ptr::null_mut(), owned: false };
    // SAFETY: the job is on this stack frame, which outlives the wait below.
    unsafe { job.done.init(true, false) };
    let p: *mut Job = &mut job;
    enqueue(&POOL, p);
    // SAFETY: `p` points to `job`, alive until we return; from here on the
    // job is only reached through `p` (other submitters may link to it).
    unsafe { (*p).done.wait() };
}

/// Queues `f` for a worker and returns at once; the worker frees it after
/// running it. For IRPs the dispatch routine marked pending: `f` completes
/// them. Any IRQL up to DISPATCH_LEVEL would do for the queue, but the
/// allocation wants PASSIVE_LEVEL.
pub fn post(f: alloc::boxed::Box<dyn FnOnce() + Send>) {
    post_to(&POOL, f);
}

/// [`post`] to the paging pool, whose jobs never wait for a volume's lock.
pub fn post_paging(f: alloc::boxed::Box<dyn FnOnce() + Send>) {
    post_to(&PAGING, f);
}

fn post_to(pool: &'static Pool, f: alloc::boxed::Box<dyn FnOnce() + Send>) {
    let mut f = Some(f);
    let call: alloc::boxed::Box<dyn FnMut() + Send> = alloc::boxed::Box::new(move || {
        if let Some(f) = f.take() {
            f()
        }
    });
    let job = alloc::boxed::Box::new(Job {
        call: alloc::boxed::Box::into_raw(call),
        done: Event::new(),
        next: ptr::null_mut(),
        owned: true,
    });
    enqueue(pool, alloc::boxed::Box::into_raw(job));
}

/// Links `p` at the tail of `pool`'s queue and wakes a worker.
fn enqueue(pool: &'static Pool, p: *mut Job) {
    {
        let mut q = pool.queue.lock();
        if q.tail.is_null() {
            q.head = p;
        } else {
            // SAFETY: the tail job is queued, so alive (its submitter waits
            // for `done`), and its `next` is written only with the queue
            // locked, which we hold.
            unsafe { (*q.tail).next = p };
        }
        q.tail = p;
    }
    pool.pending.up();
}
