//! fs-glue's `Vfs` on the embedded kernel inside the driver: thin calls to
//! `lkl`'s syscalls, relative to the mounted file system's root directory.
//!
//! Every method enters Linux, so a `Volume<KernelVfs>` is only ever used on
//! a worker thread, one request at a time under the driver's control lock
//! (see `fs.rs`). The descriptors the glue opened are tracked so that
//! dropping the volume closes whatever it left open and a forced unmount
//! (at DriverUnload) is never kept busy.

use alloc::collections::BTreeSet;
use alloc::ffi::CString;
use alloc::sync::Arc;
use core::cell::RefCell;

use fs_glue::Vfs;
use lkl::{Errno, Kernel};
use lkl_abi::sys::{self, Statfs, Statx, Timespec};

/// A Linux fd.
pub type Fd = i32;

/// The kernel rooted at a directory.
pub struct KernelVfs {
    k: Arc<Kernel>,
    root: Fd,
    /// Descriptors opened through `openat` and not closed yet. A RefCell:
    /// one request at a time uses the volume (see the module doc).
    open: RefCell<BTreeSet<Fd>>,
}

fn cpath(path: &[u8]) -> Result<CString, Errno> {
    // Linux paths cannot hold NUL; the glue never produces one.
    CString::new(path).map_err(|_| Errno::EINVAL)
}

impl KernelVfs {
    /// Opens `dir` as the root. On a worker thread.
    pub fn new(k: Arc<Kernel>, dir: &core::ffi::CStr) -> Result<KernelVfs, Errno> {
        let root = k.openat(sys::AT_FDCWD, dir, sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0)?;
        Ok(KernelVfs { k, root, open: RefCell::new(BTreeSet::new()) })
    }
}

impl Drop for KernelVfs {
    fn drop(&mut self) {
        // Dropped on a worker by unmount, before umount2 (which would
        // otherwise fail busy).
        for fd in core::mem::take(&mut *self.open.borrow_mut()) {
            let _ = self.k.close(fd);
        }
        let _ = self.k.close(self.root);
    }
}

impl Vfs for KernelVfs {
    type Fd = Fd;

    fn root(&self) -> Fd {
        self.root
    }
    fn openat(&self, dir: Fd, path: &[u8], flags: i32, mode: u32) -> Result<Fd, Errno> {
        let fd = self.k.openat(dir, &cpath(path)?, flags | sys::O_CLOEXEC, mode)?;
        self.open.borrow_mut().insert(fd);
        Ok(fd)
    }
    fn close(&self, fd: Fd) -> Result<(), Errno> {
        if fd == self.root || !self.open.borrow_mut().remove(&fd) {
            return Err(Errno::EBADF);
        }
        self.k.close(fd)
    }
    fn pread(&self, fd: Fd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.k.pread(fd, buf, offset)
    }
    fn pwrite(&self, fd: Fd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.k.pwrite(fd, buf, offset)
    }
    fn getdents64(&self, fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.getdents64(fd, buf)
    }
    fn seek_set(&self, fd: Fd, offset: u64) -> Result<u64, Errno> {
        self.k.lseek(fd, offset as i64, sys::SEEK_SET)
    }
    fn statx(&self, dir: Fd, path: &[u8], flags: i32, mask: u32) -> Result<Statx, Errno> {
        self.k.statx(dir, &cpath(path)?, flags, mask)
    }
    fn mkdirat(&self, dir: Fd, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.k.mkdirat(dir, &cpath(path)?, mode)
    }
    fn unlinkat(&self, dir: Fd, path: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.unlinkat(dir, &cpath(path)?, flags)
    }
    fn renameat2(&self, olddir: Fd, old: &[u8], newdir: Fd, new: &[u8], flags: u32) -> Result<(), Errno> {
        self.k.renameat2(olddir, &cpath(old)?, newdir, &cpath(new)?, flags)
    }
    fn linkat(&self, olddir: Fd, old: &[u8], newdir: Fd, new: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.linkat(olddir, &cpath(old)?, newdir, &cpath(new)?, flags)
    }
    fn symlinkat(&self, target: &[u8], dir: Fd, path: &[u8]) -> Result<(), Errno> {
        self.k.symlinkat(&cpath(target)?, dir, &cpath(path)?)
    }
    fn readlinkat(&self, dir: Fd, path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.readlinkat_into(dir, &cpath(path)?, buf)
    }
    fn fsync(&self, fd: Fd) -> Result<(), Errno> {
        self.k.fsync(fd)
    }
    fn ftruncate(&self, fd: Fd, len: u64) -> Result<(), Errno> {
        self.k.ftruncate(fd, len)
    }
    fn fallocate(&self, fd: Fd, mode: i32, offset: u64, len: u64) -> Result<(), Errno> {
        self.k.fallocate(fd, mode, offset, len)
    }
    fn fstatfs(&self, fd: Fd) -> Result<Statfs, Errno> {
        self.k.fstatfs(fd)
    }
    fn utimensat(&self, dir: Fd, path: &[u8], times: &[Timespec; 2], flags: i32) -> Result<(), Errno> {
        self.k.utimensat(dir, &cpath(path)?, Some(times), flags)
    }
    fn fchmodat(&self, dir: Fd, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.k.fchmodat(dir, &cpath(path)?, mode)
    }
    fn fchownat(&self, dir: Fd, path: &[u8], uid: u32, gid: u32, flags: i32) -> Result<(), Errno> {
        self.k.fchownat(dir, &cpath(path)?, uid, gid, flags)
    }
    fn fgetxattr(&self, fd: Fd, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.fgetxattr(fd, &cpath(name)?, buf)
    }
    fn fsetxattr(&self, fd: Fd, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.fsetxattr(fd, &cpath(name)?, value, flags)
    }
    fn flistxattr(&self, fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.flistxattr(fd, buf)
    }
    fn fremovexattr(&self, fd: Fd, name: &[u8]) -> Result<(), Errno> {
        self.k.fremovexattr(fd, &cpath(name)?)
    }
}
