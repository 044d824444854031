//! fs-glue on the embedded kernel: [`LklVfs`], the glue's [`Vfs`] over
//! `lkl`'s syscalls, rooted at a directory of a file system mounted in the
//! library; [`LklEnv`], the semantic suite's environment over it; and
//! [`Ext4Image`] / [`Embedded`], the ext4 image and the booted kernel that
//! mounts it.
//!
//! Linux may only be entered from threads with [`lkl_abi::THREAD_STACK_SIZE`]
//! of stack: everything here is meant to run in an `lkl-test-runner` case
//! body (see `tests/embedded.rs`), never on libtest's threads.

use crate::suite::Env;
use fs_glue::{MountOptions, Vfs, Volume};
use lkl::{BootConfig, Disk, Kernel, Mounted};
use lkl_abi::Errno;
use lkl_abi::sys::{self, Statfs, Statx, Timespec};
use lkl_std_host::{Console, FileDevice, StdHost};
use std::collections::BTreeSet;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A file descriptor of the embedded kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LklFd(i32);

/// fs-glue's `Vfs` on the embedded kernel, rooted at a directory.
///
/// All threads of the library share one Linux file table, so several
/// volumes (and the test's own calls) hold descriptors in it side by side.
/// Each `LklVfs` therefore only accepts descriptors it opened itself and
/// answers EBADF for any other, as [`crate::HostVfs`] does with its slots:
/// a glue bug that uses a stale descriptor fails here instead of touching
/// another volume's file.
pub struct LklVfs {
    k: Arc<Kernel>,
    root: LklFd,
    /// Descriptors this volume opened and has not closed (root included).
    fds: Mutex<BTreeSet<i32>>,
}

fn cpath(path: &[u8]) -> Result<CString, Errno> {
    // Linux paths cannot hold NUL; the glue never produces one, but a
    // bad-input case may try.
    CString::new(path).map_err(|_| Errno::EINVAL)
}

impl LklVfs {
    /// Opens `dir` (a path inside the library's namespace) as the root.
    pub fn new(k: Arc<Kernel>, dir: &CStr) -> Result<LklVfs, Errno> {
        let fd = k.openat(sys::AT_FDCWD, dir, sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0)?;
        Ok(LklVfs { k, root: LklFd(fd), fds: Mutex::new(BTreeSet::from([fd])) })
    }

    fn table(&self) -> MutexGuard<'_, BTreeSet<i32>> {
        // Every critical section is one insert, remove or lookup, so a
        // panicking test thread cannot leave the set inconsistent.
        self.fds.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fd(&self, fd: LklFd) -> Result<i32, Errno> {
        if self.table().contains(&fd.0) { Ok(fd.0) } else { Err(Errno::EBADF) }
    }

    /// Descriptors open besides the root (a leak check for tests).
    pub fn open_fds(&self) -> usize {
        self.table().len() - 1
    }
}

impl Drop for LklVfs {
    fn drop(&mut self) {
        // Like dropping HostVfs's table: whatever the glue left open goes,
        // so a later unmount is not kept busy by a failed case.
        let fds = std::mem::take(&mut *self.table());
        for fd in fds {
            let _ = self.k.close(fd);
        }
    }
}

impl Vfs for LklVfs {
    type Fd = LklFd;

    fn root(&self) -> LklFd {
        self.root
    }

    fn openat(&self, dir: LklFd, path: &[u8], flags: i32, mode: u32) -> Result<LklFd, Errno> {
        let d = self.fd(dir)?;
        let fd = self.k.openat(d, &cpath(path)?, flags | sys::O_CLOEXEC, mode)?;
        self.table().insert(fd);
        Ok(LklFd(fd))
    }

    fn close(&self, fd: LklFd) -> Result<(), Errno> {
        if fd == self.root || !self.table().remove(&fd.0) {
            return Err(Errno::EBADF);
        }
        self.k.close(fd.0)
    }

    fn pread(&self, fd: LklFd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.k.pread(self.fd(fd)?, buf, offset)
    }

    fn pwrite(&self, fd: LklFd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.k.pwrite(self.fd(fd)?, buf, offset)
    }

    fn getdents64(&self, fd: LklFd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.getdents64(self.fd(fd)?, buf)
    }

    fn seek_set(&self, fd: LklFd, offset: u64) -> Result<u64, Errno> {
        self.k.lseek(self.fd(fd)?, offset as i64, sys::SEEK_SET)
    }

    fn statx(&self, dir: LklFd, path: &[u8], flags: i32, mask: u32) -> Result<Statx, Errno> {
        self.k.statx(self.fd(dir)?, &cpath(path)?, flags, mask)
    }

