//! The embedded Linux: boot, the syscall probe, halt and the test-only
//! panic. Every call into the library runs on a worker thread (a host
//! thread, PASSIVE_LEVEL, expanded stack); the dispatch thread only
//! validates, waits and copies results.
//!
//! One boot per driver load: Linux's static data lives in the image and is
//! not re-initialised, so a second boot in the same load is refused with
//! [`STATUS_WRONG_STATE`]; a service stop unloads the image and the next
//! start boots afresh.

use alloc::string::String;
use alloc::sync::Arc;

#[cfg(feature = "testing")]
use driver_ioctl::linux::PanicReply;
use driver_ioctl::linux::{self as proto, HaltReply, Info};
use lkl::{BootConfig, Errno, Kernel};
use lkl_abi::Host;
use lkl_ntk_host::sync::Mutex;
use nt::NTSTATUS;

use crate::{HOST, workers};

pub(crate) const STATUS_NOT_BOOTED: NTSTATUS = proto::STATUS_NOT_BOOTED as NTSTATUS;
pub(crate) const STATUS_WRONG_STATE: NTSTATUS = proto::STATUS_WRONG_STATE as NTSTATUS;
pub(crate) const STATUS_LINUX_DEAD: NTSTATUS = proto::STATUS_LINUX_DEAD as NTSTATUS;

/// A running kernel and what is mounted in it.
pub struct Live {
    /// Shared with the mounted volume's Vfs; the only other reference, so
    /// halt can take the kernel back once the volume is gone.
    pub kernel: Arc<Kernel>,
    /// Disks whose file system failed to unmount: released after halt.
    pub stuck: alloc::vec::Vec<lkl::Disk>,
}

enum State {
    /// No boot yet in this load.
    Never,
    Running(Live),
    /// Halted, or the boot failed: the library cannot boot again here.
    Over,
}

/// The kernel's state, behind a sleeping lock. It is held by the dispatch
/// thread across a whole control request, including the wait for the worker
/// that calls into Linux: control requests are rare and must not interleave
/// (a halt must not race a syscall). It is never taken by a worker or by
/// anything Linux calls, so it cannot deadlock with the library's own locks.
static CONTROL: Mutex<State> = Mutex::new(State::Never);

/// Runs `f` with the state, serialised with every other control request.
/// PASSIVE_LEVEL (it may wait).
fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    f(&mut CONTROL.lock())
}

/// The boot parameters, copied out of the request (whose buffer the reply
/// overwrites).
pub fn boot_config(req: &proto::BootRequest<'_>) -> BootConfig {
    BootConfig { mem_size: req.mem_size, cmdline: String::from(req.cmdline) }
}

/// Boots Linux on a worker and writes the reply (errno, time, console
/// tail) into `out` ([`proto::BOOT_OUT_SIZE`] bytes).
pub fn boot(config: &BootConfig, out: &mut [u8]) -> NTSTATUS {
    with_state(|state| {
        if !matches!(state, State::Never) {
            return STATUS_WRONG_STATE;
        }
        let start = HOST.monotonic_ns();
        let mut result = None;
        workers::run(|| result = Some(Kernel::boot(&HOST, config)));
        let boot_ns = HOST.monotonic_ns() - start;
        let (errno, tail) = match result {
            Some(Ok(k)) => {
                *state = State::Running(Live { kernel: Arc::new(k), stuck: alloc::vec::Vec::new() });
                (0, lkl::console_tail())
            }
            Some(Err(e)) => {
                *state = State::Over;
                (-e.errno.0, e.log)
            }
            None => {
                *state = State::Over;
                (-Errno::EIO.0, String::new())
            }
        };
        proto::encode_boot_reply(out, errno, boot_ns, tail.as_bytes());
        nt::STATUS_SUCCESS
    })
}

/// The running kernel for a new volume, booting it first if this load has
/// not booted yet. Call on a worker thread (the boot runs right here).
pub fn kernel_for_mount() -> Result<Arc<Kernel>, NTSTATUS> {
    with_state(|state| {
        if matches!(state, State::Never) {
            let config = crate::params::boot_config();
            match Kernel::boot(&HOST, &config) {
                Ok(k) => {
                    lkl_ntk_host::print::print_fmt(format_args!(
                        "lklfs: Linux booted for the first mount ({} MiB)\n",
                        config.mem_size >> 20
                    ));
                    *state = State::Running(Live { kernel: Arc::new(k), stuck: alloc::vec::Vec::new() })
                }
                Err(_) => {
                    *state = State::Over;
                    return Err(nt::STATUS_UNSUCCESSFUL);
                }
            }
        }
        if let Some(s) = not_live(state) {
            return Err(s);
        }
        match state {
            State::Running(live) => Ok(live.kernel.clone()),
            _ => Err(STATUS_NOT_BOOTED),
        }
    })
}

