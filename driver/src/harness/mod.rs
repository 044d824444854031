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
use core::ffi::c_void;
use core::mem::{size_of, zeroed};
use core::ptr;

use driver_ioctl::fsops::{self, FsRequest, Op};
use driver_ioctl::mountopts::MountSettings;
use lkl_ntk_host::sync::{Event, Mutex};
use nt::{DEVICE_OBJECT, FILE_OBJECT, IO_SECURITY_CONTEXT, IO_STACK_LOCATION, IRP, NTSTATUS, UNICODE_STRING, VPB};

use fs_glue::nt::{
    DELETE, FILE_DISPOSITION_INFORMATION, FILE_LINK_INFORMATION, FILE_RENAME_INFORMATION, FILE_RENAME_INFORMATION_EX,
    FILE_RENAME_REPLACE_IF_EXISTS, FILE_WRITE_DATA, SYNCHRONIZE,
};

use crate::ramdisk::{self, Claim};

mod linuxview;
mod locks;
mod runner;
mod stress;
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
}

impl HFile {
    fn new(name: &[u16], vpb: *mut VPB, real: *mut DEVICE_OBJECT) -> Box<HFile> {
        // SAFETY: FILE_OBJECT is plain data (integers, pointers, events that
        // nobody waits on); all-zero is its state before the I/O manager
        // fills it.
        let mut f = Box::new(HFile { fo: unsafe { zeroed() }, name: name.to_vec(), access: u32::MAX });
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

unsafe extern "system" fn completed(_device: *mut DEVICE_OBJECT, _irp: *mut IRP, context: *mut c_void) -> NTSTATUS {
    // SAFETY: `context` is the Event of the `call` that waits for this IRP.
    unsafe { (*context.cast::<Event>()).set() };
    nt::STATUS_MORE_PROCESSING_REQUIRED
}

/// An IRP sent and not yet freed: its MDL, and the event its completion
/// routine sets (boxed: the routine holds its address).
pub(super) struct Sent {
    irp: *mut IRP,
    mdl: *mut nt::MDL,
    event: Box<Event>,
}

impl Sent {
    /// Waits up to `ms` milliseconds for the completion; whether it came.
    pub(super) fn wait_ms(&self, ms: u32) -> bool {
        let timer = Box::new(lkl_ntk_host::sync::KernelTimer::new());
        // SAFETY: boxed, so pinned until dropped below; cancelled first.
        unsafe { timer.init() };
        timer.set_relative(i64::from(ms) * 10_000);
        // SAFETY: both objects are initialised and outlive the wait.
        let which = unsafe { lkl_ntk_host::sync::wait_any2(self.event.as_object(), timer.as_object()) };
        timer.cancel();
        which == 0
    }

    /// Waits for the completion, then frees the IRP (clearing `MdlAddress`
    /// first: Wine's IoFreeIrp also frees MDLs); the IO_STATUS_BLOCK.
    pub(super) fn finish(self) -> (NTSTATUS, usize) {
        self.event.wait();
        // SAFETY: completed (the routine returned MORE_PROCESSING_REQUIRED,
        // so the IRP is still ours to free).
        unsafe {
            let result = ((*self.irp).IoStatus.Status, (*self.irp).IoStatus.Information);
            (*self.irp).MdlAddress = ptr::null_mut();
            if !self.mdl.is_null() {
                nt::IoFreeMdl(self.mdl);
            }
            nt::IoFreeIrp(self.irp);
            result
        }
    }

    /// The IRP, for IoCancelIrp.
    pub(super) fn irp(&self) -> *mut IRP {
        self.irp
    }
}

/// Sends one IRP of `major`/`minor` on `fo` to `device` and waits for its
/// completion; `setup` fills the stack location's parameters and may give
/// the IRP a buffer (`system`) or an MDL over one (`direct`). Returns the
/// IO_STATUS_BLOCK.
///
/// # Safety
/// `device` is live; `fo` is null or a live harness file object; the
/// buffers outlive the call.
#[allow(clippy::too_many_arguments)] // the IRP's own fields, as IoBuild* take them
unsafe fn call(
    device: *mut DEVICE_OBJECT,
    major: u8,
    minor: u8,
    fo: *mut FILE_OBJECT,
    sl_flags: u8,
    system: Option<*mut u8>,
    direct: Option<(*mut u8, usize)>,
    setup: impl FnOnce(&mut IO_STACK_LOCATION),
) -> (NTSTATUS, usize) {
    // SAFETY: the caller's contract.
    match unsafe { send(device, major, minor, fo, sl_flags, system, direct, setup) } {
        Ok(sent) => sent.finish(),
        Err(s) => (s, 0),
    }
}

/// Sends one IRP as [`call`] does, without waiting for it.
///
/// # Safety
/// As [`call`], with the buffers alive until [`Sent::finish`].
#[allow(clippy::too_many_arguments)] // the IRP's own fields, as IoBuild* take them
pub(super) unsafe fn send(
    device: *mut DEVICE_OBJECT,
    major: u8,
    minor: u8,
    fo: *mut FILE_OBJECT,
    sl_flags: u8,
    system: Option<*mut u8>,
    direct: Option<(*mut u8, usize)>,
    setup: impl FnOnce(&mut IO_STACK_LOCATION),
) -> Result<Sent, NTSTATUS> {
    // SAFETY: the caller's contract; every pointer written below is to the
    // new IRP, its next stack location, or the caller's objects.
    unsafe {
        let irp = nt::IoAllocateIrp((*device).StackSize, 0);
        if irp.is_null() {
            return Err(nt::STATUS_INSUFFICIENT_RESOURCES);
        }
        let mut mdl = ptr::null_mut();
        if let Some((buf, len)) = direct.filter(|d| d.1 > 0) {
            mdl = nt::IoAllocateMdl(buf.cast(), len as u32, 0, 0, ptr::null_mut());
            if mdl.is_null() {
                nt::IoFreeIrp(irp);
                return Err(nt::STATUS_INSUFFICIENT_RESOURCES);
            }
            // What MmBuildMdlForNonPagedPool records for the FSD's mapping:
            // the buffer is Rust heap, i.e. nonpaged pool, mapped already.
            (*mdl).MappedSystemVa = buf.cast();
            (*mdl).MdlFlags |= nt::MDL_SOURCE_IS_NONPAGED_POOL;
            (*irp).MdlAddress = mdl.cast();
        }
        (*irp).SystemBuffer = system.map_or(ptr::null_mut(), |b| b.cast());
        (*irp).Thread = nt::PsGetCurrentThread();
        (*irp).RequestorMode = nt::KernelMode;
        (*irp).OriginalFileObject = fo;
        let event = Box::new(Event::new());
        event.init(true, false);
        let sp = &mut *(*irp).CurrentStackLocation.sub(1);
        sp.MajorFunction = major;
        sp.MinorFunction = minor;
        sp.Flags = sl_flags;
        sp.FileObject = fo;
        sp.DeviceObject = device;
        sp.CompletionRoutine = completed as *mut c_void;
        sp.Context = (&*event as *const Event).cast_mut().cast();
        sp.Control = nt::SL_INVOKE_ON_SUCCESS | nt::SL_INVOKE_ON_ERROR | nt::SL_INVOKE_ON_CANCEL;
        sp.Parameters = zeroed();
        setup(sp);
        // The completion routine runs whether the FSD completed at once or
        // later from a worker.
        nt::IofCallDriver(device, irp);
        Ok(Sent { irp, mdl: mdl.cast(), event })
    }
}

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

/// Mounts the RAM disk named `name` through the file-system device; the
/// status and the volume device's number.
pub fn mount(name: &[u16], read_only: bool) -> (NTSTATUS, u64) {
    let Some(claim) = ramdisk::claim(name) else { return (nt::STATUS_NO_SUCH_DEVICE, 0) };
    mount_claimed(claim, read_only, None)
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
    let (index, claim) = match ramdisk::create_image_disk(path, read_only, given_type, settings) {
        Ok(c) => c,
        Err(s) => return (s, 0),
    };
    let (status, number) = mount_claimed(claim, read_only, Some(index));
    if !nt::nt_success(status) {
        ramdisk::delete_image_disk(index);
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

/// IRP_MJ_CREATE of `f` with the given access, disposition and options.
///
/// # Safety
/// `volume` is a live volume device; `f` a live harness file object.
#[allow(clippy::too_many_arguments)] // the create's own parameters, as NtCreateFile takes them
unsafe fn create(
    volume: *mut DEVICE_OBJECT,
    f: &mut HFile,
    access: u32,
    disposition: u32,
    options: u32,
    share: u16,
    sl_flags: u8,
    attributes: u16,
) -> (NTSTATUS, usize) {
    let mut sc = IO_SECURITY_CONTEXT {
        SecurityQos: ptr::null_mut(),
        AccessState: ptr::null_mut(),
        DesiredAccess: access,
        FullCreateOptions: options,
    };
    let sc_ptr: *mut IO_SECURITY_CONTEXT = &mut sc;
    let fo = f.ptr();
    // SAFETY: the caller's contract; `sc` lives across the call.
    unsafe {
        call(volume, nt::IRP_MJ_CREATE, 0, fo, sl_flags, None, None, |sp| {
            let c = &mut sp.Parameters.Create;
            c.SecurityContext = sc_ptr.cast();
            c.Options = (disposition << 24) | (options & 0x00FF_FFFF);
            c.FileAttributes = attributes;
            c.ShareAccess = share;
            c.EaLength = 0;
        })
    }
}

/// A user FSCTL (no buffers) on `fo`.
///
/// # Safety
/// `volume` is live; `fo` a harness file object opened on it.
unsafe fn fsctl(volume: *mut DEVICE_OBJECT, fo: *mut FILE_OBJECT, code: u32) -> (NTSTATUS, usize) {
    // SAFETY: the caller's contract.
    unsafe { fsctl_buffered(volume, fo, code, &[], &mut []) }
}

/// A METHOD_BUFFERED user FSCTL on `fo`, as the I/O manager sends it: one
/// system buffer of the larger length holds `input` and receives up to
/// `out.len()` bytes of output, copied back into `out`.
///
/// # Safety
/// `volume` is live; `fo` a harness file object opened on it.
unsafe fn fsctl_buffered(
    volume: *mut DEVICE_OBJECT,
    fo: *mut FILE_OBJECT,
    code: u32,
    input: &[u8],
    out: &mut [u8],
) -> (NTSTATUS, usize) {
    let mut system = alloc::vec![0u8; input.len().max(out.len())];
    for (s, i) in system.iter_mut().zip(input) {
        *s = *i;
    }
    let buf = if system.is_empty() { None } else { Some(system.as_mut_ptr()) };
    let (in_len, out_len) = (input.len() as u32, out.len() as u32);
    // SAFETY: the caller's contract; `system` lives across the call.
    let (status, info) = unsafe {
        call(volume, nt::IRP_MJ_FILE_SYSTEM_CONTROL, nt::IRP_MN_USER_FS_REQUEST, fo, 0, buf, None, |sp| {
            let p = &mut sp.Parameters.FileSystemControl;
            p.FsControlCode = code;
            p.InputBufferLength = in_len;
            p.OutputBufferLength = out_len;
        })
    };
    for (o, s) in out.iter_mut().zip(&system).take(info) {
        *o = *s;
    }
    (status, info)
}

/// CLEANUP then CLOSE of `f`, as the last handle and reference go.
///
/// # Safety
/// `volume` is live; `f` a harness file object opened on it.
unsafe fn close(volume: *mut DEVICE_OBJECT, f: &mut HFile) -> NTSTATUS {
    let fo = f.ptr();
    // SAFETY: the caller's contract.
    unsafe {
        let (status, _) = call(volume, nt::IRP_MJ_CLEANUP, 0, fo, 0, None, None, |_| {});
        call(volume, nt::IRP_MJ_CLOSE, 0, fo, 0, None, None, |_| {});
        status
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
        ramdisk::delete_image_disk(index);
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

#[allow(clippy::too_many_arguments)]
fn run_op(
    m: &mut Mounted,
    op: Op,
    handle: u32,
    offset: u64,
    args: [u32; 3],
    name: &[u16],
    data: &[u8],
    out: &mut [u8],
) -> (u32, u64) {
    let v = m.volume as *mut DEVICE_OBJECT;
    let vpb: *mut VPB = &mut *m.vpb;
    let real = m.real as *mut DEVICE_OBJECT;
    let r = |(s, i): (NTSTATUS, usize)| (s as u32, i as u64);
    if op == Op::Create {
        let mut f = HFile::new(name, vpb, real);
        if offset & fsops::CREATE_RELATED != 0 {
            match m.files.get_mut(handle as usize).and_then(|s| s.as_mut()) {
                Some(related) => f.fo.RelatedFileObject = related.ptr(),
                None => return (fs_glue::NtStatus::INVALID_HANDLE.0, 0),
            }
        }
        let share = if offset & fsops::CREATE_SHARE_GIVEN != 0 { (offset & 7) as u16 } else { SHARE_ALL };
        let attributes = if offset & fsops::CREATE_ATTRIBUTES_GIVEN != 0 {
            (offset >> fsops::CREATE_ATTRIBUTES_SHIFT) as u16
        } else {
            ATTRIBUTE_NORMAL
        };
        let asked = fs_glue::Access::from_bits_retain(args[2]);
        if !asked.contains(fs_glue::Access::MAXIMUM_ALLOWED) {
            f.access = asked.map_generic().bits();
        }
        // SAFETY: the live volume and our new file object (and the related
        // one, open in `m.files`).
        let (status, info) = unsafe { create(v, &mut f, args[2], args[0], args[1], share, 0, attributes) };
        if nt::nt_success(status) {
            let slot = m.files.iter().position(Option::is_none).unwrap_or(m.files.len());
            if slot == m.files.len() {
                m.files.push(None);
            }
            if let Some(s) = m.files.get_mut(slot) {
                *s = Some(f);
            }
            let n = out.len().min(4);
            if let (Some(dst), Some(src)) = (out.get_mut(..n), (slot as u32).to_le_bytes().get(..n)) {
                dst.copy_from_slice(src);
            }
        }
        return (status as u32, info as u64);
    }
    if op == Op::Verify {
        let Some(fs) = crate::fsd::fs_device_object() else { return (nt::STATUS_DEVICE_NOT_READY as u32, 0) };
        // SAFETY: the live file-system device, our VPB and the claimed disk.
        return r(unsafe {
            call(fs, nt::IRP_MJ_FILE_SYSTEM_CONTROL, nt::IRP_MN_VERIFY_VOLUME, ptr::null_mut(), 0, None, None, |sp| {
                sp.Parameters.VerifyVolume.Vpb = vpb;
                sp.Parameters.VerifyVolume.DeviceObject = real;
            })
        });
    }
    if op == Op::Fsctl && handle == driver_ioctl::fsops::VOLUME_HANDLE {
        let fo = match volume_fo(m) {
            Ok(fo) => fo,
            Err(s) => return (s as u32, 0),
        };
        // SAFETY: the live volume and our volume open.
        return r(unsafe { fsctl_buffered(v, fo, args[0], data, out) });
    }
    if op == Op::Linux {
        return linuxview::run(v, args, data, out);
    }
    if op == Op::Ticket {
        return locks::ticket(m, args, out);
    }
    if op == Op::Pnp {
        if args[1] == 1 {
            m.claim.pull();
        }
        let minor = args[0] as u8;
        // The PnP manager holds no open of the volume, and a query-remove
        // counts every open: the harness's own goes first.
        if minor == nt::IRP_MN_QUERY_REMOVE_DEVICE && m.volume_open {
            // SAFETY: the live volume and our volume open.
            unsafe { close(v, &mut m.volume_file) };
            m.volume_open = false;
        }
        // SAFETY: the live volume; PnP requests carry no file object.
        let status = r(unsafe { call(v, nt::IRP_MJ_PNP, minor, ptr::null_mut(), 0, None, None, |_| {}) });
        if minor == nt::IRP_MN_CANCEL_REMOVE_DEVICE {
            // The volume is the harness's again.
            let _ = volume_fo(m);
        } else if !m.volume_open && matches!(minor, nt::IRP_MN_REMOVE_DEVICE | nt::IRP_MN_SURPRISE_REMOVAL) {
            // Nothing of the harness held the volume: it went with the
            // remove (or goes with the last file's close).
            m.volume_gone = true;
        }
        return status;
    }
    if op == Op::QueryVolumeInformation {
        let fo = match volume_fo(m) {
            Ok(fo) => fo,
            Err(s) => return (s as u32, 0),
        };
        let (p, len) = (out.as_mut_ptr(), out.len() as u32);
        // SAFETY: the live volume, our volume open and `out`.
        return r(unsafe {
            call(v, nt::IRP_MJ_QUERY_VOLUME_INFORMATION, 0, fo, 0, Some(p), None, |sp| {
                sp.Parameters.QueryVolume.Length = len;
                sp.Parameters.QueryVolume.FsInformationClass = args[0] as i32;
            })
        });
    }
    let Some(f) = m.files.get_mut(handle as usize).and_then(|s| s.as_mut()) else {
        return (fs_glue::NtStatus::INVALID_HANDLE.0, 0);
    };
    let fo = f.ptr();
    // SAFETY: every call below gets the live volume, an open harness file
    // object, and buffers that outlive the call.
    unsafe {
        match op {
            Op::Close => {
                let status = close(v, f);
                if let Some(s) = m.files.get_mut(handle as usize) {
                    *s = None;
                }
                // Its cleanup ended its waiting lock requests.
                locks::settle(m, handle);
                (status as u32, 0)
            }
            Op::Lock => locks::lock(m, handle, offset, args, data),
            Op::Notify => locks::notify(m, handle, args),
            Op::Read | Op::Write => {
                let write = op == Op::Write;
                // NtReadFile/NtWriteFile on a synchronous file object turn
                // FILE_USE_FILE_POINTER_POSITION into the current offset.
                let offset =
                    if offset as i64 == FILE_USE_FILE_POINTER_POSITION && f.fo.Flags & nt::FO_SYNCHRONOUS_IO != 0 {
                        f.fo.CurrentByteOffset as u64
                    } else {
                        offset
                    };
                let (p, len) =
                    if write { (data.as_ptr() as *mut u8, data.len()) } else { (out.as_mut_ptr(), out.len()) };
                let major = if write { nt::IRP_MJ_WRITE } else { nt::IRP_MJ_READ };
                r(call(v, major, 0, fo, 0, None, Some((p, len)), |sp| {
                    sp.Parameters.Read.Length = len as u32;
                    sp.Parameters.Read.Key = 0;
                    sp.Parameters.Read.ByteOffset = offset as i64;
                }))
            }
            Op::QueryDirectory => {
                let mut pattern = name.to_vec();
                let bytes = (pattern.len() * 2) as u16;
                let mut us = UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: pattern.as_mut_ptr() };
                let us_ptr: *mut UNICODE_STRING = if pattern.is_empty() { ptr::null_mut() } else { &mut us };
                let mut flags = 0;
                if args[1] & 1 != 0 {
                    flags |= nt::SL_RESTART_SCAN;
                }
                if args[1] & 2 != 0 {
                    flags |= nt::SL_RETURN_SINGLE_ENTRY;
                }
                if args[1] & 4 != 0 {
                    flags |= nt::SL_INDEX_SPECIFIED;
                }
                let (p, len) = (out.as_mut_ptr(), out.len());
                r(call(
                    v,
                    nt::IRP_MJ_DIRECTORY_CONTROL,
                    nt::IRP_MN_QUERY_DIRECTORY,
                    fo,
                    flags,
                    None,
                    Some((p, len)),
                    |sp| {
                        let q = &mut sp.Parameters.QueryDirectory;
                        q.Length = len as u32;
                        q.FileName = us_ptr;
                        q.FileInformationClass = args[0] as i32;
                        q.FileIndex = args[2];
                    },
                ))
            }
            Op::QueryInformation => {
                let (p, len) = (out.as_mut_ptr(), out.len() as u32);
                r(call(v, nt::IRP_MJ_QUERY_INFORMATION, 0, fo, 0, Some(p), None, |sp| {
                    sp.Parameters.QueryFile.Length = len;
                    sp.Parameters.QueryFile.FileInformationClass = args[0] as i32;
                }))
            }
            Op::SetInformation if is_rename_or_link(args[0]) => {
                rename_or_link(v, vpb, real, fo, f.access, args[0], data)
            }
            Op::SetInformation => set_info(v, fo, args[0], data, ptr::null_mut(), 0),
            Op::Flush => r(call(v, nt::IRP_MJ_FLUSH_BUFFERS, 0, fo, 0, None, None, |_| {})),
            Op::Delete => set_info(v, fo, FILE_DISPOSITION_INFORMATION, &[1], ptr::null_mut(), 0),
            // NtSetInformationFile checks the handle's DELETE right for a
            // rename before it opens the target directory.
            Op::Rename => {
                let info = rename_info(name, args[0] & 1 != 0);
                rename_or_link(v, vpb, real, fo, f.access, FILE_RENAME_INFORMATION, &info)
            }
            Op::Fsctl => r(fsctl_buffered(v, fo, args[0], data, out)),
            _ => (nt::STATUS_INVALID_DEVICE_REQUEST as u32, 0),
        }
    }
}

/// IRP_MJ_SET_INFORMATION of `class` from `data` (copied: the FSD may
/// read it as its own system buffer).
///
/// # Safety
/// `v` live; `fo` an open harness file object; `target` null or one too.
unsafe fn set_info(
    v: *mut DEVICE_OBJECT,
    fo: *mut FILE_OBJECT,
    class: u32,
    data: &[u8],
    target: *mut FILE_OBJECT,
    replace: u8,
) -> (u32, u64) {
    let mut buf = data.to_vec();
    let (p, len) = (buf.as_mut_ptr(), buf.len() as u32);
    // SAFETY: the caller's contract; `buf` lives across the call.
    let (s, i) = unsafe {
        call(v, nt::IRP_MJ_SET_INFORMATION, 0, fo, 0, Some(p), None, |sp| {
            let p = &mut sp.Parameters.SetFile;
            p.Length = len;
            p.FileInformationClass = class as i32;
            p.FileObject = target;
            p.ReplaceIfExists = replace;
        })
    };
    (s as u32, i as u64)
}

/// FILE_RENAME_INFORMATION: ReplaceIfExists, RootDirectory (none),
/// FileNameLength, FileName.
fn rename_info(name: &[u16], replace: bool) -> Vec<u8> {
    let mut info = alloc::vec![u8::from(replace), 0, 0, 0, 0, 0, 0, 0];
    info.extend_from_slice(&[0u8; 8]);
    info.extend_from_slice(&((name.len() * 2) as u32).to_le_bytes());
    info.extend(name.iter().flat_map(|u| u.to_le_bytes()));
    info
}

/// FileRenameInformation(Ex) and FileLinkInformation.
fn is_rename_or_link(class: u32) -> bool {
    [FILE_RENAME_INFORMATION, FILE_LINK_INFORMATION, FILE_RENAME_INFORMATION_EX].contains(&class)
}

/// A rename or link as NtSetInformationFile does it: a rename needs the
/// handle's DELETE right; a target name starting with a backslash is a
/// full path, whose directory is opened first with SL_OPEN_TARGET_DIRECTORY
/// and passed along with ReplaceIfExists; a plain name stays in the same
/// directory. (A RootDirectory handle is not part of the file IOCTL.)
///
/// # Safety
/// As [`set_info`].
unsafe fn rename_or_link(
    v: *mut DEVICE_OBJECT,
    vpb: *mut VPB,
    real: *mut DEVICE_OBJECT,
    fo: *mut FILE_OBJECT,
    access: u32,
    class: u32,
    info: &[u8],
) -> (u32, u64) {
    let ex = class == FILE_RENAME_INFORMATION_EX;
    let is_rename = class == FILE_RENAME_INFORMATION || class == FILE_RENAME_INFORMATION_EX;
    if is_rename && access & DELETE == 0 {
        return (nt::STATUS_ACCESS_DENIED as u32, 0);
    }
    // ReplaceIfExists (a BOOLEAN) or the EX form's Flags; RootDirectory at
    // 8, FileNameLength at 16, FileName at 20.
    let word = |at: usize| info.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let (Some(first), Some(name_len)) = (word(0), word(16)) else {
        return (fs_glue::NtStatus::INFO_LENGTH_MISMATCH.0, 0);
    };
    let replace = if ex { first & FILE_RENAME_REPLACE_IF_EXISTS != 0 } else { first & 0xFF != 0 };
    let name: Vec<u16> = info
        .get(20..20 + name_len as usize)
        .unwrap_or(&[])
        .chunks_exact(2)
        .filter_map(|c| c.try_into().ok())
        .map(u16::from_le_bytes)
        .collect();
    if name.first() != Some(&(b'\\' as u16)) {
        // SAFETY: the caller's contract.
        return unsafe { set_info(v, fo, class, info, ptr::null_mut(), u8::from(replace)) };
    }
    let mut target = HFile::new(&name, vpb, real);
    // SAFETY: the caller's contract; `target` is our new file object.
    unsafe {
        // The I/O manager shares read and write for the target directory.
        let (status, _) =
            create(v, &mut target, TARGET_DIR_ACCESS, 1, 0, 3, nt::SL_OPEN_TARGET_DIRECTORY, ATTRIBUTE_NORMAL);
        if !nt::nt_success(status) {
            return (status as u32, 0);
        }
        let r = set_info(v, fo, class, info, target.ptr(), u8::from(replace));
        close(v, &mut target);
        r
    }
}
