//! The `offered DIR WRITABLE` scenario (issue "Volumes in Explorer", item
//! 2): volumes Windows offers by itself (a disk plugged in), which the
//! harness imitates by mounting a RAM disk as offered, against volumes the
//! user asked for. Offered volumes are read-only unless the service's
//! WriteOfferedVolumes is 1 (WRITABLE says which the suite set); one whose
//! journal needs recovery is read-only either way, and nothing reaches its
//! disk. Each RAM disk is saved back over its image, where the suite looks.

use driver_ioctl as proto;
use proto::fsops::{FsRequest, MOUNT_LOWER_DEVICE, MOUNT_OFFERED, Op};

use crate::fsclient::{FILE_CREATE, FILE_DIRECTORY_FILE, FILE_OPEN, call, handle_op, unmount, want, wide_bytes, write};
use crate::status::{STATUS_MEDIA_WRITE_PROTECTED, STATUS_SUCCESS, expect};
use crate::win::{Handle, Report};

/// What the suite finds on the images afterwards (debugfs): keep in step
/// with `tests/suites/20-nt-driver.sh`.
const ASKED_TEXT: &str = "asked for";
const OFFERED_TEXT: &str = "offered, WriteOfferedVolumes 1";

/// A RAM-disk request on RAM disk 0 (`ramdiskclient`'s), which must succeed.
fn ramdisk_op(dev: Handle, op: Op, path: &str) -> Result<(), String> {
    want(crate::ramdiskclient::ramdisk_op(dev, op, path)?, STATUS_SUCCESS, &format!("{op:?} {path}")).map(|_| ())
}

/// The RAM disk made from `image`, mounted (as offered or asked), `body`
/// run on it, unmounted, saved back over `image` and deleted.
fn on_image(dev: Handle, image: &str, offered: bool, body: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    ramdisk_op(dev, Op::RamDiskCreate, image)?;
    let res = (|| {
        let name = wide_bytes(&proto::fsops::ramdisk_name(0));
        let mut req = FsRequest::new(Op::Mount);
        req.name = &name;
        req.args[0] = MOUNT_LOWER_DEVICE | if offered { MOUNT_OFFERED } else { 0 };
        want(call(dev, &req)?, STATUS_SUCCESS, "mount")?;
        let done = body();
        want(unmount(dev)?, STATUS_SUCCESS, "unmount")?;
        done
    })();
    let saved = ramdisk_op(dev, Op::RamDiskSave, image);
    ramdisk_op(dev, Op::RamDiskDelete, "")?;
    res.and(saved)
}

/// A create of `name` holding `text`: its status (the file closed).
fn create_file(dev: Handle, name: &str, text: &str) -> Result<u32, String> {
    let (s, _, h) = crate::fsclient::create(dev, name, FILE_CREATE, 0)?;
    if s == STATUS_SUCCESS {
        write(dev, h, 0, text.as_bytes())?;
        handle_op(dev, Op::Close, h)?;
    }
    Ok(s)
}

/// An open of `\lost+found` for reading works, and closes.
fn readable(dev: Handle) -> Result<(), String> {
    const FILE_GENERIC_READ: u32 = 0x0012_0089;
    match crate::fsclient::create_with(dev, "\\lost+found", FILE_OPEN, FILE_DIRECTORY_FILE, FILE_GENERIC_READ)? {
        (STATUS_SUCCESS, _, h) => handle_op(dev, Op::Close, h),
        (s, _, _) => Err(format!("open \\lost+found for reading: status {s:#010x}")),
    }
}

pub(crate) fn run(dev: Handle, r: &mut Report, dir: &str, writable: bool) {
    let clean = format!("{dir}\\clean.img");
    let dirty = format!("{dir}\\dirty.img");
    let (want_offered, how) = if writable {
        (STATUS_SUCCESS, "read-write (WriteOfferedVolumes 1)")
    } else {
        (STATUS_MEDIA_WRITE_PROTECTED, "read-only (the default)")
    };
    let res = on_image(dev, &clean, true, || {
        let s = create_file(dev, "\\offered.txt", OFFERED_TEXT)?;
        expect("a create on the offered volume", s, want_offered)?;
        readable(dev)
    });
    r.check(&format!("a clean ext4 volume Windows offers is mounted {how}, and read"), res);
    if !writable {
        let res = on_image(dev, &clean, false, || {
            expect("a create on the volume asked for", create_file(dev, "\\asked.txt", ASKED_TEXT)?, STATUS_SUCCESS)
        });
        r.check("the same volume asked for (as lklfs mount makes it) is read-write", res);
    }
    let res = on_image(dev, &dirty, true, || {
        let s = create_file(dev, "\\written.txt", "never")?;
        expect("a create on the offered volume whose journal needs recovery", s, STATUS_MEDIA_WRITE_PROTECTED)?;
        readable(dev)
    });
    r.check(
        "an offered ext4 volume whose journal needs recovery is read-only whatever WriteOfferedVolumes says (replayed in memory), and read",
        res,
    );
}
