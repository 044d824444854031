//! The C side's view of the host: the operations table the kernel port calls,
//! and the entry points it exports. Layout and order must match
//! `library/kernel/arch/lkl/include/uapi/asm/host_ops.h`; both sides check the size
//! and the version.
//!
//! Every function pointer uses the System V x86-64 convention on every target:
//! the kernel object is compiled by the Linux gcc, and the same object serves
//! Windows, where `long` would otherwise be 32 bits. C `long` is `i64` here.

use core::ffi::{c_char, c_int, c_void};

/// Bumped whenever the table or the entry points change.
pub const HOST_OPS_VERSION: u64 = 1;

/// A C function taking one opaque argument (thread body, timer callback,
/// thread-local destructor).
pub type CFn = unsafe extern "sysv64" fn(arg: *mut c_void);

/// The host operations table, filled by the `lkl` crate's trampolines.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct HostOps {
    /// Must be [`HOST_OPS_VERSION`].
    pub version: u64,
    /// Console output.
    pub print: unsafe extern "sysv64" fn(text: *const c_char, len: u64),
    /// The library died (Linux panic or BUG); see `Host::panic`.
    pub panic: unsafe extern "sysv64" fn(),
    /// New semaphore with `count` units, null on failure.
    pub sem_alloc: unsafe extern "sysv64" fn(count: c_int) -> *mut c_void,
    /// Frees a semaphore.
    pub sem_free: unsafe extern "sysv64" fn(sem: *mut c_void),
    /// Adds a unit.
    pub sem_up: unsafe extern "sysv64" fn(sem: *mut c_void),
    /// Takes a unit, blocking.
    pub sem_down: unsafe extern "sysv64" fn(sem: *mut c_void),
    /// New mutex, null on failure.
    pub mutex_alloc: unsafe extern "sysv64" fn(recursive: c_int) -> *mut c_void,
    /// Frees a mutex.
    pub mutex_free: unsafe extern "sysv64" fn(mutex: *mut c_void),
    /// Locks a mutex.
    pub mutex_lock: unsafe extern "sysv64" fn(mutex: *mut c_void),
    /// Unlocks a mutex.
    pub mutex_unlock: unsafe extern "sysv64" fn(mutex: *mut c_void),
    /// Starts a thread running `f(arg)`; returns a join handle, null on failure.
    pub thread_create: unsafe extern "sysv64" fn(f: CFn, arg: *mut c_void) -> *mut c_void,
    /// Joins and releases a handle from `thread_create`; 0 or a negative errno.
    pub thread_join: unsafe extern "sysv64" fn(handle: *mut c_void) -> c_int,
    /// A non-zero number naming the calling thread.
    pub thread_self: unsafe extern "sysv64" fn() -> u64,
    /// New thread-local key with an optional destructor, null on failure.
    pub tls_alloc: unsafe extern "sysv64" fn(destructor: Option<CFn>) -> *mut c_void,
    /// Frees a key.
    pub tls_free: unsafe extern "sysv64" fn(key: *mut c_void),
    /// Sets the calling thread's value; 0 or a negative errno.
    pub tls_set: unsafe extern "sysv64" fn(key: *mut c_void, value: *mut c_void) -> c_int,
    /// The calling thread's value.
    pub tls_get: unsafe extern "sysv64" fn(key: *mut c_void) -> *mut c_void,
    /// Allocates memory aligned to [`crate::MEM_ALIGN`].
    pub mem_alloc: unsafe extern "sysv64" fn(size: u64) -> *mut c_void,
    /// Frees memory.
    pub mem_free: unsafe extern "sysv64" fn(ptr: *mut c_void),
    /// Monotonic nanoseconds.
    pub time_ns: unsafe extern "sysv64" fn() -> u64,
    /// Wall-clock nanoseconds since the Unix epoch.
    pub wall_ns: unsafe extern "sysv64" fn() -> u64,
    /// New disarmed timer calling `f(arg)` on expiry, null on failure.
    pub timer_alloc: unsafe extern "sysv64" fn(f: CFn, arg: *mut c_void) -> *mut c_void,
    /// Arms a timer `delta_ns` from now; 0 or a negative errno.
    pub timer_set_oneshot: unsafe extern "sysv64" fn(timer: *mut c_void, delta_ns: u64) -> c_int,
    /// Frees a timer, waiting for a running callback.
    pub timer_free: unsafe extern "sysv64" fn(timer: *mut c_void),
}

/// Number of 8-byte slots in [`HostOps`]; the C header asserts the same.
pub const HOST_OPS_SLOTS: usize = 25;

const _: () = assert!(core::mem::size_of::<HostOps>() == HOST_OPS_SLOTS * 8);

/// Boot parameters handed to `lkl_start_kernel`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct BootParams {
    /// Bytes of memory for the kernel (one host allocation).
    pub mem_size: u64,
    /// NUL-terminated kernel command line.
    pub cmdline: *const c_char,
}

/// The exported entry points of the kernel object (all `lkl_` prefixed; every
/// other symbol is local).
pub mod entry {
    /// `long lkl_start_kernel(const struct lkl_host_ops *, const struct lkl_boot_params *)`:
    /// 0 or a negative errno.
    pub const START_KERNEL: &str = "lkl_start_kernel";
    /// `long lkl_syscall(long no, const long *args)` (six arguments).
    pub const SYSCALL: &str = "lkl_syscall";
    /// `long lkl_halt(void)`: syncs, powers off, joins threads, frees memory.
    pub const HALT: &str = "lkl_halt";
}

/// The first memory size the kernel accepts, and the default.
pub const MIN_MEM_SIZE: u64 = 16 << 20;
/// Default memory size of a booted kernel.
pub const DEFAULT_MEM_SIZE: u64 = 64 << 20;
/// Size of the printk tail kept for the caller when the library dies.
pub const PANIC_TAIL_SIZE: usize = 4096;
