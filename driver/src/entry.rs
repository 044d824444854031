//! DriverEntry and DriverUnload.

use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use lkl_abi::Host;
use nt::{DEVICE_OBJECT, DRIVER_OBJECT, NTSTATUS, UNICODE_STRING};
use widestring::{U16Str, u16str};

use crate::disk;
use crate::{HOST, dispatch, linux, security, workers};

static DEVICE_NAME: &U16Str = u16str!(r"\Device\LklfsControl");
static LINK_NAME: &U16Str = u16str!(r"\DosDevices\LklfsControl");

/// The control device, null before DriverEntry and after unload.
static CONTROL_DEVICE: AtomicPtr<DEVICE_OBJECT> = AtomicPtr::new(ptr::null_mut());
/// Rust heap blocks held when DriverEntry finished.
pub static HEAP_BASELINE: AtomicUsize = AtomicUsize::new(0);

#[cfg(feature = "user-mode-import-canary")]
unsafe extern "system" {
    fn GetTickCount() -> u32;
}

fn say(text: &str) {
    lkl_ntk_host::print::print(text.as_bytes());
}

/// The image entry point. PASSIVE_LEVEL, system process.
///
/// # Safety
/// Called by the I/O manager with a valid driver object.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn DriverEntry(driver: *mut DRIVER_OBJECT, registry_path: *mut UNICODE_STRING) -> NTSTATUS {
    // SAFETY: never linked successfully; see the feature in Cargo.toml.
    #[cfg(feature = "user-mode-import-canary")]
    unsafe {
        GetTickCount()
    };
    // SAFETY: first call into the host; HOST is a static.
    let wall = match unsafe { HOST.start() } {
        Ok(w) => w,
        Err(_) => return nt::STATUS_INSUFFICIENT_RESOURCES,
    };
    // SAFETY: the host runs; DriverEntry is the pool's only starter.
    if unsafe { workers::start() }.is_err() {
        // SAFETY: the host started above and nothing else uses it.
        unsafe { HOST.stop() };
        return nt::STATUS_INSUFFICIENT_RESOURCES;
    }
    // SAFETY: the service key's name from the I/O manager; PASSIVE_LEVEL.
    unsafe { crate::params::load(registry_path) };
    // SAFETY: `driver` is valid (I/O manager's contract); the rest of setup
    // only touches objects created here.
    let status = unsafe { create_control_device(driver) };
    if !nt::nt_success(status) {
        // SAFETY: the pool and host were started above, and no device exists,
        // so no IRP can use them; PASSIVE_LEVEL (DriverEntry).
        unsafe { stop_host() };
        return status;
    }
    HEAP_BASELINE.store(lkl_ntk_host::mem::heap_outstanding(), Ordering::SeqCst);
    say(match wall {
        lkl_ntk_host::clock::WallSource::Precise => "lklfs: loaded (wall clock: KeQuerySystemTimePrecise)\n",
        lkl_ntk_host::clock::WallSource::Export => "lklfs: loaded (wall clock: KeQuerySystemTime export)\n",
        lkl_ntk_host::clock::WallSource::SharedData => "lklfs: loaded (wall clock: shared user data)\n",
    });
    nt::STATUS_SUCCESS
}

