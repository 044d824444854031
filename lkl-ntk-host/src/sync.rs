//! Dispatcher-object primitives: events, counting semaphores, a timer, and a
//! [`Mutex`] that owns its data and hands out RAII guards. All waits are at
//! PASSIVE_LEVEL, non alertable, kernel mode.
//!
//! No KMUTEX: a thread that ends while owning one bugchecks Windows
//! (THREAD_TERMINATE_HELD_MUTEX), and after a Linux panic the port unwinds
//! threads out of Linux with locks still taken. Semaphores have no owner.

use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr;

use nt::{KEVENT, KSEMAPHORE};

/// A kernel event. Initialise once with [`Event::init`] before use; it must
/// not move afterwards (keep it in a static or in pool memory).
pub struct Event(UnsafeCell<KEVENT>);

// SAFETY: a KEVENT has no owning thread: any thread may signal it or wait on
// it, so handing the storage to another thread is fine.
unsafe impl Send for Event {}
// SAFETY: shared use goes only through Ke* routines, which the kernel
// serialises on the object itself (at up to DISPATCH_LEVEL); no method hands
// out a Rust reference into the storage.
unsafe impl Sync for Event {}

impl Event {
    /// Zeroed storage.
    pub const fn new() -> Event {
        Event(UnsafeCell::new(KEVENT::zeroed()))
    }

    /// `KeInitializeEvent`; `notification` events stay signalled until reset,
    /// synchronization events reset when one wait is satisfied.
    ///
    /// # Safety
    /// No thread waits on or signals the event while it is (re)initialised,
    /// and it does not move afterwards.
    pub unsafe fn init(&self, notification: bool, signalled: bool) {
        let kind = if notification { nt::NotificationEvent } else { nt::SynchronizationEvent };
        // SAFETY: the storage is ours and unused (caller's contract).
        unsafe { nt::KeInitializeEvent(self.0.get(), kind, signalled as u8) };
    }

    /// `KeSetEvent`. Any IRQL <= DISPATCH_LEVEL.
    pub fn set(&self) {
        // SAFETY: initialised and pinned per `init`'s contract.
        unsafe { nt::KeSetEvent(self.0.get(), nt::IO_NO_INCREMENT, 0) };
    }

    /// `KeResetEvent`.
    pub fn reset(&self) {
        // SAFETY: initialised and pinned per `init`'s contract; the caller is
        // at IRQL <= DISPATCH_LEVEL, as KeResetEvent requires.
        unsafe { nt::KeResetEvent(self.0.get()) };
    }

    /// Waits until signalled. PASSIVE_LEVEL.
    pub fn wait(&self) {
        // SAFETY: initialised and pinned per `init`'s contract.
        unsafe { wait_one(self.as_object()) };
    }

