//! The host operations the kernel library runs on.
//!
//! A `Host` is everything Linux needs from the system below it: a console,
//! semaphores and mutexes, threads, thread-local keys, memory, clocks and a
//! one-shot timer. Two implementations exist: `lkl-std-host` (user mode, Rust
//! std) and `lkl-ntk-host` (the NT kernel). The kernel port never calls a host
//! directly; the `lkl` crate turns a `Host` into the C operations table of
//! [`crate::ops`].
//!
//! Context rules that every method documents:
//! - "may block": the call may put the calling thread to sleep. On NT that
//!   means it must be called at PASSIVE_LEVEL.
//! - "any thread": callable from any thread the host created for the library,
//!   from threads that entered the library through a syscall, and from the
//!   host's timer thread.
//! - Host methods must never panic or unwind: they are called from C.

use alloc::boxed::Box;

use crate::Errno;

/// The body of a host thread. It runs once, on the new thread.
pub type ThreadBody = Box<dyn FnOnce() + Send + 'static>;

/// What a timer does when it expires. It runs on the host's timer thread, never
/// in interrupt (DPC) context, and may be called again after it returns.
pub type TimerCallback = Box<dyn Fn() + Send + Sync + 'static>;

/// A C destructor for thread-local values: called on the exiting thread with
/// the value that thread stored, if that value is not null. It must not
/// block: on Windows user mode it runs under the loader lock, which every
/// starting thread also needs.
pub type TlsDestructor = Box<dyn Fn(*mut u8) + Send + Sync + 'static>;

/// Host operations for the kernel library. See the module documentation for
/// the context vocabulary.
///
/// After [`Host::panic`] has been called (the library died), every pending and
/// later [`Host::sem_down`] and [`Host::mutex_lock`] must return at once: the
/// port then checks its dead flag and unwinds the calling thread out of Linux.
pub trait Host: Send + Sync + 'static {
    /// A counting semaphore.
    type Semaphore: Send + Sync;
    /// A mutex, recursive or not as created. Unlocked by its owner only.
    type Mutex: Send + Sync;
    /// A joinable handle of a thread the host created.
    type Thread: Send;
    /// A thread-local key with an optional destructor.
    type TlsKey: Send + Sync;
    /// A one-shot timer.
    type Timer: Send + Sync;

    /// Writes console text (not NUL-terminated, not necessarily one line).
    /// Any thread; must not block for long.
    fn print(&self, text: &[u8]);

    /// The library hit a Linux panic or BUG. Called once, on the thread that
    /// panicked, with the host still fully usable. The host records that the
    /// library is dead and wakes every thread blocked in its semaphores and
    /// mutexes (they return at once from now on). It must return; it must not
    /// abort the process or, on NT, bugcheck. Any thread.
    fn panic(&self);

    /// Whether [`Host::panic`] has been called.
    fn is_dead(&self) -> bool;

    /// Creates a semaphore holding `count` units. Any thread.
    fn sem_new(&self, count: u32) -> Result<Self::Semaphore, Errno>;
    /// Adds one unit, waking one waiter. Any thread, never blocks.
    fn sem_up(&self, sem: &Self::Semaphore);
    /// Takes one unit, waiting until one is available (or the library died).
    /// May block; not from the timer thread.
    fn sem_down(&self, sem: &Self::Semaphore);

    /// Creates a mutex; a recursive one may be locked again by its owner.
    /// Any thread.
    fn mutex_new(&self, recursive: bool) -> Result<Self::Mutex, Errno>;
    /// Locks (or re-locks a recursive mutex). May block; not from the timer
    /// thread.
    fn mutex_lock(&self, mutex: &Self::Mutex);
    /// Unlocks; the caller must own the mutex. Never blocks.
    fn mutex_unlock(&self, mutex: &Self::Mutex);

    /// Starts a thread running `body` with the library's fixed stack size
    /// ([`crate::THREAD_STACK_SIZE`]). The thread ends when `body` returns;
    /// then the destructors of its thread-local keys run on it. Any thread
    /// except the timer thread.
    fn thread_spawn(&self, body: ThreadBody) -> Result<Self::Thread, Errno>;
    /// Waits until the thread has ended. May block.
    fn thread_join(&self, thread: Self::Thread) -> Result<(), Errno>;
    /// A number naming the calling thread, unique among live threads and
    /// never 0. Any thread.
    fn thread_id(&self) -> u64;

    /// Creates a thread-local key. Any thread.
    fn tls_new(&self, destructor: Option<TlsDestructor>) -> Result<Self::TlsKey, Errno>;
    /// Sets the calling thread's value. Any thread.
    fn tls_set(&self, key: &Self::TlsKey, value: *mut u8) -> Result<(), Errno>;
    /// The calling thread's value, null if never set. Any thread; must be
    /// fast (called on every syscall).
    fn tls_get(&self, key: &Self::TlsKey) -> *mut u8;

    /// Allocates `size` bytes aligned to [`crate::MEM_ALIGN`]; null when out of
    /// memory. Any thread except the timer thread. Every allocation is counted
    /// so that [`Host::mem_outstanding`] can prove halt freed everything.
    fn mem_alloc(&self, size: usize) -> *mut u8;
    /// Frees memory from [`Host::mem_alloc`]. Any thread.
    ///
    /// # Safety
    /// `ptr` came from `mem_alloc` of this host and is not used afterwards.
    unsafe fn mem_free(&self, ptr: *mut u8);
    /// Allocations not yet freed.
    fn mem_outstanding(&self) -> usize;

    /// Monotonic time in nanoseconds from an arbitrary origin. Any thread.
    fn monotonic_ns(&self) -> u64;
    /// Wall-clock time in nanoseconds since 1970-01-01 UTC. Any thread.
    fn wall_clock_ns(&self) -> u64;

    /// Creates a disarmed one-shot timer. Any thread except the timer thread.
    fn timer_new(&self, callback: TimerCallback) -> Result<Self::Timer, Errno>;
    /// Arms (or re-arms) the timer to call its callback once, no earlier than
    /// `delta_ns` from now. Any thread, including from the callback.
    fn timer_arm(&self, timer: &Self::Timer, delta_ns: u64) -> Result<(), Errno>;
    /// Disarms the timer; a callback already running may still complete.
    /// Any thread.
    fn timer_cancel(&self, timer: &Self::Timer);
    /// Disarms and destroys the timer, waiting until no callback runs.
    /// May block; not from the timer's own callback.
    fn timer_free(&self, timer: Self::Timer);
}
