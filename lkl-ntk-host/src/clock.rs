//! Clocks: monotonic from the performance counter (HAL), wall clock from the
//! system time, resolved at start so newer kernels get the precise variant.

use core::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use nt::UNICODE_STRING;
use widestring::u16str;

/// 100 ns intervals between 1601-01-01 and 1970-01-01.
const EPOCH_1601_TO_1970: i64 = 116_444_736_000_000_000;

/// `KUSER_SHARED_DATA.SystemTime` at its fixed kernel address on x64: what
/// the DDK's `KeQuerySystemTime` macro reads when no export exists.
const SHARED_SYSTEM_TIME: usize = 0xFFFF_F780_0000_0014;

type QuerySystemTime = unsafe extern "system" fn(time: *mut i64);

static QPC_FREQUENCY: AtomicI64 = AtomicI64::new(0);
/// The resolved `KeQuerySystemTime[Precise]`, or 0 for the shared-data read.
static QUERY_SYSTEM_TIME: AtomicUsize = AtomicUsize::new(0);

/// Which wall-clock source [`init`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WallSource {
    /// `KeQuerySystemTimePrecise` (Windows 8 and later).
    Precise,
    /// The `KeQuerySystemTime` export (Wine; 32-bit Windows).
    Export,
    /// `KUSER_SHARED_DATA` read as the x64 DDK macro does.
    SharedData,
}

/// Reads the counter frequency and resolves the wall-clock routine.
/// PASSIVE_LEVEL (MmGetSystemRoutineAddress).
pub fn init() -> WallSource {
    let mut freq = 0i64;
    // SAFETY: KeQueryPerformanceCounter writes the frequency to a valid i64.
    unsafe { nt::KeQueryPerformanceCounter(&mut freq) };
    QPC_FREQUENCY.store(freq.max(1), Ordering::SeqCst);
    let mut source = WallSource::SharedData;
    for (name, kind) in
        [(u16str!("KeQuerySystemTimePrecise"), WallSource::Precise), (u16str!("KeQuerySystemTime"), WallSource::Export)]
    {
        let mut us = UNICODE_STRING::from_static(name);
        // SAFETY: `us` describes a static UTF-16 name; the routine only reads it.
        let f = unsafe { nt::MmGetSystemRoutineAddress(&mut us) };
        if !f.is_null() {
            QUERY_SYSTEM_TIME.store(f as usize, Ordering::SeqCst);
            source = kind;
            break;
        }
    }
    source
}

/// Monotonic nanoseconds from the performance counter.
pub fn monotonic_ns() -> u64 {
    // SAFETY: a null frequency pointer is allowed.
    let count = unsafe { nt::KeQueryPerformanceCounter(core::ptr::null_mut()) }.max(0) as u64;
    let freq = QPC_FREQUENCY.load(Ordering::Relaxed).max(1) as u64;
    // Split so that the multiplication cannot overflow and the result stays
    // monotonic in `count`.
    (count / freq) * 1_000_000_000 + (count % freq) * 1_000_000_000 / freq
}

/// Wall-clock nanoseconds since 1970-01-01 UTC.
pub fn wall_clock_ns() -> u64 {
    let f = QUERY_SYSTEM_TIME.load(Ordering::Relaxed);
    let t100 = if f != 0 {
        let mut t = 0i64;
        // SAFETY: `f` is the address MmGetSystemRoutineAddress returned for a
        // routine with this signature.
        unsafe { core::mem::transmute::<usize, QuerySystemTime>(f)(&mut t) };
        t
    } else {
        // SAFETY: on x64 Windows the shared user data page is always mapped
        // at this kernel address; the DDK macro reads it the same way.
        unsafe { core::ptr::read_volatile(SHARED_SYSTEM_TIME as *const i64) }
    };
    (t100 - EPOCH_1601_TO_1970).max(0) as u64 * 100
}