unsafe fn create_control_device(driver: *mut DRIVER_OBJECT) -> NTSTATUS {
    let mut name = UNICODE_STRING::from_static(DEVICE_NAME);
    let mut link = UNICODE_STRING::from_static(LINK_NAME);
    let mut device: *mut DEVICE_OBJECT = ptr::null_mut();
    // SAFETY: valid driver object and out-pointer; static name.
    let status = unsafe {
        nt::IoCreateDevice(driver, 0, &mut name, nt::FILE_DEVICE_UNKNOWN, nt::FILE_DEVICE_SECURE_OPEN, 0, &mut device)
    };
    if !nt::nt_success(status) {
        return status;
    }
    // SAFETY: `device` was just created by us.
    let status = unsafe { security::restrict_to_admins(device) };
    if !nt::nt_success(status) {
        say("lklfs: could not restrict the control device to administrators\n");
        // SAFETY: ours, no link yet.
        unsafe { nt::IoDeleteDevice(device) };
        return status;
    }
    // SAFETY: static names.
    let status = unsafe { nt::IoCreateSymbolicLink(&mut link, &mut name) };
    if !nt::nt_success(status) {
        // SAFETY: ours.
        unsafe { nt::IoDeleteDevice(device) };
        return status;
    }
    // SAFETY: `driver` and `device` are valid; no IRP can arrive before
    // DO_DEVICE_INITIALIZING is cleared below.
    unsafe {
        let d = &mut *driver;
        for slot in d.MajorFunction.iter_mut() {
            *slot = Some(dispatch::any);
        }
        d.DriverUnload = Some(driver_unload);
        (*device).Flags |= nt::DO_BUFFERED_IO;
        (*device).Flags &= !nt::DO_DEVICE_INITIALIZING;
    }
    CONTROL_DEVICE.store(device, Ordering::SeqCst);
    // At shutdown every volume is flushed and unmounted from Linux
    // (dispatch::shutdown). Without it the volumes are still written back
    // by the next mount's journal replay, so a failure is only logged.
    // SAFETY: our live control device, PASSIVE_LEVEL.
    if !nt::nt_success(unsafe { nt::IoRegisterShutdownNotification(device) }) {
        say("lklfs: could not register for the shutdown notification\n");
    }
    // SAFETY: our live driver object, at PASSIVE_LEVEL.
    let status = unsafe { crate::fsd::register(driver) };
    if !nt::nt_success(status) {
        say("lklfs: could not create the file-system device\n");
        CONTROL_DEVICE.store(ptr::null_mut(), Ordering::SeqCst);
        // SAFETY: ours, created above.
        unsafe {
            nt::IoUnregisterShutdownNotification(device);
            nt::IoDeleteSymbolicLink(&mut link);
            nt::IoDeleteDevice(device);
        }
        return status;
    }
    nt::STATUS_SUCCESS
}

/// Whether `device` is the control device (every other device of ours is a
/// RAM disk of the test build).
pub fn is_control(device: *mut DEVICE_OBJECT) -> bool {
    device == CONTROL_DEVICE.load(Ordering::SeqCst)
}

/// The control device, for the harness's IRP_MJ_SHUTDOWN.
#[cfg(feature = "testing")]
pub fn control_device() -> *mut DEVICE_OBJECT {
    CONTROL_DEVICE.load(Ordering::SeqCst)
}

/// Our driver object, for creating more devices (the disks); `None`
/// before DriverEntry finished and after unload began.
pub fn driver() -> Option<*mut DRIVER_OBJECT> {
    let device = CONTROL_DEVICE.load(Ordering::SeqCst);
    // SAFETY: the control device is live while the pointer is published.
    if device.is_null() { None } else { Some(unsafe { (*device).DriverObject }) }
}

unsafe fn stop_host() {
    // SAFETY: the pool and host were started by DriverEntry; no IRP is in
    // flight (the device is gone or never existed).
    unsafe {
        workers::stop();
        HOST.stop();
    }
}

/// Frees everything DriverEntry made and reports leaks. PASSIVE_LEVEL.
unsafe extern "system" fn driver_unload(_driver: *mut DRIVER_OBJECT) {
    let mut link = UNICODE_STRING::from_static(LINK_NAME);
    // SAFETY: our link and device; the I/O manager calls unload only when no
    // handle to the device remains.
    unsafe {
        nt::IoDeleteSymbolicLink(&mut link);
        let device = CONTROL_DEVICE.swap(ptr::null_mut(), Ordering::SeqCst);
        if !device.is_null() {
            nt::IoUnregisterShutdownNotification(device);
            nt::IoDeleteDevice(device);
        }
    }
    // The volumes first (each unmounted from Linux on a worker), then
    // Linux, while the pool still runs: halt syncs, powers off, joins every
    // kernel thread and frees its memory.
    #[cfg(feature = "testing")]
    {
        crate::harness::close_all();
        crate::harness::stop_thread();
    }
    crate::fsd::unregister();
    let halted = linux::shutdown();
    // With Linux gone no mount holds a disk of ours.
    disk::delete_all();
    crate::params::forget();
    // SAFETY: the device is gone and Linux is halted; nothing else uses the
    // pool or the host.
    unsafe { stop_host() };
    if let Some(errno) = halted {
        lkl_ntk_host::print::print_fmt(format_args!("lklfs: Linux halted at unload (errno {errno})\n"));
    }
    let host = HOST.mem_outstanding();
    let heap = lkl_ntk_host::mem::heap_outstanding();
    let posted = crate::fsd::volume::POSTED.load(Ordering::SeqCst);
    let completed = crate::fsd::volume::COMPLETED.load(Ordering::SeqCst);
    lkl_ntk_host::print::print_fmt(format_args!(
        "lklfs: unloaded; outstanding allocations: host {host}, heap {heap}{}; IRPs posted {posted}, completed {completed}{}\n",
        if host == 0 && heap == 0 { "" } else { " LEAK" },
        if posted == completed { "" } else { " LOST" }
    ));
}