    fn mkdirat(&self, dir: LklFd, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.k.mkdirat(self.fd(dir)?, &cpath(path)?, mode)
    }

    fn unlinkat(&self, dir: LklFd, path: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.unlinkat(self.fd(dir)?, &cpath(path)?, flags)
    }

    fn renameat2(&self, olddir: LklFd, old: &[u8], newdir: LklFd, new: &[u8], flags: u32) -> Result<(), Errno> {
        self.k.renameat2(self.fd(olddir)?, &cpath(old)?, self.fd(newdir)?, &cpath(new)?, flags)
    }

    fn linkat(&self, olddir: LklFd, old: &[u8], newdir: LklFd, new: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.linkat(self.fd(olddir)?, &cpath(old)?, self.fd(newdir)?, &cpath(new)?, flags)
    }

    fn symlinkat(&self, target: &[u8], dir: LklFd, path: &[u8]) -> Result<(), Errno> {
        self.k.symlinkat(&cpath(target)?, self.fd(dir)?, &cpath(path)?)
    }

    fn readlinkat(&self, dir: LklFd, path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.readlinkat_into(self.fd(dir)?, &cpath(path)?, buf)
    }

    fn fsync(&self, fd: LklFd) -> Result<(), Errno> {
        self.k.fsync(self.fd(fd)?)
    }

    fn ftruncate(&self, fd: LklFd, len: u64) -> Result<(), Errno> {
        self.k.ftruncate(self.fd(fd)?, len)
    }

    fn fallocate(&self, fd: LklFd, mode: i32, offset: u64, len: u64) -> Result<(), Errno> {
        self.k.fallocate(self.fd(fd)?, mode, offset, len)
    }

    fn fstatfs(&self, fd: LklFd) -> Result<Statfs, Errno> {
        let mut s = self.k.fstatfs(self.fd(fd)?)?;
        // HostVfs cannot read f_fsid (rustix keeps it private) and reports
        // zeros; do the same so both kernels give the glue equal input.
        s.f_fsid = [0, 0];
        Ok(s)
    }

    fn utimensat(&self, dir: LklFd, path: &[u8], times: &[Timespec; 2], flags: i32) -> Result<(), Errno> {
        self.k.utimensat(self.fd(dir)?, &cpath(path)?, Some(times), flags)
    }

    fn fchmodat(&self, dir: LklFd, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.k.fchmodat(self.fd(dir)?, &cpath(path)?, mode)
    }

    fn fchownat(&self, dir: LklFd, path: &[u8], uid: u32, gid: u32, flags: i32) -> Result<(), Errno> {
        self.k.fchownat(self.fd(dir)?, &cpath(path)?, uid, gid, flags)
    }

    fn fgetxattr(&self, fd: LklFd, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.fgetxattr(self.fd(fd)?, &cpath(name)?, buf)
    }

    fn fsetxattr(&self, fd: LklFd, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.fsetxattr(self.fd(fd)?, &cpath(name)?, value, flags)
    }

    fn flistxattr(&self, fd: LklFd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.flistxattr(self.fd(fd)?, buf)
    }

    fn fremovexattr(&self, fd: LklFd, name: &[u8]) -> Result<(), Errno> {
        self.k.fremovexattr(self.fd(fd)?, &cpath(name)?)
    }
}

/// A fresh directory under `parent` inside the library, named uniquely for
/// this process (`<parent>/<tag>-<n>`).
pub fn fresh_dir(k: &Kernel, parent: &CStr, tag: &str) -> Result<CString, String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = format!("{}/{tag}-{n}", parent.to_string_lossy());
    let c = CString::new(path.clone()).map_err(|e| e.to_string())?;
    k.mkdir(&c, 0o755).map_err(|e| format!("mkdir({path:?}) = {e}"))?;
    Ok(c)
}

/// The semantic suite's environment on the embedded kernel: every
/// [`Env::mount`] is a fresh empty directory of the mounted ext4 file
/// system, as [`crate::host_env::HostEnv`] uses fresh host directories.
/// The directories stay on the image, so the final e2fsck sees what every
/// case left behind.
pub struct LklEnv {
    k: Arc<Kernel>,
    parent: CString,
    dirs: Vec<CString>,
}

impl LklEnv {
    /// Volumes under `parent` (the mount point, or a directory below it).
    pub fn new(k: Arc<Kernel>, parent: &CStr) -> LklEnv {
        LklEnv { k, parent: parent.to_owned(), dirs: Vec::new() }
    }
}

impl Env for LklEnv {
    type V = LklVfs;

    fn mount(&mut self, opts: MountOptions) -> Volume<LklVfs> {
        let dir = fresh_dir(&self.k, &self.parent, "suite").expect("make the volume's directory");
        self.dirs.push(dir);
        self.remount(opts)
    }

