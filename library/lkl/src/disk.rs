//! Disks and mounts: hand a [`BlockDevice`] to the kernel, find its
//! partitions (Linux parses MBR and GPT itself), mount a file system on it.

use alloc::boxed::Box;
use alloc::ffi::CString;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::{c_int, c_void};
use core::fmt;

use lkl_abi::block::{DiskIov, DiskOps, port_nr};
use lkl_abi::{BlockDevice, Errno, sys};
use spin::mutex::SpinMutex;

use crate::{Kernel, tail};

/// What the kernel's callbacks get: the device and a buffer that gathers a
/// request's scattered runs into one host call.
struct Handle {
    dev: Arc<dyn BlockDevice>,
    /// Taken only by the CPU owner (Linux runs on one thread at a time), so
    /// it never spins in practice; a spin lock needs no host object.
    bounce: SpinMutex<Vec<u8>>,
}

/// # Safety
/// `iov` points to `count` valid runs of kernel memory.
unsafe fn runs<'a>(iov: *const DiskIov, count: u32) -> &'a [DiskIov] {
    // SAFETY: per the contract.
    unsafe { core::slice::from_raw_parts(iov, count as usize) }
}

fn status(r: Result<(), Errno>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => -e.0,
    }
}

unsafe extern "sysv64" fn disk_read(h: *mut c_void, iov: *const DiskIov, count: u32, off: u64) -> c_int {
    // SAFETY: h is the handle of a registered disk (freed only after the
    // kernel removed it); iov describes `count` writable runs.
    let (h, runs) = unsafe { (&*(h as *const Handle), runs(iov, count)) };
    if let [one] = runs {
        // SAFETY: a run of `len` writable bytes of kernel memory.
        let buf = unsafe { core::slice::from_raw_parts_mut(one.base as *mut u8, one.len as usize) };
        return status(h.dev.read_at(buf, off));
    }
    let total: usize = runs.iter().map(|r| r.len as usize).sum();
    let mut bounce = h.bounce.lock();
    bounce.resize(total, 0);
    if let Err(e) = h.dev.read_at(&mut bounce[..], off) {
        return -e.0;
    }
    let mut at = 0;
    for r in runs {
        // SAFETY: each run is `len` writable bytes, disjoint from the bounce buffer.
        unsafe { core::ptr::copy_nonoverlapping(bounce.as_ptr().add(at), r.base as *mut u8, r.len as usize) };
        at += r.len as usize;
    }
    0
}

unsafe extern "sysv64" fn disk_write(h: *mut c_void, iov: *const DiskIov, count: u32, off: u64) -> c_int {
    // SAFETY: h is the handle of a registered disk (freed only after the
    // kernel removed it); iov describes `count` readable runs.
    let (h, runs) = unsafe { (&*(h as *const Handle), runs(iov, count)) };
    if let [one] = runs {
        // SAFETY: a run of `len` readable bytes of kernel memory.
        let buf = unsafe { core::slice::from_raw_parts(one.base as *const u8, one.len as usize) };
        return status(h.dev.write_at(buf, off));
    }
    let mut bounce = h.bounce.lock();
    bounce.clear();
    for r in runs {
        // SAFETY: each run is `len` readable bytes.
        bounce.extend_from_slice(unsafe { core::slice::from_raw_parts(r.base as *const u8, r.len as usize) });
    }
    status(h.dev.write_at(&bounce[..], off))
}

unsafe extern "sysv64" fn disk_flush(h: *mut c_void) -> c_int {
    // SAFETY: h is the handle of a registered disk, freed only after the
    // kernel removed it, so no callback can see it dangling.
    let h = unsafe { &*(h as *const Handle) };
    status(h.dev.flush())
}

/// A disk the kernel knows, named `vda`, `vdb`, ...
pub struct Disk {
    index: u32,
    name: String,
    /// Box<Handle> passed to C; freed by remove_disk (or leaked at halt,
    /// when the process no longer calls the device).
    handle: *mut Handle,
}

// SAFETY: the handle is an Arc of a Send + Sync device, only dereferenced
// by the kernel's callbacks and by remove_disk.
unsafe impl Send for Disk {}
// SAFETY: `&Disk` gives only the index, the name and the handle's address;
// the handle itself is touched by the kernel's callbacks (serialised by the
// kernel) and by remove_disk (which takes the Disk by value).
unsafe impl Sync for Disk {}

