//! Test build only: the IRP harness. It plays the I/O manager for the
//! file-system driver under Wine, where no path after a device name reaches
//! a driver: it builds a VPB for a test RAM disk and sends the mount to the
//! file-system device, builds FILE_OBJECTs of the DDK's size with their
//! names, allocates IRPs for the volume's stack size, fills the next stack
//! location for each major, and waits for the completion.
//!
//! The file-operation IOCTL of the test client drives it: with a lower
//! device mounted, each of its operations becomes the IRPs a Windows
//! program's call would make. Every request runs on a system thread of its
//! own, never on the dispatch thread (winedevice has one request thread).
//!
//! Checked facts it relies on (ARCHITECTURE.md): Wine's IoCompleteRequest
//! frees the IRP after the completion routines unless one returns
//! STATUS_MORE_PROCESSING_REQUIRED, and its IoFreeIrp frees the MDL chain,
//! so the harness detaches and frees its MDL itself; `Tail.Overlay.Thread`
//! comes from the PsGetCurrentThread export; the FSD takes no object
//! references on harness file objects.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::mem::{size_of, zeroed};
use core::ptr;

use driver_ioctl::fsops::FsRequest;
use driver_ioctl::mountopts::MountSettings;
use lkl_ntk_host::sync::Mutex;
use nt::{DEVICE_OBJECT, FILE_OBJECT, NTSTATUS, UNICODE_STRING, VPB};

use fs_glue::nt::{FILE_WRITE_DATA, SYNCHRONIZE};

use crate::disk::{self, Claim};

mod irp;
mod linuxview;
mod locks;
mod ops;
mod removal;
mod reparse;
mod runner;
mod stress;
use irp::{call, close, create, fsctl};
use ops::run_op;
pub use runner::stop as stop_thread;
pub use stress::stress;

/// `IO_TYPE_FILE` and `IO_TYPE_VPB`.
const IO_TYPE_FILE: i16 = 5;
const IO_TYPE_VPB: i16 = 10;
/// Share access of a harness create that names none (the file IOCTL's
/// default never locks others out), and the attributes of every create.
const SHARE_ALL: u16 = 7;
const ATTRIBUTE_NORMAL: u16 = 0x80;
/// NtReadFile's "at the current position" offset.
const FILE_USE_FILE_POINTER_POSITION: i64 = -2;
/// What the I/O manager asks of a rename's target directory.
const TARGET_DIR_ACCESS: u32 = FILE_WRITE_DATA | SYNCHRONIZE;

/// A harness file object and the name buffer its FileName points into.
struct HFile {
    fo: FILE_OBJECT,
    name: Vec<u16>,
    /// The access the create asked for, generic rights mapped (all for
    /// MAXIMUM_ALLOWED): what the I/O manager holds against a handle before
    /// a request reaches the file system.
    access: u32,
    /// The reparse data of a create answered with STATUS_REPARSE.
    reparse: Option<Vec<u8>>,
    /// Its name from the volume root (for a relative open, the related
    /// file's path joined with the name).
    path: Vec<u16>,
}

impl HFile {
    fn new(name: &[u16], vpb: *mut VPB, real: *mut DEVICE_OBJECT) -> Box<HFile> {
        // SAFETY: FILE_OBJECT is plain data (integers, pointers, events that
        // nobody waits on); all-zero is its state before the I/O manager
        // fills it.
        let fo = unsafe { zeroed() };
        let mut f = Box::new(HFile { fo, name: name.to_vec(), access: u32::MAX, reparse: None, path: name.to_vec() });
        f.fo.Type = IO_TYPE_FILE;
        f.fo.Size = size_of::<FILE_OBJECT>() as i16;
        f.fo.DeviceObject = real;
        f.fo.Vpb = vpb;
        f.fo.Flags = nt::FO_SYNCHRONOUS_IO;
        let bytes = (f.name.len() * 2) as u16;
        f.fo.FileName = UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: f.name.as_mut_ptr() };
        f
    }

    fn ptr(&mut self) -> *mut FILE_OBJECT {
        &mut self.fo
    }
}

