//! The `fs-ramdisk FILE` scenario: the lower-device mount path. The driver
//! makes a RAM disk from FILE (a fresh ext4 image), mounts it with IRPs sent
//! to the disk device, runs the file operations of `fsclient.rs` on it,
//! unmounts, writes the disk back over FILE and deletes it. The suite then
//! checks FILE on Linux (e2fsck, the host kernel's loop mount).

use std::ptr;

use driver_ioctl as proto;
use proto::fsops::{FsRequest, Op};
use widestring::U16CString;

use crate::fsclient::{Reply, Target, call, file_ops, mount_device, unmount, want, wide_bytes};
use crate::status::{
    STATUS_INVALID_DEVICE_STATE, STATUS_NO_SUCH_DEVICE, STATUS_OBJECT_NAME_COLLISION, STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS,
};
use crate::win::{
    CloseHandle, CreateFileW, ERROR_INVALID_PARAMETER, GENERIC_READ, GENERIC_WRITE, GetLastError, Handle, ReadFile,
    Report, WriteFile,
};

#[repr(C)]
struct Overlapped {
    internal: usize,
    internal_high: usize,
    offset: u32,
    offset_high: u32,
    event: Handle,
}

const DISK: u32 = 0;

pub(crate) fn ramdisk_op(dev: Handle, op: Op, path: &str) -> Result<Reply, String> {
    let name = if path.is_empty() { Vec::new() } else { wide_bytes(&format!("\\??\\{path}")) };
    let mut req = FsRequest::new(op);
    req.name = &name;
    req.args[0] = DISK;
    call(dev, &req)
}

/// One ReadFile (or WriteFile of `buf`) at `offset` on a handle: Ok(bytes)
/// or Err(Win32 error).
fn transfer(h: Handle, write: bool, buf: &mut [u8], offset: u64) -> Result<u32, u32> {
    let mut ov = Overlapped {
        internal: 0,
        internal_high: 0,
        offset: offset as u32,
        offset_high: (offset >> 32) as u32,
        event: ptr::null_mut(),
    };
    let mut n = 0u32;
    // SAFETY: `buf` is valid for its length; `ov` and `n` outlive the
    // synchronous call (the handle is not overlapped).
    let ok = unsafe {
        if write {
            WriteFile(h, buf.as_ptr().cast(), buf.len() as u32, &mut n, (&mut ov as *mut Overlapped).cast())
        } else {
            ReadFile(h, buf.as_mut_ptr().cast(), buf.len() as u32, &mut n, (&mut ov as *mut Overlapped).cast())
        }
    };
    // SAFETY: no preconditions.
    if ok == 0 { Err(unsafe { GetLastError() }) } else { Ok(n) }
}

/// The RAM disk as any caller sees it: a user-mode handle (Administrators
/// only) whose reads and writes arrive as IRPs with an MDL. Whole sectors
/// inside the disk are served; misaligned or out-of-range requests are
/// refused with STATUS_INVALID_PARAMETER before any byte moves.
fn raw_access(device: &str, size: u64, file: &str) -> Result<(), String> {
    const SHARE_READ_WRITE: u32 = 3;
    const OPEN_EXISTING: u32 = 3;
    let path = U16CString::from_str_truncate(format!("\\\\?\\GLOBALROOT{device}"));
    // SAFETY: NUL-terminated name; other pointers null.
    let h = unsafe {
        CreateFileW(
            path.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            SHARE_READ_WRITE,
            ptr::null_mut(),
            OPEN_EXISTING,
            0,
            ptr::null_mut(),
        )
    };
    if h as isize == -1 {
        // SAFETY: no preconditions.
        return Err(format!("open {device}: error {}", unsafe { GetLastError() }));
    }
    let res = (|| {
        // Sectors 0-2 as they are before the refused writes: the check
        // below compares against these bytes, not against a pattern, since
        // the superblock (bytes 1024-1535) holds mkfs's UUID, hash seed and
        // checksum, which may contain any byte.
        let mut before = vec![0u8; 1536];
        match transfer(h, false, &mut before, 0) {
            Ok(1536) if before.get(1024 + 56..1024 + 58) == Some(&[0x53, 0xEF][..]) => {}
            Ok(n) => {
                return Err(format!("read of sectors 0-2: {n} bytes, magic {:02x?}", before.get(1024 + 56..1024 + 58)));
            }
            Err(e) => return Err(format!("read of sectors 0-2: error {e}")),
        }
        let mut image = vec![0u8; 1536];
        std::fs::File::open(file)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut image))
            .map_err(|e| format!("read {file}: {e}"))?;
        if image != before {
            return Err(format!("sectors 0-2 of the RAM disk differ from the first 1536 bytes of {file}"));
        }
        let bad: [(&str, bool, usize, u64); 7] = [
            ("read at a misaligned offset", false, 512, 100),
            ("read of a partial sector", false, 100, 0),
            ("read past the end", false, 512, size),
            ("read straddling the end", false, 1024, size - 512),
            ("write at a misaligned offset", true, 512, 1),
            ("write of a partial sector", true, 513, 512),
            ("write past the end", true, 512, size),
        ];
        for (what, write, len, offset) in bad {
            let mut buf = vec![0xA5u8; len];
            match transfer(h, write, &mut buf, offset) {
                Err(ERROR_INVALID_PARAMETER) => {}
                other => return Err(format!("{what}: {other:?}, want ERROR_INVALID_PARAMETER")),
            }
        }
        // The refused writes aimed at sectors 0-2: none of their bytes may
        // have landed.
        let mut after = vec![0u8; 1536];
        match transfer(h, false, &mut after, 0) {
            Ok(1536) if after == before => Ok(()),
            Ok(1536) => {
                let at = after.iter().zip(&before).position(|(a, b)| a != b).unwrap_or(0);
                Err(format!("re-read of sectors 0-2: byte {at} changed: a refused write landed"))
            }
            Ok(n) => Err(format!("re-read of sectors 0-2: {n} bytes, want 1536")),
            Err(e) => Err(format!("re-read of sectors 0-2: error {e}")),
        }
    })();
    // SAFETY: our handle.
    unsafe { CloseHandle(h) };
    res
}

