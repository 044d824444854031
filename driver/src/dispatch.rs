//! IRP dispatch for the control device: a small view over the IRP (the only
//! unsafe part), then plain Rust on checked slices.

use core::slice;

use driver_ioctl::{AllocCounters, Reject};
use lkl_abi::Host;
use nt::{DEVICE_OBJECT, IRP, NTSTATUS};

use crate::{HOST, linux};

/// Completes an IRP of one of our devices with `status` and `information`.
pub(crate) fn complete(irp: *mut IRP, status: NTSTATUS, information: usize) -> NTSTATUS {
    // SAFETY: `irp` is the IRP the I/O manager handed to a dispatch routine,
    // which we still own until IofCompleteRequest.
    unsafe {
        (*irp).IoStatus.Status = status;
        (*irp).IoStatus.Information = information;
        nt::IofCompleteRequest(irp, nt::IO_NO_INCREMENT as i8);
    }
    status
}

/// Every major of every device of ours: the control device's handlers
/// below, the file-system device's and the volumes' (`fsd`), or a test RAM
/// disk's.
pub unsafe extern "system" fn any(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    // SAFETY: every routine below gets the I/O manager's arguments; the
    // device kinds are told apart first (the volume devices by their
    // node-typed extension, the others by address).
    unsafe {
        if crate::fsd::is_fs_device(device) {
            return crate::fsd::fs_device(device, irp);
        }
        if crate::fsd::volume::volume_of(device).is_some() {
            return crate::fsd::volume_device(device, irp);
        }
        let major = (*(*irp).CurrentStackLocation).MajorFunction;
        match major {
            nt::IRP_MJ_CREATE | nt::IRP_MJ_CLOSE | nt::IRP_MJ_CLEANUP => create_close(device, irp),
            nt::IRP_MJ_DEVICE_CONTROL => device_control(device, irp),
            nt::IRP_MJ_SHUTDOWN if crate::entry::is_control(device) => shutdown(irp),
            nt::IRP_MJ_READ | nt::IRP_MJ_WRITE => read_write(device, irp),
            nt::IRP_MJ_FLUSH_BUFFERS => flush(device, irp),
            nt::IRP_MJ_PNP if !crate::entry::is_control(device) => crate::disk::pnp(device, irp),
            _ => unsupported(device, irp),
        }
    }
}

/// CREATE, CLOSE and CLEANUP: nothing per handle yet. Access was checked by
/// the I/O manager against the device's DACL.
pub unsafe extern "system" fn create_close(_device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    complete(irp, nt::STATUS_SUCCESS, 0)
}

/// IRP_MJ_SHUTDOWN (registered for the control device): every volume is
/// dismounted, written back and unmounted from Linux, on a worker (Linux is
/// entered only from host threads). Linux itself stays up, idle: it boots
/// once per load.
fn shutdown(irp: *mut IRP) -> NTSTATUS {
    crate::workers::run(crate::fsd::volume::shut_down_all);
    complete(irp, nt::STATUS_SUCCESS, 0)
}

/// Every other major function.
pub unsafe extern "system" fn unsupported(_device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    complete(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0)
}

fn reject_status(r: Reject) -> NTSTATUS {
    match r {
        Reject::InvalidParameter => nt::STATUS_INVALID_PARAMETER,
        Reject::BufferTooSmall => nt::STATUS_BUFFER_TOO_SMALL,
        Reject::UnknownCode => nt::STATUS_INVALID_DEVICE_REQUEST,
    }
}

