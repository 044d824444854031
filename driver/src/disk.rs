//! The driver's own disk devices, served by the driver itself: image
//! files as disks (`\Device\LklfsImageN`, removable media whose sectors
//! are the image file's, read and written with ZwReadFile/ZwWriteFile on a
//! handle opened in the requesting caller's context, `ntdisk::ImageFile`),
//! and in the test build the RAM disks of `ramdisk.rs`. A mount of an image
//! goes through the file system's IRPs like any disk's: the I/O manager
//! (or the test harness) sends the mount to the file-system device, whose
//! volume then reads the disk with IRPs (`lowerdisk.rs`).
//!
//! The devices do direct I/O, like a real disk: read and write buffers
//! arrive as an MDL. Their IOCTLs are the set of `driver_ioctl::diskctl`.
//! A disk held by a mount or by an IRP in flight cannot be deleted (or, for
//! a RAM disk, saved) until it is let go; deleting takes it off the table
//! first, so an IRP that comes later finds no disk.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use driver_ioctl::diskctl::{self, Answer, DiskFacts};
use driver_ioctl::fsops::{RAMDISK_MAX, image_disk_name, ramdisk_name};
use driver_ioctl::images::{self, AttachRequest, Attached};
use driver_ioctl::mountopts::MountSettings;
use driver_ioctl::partitions;
use lkl_abi::BlockDevice;
use lkl_ntk_host::sync::Mutex;
use nt::{DEVICE_OBJECT, IRP, MDL, NTSTATUS, UNICODE_STRING};
use widestring::U16String;

use crate::dispatch::complete;
use crate::fsd::irp::system_address;
use crate::ntdisk::ImageFile;

const SECTOR: u64 = 512;

/// One RAM disk. Lives in a Box whose address is published in `DISKS`.
pub struct Disk {
    pub(crate) device: *mut DEVICE_OBJECT,
    /// Its slot, which names its device (`ramdisk_name`).
    pub(crate) number: u32,
    /// A RAM disk's `len` bytes from a leaked `Box<[u8]>`; IRPs copy in and
    /// out of it through raw pointers, as a DMA engine would: overlapping
    /// requests in flight at once are the file system's business, as on a
    /// real disk. Null for a file-backed disk.
    #[cfg(feature = "testing")]
    pub(crate) data: *mut u8,
    pub(crate) len: usize,
    /// Where its sectors start in the image (a partition's offset).
    pub(crate) offset: u64,
    /// The image's partition it serves (1-based), or 0.
    pub(crate) partition: u32,
    /// The image file behind a file-backed disk.
    pub(crate) file: Option<ImageFile>,
    /// The file-system type the user named for the image (`--type`): a FAT
    /// volume is mounted only on a disk given as vfat (Windows mounts FAT
    /// itself).
    pub(crate) given_type: Option<&'static str>,
    /// The mount options the user gave for the image.
    pub(crate) settings: Option<MountSettings>,
    /// Mounts and in-flight IRPs holding the disk (see [`Claim`]).
    pub(crate) users: AtomicUsize,
    /// Write-protected, as a disk with its switch set: IOCTL_DISK_IS_WRITABLE
    /// says so and writes fail (the harness sets it for a read-only mount).
    pub(crate) read_only: AtomicBool,
    /// Pulled out (a surprise removal): every transfer fails as a disk
    /// that is gone fails it.
    pub(crate) pulled: AtomicBool,
    /// Its medium was ejected (IOCTL_STORAGE_EJECT_MEDIA): nothing held it,
    /// and transfers find no medium from then on.
    pub(crate) ejected: AtomicBool,
    /// The harness mounts it as a volume Windows offers by itself, not one
    /// the user asked for (`asked`).
    #[cfg(feature = "testing")]
    pub(crate) offered: AtomicBool,
    /// The image's NT path (UTF-16), empty for a RAM disk: the Mount
    /// Manager's unique ID and `lklfs list` are made of it.
    pub(crate) path: Vec<u16>,
    /// The drive letter the user asked for (the Mount Manager's suggested
    /// link).
    pub(crate) letter: Option<u8>,
    pub(crate) rw_irps: AtomicU32,
    pub(crate) flush_irps: AtomicU32,
}