    /// The object pointer for multi-object waits.
    pub fn as_object(&self) -> *mut c_void {
        self.0.get().cast()
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

/// A kernel counting semaphore (limit `MAXLONG`). Pinned like [`Event`].
pub struct RawSemaphore(UnsafeCell<KSEMAPHORE>);

// SAFETY: a KSEMAPHORE has no owner: any thread may release it or wait on
// it, so handing the storage to another thread is fine.
unsafe impl Send for RawSemaphore {}
// SAFETY: shared use goes only through Ke* routines, which the kernel
// serialises on the object itself; no method hands out a Rust reference into
// the storage.
unsafe impl Sync for RawSemaphore {}

impl RawSemaphore {
    /// Zeroed storage.
    pub const fn new() -> RawSemaphore {
        RawSemaphore(UnsafeCell::new(KSEMAPHORE::zeroed()))
    }

    /// `KeInitializeSemaphore` with `count` units.
    ///
    /// # Safety
    /// As for [`Event::init`].
    pub unsafe fn init(&self, count: u32) {
        let count = count.min(nt::MAXLONG as u32) as i32;
        // SAFETY: the storage is ours and unused (caller's contract).
        unsafe { nt::KeInitializeSemaphore(self.0.get(), count, nt::MAXLONG) };
    }

    /// Adds one unit. Any IRQL <= DISPATCH_LEVEL; never blocks.
    pub fn up(&self) {
        // SAFETY: initialised and pinned per `init`'s contract. The count
        // cannot reach MAXLONG in practice (that would be 2^31 pending ups).
        unsafe { nt::KeReleaseSemaphore(self.0.get(), nt::IO_NO_INCREMENT, 1, 0) };
    }

    /// Takes one unit, waiting for it. PASSIVE_LEVEL.
    pub fn down(&self) {
        // SAFETY: initialised and pinned per `init`'s contract.
        unsafe { wait_one(self.as_object()) };
    }

    /// Takes one unit if one is there at once; never waits. PASSIVE_LEVEL.
    pub fn try_down(&self) -> bool {
        let mut now = 0i64;
        // SAFETY: initialised and pinned per `init`'s contract; a zero
        // timeout only tests the state.
        let status = unsafe { nt::KeWaitForSingleObject(self.as_object(), nt::Executive, nt::KernelMode, 0, &mut now) };
        status == nt::STATUS_SUCCESS
    }

    /// Takes one unit, or returns `false` without taking one as soon as
    /// `abort` is signalled. PASSIVE_LEVEL.
    pub fn down_or(&self, abort: &Event) -> bool {
        // SAFETY: both initialised and pinned per their `init` contracts.
        unsafe { wait_any2(self.as_object(), abort.as_object()) == 0 }
    }

    /// The object pointer for multi-object waits.
    pub fn as_object(&self) -> *mut c_void {
        self.0.get().cast()
    }
}

impl Default for RawSemaphore {
    fn default() -> Self {
        RawSemaphore::new()
    }
}

/// A kernel synchronization timer (no DPC): it only wakes a thread waiting on
/// it. Pinned like [`Event`].
pub struct KernelTimer(UnsafeCell<nt::KTIMER>);

// SAFETY: a KTIMER has no owning thread; any thread may set, cancel or wait
// on it, so handing the storage to another thread is fine.
unsafe impl Send for KernelTimer {}
// SAFETY: shared use goes only through Ke* routines, which the kernel
// serialises on the object itself; no method hands out a Rust reference into
// the storage.
unsafe impl Sync for KernelTimer {}

impl KernelTimer {
    /// Zeroed storage.
    pub const fn new() -> KernelTimer {
        KernelTimer(UnsafeCell::new(nt::KTIMER::zeroed()))
    }

    /// `KeInitializeTimerEx` as a synchronization timer.
    ///
    /// # Safety
    /// As for [`Event::init`]; the timer is not set either.
    pub unsafe fn init(&self) {
        // SAFETY: the storage is ours and unused (caller's contract).
        unsafe { nt::KeInitializeTimerEx(self.0.get(), nt::SynchronizationTimer) };
    }

    /// `KeSetTimer` `units` of 100 ns from now, without a DPC. Any IRQL <=
    /// DISPATCH_LEVEL.
    pub fn set_relative(&self, units: i64) {
        // SAFETY: initialised and pinned per `init`'s contract; no DPC.
        unsafe { nt::KeSetTimer(self.0.get(), -units, ptr::null_mut()) };
    }

    /// `KeCancelTimer`. Any IRQL <= DISPATCH_LEVEL.
    pub fn cancel(&self) {
        // SAFETY: initialised and pinned per `init`'s contract.
        unsafe { nt::KeCancelTimer(self.0.get()) };
    }

    /// The object pointer for multi-object waits.
    pub fn as_object(&self) -> *mut c_void {
        self.0.get().cast()
    }
}

impl Default for KernelTimer {
    fn default() -> Self {
        KernelTimer::new()
    }
}

/// A sleeping lock that owns the data it protects, for the host's and the
/// driver's own bookkeeping (registries, the timer list, the worker queue,
/// the kernel's state). A binary KSEMAPHORE; waits at PASSIVE_LEVEL.
///
/// The semaphore is initialised on the first `lock`, exactly once: `lock`
/// takes `&'static self`, so the object is pinned from then on (a static, or
/// leaked pool memory), and no init call can be forgotten or repeated while
/// a thread waits. Nothing Linux calls may wait on one while the holder
/// waits for Linux, or the two deadlock.
pub struct Mutex<T> {
    init: spin::Once<()>,
    sem: RawSemaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the data is reached only through a guard, and the semaphore's one
// unit makes the live guard unique; a guard may be taken on one thread and
// the next on another, which moves the data between threads: hence T: Send.
unsafe impl<T: Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// Free, owning `value`; the kernel object is set up on first use.
    pub const fn new(value: T) -> Mutex<T> {
        Mutex { init: spin::Once::new(), sem: RawSemaphore::new(), data: UnsafeCell::new(value) }
    }

    /// Takes the lock until the guard drops. PASSIVE_LEVEL (it may wait).
    pub fn lock(&'static self) -> MutexGuard<'static, T> {
        // A thread that loses the race spins only while the winner runs
        // KeInitializeSemaphore (a few stores), so a spinning Once is enough.
        self.init.call_once(|| {
            // SAFETY: `call_once` runs this once, before any thread gets
            // past it to wait on or release the semaphore; `self` is
            // borrowed for 'static, so the object never moves afterwards.
            unsafe { self.sem.init(1) }
        });
        self.sem.down();
        MutexGuard { mutex: self, _data: PhantomData }
    }

    /// Takes the lock if it is free now (never waits): for a caller that
    /// holds another lock a holder of this one may wait for.
    pub fn try_lock(&'static self) -> Option<MutexGuard<'static, T>> {
        // As in `lock`.
        self.init.call_once(|| {
            // SAFETY: as in `lock`.
            unsafe { self.sem.init(1) }
        });
        self.sem.try_down().then_some(MutexGuard { mutex: self, _data: PhantomData })
    }
}

/// Proof that a [`Mutex`] is held: derefs to its data, releases it on drop.
/// Semaphores have no owner, so the guard may be dropped on any thread.
pub struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    /// Shares the data like `&mut T` does: the guard is Sync only if T is.
    _data: PhantomData<&'a mut T>,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the semaphore's only unit, so no other
        // reference to the data exists while this borrow of the guard lives.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the semaphore's only unit, so no other
        // guard exists, and this one is borrowed mutably: the returned
        // reference is the only one to the data while the borrow lives.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.sem.up();
    }
}

/// Waits for one dispatcher object. PASSIVE_LEVEL.
///
/// # Safety
/// `object` is an initialised dispatcher object (or a referenced thread
/// object) that stays at its address until the wait returns.
pub unsafe fn wait_one(object: *mut c_void) {
    loop {
        // SAFETY: the caller's contract.
        let status = unsafe { nt::KeWaitForSingleObject(object, nt::Executive, nt::KernelMode, 0, ptr::null_mut()) };
        if status == nt::STATUS_SUCCESS {
            return;
        }
        // Non-alertable kernel-mode waits without a timeout only return
        // success; anything else is retried rather than trusted.
    }
}

/// Waits until `a` (returns 0) or `b` (returns 1) is signalled; when both
/// are, the kernel reports the lower index. PASSIVE_LEVEL.
///
/// # Safety
/// As for [`wait_one`], for both objects.
pub unsafe fn wait_any2(a: *mut c_void, b: *mut c_void) -> u32 {
    let mut objects = [a, b];
    loop {
        // SAFETY: the caller's contract; two objects are within
        // THREAD_WAIT_OBJECTS, so no wait-block array is needed.
        let status = unsafe {
            nt::KeWaitForMultipleObjects(
                2,
                objects.as_mut_ptr(),
                nt::WaitAny,
                nt::Executive,
                nt::KernelMode,
                0,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if status == nt::STATUS_SUCCESS || status == nt::STATUS_WAIT_1 {
            return status as u32;
        }
    }
}
