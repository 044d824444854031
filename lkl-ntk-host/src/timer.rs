//! One timer thread per host multiplexes every Host timer: it waits on a
//! KTIMER set to the earliest deadline and on a wake event (arm, cancel,
//! shutdown), and runs callbacks itself at PASSIVE_LEVEL — never in a DPC,
//! because callbacks enter the library.
//!
//! Deadlines are kept in monotonic (performance counter) nanoseconds; the
//! KTIMER only wakes the thread, which fires a timer only once the counter
//! has passed its deadline, so a timer can never fire early.

use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use lkl_abi::{Errno, TimerCallback};

use crate::sync::{Event, Lock};
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
}

/// The timer thread's state.
pub struct Timers {
    /// Guards `slots` and the deadlines.
    list: Lock,
    /// Held by the timer thread while a callback runs, so `timer_free` can
    /// wait for a running callback.
    running: Lock,
    slots: UnsafeCell<[Option<Arc<TimerInner>>; MAX_TIMERS]>,
    /// Touched only by the timer thread after init.
    ktimer: UnsafeCell<nt::KTIMER>,
    wake: Event,
    shutdown: AtomicBool,
    thread: UnsafeCell<Option<crate::thread::Thread>>,
}

// SAFETY: `slots` is guarded by `list`; `ktimer` belongs to the timer thread;
// `thread` is written by start/stop only, which the host serialises.
unsafe impl Sync for Timers {}
// SAFETY: the KTIMER and thread object are kernel objects usable from any
// thread; nothing in Timers is tied to the creating thread.
unsafe impl Send for Timers {}

impl Timers {
    /// Uninitialised.
    pub const fn new() -> Timers {
        Timers {
            list: Lock::new(),
            running: Lock::new(),
            slots: UnsafeCell::new([const { None }; MAX_TIMERS]),
            ktimer: UnsafeCell::new(nt::KTIMER::zeroed()),
            wake: Event::new(),
            shutdown: AtomicBool::new(false),
            thread: UnsafeCell::new(None),
        }
    }

    /// Initialises the objects and starts the timer thread.
    ///
    /// # Safety
    /// Once per start, pinned, before any timer call; `stop` ran since any
    /// earlier start.
    pub(crate) unsafe fn start(&self, host: &'static NtHost) -> Result<(), Errno> {
        // SAFETY: nothing uses these objects yet (caller's contract).
        unsafe {
            self.list.init();
            self.running.init();
            self.wake.init(false, false);
            nt::KeInitializeTimerEx(self.ktimer.get(), nt::SynchronizationTimer);
        }
        self.shutdown.store(false, Ordering::SeqCst);
        let t = crate::thread::spawn(host, alloc::boxed::Box::new(move || host.timers.run()))?;
        // SAFETY: only start/stop touch `thread`, serialised by the host.
        unsafe { *self.thread.get() = Some(t) };
        Ok(())
    }

    /// Stops and joins the timer thread. Timers still registered are dropped.
    ///
    /// # Safety
    /// After a successful `start`, once.
    pub(crate) unsafe fn stop(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
        self.wake.set();
        // SAFETY: see `start`.
        if let Some(t) = unsafe { (*self.thread.get()).take() } {
            crate::thread::join(t);
        }
        let _g = self.list.lock();
        // SAFETY: `list` is held.
        for s in unsafe { (*self.slots.get()).iter_mut() } {
            *s = None;
        }
    }

    fn run(&self) {
        loop {
            if self.shutdown.load(Ordering::SeqCst) {
                break;
            }
            let now = clock::monotonic_ns();
            let mut next = u64::MAX;
            let mut due = None;
            let list = self.list.lock();
            // SAFETY: `list` is held.
            for t in unsafe { (*self.slots.get()).iter().flatten() } {
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
        // SAFETY: the KTIMER is the timer thread's.
        unsafe { nt::KeCancelTimer(self.ktimer.get()) };
    }

    fn sleep_until(&self, now: u64, next: u64) {
        let ktimer = self.ktimer.get();
        // Cancel before every set: Wine allocates a new host timer per
        // KeSetTimer and closes it only in KeCancelTimer.
        // SAFETY: the KTIMER belongs to this thread.
        unsafe { nt::KeCancelTimer(ktimer) };
        if next == u64::MAX {
            self.wake.wait();
            return;
        }
        // Relative due time in 100 ns units, rounded up, at least one.
        let units = (next.saturating_sub(now)).div_ceil(100).max(1).min(i64::MAX as u64) as i64;
        // SAFETY: as above; no DPC.
        unsafe { nt::KeSetTimer(ktimer, -units, ptr::null_mut()) };
        // SAFETY: both objects were initialised in `start` and live in this
        // (static) host.
        unsafe { crate::sync::wait_any2(ktimer.cast(), self.wake.as_object()) };
    }

    pub(crate) fn new_timer(&self, callback: TimerCallback) -> Result<Timer, Errno> {
        let inner = Arc::new(TimerInner { callback, deadline: AtomicU64::new(0) });
        let _g = self.list.lock();
        // SAFETY: `list` is held.
        let slots = unsafe { &mut *self.slots.get() };
        let slot = slots.iter().position(Option::is_none).ok_or(Errno::ENOMEM)?;
        slots[slot] = Some(inner.clone());
        Ok(Timer { inner, slot })
    }

    pub(crate) fn arm(&self, timer: &Timer, delta_ns: u64) -> Result<(), Errno> {
        let deadline = clock::monotonic_ns().saturating_add(delta_ns).max(1);
        {
            let _g = self.list.lock();
            timer.inner.deadline.store(deadline, Ordering::Release);
        }
        self.wake.set();
        Ok(())
    }

    pub(crate) fn cancel(&self, timer: &Timer) {
        let _g = self.list.lock();
        timer.inner.deadline.store(0, Ordering::Release);
    }

    pub(crate) fn free(&self, timer: Timer) {
        let removed = {
            let _g = self.list.lock();
            timer.inner.deadline.store(0, Ordering::Release);
            // SAFETY: `list` is held.
            unsafe { (*self.slots.get())[timer.slot].take() }
        };
        // Wait out a callback that may have started before the removal.
        drop(self.running.lock());
        drop(removed);
        drop(timer);
    }
}

impl Default for Timers {
    fn default() -> Self {
        Timers::new()
    }
}
