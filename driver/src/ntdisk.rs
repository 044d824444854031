//! `BlockDevice` on NT, image-file form: a kernel handle to a file opened
//! with ZwCreateFile in the requesting caller's context, with access checks
//! forced, read and written with ZwReadFile/ZwWriteFile at explicit offsets
//! and flushed with ZwFlushBuffersFile.
//!
//! The handle is opened on the dispatch thread (the caller's thread, so the
//! caller's token decides access) before the request goes to a worker; it is
//! a kernel handle (OBJ_KERNEL_HANDLE), so the kernel's I/O threads can use
//! it and no user process can close it under us.

use core::ffi::c_void;
use core::ptr;

use crate::lowerdisk::io_errno;
use lkl_abi::{BlockDevice, Errno};
use nt::{HANDLE, IO_STATUS_BLOCK, NTSTATUS, OBJECT_ATTRIBUTES, UNICODE_STRING};

/// Bytes per Zw call: well under u32::MAX, and a size every request the
/// port sends (up to 4 MiB) divides into evenly.
const CHUNK: usize = 1 << 20;

/// An image file opened for the kernel.
pub struct ImageFile {
    /// The kernel handle, as an address so the struct is Send + Sync.
    handle: usize,
    size: u64,
    read_only: bool,
}

fn zero_iosb() -> IO_STATUS_BLOCK {
    IO_STATUS_BLOCK { Status: 0, Information: 0 }
}

impl ImageFile {
    /// Opens `path` (an NT path such as `\??\C:\img.ext4`, UTF-16) for
    /// synchronous I/O. Call on the requesting caller's thread, at
    /// PASSIVE_LEVEL.
    pub fn open(path: &[u16], read_only: bool) -> Result<ImageFile, NTSTATUS> {
        // A raw disk (a Linux partition of a USB disk or a second disk)
        // is shared with Windows' own users of it, so it is opened sharing
        // reads and writes first; only a disk answers its length.
        let shared = nt::FILE_SHARE_READ | nt::FILE_SHARE_WRITE;
        let mut first = ImageFile { handle: create(path, read_only, shared)? as usize, size: 0, read_only };
        let mut len = [0u8; 8];
        if first.device_query(nt::IOCTL_DISK_GET_LENGTH_INFO, &mut len) {
            // The disk's transfers and partition tables count 512-byte
            // sectors: a 4Kn disk cannot serve them.
            let mut g = [0u8; 24];
            let bytes_per_sector = first
                .device_query(nt::IOCTL_DISK_GET_DRIVE_GEOMETRY, &mut g)
                .then(|| g.get(20..24).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes))
                .flatten();
            if bytes_per_sector.is_some_and(|s| s != 512) {
                return Err(nt::STATUS_NOT_SUPPORTED);
            }
            first.size = u64::from_le_bytes(len) & !511;
            return Ok(first);
        }
        drop(first);
        // An image file: others may read it while it is mounted, never
        // write it (an open for writing now fails with a sharing
        // violation).
        let mut file = ImageFile { handle: create(path, read_only, nt::FILE_SHARE_READ)? as usize, size: 0, read_only };
        let mut iosb = zero_iosb();
        let mut info = nt::FILE_STANDARD_INFORMATION {
            AllocationSize: 0,
            EndOfFile: 0,
            NumberOfLinks: 0,
            DeletePending: 0,
            Directory: 0,
        };
        // SAFETY: our open handle; `info` is a live local of the class's size.
        let status = unsafe {
            nt::ZwQueryInformationFile(
                file.raw(),
                &mut iosb,
                (&mut info as *mut nt::FILE_STANDARD_INFORMATION).cast::<c_void>(),
                core::mem::size_of::<nt::FILE_STANDARD_INFORMATION>() as u32,
                nt::FileStandardInformation,
            )
        };
        if !nt::nt_success(status) {
            return Err(status); // `file` closes the handle
        }
        // Whole sectors only: a partial last sector is not addressable.
        file.size = (info.EndOfFile.max(0) as u64) & !511;
        Ok(file)
    }

    /// A METHOD_BUFFERED disk query without input on the handle, filling
    /// all of `out`: false for a file (a file system refuses device
    /// requests on a file) or any other failure.
    fn device_query(&self, code: u32, out: &mut [u8]) -> bool {
        let mut iosb = zero_iosb();
        // SAFETY: our handle; `out` is live for its length; a synchronous
        // handle, so the call returns once answered.
        let status = unsafe {
            nt::ZwDeviceIoControlFile(
                self.raw(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                &mut iosb,
                code,
                ptr::null_mut(),
                0,
                out.as_mut_ptr().cast::<c_void>(),
                out.len() as u32,
            )
        };
        nt::nt_success(status) && iosb.Information == out.len()
    }

    fn raw(&self) -> HANDLE {
        self.handle as HANDLE
    }
}

