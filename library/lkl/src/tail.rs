//! The last console bytes, kept so that a caller can see why the kernel died
//! (a panic message is the last thing Linux prints).

use alloc::string::String;
use alloc::vec::Vec;
use lkl_abi::ops::PANIC_TAIL_SIZE;
use spin::mutex::SpinMutex;

struct Ring {
    buf: [u8; PANIC_TAIL_SIZE],
    /// Total bytes ever written; the ring holds the last PANIC_TAIL_SIZE.
    written: usize,
}

/// A spin lock, not a host lock: console output comes from the CPU owner,
/// so it barely ever spins, and the ring needs no host object.
static TAIL: SpinMutex<Ring> = SpinMutex::new(Ring { buf: [0; PANIC_TAIL_SIZE], written: 0 });

fn with<R>(f: impl FnOnce(&mut Ring) -> R) -> R {
    f(&mut TAIL.lock())
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
