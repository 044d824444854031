//! The self-test: every host-conformance case on the driver's host, plus the
//! NT host's own case for `Host::panic` (run on a second host, because it
//! leaves its host dead), each run on a worker thread.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use driver_ioctl::{CaseOutcome, ResultWriter};
use lkl_abi::Host;
use lkl_ntk_host::NtHost;
use lkl_ntk_host::sync::Mutex;

use crate::{HOST, workers};

/// Started and stopped around each run of the panic case.
static DEAD_TEST_HOST: NtHost = NtHost::new();
/// One self-test at a time (the second host is started per run).
static RUNNING: Mutex<()> = Mutex::new(());
static RUNS: AtomicU64 = AtomicU64::new(0);

/// Self-tests completed since load.
pub fn runs() -> u64 {
    RUNS.load(Ordering::SeqCst)
}

/// Runs every case and writes the results into `out`
/// ([`driver_ioctl::SELFTEST_OUT_SIZE`] bytes). PASSIVE_LEVEL.
pub fn run(out: &mut [u8]) {
    let _one = RUNNING.lock();
    let Some(mut w) = ResultWriter::new(out) else { return };
    workers::run(|| {
        for case in host_conformance::all::<NtHost>() {
            let r = (case.run)(&HOST);
            record(&mut w, case.name, r.map_err(|f| f.0));
        }
        // SAFETY: RUNNING serialises start/stop of the second host, and the
        // case joins every thread it spawns before returning.
        let r = match unsafe { DEAD_TEST_HOST.start() } {
            Ok(_) => {
                let r = panic_releases_waiters(&DEAD_TEST_HOST);
                // SAFETY: RUNNING (held) serialises start/stop of the second
                // host, and the case joined every thread it spawned.
                unsafe { DEAD_TEST_HOST.stop() };
                r
            }
            Err(e) => Err(format!("starting a second host: {e}")),
        };
        record(&mut w, "nt_panic_releases_waiters", r);
        let left = DEAD_TEST_HOST.mem_outstanding();
        record(
            &mut w,
            "nt_second_host_freed_memory",
            if left == 0 { Ok(()) } else { Err(format!("{left} host blocks outstanding")) },
        );
    });
    RUNS.fetch_add(1, Ordering::SeqCst);
}

fn record(w: &mut ResultWriter<'_>, name: &str, r: Result<(), String>) {
    match r {
        Ok(()) => w.push(name, CaseOutcome::Passed, ""),
        Err(m) => w.push(name, CaseOutcome::Failed, &m),
    };
}

/// `Host::panic` must release threads blocked in `sem_down` and
/// `mutex_lock` at once, and later waits must not block.
fn panic_releases_waiters(h: &'static NtHost) -> Result<(), String> {
    let sem = Arc::new(h.sem_new(0).map_err(|e| format!("sem_new = {e}"))?);
    let mutex = Arc::new(h.mutex_new(false).map_err(|e| format!("mutex_new = {e}"))?);
    h.mutex_lock(&mutex);
    let released = Arc::new(AtomicU32::new(0));
    let (s2, r2) = (sem.clone(), released.clone());
    let t1 = h.thread_spawn(Box::new(move || {
        h.sem_down(&s2);
        r2.fetch_add(1, Ordering::SeqCst);
    }));
    let (m3, r3) = (mutex.clone(), released.clone());
    let t2 = h.thread_spawn(Box::new(move || {
        h.mutex_lock(&m3);
        r3.fetch_add(1, Ordering::SeqCst);
        h.mutex_unlock(&m3);
    }));
    let (t1, t2) = match (t1, t2) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            h.panic();
            return Err(String::from("thread_spawn failed"));
        }
    };
    let spin = |ns: u64, until: &dyn Fn() -> bool| {
        let start = h.monotonic_ns();
        while h.monotonic_ns() - start < ns && !until() {
            core::hint::spin_loop();
        }
    };
    spin(50_000_000, &|| false);
    let early = released.load(Ordering::SeqCst);
    h.panic();
    spin(5_000_000_000, &|| released.load(Ordering::SeqCst) == 2);
    let after = released.load(Ordering::SeqCst);
    // Join only when both were released, or the join would hang.
    if after == 2 {
        let _ = h.thread_join(t1);
        let _ = h.thread_join(t2);
    } else {
        core::mem::forget((t1, t2));
    }
    let start = h.monotonic_ns();
    h.sem_down(&sem);
    h.mutex_lock(&mutex);
    let blocked = h.monotonic_ns() - start;
    h.mutex_unlock(&mutex);
    if early != 0 {
        return Err(format!("{early} waiter(s) returned before the panic"));
    }
    if after != 2 {
        return Err(format!("only {after} of 2 waiters returned within 5 s of panic()"));
    }
    if !h.is_dead() {
        return Err(String::from("is_dead() is false after panic()"));
    }
    if blocked > 100_000_000 {
        return Err(format!("sem_down/mutex_lock on a dead host took {blocked} ns"));
    }
    Ok(())
}
