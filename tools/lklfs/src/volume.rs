//! Opening an image: lock it, boot the kernel, hand it the disk, pick the
//! partition, mount; and closing it again (unmount, remove, halt) on every
//! path, so an image is never left half-written.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lkl::{BlockDevice, BootConfig, Disk, Errno, Kernel, MountOptions, Mounted, sys};
use lkl_std_host::{Console, CowDevice, DeviceError, FileDevice, StdHost};

use crate::error::{ErrnoContext, Error, Kind, Result, describe};
use crate::superblock;

/// The global options of every image command.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Partition number (1-based); None = the whole image, or its only partition.
    pub part: Option<u32>,
    /// Never write the image (a dirty journal is replayed in memory).
    pub ro: bool,
    /// File-system type to mount as; None = detect.
    pub fstype: Option<String>,
    /// Kernel memory in MiB (page cache included).
    pub mem_mib: u64,
}

/// A booted kernel with the image as a disk, not yet mounted.
pub struct Session {
    /// The kernel.
    pub k: Kernel,
    disk: Disk,
    /// Device node of the chosen partition or whole disk (`/dev/vda1`).
    pub device: String,
    /// What the user called the image.
    pub image: PathBuf,
    /// Whether the image may be written.
    pub writable: bool,
    opts: Options,
}

/// A mounted file system.
pub struct Volume {
    /// The session it lives in.
    pub s: Session,
    /// The kernel's mount.
    pub m: Mounted,
}

fn device_error(image: &Path, e: DeviceError, write: bool) -> Error {
    let shown = image.display();
    match e {
        DeviceError::InUse => Error::new(
            Kind::InUse,
            format!("{shown}: image is in use by another program (another lklfs holds its lock)"),
        ),
        DeviceError::MountedOnHost(m) => {
            Error::new(Kind::MountedOnHost, format!("{shown}: image is mounted on the host ({m}); unmount it first"))
        }
        DeviceError::BadSize(n) => Error::new(
            Kind::NotAFileSystem,
            format!("{shown}: not a file system image (size {n} is not a whole number of 512-byte sectors)"),
        ),
        DeviceError::Io(e) => {
            let ro = matches!(e.raw_os_error().map(Errno), Some(Errno::EACCES | Errno::EPERM | Errno::EROFS));
            if write && ro {
                Error::new(
                    Kind::ReadOnly,
                    format!("{shown}: cannot open the image for writing: {e} (use --ro to read it)"),
                )
            } else {
                Error::io(format!("{shown}: cannot open image"), &e)
            }
        }
    }
}

impl Session {
    /// Opens `image` (for writing when `write`), boots the kernel and picks
    /// the partition.
    pub fn open(image: &Path, opts: &Options, write: bool) -> Result<Session> {
        let shown = image.display();
        if write && opts.ro {
            return Err(Error::new(Kind::ReadOnly, format!("{shown}: opened read-only (--ro): refusing to write")));
        }
        let meta = std::fs::metadata(image).map_err(|e| Error::io(format!("{shown}: cannot open image"), &e))?;
        // Root may write a file without write permission; honour the
        // owner's intent anyway.
        if write && meta.permissions().readonly() {
            return Err(Error::new(
                Kind::ReadOnly,
                format!("{shown}: the image file is write-protected (read-only image); refusing to write"),
            ));
        }
        let file = FileDevice::open(image, !write).map_err(|e| device_error(image, e, write))?;
        // A read-only open still lets the kernel replay a dirty journal:
        // the replay lands in memory, never on the image.
        let dev: Arc<dyn BlockDevice> = if write { Arc::new(file) } else { Arc::new(CowDevice::new(Arc::new(file))) };
        let host = StdHost::leak(Console::Capture);
        // Diagnostics: LKLFS_CONSOLE=1 shows the kernel's console on stderr.
        host.set_echo(std::env::var_os("LKLFS_CONSOLE").is_some_and(|v| v == "1"));
        let config = BootConfig { mem_size: opts.mem_mib << 20, ..BootConfig::default() };
        let k = Kernel::boot(host, &config)
            .map_err(|e| Error::new(Kind::Other, format!("cannot start the kernel: {e}")))?;
        let disk = match k.add_disk(dev) {
            Ok(d) => d,
            Err(e) => {
                let _ = k.halt();
                return Err(Error::errno(format!("{shown}: cannot attach the image"), e));
            }
        };
        let mut s =
            Session { device: String::new(), k, disk, image: image.to_path_buf(), writable: write, opts: opts.clone() };
        match s.choose_partition() {
            Ok(device) => {
                s.device = device;
                Ok(s)
            }
            Err(e) => {
                let _ = s.close();
                Err(e)
            }
        }
    }

