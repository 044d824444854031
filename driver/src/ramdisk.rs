//! Test-only RAM disks: disk device objects this driver creates and serves
//! itself, so that the lower-device mount path (`lowerdisk.rs`: IRPs built
//! by the I/O manager and sent with IoCallDriver) runs under Wine, which has
//! no disk stack a driver could sit on.
//!
//! The same devices also come file-backed: the harness's image disk
//! (`create_image_disk`), whose sectors are the image file's, read and
//! written with ZwReadFile/ZwWriteFile, so that a mount of an image file
//! goes through the file system's IRPs like any disk's (issue 15 makes
//! such disks a product device).
//!
//! A RAM disk is filled from an image file and can be written back to one,
//! both through `ntdisk::ImageFile` (ZwCreateFile in the requesting caller's
//! context), so Linux-side checkers can judge what the driver wrote. Its
//! memory is Rust heap, i.e. counted pool, so unload proves it was freed.
//!
//! The device does direct I/O, like a real disk: read and write buffers
//! arrive as an MDL. It answers IOCTL_DISK_GET_LENGTH_INFO so the lower-disk
//! code can size any disk the same way. A disk held by a mount or by an IRP
//! in flight cannot be saved or deleted until it is let go.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use driver_ioctl::diskctl::{self, Answer, DiskFacts};
use driver_ioctl::fsops::{RAMDISK_BYTES_MAX, RAMDISK_MAX, ramdisk_name};
use driver_ioctl::mountopts::MountSettings;
use lkl_abi::BlockDevice;
use lkl_ntk_host::sync::Mutex;
use nt::{DEVICE_OBJECT, IRP, MDL, NTSTATUS, UNICODE_STRING};
use widestring::U16String;

use crate::dispatch::complete;
use crate::fsd::irp::system_address;
use crate::ntdisk::ImageFile;

const SECTOR: u64 = 512;

/// One RAM disk. Lives in a Box whose address is published in `DISKS`.
pub struct RamDisk {
    device: *mut DEVICE_OBJECT,
    /// Its slot, which names its device (`ramdisk_name`).
    number: u32,
    /// `len` bytes from a leaked `Box<[u8]>`; IRPs copy in and out of it
    /// through raw pointers, as a DMA engine would: overlapping requests in
    /// flight at once are the file system's business, as on a real disk.
    /// Null for a file-backed disk.
    data: *mut u8,
    len: usize,
    /// The image file behind a file-backed disk.
    file: Option<ImageFile>,
    /// The file-system type the user named for the image (`--type`): a FAT
    /// volume is mounted only on a disk given as vfat (Windows mounts FAT
    /// itself).
    given_type: Option<&'static str>,
    /// The mount options the user gave for the image.
    settings: Option<MountSettings>,
    /// Mounts and in-flight IRPs holding the disk (see [`Claim`]).
    users: AtomicUsize,
    /// Write-protected, as a disk with its switch set: IOCTL_DISK_IS_WRITABLE
    /// says so and writes fail (the harness sets it for a read-only mount).
    read_only: AtomicBool,
    /// Pulled out (a surprise removal): every transfer fails as a disk
    /// that is gone fails it.
    pulled: AtomicBool,
    /// Its medium was ejected (IOCTL_STORAGE_EJECT_MEDIA): nothing held it,
    /// and transfers find no medium from then on.
    ejected: AtomicBool,
    /// The Mount Manager's unique ID of its volume: the image file's path
    /// (so the same image is the same volume), or the RAM disk's name.
    unique_id: Vec<u8>,
    rw_irps: AtomicU32,
    flush_irps: AtomicU32,
}

impl Drop for RamDisk {
    fn drop(&mut self) {
        if self.data.is_null() {
            return;
        }
        // SAFETY: `data`/`len` came from Box::<[u8]>::into_raw in `create`
        // and no IRP can reach the disk any more (unpublished and unheld).
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(self.data, self.len)) });
    }
}

