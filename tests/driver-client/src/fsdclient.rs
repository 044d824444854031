//! The `fsd DIR` scenario: the file-system driver's mount decision and its
//! volume FSCTLs, through the IRP harness. DIR holds images the suite made:
//! `junk.img` (seeded random bytes), `zero.img`, `ntfs.img` (an NTFS boot
//! sector), `corrupt.img` (ext4 with its group descriptors zeroed) and
//! `good.img` (a fresh ext4).
//!
//! 1. Each foreign volume is refused with STATUS_UNRECOGNIZED_VOLUME, as a
//!    RAM disk and as an image, and Linux is still not booted afterwards:
//!    Windows offers every new volume to every file system, and the answer
//!    must be quick. So is `btrfs.img`, a kind the service's FileSystems
//!    parameter leaves to another driver.
//! 2. The corrupt ext4 fails with a clear status; the next mount works (and
//!    boots Linux).
//! 3. On the good volume: lock refused while a file is open, is-mounted,
//!    an unknown FSCTL refused, verify; lock, creates refused while locked,
//!    unlock (twice: the second is refused); a forced dismount with a file
//!    open: that file's requests then fail with STATUS_VOLUME_DISMOUNTED,
//!    is-mounted and verify say so, and the unmount finishes. The suite
//!    then checks the image (e2fsck, and the file written before the
//!    dismount).
//! 4. IRP_MJ_SHUTDOWN with a file open on a third image: later requests
//!    find the volume dismounted, the file still closes, and the suite finds
//!    the image clean, unmounted, with both files.
//! 5. Removal (IRP_MJ_PNP) on a fourth: query-remove, cancel-remove, and a
//!    surprise removal of a disk pulled out with a file open; the suite
//!    finds the image consistent to its last flush.

use driver_ioctl as proto;
use proto::fsops::{FsRequest, Op, VOLUME_HANDLE};

use crate::fsclient::{Reply, call, create, handle_op, mount, mount_device, open, unmount, want, wide_bytes, write};
use crate::status::{
    STATUS_ACCESS_DENIED, STATUS_INVALID_DEVICE_REQUEST, STATUS_NOT_LOCKED, STATUS_SUCCESS, STATUS_UNRECOGNIZED_VOLUME,
    STATUS_VOLUME_DISMOUNTED, STATUS_WRONG_VOLUME,
};
use crate::win::{Handle, Report};

const FILE_OVERWRITE_IF: u32 = 5;
const FILE_OPEN: u32 = 1;

fn fsctl(dev: Handle, h: u32, code: u32) -> Result<u32, String> {
    let mut req = FsRequest::new(Op::Fsctl);
    req.handle = h;
    req.args[0] = code;
    call(dev, &req).map(|r| r.0)
}

fn verify(dev: Handle) -> Result<u32, String> {
    call(dev, &FsRequest::new(Op::Verify)).map(|r| r.0)
}

fn expect(what: &str, got: Result<u32, String>, want: u32) -> Result<(), String> {
    match got? {
        s if s == want => Ok(()),
        s => Err(format!("{what}: status {s:#010x}, want {want:#010x}")),
    }
}

fn status_of(r: Result<Reply, String>) -> Result<u32, String> {
    r.map(|r| r.0)
}

fn ramdisk(dev: Handle, op: Op, path: &str) -> Result<u32, String> {
    let name = if path.is_empty() { Vec::new() } else { wide_bytes(&format!("\\??\\{path}")) };
    let mut req = FsRequest::new(op);
    req.name = &name;
    status_of(call(dev, &req))
}

fn linux_booted(dev: Handle) -> bool {
    let mut out = vec![0u8; proto::linux::INFO_OUT_SIZE];
    crate::win::ioctl(dev, proto::IOCTL_LINUX_INFO, &proto::linux::header(), &mut out).is_ok()
}

