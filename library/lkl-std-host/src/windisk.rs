//! Raw disks on Windows, which std cannot size: a disk's file pointer knows
//! no end, its length comes from its driver (IOCTL_DISK_GET_LENGTH_INFO).
//! The one IOCTL call of the user-mode programs (`lklfs`, the plugin, the
//! setup program) is here, so they share its checks.

use std::fs::File;
use std::path::PathBuf;

/// `\\.\PhysicalDriveN` numbers worth looking at: Windows numbers disks
/// from 0 without gaps as they come, and 32 is more than a desktop has.
const PHYSICAL_DRIVES: u32 = 32;

/// `\\.\PhysicalDrive0` to `31` on Windows; none elsewhere.
pub fn physical_drives() -> Vec<PathBuf> {
    if cfg!(windows) {
        (0..PHYSICAL_DRIVES).map(|n| PathBuf::from(format!(r"\\.\PhysicalDrive{n}"))).collect()
    } else {
        Vec::new()
    }
}

/// One DeviceIoControl on `dev`: the bytes returned, or the Win32 error.
#[cfg(windows)]
pub fn device_io_control(dev: &File, code: u32, input: &[u8], out: &mut [u8]) -> Result<usize, i32> {
    use std::os::windows::io::AsRawHandle;
    let mut returned = 0u32;
    // SAFETY: the handle is open for as long as `dev` lives; the buffers
    // are live and their lengths are theirs; synchronous (no OVERLAPPED).
    let ok = unsafe {
        windows_sys::Win32::System::IO::DeviceIoControl(
            dev.as_raw_handle(),
            code,
            input.as_ptr().cast(),
            input.len() as u32,
            out.as_mut_ptr().cast(),
            out.len() as u32,
            &mut returned,
            std::ptr::null_mut(),
        )
    };
    if ok == 0 { Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0)) } else { Ok(returned as usize) }
}

/// IOCTL_DISK_GET_LENGTH_INFO: a Windows disk's or partition's length;
/// `None` for a file, and everywhere but Windows.
pub fn device_length(file: &File) -> Option<u64> {
    #[cfg(windows)]
    {
        const IOCTL_DISK_GET_LENGTH_INFO: u32 = 0x0007_405C;
        let mut len = [0u8; 8];
        match device_io_control(file, IOCTL_DISK_GET_LENGTH_INFO, &[], &mut len) {
            Ok(8) => Some(u64::from_le_bytes(len)),
            _ => None,
        }
    }
    #[cfg(not(windows))]
    {
        let _ = file;
        None
    }
}
