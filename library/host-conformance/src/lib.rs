//! Host conformance cases: each is a plain function over any [`Host`] that
//! returns a result and never panics, so the same cases run under `cargo test`
//! on the std host and inside the Windows driver on the NT host.
//!
//! Bounds: waits are bounded by a watchdog timer, so a broken host fails a
//! case instead of hanging it; a timer must never fire early and at most
//! [`TIMER_LATE_LIMIT_NS`] late.

#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use lkl_abi::{Host, MEM_ALIGN};

/// How late a timer may fire.
pub const TIMER_LATE_LIMIT_NS: u64 = 1_000_000_000;
/// How long a case waits for another thread before it fails.
pub const WATCHDOG_NS: u64 = 5_000_000_000;

/// Why a case failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

/// A case's outcome.
pub type Outcome = Result<(), Failure>;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Failure(format!($($msg)+)));
        }
    };
}

/// A named case.
pub struct Case<H: Host> {
    /// Short name, stable for test filters.
    pub name: &'static str,
    /// The case body.
    pub run: fn(&'static H) -> Outcome,
}

/// Every case, in the order they should run (primitives first).
pub fn all<H: Host>() -> Vec<Case<H>> {
    vec![
        Case { name: "print", run: print::<H> },
        Case { name: "memory", run: memory::<H> },
        Case { name: "semaphore_counts", run: semaphore_counts::<H> },
        Case { name: "thread_join_and_ids", run: thread_join_and_ids::<H> },
        Case { name: "semaphore_wakes_other_thread", run: semaphore_wakes_other_thread::<H> },
        Case { name: "mutex_excludes", run: mutex_excludes::<H> },
        Case { name: "mutex_recursive", run: mutex_recursive::<H> },
        Case { name: "tls_per_thread_and_destructor", run: tls_per_thread_and_destructor::<H> },
        Case { name: "clocks", run: clocks::<H> },
        Case { name: "timer_fires_on_time", run: timer_fires_on_time::<H> },
        Case { name: "timer_rearm_and_cancel", run: timer_rearm_and_cancel::<H> },
    ]
}

/// A semaphore that a watchdog timer also ups, so a wait ends after at most
/// [`WATCHDOG_NS`]; `wait` reports whether the real event came first.
struct BoundedWait<H: Host> {
    host: &'static H,
    sem: Arc<H::Semaphore>,
    fired: Arc<AtomicBool>,
    watchdog: Option<H::Timer>,
}

impl<H: Host> BoundedWait<H> {
    fn new(host: &'static H) -> Result<Self, Failure> {
        let sem = Arc::new(host.sem_new(0).map_err(|e| Failure(format!("sem_new(0) = {e}")))?);
        let fired = Arc::new(AtomicBool::new(false));
        let (s2, f2) = (sem.clone(), fired.clone());
        let watchdog = host
            .timer_new(Box::new(move || {
                f2.store(true, Ordering::SeqCst);
                host.sem_up(&s2);
            }))
            .map_err(|e| Failure(format!("timer_new(watchdog) = {e}")))?;
        host.timer_arm(&watchdog, WATCHDOG_NS).map_err(|e| Failure(format!("timer_arm(watchdog) = {e}")))?;
        Ok(BoundedWait { host, sem, fired, watchdog: Some(watchdog) })
    }

