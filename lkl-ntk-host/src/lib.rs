//! The kernel library's [`Host`] on the Windows NT kernel, `#![no_std]`.
//!
//! - Semaphores and mutexes are KSEMAPHOREs waited on together with the
//!   host's "dead" event, so [`Host::panic`] wakes every waiter at once.
//! - Threads are system threads (kernel handles, joined through the
//!   referenced thread object) whose bodies run under
//!   KeExpandKernelStackAndCallout with [`lkl_abi::THREAD_STACK_SIZE`]; the
//!   start wrapper runs thread-local destructors.
//! - Memory is NonPagedPoolNx with the project tag, counted
//!   ([`mem::PoolAllocator`] is the driver's Rust global allocator).
//! - Time: the performance counter, and the system time.
//! - Timers: one timer thread per host (see [`timer`]).
//!
//! Context: every method that may block must be called at PASSIVE_LEVEL.
//! The library is entered only on threads this host created (the driver hands
//! IRPs to a worker pool of host threads), which is what makes
//! thread-local keys work: other threads have no record (`tls_set` fails
//! with EINVAL, `tls_get` returns null).
//!
//! A host lives in a `static` and is started with [`NtHost::start`], which
//! takes `&'static self`: threads and timers need the host for their whole
//! life, and the trait's `&self` methods find that static through the pointer
//! `start` recorded.

#![no_std]
// A panic here is a bugcheck: no unwrap, expect, panic or unchecked index
// outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

extern crate alloc;

pub mod clock;
pub mod mem;
pub mod print;
pub mod sync;
pub mod thread;
pub mod timer;

use alloc::boxed::Box;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use lkl_abi::{Errno, Host, ThreadBody, TimerCallback, TlsDestructor};

use sync::{Event, RawSemaphore};

/// The NT host. See the crate documentation.
pub struct NtHost {
    /// Set by `start` to this (static) host; null when stopped.
    this: AtomicPtr<NtHost>,
    dead: AtomicBool,
    /// Notification event, signalled by `panic`.
    dead_event: Event,
    mem_outstanding: AtomicUsize,
    pub(crate) threads: thread::Registry,
    pub(crate) keys: thread::Keys,
    pub(crate) timers: timer::Timers,
}

/// A Host semaphore: a pool-allocated KSEMAPHORE (dispatcher objects must
/// not move while waited on).
pub struct Semaphore(Box<RawSemaphore>);

/// A Host mutex: a binary KSEMAPHORE plus owner and depth, so that unlock by
/// a non-owner (possible only after the library died and waiters were
/// released without the lock) is a no-op rather than corruption.
pub struct Mutex {
    sem: Box<RawSemaphore>,
    recursive: bool,
    owner: core::sync::atomic::AtomicU64,
    /// Touched by the owner only.
    depth: core::sync::atomic::AtomicU32,
}

impl NtHost {
    /// A stopped host, for a `static`.
    pub const fn new() -> NtHost {
        NtHost {
            this: AtomicPtr::new(core::ptr::null_mut()),
            dead: AtomicBool::new(false),
            dead_event: Event::new(),
            mem_outstanding: AtomicUsize::new(0),
            threads: thread::Registry::new(),
            keys: thread::Keys::new(),
            timers: timer::Timers::new(),
        }
    }

    /// Initialises the kernel objects, resolves optional routines and starts
    /// the timer thread. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// Called once before any other method (and again only after `stop`),
    /// not concurrently with anything else on this host.
    pub unsafe fn start(&'static self) -> Result<clock::WallSource, Errno> {
        // SAFETY: nothing uses the host yet (caller's contract); it is static.
        unsafe { self.dead_event.init(true, false) };
        let source = clock::init();
        self.dead.store(false, Ordering::SeqCst);
        self.this.store(self as *const NtHost as *mut NtHost, Ordering::SeqCst);
        // SAFETY: the timer objects are unused until now.
        if let Err(e) = unsafe { self.timers.start(self) } {
            self.this.store(core::ptr::null_mut(), Ordering::SeqCst);
            return Err(e);
        }
        Ok(source)
    }

    /// Stops the timer thread. Every thread the caller spawned must have been
    /// joined. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// After a successful `start`; no other call on this host runs or follows
    /// (until the next `start`).
    pub unsafe fn stop(&'static self) {
        // SAFETY: forwarded contract.
        unsafe { self.timers.stop() };
        self.this.store(core::ptr::null_mut(), Ordering::SeqCst);
    }

    /// This host as `'static`, proven by `start`.
    fn as_static(&self) -> Result<&'static NtHost, Errno> {
        let p = self.this.load(Ordering::Acquire);
        if p.is_null() || !core::ptr::eq(p, self) {
            return Err(Errno::EINVAL);
        }
        // SAFETY: `this` only ever holds the `&'static self` given to start.
        Ok(unsafe { &*p })
    }
}

