//! The last console bytes, kept so that a caller can see why the kernel died
//! (a panic message is the last thing Linux prints).

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use lkl_abi::ops::PANIC_TAIL_SIZE;

struct Ring {
    buf: [u8; PANIC_TAIL_SIZE],
    /// Total bytes ever written; the ring holds the last PANIC_TAIL_SIZE.
    written: usize,
}

struct Tail {
    busy: AtomicBool,
    ring: UnsafeCell<Ring>,
}

// SAFETY: `ring` is only touched while `busy` is held (see `with`).
unsafe impl Sync for Tail {}

static TAIL: Tail =
    Tail { busy: AtomicBool::new(false), ring: UnsafeCell::new(Ring { buf: [0; PANIC_TAIL_SIZE], written: 0 }) };

fn with<R>(f: impl FnOnce(&mut Ring) -> R) -> R {
    // Console output comes from the CPU owner, so this barely ever spins.
    while TAIL.busy.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        core::hint::spin_loop();
    }
    // SAFETY: `busy` is held, so this is the only reference.
    let r = f(unsafe { &mut *TAIL.ring.get() });
    TAIL.busy.store(false, Ordering::Release);
    r
}

pub(crate) fn record(bytes: &[u8]) {
    with(|r| {
        for &b in bytes {
            let i = r.written % PANIC_TAIL_SIZE;
            r.buf[i] = b;
            r.written += 1;
        }
    })
}

/// The last console output (up to PANIC_TAIL_SIZE bytes), oldest first.
pub fn console_tail() -> String {
    let bytes = with(|r| {
        let n = r.written.min(PANIC_TAIL_SIZE);
        let start = r.written - n;
        (start..r.written).map(|i| r.buf[i % PANIC_TAIL_SIZE]).collect::<Vec<u8>>()
    });
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Bytes written to the console so far (a position for [`since`]).
pub(crate) fn written() -> usize {
    with(|r| r.written)
}

/// Console output after position `from` (as much as the tail still holds).
pub(crate) fn since(from: usize) -> String {
    let bytes = with(|r| {
        let oldest = r.written.saturating_sub(PANIC_TAIL_SIZE);
        (from.max(oldest)..r.written).map(|i| r.buf[i % PANIC_TAIL_SIZE]).collect::<Vec<u8>>()
    });
    String::from_utf8_lossy(&bytes).into_owned()
}