    /// Waits for one unit; Err if the watchdog fired instead.
    fn wait(&self, what: &str) -> Outcome {
        self.host.sem_down(&self.sem);
        ensure!(
            !self.fired.load(Ordering::SeqCst),
            "timed out after {} s waiting for {what}",
            WATCHDOG_NS / 1_000_000_000
        );
        Ok(())
    }
}

impl<H: Host> Drop for BoundedWait<H> {
    fn drop(&mut self) {
        if let Some(t) = self.watchdog.take() {
            self.host.timer_free(t);
        }
    }
}

fn print<H: Host>(h: &'static H) -> Outcome {
    h.print(b"host-conformance: print works\n");
    Ok(())
}

fn memory<H: Host>(h: &'static H) -> Outcome {
    let before = h.mem_outstanding();
    let mut ptrs = Vec::new();
    for size in [1usize, 7, 16, 100, 4096, 65536, 1 << 20] {
        let p = h.mem_alloc(size);
        ensure!(!p.is_null(), "mem_alloc({size}) = null");
        ensure!((p as usize).is_multiple_of(MEM_ALIGN), "mem_alloc({size}) = {p:p}, not {MEM_ALIGN}-aligned");
        // SAFETY: p points to `size` writable bytes just allocated.
        unsafe { core::ptr::write_bytes(p, 0xa5, size) };
        ptrs.push(p);
    }
    ensure!(
        h.mem_outstanding() == before + ptrs.len(),
        "mem_outstanding() = {}, want {}",
        h.mem_outstanding(),
        before + ptrs.len()
    );
    for p in ptrs {
        // SAFETY: each p came from mem_alloc above and is freed once.
        unsafe { h.mem_free(p) };
    }
    ensure!(h.mem_outstanding() == before, "mem_outstanding() = {} after frees, want {before}", h.mem_outstanding());
    Ok(())
}

fn semaphore_counts<H: Host>(h: &'static H) -> Outcome {
    let s = h.sem_new(2).map_err(|e| Failure(format!("sem_new(2) = {e}")))?;
    h.sem_down(&s);
    h.sem_down(&s);
    h.sem_up(&s);
    h.sem_down(&s);
    Ok(())
}

fn thread_join_and_ids<H: Host>(h: &'static H) -> Outcome {
    let main_id = h.thread_id();
    ensure!(main_id != 0, "thread_id() = 0");
    ensure!(h.thread_id() == main_id, "thread_id() not stable");
    let seen = Arc::new(AtomicU64::new(0));
    let s2 = seen.clone();
    let t = h
        .thread_spawn(Box::new(move || s2.store(h.thread_id(), Ordering::SeqCst)))
        .map_err(|e| Failure(format!("thread_spawn = {e}")))?;
    h.thread_join(t).map_err(|e| Failure(format!("thread_join = {e}")))?;
    let other = seen.load(Ordering::SeqCst);
    ensure!(other != 0, "thread body did not run before join returned");
    ensure!(other != main_id, "thread_id() of a new thread equals the caller's ({main_id})");
    Ok(())
}

fn semaphore_wakes_other_thread<H: Host>(h: &'static H) -> Outcome {
    let w = BoundedWait::new(h)?;
    let sem = w.sem.clone();
    let t = h.thread_spawn(Box::new(move || h.sem_up(&sem))).map_err(|e| Failure(format!("thread_spawn = {e}")))?;
    w.wait("sem_up from another thread")?;
    h.thread_join(t).map_err(|e| Failure(format!("thread_join = {e}")))?;
    Ok(())
}

fn mutex_excludes<H: Host>(h: &'static H) -> Outcome {
    const THREADS: usize = 4;
    const ROUNDS: u32 = 2000;
    let m = Arc::new(h.mutex_new(false).map_err(|e| Failure(format!("mutex_new(false) = {e}")))?);
    let inside = Arc::new(AtomicU32::new(0));
    let overlaps = Arc::new(AtomicU32::new(0));
    let mut threads = Vec::new();
    for _ in 0..THREADS {
        let (m, inside, overlaps) = (m.clone(), inside.clone(), overlaps.clone());
        threads.push(
            h.thread_spawn(Box::new(move || {
                for _ in 0..ROUNDS {
                    h.mutex_lock(&m);
                    if inside.fetch_add(1, Ordering::SeqCst) != 0 {
                        overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                    core::hint::spin_loop();
                    inside.fetch_sub(1, Ordering::SeqCst);
                    h.mutex_unlock(&m);
                }
            }))
            .map_err(|e| Failure(format!("thread_spawn = {e}")))?,
        );
    }
    for t in threads {
        h.thread_join(t).map_err(|e| Failure(format!("thread_join = {e}")))?;
    }
    let n = overlaps.load(Ordering::SeqCst);
    ensure!(n == 0, "{n} of {} critical sections overlapped", THREADS as u32 * ROUNDS);
    Ok(())
}

fn mutex_recursive<H: Host>(h: &'static H) -> Outcome {
    let m = Arc::new(h.mutex_new(true).map_err(|e| Failure(format!("mutex_new(true) = {e}")))?);
    h.mutex_lock(&m);
    h.mutex_lock(&m);
    h.mutex_unlock(&m);
    // Still held once: another thread must not get it until the last unlock.
    let got = Arc::new(AtomicBool::new(false));
    let w = BoundedWait::new(h)?;
    let (m2, got2, sem) = (m.clone(), got.clone(), w.sem.clone());
    let t = h
        .thread_spawn(Box::new(move || {
            h.mutex_lock(&m2);
            got2.store(true, Ordering::SeqCst);
            h.mutex_unlock(&m2);
            h.sem_up(&sem);
        }))
        .map_err(|e| Failure(format!("thread_spawn = {e}")))?;
    let start = h.monotonic_ns();
    while h.monotonic_ns() - start < 20_000_000 {
        core::hint::spin_loop();
    }
    ensure!(
        !got.load(Ordering::SeqCst),
        "a recursive mutex locked twice and unlocked once was taken by another thread"
    );
    h.mutex_unlock(&m);
    w.wait("the other thread to take the released mutex")?;
    h.thread_join(t).map_err(|e| Failure(format!("thread_join = {e}")))?;
    ensure!(got.load(Ordering::SeqCst), "other thread never got the mutex");
    Ok(())
}

fn tls_per_thread_and_destructor<H: Host>(h: &'static H) -> Outcome {
    let destroyed = Arc::new(AtomicUsize::new(0));
    let d2 = destroyed.clone();
    let key = Arc::new(
        h.tls_new(Some(Box::new(move |v| {
            d2.store(v as usize, Ordering::SeqCst);
        })))
        .map_err(|e| Failure(format!("tls_new = {e}")))?,
    );
    ensure!(h.tls_get(&key).is_null(), "tls_get of a new key is not null");
    h.tls_set(&key, 0x1000 as *mut u8).map_err(|e| Failure(format!("tls_set = {e}")))?;
    let other_initial = Arc::new(AtomicUsize::new(usize::MAX));
    let (k2, oi) = (key.clone(), other_initial.clone());
    let t = h
        .thread_spawn(Box::new(move || {
            oi.store(h.tls_get(&k2) as usize, Ordering::SeqCst);
            let _ = h.tls_set(&k2, 0x2000 as *mut u8);
        }))
        .map_err(|e| Failure(format!("thread_spawn = {e}")))?;
    h.thread_join(t).map_err(|e| Failure(format!("thread_join = {e}")))?;
    ensure!(other_initial.load(Ordering::SeqCst) == 0, "a new thread saw another thread's value");
    ensure!(h.tls_get(&key) as usize == 0x1000, "the other thread's tls_set changed this thread's value");
    let d = destroyed.load(Ordering::SeqCst);
    ensure!(d == 0x2000, "destructor saw {d:#x} at thread exit, want 0x2000");
    h.tls_set(&key, core::ptr::null_mut()).map_err(|e| Failure(format!("tls_set(null) = {e}")))?;
    Ok(())
}

fn clocks<H: Host>(h: &'static H) -> Outcome {
    let mut last = h.monotonic_ns();
    for _ in 0..10_000 {
        let now = h.monotonic_ns();
        ensure!(now >= last, "monotonic_ns went back from {last} to {now}");
        last = now;
    }
    // 2020-01-01 .. 2200-01-01
    let wall = h.wall_clock_ns();
    ensure!(
        wall > 1_577_836_800_000_000_000 && wall < 7_258_118_400_000_000_000,
        "wall_clock_ns() = {wall} is not a plausible date"
    );
    Ok(())
}

fn timer_fires_on_time<H: Host>(h: &'static H) -> Outcome {
    for delta in [1_000_000u64, 10_000_000, 50_000_000] {
        let w = BoundedWait::new(h)?;
        let at = Arc::new(AtomicU64::new(0));
        let (at2, sem) = (at.clone(), w.sem.clone());
        let timer = h
            .timer_new(Box::new(move || {
                at2.store(h.monotonic_ns(), Ordering::SeqCst);
                h.sem_up(&sem);
            }))
            .map_err(|e| Failure(format!("timer_new = {e}")))?;
        let armed = h.monotonic_ns();
        h.timer_arm(&timer, delta).map_err(|e| Failure(format!("timer_arm({delta}) = {e}")))?;
        let r = w.wait("the timer");
        h.timer_free(timer);
        r?;
        let fired = at.load(Ordering::SeqCst);
        ensure!(fired >= armed + delta, "timer armed for {delta} ns fired early, after {} ns", fired - armed);
        ensure!(
            fired - armed - delta <= TIMER_LATE_LIMIT_NS,
            "timer armed for {delta} ns fired {} ns late",
            fired - armed - delta
        );
    }
    Ok(())
}

fn timer_rearm_and_cancel<H: Host>(h: &'static H) -> Outcome {
    let count = Arc::new(AtomicU32::new(0));
    let c2 = count.clone();
    let timer = h
        .timer_new(Box::new(move || {
            c2.fetch_add(1, Ordering::SeqCst);
        }))
        .map_err(|e| Failure(format!("timer_new = {e}")))?;
    // Re-arming replaces the earlier deadline: one expiry, at the later time.
    h.timer_arm(&timer, 5_000_000).map_err(|e| Failure(format!("timer_arm = {e}")))?;
    h.timer_arm(&timer, 30_000_000).map_err(|e| Failure(format!("timer_arm = {e}")))?;
    let start = h.monotonic_ns();
    let mut early = false;
    while h.monotonic_ns() - start < 200_000_000 {
        if h.monotonic_ns() - start < 25_000_000 && count.load(Ordering::SeqCst) != 0 {
            early = true;
        }
        core::hint::spin_loop();
    }
    let fired = count.load(Ordering::SeqCst);
    // Cancel: no expiry afterwards.
    h.timer_arm(&timer, 20_000_000).map_err(|e| Failure(format!("timer_arm = {e}")))?;
    h.timer_cancel(&timer);
    let start = h.monotonic_ns();
    while h.monotonic_ns() - start < 100_000_000 {
        core::hint::spin_loop();
    }
    let after_cancel = count.load(Ordering::SeqCst);
    h.timer_free(timer);
    ensure!(!early, "re-armed timer fired at its first (replaced) deadline");
    ensure!(fired == 1, "re-armed timer fired {fired} times, want once");
    ensure!(after_cancel == 1, "cancelled timer fired");
    Ok(())
}
