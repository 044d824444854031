//! The `fsd DIR` scenario: the file-system driver's mount decision and its
//! volume FSCTLs, through the IRP harness. DIR holds images the suite made:
//! `junk.img` (seeded random bytes), `zero.img`, `ntfs.img` (an NTFS boot
//! sector), `corrupt.img` (ext4 with its group descriptors zeroed) and
//! `good.img` (a fresh ext4).
//!
//! 1. Each foreign volume is refused with STATUS_UNRECOGNIZED_VOLUME, as a
//!    RAM disk and as an image, and Linux is still not booted afterwards:
//!    Windows offers every new volume to every file system, and the answer
//!    must be quick.
//! 2. The corrupt ext4 fails with a clear status; the next mount works (and
//!    boots Linux).
//! 3. On the good volume: lock refused while a file is open, is-mounted,
//!    an unknown FSCTL refused, verify; lock, creates refused while locked,
//!    unlock (twice: the second is refused); a forced dismount with a file
//!    open: that file's requests then fail with STATUS_VOLUME_DISMOUNTED,
//!    is-mounted and verify say so, and the unmount finishes. The suite
//!    then checks the image (e2fsck, and the file written before the
//!    dismount).

use driver_ioctl as proto;
use proto::fsops::{FsRequest, Op, VOLUME_HANDLE};

use crate::fsclient::{Reply, call, create, handle_op, mount, mount_device, open, unmount, wide_bytes, write};
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

pub(crate) fn run(dev: Handle, r: &mut Report, dir: &str) {
    let disk = proto::fsops::ramdisk_name(0);
    for name in ["junk", "zero", "ntfs"] {
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
    let res = expect("mount", status_of(mount(dev, &good, false)), STATUS_SUCCESS)
        .and_then(|()| if linux_booted(dev) { Ok(()) } else { Err("Linux did not boot".to_string()) });
    r.check("the next mount works and boots Linux", res);

    let res = (|| {
        let f = open(dev, "\\f", FILE_OVERWRITE_IF, 0)?;
        expect("lock with a file open", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_LOCK_VOLUME), STATUS_ACCESS_DENIED)?;
        expect("is-mounted", fsctl(dev, f, nt::FSCTL_IS_VOLUME_MOUNTED), STATUS_SUCCESS)?;
        expect("lock on a file handle", fsctl(dev, f, nt::FSCTL_LOCK_VOLUME), crate::status::STATUS_INVALID_PARAMETER)?;
        expect("an unknown FSCTL", fsctl(dev, VOLUME_HANDLE, 0x0009_0fff), STATUS_INVALID_DEVICE_REQUEST)?;
        expect("verify", verify(dev), STATUS_SUCCESS)?;
        handle_op(dev, Op::Close, f)?;
        expect("lock", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_LOCK_VOLUME), STATUS_SUCCESS)?;
        expect("create while locked", create(dev, "\\f", FILE_OPEN, 0).map(|c| c.0), STATUS_ACCESS_DENIED)?;
        expect("unlock", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_UNLOCK_VOLUME), STATUS_SUCCESS)?;
        expect("unlock again", fsctl(dev, VOLUME_HANDLE, nt::FSCTL_UNLOCK_VOLUME), STATUS_NOT_LOCKED)
    })();
    r.check("lock is refused while a file is open, then locks out creates until unlocked; verify, is-mounted", res);

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
}
