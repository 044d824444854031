//! What a no_std kernel image needs from its crate: the global allocator, the
//! panic handler and an (unused) unwinding personality.

use lkl_ntk_host::mem::PoolAllocator;

#[global_allocator]
static ALLOCATOR: PoolAllocator = PoolAllocator;

/// A Rust panic here means our own invariant broke: bugcheck with the
/// location (see `lkl_ntk_host::print::BUGCHECK_RUST_PANIC`).
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    lkl_ntk_host::print::bugcheck_on_panic(info)
}

/// panic=abort never unwinds, but the precompiled `core` still references
/// the personality routine.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// The precompiled `alloc` has landing pads that resume unwinding; with
/// panic=abort nothing ever unwinds, so this is unreachable. (libgcc_eh,
/// which defines it for user mode, is not allowed into a kernel image.)
/// Should it ever run, it is a broken invariant like any panic: bugcheck with
/// the project's code and this location.
#[unsafe(no_mangle)]
pub extern "C" fn _Unwind_Resume() -> ! {
    lkl_ntk_host::print::bugcheck_here("_Unwind_Resume called although the driver never unwinds", file!(), line!())
}