/// A disk whose file system did not unmount (Linux died): kept until halt.
pub fn keep_stuck_disk(disk: lkl::Disk) {
    with_state(|state| {
        if let State::Running(live) = state {
            live.stuck.push(disk);
        }
    })
}

/// Why a file request cannot go ahead, if it cannot: Linux died, or this
/// load's Linux has halted; before any boot only a mount may go ahead (it
/// boots Linux).
#[cfg(feature = "testing")]
pub fn refusal(mount: bool) -> Option<NTSTATUS> {
    with_state(|state| match state {
        State::Never if mount => None,
        state => not_live(state),
    })
}

/// The status of a request that needs a live kernel, or `None` when it may
/// go ahead.
fn not_live(state: &State) -> Option<NTSTATUS> {
    match state {
        State::Running(_) if HOST.is_dead() => Some(STATUS_LINUX_DEAD),
        State::Running(_) => None,
        State::Never | State::Over => Some(STATUS_NOT_BOOTED),
    }
}

/// `getpid()` and `uname()` on a worker: proof that syscalls work.
pub fn info(out: &mut [u8]) -> NTSTATUS {
    with_state(|state| {
        if let Some(s) = not_live(state) {
            return s;
        }
        let State::Running(live) = &*state else { return STATUS_NOT_BOOTED };
        let k = &live.kernel;
        let mut result = Err(Errno::EIO);
        workers::run(|| {
            result = k.getpid().and_then(|pid| k.uname().map(|u| (pid, u)));
        });
        match result {
            Ok((pid, u)) => {
                let info = Info { pid, uts: [u.sysname, u.nodename, u.release, u.version, u.machine] };
                out.copy_from_slice(&info.encode());
                nt::STATUS_SUCCESS
            }
            // The library returns EIO for every call once Linux died.
            Err(_) if HOST.is_dead() => STATUS_LINUX_DEAD,
            Err(_) => nt::STATUS_UNSUCCESSFUL,
        }
    })
}

/// Halts Linux on a worker (sync, power off, every kernel thread joined,
/// its memory freed); after a panic it still succeeds, with EIO in the
/// reply.
pub fn halt(out: &mut [u8]) -> NTSTATUS {
    with_state(|state| match halt_locked(state) {
        Some(errno) => {
            let reply = HaltReply { errno, host_outstanding: HOST.mem_outstanding() as u64 };
            out.copy_from_slice(&reply.encode());
            nt::STATUS_SUCCESS
        }
        None => STATUS_NOT_BOOTED,
    })
}

/// Halts a running kernel; `None` if none runs. The negative errno otherwise.
fn halt_locked(state: &mut State) -> Option<i32> {
    let State::Running(_) = state else { return None };
    // Mounted volumes keep Linux running (unload unmounts them first).
    if crate::fsd::volumes() > 0 {
        return Some(-Errno::EBUSY.0);
    }
    let State::Running(Live { kernel, mut stuck }) = core::mem::replace(state, State::Over) else { return None };
    // The volume held the only other reference.
    let Ok(k) = Arc::try_unwrap(kernel) else { return Some(-Errno::EBUSY.0) };
    let mut kernel = Some(k);
    let mut result = Ok(());
    workers::run(|| {
        if let Some(k) = kernel.take() {
            result = k.halt_releasing(core::mem::take(&mut stuck));
        }
    });
    Some(match result {
        Ok(()) => 0,
        Err(e) => -e.0,
    })
}

/// Test only: makes Linux panic through the port's hook, on a worker.
#[cfg(feature = "testing")]
pub fn panic_for_test(out: &mut [u8]) -> NTSTATUS {
    with_state(|state| {
        if let Some(s) = not_live(state) {
            return s;
        }
        let State::Running(live) = &*state else { return STATUS_NOT_BOOTED };
        let k = &live.kernel;
        let mut result = Ok(0);
        workers::run(|| result = k.force_panic_for_test());
        let errno = match result {
            Ok(_) => 0,
            Err(e) => -e.0,
        };
        out.copy_from_slice(&PanicReply { errno, dead: HOST.is_dead() }.encode());
        nt::STATUS_SUCCESS
    })
}

/// From DriverUnload: halts the kernel if it still runs (no handle to the
/// control device remains, so no request is in flight). PASSIVE_LEVEL.
pub fn shutdown() -> Option<i32> {
    with_state(halt_locked)
}
