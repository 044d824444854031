//! The harness's own system thread, started on first use and stopped at
//! unload: every harness request runs on it (never on the dispatch thread,
//! and never on a worker, which the IRPs themselves need). One thread
//! instead of one per request: a thread start costs more than the IRPs of a
//! small request under Wine.

use alloc::boxed::Box;

use lkl_abi::Host;
use lkl_ntk_host::sync::{Mutex, RawSemaphore};
use lkl_ntk_host::thread::Thread;

use crate::HOST;

type Job = Box<dyn FnOnce() + Send>;

struct Runner {
    /// One unit per job handed over (or the stop request).
    go: RawSemaphore,
    /// One unit per job finished.
    done: RawSemaphore,
    /// The job handed over; `None` with `go` raised means stop.
    job: spin::Mutex<Option<Job>>,
}

static RUNNER: Runner = Runner { go: RawSemaphore::new(), done: RawSemaphore::new(), job: spin::Mutex::new(None) };

/// The thread while it runs; held across a whole request, so requests are
/// serialised and start/stop cannot race one.
static THREAD: Mutex<Option<Thread>> = Mutex::new(None);

fn main() {
    loop {
        RUNNER.go.down();
        let job = RUNNER.job.lock().take();
        let Some(job) = job else { return };
        job();
        RUNNER.done.up();
    }
}

/// Runs `job` on the harness thread and waits for it; false if the thread
/// could not be started. PASSIVE_LEVEL.
pub fn run(job: Job) -> bool {
    let mut thread = THREAD.lock();
    if thread.is_none() {
        // SAFETY: no harness thread runs, so nothing waits on or raises
        // the semaphores; they are statics.
        unsafe {
            RUNNER.go.init(0);
            RUNNER.done.init(0);
        }
        match HOST.thread_spawn(Box::new(main)) {
            Ok(t) => *thread = Some(t),
            Err(_) => return false,
        }
    }
    *RUNNER.job.lock() = Some(job);
    RUNNER.go.up();
    RUNNER.done.down();
    true
}

/// From DriverUnload: stops and joins the thread, if it was started.
pub fn stop() {
    let mut thread = THREAD.lock();
    if let Some(t) = thread.take() {
        *RUNNER.job.lock() = None;
        RUNNER.go.up();
        let _ = HOST.thread_join(t);
    }
}