/// The harness's mounted volume.
struct Mounted {
    claim: Claim,
    /// The harness's image disk it is on, deleted at unmount.
    image: Option<u32>,
    real: usize,
    vpb: Box<VPB>,
    volume: usize,
    /// The harness's own open of the volume (volume information, lock,
    /// dismount).
    volume_file: Box<HFile>,
    /// Whether `volume_file` is open (a query-remove closes it: the PnP
    /// manager holds no open of the volume; it is opened again when next
    /// needed).
    volume_open: bool,
    /// A remove took the volume while the harness held no open of it: no
    /// IRP may go to its device any more.
    volume_gone: bool,
    files: Vec<Option<Box<HFile>>>,
    /// Lock requests sent without waiting, by ticket.
    tickets: Vec<Option<locks::Ticket>>,
}

// SAFETY: the harness's objects are used by one harness thread at a time
// (the state's Mutex serialises requests); the addresses are of objects it
// owns or holds claimed.
unsafe impl Send for Mounted {}

static STATE: Mutex<Option<Mounted>> = Mutex::new(None);

/// A value handed to the harness thread and back. The requester blocks in
/// `on_system_thread` until that thread is done with it, so the value is
/// used by one thread at a time, as in a scoped thread.
struct Handed<T>(T);
// SAFETY: see above: never used by two threads at once.
unsafe impl<T> Send for Handed<T> {}

/// Runs `f` on the harness's system thread and waits for it.
fn on_system_thread<R: 'static>(f: impl FnOnce() -> R + 'static) -> Option<R> {
    let slot: Arc<spin::Mutex<Option<Handed<R>>>> = Arc::new(spin::Mutex::new(None));
    let out = slot.clone();
    let f = Handed(f);
    let ran = runner::run(Box::new(move || {
        let f = f;
        let r = Handed((f.0)());
        let mut g = out.lock();
        *g = Some(r);
        drop(g);
    }));
    if !ran {
        return None;
    }
    let mut g = slot.lock();
    let r = g.take();
    drop(g);
    r.map(|h| h.0)
}

/// IRP_MJ_SHUTDOWN to the control device, from the harness thread; its
/// status.
pub fn shutdown() -> NTSTATUS {
    let result = on_system_thread(|| {
        let control = crate::entry::control_device();
        if control.is_null() {
            return nt::STATUS_DEVICE_NOT_READY;
        }
        // SAFETY: the control device lives until unload; no file object.
        unsafe { call(control, nt::IRP_MJ_SHUTDOWN, 0, ptr::null_mut(), 0, None, None, |_| {}) }.0
    });
    result.unwrap_or(nt::STATUS_INSUFFICIENT_RESOURCES)
}

/// Whether a volume is mounted through the harness.
pub fn is_mounted() -> bool {
    STATE.lock().is_some()
}

/// Mounts the RAM disk named `name` through the file-system device
/// (`offered`: as a volume Windows offers by itself); the status and the
/// volume device's number.
pub fn mount(name: &[u16], read_only: bool, offered: bool) -> (NTSTATUS, u64) {
    let Some(claim) = disk::claim(name) else { return (nt::STATUS_NO_SUCH_DEVICE, 0) };
    // The file system asks at the mount only.
    claim.set_offered(offered);
    let mounted = mount_claimed(claim, read_only, None);
    if let Some(c) = disk::claim(name) {
        c.set_offered(false);
    }
    mounted
}

/// Mounts an image file: an image disk over it (opened here, in the
/// caller's context), then the same mount as a RAM disk's.
pub fn mount_image(
    path: &[u16],
    read_only: bool,
    given_type: Option<&'static str>,
    settings: Option<MountSettings>,
) -> (NTSTATUS, u64) {
    if is_mounted() {
        return (crate::linux::STATUS_WRONG_STATE, 0);
    }
    let spec = disk::ImageSpec { path, read_only, given_type, settings, letter: None, partition: None };
    let (index, claim) = match disk::create_image_disk(spec) {
        Ok(c) => c,
        Err(s) => return (s, 0),
    };
    let (status, number) = mount_claimed(claim, read_only, Some(index));
    if !nt::nt_success(status) {
        disk::delete_image_disk(index);
    }
    (status, number)
}

/// Mounts the claimed disk as the harness's volume; the status and the
/// volume device's number.
fn mount_claimed(claim: Claim, read_only: bool, image: Option<u32>) -> (NTSTATUS, u64) {
    let mut state = STATE.lock();
    if state.is_some() {
        return (crate::linux::STATUS_WRONG_STATE, 0);
    }
    match mount_disk(claim, read_only, image) {
        Ok(m) => {
            // SAFETY: the volume device just mounted, registered.
            let number =
                unsafe { crate::fsd::volume::volume_of(m.volume as *mut DEVICE_OBJECT) }.map_or(0, |v| v.number);
            *state = Some(m);
            (nt::STATUS_SUCCESS, u64::from(number))
        }
        Err(s) => (s, 0),
    }
}

