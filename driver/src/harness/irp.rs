//! Test build only: the harness's IRPs. Each is allocated for the target's
//! stack size, its next stack location filled as the I/O manager fills it,
//! sent with IofCallDriver, and waited for through a completion routine that
//! keeps it (STATUS_MORE_PROCESSING_REQUIRED: Wine's IoCompleteRequest
//! would free it otherwise); then freed by the harness, MDL detached first
//! (Wine's IoFreeIrp frees MDLs too). Plus the requests every harness path
//! shares: create, FSCTLs, cleanup and close.

use alloc::boxed::Box;
use core::ffi::c_void;
use core::mem::zeroed;
use core::ptr;

use lkl_ntk_host::sync::Event;
use nt::{DEVICE_OBJECT, FILE_OBJECT, IO_SECURITY_CONTEXT, IO_STACK_LOCATION, IRP, NTSTATUS};

use super::HFile;

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
        self.finish_aux().0
    }

    /// [`Sent::finish`], and the reparse data a create answered with
    /// STATUS_REPARSE left in `Tail.Overlay.AuxiliaryBuffer` (copied out,
    /// and the pool block freed as the I/O manager frees it).
    pub(super) fn finish_aux(self) -> ((NTSTATUS, usize), Option<alloc::vec::Vec<u8>>) {
        self.event.wait();
        // SAFETY: completed (the routine returned MORE_PROCESSING_REQUIRED,
        // so the IRP is still ours to free); an auxiliary buffer is a pool
        // block holding a reparse header and its data.
        unsafe {
            let result = ((*self.irp).IoStatus.Status, (*self.irp).IoStatus.Information);
            let aux = (*self.irp).AuxiliaryBuffer.cast::<u8>();
            let data = (!aux.is_null()).then(|| {
                let len = 8 + usize::from(u16::from_le_bytes([*aux.add(4), *aux.add(5)]));
                let v = core::slice::from_raw_parts(aux, len).to_vec();
                lkl_ntk_host::mem::pool_free(aux, 1);
                v
            });
            (*self.irp).AuxiliaryBuffer = ptr::null_mut();
            (*self.irp).MdlAddress = ptr::null_mut();
            if !self.mdl.is_null() {
                nt::IoFreeMdl(self.mdl);
            }
            nt::IoFreeIrp(self.irp);
            (result, data)
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
pub(super) unsafe fn call(
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
    // SAFETY: the caller's contract.
    unsafe { send_flagged(device, major, minor, fo, sl_flags, 0, system, direct, setup) }
}

/// [`send`] with the IRP's own `Flags` (IRP_PAGING_IO, IRP_NOCACHE).
///
/// # Safety
/// As [`send`].
#[allow(clippy::too_many_arguments)] // the IRP's own fields, as IoBuild* take them
pub(super) unsafe fn send_flagged(
    device: *mut DEVICE_OBJECT,
    major: u8,
    minor: u8,
    fo: *mut FILE_OBJECT,
    sl_flags: u8,
    irp_flags: u32,
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
        // The caller's own address, as the I/O manager records it beside
        // the MDL (QUERY_SECURITY gets only this).
        (*irp).UserBuffer = direct.map_or(ptr::null_mut(), |d| d.0.cast());
        (*irp).Thread = nt::PsGetCurrentThread();
        (*irp).RequestorMode = nt::KernelMode;
        (*irp).Flags |= irp_flags;
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

/// IRP_MJ_CREATE of `f` with the given access, disposition, options and
/// EaBuffer (empty for none).
///
/// # Safety
/// `volume` is a live volume device; `f` a live harness file object.
#[allow(clippy::too_many_arguments)] // the create's own parameters, as NtCreateFile takes them
pub(super) unsafe fn create_ea(
    volume: *mut DEVICE_OBJECT,
    f: &mut HFile,
    access: u32,
    disposition: u32,
    options: u32,
    share: u16,
    sl_flags: u8,
    attributes: u16,
    ea: &[u8],
) -> (NTSTATUS, usize) {
    let mut sc = IO_SECURITY_CONTEXT {
        SecurityQos: ptr::null_mut(),
        AccessState: ptr::null_mut(),
        DesiredAccess: access,
        FullCreateOptions: options,
    };
    let sc_ptr: *mut IO_SECURITY_CONTEXT = &mut sc;
    let fo = f.ptr();
    // The I/O manager's pool copy of the EaBuffer.
    let mut ea_copy = ea.to_vec();
    let system = (!ea.is_empty()).then_some(ea_copy.as_mut_ptr());
    // SAFETY: the caller's contract; `sc` and the copy live across the call.
    unsafe {
        let sent = send(volume, nt::IRP_MJ_CREATE, 0, fo, sl_flags, system, None, |sp| {
            let c = &mut sp.Parameters.Create;
            c.SecurityContext = sc_ptr.cast();
            c.Options = (disposition << 24) | (options & 0x00FF_FFFF);
            c.FileAttributes = attributes;
            c.ShareAccess = share;
            c.EaLength = ea.len() as u32;
        });
        match sent {
            Ok(sent) => {
                let (result, reparse) = sent.finish_aux();
                f.reparse = reparse;
                result
            }
            Err(s) => (s, 0),
        }
    }
}

/// [`create_ea`] without an EaBuffer.
///
/// # Safety
/// As for [`create_ea`].
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn create(
    volume: *mut DEVICE_OBJECT,
    f: &mut HFile,
    access: u32,
    disposition: u32,
    options: u32,
    share: u16,
    sl_flags: u8,
    attributes: u16,
) -> (NTSTATUS, usize) {
    // SAFETY: the caller's contract.
    unsafe { create_ea(volume, f, access, disposition, options, share, sl_flags, attributes, &[]) }
}

/// A user FSCTL (no buffers) on `fo`.
///
/// # Safety
/// `volume` is live; `fo` a harness file object opened on it.
pub(super) unsafe fn fsctl(volume: *mut DEVICE_OBJECT, fo: *mut FILE_OBJECT, code: u32) -> (NTSTATUS, usize) {
    // SAFETY: the caller's contract.
    unsafe { fsctl_buffered(volume, fo, code, &[], &mut []) }
}

/// A METHOD_BUFFERED user FSCTL on `fo`, as the I/O manager sends it: one
/// system buffer of the larger length holds `input` and receives up to
/// `out.len()` bytes of output, copied back into `out`.
///
/// # Safety
/// `volume` is live; `fo` a harness file object opened on it.
pub(super) unsafe fn fsctl_buffered(
    volume: *mut DEVICE_OBJECT,
    fo: *mut FILE_OBJECT,
    code: u32,
    input: &[u8],
    out: &mut [u8],
) -> (NTSTATUS, usize) {
    // SAFETY: the caller's contract.
    unsafe { control_buffered(volume, fo, nt::IRP_MJ_FILE_SYSTEM_CONTROL, code, input, out) }
}

/// A METHOD_BUFFERED FSCTL (`major` IRP_MJ_FILE_SYSTEM_CONTROL) or IOCTL
/// (IRP_MJ_DEVICE_CONTROL, NtDeviceIoControlFile's) on `fo`, as
/// [`fsctl_buffered`]: FileSystemControl and DeviceIoControl parameters
/// share one layout.
///
/// # Safety
/// As [`fsctl_buffered`].
pub(super) unsafe fn control_buffered(
    volume: *mut DEVICE_OBJECT,
    fo: *mut FILE_OBJECT,
    major: u8,
    code: u32,
    input: &[u8],
    out: &mut [u8],
) -> (NTSTATUS, usize) {
    let minor = if major == nt::IRP_MJ_FILE_SYSTEM_CONTROL { nt::IRP_MN_USER_FS_REQUEST } else { 0 };
    let mut system = alloc::vec![0u8; input.len().max(out.len())];
    for (s, i) in system.iter_mut().zip(input) {
        *s = *i;
    }
    let buf = if system.is_empty() { None } else { Some(system.as_mut_ptr()) };
    let (in_len, out_len) = (input.len() as u32, out.len() as u32);
    // SAFETY: the caller's contract; `system` lives across the call.
    let (status, info) = unsafe {
        call(volume, major, minor, fo, 0, buf, None, |sp| {
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
pub(super) unsafe fn close(volume: *mut DEVICE_OBJECT, f: &mut HFile) -> NTSTATUS {
    let fo = f.ptr();
    // SAFETY: the caller's contract.
    unsafe {
        let (status, _) = call(volume, nt::IRP_MJ_CLEANUP, 0, fo, 0, None, None, |_| {});
        call(volume, nt::IRP_MJ_CLOSE, 0, fo, 0, None, None, |_| {});
        status
    }
}