/// ZwCreateFile of `path` for the image's transfers, with the caller's
/// rights checked (OBJ_FORCE_ACCESS_CHECK); its handle.
fn create(path: &[u16], read_only: bool, share: u32) -> Result<HANDLE, NTSTATUS> {
    let mut name = UNICODE_STRING::from_units(path).ok_or(nt::STATUS_INVALID_PARAMETER)?;
    let mut attrs = OBJECT_ATTRIBUTES::new(
        &mut name,
        nt::OBJ_KERNEL_HANDLE | nt::OBJ_FORCE_ACCESS_CHECK | nt::OBJ_CASE_INSENSITIVE,
        ptr::null_mut(),
    );
    let access = nt::FILE_READ_DATA
        | nt::FILE_READ_ATTRIBUTES
        | nt::SYNCHRONIZE
        | if read_only { 0 } else { nt::FILE_WRITE_DATA };
    let mut handle: HANDLE = ptr::null_mut();
    let mut iosb = zero_iosb();
    // SAFETY: every pointer is to a live local (the name borrows `path`,
    // which outlives the call); PASSIVE_LEVEL per the contract.
    let status = unsafe {
        nt::ZwCreateFile(
            &mut handle,
            access,
            &mut attrs,
            &mut iosb,
            ptr::null_mut(),
            nt::FILE_ATTRIBUTE_NORMAL,
            share,
            nt::FILE_OPEN,
            nt::FILE_NON_DIRECTORY_FILE | nt::FILE_SYNCHRONOUS_IO_NONALERT,
            ptr::null_mut(),
            0,
        )
    };
    if nt::nt_success(status) { Ok(handle) } else { Err(status) }
}

impl Drop for ImageFile {
    fn drop(&mut self) {
        // SAFETY: our kernel handle, closed once; PASSIVE_LEVEL (dropped by
        // remove_disk on a worker or by a failed mount).
        unsafe { nt::ZwClose(self.raw()) };
    }
}

impl BlockDevice for ImageFile {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
        for (i, chunk) in buf.chunks_mut(CHUNK).enumerate() {
            let mut at = (offset + (i * CHUNK) as u64) as i64;
            let mut iosb = zero_iosb();
            // SAFETY: our handle; `chunk` is writable for its length and
            // outlives the synchronous call; PASSIVE_LEVEL (kernel I/O
            // threads are host threads).
            let status = unsafe {
                nt::ZwReadFile(
                    self.raw(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    &mut iosb,
                    chunk.as_mut_ptr().cast(),
                    chunk.len() as u32,
                    &mut at,
                    ptr::null_mut(),
                )
            };
            if !nt::nt_success(status) {
                return Err(io_errno(status));
            }
            if iosb.Information != chunk.len() {
                return Err(Errno::EIO);
            }
        }
        Ok(())
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno> {
        if self.read_only {
            return Err(Errno::EROFS);
        }
        for (i, chunk) in buf.chunks(CHUNK).enumerate() {
            let mut at = (offset + (i * CHUNK) as u64) as i64;
            let mut iosb = zero_iosb();
            // SAFETY: our handle; `chunk` is readable for its length (ZwWriteFile
            // only reads it) and outlives the synchronous call; PASSIVE_LEVEL
            // (kernel I/O threads are host threads).
            let status = unsafe {
                nt::ZwWriteFile(
                    self.raw(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    &mut iosb,
                    chunk.as_ptr() as *mut c_void,
                    chunk.len() as u32,
                    &mut at,
                    ptr::null_mut(),
                )
            };
            if !nt::nt_success(status) {
                return Err(io_errno(status));
            }
            if iosb.Information != chunk.len() {
                return Err(Errno::EIO);
            }
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), Errno> {
        if self.read_only {
            return Ok(());
        }
        let mut iosb = zero_iosb();
        // SAFETY: our handle and a live IO_STATUS_BLOCK; PASSIVE_LEVEL.
        let status = unsafe { nt::ZwFlushBuffersFile(self.raw(), &mut iosb) };
        if nt::nt_success(status) { Ok(()) } else { Err(io_errno(status)) }
    }
}
