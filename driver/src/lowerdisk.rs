//! `BlockDevice` on NT, lower-disk form: the real mount path. Reads, writes
//! and flushes are IRPs built with IoBuildSynchronousFsdRequest and sent
//! with IoCallDriver to the disk device below; the size comes from
//! IOCTL_DISK_GET_LENGTH_INFO. The device is referenced for as long as the
//! mount lasts. The device is the one a mount request names (the top of
//! the disk's stack); the test build's own disks (`ramdisk.rs`) are also
//! claimed, so they cannot be deleted under the mount.
//!
//! Runs on host threads at PASSIVE_LEVEL (the opening on the mount
//! request's thread, also PASSIVE_LEVEL).

use core::ffi::c_void;
use core::ptr;

use lkl_abi::{BlockDevice, Errno};
use lkl_ntk_host::sync::Event;
use nt::{DEVICE_OBJECT, IO_STATUS_BLOCK, IRP, NTSTATUS};

use crate::disk::{self, Claim};

/// Bytes per IRP: a size every request the port sends (up to 4 MiB) divides
/// into, and small enough for any disk's maximum transfer after splitting
/// by the port below us.
const CHUNK: usize = 1 << 20;
const SECTOR: u64 = 512;

/// A referenced lower disk device.
pub struct LowerDisk {
    /// `*mut DEVICE_OBJECT`, as an address so the struct is Send + Sync.
    device: usize,
    size: u64,
    /// Bytes per sector, from IOCTL_DISK_GET_DRIVE_GEOMETRY.
    sector: u32,
    read_only: bool,
    /// Held for a RAM disk of ours; released after the references above.
    _claim: Option<Claim>,
}

impl LowerDisk {
    /// References `device`, the target of a mount request (the top of the
    /// disk's stack), and reads its size. PASSIVE_LEVEL.
    ///
    /// # Safety
    /// `device` is a live device object (the I/O manager's mount request
    /// keeps it alive while the call runs).
    pub unsafe fn from_device(device: *mut DEVICE_OBJECT, read_only: bool) -> Result<LowerDisk, NTSTATUS> {
        let claim = disk::claim_device(device);
        // SAFETY: live (caller's contract); released in Drop.
        unsafe { nt::ObfReferenceObject(device.cast()) };
        let mut disk = LowerDisk { device: device as usize, size: 0, sector: SECTOR as u32, read_only, _claim: claim };
        disk.sector = disk.query_sector_size();
        disk.size = disk.query_length()? & !(u64::from(disk.sector) - 1);
        disk.read_only = read_only || !disk.is_writable();
        Ok(disk)
    }

    fn device(&self) -> *mut DEVICE_OBJECT {
        self.device as *mut DEVICE_OBJECT
    }

    /// Sends `irp` (built with `event` and `iosb`) and waits for it; the
    /// bytes transferred. `iosb` stays a raw pointer: the completing driver
    /// writes through the copy the IRP holds.
    fn call(&self, irp: *mut IRP, event: &Event, iosb: *const IO_STATUS_BLOCK) -> Result<usize, NTSTATUS> {
        if irp.is_null() {
            return Err(nt::STATUS_INSUFFICIENT_RESOURCES);
        }
        // SAFETY: a referenced device and an IRP built for it; the I/O
        // manager frees the IRP when it completes.
        let mut status = unsafe { nt::IofCallDriver(self.device(), irp) };
        if status == nt::STATUS_PENDING {
            // Only a pending IRP is waited for: completion sets the event
            // and fills `iosb` later. (A wait on every call would also cost
            // a host handle per IRP under Wine, which backs waited-on
            // dispatcher objects with one.)
            event.wait();
            // SAFETY: the caller's live status block, written by the
            // completion before the event was set.
            status = unsafe { ptr::read_volatile(ptr::addr_of!((*iosb).Status)) };
        }
        if !nt::nt_success(status) {
            return Err(status);
        }
        // SAFETY: the caller's live status block, filled by a synchronous
        // completion before IoCallDriver returned (or by the completion
        // before the event was set).
        Ok(unsafe { ptr::read_volatile(ptr::addr_of!((*iosb).Information)) })
    }

    /// IOCTL_DISK_IS_WRITABLE: false only when the disk says it is write
    /// protected (a disk that does not answer is taken as writable; its
    /// writes will say otherwise).
    pub fn is_writable(&self) -> bool {
        let event = Event::new();
        // SAFETY: `event` lives on this frame until the IRP completed.
        unsafe { event.init(true, false) };
        let mut iosb = IO_STATUS_BLOCK { Status: 0, Information: 0 };
        let iosb: *mut IO_STATUS_BLOCK = &mut iosb;
        // SAFETY: no buffers; event and status block outlive the call.
        let irp = unsafe {
            nt::IoBuildDeviceIoControlRequest(
                nt::IOCTL_DISK_IS_WRITABLE,
                self.device(),
                ptr::null_mut(),
                0,
                ptr::null_mut(),
                0,
                0,
                event.as_object().cast(),
                iosb,
            )
        };
        !matches!(self.call(irp, &event, iosb), Err(nt::STATUS_MEDIA_WRITE_PROTECTED))
    }