    fn choose_partition(&self) -> Result<String> {
        let shown = self.image.display();
        let parts = self.k.partitions(&self.disk).ctx(format!("{shown}: partitions"))?;
        let list = || parts.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        if let Some(n) = self.opts.part {
            if !parts.contains(&n) {
                let found = if parts.is_empty() {
                    "it has no partition table".to_string()
                } else {
                    format!("partitions: {}", list())
                };
                return Err(Error::new(Kind::NotAFileSystem, format!("{shown}: no partition {n} ({found})")));
            }
            return Ok(self.k.device_path(&self.disk, Some(n)));
        }
        let whole = self.k.device_path(&self.disk, None);
        if parts.is_empty() || self.identify(&whole)?.is_some() {
            return Ok(whole);
        }
        match parts.as_slice() {
            [only] => Ok(self.k.device_path(&self.disk, Some(*only))),
            _ => Err(Error::new(
                Kind::NotAFileSystem,
                format!("{shown}: has partitions {}; choose one with --part N", list()),
            )),
        }
    }

    /// Reads `len` bytes at `offset` of a device node (short at its end).
    pub fn read_device(&self, device: &str, offset: u64, len: usize) -> Result<Vec<u8>> {
        let path = CString::new(device).map_err(|_| Error::new(Kind::Other, "bad device name"))?;
        let fd = self.k.open(&path, sys::O_RDONLY | sys::O_CLOEXEC, 0).ctx(device)?;
        let mut buf = vec![0u8; len];
        let r = self.k.pread(fd, &mut buf, offset);
        let _ = self.k.close(fd);
        let n = r.ctx(format!("{} (read at {offset})", self.image.display()))?;
        buf.truncate(n);
        Ok(buf)
    }

    /// What the superblock at the start of `device` says.
    pub fn identify(&self, device: &str) -> Result<Option<superblock::FsInfo>> {
        Ok(superblock::identify(&self.read_device(device, 0, superblock::HEAD_LEN)?))
    }

    /// Why there is no file system on the chosen device: a damaged primary
    /// superblock with an intact backup is a corrupt image, not a blank one.
    fn no_file_system(&self) -> Error {
        let shown = self.image.display();
        for (offset, block) in superblock::ext_backup_superblocks() {
            if let Ok(sb) = self.read_device(&self.device, offset, 1024)
                && fs_probe::is_ext_superblock(&sb)
            {
                return Error::new(
                    Kind::Corrupt,
                    format!(
                        "{shown}: corrupt image: the primary ext superblock is damaged, but a backup superblock is intact at block {block} (repair with: e2fsck -b {block} IMAGE)"
                    ),
                );
            }
        }
        if let Ok(s6) = self.read_device(&self.device, 6 * 512, 512)
            && superblock::is_fat_backup(&s6)
        {
            return Error::new(
                Kind::Corrupt,
                format!(
                    "{shown}: corrupt image: the FAT boot sector is damaged, but its backup at sector 6 is intact (repair with fsck.vfat)"
                ),
            );
        }
        Error::new(
            Kind::NotAFileSystem,
            format!(
                "{shown}: not a file system: no ext2/3/4, btrfs or xfs superblock or FAT boot sector found on {}",
                self.device
            ),
        )
    }