impl Disk {
    /// The kernel's name for the whole disk (`vda`).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What to mount.
#[derive(Clone, Debug, Default)]
pub struct MountOptions {
    /// Partition number (1-based, as Linux numbers them); None = whole disk.
    pub partition: Option<u32>,
    /// "ext4" (also serves ext2 and ext3), "vfat", "btrfs", "xfs"; None = detect.
    pub fstype: Option<String>,
    /// Mount read-only.
    pub read_only: bool,
    /// Extra comma-separated options. An `errors=` policy is added for
    /// ext2/3/4 and vfat unless one is given here (remount-ro), so an
    /// on-disk errors=panic can never panic the library.
    pub options: String,
}

/// A mounted file system.
#[derive(Clone, Debug)]
pub struct Mounted {
    /// Where it is mounted inside the kernel (`/mnt/vda1`).
    pub path: CString,
    /// The device node (`/dev/vda1`).
    pub device: String,
    /// The type it was mounted as.
    pub fstype: String,
}

/// A failed mount: the errno and the kernel's own log lines about it.
#[derive(Debug)]
pub struct MountError {
    /// Why.
    pub errno: Errno,
    /// What the kernel printed while trying.
    pub log: String,
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.errno)?;
        for line in self.log.lines().filter(|l| !l.trim().is_empty()) {
            write!(f, "\n  kernel: {line}")?;
        }
        Ok(())
    }
}

/// Enough of a device to see every superblock magic detection knows.
const DETECT_BYTES: usize = 0x11000;

/// File-system types the detection knows, by superblock magic.
fn detect(head: &[u8]) -> Option<&'static str> {
    if head.len() >= 1082 && head[1080] == 0x53 && head[1081] == 0xef {
        return Some("ext4");
    }
    if head.len() >= 4 && &head[0..4] == b"XFSB" {
        return Some("xfs");
    }
    // btrfs keeps its primary superblock at 64 KiB.
    if head.len() >= 0x10048 && &head[0x10040..0x10048] == b"_BHRfS_M" {
        return Some("btrfs");
    }
    let boot_sig = head.len() >= 512 && head[510] == 0x55 && head[511] == 0xaa;
    let fat_name = |at: usize| head.len() > at + 3 && &head[at..at + 3] == b"FAT";
    if boot_sig && (fat_name(54) || fat_name(82)) {
        return Some("vfat");
    }
    None
}

impl Kernel {
    /// Gives `dev` to the kernel as the next free disk; Linux scans its
    /// partition table.
    pub fn add_disk(&self, dev: Arc<dyn BlockDevice>) -> Result<Disk, Errno> {
        let ops = DiskOps {
            handle: core::ptr::null_mut(),
            size: dev.size(),
            sector_size: dev.sector_size(),
            readonly: dev.read_only() as c_int,
            read: disk_read,
            write: disk_write,
            flush: disk_flush,
        };
        let handle = Box::into_raw(Box::new(Handle { dev, bounce: SpinMutex::new(Vec::new()) }));
        let ops = DiskOps { handle: handle as *mut c_void, ..ops };
        // SAFETY: ops and the handle it names stay valid while the kernel
        // holds the disk (the handle until remove_disk or process exit).
        match unsafe { self.syscall(port_nr::DISK_ADD, [&ops as *const DiskOps as i64, 0, 0, 0, 0, 0]) } {
            Ok(index) => {
                let name = format!("vd{}", (b'a' + index as u8) as char);
                Ok(Disk { index: index as u32, name, handle })
            }
            Err(e) => {
                // SAFETY: the kernel refused the disk and kept no pointer.
                drop(unsafe { Box::from_raw(handle) });
                Err(e)
            }
        }
    }

    /// Removes a disk (unmount its file systems first).
    pub fn remove_disk(&self, disk: Disk) -> Result<(), Errno> {
        // SAFETY: no pointers.
        unsafe { self.syscall(port_nr::DISK_REMOVE, [disk.index as i64, 0, 0, 0, 0, 0]) }?;
        // SAFETY: the kernel no longer calls the device.
        drop(unsafe { Box::from_raw(disk.handle) });
        Ok(())
    }

