//! Peak stack use of host threads, for the benchmark: a thread paints the
//! unused part of its stack with a pattern before it runs its body and, at
//! the end, finds the lowest word that is no longer the pattern.

use std::sync::atomic::{AtomicUsize, Ordering};

use lkl_abi::THREAD_STACK_SIZE;

const PATTERN: u64 = 0x5a5a_5a5a_a5a5_a5a5;
/// Left unpainted below the stack's top estimate: guard against the
/// thread's own frames and the start-up code above them.
const TOP_MARGIN: usize = 1024;
/// Left unpainted at the bottom: the estimate of the top may be off by the
/// start-up frames, and the stack must not be overrun.
const BOTTOM_MARGIN: usize = 8 * 1024;

pub(crate) static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Paints; returns (top estimate, painted low bound).
#[inline(never)]
pub(crate) fn paint() -> (usize, usize) {
    let marker = 0u8;
    let top = std::ptr::addr_of!(marker) as usize;
    let low = (top - (THREAD_STACK_SIZE - BOTTOM_MARGIN)) & !7;
    let high = (top - TOP_MARGIN) & !7;
    let mut p = low;
    while p < high {
        // SAFETY: [low, high) lies inside this thread's stack, below every
        // live frame (the margins keep clear of the top and the guard page).
        unsafe { (p as *mut u64).write_volatile(PATTERN) };
        p += 8;
    }
    (top, low)
}

/// Records the depth reached since `paint`.
pub(crate) fn measure((top, low): (usize, usize)) {
    let mut p = low;
    // SAFETY: [low, top - TOP_MARGIN) is the range `paint` wrote on this
    // same thread's stack, which stays mapped while the thread runs.
    while p < top - TOP_MARGIN && unsafe { (p as *const u64).read_volatile() } == PATTERN {
        p += 8;
    }
    PEAK.fetch_max(top - p, Ordering::Relaxed);
}