    /// Mounts the chosen device.
    pub fn mount(self) -> Result<Volume> {
        match self.try_mount() {
            Ok(m) => Ok(Volume { s: self, m }),
            Err(e) => {
                let _ = self.close();
                Err(e)
            }
        }
    }

    fn try_mount(&self) -> Result<Mounted> {
        let shown = self.image.display();
        let fstype = match &self.opts.fstype {
            Some(t) => t.clone(),
            None => match self.identify(&self.device)? {
                Some(info) => info.driver.to_string(),
                None => return Err(self.no_file_system()),
            },
        };
        let partition = self.device.strip_prefix(&format!("/dev/{}", self.disk.name())).and_then(|p| p.parse().ok());
        let mo =
            MountOptions { partition, fstype: Some(fstype.clone()), read_only: !self.writable, options: String::new() };
        self.k.mount_disk(&self.disk, &mo).map_err(|e| {
            let kind = match e.errno {
                Errno::ENODEV => Kind::NotAFileSystem,
                Errno::EROFS => Kind::ReadOnly,
                // With an explicit --type the kernel's "can't find" means
                // the type is wrong, not that the file system is damaged.
                Errno::EINVAL if self.opts.fstype.is_some() && self.identify(&self.device).ok().flatten().is_none() => {
                    Kind::NotAFileSystem
                }
                _ => Kind::Corrupt,
            };
            let what = match kind {
                Kind::Corrupt => "corrupt image: mount failed",
                Kind::NotAFileSystem => "not a file system",
                _ => "mount failed",
            };
            let mut msg = format!("{shown}: {what} ({fstype} on {}): {}", self.device, describe(e.errno));
            for line in e.log.lines().filter(|l| !l.trim().is_empty()) {
                msg.push_str("\n  kernel: ");
                msg.push_str(line.trim_end());
            }
            Error::new(kind, msg)
        })
    }

    /// Removes the disk and halts the kernel.
    pub fn close(self) -> Result<()> {
        let removed = self.k.remove_disk(self.disk).ctx("remove disk");
        let halted = self.k.halt().ctx("halt");
        removed.and(halted)
    }
}

impl Volume {
    /// Opens and mounts `image`.
    pub fn open(image: &Path, opts: &Options, write: bool) -> Result<Volume> {
        Session::open(image, opts, write)?.mount()
    }

    /// The kernel.
    pub fn k(&self) -> &Kernel {
        &self.s.k
    }

    /// The kernel path of `path` inside the file system. The path is
    /// resolved lexically first, so `..` cannot leave the mount.
    pub fn path(&self, path: &str) -> Result<CString> {
        let mut parts: Vec<&str> = Vec::new();
        for c in path.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                c => parts.push(c),
            }
        }
        let root = self.m.path.to_str().unwrap_or("/mnt");
        let full = if parts.is_empty() { root.to_string() } else { format!("{root}/{}", parts.join("/")) };
        CString::new(full).map_err(|_| Error::new(Kind::Other, format!("{path}: paths may not contain NUL bytes")))
    }

    /// Unmounts (every dirty block reaches the image before this returns),
    /// removes the disk and halts.
    pub fn close(self) -> Result<()> {
        let unmounted = self.s.k.unmount(&self.m).ctx(format!("{}: unmount", self.s.image.display()));
        let closed = self.s.close();
        unmounted.and(closed)
    }

    /// Runs `f` on the mounted volume, then closes it whatever `f` returned;
    /// `f`'s error wins over a close error.
    pub fn with<T>(image: &Path, opts: &Options, write: bool, f: impl FnOnce(&Volume) -> Result<T>) -> Result<T> {
        let v = Volume::open(image, opts, write)?;
        let r = f(&v);
        let c = v.close();
        match (r, c) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e),
            (Ok(t), Ok(())) => Ok(t),
        }
    }
}