/// What a program sees of the volume: opened by the device name the test
/// build gives it (Wine routes no path below a device, but a device it
/// does), then GetVolumeInformationByHandleW, which asks the driver for
/// FileFsVolumeInformation and FileFsAttributeInformation.
fn volume_from_user_mode(number: u64) -> Result<(), String> {
    let path = widestring::U16CString::from_str_truncate(format!("\\\\?\\GLOBALROOT\\Device\\LklfsVolume{number}"));
    // SAFETY: a NUL-terminated name; no security attributes or template.
    let h = unsafe {
        crate::win::CreateFileW(
            path.as_ptr(),
            crate::win::GENERIC_READ,
            3,
            std::ptr::null_mut(),
            3,
            0,
            std::ptr::null_mut(),
        )
    };
    if h as isize == -1 {
        // SAFETY: no preconditions.
        return Err(format!("open LklfsVolume{number}: error {}", unsafe { crate::win::GetLastError() }));
    }
    let (mut label, mut fs) = ([0u16; 64], [0u16; 64]);
    let (mut serial, mut max, mut flags) = (0u32, 0u32, 0u32);
    // SAFETY: our handle and buffers of the lengths given.
    let ok = unsafe {
        crate::win::GetVolumeInformationByHandleW(
            h,
            label.as_mut_ptr(),
            64,
            &mut serial,
            &mut max,
            &mut flags,
            fs.as_mut_ptr(),
            64,
        )
    };
    // SAFETY: no preconditions.
    let err = unsafe { crate::win::GetLastError() };
    // SAFETY: our handle.
    unsafe { crate::win::CloseHandle(h) };
    if ok == 0 {
        return Err(format!("GetVolumeInformationByHandleW: error {err}"));
    }
    let text = |b: &[u16]| String::from_utf16_lossy(&b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]);
    let (label, fs) = (text(&label), text(&fs));
    println!("volume: label {label} serial {serial:08X} fs {fs} max {max}");
    if label != "lklfs-fsd" || fs != "ext4" || max != 255 {
        return Err(format!("label {label:?}, file system {fs:?}, longest name {max}"));
    }
    Ok(())
}