    /// Halts (see [`Kernel::halt`]) and then frees disks that could not be
    /// removed first (their file system failed to unmount, e.g. after a
    /// Linux panic): once halt returns no kernel thread is left to call the
    /// devices, so their handles (and the devices' own resources) go.
    pub fn halt_releasing(self, disks: Vec<Disk>) -> Result<(), Errno> {
        let r = self.halt();
        for disk in disks {
            // SAFETY: every kernel thread was joined by halt, so nothing
            // uses the handle any more; each Disk owns its handle once.
            drop(unsafe { Box::from_raw(disk.handle) });
        }
        r
    }

    /// Partition numbers Linux found on `disk`, ascending.
    pub fn partitions(&self, disk: &Disk) -> Result<Vec<u32>, Errno> {
        let mut parts: Vec<u32> = self
            .read_dir(c"/dev")?
            .iter()
            .filter_map(|e| core::str::from_utf8(&e.name).ok()?.strip_prefix(disk.name.as_str())?.parse().ok())
            .collect();
        parts.sort_unstable();
        Ok(parts)
    }

    /// The device node of a disk or one of its partitions.
    pub fn device_path(&self, disk: &Disk, partition: Option<u32>) -> String {
        match partition {
            Some(n) => format!("/dev/{}{n}", disk.name),
            None => format!("/dev/{}", disk.name),
        }
    }

    /// Reads the first bytes of a device node (for detection and `info`).
    pub fn read_device_head(&self, device: &str, len: usize) -> Result<Vec<u8>, Errno> {
        let path = CString::new(device).map_err(|_| Errno::EINVAL)?;
        let fd = self.open(&path, sys::O_RDONLY | sys::O_CLOEXEC, 0)?;
        let mut buf = alloc::vec![0u8; len];
        let r = self.pread(fd, &mut buf, 0);
        let _ = self.close(fd);
        let n = r?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Mounts a file system of `disk` under `/mnt/<device>`.
    pub fn mount_disk(&self, disk: &Disk, opts: &MountOptions) -> Result<Mounted, MountError> {
        let plain = |errno: Errno| MountError { errno, log: String::new() };
        let device = self.device_path(disk, opts.partition);
        let fstype = match &opts.fstype {
            Some(t) => t.clone(),
            None => {
                let head = self.read_device_head(&device, DETECT_BYTES).map_err(plain)?;
                detect(&head)
                    .ok_or(MountError {
                        errno: Errno::EINVAL,
                        log: "no ext2/3/4, FAT, btrfs or XFS superblock found".into(),
                    })?
                    .to_string()
            }
        };
        let name = device.rsplit('/').next().unwrap_or("disk");
        let path = CString::new(format!("/mnt/{name}")).map_err(|_| plain(Errno::EINVAL))?;
        match self.mkdir(c"/mnt", 0o755) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(plain(e)),
        }
        match self.mkdir(&path, 0o755) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(plain(e)),
        }
        let mut data = opts.options.clone();
        let wants_errors = matches!(fstype.as_str(), "ext2" | "ext3" | "ext4" | "vfat" | "msdos");
        if wants_errors && !data.split(',').any(|o| o.starts_with("errors=")) {
            if !data.is_empty() {
                data.push(',');
            }
            data.push_str("errors=remount-ro");
        }
        let dev_c = CString::new(device.clone()).map_err(|_| plain(Errno::EINVAL))?;
        let type_c = CString::new(fstype.clone()).map_err(|_| plain(Errno::EINVAL))?;
        let data_c = CString::new(data).map_err(|_| plain(Errno::EINVAL))?;
        let flags = if opts.read_only { sys::MS_RDONLY } else { 0 };
        let before = tail::written();
        match self.mount(&dev_c, &path, &type_c, flags, Some(&data_c)) {
            Ok(()) => Ok(Mounted { path, device, fstype }),
            Err(errno) => Err(MountError { errno, log: tail::since(before) }),
        }
    }

    /// Unmounts; every dirty block is on the device when this returns.
    pub fn unmount(&self, m: &Mounted) -> Result<(), Errno> {
        self.umount2(&m.path, 0)
    }
}