    fn remount(&mut self, opts: MountOptions) -> Volume<LklVfs> {
        let dir = self.dirs.last().expect("mount before remount");
        Volume::new(LklVfs::new(self.k.clone(), dir).expect("open the volume's directory"), opts)
    }
}

/// Finds a tool that may live in an sbin directory not on a user's PATH.
fn tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// An ext4 image made with `mkfs.ext4`'s defaults in a fresh temporary
/// directory, removed on drop.
pub struct Ext4Image {
    dir: PathBuf,
    path: PathBuf,
}

impl Ext4Image {
    /// Makes a `size_mb` MiB image.
    pub fn new(tag: &str, size_mb: u64) -> Result<Ext4Image, String> {
        let dir = std::env::temp_dir().join(format!("fs-glue-lkl-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let path = dir.join("ext4.img");
        let img = Ext4Image { dir, path };
        let f = std::fs::File::create(&img.path).map_err(|e| format!("create {}: {e}", img.path.display()))?;
        f.set_len(size_mb << 20).map_err(|e| e.to_string())?;
        let out = lkl_test_runner::mkfs_command(&["mkfs.ext4", "-q", "-F"])
            .arg(&img.path)
            .output()
            .map_err(|e| format!("mkfs.ext4: {e}"))?;
        if !out.status.success() {
            return Err(format!("mkfs.ext4 failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(img)
    }

    /// The image file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the directory `fs_path` (a path inside the file system) out
    /// of the image with `debugfs -R rdump` into `out`, as
    /// `out/<last component>`: e2fsprogs' own reading of what was written.
    pub fn dump_dir(&self, fs_path: &str, out: &Path) -> Result<PathBuf, String> {
        let name = fs_path.rsplit('/').next().unwrap_or(fs_path);
        let _ = std::fs::remove_dir_all(out.join(name));
        std::fs::create_dir_all(out).map_err(|e| format!("mkdir {}: {e}", out.display()))?;
        let req = format!("rdump {fs_path} {}", out.display());
        let o = Command::new(tool("debugfs"))
            .arg("-R")
            .arg(&req)
            .arg(&self.path)
            .output()
            .map_err(|e| format!("debugfs: {e}"))?;
        let dumped = out.join(name);
        if !o.status.success() || !dumped.is_dir() {
            return Err(format!("debugfs -R {req:?} = {}: {}", o.status, String::from_utf8_lossy(&o.stderr)));
        }
        Ok(dumped)
    }

    /// `e2fsck -fn`: Ok if the file system is clean, else its report.
    pub fn fsck(&self) -> Result<(), String> {
        let out =
            Command::new(tool("e2fsck")).arg("-fn").arg(&self.path).output().map_err(|e| format!("e2fsck: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "e2fsck -fn {} = {}:\n{}{}",
            self.path.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Drop for Ext4Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The embedded kernel, booted with one image mounted read-write.
pub struct Embedded {
    /// The kernel; [`LklVfs`] volumes hold clones.
    pub kernel: Arc<Kernel>,
    disk: Disk,
    /// Where the image is mounted inside the library.
    pub mounted: Mounted,
}

impl Embedded {
    /// Boots (once per process), adds `image` as a disk and mounts it.
    pub fn start(image: &Path) -> Result<Embedded, String> {
        let k = Kernel::boot(StdHost::leak(Console::Capture), &BootConfig::default()).map_err(|e| e.to_string())?;
        let dev = FileDevice::open(image, false).map_err(|e| format!("open {}: {e}", image.display()))?;
        let disk = k.add_disk(Arc::new(dev)).map_err(|e| format!("add_disk = {e}"))?;
        let mounted = k.mount_disk(&disk, &lkl::MountOptions::default()).map_err(|e| format!("mount: {e}"))?;
        if mounted.fstype != "ext4" {
            return Err(format!("mounted as {}, want ext4", mounted.fstype));
        }
        Ok(Embedded { kernel: Arc::new(k), disk, mounted })
    }

    /// Unmounts (every block is on the image afterwards), removes the disk
    /// and halts. Every [`LklVfs`] must have been dropped.
    pub fn finish(self) -> Result<(), String> {
        let Embedded { kernel, disk, mounted } = self;
        let k = Arc::try_unwrap(kernel).map_err(|_| "a volume still holds the kernel".to_string())?;
        k.unmount(&mounted).map_err(|e| format!("umount({:?}) = {e}", mounted.path))?;
        k.remove_disk(disk).map_err(|e| format!("remove_disk = {e}"))?;
        k.halt().map_err(|e| format!("halt = {e}"))
    }
}