#[cfg(feature = "testing")]
impl Drop for Disk {
    fn drop(&mut self) {
        if self.data.is_null() {
            return;
        }
        // SAFETY: `data`/`len` came from Box::<[u8]>::into_raw in `create`
        // and no IRP can reach the disk any more (unpublished and unheld).
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(self.data, self.len)) });
    }
}

/// The published disks by number: each a leaked `Box<Disk>`, or null.
/// A disk is freed only with the table locked and no claim on it, so a
/// pointer read from the locked table is alive while the lock is held.
/// The slots past the client's numbers hold the harness's image disks.
pub(crate) struct Slots(pub(crate) [*mut Disk; (RAMDISK_MAX + IMAGE_DISKS) as usize]);

/// Image disks at once (`lklfs mount`'s and the harness's together).
pub const IMAGE_DISKS: u32 = images::IMAGE_DISKS;

// SAFETY: a Disk is built to be used from any thread (atomic counters, a
// device object, a data block that IRPs copy in and out of); the table owns
// the boxes and is only reached through the Mutex.
unsafe impl Send for Slots {}

/// Serialises create, save, delete and claims.
pub(crate) static DISKS: Mutex<Slots> = Mutex::new(Slots([ptr::null_mut(); (RAMDISK_MAX + IMAGE_DISKS) as usize]));

/// What an image disk is made from.
pub struct ImageSpec<'a> {
    /// The image's NT path, UTF-16.
    pub path: &'a [u16],
    /// Write-protected.
    pub read_only: bool,
    /// The file-system type the user named.
    pub given_type: Option<&'static str>,
    /// The mount options the user gave.
    pub settings: Option<MountSettings>,
    /// The drive letter the user asked for (the suggested link).
    pub letter: Option<u8>,
    /// The partition of the image to serve (1-based), or the whole image.
    pub partition: Option<u32>,
}

