//! Eject (issue "Volumes in Explorer", item 3): IOCTL_STORAGE_EJECT_MEDIA
//! on a disk carrying a mounted volume. With a file open it is refused
//! (ERROR_BUSY) and the volume goes on; with none it dismounts the volume,
//! unmounts it from Linux (the image is left clean, which the suite's
//! checker and debugfs see) and takes the medium out. Explorer's own
//! sequence goes through the volume's handle: lock, dismount, allow the
//! removal, eject, each request after the first two passed by the file
//! system to the disk.

use driver_ioctl as proto;
use proto::fsops::{FsRequest, Op, VOLUME_HANDLE};

use crate::diskctlclient::want_err;
use crate::fsclient::{FILE_CREATE, call, handle_op, open, write};
use crate::status::{STATUS_INVALID_PARAMETER, STATUS_SUCCESS, STATUS_VOLUME_DISMOUNTED, expect};
use crate::win::{Handle, ioctl};

const ERROR_NOT_READY: u32 = 21;
const ERROR_BUSY: u32 = 170;
const IOCTL_DISK_GET_LENGTH_INFO: u32 = 0x0007_405C;
const IOCTL_STORAGE_CHECK_VERIFY: u32 = 0x002D_4800;
const IOCTL_STORAGE_MEDIA_REMOVAL: u32 = 0x002D_4804;
const IOCTL_STORAGE_EJECT_MEDIA: u32 = 0x002D_4808;

/// What the suite finds in the image's root afterwards (debugfs): keep
/// in step with `tests/suites/20-nt-driver.sh`.
const DIRECT_TEXT: &str = "written after the refused eject";
const EXPLORER_TEXT: &str = "open at the refused eject, closed before Explorer's";

/// An FSCTL (`fsctl`) or IOCTL on harness handle `h` of the mounted
/// volume; the status and the output.
fn control(dev: Handle, op: Op, h: u32, code: u32, input: &[u8], out_len: u32) -> Result<(u32, Vec<u8>), String> {
    let mut req = FsRequest::new(op);
    req.handle = h;
    req.args[0] = code;
    req.data = input;
    req.out_len = out_len;
    let (s, n, mut p) = call(dev, &req)?;
    p.truncate(n as usize);
    Ok((s, p))
}

/// A file the eject finds open: created with `text` in it, left open.
fn open_file(dev: Handle, name: &str, text: &str) -> Result<u32, String> {
    let f = open(dev, name, FILE_CREATE, 0)?;
    write(dev, f, 0, text.as_bytes())?;
    Ok(f)
}

/// The volume is gone: a create finds it dismounted, the disk no medium.
fn gone(dev: Handle, disk: Handle) -> Result<(), String> {
    let (s, _, _) = crate::fsclient::create(dev, "\\after-the-eject", FILE_CREATE, 0)?;
    expect("a create after the eject", s, STATUS_VOLUME_DISMOUNTED)?;
    want_err(disk, IOCTL_STORAGE_CHECK_VERIFY, &[], 0, ERROR_NOT_READY)
}

/// A program's eject on the disk's own handle `disk`, the volume mounted
/// through the harness and nothing dismounted first.
pub(crate) fn direct(dev: Handle, disk: Handle) -> Result<(), String> {
    let f = open(dev, "\\ejected-direct.txt", FILE_CREATE, 0)?;
    let refused = want_err(disk, IOCTL_STORAGE_EJECT_MEDIA, &[], 0, ERROR_BUSY);
    // The volume goes on: the open file is written after the refusal.
    let still = write(dev, f, 0, DIRECT_TEXT.as_bytes());
    handle_op(dev, Op::Close, f)?;
    refused.map_err(|e| format!("with a file open: {e}"))?;
    still?;
    ioctl(disk, IOCTL_STORAGE_CHECK_VERIFY, &[], &mut []).map_err(|e| format!("after the refusal: error {e}"))?;
    ioctl(disk, IOCTL_STORAGE_EJECT_MEDIA, &[], &mut []).map_err(|e| format!("eject with nothing open: error {e}"))?;
    gone(dev, disk)
}

/// Explorer's Eject on image disk `number` (its handle `disk`), the volume
/// mounted through the harness: refused while a file is open (the list
/// names the holders), then lock, dismount, allow the removal and eject on
/// the volume's handle. Device controls on a file's handle are refused.
pub(crate) fn explorer(dev: Handle, disk: Handle, number: u32, size: u64) -> Result<(), String> {
    let f = open_file(dev, "\\ejected-explorer.txt", EXPLORER_TEXT)?;
    let res = (|| {
        let (s, _) = control(dev, Op::DeviceControl, f, IOCTL_DISK_GET_LENGTH_INFO, &[], 8)?;
        expect("a device control on a file's handle", s, STATUS_INVALID_PARAMETER)?;
        // Passed to the disk, which answers with its length.
        let (s, out) = control(dev, Op::DeviceControl, VOLUME_HANDLE, IOCTL_DISK_GET_LENGTH_INFO, &[], 8)?;
        expect("the disk's length through the volume's handle", s, STATUS_SUCCESS)?;
        if out != size.to_le_bytes() {
            return Err(format!("the disk's length through the volume: {out:?}, want {size}"));
        }
        let (s, _) = control(dev, Op::DeviceControl, VOLUME_HANDLE, IOCTL_STORAGE_EJECT_MEDIA, &[], 0)?;
        expect("an eject through the volume with a file open", s, nt::STATUS_DEVICE_BUSY as u32)?;
        want_err(disk, IOCTL_STORAGE_EJECT_MEDIA, &[], 0, ERROR_BUSY)?;
        match crate::diskctlclient::list(dev)?.into_iter().find(|d| d.number == number) {
            Some(d) if !d.holders.is_empty() && d.flags & proto::images::LISTED_EJECTED == 0 => {
                println!("# eject refused: image disk {number} held by process {:?}", d.holders);
                Ok(())
            }
            other => Err(format!("list after the refused eject: {other:?}, want its holders, not ejected")),
        }
    })();
    handle_op(dev, Op::Close, f)?;
    res?;
    for (what, op, code, input) in [
        ("lock", Op::Fsctl, nt::FSCTL_LOCK_VOLUME, &[][..]),
        ("dismount", Op::Fsctl, nt::FSCTL_DISMOUNT_VOLUME, &[]),
        ("allow the removal", Op::DeviceControl, IOCTL_STORAGE_MEDIA_REMOVAL, &[0]),
        ("eject", Op::DeviceControl, IOCTL_STORAGE_EJECT_MEDIA, &[]),
    ] {
        let (s, _) = control(dev, op, VOLUME_HANDLE, code, input, 0)?;
        expect(&format!("Explorer's {what}"), s, STATUS_SUCCESS)?;
    }
    gone(dev, disk)?;
    match crate::diskctlclient::list(dev)?.into_iter().find(|d| d.number == number) {
        // The harness's own open of the volume stays until its unmount.
        Some(d) if d.flags & proto::images::LISTED_EJECTED != 0 => Ok(()),
        other => Err(format!("list after the eject: {other:?}, want ejected")),
    }
}
