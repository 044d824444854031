//! The kernel library's [`Host`] on Rust std, for Linux and Windows user
//! mode. Only std is used (no pthread or libc calls), but for the one IOCTL
//! a Windows disk needs (`windisk`): threads get the library's fixed stack
//! size, so stack overflows show up here first.

mod devices;
mod stack;
mod sync;
mod timer;
mod tls;
pub mod windisk;

use std::alloc::{Layout, alloc, dealloc};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lkl_abi::{Errno, Host, MEM_ALIGN, THREAD_STACK_SIZE, ThreadBody, TimerCallback, TlsDestructor};

pub use devices::{DeviceError, FileDevice};
pub use lkl_abi::CowDevice;
pub use sync::{HostMutex, Semaphore};
pub use timer::Timer;
pub use tls::TlsKey;

/// Where console output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Console {
    /// Written to standard error as it comes.
    Stderr,
    /// Kept in memory only; see [`StdHost::console_text`].
    Capture,
}

/// The std host. Create one per process with [`StdHost::leak`].
pub struct StdHost {
    watch: Arc<sync::DeathWatch>,
    timers: Arc<timer::TimerService>,
    allocations: AtomicUsize,
    origin: Instant,
    console: Console,
    captured: Mutex<Vec<u8>>,
    echo: AtomicBool,
    stack_stats: AtomicBool,
}

/// Most console bytes kept in [`Console::Capture`] mode.
const CAPTURE_LIMIT: usize = 1 << 20;

/// Bytes in front of every allocation, holding its size.
const HEADER: usize = MEM_ALIGN;

static NEXT_THREAD_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static THREAD_ID: u64 = NEXT_THREAD_ID.fetch_add(1, Ordering::Relaxed);
}

