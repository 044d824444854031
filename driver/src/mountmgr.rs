//! Telling the Mount Manager about image disks. A disk that is not a PnP
//! device cannot register the mounted-device interface (that needs a PDO),
//! so the driver announces each one itself
//! (IOCTL_MOUNTMGR_VOLUME_ARRIVAL_NOTIFICATION). The Mount Manager then
//! asks the disk its name, unique ID and suggested link (`diskctl`), and
//! gives it a drive letter: the one the user asked for
//! (IOCTL_MOUNTMGR_CREATE_POINT; the suggested link may have made it
//! already), else the next free one (IOCTL_MOUNTMGR_NEXT_DRIVE_LETTER, which
//! also reports the letter the volume has). At detach its points go
//! (IOCTL_MOUNTMGR_DELETE_POINTS). A bare `\DosDevices\X:` link would not
//! be a volume to Explorer or `mountvol`.
//!
//! The Mount Manager is reached through a kernel handle
//! (ZwCreateFile/ZwDeviceIoControlFile). Under Wine its mountmgr.sys runs
//! in another process and answers none of these requests: the statuses are
//! reported to the caller, and the letter is a runbook step.

use alloc::vec::Vec;
use core::ptr;

use driver_ioctl::diskctl::mountmgr;
use nt::{HANDLE, IO_STATUS_BLOCK, NTSTATUS, OBJECT_ATTRIBUTES, UNICODE_STRING};
use widestring::{U16Str, u16str};

static MOUNT_POINT_MANAGER: &U16Str = u16str!(r"\Device\MountPointManager");

/// What the Mount Manager said about a new disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct Arrival {
    /// The arrival notification's status.
    pub arrival: NTSTATUS,
    /// The drive letter's request's status (CREATE_POINT, or
    /// NEXT_DRIVE_LETTER without a letter asked for).
    pub letter_status: NTSTATUS,
    /// The volume's drive letter now (0 for none).
    pub letter: u8,
}

/// A kernel handle to the Mount Manager, closed when dropped.
struct Manager(HANDLE);

impl Drop for Manager {
    fn drop(&mut self) {
        // SAFETY: our kernel handle, closed once; PASSIVE_LEVEL.
        unsafe { nt::ZwClose(self.0) };
    }
}

impl Manager {
    fn open() -> Result<Manager, NTSTATUS> {
        let mut name = UNICODE_STRING::from_static(MOUNT_POINT_MANAGER);
        let mut attrs = OBJECT_ATTRIBUTES::new(&mut name, nt::OBJ_KERNEL_HANDLE, ptr::null_mut());
        let mut handle: HANDLE = ptr::null_mut();
        let mut iosb = IO_STATUS_BLOCK { Status: 0, Information: 0 };
        // SAFETY: live locals; PASSIVE_LEVEL (an attach or a detach on the
        // caller's thread).
        let status = unsafe {
            nt::ZwCreateFile(
                &mut handle,
                nt::FILE_READ_DATA | nt::FILE_WRITE_DATA | nt::SYNCHRONIZE,
                &mut attrs,
                &mut iosb,
                ptr::null_mut(),
                0,
                nt::FILE_SHARE_READ | nt::FILE_SHARE_WRITE,
                nt::FILE_OPEN,
                nt::FILE_SYNCHRONOUS_IO_NONALERT,
                ptr::null_mut(),
                0,
            )
        };
        if nt::nt_success(status) { Ok(Manager(handle)) } else { Err(status) }
    }

    /// One request; its status and the output bytes it returned.
    fn call(&self, code: u32, mut input: Vec<u8>, out: &mut [u8]) -> (NTSTATUS, usize) {
        let mut iosb = IO_STATUS_BLOCK { Status: 0, Information: 0 };
        let outp = if out.is_empty() { ptr::null_mut() } else { out.as_mut_ptr().cast() };
        // SAFETY: our synchronous handle; the buffers are live for their
        // lengths across the call.
        let status = unsafe {
            nt::ZwDeviceIoControlFile(
                self.0,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                &mut iosb,
                code,
                input.as_mut_ptr().cast(),
                input.len() as u32,
                outp,
                out.len() as u32,
            )
        };
        (status, if nt::nt_success(status) { iosb.Information } else { 0 })
    }

    /// The volume's drive letter (assigning the next free one if it has
    /// none): (status, letter or 0).
    fn next_letter(&self, device: &[u16]) -> (NTSTATUS, u8) {
        let mut info = [0u8; 2];
        let (status, n) = self.call(nt::IOCTL_MOUNTMGR_NEXT_DRIVE_LETTER, mountmgr::target(device), &mut info);
        let letter = if n == 2 { info.get(1).copied().unwrap_or(0) } else { 0 };
        (status, letter)
    }
}

/// Whether `\DosDevices\X:` exists (a letter in use, by anything).
pub fn letter_taken(letter: u8) -> bool {
    let link = mountmgr::drive_link(letter);
    let Some(mut name) = UNICODE_STRING::from_units(&link) else { return true };
    let mut attrs =
        OBJECT_ATTRIBUTES::new(&mut name, nt::OBJ_KERNEL_HANDLE | nt::OBJ_CASE_INSENSITIVE, ptr::null_mut());
    let mut handle: HANDLE = ptr::null_mut();
    // SAFETY: live locals; PASSIVE_LEVEL.
    let status = unsafe { nt::ZwOpenSymbolicLinkObject(&mut handle, nt::SYMBOLIC_LINK_QUERY, &mut attrs) };
    if nt::nt_success(status) {
        // SAFETY: the handle just opened.
        unsafe { nt::ZwClose(handle) };
        return true;
    }
    status != nt::STATUS_OBJECT_NAME_NOT_FOUND
}

/// Announces the disk named `device` and gets it a drive letter: `letter`
/// if asked for, else the next free one.
pub fn arrived(device: &[u16], letter: Option<u8>) -> Arrival {
    let m = match Manager::open() {
        Ok(m) => m,
        Err(s) => return Arrival { arrival: s, letter_status: s, letter: 0 },
    };
    let (arrival, _) = m.call(nt::IOCTL_MOUNTMGR_VOLUME_ARRIVAL_NOTIFICATION, mountmgr::target(device), &mut []);
    let letter_status = match letter {
        Some(l) => {
            let (s, _) = m.call(
                nt::IOCTL_MOUNTMGR_CREATE_POINT,
                mountmgr::create_point(&mountmgr::drive_link(l), device),
                &mut [],
            );
            // The suggested link may have made it at the arrival already.
            if s == nt::STATUS_OBJECT_NAME_COLLISION { nt::STATUS_SUCCESS } else { s }
        }
        None => m.next_letter(device).0,
    };
    // The letter the volume has now, whoever gave it.
    let (s, now) = m.next_letter(device);
    Arrival { arrival, letter_status, letter: if nt::nt_success(s) { now } else { 0 } }
}

/// Deletes the Mount Manager's points (its letter) of the disk named
/// `device`, before the disk goes.
pub fn departing(device: &[u16]) -> NTSTATUS {
    match Manager::open() {
        Ok(m) => {
            // The output lists what went; its size is not known in advance,
            // and an overflow still deleted them.
            let mut out = [0u8; 256];
            let (s, _) = m.call(nt::IOCTL_MOUNTMGR_DELETE_POINTS, mountmgr::points_of(device), &mut out);
            if s == nt::STATUS_BUFFER_OVERFLOW { nt::STATUS_SUCCESS } else { s }
        }
        Err(s) => s,
    }
}