/// Creates an image disk over the image file of `spec`, opened in the
/// caller's context (call on the requesting thread), in the first free
/// image slot; the slot's number and the disk's size. `claimed`: held by
/// the caller (the harness's mount) from the start.
fn create_image(spec: ImageSpec<'_>, claimed: bool) -> Result<(u32, u64, *mut Disk), NTSTATUS> {
    let mut disks = DISKS.lock();
    let free = (RAMDISK_MAX..RAMDISK_MAX + IMAGE_DISKS).find(|&i| disks.0.get(i as usize).is_some_and(|d| d.is_null()));
    let Some(index) = free else { return Err(nt::STATUS_TOO_MANY_OPENED_FILES) };
    let Some(slot) = disks.0.get_mut(index as usize) else { return Err(nt::STATUS_INVALID_PARAMETER) };
    let image = ImageFile::open(spec.path, spec.read_only)?;
    let (offset, size) = match spec.partition {
        None => (0, image.size()),
        Some(n) => {
            let range = partition_of(&image, n)?;
            (range.offset, range.length)
        }
    };
    if size == 0 {
        return Err(nt::STATUS_UNRECOGNIZED_VOLUME);
    }
    let disk = Box::into_raw(Box::new(Disk {
        device: ptr::null_mut(),
        number: index,
        #[cfg(feature = "testing")]
        data: ptr::null_mut(),
        len: size as usize,
        offset,
        partition: spec.partition.unwrap_or(0),
        file: Some(image),
        given_type: spec.given_type,
        settings: spec.settings,
        letter: spec.letter,
        users: AtomicUsize::new(usize::from(claimed)),
        read_only: AtomicBool::new(spec.read_only),
        pulled: AtomicBool::new(false),
        ejected: AtomicBool::new(false),
        #[cfg(feature = "testing")]
        offered: AtomicBool::new(false),
        path: spec.path.to_vec(),
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
    Ok((index, size, disk))
}

/// IOCTL_IMAGE_ATTACH (`lklfs.exe mount`): an image disk nothing holds
/// yet, for the I/O manager to mount the file system on. On the caller's
/// thread, so the image opens with the caller's rights.
pub fn attach(req: &AttachRequest<'_>) -> Result<Attached, NTSTATUS> {
    let path: Vec<u16> =
        req.path.chunks_exact(2).filter_map(|u| <[u8; 2]>::try_from(u).ok()).map(u16::from_le_bytes).collect();
    let spec = ImageSpec {
        path: &path,
        read_only: req.read_only,
        given_type: req.fs_type.linux_name(),
        settings: None,
        letter: req.letter,
        partition: req.partition,
    };
    if req.letter.is_some_and(crate::mountmgr::letter_taken) {
        return Err(nt::STATUS_OBJECT_NAME_COLLISION);
    }
    let (index, size, _) = create_image(spec, false)?;
    // Not under the table's lock: the Mount Manager asks the disk back.
    let name = U16String::from_str(&device_name(index)).into_vec();
    let m = crate::mountmgr::arrived(&name, req.letter);
    Ok(Attached {
        number: index - RAMDISK_MAX,
        letter: m.letter,
        size,
        arrival: m.arrival,
        letter_status: m.letter_status,
    })
}

/// IOCTL_IMAGE_LIST: the image disks, one entry per slot, each with the
/// processes holding its volume.
pub fn list(out: &mut [u8]) {
    let mut found: Vec<(images::Listed, usize)> = Vec::new();
    {
        let disks = DISKS.lock();
        for n in 0..IMAGE_DISKS {
            let Some(&disk) = disks.0.get((RAMDISK_MAX + n) as usize) else { continue };
            // SAFETY: a published disk is alive while the table is locked.
            let Some(d) = (unsafe { disk.as_ref() }) else { continue };
            let flag = |on: bool, f: u8| if on { f } else { 0 };
            let flags = images::LISTED_PRESENT
                | flag(d.read_only.load(Ordering::SeqCst), images::LISTED_READ_ONLY)
                | flag(d.users.load(Ordering::SeqCst) != 0, images::LISTED_IN_USE)
                | flag(d.ejected.load(Ordering::SeqCst), images::LISTED_EJECTED);
            let path = d.path.iter().flat_map(|u| u.to_le_bytes()).collect();
            let partition = u16::try_from(d.partition).unwrap_or(u16::MAX);
            let letter = d.letter.unwrap_or(0);
            let size = d.len as u64;
            let entry = images::Listed { number: n, letter, flags, partition, size, path, holders: Vec::new() };
            found.push((entry, d.device as usize));
        }
    }
    out.fill(0);
    let mut entries = out.chunks_exact_mut(images::LIST_ENTRY_SIZE);
    for (mut entry, device) in found {
        // Not under the disk table's lock: the volume's own locks follow.
        entry.holders = crate::fsd::volume::holders_on(device as *mut DEVICE_OBJECT);
        if let Some(slot) = entries.next() {
            entry.encode_into(slot);
        }
    }
}

/// IOCTL_IMAGE_DETACH: deletes image disk `n` unless a volume or a
/// transfer holds it; its drive letter goes first.
pub fn detach(n: u32) -> NTSTATUS {
    let Some(index) = n.checked_add(RAMDISK_MAX).filter(|_| n < IMAGE_DISKS) else {
        return nt::STATUS_NO_SUCH_DEVICE;
    };
    {
        let disks = DISKS.lock();
        let Some(&disk) = disks.0.get(index as usize) else { return nt::STATUS_NO_SUCH_DEVICE };
        if disk.is_null() {
            return nt::STATUS_NO_SUCH_DEVICE;
        }
        // SAFETY: published, and the table is locked (see `Slots`).
        if unsafe { (*disk).users.load(Ordering::SeqCst) } != 0 {
            return nt::STATUS_INVALID_DEVICE_STATE;
        }
    }
    // Not under the table's lock, as at the arrival. A mount that comes in
    // between keeps the disk (the delete below refuses), without its letter.
    let _ = crate::mountmgr::departing(&U16String::from_str(&device_name(index)).into_vec());
    delete(index).0 as NTSTATUS
}

/// Creates an image disk for the harness's own mount of an image file: as
/// [`attach`], claimed by the caller; the slot's number and the claim.
#[cfg(feature = "testing")]
pub fn create_image_disk(spec: ImageSpec<'_>) -> Result<(u32, Claim), NTSTATUS> {
    create_image(spec, true).map(|(index, _, disk)| (index, Claim { disk }))
}

/// The NT name of the disk in slot `index`: the test build's RAM disks
/// first, then the image disks.
fn device_name(index: u32) -> alloc::string::String {
    match index.checked_sub(RAMDISK_MAX) {
        Some(n) => image_disk_name(n),
        None => ramdisk_name(index),
    }
}

impl Disk {
    /// The Mount Manager's unique ID of its volume. An image disk's is a
    /// tag, then the image's NT path (UTF-16LE), then the partition if one,
    /// so the Mount Manager gives the same image (or partition) the letter
    /// it had; a RAM disk's is its name.
    fn unique_id(&self) -> Vec<u8> {
        if self.path.is_empty() {
            return device_name(self.number).into_bytes();
        }
        let mut id: Vec<u8> =
            IMAGE_ID_TAG.iter().copied().chain(self.path.iter().flat_map(|u| u.to_le_bytes())).collect();
        // Each partition of an image is a volume of its own.
        if self.partition != 0 {
            id.extend_from_slice(&self.partition.to_le_bytes());
        }
        id
    }
}

/// Partition `n` of the image: its range, from the MBR or GPT in its first
/// sectors; STATUS_NOT_FOUND without one.
fn partition_of(image: &ImageFile, n: u32) -> Result<partitions::Range, NTSTATUS> {
    let mut head = alloc::vec![0u8; partitions::TABLE_BYTES.min(image.size() as usize)];
    image.read_at(&mut head, 0).map_err(|_| nt::STATUS_IO_DEVICE_ERROR)?;
    partitions::find(&head, image.size(), n).map_err(|_| nt::STATUS_NOT_FOUND)
}

/// The tag an image disk's unique ID starts with.
const IMAGE_ID_TAG: &[u8] = b"lklfs-image:";

/// Deletes the harness's image disk `index` once nothing holds it (after
/// its volume is unmounted and the harness dropped its claim).
#[cfg(feature = "testing")]
pub fn delete_image_disk(index: u32) -> NTSTATUS {
    delete(index).0 as NTSTATUS
}

/// What the user gave for the disk behind `device`, if it is one of ours:
/// its file-system type and its mount options, each if given.
pub fn given(device: *mut DEVICE_OBJECT) -> (Option<&'static str>, Option<MountSettings>) {
    hold(device).map_or((None, None), |d| (d.given_type, d.settings.clone()))
}

/// Where Linux's `/` is for absolute symlinks on an image disk mounted
/// without settings (`lklfs mount` sends none): the disk's own device,
/// `\Device\LklfsImageN`, so `/etc/x` leads to `\Device\LklfsImageN\etc\x`,
/// a path the I/O manager follows to this volume whatever letter it has.
/// `None` for other disks, and for a disk whose settings name a root.
pub fn default_link_root(device: *mut DEVICE_OBJECT) -> Option<alloc::string::String> {
    hold(device).filter(|d| d.file.is_some() && d.settings.is_none()).map(|d| device_name(d.number))
}

/// Whether the user asked for the volume on `device`: a disk of the
/// driver's own (`lklfs mount` made it). Any other is a volume Windows
/// offers by itself (a disk plugged in), which `params::writes_offered`
/// governs. The test build's harness can mount its disks as offered.
pub fn asked(device: *mut DEVICE_OBJECT) -> bool {
    #[cfg(feature = "testing")]
    return hold(device).is_some_and(|d| !d.offered.load(Ordering::SeqCst));
    #[cfg(not(feature = "testing"))]
    hold(device).is_some()
}

/// The disk device, secured like the control device. IRPs find their disk
/// through the published slots (see `hold`), not through the device.
pub(crate) unsafe fn create_device(index: u32, disk: *mut Disk) -> NTSTATUS {
    let Some(driver) = crate::entry::driver() else { return nt::STATUS_DEVICE_NOT_READY };
    let name16 = U16String::from_str(&device_name(index));
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

/// Deletes the disk in slot `index` unless a mount or an IRP holds it.
/// (status, IRP counts: reads+writes in the low 32 bits, flushes in the
/// high 32).
pub fn delete(index: u32) -> (u32, u64) {
    let mut disks = DISKS.lock();
    let Some(slot) = disks.0.get_mut(index as usize) else { return (nt::STATUS_INVALID_PARAMETER as u32, 0) };
    let disk = *slot;
    if disk.is_null() {
        return (nt::STATUS_NO_SUCH_DEVICE as u32, 0);
    }
    // SAFETY: a published disk is freed only by `destroy`, which runs with
    // the table locked (as it is here), so `disk` points to a live Disk.
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
unsafe fn destroy(disk: *mut Disk) -> u64 {
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
    disk: *const Disk,
}

// SAFETY: the claim keeps the disk alive (delete refuses while `users` is
// non-zero), and a Disk may be used from any thread: its counters are
// atomics and its device object and data block are reached by IRPs on
// whatever thread they arrive.
unsafe impl Send for Claim {}
// SAFETY: `&Claim` only reads the disk's fields and atomics, which any number
// of threads may do at once while the claim keeps the disk alive.
unsafe impl Sync for Claim {}

#[cfg(feature = "testing")]
impl Claim {
    /// Sets or clears the disk's write protection.
    pub fn set_read_only(&self, read_only: bool) {
        // SAFETY: alive while claimed.
        unsafe { (*self.disk).read_only.store(read_only, Ordering::SeqCst) };
    }

    /// Mounts of the disk count as volumes Windows offered (or, cleared,
    /// as volumes the user asked for).
    pub fn set_offered(&self, offered: bool) {
        // SAFETY: alive while claimed.
        unsafe { (*self.disk).offered.store(offered, Ordering::SeqCst) };
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

/// The disk whose NT device name is `name` (case-insensitive), claimed.
#[cfg(feature = "testing")]
pub fn claim(name: &[u16]) -> Option<Claim> {
    let lower = |c: u16| if (b'A' as u16..=b'Z' as u16).contains(&c) { c + 32 } else { c };
    let disks = DISKS.lock();
    for (i, &disk) in disks.0.iter().enumerate() {
        let own = U16String::from_str(&device_name(i as u32));
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
    type Target = Disk;

    fn deref(&self) -> &Disk {
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
        let at = disk.offset + offset;
        let r = if major == nt::IRP_MJ_READ { file.read_at(buf, at) } else { file.write_at(buf, at) };
        disk.rw_irps.fetch_add(1, Ordering::Relaxed);
        return match r {
            Ok(()) => complete(irp, nt::STATUS_SUCCESS, length as usize),
            Err(_) => complete(irp, nt::STATUS_IO_DEVICE_ERROR, 0),
        };
    }
    #[cfg(not(feature = "testing"))]
    return complete(irp, nt::STATUS_NO_SUCH_DEVICE, 0);
    // SAFETY: `buf` maps at least `length` bytes (ByteCount checked); the
    // disk range was bounds-checked; the two never overlap (pool vs the
    // requester's buffer).
    #[cfg(feature = "testing")]
    unsafe {
        let at = disk.data.add(offset as usize);
        if major == nt::IRP_MJ_READ {
            ptr::copy_nonoverlapping(at, buf, length as usize);
        } else {
            ptr::copy_nonoverlapping(buf, at, length as usize);
        }
    }
    #[cfg(feature = "testing")]
    {
        disk.rw_irps.fetch_add(1, Ordering::Relaxed);
        complete(irp, nt::STATUS_SUCCESS, length as usize)
    }
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
/// An eject takes the medium out once the volume on the disk, if any, let it
/// go: STATUS_DEVICE_BUSY while files are open on it.
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
        device_name: U16String::from_str(&device_name(disk.number)).into_vec(),
        unique_id: disk.unique_id(),
        letter: disk.letter,
    };
    match diskctl::answer(code, &facts, &input, out) {
        Answer::Done(status, n) => complete(irp, status, n),
        // The volume on the disk lets the medium go (dismounted and
        // unmounted from Linux, if no file is open), or names its holders.
        Answer::Eject => match crate::fsd::volume::release_for_eject(device) {
            Ok(()) => {
                disk.ejected.store(true, Ordering::SeqCst);
                complete(irp, nt::STATUS_SUCCESS, 0)
            }
            Err(holders) => {
                lkl_ntk_host::print::print_fmt(format_args!(
                    "lklfs: eject of {} refused: files are open by processes {holders:?}\n",
                    device_name(disk.number)
                ));
                complete(irp, nt::STATUS_DEVICE_BUSY, 0)
            }
        },
    }
}