impl StdHost {
    /// A host that lives for the rest of the process (the kernel library
    /// holds on to it after halt).
    pub fn leak(console: Console) -> &'static StdHost {
        Box::leak(Box::new(StdHost {
            watch: Arc::default(),
            timers: Arc::default(),
            allocations: AtomicUsize::new(0),
            origin: Instant::now(),
            console,
            captured: Mutex::new(Vec::new()),
            echo: AtomicBool::new(false),
            stack_stats: AtomicBool::new(false),
        }))
    }

    /// Console text kept so far in [`Console::Capture`] mode.
    pub fn console_text(&self) -> String {
        String::from_utf8_lossy(&self.captured.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// Measure the peak stack use of threads started from now on (for the
    /// benchmark; costs a 56 KiB write per thread).
    pub fn enable_stack_stats(&self) {
        self.stack_stats.store(true, Ordering::SeqCst);
    }

    /// Deepest stack use seen in a measured thread, in bytes (threads report
    /// when they end). Callers' threads can use [`StdHost::measure_stack`].
    pub fn peak_stack_use(&self) -> usize {
        stack::PEAK.load(Ordering::Relaxed)
    }

    /// Runs `f` on the calling thread with its stack use measured.
    pub fn measure_stack<R>(&self, f: impl FnOnce() -> R) -> R {
        let mark = stack::paint();
        let r = f();
        stack::measure(mark);
        r
    }

    /// In capture mode, also write console text to standard error from now on.
    pub fn set_echo(&self, on: bool) {
        self.echo.store(on, Ordering::SeqCst);
    }
}

/// A thread the std host started.
pub struct Thread(std::thread::JoinHandle<()>);

impl Host for StdHost {
    type Semaphore = Semaphore;
    type Mutex = HostMutex;
    type Thread = Thread;
    type TlsKey = TlsKey;
    type Timer = Timer;

    fn print(&self, text: &[u8]) {
        if self.console == Console::Capture {
            let mut c = self.captured.lock().unwrap_or_else(|e| e.into_inner());
            if c.len() + text.len() <= CAPTURE_LIMIT {
                c.extend_from_slice(text);
            }
            if !self.echo.load(Ordering::Relaxed) {
                return;
            }
        }
        let _ = std::io::stderr().write_all(text);
    }

    fn panic(&self) {
        self.watch.kill();
    }

    fn is_dead(&self) -> bool {
        self.watch.is_dead()
    }

    fn sem_new(&self, count: u32) -> Result<Semaphore, Errno> {
        Ok(Semaphore::new(count, &self.watch))
    }

    fn sem_up(&self, sem: &Semaphore) {
        sem.up();
    }

    fn sem_down(&self, sem: &Semaphore) {
        sem.down();
    }

    fn mutex_new(&self, recursive: bool) -> Result<HostMutex, Errno> {
        Ok(HostMutex::new(recursive, &self.watch))
    }

    fn mutex_lock(&self, mutex: &HostMutex) {
        mutex.lock(self.thread_id());
    }

    fn mutex_unlock(&self, mutex: &HostMutex) {
        mutex.unlock(self.thread_id());
    }

    fn thread_spawn(&self, body: ThreadBody) -> Result<Thread, Errno> {
        let measure = self.stack_stats.load(Ordering::SeqCst);
        std::thread::Builder::new()
            .name("lkl".into())
            .stack_size(THREAD_STACK_SIZE)
            .spawn(move || {
                if measure {
                    let mark = stack::paint();
                    body();
                    stack::measure(mark);
                } else {
                    body();
                }
            })
            .map(Thread)
            .map_err(|_| Errno::EAGAIN)
    }

    fn thread_join(&self, thread: Thread) -> Result<(), Errno> {
        thread.0.join().map_err(|_| Errno::EIO)
    }

    fn thread_id(&self) -> u64 {
        THREAD_ID.try_with(|id| *id).unwrap_or(u64::MAX)
    }

    fn tls_new(&self, destructor: Option<TlsDestructor>) -> Result<TlsKey, Errno> {
        Ok(tls::new_key(destructor))
    }

    fn tls_set(&self, key: &TlsKey, value: *mut u8) -> Result<(), Errno> {
        if tls::set(key, value) { Ok(()) } else { Err(Errno::EINVAL) }
    }

    fn tls_get(&self, key: &TlsKey) -> *mut u8 {
        tls::get(key)
    }

    fn mem_alloc(&self, size: usize) -> *mut u8 {
        let Some(total) = size.checked_add(HEADER) else { return std::ptr::null_mut() };
        let Ok(layout) = Layout::from_size_align(total, MEM_ALIGN) else { return std::ptr::null_mut() };
        // SAFETY: layout has a non-zero size (HEADER > 0).
        let base = unsafe { alloc(layout) };
        if base.is_null() {
            return base;
        }
        // SAFETY: base points to `total` bytes; the header fits in HEADER.
        unsafe { (base as *mut usize).write(total) };
        self.allocations.fetch_add(1, Ordering::Relaxed);
        // SAFETY: HEADER < total, so the result stays inside the block.
        unsafe { base.add(HEADER) }
    }

    unsafe fn mem_free(&self, ptr: *mut u8) {
        if ptr.is_null() {
            return;
        }
        // SAFETY: per the contract ptr came from mem_alloc, HEADER bytes
        // after the start of a block whose first word is its size.
        unsafe {
            let base = ptr.sub(HEADER);
            let total = (base as *const usize).read();
            dealloc(base, Layout::from_size_align_unchecked(total, MEM_ALIGN));
        }
        self.allocations.fetch_sub(1, Ordering::Relaxed);
    }

    fn mem_outstanding(&self) -> usize {
        self.allocations.load(Ordering::Relaxed)
    }

    fn monotonic_ns(&self) -> u64 {
        self.origin.elapsed().as_nanos() as u64
    }

    fn wall_clock_ns(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
    }

    fn timer_new(&self, callback: TimerCallback) -> Result<Timer, Errno> {
        self.timers.create(callback)
    }

    fn timer_arm(&self, timer: &Timer, delta_ns: u64) -> Result<(), Errno> {
        self.timers.arm(timer, delta_ns)
    }

    fn timer_cancel(&self, timer: &Timer) {
        self.timers.cancel(timer)
    }

    fn timer_free(&self, timer: Timer) {
        self.timers.free(timer)
    }
}

/// Frees the key when the library drops it. Destructors of a freed key
/// never run.
impl Drop for TlsKey {
    fn drop(&mut self) {
        tls::free_key(self);
    }
}
