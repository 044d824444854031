//! Test-only RAM disks: disks of the driver's own (`disk.rs`) whose
//! sectors are memory, so that the lower-device mount path
//! (`lowerdisk.rs`: IRPs built by the I/O manager and sent with
//! IoCallDriver) runs under Wine, which has no disk stack a driver could sit
//! on.
//!
//! A RAM disk is filled from an image file and can be written back to one,
//! both through `ntdisk::ImageFile` (ZwCreateFile in the requesting caller's
//! context), so Linux-side checkers can judge what the driver wrote. Its
//! memory is Rust heap, i.e. counted pool, so unload proves it was freed.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use driver_ioctl::fsops::RAMDISK_BYTES_MAX;
use lkl_abi::BlockDevice;

use crate::disk::{DISKS, Disk, create_device};
use crate::ntdisk::ImageFile;

/// Creates RAM disk `index` from the image file `path` (NT path, UTF-16),
/// read in the caller's context. The reply's (status, size).
pub fn create(index: u32, path: &[u16]) -> (u32, u64) {
    let mut disks = DISKS.lock();
    let Some(slot) = disks.0.get_mut(index as usize) else { return (nt::STATUS_INVALID_PARAMETER as u32, 0) };
    if !slot.is_null() {
        return (nt::STATUS_OBJECT_NAME_COLLISION as u32, 0);
    }
    let image = match ImageFile::open(path, true) {
        Ok(f) => f,
        Err(s) => return (s as u32, 0),
    };
    let size = image.size();
    if size == 0 || size > RAMDISK_BYTES_MAX {
        return (nt::STATUS_INVALID_PARAMETER as u32, 0);
    }
    let mut data = Vec::new();
    if data.try_reserve_exact(size as usize).is_err() {
        return (nt::STATUS_INSUFFICIENT_RESOURCES as u32, 0);
    }
    data.resize(size as usize, 0u8);
    if image.read_at(&mut data, 0).is_err() {
        return (nt::STATUS_IO_DEVICE_ERROR as u32, 0);
    }
    drop(image);
    let data = Box::into_raw(data.into_boxed_slice());
    let disk = Box::new(Disk {
        device: ptr::null_mut(),
        number: index,
        data: data.cast::<u8>(),
        len: size as usize,
        offset: 0,
        partition: 0,
        file: None,
        given_type: None,
        settings: None,
        users: AtomicUsize::new(0),
        read_only: AtomicBool::new(false),
        pulled: AtomicBool::new(false),
        ejected: AtomicBool::new(false),
        offered: AtomicBool::new(false),
        path: Vec::new(),
        letter: None,
        rw_irps: AtomicU32::new(0),
        flush_irps: AtomicU32::new(0),
    });
    let disk = Box::into_raw(disk);
    // SAFETY: `disk` is ours until published below.
    let status = unsafe { create_device(index, disk) };
    if !nt::nt_success(status) {
        // SAFETY: never published; frees the data too.
        drop(unsafe { Box::from_raw(disk) });
        return (status as u32, 0);
    }
    *slot = disk;
    (0, size)
}

/// Writes RAM disk `index` over the existing file `path` (caller's
/// context). Refused while a mount holds the disk. (status, bytes).
pub fn save(index: u32, path: &[u16]) -> (u32, u64) {
    let mut disks = DISKS.lock();
    let Some(slot) = disks.0.get_mut(index as usize) else { return (nt::STATUS_INVALID_PARAMETER as u32, 0) };
    // SAFETY: a published disk stays alive while the table is locked (see
    // `Slots`), and we hold it until `disk` is last used.
    let Some(disk) = (unsafe { slot.as_ref() }) else { return (nt::STATUS_NO_SUCH_DEVICE as u32, 0) };
    if disk.users.load(Ordering::SeqCst) != 0 {
        return (nt::STATUS_INVALID_DEVICE_STATE as u32, 0);
    }
    if disk.data.is_null() {
        return (nt::STATUS_INVALID_DEVICE_REQUEST as u32, 0);
    }
    let file = match ImageFile::open(path, false) {
        Ok(f) => f,
        Err(s) => return (s as u32, 0),
    };
    // SAFETY: nothing holds the disk (no mount, no IRP in flight) and a new
    // IRP waits for the table lock, which this holds, so nothing writes the
    // data now; `data`/`len` describe the disk's own block.
    let bytes = unsafe { core::slice::from_raw_parts(disk.data, disk.len) };
    match file.write_at(bytes, 0).and_then(|()| file.flush()) {
        Ok(()) => (0, disk.len as u64),
        Err(_) => (nt::STATUS_IO_DEVICE_ERROR as u32, 0),
    }
}

/// Deletes RAM disk `index` unless a mount holds it. (status, IRP counts:
/// reads+writes in the low 32 bits, flushes in the high 32).
pub fn delete(index: u32) -> (u32, u64) {
    crate::disk::delete(index)
}