/// The scenario; `file` is a DOS path inside the prefix; `lklfs_exe`, if
/// given, the Windows tool whose `mount`, `list` and `unmount` are checked;
/// `parted`, if given, a GPT and an MBR image with two partitions each;
/// `dirty`, if given, an ext4 image whose journal needs recovery.
pub(crate) fn run(
    dev: Handle,
    r: &mut Report,
    file: &str,
    lklfs_exe: Option<&str>,
    parted: Option<(&str, &str)>,
    dirty: Option<&str>,
) {
    let device = proto::fsops::ramdisk_name(DISK);
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);

    let res = ramdisk_op(dev, Op::RamDiskDelete, "")
        .and_then(|x| want(x, STATUS_NO_SUCH_DEVICE, "delete before create"))
        .map(|_| ());
    r.check("deleting a RAM disk that does not exist fails with STATUS_NO_SUCH_DEVICE", res);
    let res = ramdisk_op(dev, Op::RamDiskCreate, "C:\\lklfs-test\\no-such.img")
        .and_then(|x| want(x, STATUS_OBJECT_NAME_NOT_FOUND, "create from a missing file"))
        .map(|_| ());
    r.check("a RAM disk from a missing file fails with STATUS_OBJECT_NAME_NOT_FOUND", res);
    // Before the disk exists its name is unknown: the mount must fail (with
    // whatever the I/O manager says; Wine cannot resolve device names).
    let res = match mount_device(dev, &device, false) {
        Ok((STATUS_SUCCESS, _, _)) => Err("mounted a RAM disk that does not exist".to_string()),
        Ok((s, _, _)) => {
            println!("# mount of a missing lower device: status {s:#010x}");
            Ok(())
        }
        Err(e) => Err(e),
    };
    r.check(&format!("mounting {device} before it exists fails cleanly"), res);

    let res = ramdisk_op(dev, Op::RamDiskCreate, file).and_then(|x| want(x, STATUS_SUCCESS, "create")).and_then(
        |(_, n, _)| {
            if n == size { Ok(()) } else { Err(format!("RAM disk of {n} bytes from a {size}-byte file")) }
        },
    );
    r.check(&format!("create RAM disk {device} from {file} ({} MiB)", size >> 20), res);
    let res = ramdisk_op(dev, Op::RamDiskCreate, file)
        .and_then(|x| want(x, STATUS_OBJECT_NAME_COLLISION, "second create"))
        .map(|_| ());
    r.check("creating the same RAM disk twice fails with STATUS_OBJECT_NAME_COLLISION", res);
    r.check(
        "the RAM disk serves whole-sector reads (ext4 superblock magic) and refuses misaligned, partial and out-of-range reads and writes (STATUS_INVALID_PARAMETER)",
        raw_access(&device, size, file),
    );

    file_ops(dev, r, Target::Device(&device));

    let res = (|| {
        want(mount_device(dev, &device, false)?, STATUS_SUCCESS, "mount")?;
        let del = ramdisk_op(dev, Op::RamDiskDelete, "")?;
        let save = ramdisk_op(dev, Op::RamDiskSave, file)?;
        want(unmount(dev)?, STATUS_SUCCESS, "unmount")?;
        want(del, STATUS_INVALID_DEVICE_STATE, "delete while mounted")?;
        want(save, STATUS_INVALID_DEVICE_STATE, "save while mounted")?;
        Ok(())
    })();
    r.check("while mounted the RAM disk can be neither deleted nor saved (STATUS_INVALID_DEVICE_STATE)", res);

    let res = ramdisk_op(dev, Op::RamDiskSave, file)
        .and_then(|x| want(x, STATUS_SUCCESS, "save"))
        .and_then(|(_, n, _)| if n == size { Ok(()) } else { Err(format!("saved {n} of {size} bytes")) });
    r.check(&format!("save the RAM disk back over {file}"), res);
    // The IOCTL set, on an image disk carrying a mounted volume and on the
    // RAM disk (whose medium is ejected at the end).
    let image = proto::fsops::image_disk_name(0);
    let res = (|| {
        want(crate::fsclient::mount(dev, file, false)?, STATUS_SUCCESS, "mount the image")?;
        let checked = crate::diskctlclient::image_disk(dev, &image, size, &format!("\\??\\{file}"));
        want(unmount(dev)?, STATUS_SUCCESS, "unmount the image")?;
        checked
    })();
    r.check(
        &format!("image disk {image}: removable, sized, one Linux partition, named for the Mount Manager with the image's path as unique ID, no suggested letter; other IOCTLs refused; a program's eject refused while a file is open (the volume goes on), then, with none open, the volume dismounted and the medium out"),
        res,
    );
    r.check(
        "IOCTL_IMAGE_ATTACH (lklfs.exe mount): a missing image, a bad letter and a cut path refused; the disk it makes answers the IOCTL set with the letter asked for as its suggested link, mounts through part 1's path, cannot be detached while mounted; Explorer's eject (refused with a file open, the list naming the holders; then lock, dismount, allow removal, eject through the volume's handle, passed to the disk); detaches afterwards; a second detach finds no disk",
        crate::diskctlclient::attach_detach(dev, file, size),
    );
    if let Some((gpt, mbr)) = parted {
        r.check(
            "partitioned images: partition 2 of a GPT and partition 1 of an MBR as disks of their own, each mounted and read (its /which.txt names it); a partition the table lacks refused",
            crate::diskctlclient::partitions(dev, gpt, mbr),
        );
    }
    if let Some(exe) = lklfs_exe {
        r.check(
            "lklfs.exe mount/list/unmount: a missing image, a letter in use, a bad letter and an unknown type each get their message and exit code and leave no disk; a mount makes the disk list shows, unmount by letter removes it, a second unmount and an unknown number find none; list --all shows each partition and the file system it holds",
            crate::diskctlclient::cli(dev, exe, file, size, parted.map(|(gpt, _)| gpt), dirty),
        );
    }
    r.check(
        &format!("RAM disk {device}: a fixed disk with the same IOCTL set; its medium ejected when nothing holds it, and gone from then on"),
        crate::diskctlclient::ram_disk(&device, size),
    );
    let res =
        ramdisk_op(dev, Op::RamDiskDelete, "").and_then(|x| want(x, STATUS_SUCCESS, "delete")).and_then(|(_, n, _)| {
            let (rw, flushes) = (n & 0xFFFF_FFFF, n >> 32);
            println!("# RAM disk served {rw} read/write IRPs and {flushes} flush IRPs");
            if rw > 0 && flushes > 0 {
                Ok(())
            } else {
                Err(format!("{rw} read/write and {flushes} flush IRPs reached the disk"))
            }
        });
    r.check("delete the RAM disk: Linux's reads, writes and flushes reached it as IRPs", res);
    let res = ramdisk_op(dev, Op::RamDiskDelete, "")
        .and_then(|x| want(x, STATUS_NO_SUCH_DEVICE, "second delete"))
        .map(|_| ());
    r.check("deleting it again fails with STATUS_NO_SUCH_DEVICE", res);
    crate::fsclient::write_expected(r, file);
}
