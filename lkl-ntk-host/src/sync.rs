//! Dispatcher-object primitives: events, counting semaphores, and a binary
//! semaphore lock with an RAII guard. All waits are at PASSIVE_LEVEL, non
//! alertable, kernel mode.
//!
//! No KMUTEX: a thread that ends while owning one bugchecks Windows
//! (THREAD_TERMINATE_HELD_MUTEX), and after a Linux panic the port unwinds
//! threads out of Linux with locks still taken. Semaphores have no owner.

use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::ptr;

use nt::{KEVENT, KSEMAPHORE};

/// A kernel event. Initialise once with [`Event::init`] before use; it must
/// not move afterwards (keep it in a static or in pool memory).
pub struct Event(UnsafeCell<KEVENT>);

// SAFETY: a KEVENT is designed to be signalled and waited on from any thread;
// the kernel serialises access to it internally.
unsafe impl Send for Event {}
// SAFETY: as above.
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
        // SAFETY: as in `set`.
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

// SAFETY: a KSEMAPHORE is released and waited on from any thread by design.
unsafe impl Send for RawSemaphore {}
// SAFETY: as above.
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

/// A sleeping lock for the host's own bookkeeping (registries, timer list).
/// Never held across a call into the library or a callback.
pub struct Lock(RawSemaphore);

impl Lock {
    /// Uninitialised storage.
    pub const fn new() -> Lock {
        Lock(RawSemaphore::new())
    }

    /// Makes the lock usable (free).
    ///
    /// # Safety
    /// As for [`Event::init`].
    pub unsafe fn init(&self) {
        // SAFETY: forwarded contract.
        unsafe { self.0.init(1) };
    }

    /// Takes the lock until the guard drops. PASSIVE_LEVEL.
    pub fn lock(&self) -> LockGuard<'_> {
        self.0.down();
        LockGuard(self)
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

/// Proof that a [`Lock`] is held; releases it on drop.
pub struct LockGuard<'a>(&'a Lock);

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        self.0.0.up();
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