/// READ and WRITE: served by the driver's disks.
pub unsafe extern "system" fn read_write(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    if crate::entry::is_control(device) {
        return complete(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    // SAFETY: the I/O manager's arguments; any device but the control
    // device (and the file-system and volume devices, told apart before) is
    // one of our disks, or was (then the disk table knows it no more).
    unsafe { crate::disk::read_write(device, irp) }
}

/// FLUSH_BUFFERS: served by the driver's disks.
pub unsafe extern "system" fn flush(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    if crate::entry::is_control(device) {
        return complete(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    // SAFETY: as in `read_write`, at PASSIVE_LEVEL.
    unsafe { crate::disk::flush(device, irp) }
}

/// DEVICE_CONTROL (METHOD_BUFFERED codes only). PASSIVE_LEVEL. A disk's
/// requests go to `disk`.
pub unsafe extern "system" fn device_control(device: *mut DEVICE_OBJECT, irp: *mut IRP) -> NTSTATUS {
    if !crate::entry::is_control(device) {
        // SAFETY: as in `read_write`.
        return unsafe { crate::disk::device_control(device, irp) };
    }
    // SAFETY: a dispatch routine's IRP has a current stack location; for
    // METHOD_BUFFERED the system buffer holds max(in, out) bytes (or is null
    // when both are 0), and we only form slices within those lengths.
    let (code, input, output) = unsafe {
        let sp = &*(*irp).CurrentStackLocation;
        let p = sp.Parameters.DeviceIoControl;
        let buf = (*irp).SystemBuffer.cast::<u8>();
        let (in_len, out_len) = (p.InputBufferLength as usize, p.OutputBufferLength as usize);
        if buf.is_null() && (in_len != 0 || out_len != 0) {
            return complete(irp, nt::STATUS_INVALID_PARAMETER, 0);
        }
        let input = if in_len == 0 { &[][..] } else { slice::from_raw_parts(buf, in_len) };
        (p.IoControlCode, input, (buf, out_len))
    };
    if let Err(r) = driver_ioctl::validate(code, input, output.1) {
        return complete(irp, reject_status(r), 0);
    }
    // What a request carries beyond its header is copied out now: input and
    // output share the system buffer.
    let boot = match code {
        driver_ioctl::IOCTL_LINUX_BOOT => match driver_ioctl::linux::BootRequest::decode(input) {
            Ok(req) => Some(linux::boot_config(&req)),
            Err(r) => return complete(irp, reject_status(r), 0),
        },
        _ => None,
    };
    // An image disk is made now, on the caller's thread (the image opens
    // with the caller's rights), while the path is still in the buffer.
    let attached = match code {
        driver_ioctl::IOCTL_IMAGE_ATTACH => match driver_ioctl::images::AttachRequest::decode(input) {
            Ok(req) => Some(crate::disk::attach(&req)),
            Err(r) => return complete(irp, reject_status(r), 0),
        },
        _ => None,
    };
    let detach = driver_ioctl::images::decode_detach(input).ok();
    // A file operation is copied whole (at most a header, a name and 1 MiB):
    // the reply is written into the same buffer while the request's name
    // and data are still in use.
    #[cfg(feature = "testing")]
    let fs_request = if code == driver_ioctl::IOCTL_FS { Some(input.to_vec()) } else { None };
    // Validation passed and the request is fully read, so the shared buffer
    // may now be overwritten with the output.
    // SAFETY: for METHOD_BUFFERED the system buffer (non-null when
    // out_len > 0, checked above) holds at least out_len bytes and is ours
    // until completion; `input`, which aliases it, is not used past here.
    let out = unsafe { slice::from_raw_parts_mut(output.0, output.1) };
    match code {
        #[cfg(feature = "testing")]
        driver_ioctl::IOCTL_SELFTEST => {
            let mut results = alloc::vec![0u8; driver_ioctl::SELFTEST_OUT_SIZE];
            crate::selftest::run(&mut results);
            out.copy_from_slice(&results);
            drop(results);
            complete(irp, nt::STATUS_SUCCESS, out.len())
        }
        driver_ioctl::IOCTL_ALLOC_COUNTERS => {
            let c = AllocCounters {
                host_outstanding: HOST.mem_outstanding() as u64,
                heap_outstanding: lkl_ntk_host::mem::heap_outstanding() as u64,
                heap_baseline: crate::entry::HEAP_BASELINE.load(core::sync::atomic::Ordering::SeqCst) as u64,
                #[cfg(feature = "testing")]
                selftests_run: crate::selftest::runs(),
                #[cfg(not(feature = "testing"))]
                selftests_run: 0,
            };
            out.copy_from_slice(&c.encode());
            complete(irp, nt::STATUS_SUCCESS, out.len())
        }
        driver_ioctl::IOCTL_LINUX_BOOT => match boot {
            Some(config) => finish(irp, linux::boot(&config, out), out.len()),
            None => complete(irp, nt::STATUS_INVALID_PARAMETER, 0),
        },
        // The file IOCTL is a test tool now: programs reach files through
        // the file system's own IRPs.
        #[cfg(feature = "testing")]
        driver_ioctl::IOCTL_FS => match fs_request {
            Some(req) => finish(irp, crate::fs::request(&req, out), out.len()),
            None => complete(irp, nt::STATUS_INVALID_PARAMETER, 0),
        },
        driver_ioctl::IOCTL_IMAGE_ATTACH => match attached {
            Some(Ok(a)) => {
                out.copy_from_slice(&a.encode());
                complete(irp, nt::STATUS_SUCCESS, out.len())
            }
            Some(Err(s)) => complete(irp, s, 0),
            None => complete(irp, nt::STATUS_INVALID_PARAMETER, 0),
        },
        driver_ioctl::IOCTL_IMAGE_DETACH => match detach {
            Some(n) => complete(irp, crate::disk::detach(n), 0),
            None => complete(irp, nt::STATUS_INVALID_PARAMETER, 0),
        },
        driver_ioctl::IOCTL_IMAGE_LIST => {
            crate::disk::list(out);
            complete(irp, nt::STATUS_SUCCESS, out.len())
        }
        driver_ioctl::IOCTL_LINUX_INFO => finish(irp, linux::info(out), out.len()),
        driver_ioctl::IOCTL_LINUX_HALT => finish(irp, linux::halt(out), out.len()),
        #[cfg(feature = "testing")]
        driver_ioctl::IOCTL_LINUX_PANIC_FOR_TEST => finish(irp, linux::panic_for_test(out), out.len()),
        _ => complete(irp, nt::STATUS_INVALID_DEVICE_REQUEST, 0),
    }
}

/// Completes with the output length on success and no output otherwise.
fn finish(irp: *mut IRP, status: NTSTATUS, len: usize) -> NTSTATUS {
    complete(irp, status, if nt::nt_success(status) { len } else { 0 })
}