    /// IOCTL_DISK_GET_DRIVE_GEOMETRY's BytesPerSector: 512 or 4096, the
    /// sizes Linux's block layer is given here; a disk that does not answer,
    /// or answers another size, is taken as 512 (its I/O will say otherwise).
    fn query_sector_size(&self) -> u32 {
        let mut geometry = [0u8; size_of::<nt::DISK_GEOMETRY>()];
        match self.buffered_ioctl(nt::IOCTL_DISK_GET_DRIVE_GEOMETRY, &mut geometry) {
            Ok(n) if n == geometry.len() => {
                let at = core::mem::offset_of!(nt::DISK_GEOMETRY, BytesPerSector);
                let b = geometry.get(at..at + 4).and_then(|b| b.try_into().ok());
                match b.map(u32::from_le_bytes) {
                    Some(4096) => 4096,
                    _ => SECTOR as u32,
                }
            }
            _ => SECTOR as u32,
        }
    }

    /// A METHOD_BUFFERED disk IOCTL with no input and `out` as its output;
    /// the bytes returned.
    fn buffered_ioctl(&self, code: u32, out: &mut [u8]) -> Result<usize, NTSTATUS> {
        let event = Event::new();
        // SAFETY: `event` lives on this frame until the IRP completed.
        unsafe { event.init(true, false) };
        let mut iosb = IO_STATUS_BLOCK { Status: 0, Information: 0 };
        let iosb: *mut IO_STATUS_BLOCK = &mut iosb;
        let (p, len) = (out.as_mut_ptr().cast::<c_void>(), out.len() as u32);
        // The output buffer is passed as a zero-length input too: Windows
        // copies a METHOD_BUFFERED reply from its own system buffer into the
        // output buffer, but Wine hands the driver the input pointer as the
        // system buffer; this way both land in `out`.
        // SAFETY: buffers, event and status block outlive the call below.
        let irp = unsafe {
            nt::IoBuildDeviceIoControlRequest(code, self.device(), p, 0, p, len, 0, event.as_object().cast(), iosb)
        };
        self.call(irp, &event, iosb)
    }

    /// IOCTL_DISK_GET_LENGTH_INFO.
    fn query_length(&self) -> Result<u64, NTSTATUS> {
        let mut length = [0u8; 8];
        if self.buffered_ioctl(nt::IOCTL_DISK_GET_LENGTH_INFO, &mut length)? != 8 {
            return Err(nt::STATUS_INVALID_DEVICE_REQUEST);
        }
        u64::try_from(i64::from_le_bytes(length)).map_err(|_| nt::STATUS_INVALID_DEVICE_REQUEST)
    }

    /// One read, write or flush IRP of `len` bytes at `offset`.
    fn transfer(&self, major: u8, buf: *mut u8, len: usize, offset: u64) -> Result<(), Errno> {
        let event = Event::new();
        // SAFETY: `event` lives on this frame until the IRP completed.
        unsafe { event.init(true, false) };
        let mut iosb = IO_STATUS_BLOCK { Status: 0, Information: 0 };
        let iosb: *mut IO_STATUS_BLOCK = &mut iosb;
        let mut at = offset as i64;
        let at_ptr = if major == nt::IRP_MJ_FLUSH_BUFFERS { ptr::null_mut() } else { &mut at as *mut i64 };
        // SAFETY: `buf` is valid for `len` bytes (the caller's slice) and,
        // like the offset, event and status block, outlives the call below.
        let irp = unsafe {
            nt::IoBuildSynchronousFsdRequest(
                u32::from(major),
                self.device(),
                buf.cast(),
                len as u32,
                at_ptr,
                event.as_object().cast(),
                iosb,
            )
        };
        match self.call(irp, &event, iosb) {
            Ok(n) if n == len => Ok(()),
            Ok(_) => Err(Errno::EIO),
            Err(s) => Err(io_errno(s)),
        }
    }
}

/// The errno Linux gets for a failed host I/O (also the image file's).
pub(crate) fn io_errno(status: NTSTATUS) -> Errno {
    // Linux only distinguishes "try later" from "failed"; both are final here.
    if status == nt::STATUS_INSUFFICIENT_RESOURCES { Errno::ENOMEM } else { Errno::EIO }
}

impl Drop for LowerDisk {
    fn drop(&mut self) {
        let object = self.device;
        // SAFETY: the one reference `open` took; PASSIVE_LEVEL (dropped by
        // remove_disk on a worker or by a failed mount).
        unsafe { nt::ObfDereferenceObject(object as *mut c_void) };
    }
}

impl BlockDevice for LowerDisk {
    fn size(&self) -> u64 {
        self.size
    }

    fn sector_size(&self) -> u32 {
        self.sector
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
        for (i, chunk) in buf.chunks_mut(CHUNK).enumerate() {
            self.transfer(nt::IRP_MJ_READ, chunk.as_mut_ptr(), chunk.len(), offset + (i * CHUNK) as u64)?;
        }
        Ok(())
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno> {
        if self.read_only {
            return Err(Errno::EROFS);
        }
        for (i, chunk) in buf.chunks(CHUNK).enumerate() {
            // The driver below only reads a write's buffer.
            self.transfer(nt::IRP_MJ_WRITE, chunk.as_ptr() as *mut u8, chunk.len(), offset + (i * CHUNK) as u64)?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), Errno> {
        if self.read_only {
            return Ok(());
        }
        self.transfer(nt::IRP_MJ_FLUSH_BUFFERS, ptr::null_mut(), 0, 0)
    }
}