/// IRP_MN_MOUNT_VOLUME with a VPB for the claimed disk, then an open of
/// the volume, on a system thread.
fn mount_disk(claim: Claim, read_only: bool, image: Option<u32>) -> Result<Mounted, NTSTATUS> {
    // A read-only mount is a write-protected disk, which the file system
    // finds out through IOCTL_DISK_IS_WRITABLE as on Windows.
    claim.set_read_only(read_only);
    let real = claim.device() as usize;
    let result = on_system_thread(move || {
        // SAFETY: VPB is plain data; all-zero is an unmounted VPB.
        let mut vpb: Box<VPB> = Box::new(unsafe { zeroed() });
        vpb.Type = IO_TYPE_VPB;
        vpb.Size = size_of::<VPB>() as i16;
        vpb.RealDevice = real as *mut DEVICE_OBJECT;
        let Some(fs) = crate::fsd::fs_device_object() else { return Err(nt::STATUS_DEVICE_NOT_READY) };
        let vpb_ptr: *mut VPB = &mut *vpb;
        // SAFETY: the file-system device is live while the driver is; the
        // VPB and the claimed disk outlive the call.
        let (status, _) = unsafe {
            call(fs, nt::IRP_MJ_FILE_SYSTEM_CONTROL, nt::IRP_MN_MOUNT_VOLUME, ptr::null_mut(), 0, None, None, |sp| {
                sp.Parameters.MountVolume.Vpb = vpb_ptr;
                sp.Parameters.MountVolume.DeviceObject = real as *mut DEVICE_OBJECT;
            })
        };
        if !nt::nt_success(status) {
            return Err(status);
        }
        let volume = vpb.DeviceObject;
        if volume.is_null() {
            return Err(nt::STATUS_UNRECOGNIZED_VOLUME);
        }
        let mut vf = HFile::new(&[], vpb_ptr, real as *mut DEVICE_OBJECT);
        // SAFETY: the new volume device, and our file object.
        let (status, _) = unsafe { create(volume, &mut vf, 0x0012_019F, 1, 0, SHARE_ALL, 0, ATTRIBUTE_NORMAL) };
        if !nt::nt_success(status) {
            return Err(status);
        }
        Ok((vpb, volume as usize, vf))
    });
    match result {
        Some(Ok((vpb, volume, volume_file))) => Ok(Mounted {
            claim,
            image,
            real,
            vpb,
            volume,
            volume_file,
            volume_open: true,
            volume_gone: false,
            files: Vec::new(),
            tickets: Vec::new(),
        }),
        Some(Err(s)) => {
            claim.set_read_only(false);
            Err(s)
        }
        None => Err(nt::STATUS_INSUFFICIENT_RESOURCES),
    }
}

/// Unmounts the harness's volume: refused while files are open; otherwise
/// lock, dismount, and the volume open's close (the last file object,
/// which unmounts it from Linux). `None` when nothing is mounted here.
pub fn unmount() -> Option<NTSTATUS> {
    let mut state = STATE.lock();
    let m = state.as_mut()?;
    if m.files.iter().any(Option::is_some) {
        return Some(crate::linux::STATUS_WRONG_STATE);
    }
    let m = state.take()?;
    Some(unmount_mounted(m))
}

/// Puts `item` in the first free slot of `slots` (a new one at the end if
/// none is free); its index, the number the client knows it by.
fn fill_slot<T>(slots: &mut Vec<Option<T>>, item: T) -> usize {
    match slots.iter_mut().enumerate().find(|(_, s)| s.is_none()) {
        Some((i, s)) => {
            *s = Some(item);
            i
        }
        None => {
            slots.push(Some(item));
            slots.len() - 1
        }
    }
}

