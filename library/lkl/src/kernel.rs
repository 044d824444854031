//! Boot and halt.

use alloc::ffi::CString;
use alloc::string::String;
use core::ffi::c_char;
use core::fmt;
use core::sync::atomic::{AtomicU8, Ordering};

use lkl_abi::ops::{BootParams, DEFAULT_MEM_SIZE, HostOps};
use lkl_abi::{Errno, Host};

use crate::{tail, trampolines};

unsafe extern "sysv64" {
    fn lkl_start_kernel(ops: *const HostOps, params: *const BootParams) -> i64;
    pub(crate) fn lkl_syscall(no: i64, params: *const i64) -> i64;
    fn lkl_halt() -> i64;
}

const NEVER: u8 = 0;
const RUNNING: u8 = 1;
const OVER: u8 = 2;
static STATE: AtomicU8 = AtomicU8::new(NEVER);

/// How to boot.
#[derive(Clone, Debug)]
pub struct BootConfig {
    /// Bytes of kernel memory, one host allocation.
    pub mem_size: u64,
    /// Kernel command line.
    pub cmdline: String,
}

impl Default for BootConfig {
    fn default() -> Self {
        BootConfig { mem_size: DEFAULT_MEM_SIZE, cmdline: String::new() }
    }
}

/// A failed boot: the errno and what the kernel printed before it failed.
#[derive(Debug)]
pub struct BootError {
    /// Why: EALREADY (a kernel was booted before in this process), ENOMEM
    /// (memory too small or not available), EIO (Linux panicked while booting).
    pub errno: Errno,
    /// The tail of the kernel log.
    pub log: String,
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "boot failed: {}", self.errno)?;
        if !self.log.is_empty() {
            write!(f, "; kernel log ends with:\n{}", self.log)?;
        }
        Ok(())
    }
}

/// The running kernel. Syscalls may be issued from any thread; each thread
/// gets a Linux task of its own on its first call, and all of them share one
/// file table and working directory.
pub struct Kernel {
    _private: (),
}

impl Kernel {
    /// Boots Linux on `host`. Returns once init runs.
    pub fn boot<H: Host>(host: &'static H, config: &BootConfig) -> Result<Kernel, BootError> {
        if STATE.compare_exchange(NEVER, RUNNING, Ordering::SeqCst, Ordering::SeqCst).is_err() {
            return Err(BootError { errno: Errno::EALREADY, log: String::new() });
        }
        let cmdline = CString::new(config.cmdline.as_bytes())
            .map_err(|_| BootError { errno: Errno::EINVAL, log: String::new() })?;
        trampolines::install(host);
        // The port keeps the table pointer for the life of the process: a
        // promoted constant lives that long and costs no allocation.
        let ops: &'static HostOps = &trampolines::Table::<H>::OPS;
        let params = BootParams { mem_size: config.mem_size, cmdline: cmdline.as_ptr() as *const c_char };
        // SAFETY: ops is a complete table for the installed host and lives
        // forever; params and the command line outlive the call (the port
        // copies the command line).
        let ret = unsafe { lkl_start_kernel(ops, &params) };
        if ret < 0 {
            STATE.store(OVER, Ordering::SeqCst);
            return Err(BootError { errno: Errno(-ret as i32), log: tail::console_tail() });
        }
        Ok(Kernel { _private: () })
    }

    /// Syncs, powers Linux off, joins every thread the kernel started and
    /// frees its memory. After a Linux panic the threads are still joined
    /// and memory freed, and the result is EIO.
    pub fn halt(self) -> Result<(), Errno> {
        STATE.store(OVER, Ordering::SeqCst);
        // SAFETY: the kernel was booted; the port guards against races with
        // threads still inside (they are sent back with an error).
        let ret = unsafe { lkl_halt() };
        Errno::from_ret(ret).map(|_| ())
    }

    /// Issues a raw syscall with six arguments.
    ///
    /// # Safety
    /// Pointer arguments must be valid for what the syscall reads and writes.
    pub unsafe fn syscall(&self, nr: i64, args: [i64; 6]) -> Result<i64, Errno> {
        // SAFETY: args has the six slots the port reads; the caller vouches
        // for the pointers inside.
        Errno::from_ret(unsafe { lkl_syscall(nr, args.as_ptr()) })
    }

    /// Prints the tasks blocked in uninterruptible sleep and the busy
    /// workqueues to the console; callable from any thread, also while
    /// another one is stuck inside Linux.
    pub fn debug_dump(&self) -> Result<(), Errno> {
        // SAFETY: the dump takes no pointers.
        unsafe { self.syscall(lkl_abi::block::port_nr::DEBUG_DUMP, [0; 6]) }.map(|_| ())
    }

    /// Makes Linux panic (the port's test hook), to exercise the policy that
    /// a dead kernel returns EIO instead of taking the process down.
    pub fn force_panic_for_test(&self) -> Result<i64, Errno> {
        // SAFETY: the test call takes no pointers.
        unsafe { self.syscall(1000, [0; 6]) }
    }
}
