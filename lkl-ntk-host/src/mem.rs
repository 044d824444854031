//! Pool memory: every allocation of the driver, Host or Rust heap, comes
//! from NonPagedPoolNx with the project tag and is counted, so unload can
//! prove nothing leaked.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;
use core::ptr;
use core::sync::atomic::{AtomicUsize, Ordering};

/// The pool tag, shown as `Lklf` by pool tools (tags are stored little-endian).
pub const POOL_TAG: u32 = u32::from_le_bytes(*b"Lklf");

/// The alignment ExAllocatePoolWithTag guarantees on x64.
const POOL_ALIGN: usize = 16;

/// Rust heap blocks (through [`PoolAllocator`]) not yet freed.
static HEAP_OUTSTANDING: AtomicUsize = AtomicUsize::new(0);

/// Rust heap blocks not yet freed, driver-wide.
pub fn heap_outstanding() -> usize {
    HEAP_OUTSTANDING.load(Ordering::SeqCst)
}

/// Allocates `size` bytes aligned to `align` (a power of two), or null.
/// Alignments above 16 over-allocate and keep the pool pointer just below
/// the returned block. IRQL <= DISPATCH_LEVEL.
pub fn pool_alloc(size: usize, align: usize) -> *mut u8 {
    let size = size.max(1);
    if align <= POOL_ALIGN {
        // SAFETY: plain pool allocation; NonPagedPoolNx is valid on Windows 8+
        // (Wine accepts any pool type).
        return unsafe { nt::ExAllocatePoolWithTag(nt::NonPagedPoolNx, size, POOL_TAG) }.cast();
    }
    let Some(total) = size.checked_add(align + core::mem::size_of::<usize>()) else {
        return ptr::null_mut();
    };
    // SAFETY: plain pool allocation of `total` bytes (IRQL <= DISPATCH_LEVEL,
    // this function's contract); the block is ours until pool_free.
    let raw: *mut u8 = unsafe { nt::ExAllocatePoolWithTag(nt::NonPagedPoolNx, total, POOL_TAG) }.cast();
    if raw.is_null() {
        return raw;
    }
    let aligned = (raw as usize + core::mem::size_of::<usize>()).next_multiple_of(align);
    // SAFETY: `aligned - size_of::<usize>()` is inside the block (at or after
    // `raw`) and `aligned + size` ends before `raw + total`.
    unsafe { ((aligned - core::mem::size_of::<usize>()) as *mut usize).write_unaligned(raw as usize) };
    aligned as *mut u8
}

/// Frees a block from [`pool_alloc`] made with the same `align`.
///
/// # Safety
/// `ptr` came from `pool_alloc(_, align)` and is not used afterwards.
pub unsafe fn pool_free(ptr: *mut u8, align: usize) {
    let raw = if align <= POOL_ALIGN {
        ptr
    } else {
        // SAFETY: pool_alloc stored the pool pointer just below the block.
        unsafe { ((ptr as usize - core::mem::size_of::<usize>()) as *const usize).read_unaligned() as *mut u8 }
    };
    // SAFETY: `raw` is the pool block pool_alloc got with our tag.
    unsafe { nt::ExFreePoolWithTag(raw.cast::<c_void>(), POOL_TAG) };
}

/// The Rust global allocator of the driver: tagged, counted pool memory.
/// Declare it with `#[global_allocator]` in the driver crate.
pub struct PoolAllocator;

// SAFETY: pool_alloc returns blocks of at least `size` bytes aligned to
// `align` or null, and pool_free releases exactly those blocks.
unsafe impl GlobalAlloc for PoolAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = pool_alloc(layout.size(), layout.align());
        if !p.is_null() {
            HEAP_OUTSTANDING.fetch_add(1, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP_OUTSTANDING.fetch_sub(1, Ordering::SeqCst);
        // SAFETY: GlobalAlloc's contract: ptr came from alloc with this layout.
        unsafe { pool_free(ptr, layout.align()) };
    }
}