/// The harness's open of the volume, opened again if a query-remove closed
/// it (refused while the removal holds the volume, as any volume open is).
fn volume_fo(m: &mut Mounted) -> Result<*mut FILE_OBJECT, NTSTATUS> {
    if m.volume_gone {
        return Err(nt::STATUS_VOLUME_DISMOUNTED);
    }
    if !m.volume_open {
        let (v, vpb, real) = (m.volume as *mut DEVICE_OBJECT, &mut *m.vpb as *mut VPB, m.real as *mut DEVICE_OBJECT);
        let mut vf = HFile::new(&[], vpb, real);
        // SAFETY: the live volume and our new file object.
        let (status, _) = unsafe { create(v, &mut vf, 0x0012_019F, 1, 0, SHARE_ALL, 0, ATTRIBUTE_NORMAL) };
        if !nt::nt_success(status) {
            return Err(status);
        }
        m.volume_file = vf;
        m.volume_open = true;
    }
    Ok(m.volume_file.ptr())
}

/// Lock, dismount and the last close of a volume whose files are closed,
/// on a system thread; then its image disk goes.
fn unmount_mounted(mut m: Mounted) -> NTSTATUS {
    let (volume, image) = (m.volume, m.image);
    let result = on_system_thread(move || {
        let v = volume as *mut DEVICE_OBJECT;
        if m.volume_gone {
            // Removed: the device went with its last file object.
            return nt::STATUS_SUCCESS;
        }
        let fo = match volume_fo(&mut m) {
            Ok(fo) => fo,
            Err(s) => return s,
        };
        // SAFETY: the live volume and our volume open.
        let mut status = unsafe { fsctl(v, fo, nt::FSCTL_LOCK_VOLUME) }.0;
        if nt::nt_success(status) {
            // SAFETY: as above.
            status = unsafe { fsctl(v, fo, nt::FSCTL_DISMOUNT_VOLUME) }.0;
        } else if status == nt::STATUS_VOLUME_DISMOUNTED {
            // Dismounted already (by a client's FSCTL): only the close is
            // left.
            status = nt::STATUS_SUCCESS;
        }
        // SAFETY: as above; after this close the device is gone.
        let closed = unsafe { close(v, &mut m.volume_file) };
        drop(m);
        if nt::nt_success(status) { closed } else { status }
    });
    // The claim went with the state; the volume's close released the
    // file system's.
    if let Some(index) = image {
        disk::delete_image_disk(index);
    }
    result.unwrap_or(nt::STATUS_INSUFFICIENT_RESOURCES)
}

/// From DriverUnload, before the volumes go: closes what the harness left
/// open (a client that exited with files open), so every CCB is freed, and
/// dismounts its volume (the VPB it made must outlive the volume device,
/// whose deletion clears it).
pub fn close_all() {
    let state = STATE.lock().take();
    let Some(mut m) = state else { return };
    let _ = on_system_thread(move || {
        let v = m.volume as *mut DEVICE_OBJECT;
        for f in m.files.iter_mut().flatten() {
            // SAFETY: the live volume and our open file objects.
            unsafe { close(v, f) };
        }
        // Their cleanups ended every waiting lock request.
        locks::settle_all(&mut m);
        // Without a volume open, DriverUnload's own unmount takes the
        // volume.
        if let Ok(fo) = volume_fo(&mut m) {
            // SAFETY: as above; the close of the last file object of the
            // dismounted volume unmounts it and deletes its device.
            unsafe {
                fsctl(v, fo, nt::FSCTL_DISMOUNT_VOLUME);
                close(v, &mut m.volume_file);
            }
        }
        drop(m);
    });
}

/// One file operation of the file IOCTL as IRPs; (status, information),
/// with the payload written like the direct path's.
pub fn op(req: &FsRequest<'_>, name: &[u16], payload: &mut [u8]) -> (u32, u64) {
    let mut state = STATE.lock();
    let Some(m) = state.as_mut() else { return (crate::linux::STATUS_NOT_BOOTED as u32, 0) };
    let (op, handle, offset, args) = (req.op, req.handle, req.offset, req.args);
    let data = req.data.to_vec();
    let name = name.to_vec();
    let mut out = alloc::vec![0u8; payload.len()];
    let job = HarnessJob { m: m as *mut Mounted as usize };
    let result = on_system_thread(move || {
        // SAFETY: the state stays locked by the requester until this
        // thread is joined.
        let m = unsafe { &mut *(job.m as *mut Mounted) };
        let r = run_op(m, op, handle, offset, args, &name, &data, &mut out);
        (r, out)
    });
    match result {
        Some((r, out)) => {
            payload.copy_from_slice(&out);
            r
        }
        None => (nt::STATUS_INSUFFICIENT_RESOURCES as u32, 0),
    }
}

struct HarnessJob {
    m: usize,
}
