//! The file-system driver: the file-system device registered with the I/O
//! manager, mount and verify (`mount.rs`), and the volume devices whose
//! IRPs the `fsd` crate's common routines answer: one file per major here
//! (the Fsd half: decode the IRP, post it), one per major there (the
//! Common half).

mod cleanup;
mod close;
mod create;
mod devctl;
mod dirctl;
mod ea;
#[cfg(not(feature = "testing"))]
mod fastio;
mod fcb;
mod fileinfo;
mod flush;
mod fsctl;
pub(crate) mod irp;
mod lockctl;
mod mdl;
mod mount;
#[cfg(not(feature = "testing"))]
mod oplock;
mod paging;
mod pnp;
mod read;
mod security;
mod services;
mod volinfo;
pub(crate) mod volume;
#[cfg(not(feature = "testing"))]
mod wincache;
mod write;

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use nt::{DEVICE_OBJECT, IRP, NTSTATUS, UNICODE_STRING};
use widestring::{U16Str, u16str};

use irp::Irp;

static FS_NAME: &U16Str = u16str!(r"\Lklfs");

/// The file-system device, null before registration and after unload.
static FS_DEVICE: AtomicPtr<DEVICE_OBJECT> = AtomicPtr::new(ptr::null_mut());

/// Creates the file-system device and registers it, so the I/O manager
/// offers it every new disk volume. PASSIVE_LEVEL (DriverEntry).
///
/// # Safety
/// `driver` is our live driver object.
pub(crate) unsafe fn register(driver: *mut nt::DRIVER_OBJECT) -> NTSTATUS {
    // SAFETY: the caller's contract; before any of our devices exists.
    #[cfg(not(feature = "testing"))]
    unsafe {
        fastio::install(driver)
    };
    let mut name = UNICODE_STRING::from_static(FS_NAME);
    let mut device: *mut DEVICE_OBJECT = ptr::null_mut();
    // SAFETY: valid driver object and out-pointer; static name.
    let status =
        unsafe { nt::IoCreateDevice(driver, 0, &mut name, nt::FILE_DEVICE_DISK_FILE_SYSTEM, 0, 0, &mut device) };
    if !nt::nt_success(status) {
        return status;
    }
    // SAFETY: our new device; registration after it is initialised.
    unsafe {
        (*device).Flags &= !nt::DO_DEVICE_INITIALIZING;
        nt::IoRegisterFileSystem(device);
    }
    FS_DEVICE.store(device, Ordering::SeqCst);
    nt::STATUS_SUCCESS
}

/// From DriverUnload: every volume unmounted, the file-system device
/// unregistered and deleted. PASSIVE_LEVEL, with the worker pool running.
pub(crate) fn unregister() {
    volume::unmount_all();
    let device = FS_DEVICE.swap(ptr::null_mut(), Ordering::SeqCst);
    if !device.is_null() {
        // SAFETY: our registered device; no IRP is in flight at unload.
        unsafe {
            nt::IoUnregisterFileSystem(device);
            nt::IoDeleteDevice(device);
        }
    }
}

/// The file-system device, once registered (the test harness mounts
/// through it).
#[cfg(feature = "testing")]
pub(crate) fn fs_device_object() -> Option<*mut DEVICE_OBJECT> {
    let d = FS_DEVICE.load(Ordering::SeqCst);
    if d.is_null() { None } else { Some(d) }
}

/// Whether `device` is the file-system device.
pub(crate) fn is_fs_device(device: *mut DEVICE_OBJECT) -> bool {
    !device.is_null() && device == FS_DEVICE.load(Ordering::SeqCst)
}

/// Number of mounted volumes (Linux must not halt while any is).
pub(crate) fn volumes() -> usize {
    volume::count()
}

/// Dispatch for the file-system device: mount and verify; opens of the
/// device itself succeed; anything else is refused.
///
/// # Safety
/// The I/O manager's arguments for the file-system device.
pub(crate) unsafe fn fs_device(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    // SAFETY: a dispatched IRP, ours until completed.
    let irp = unsafe { Irp::new(irp) };
    match (irp.major(), irp.minor()) {
        (nt::IRP_MJ_FILE_SYSTEM_CONTROL, nt::IRP_MN_MOUNT_VOLUME) => {
            // SAFETY: our live device.
            mount::mount(irp, unsafe { (*device).DriverObject })
        }
        (nt::IRP_MJ_FILE_SYSTEM_CONTROL, nt::IRP_MN_VERIFY_VOLUME) => mount::verify(irp),
        (nt::IRP_MJ_CREATE | nt::IRP_MJ_CLEANUP | nt::IRP_MJ_CLOSE, _) => irp.complete(nt::STATUS_SUCCESS, 0),
        _ => irp.complete(nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    }
}

/// Dispatch for a volume device: each major's common routine, posted.
///
/// # Safety
/// The I/O manager's arguments; `device` is one of our volume devices.
pub(crate) unsafe fn volume_device(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    // SAFETY: a dispatched IRP, ours until completed.
    let irp = unsafe { Irp::new(irp) };
    // SAFETY: the caller's contract.
    let Some(ext) = (unsafe { volume::volume_of(device) }) else {
        return irp.complete(nt::STATUS_INVALID_DEVICE_REQUEST, 0);
    };
    // Paging I/O never waits for the volume's lock (`paging.rs`).
    // SAFETY: a dispatched IRP of ours.
    let paging = unsafe { (*irp.raw()).Flags } & nt::IRP_PAGING_IO != 0;
    if paging && matches!(irp.major(), nt::IRP_MJ_READ | nt::IRP_MJ_WRITE) {
        return paging::post(irp, ext);
    }
    if irp.major() == nt::IRP_MJ_DEVICE_CONTROL {
        return devctl::pass_down(irp, ext);
    }
    let common: volume::Common = match irp.major() {
        nt::IRP_MJ_CREATE => create::common,
        nt::IRP_MJ_CLEANUP => cleanup::common,
        nt::IRP_MJ_CLOSE => close::common,
        nt::IRP_MJ_READ => read::common,
        nt::IRP_MJ_WRITE => write::common,
        nt::IRP_MJ_QUERY_INFORMATION => fileinfo::query,
        nt::IRP_MJ_SET_INFORMATION => fileinfo::set,
        nt::IRP_MJ_QUERY_VOLUME_INFORMATION => volinfo::query,
        nt::IRP_MJ_SET_VOLUME_INFORMATION => volinfo::set,
        nt::IRP_MJ_QUERY_EA => ea::query,
        nt::IRP_MJ_SET_EA => ea::set,
        nt::IRP_MJ_QUERY_SECURITY => security::query,
        nt::IRP_MJ_SET_SECURITY => security::set,
        nt::IRP_MJ_DIRECTORY_CONTROL => dirctl::common,
        nt::IRP_MJ_FLUSH_BUFFERS => flush::common,
        nt::IRP_MJ_FILE_SYSTEM_CONTROL => fsctl::common,
        nt::IRP_MJ_LOCK_CONTROL => lockctl::common,
        nt::IRP_MJ_PNP => pnp::common,
        _ => return irp.complete(nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    };
    volume::post(irp, ext, common)
}
