//! One timer thread per host multiplexes every Host timer: it waits on a
//! KTIMER set to the earliest deadline and on a wake event (arm, cancel,
//! shutdown), and runs callbacks itself at PASSIVE_LEVEL — never in a DPC,
//! because callbacks enter the library.
//!
//! Deadlines are kept in monotonic (performance counter) nanoseconds; the
//! KTIMER only wakes the thread, which fires a timer only once the counter
//! has passed its deadline, so a timer can never fire early.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use lkl_abi::{Errno, TimerCallback};

use crate::sync::{Event, KernelTimer, Mutex};
use crate::{NtHost, clock};

/// Live timers per host.
pub const MAX_TIMERS: usize = 256;

struct TimerInner {
    callback: TimerCallback,
    /// Monotonic deadline, 0 when disarmed. Written with the list lock held.
    deadline: AtomicU64,
}

/// A Host timer.
pub struct Timer {
    inner: Arc<TimerInner>,
    slot: usize,
    /// The table that holds it (in its static host).
    timers: &'static Timers,
}

type Slots = [Option<Arc<TimerInner>>; MAX_TIMERS];

/// The timer thread's state.
pub struct Timers {
    /// The live timers; deadlines are written with it held.
    list: Mutex<Slots>,
    /// Held by the timer thread while a callback runs, so `timer_free` can
    /// wait for a running callback.
    running: Mutex<()>,
    /// Set and cancelled by the timer thread only, after `start`.
    ktimer: KernelTimer,
    wake: Event,
    shutdown: AtomicBool,
    /// The timer thread, between start and stop.
    thread: Mutex<Option<crate::thread::Thread>>,
}

impl Timers {
    /// Uninitialised.
    pub const fn new() -> Timers {
        Timers {
            list: Mutex::new([const { None }; MAX_TIMERS]),
            running: Mutex::new(()),
            ktimer: KernelTimer::new(),
            wake: Event::new(),
            shutdown: AtomicBool::new(false),
            thread: Mutex::new(None),
        }
    }

    /// Initialises the objects and starts the timer thread.
    ///
    /// # Safety
    /// Once per start, pinned, before any timer call; `stop` ran since any
    /// earlier start.
    pub(crate) unsafe fn start(&'static self, host: &'static NtHost) -> Result<(), Errno> {
        // SAFETY: nothing waits on or sets these objects yet (caller's
        // contract: no timer thread runs), and `self` is 'static.
        unsafe {
            self.wake.init(false, false);
            self.ktimer.init();
        }
        self.shutdown.store(false, Ordering::SeqCst);
        let t = crate::thread::spawn(host, alloc::boxed::Box::new(move || host.timers.run()))?;
        *self.thread.lock() = Some(t);
        Ok(())
    }

    /// Stops and joins the timer thread. Timers still registered are dropped.
    ///
    /// # Safety
    /// After a successful `start`, once.
    pub(crate) unsafe fn stop(&'static self) {
        self.shutdown.store(true, Ordering::SeqCst);
        self.wake.set();
        // Joined after the lock is released: the thread's exit then cannot
        // depend on it.
        let thread = self.thread.lock().take();
        if let Some(t) = thread {
            crate::thread::join(t);
        }
        for s in self.list.lock().iter_mut() {
            *s = None;
        }
    }

    fn run(&'static self) {
        loop {
            if self.shutdown.load(Ordering::SeqCst) {
                break;
            }
            let now = clock::monotonic_ns();
            let mut next = u64::MAX;
            let mut due = None;
            let list = self.list.lock();
            for t in list.iter().flatten() {
                let d = t.deadline.load(Ordering::Acquire);
                if d == 0 {
                    continue;
                }
                if d <= now && due.is_none() {
                    t.deadline.store(0, Ordering::Release);
                    due = Some(t.clone());
                } else {
                    next = next.min(d);
                }
            }
            if let Some(t) = due {
                // Take `running` before releasing `list`: a timer_free that
                // removes this timer afterwards then waits for the callback.
                let running = self.running.lock();
                drop(list);
                (t.callback)();
                drop(running);
                continue;
            }
            drop(list);
            self.sleep_until(now, next);
        }
        self.ktimer.cancel();
    }

    fn sleep_until(&self, now: u64, next: u64) {
        // Cancel before every set: Wine allocates a new host timer per
        // KeSetTimer and closes it only in KeCancelTimer.
        self.ktimer.cancel();
        if next == u64::MAX {
            self.wake.wait();
            return;
        }
        // Relative due time in 100 ns units, rounded up, at least one.
        let units = (next.saturating_sub(now)).div_ceil(100).max(1).min(i64::MAX as u64) as i64;
        self.ktimer.set_relative(units);
        // SAFETY: both objects were initialised in `start` and live in this
        // host, a static, so they stay put while this thread waits.
        unsafe { crate::sync::wait_any2(self.ktimer.as_object(), self.wake.as_object()) };
    }

    pub(crate) fn new_timer(&'static self, callback: TimerCallback) -> Result<Timer, Errno> {
        let inner = Arc::new(TimerInner { callback, deadline: AtomicU64::new(0) });
        let mut slots = self.list.lock();
        let (slot, free) = slots.iter_mut().enumerate().find(|(_, s)| s.is_none()).ok_or(Errno::ENOMEM)?;
        *free = Some(inner.clone());
        Ok(Timer { inner, slot, timers: self })
    }
}

impl Timer {
    pub(crate) fn arm(&self, delta_ns: u64) -> Result<(), Errno> {
        let deadline = clock::monotonic_ns().saturating_add(delta_ns).max(1);
        {
            let _g = self.timers.list.lock();
            self.inner.deadline.store(deadline, Ordering::Release);
        }
        self.timers.wake.set();
        Ok(())
    }

    pub(crate) fn cancel(&self) {
        let _g = self.timers.list.lock();
        self.inner.deadline.store(0, Ordering::Release);
    }

    pub(crate) fn free(self) {
        let timers = self.timers;
        let removed = {
            let mut slots = timers.list.lock();
            self.inner.deadline.store(0, Ordering::Release);
            slots.get_mut(self.slot).and_then(Option::take)
        };
        // Wait out a callback that may have started before the removal.
        drop(timers.running.lock());
        drop(removed);
        drop(self);
    }
}

impl Default for Timers {
    fn default() -> Self {
        Timers::new()
    }
}