pub(crate) fn run(dev: Handle, r: &mut Report, dir: &str) {
    let disk = proto::fsops::ramdisk_name(0);
    // btrfs: a kind the service's FileSystems parameter leaves to another
    // driver (the suite sets it for this scenario).
    for name in ["junk", "zero", "ntfs", "btrfs"] {
        let image = format!("{dir}\\{name}.img");
        let res = (|| {
            expect("RAM disk create", ramdisk(dev, Op::RamDiskCreate, &image), STATUS_SUCCESS)?;
            let as_disk = status_of(mount_device(dev, &disk, false));
            expect("RAM disk delete", ramdisk(dev, Op::RamDiskDelete, ""), STATUS_SUCCESS)?;
            expect("mount as a disk", as_disk, STATUS_UNRECOGNIZED_VOLUME)?;
            expect("mount as an image", status_of(mount(dev, &image, false)), STATUS_UNRECOGNIZED_VOLUME)
        })();
        r.check(&format!("{name}.img is refused with STATUS_UNRECOGNIZED_VOLUME, as a disk and as an image"), res);
    }
    let res = if linux_booted(dev) { Err("Linux runs".to_string()) } else { Ok(()) };
    r.check("refusing foreign volumes did not boot Linux", res);

    let res = match status_of(mount(dev, &format!("{dir}\\corrupt.img"), false)) {
        Ok(STATUS_SUCCESS) => {
            let _ = unmount(dev);
            Err("mounted".to_string())
        }
        Ok(s) => {
            println!("# corrupt ext4: mount status {s:#010x}");
            Ok(())
        }
        Err(e) => Err(e),
    };
    r.check("a corrupt ext4 image fails to mount with a status of its own", res);
    let good = format!("{dir}\\good.img");
    let mounted = mount(dev, &good, false);
    let number = mounted.as_ref().map_or(0, |m| m.1);
    let res = expect("mount", status_of(mounted), STATUS_SUCCESS)
        .and_then(|()| if linux_booted(dev) { Ok(()) } else { Err("Linux did not boot".to_string()) });
    r.check("the next mount works and boots Linux", res);
    r.check(
        "a program opens the volume device and reads its volume information (label, serial, file system)",
        volume_from_user_mode(number),
    );

    let res = (|| {
        let f = open(dev, "\\f", FILE_OVERWRITE_IF, 0)?;
        expect("lock with a file open", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_LOCK_VOLUME), STATUS_ACCESS_DENIED)?;
        expect("is-mounted", fsctl(dev, f, nt::FSCTL_IS_VOLUME_MOUNTED), STATUS_SUCCESS)?;
        expect("lock on a file handle", fsctl(dev, f, nt::FSCTL_LOCK_VOLUME), crate::status::STATUS_INVALID_PARAMETER)?;
        expect("an unknown FSCTL", fsctl(dev, VOLUME_HANDLE, 0x0009_0fff), STATUS_INVALID_DEVICE_REQUEST)?;
        // No oplock is granted; an acknowledgment without one is out of
        // protocol; the volume takes none.
        let not_granted = fs_glue::NtStatus::OPLOCK_NOT_GRANTED.0;
        expect("a batch oplock", fsctl(dev, f, nt::FSCTL_REQUEST_BATCH_OPLOCK), not_granted)?;
        expect("a level 2 oplock", fsctl(dev, f, nt::FSCTL_REQUEST_OPLOCK_LEVEL_2), not_granted)?;
        let protocol = fs_glue::NtStatus::INVALID_OPLOCK_PROTOCOL.0;
        expect("a break acknowledgment", fsctl(dev, f, nt::FSCTL_OPLOCK_BREAK_ACKNOWLEDGE), protocol)?;
        let invalid = crate::status::STATUS_INVALID_PARAMETER;
        expect("an oplock on the volume", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_REQUEST_OPLOCK_LEVEL_1), invalid)?;
        expect("verify", verify(dev), STATUS_SUCCESS)?;
        handle_op(dev, Op::Close, f)?;
        expect("lock", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_LOCK_VOLUME), STATUS_SUCCESS)?;
        expect("create while locked", create(dev, "\\f", FILE_OPEN, 0).map(|c| c.0), STATUS_ACCESS_DENIED)?;
        expect("unlock", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_UNLOCK_VOLUME), STATUS_SUCCESS)?;
        expect("unlock again", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_UNLOCK_VOLUME), STATUS_NOT_LOCKED)
    })();
    r.check("lock is refused while a file is open, then locks out creates until unlocked; verify, is-mounted", res);

    let res = crate::pagingclient::run(dev).map(|what| println!("# {what}"));
    r.check("paging I/O as IRPs through the file's FCB, past the volume's lock", res);

    let res = crate::lockclient::run(dev).map(|what| println!("# {what}"));
    r.check(
        "byte-range locks as IRPs: conflicts, refused I/O, waiting locks granted, cancelled and ended by a close",
        res,
    );

    let res = crate::notifyclient::run(dev).map(|what| println!("# {what}"));
    r.check("change notification as IRPs: changes through other handles complete it with Windows' records; a subtree, a zero-length buffer, a cancel, the watcher's close", res);

    let res = crate::sweepclient::run(dev).map(|what| println!("# sweep: {what}"));
    r.check("every information class, volume class and directory class at every buffer length; reads at the offsets' edges; names at the longest component and past it", res);

    let res = (|| {
        let g = open(dev, "\\g", FILE_OVERWRITE_IF, 0)?;
        write(dev, g, 0, b"kept")?;
        expect("dismount with a file open", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_DISMOUNT_VOLUME), STATUS_SUCCESS)?;
        let mut req = FsRequest::new(Op::Read);
        req.handle = g;
        req.out_len = 4;
        expect("read after the dismount", status_of(call(dev, &req)), STATUS_VOLUME_DISMOUNTED)?;
        expect("is-mounted", fsctl(dev, g, nt::FSCTL_IS_VOLUME_MOUNTED), STATUS_VOLUME_DISMOUNTED)?;
        expect("verify", verify(dev), STATUS_WRONG_VOLUME)?;
        handle_op(dev, Op::Close, g)?;
        expect("unmount", status_of(unmount(dev)), STATUS_SUCCESS)
    })();
    r.check("a forced dismount with a file open: its requests fail with STATUS_VOLUME_DISMOUNTED; unmount", res);

    let res = (|| {
        want(mount(dev, &format!("{dir}\\shutdown.img"), false)?, STATUS_SUCCESS, "mount")?;
        let a = open(dev, "\\kept.txt", FILE_OVERWRITE_IF, 0)?;
        write(dev, a, 0, b"written before the shutdown")?;
        handle_op(dev, Op::Close, a)?;
        let b = open(dev, "\\open.txt", FILE_OVERWRITE_IF, 0)?;
        write(dev, b, 0, b"still open")?;
        expect("shutdown", status_of(call(dev, &FsRequest::new(Op::Shutdown))), STATUS_SUCCESS)?;
        let mut req = FsRequest::new(Op::Read);
        req.handle = b;
        req.out_len = 4;
        expect("read after the shutdown", status_of(call(dev, &req)), STATUS_VOLUME_DISMOUNTED)?;
        let (s, ..) = create(dev, "\\late.txt", FILE_OVERWRITE_IF, 0)?;
        expect("create after the shutdown", Ok(s), STATUS_VOLUME_DISMOUNTED)?;
        handle_op(dev, Op::Close, b)?;
        expect("unmount", status_of(unmount(dev)), STATUS_SUCCESS)
    })();
    r.check("IRP_MJ_SHUTDOWN with a file open: the volume is written back and unmounted, later requests find it dismounted, its file objects still close", res);

    let pnp = |minor: u32, pull: bool| {
        let mut req = FsRequest::new(Op::Pnp);
        req.args = [minor, u32::from(pull), 0];
        status_of(call(dev, &req))
    };
    let res = (|| {
        want(mount(dev, &format!("{dir}\\removal.img"), false)?, STATUS_SUCCESS, "mount")?;
        let a = open(dev, "\\flushed.txt", FILE_OVERWRITE_IF, 0)?;
        write(dev, a, 0, b"on the disk")?;
        handle_op(dev, Op::Flush, a)?;
        expect("query-remove with a file open", pnp(1, false), STATUS_ACCESS_DENIED)?;
        handle_op(dev, Op::Close, a)?;
        expect("query-remove", pnp(1, false), STATUS_SUCCESS)?;
        expect(
            "a create while the removal is pending",
            Ok(create(dev, "\\x", FILE_OVERWRITE_IF, 0)?.0),
            STATUS_ACCESS_DENIED,
        )?;
        expect("cancel-remove", pnp(3, false), STATUS_SUCCESS)?;
        let b = open(dev, "\\late.txt", FILE_OVERWRITE_IF, 0)?;
        write(dev, b, 0, b"lost with the disk")?;
        expect("surprise removal of the pulled disk", pnp(0x17, true), STATUS_SUCCESS)?;
        let mut req = FsRequest::new(Op::Write);
        req.handle = b;
        req.data = b"after";
        expect("a write after the removal", status_of(call(dev, &req)), STATUS_VOLUME_DISMOUNTED)?;
        handle_op(dev, Op::Close, b)?;
        expect("unmount", status_of(unmount(dev)), STATUS_SUCCESS)?;
        // Linux goes on serving the other volumes.
        want(mount(dev, &format!("{dir}\\good.img"), false)?, STATUS_SUCCESS, "mount another volume")?;
        let g = open(dev, "\\g", FILE_OPEN, 0)?;
        let mut req = FsRequest::new(Op::Read);
        req.handle = g;
        req.out_len = 4;
        match call(dev, &req)? {
            (STATUS_SUCCESS, 4, data) if data == b"kept" => {}
            other => return Err(format!("read of the other volume: {other:?}")),
        }
        handle_op(dev, Op::Close, g)?;
        // A safe removal: nothing open, so the query holds it and the
        // remove takes it.
        expect("query-remove of the other volume", pnp(1, false), STATUS_SUCCESS)?;
        expect("remove", pnp(2, false), STATUS_SUCCESS)?;
        expect("unmount after the remove", status_of(unmount(dev)), STATUS_SUCCESS)
    })();
    r.check("removal: query-remove refused with a file open, then held and cancelled; a surprise removal of a pulled disk with a file open: later requests find the volume dismounted, it unmounts, and Linux serves the next volume, which a query-remove and a remove take", res);
}
