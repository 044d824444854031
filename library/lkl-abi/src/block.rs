//! Host block devices: what a disk or an image looks like to the kernel.

use core::ffi::{c_int, c_void};

use crate::Errno;

/// A disk, partition or image file the kernel reads and writes.
///
/// Contract (the kernel port relies on it):
/// - Calls come from the disk's own I/O thread (a host thread the kernel
///   started), one at a time per device, in the order Linux queued the
///   requests; they may block. They must not panic.
/// - `read_at`/`write_at` transfer the whole buffer or fail; offsets and
///   lengths are multiples of `sector_size`; a range past `size` is EIO.
/// - A write that returned Ok may sit in a volatile cache until the next
///   `flush` returns Ok; after that it survives a power cut. The kernel sends
///   flushes (FLUSH and FUA requests) in order after the writes they cover.
/// - Any error fails that request with an I/O error inside Linux; the device
///   stays usable for later requests.
pub trait BlockDevice: Send + Sync {
    /// Size in bytes, a multiple of `sector_size`.
    fn size(&self) -> u64;
    /// Logical sector size: 512 or 4096.
    fn sector_size(&self) -> u32 {
        512
    }
    /// Whether writes are refused (the kernel then sees a read-only disk).
    fn read_only(&self) -> bool;
    /// Reads `buf.len()` bytes at `offset`.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno>;
    /// Writes `buf` at `offset`.
    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno>;
    /// Makes every completed write durable.
    fn flush(&self) -> Result<(), Errno>;
}

/// Whether `len` bytes at `off` lie inside a device of `size` bytes: Ok,
/// or EIO (the `BlockDevice` contract's answer past the end).
pub fn in_range(size: u64, off: u64, len: usize) -> Result<(), Errno> {
    match off.checked_add(len as u64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(Errno::EIO),
    }
}

/// `struct lkl_disk_iov`: one run of contiguous kernel memory of a request.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DiskIov {
    /// Start of the run.
    pub base: *mut c_void,
    /// Bytes.
    pub len: u64,
}

/// `struct lkl_disk` of the kernel port (arch/lkl/kernel/disk.c). A request
/// arrives as one call whose runs cover a contiguous device range from `off`.
#[repr(C)]
pub struct DiskOps {
    /// Passed back to the callbacks.
    pub handle: *mut c_void,
    /// Bytes.
    pub size: u64,
    /// 512 or 4096.
    pub sector_size: u32,
    /// Non-zero for a read-only disk.
    pub readonly: c_int,
    /// Read into the `count` runs of `iov`, from device offset `off`: 0 or a
    /// negative errno.
    pub read: unsafe extern "sysv64" fn(handle: *mut c_void, iov: *const DiskIov, count: u32, off: u64) -> c_int,
    /// Write the `count` runs of `iov` at device offset `off`: 0 or a
    /// negative errno.
    pub write: unsafe extern "sysv64" fn(handle: *mut c_void, iov: *const DiskIov, count: u32, off: u64) -> c_int,
    /// Flush: 0 or a negative errno.
    pub flush: unsafe extern "sysv64" fn(handle: *mut c_void) -> c_int,
}

/// Port-private syscall numbers, above the Linux table.
pub mod port_nr {
    /// Panics the kernel (test hook).
    pub const TEST_PANIC: i64 = 1000;
    /// `(const struct lkl_disk *)`: adds a disk, returns its index (vda = 0).
    pub const DISK_ADD: i64 = 1001;
    /// `(index)`: removes a disk.
    pub const DISK_REMOVE: i64 = 1002;
    /// Prints blocked tasks and busy workqueues to the console (debugging
    /// hangs: call it from another thread while one is stuck).
    pub const DEBUG_DUMP: i64 = 1003;
}