impl Default for NtHost {
    fn default() -> Self {
        NtHost::new()
    }
}

fn new_raw_semaphore(count: u32) -> Box<RawSemaphore> {
    let sem = Box::new(RawSemaphore::new());
    // SAFETY: freshly boxed, not shared, and the box keeps it pinned.
    unsafe { sem.init(count) };
    sem
}

impl Host for NtHost {
    type Semaphore = Semaphore;
    type Mutex = Mutex;
    type Thread = thread::Thread;
    type TlsKey = thread::TlsKey;
    type Timer = timer::Timer;

    fn print(&self, text: &[u8]) {
        print::print(text);
    }

    fn panic(&self) {
        self.print(b"lkl-ntk-host: the library died; releasing every waiter\n");
        self.dead.store(true, Ordering::SeqCst);
        self.dead_event.set();
    }

    fn is_dead(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    fn sem_new(&self, count: u32) -> Result<Semaphore, Errno> {
        Ok(Semaphore(new_raw_semaphore(count)))
    }

    fn sem_up(&self, sem: &Semaphore) {
        sem.0.up();
    }

    fn sem_down(&self, sem: &Semaphore) {
        if self.is_dead() {
            return;
        }
        sem.0.down_or(&self.dead_event);
    }

    fn mutex_new(&self, recursive: bool) -> Result<Mutex, Errno> {
        Ok(Mutex { sem: new_raw_semaphore(1), recursive, owner: 0.into(), depth: 0.into() })
    }

    fn mutex_lock(&self, mutex: &Mutex) {
        let me = thread::current_id();
        if mutex.recursive && mutex.owner.load(Ordering::Acquire) == me {
            mutex.depth.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if self.is_dead() || !mutex.sem.down_or(&self.dead_event) {
            return;
        }
        mutex.owner.store(me, Ordering::Release);
        mutex.depth.store(1, Ordering::Relaxed);
    }

    fn mutex_unlock(&self, mutex: &Mutex) {
        if mutex.owner.load(Ordering::Acquire) != thread::current_id() {
            return;
        }
        if mutex.depth.fetch_sub(1, Ordering::Relaxed) == 1 {
            mutex.owner.store(0, Ordering::Release);
            mutex.sem.up();
        }
    }

    fn thread_spawn(&self, body: ThreadBody) -> Result<thread::Thread, Errno> {
        thread::spawn(self.as_static()?, body)
    }

    fn thread_join(&self, t: thread::Thread) -> Result<(), Errno> {
        thread::join(t);
        Ok(())
    }

    fn thread_id(&self) -> u64 {
        thread::current_id()
    }

    fn tls_new(&self, destructor: Option<TlsDestructor>) -> Result<thread::TlsKey, Errno> {
        thread::tls_new(self.as_static()?, destructor)
    }

    fn tls_set(&self, key: &thread::TlsKey, value: *mut u8) -> Result<(), Errno> {
        thread::tls_set(self, key, value)
    }

    fn tls_get(&self, key: &thread::TlsKey) -> *mut u8 {
        thread::tls_get(self, key)
    }

    fn mem_alloc(&self, size: usize) -> *mut u8 {
        let p = mem::pool_alloc(size, lkl_abi::MEM_ALIGN);
        if !p.is_null() {
            self.mem_outstanding.fetch_add(1, Ordering::SeqCst);
        }
        p
    }

    unsafe fn mem_free(&self, ptr: *mut u8) {
        self.mem_outstanding.fetch_sub(1, Ordering::SeqCst);
        // SAFETY: the trait's contract: ptr came from mem_alloc (same align).
        unsafe { mem::pool_free(ptr, lkl_abi::MEM_ALIGN) };
    }

    fn mem_outstanding(&self) -> usize {
        self.mem_outstanding.load(Ordering::SeqCst)
    }

    fn monotonic_ns(&self) -> u64 {
        clock::monotonic_ns()
    }

    fn wall_clock_ns(&self) -> u64 {
        clock::wall_clock_ns()
    }

    fn timer_new(&self, callback: TimerCallback) -> Result<timer::Timer, Errno> {
        self.as_static()?.timers.new_timer(callback)
    }

    fn timer_arm(&self, t: &timer::Timer, delta_ns: u64) -> Result<(), Errno> {
        t.arm(delta_ns)
    }

    fn timer_cancel(&self, t: &timer::Timer) {
        t.cancel();
    }

    fn timer_free(&self, t: timer::Timer) {
        t.free();
    }
}