/// The published disks by number: each a leaked `Box<RamDisk>`, or null.
/// A disk is freed only with the table locked and no claim on it, so a
/// pointer read from the locked table is alive while the lock is held.
/// The slots past the client's numbers hold the harness's image disks.
struct Slots([*mut RamDisk; (RAMDISK_MAX + IMAGE_DISKS) as usize]);

/// Image disks the harness can hold at once (one per volume it mounts).
pub const IMAGE_DISKS: u32 = 4;

// SAFETY: a RamDisk is built to be used from any thread (atomic counters, a
// device object, a data block that IRPs copy in and out of); the table owns
// the boxes and is only reached through the Mutex.
unsafe impl Send for Slots {}

/// Serialises create, save, delete and claims.
static DISKS: Mutex<Slots> = Mutex::new(Slots([ptr::null_mut(); (RAMDISK_MAX + IMAGE_DISKS) as usize]));

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
    let disk = Box::new(RamDisk {
        device: ptr::null_mut(),
        number: index,
        data: data.cast::<u8>(),
        len: size as usize,
        file: None,
        given_type: None,
        settings: None,
        users: AtomicUsize::new(0),
        read_only: AtomicBool::new(false),
        pulled: AtomicBool::new(false),
        ejected: AtomicBool::new(false),
        unique_id: ramdisk_name(index).into_bytes(),
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

/// Creates an image disk of the harness over the image file `path` (NT
/// path, UTF-16), opened in the caller's context (call on the requesting
/// thread), write-protected when `read_only`, in the first free image slot;
/// the slot's number and the disk, claimed.
pub fn create_image_disk(
    path: &[u16],
    read_only: bool,
    given_type: Option<&'static str>,
    settings: Option<MountSettings>,
) -> Result<(u32, Claim), NTSTATUS> {
    let mut disks = DISKS.lock();
    let free = (RAMDISK_MAX..RAMDISK_MAX + IMAGE_DISKS).find(|&i| disks.0.get(i as usize).is_some_and(|d| d.is_null()));
    let Some(index) = free else { return Err(nt::STATUS_TOO_MANY_OPENED_FILES) };
    let Some(slot) = disks.0.get_mut(index as usize) else { return Err(nt::STATUS_INVALID_PARAMETER) };
    let image = ImageFile::open(path, read_only)?;
    let size = image.size();
    if size == 0 {
        return Err(nt::STATUS_UNRECOGNIZED_VOLUME);
    }
    let disk = Box::into_raw(Box::new(RamDisk {
        device: ptr::null_mut(),
        number: index,
        data: ptr::null_mut(),
        len: size as usize,
        file: Some(image),
        given_type,
        settings,
        users: AtomicUsize::new(1),
        read_only: AtomicBool::new(read_only),
        pulled: AtomicBool::new(false),
        ejected: AtomicBool::new(false),
        unique_id: image_unique_id(path),
        rw_irps: AtomicU32::new(0),
        flush_irps: AtomicU32::new(0),
    }));
    // SAFETY: `disk` is ours until published below.
    let status = unsafe { create_device(index, disk) };
    if !nt::nt_success(status) {
        // SAFETY: never published; closes the image too.
        drop(unsafe { Box::from_raw(disk) });
        return Err(status);
    }
    *slot = disk;
    Ok((index, Claim { disk }))
}

/// The unique ID of an image's volume: a tag, then the image's NT path
/// (UTF-16LE), so the Mount Manager gives the same image the letter it had.
fn image_unique_id(path: &[u16]) -> Vec<u8> {
    b"lklfs-image:".iter().copied().chain(path.iter().flat_map(|u| u.to_le_bytes())).collect()
}

/// Deletes the harness's image disk `index` once nothing holds it (after
/// its volume is unmounted and the harness dropped its claim).
pub fn delete_image_disk(index: u32) -> NTSTATUS {
    delete(index).0 as NTSTATUS
}

/// What the user gave for the disk behind `device`, if it is one of ours:
/// its file-system type and its mount options, each if given.
pub fn given(device: *mut DEVICE_OBJECT) -> (Option<&'static str>, Option<MountSettings>) {
    hold(device).map_or((None, None), |d| (d.given_type, d.settings.clone()))
}

/// The disk device, secured like the control device. IRPs find their disk
/// through the published slots (see `hold`), not through the device.
unsafe fn create_device(index: u32, disk: *mut RamDisk) -> NTSTATUS {
    let Some(driver) = crate::entry::driver() else { return nt::STATUS_DEVICE_NOT_READY };
    let name16 = U16String::from_str(&ramdisk_name(index));
    let Some(mut name) = UNICODE_STRING::from_units(name16.as_slice()) else { return nt::STATUS_INVALID_PARAMETER };
    let mut device: *mut DEVICE_OBJECT = ptr::null_mut();
    // An image disk's medium can be ejected (Explorer offers Eject).
    // SAFETY: `disk` is ours (the caller's contract).
    let removable = if unsafe { (*disk).file.is_some() } { nt::FILE_REMOVABLE_MEDIA } else { 0 };
    // SAFETY: the driver object outlives its devices; `name` borrows
    // `name16`, alive across the call (the I/O manager copies the name).
    let status = unsafe {
        nt::IoCreateDevice(
            driver,
            0,
            &mut name,
            nt::FILE_DEVICE_DISK,
            nt::FILE_DEVICE_SECURE_OPEN | removable,
            0,
            &mut device,
        )
    };
    if !nt::nt_success(status) {
        return status;
    }
    // SAFETY: `device` was just created by us.
    let status = unsafe { crate::security::restrict_to_admins(device) };
    if !nt::nt_success(status) {
        // SAFETY: ours, never exposed.
        unsafe { nt::IoDeleteDevice(device) };
        return status;
    }
    // SAFETY: no IRP arrives before DO_DEVICE_INITIALIZING is cleared, and
    // `disk` is ours until it is published.
    unsafe {
        (*disk).device = device;
        (*device).SectorSize = SECTOR as u16;
        (*device).Flags |= nt::DO_DIRECT_IO;
        (*device).Flags &= !nt::DO_DEVICE_INITIALIZING;
    }
    nt::STATUS_SUCCESS
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
    let mut disks = DISKS.lock();
    let Some(slot) = disks.0.get_mut(index as usize) else { return (nt::STATUS_INVALID_PARAMETER as u32, 0) };
    let disk = *slot;
    if disk.is_null() {
        return (nt::STATUS_NO_SUCH_DEVICE as u32, 0);
    }
    // SAFETY: a published disk is freed only by `destroy`, which runs with
    // the table locked (as it is here), so `disk` points to a live RamDisk.
    if unsafe { (*disk).users.load(Ordering::SeqCst) } != 0 {
        return (nt::STATUS_INVALID_DEVICE_STATE as u32, 0);
    }
    *slot = ptr::null_mut();
    // SAFETY: unpublished with the table locked and unclaimed, so no IRP or
    // mount can reach it any more: this is the last use.
    let counts = unsafe { destroy(disk) };
    (0, counts)
}

/// Deletes the device and frees the disk; its IRP counts.
unsafe fn destroy(disk: *mut RamDisk) -> u64 {
    // SAFETY: the caller owns `disk`; the device is ours and is deleted
    // once, before the memory its extension points to is freed.
    unsafe {
        let d = Box::from_raw(disk);
        nt::IoDeleteDevice(d.device);
        u64::from(d.rw_irps.load(Ordering::SeqCst)) | (u64::from(d.flush_irps.load(Ordering::SeqCst)) << 32)
    }
}

/// From DriverUnload, after Linux halted (so no mount holds a disk): frees
/// every RAM disk left.
pub fn delete_all() {
    let mut disks = DISKS.lock();
    for slot in disks.0.iter_mut() {
        let disk = core::mem::replace(slot, ptr::null_mut());
        if disk.is_null() {
            continue;
        }
        // SAFETY: it was published, and the table is still locked.
        if unsafe { (*disk).users.load(Ordering::SeqCst) } != 0 {
            // A mount that outlived Linux would be a bug elsewhere: keep the
            // memory (unload then reports the leak) rather than free it
            // under a user.
            lkl_ntk_host::print::print(b"lklfs: a RAM disk is still claimed at unload; not freed\n");
            continue;
        }
        // SAFETY: unpublished with the table locked and unclaimed: the last
        // use.
        unsafe { destroy(disk) };
    }
}

/// A mount's hold on a RAM disk: save and delete are refused until it is
/// dropped. A counted reference (like an `Arc`), not a lock: the disk is
/// shared while held, so the table's Mutex cannot stand in for it.
pub struct Claim {
    disk: *const RamDisk,
}

// SAFETY: the claim keeps the disk alive (delete refuses while `users` is
// non-zero), and a RamDisk may be used from any thread: its counters are
// atomics and its device object and data block are reached by IRPs on
// whatever thread they arrive.
unsafe impl Send for Claim {}
// SAFETY: `&Claim` only reads the disk's fields and atomics, which any number
// of threads may do at once while the claim keeps the disk alive.
unsafe impl Sync for Claim {}

impl Claim {
    /// Sets or clears the disk's write protection.
    pub fn set_read_only(&self, read_only: bool) {
        // SAFETY: alive while claimed.
        unsafe { (*self.disk).read_only.store(read_only, Ordering::SeqCst) };
    }

    /// Pulls the disk out: from now on every transfer fails with
    /// STATUS_NO_SUCH_DEVICE.
    pub fn pull(&self) {
        // SAFETY: alive while claimed.
        unsafe { (*self.disk).pulled.store(true, Ordering::SeqCst) };
    }

    /// The RAM disk's device object.
    pub fn device(&self) -> *mut DEVICE_OBJECT {
        // SAFETY: alive while claimed.
        unsafe { (*self.disk).device }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // SAFETY: alive while claimed; this releases the claim.
        unsafe { (*self.disk).users.fetch_sub(1, Ordering::SeqCst) };
    }
}

/// The RAM disk whose NT device name is `name` (case-insensitive), claimed.
pub fn claim(name: &[u16]) -> Option<Claim> {
    let lower = |c: u16| if (b'A' as u16..=b'Z' as u16).contains(&c) { c + 32 } else { c };
    let disks = DISKS.lock();
    for (i, &disk) in disks.0.iter().enumerate() {
        let own = U16String::from_str(&ramdisk_name(i as u32));
        if disk.is_null()
            || own.len() != name.len()
            || !own.as_slice().iter().zip(name).all(|(a, b)| lower(*a) == lower(*b))
        {
            continue;
        }
        // SAFETY: published, and the table is locked (see `Slots`).
        unsafe { (*disk).users.fetch_add(1, Ordering::SeqCst) };
        return Some(Claim { disk });
    }
    None
}

/// The RAM disk whose device is `device`, claimed for a mount; `None` for
/// any other device.
pub fn claim_device(device: *mut DEVICE_OBJECT) -> Option<Claim> {
    hold(device)
}

/// The RAM disk behind one of our disk devices, held for one IRP: delete
/// and save refuse while the IRP runs, so a user-mode handle's I/O racing a
/// delete never touches freed memory. None once the disk was deleted (its
/// device object lives on while handles to it remain).
fn hold(device: *mut DEVICE_OBJECT) -> Option<Claim> {
    let disks = DISKS.lock();
    for &disk in disks.0.iter() {
        // SAFETY: a published disk is alive while the table is locked (see
        // `Slots`).
        if !disk.is_null() && unsafe { (*disk).device } == device {
            // SAFETY: published, and the table is still locked.
            unsafe { (*disk).users.fetch_add(1, Ordering::SeqCst) };
            return Some(Claim { disk });
        }
    }
    None
}

impl core::ops::Deref for Claim {
    type Target = RamDisk;

    fn deref(&self) -> &RamDisk {
        // SAFETY: alive while claimed.
        unsafe { &*self.disk }
    }
}

/// IRP_MJ_READ and IRP_MJ_WRITE: whole sectors inside the disk, the buffer
/// from the IRP's MDL. Any thread, PASSIVE_LEVEL (the lower-disk code
/// calls from host threads).
///
/// # Safety
/// A dispatch routine's arguments, `device` being a RAM disk device.
pub unsafe fn read_write(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    let Some(disk) = hold(device) else { return complete(irp, nt::STATUS_NO_SUCH_DEVICE, 0) };
    if disk.pulled.load(Ordering::SeqCst) {
        return complete(irp, nt::STATUS_NO_SUCH_DEVICE, 0);
    }
    if disk.ejected.load(Ordering::SeqCst) {
        return complete(irp, nt::STATUS_NO_MEDIA_IN_DEVICE, 0);
    }
    // SAFETY: a dispatch routine's IRP has a current stack location; Read
    // and Write parameters share one layout.
    let (major, length, offset, mdl) = unsafe {
        let sp = &*(*irp).CurrentStackLocation;
        let p = sp.Parameters.Read;
        (sp.MajorFunction, p.Length as u64, p.ByteOffset, (*irp).MdlAddress.cast::<MDL>())
    };
    let Ok(offset) = u64::try_from(offset) else { return complete(irp, nt::STATUS_INVALID_PARAMETER, 0) };
    if offset % SECTOR != 0 || length % SECTOR != 0 {
        return complete(irp, nt::STATUS_INVALID_PARAMETER, 0);
    }
    match offset.checked_add(length) {
        Some(end) if end <= disk.len as u64 => {}
        _ => return complete(irp, nt::STATUS_INVALID_PARAMETER, 0),
    }
    if major == nt::IRP_MJ_WRITE && disk.read_only.load(Ordering::SeqCst) {
        return complete(irp, nt::STATUS_MEDIA_WRITE_PROTECTED, 0);
    }
    if length == 0 {
        return complete(irp, nt::STATUS_SUCCESS, 0);
    }
    // SAFETY: the MDL, if any, describes the IRP's buffer until completion.
    if mdl.is_null() || u64::from(unsafe { (*mdl).ByteCount }) < length {
        return complete(irp, nt::STATUS_INVALID_PARAMETER, 0);
    }
    // SAFETY: `mdl` is non-null (checked above) and describes the IRP's
    // buffer, which the I/O manager keeps locked until we complete the IRP.
    let buf = unsafe { system_address(mdl) };
    if buf.is_null() {
        return complete(irp, nt::STATUS_INSUFFICIENT_RESOURCES, 0);
    }
    if let Some(file) = &disk.file {
        // SAFETY: `buf` maps at least `length` bytes (ByteCount checked),
        // locked until we complete the IRP.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf, length as usize) };
        let r = if major == nt::IRP_MJ_READ { file.read_at(buf, offset) } else { file.write_at(buf, offset) };
        disk.rw_irps.fetch_add(1, Ordering::Relaxed);
        return match r {
            Ok(()) => complete(irp, nt::STATUS_SUCCESS, length as usize),
            Err(_) => complete(irp, nt::STATUS_IO_DEVICE_ERROR, 0),
        };
    }
    // SAFETY: `buf` maps at least `length` bytes (ByteCount checked); the
    // disk range was bounds-checked; the two never overlap (pool vs the
    // requester's buffer).
    unsafe {
        let at = disk.data.add(offset as usize);
        if major == nt::IRP_MJ_READ {
            ptr::copy_nonoverlapping(at, buf, length as usize);
        } else {
            ptr::copy_nonoverlapping(buf, at, length as usize);
        }
    }
    disk.rw_irps.fetch_add(1, Ordering::Relaxed);
    complete(irp, nt::STATUS_SUCCESS, length as usize)
}

/// IRP_MJ_FLUSH_BUFFERS: memory is always "on the medium"; counted so the
/// test can see that Linux's flushes reached the device.
///
/// # Safety
/// As [`read_write`].
pub unsafe fn flush(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    match hold(device) {
        Some(disk) if disk.pulled.load(Ordering::SeqCst) => complete(irp, nt::STATUS_NO_SUCH_DEVICE, 0),
        Some(disk) => {
            disk.flush_irps.fetch_add(1, Ordering::Relaxed);
            match disk.file.as_ref().map_or(Ok(()), |f| f.flush()) {
                Ok(()) => complete(irp, nt::STATUS_SUCCESS, 0),
                Err(_) => complete(irp, nt::STATUS_IO_DEVICE_ERROR, 0),
            }
        }
        None => complete(irp, nt::STATUS_NO_SUCH_DEVICE, 0),
    }
}

/// IRP_MJ_PNP on a test disk: the removal requests succeed (nothing of a
/// test disk holds it back); other minor functions are not supported, and
/// keep the status they came with, as PnP drivers leave them.
///
/// # Safety
/// As [`read_write`].
pub unsafe fn pnp(_device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    // SAFETY: a dispatch routine's IRP.
    let (minor, status) = unsafe { ((*(*irp).CurrentStackLocation).MinorFunction, (*irp).IoStatus.Status) };
    match minor {
        nt::IRP_MN_QUERY_REMOVE_DEVICE
        | nt::IRP_MN_REMOVE_DEVICE
        | nt::IRP_MN_CANCEL_REMOVE_DEVICE
        | nt::IRP_MN_SURPRISE_REMOVAL => complete(irp, nt::STATUS_SUCCESS, 0),
        _ => complete(irp, status, 0),
    }
}

/// IRP_MJ_DEVICE_CONTROL on one of our disks: the IOCTL set of
/// `driver_ioctl::diskctl` (what a removable disk holding one volume
/// answers, and the Mount Manager's queries), every other code refused.
/// An eject takes the medium out only while nothing but this request holds
/// the disk (no mount, no other transfer): STATUS_DEVICE_BUSY otherwise.
///
/// # Safety
/// As [`read_write`].
pub unsafe fn device_control(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    let Some(disk) = hold(device) else { return complete(irp, nt::STATUS_NO_SUCH_DEVICE, 0) };
    // SAFETY: current stack location of a dispatch routine's IRP; every
    // code of the set is METHOD_BUFFERED, so the system buffer holds
    // max(InputBufferLength, OutputBufferLength) bytes (or is null when
    // both are 0), and the slices stay within those lengths.
    let (code, input, out) = unsafe {
        let p = (*(*irp).CurrentStackLocation).Parameters.DeviceIoControl;
        let buf = (*irp).SystemBuffer.cast::<u8>();
        let (in_len, out_len) = (p.InputBufferLength as usize, p.OutputBufferLength as usize);
        if p.IoControlCode & 3 != nt::METHOD_BUFFERED || (buf.is_null() && in_len.max(out_len) != 0) {
            return complete(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0);
        }
        if buf.is_null() {
            (p.IoControlCode, Vec::new(), &mut [][..])
        } else {
            // The input is copied out first: the answer overwrites the
            // same buffer.
            let input = core::slice::from_raw_parts(buf, in_len).to_vec();
            (p.IoControlCode, input, core::slice::from_raw_parts_mut(buf, out_len))
        }
    };
    let facts = DiskFacts {
        length: disk.len as u64,
        removable: disk.file.is_some(),
        read_only: disk.read_only.load(Ordering::SeqCst),
        no_media: disk.pulled.load(Ordering::SeqCst) || disk.ejected.load(Ordering::SeqCst),
        device_name: U16String::from_str(&ramdisk_name(disk.number)).into_vec(),
        unique_id: disk.unique_id.clone(),
        letter: None,
    };
    match diskctl::answer(code, &facts, &input, out) {
        Answer::Done(status, n) => complete(irp, status, n),
        // This request's own hold is the one user left.
        Answer::Eject if disk.users.load(Ordering::SeqCst) > 1 => complete(irp, nt::STATUS_DEVICE_BUSY, 0),
        Answer::Eject => {
            disk.ejected.store(true, Ordering::SeqCst);
            complete(irp, nt::STATUS_SUCCESS, 0)
        }
    }
}
