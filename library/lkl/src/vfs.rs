//! fs-glue's [`Vfs`] on this kernel: [`KernelVfs`], thin calls to the
//! syscalls of [`Kernel`] relative to a directory of a mounted file system.
//! The one implementation, shipped by the driver and run by fs-glue-testbed's
//! suites; it lives here, behind the `fs-glue` feature, because it is a
//! view of this crate's API (fs-glue depends only on lkl-abi, so no cycle).
//!
//! Every method enters Linux, so it must run where the library may be
//! entered (a host thread with [`lkl_abi::THREAD_STACK_SIZE`] of stack: the
//! driver's workers, an `lkl-test-runner` case body).

use alloc::collections::BTreeSet;
use alloc::ffi::CString;
use alloc::sync::Arc;
use core::ffi::CStr;

use fs_glue::Vfs;
use lkl_abi::Errno;
use lkl_abi::sys::{self, Statfs, Statx, Timespec};
use spin::mutex::SpinMutex;

use crate::{Fd, Kernel};

/// A descriptor opened through a [`KernelVfs`] (or its root). A newtype so
/// that a raw fd of the shared file table cannot be passed by mistake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VfsFd(Fd);

/// fs-glue's `Vfs` on the embedded kernel, rooted at a directory.
///
/// All threads of the library share one Linux file table, so several
/// volumes (and other callers of the kernel) hold descriptors in it side by
/// side. Each `KernelVfs` therefore only accepts descriptors it opened
/// itself and answers EBADF for any other: a glue bug that uses a stale
/// descriptor fails here instead of touching another volume's file.
///
/// The descriptors are tracked also so that dropping the `KernelVfs` closes
/// whatever the glue left open; an unmount (the driver's, a failed test
/// case's) is then never kept busy.
pub struct KernelVfs {
    k: Arc<Kernel>,
    root: Fd,
    /// Descriptors opened through `openat` and not closed yet (the root
    /// apart). A spin lock, not a `RefCell`: the test bed may move or share
    /// a volume between threads; the driver uses one at a time under its
    /// control lock, so the lock is never contended there and is never held
    /// across a call into Linux anywhere.
    open: SpinMutex<BTreeSet<Fd>>,
}

fn cpath(path: &[u8]) -> Result<CString, Errno> {
    // Linux paths cannot hold NUL; the glue never produces one, but a
    // bad-input case may try.
    CString::new(path).map_err(|_| Errno::EINVAL)
}

impl KernelVfs {
    /// Opens `dir` (a path in the library's namespace, e.g. a mount point)
    /// as the root.
    pub fn new(k: Arc<Kernel>, dir: &CStr) -> Result<KernelVfs, Errno> {
        let root = k.openat(sys::AT_FDCWD, dir, sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0)?;
        Ok(KernelVfs { k, root, open: SpinMutex::new(BTreeSet::new()) })
    }

    /// Descriptors open besides the root (a leak check for tests).
    pub fn open_fds(&self) -> usize {
        self.open.lock().len()
    }

    fn fd(&self, fd: VfsFd) -> Result<Fd, Errno> {
        if fd.0 == self.root || self.open.lock().contains(&fd.0) { Ok(fd.0) } else { Err(Errno::EBADF) }
    }
}

impl Drop for KernelVfs {
    fn drop(&mut self) {
        // Before the unmount that follows (umount2 would fail busy): what
        // the glue left open, then the root.
        for fd in core::mem::take(&mut *self.open.lock()) {
            let _ = self.k.close(fd);
        }
        let _ = self.k.close(self.root);
    }
}

impl Vfs for KernelVfs {
    type Fd = VfsFd;

    fn root(&self) -> VfsFd {
        VfsFd(self.root)
    }
    fn openat(&self, dir: VfsFd, path: &[u8], flags: i32, mode: u32) -> Result<VfsFd, Errno> {
        let fd = self.k.openat(self.fd(dir)?, &cpath(path)?, flags | sys::O_CLOEXEC, mode)?;
        self.open.lock().insert(fd);
        Ok(VfsFd(fd))
    }
    fn close(&self, fd: VfsFd) -> Result<(), Errno> {
        if fd.0 == self.root || !self.open.lock().remove(&fd.0) {
            return Err(Errno::EBADF);
        }
        self.k.close(fd.0)
    }
    fn pread(&self, fd: VfsFd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.k.pread(self.fd(fd)?, buf, offset)
    }
    fn pwrite(&self, fd: VfsFd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.k.pwrite(self.fd(fd)?, buf, offset)
    }
    fn getdents64(&self, fd: VfsFd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.getdents64(self.fd(fd)?, buf)
    }
    fn seek_set(&self, fd: VfsFd, offset: u64) -> Result<u64, Errno> {
        self.k.lseek(self.fd(fd)?, offset as i64, sys::SEEK_SET)
    }
    fn statx(&self, dir: VfsFd, path: &[u8], flags: i32, mask: u32) -> Result<Statx, Errno> {
        self.k.statx(self.fd(dir)?, &cpath(path)?, flags, mask)
    }
    fn mkdirat(&self, dir: VfsFd, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.k.mkdirat(self.fd(dir)?, &cpath(path)?, mode)
    }
    fn unlinkat(&self, dir: VfsFd, path: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.unlinkat(self.fd(dir)?, &cpath(path)?, flags)
    }
    fn renameat2(&self, olddir: VfsFd, old: &[u8], newdir: VfsFd, new: &[u8], flags: u32) -> Result<(), Errno> {
        self.k.renameat2(self.fd(olddir)?, &cpath(old)?, self.fd(newdir)?, &cpath(new)?, flags)
    }
    fn linkat(&self, olddir: VfsFd, old: &[u8], newdir: VfsFd, new: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.linkat(self.fd(olddir)?, &cpath(old)?, self.fd(newdir)?, &cpath(new)?, flags)
    }
    fn symlinkat(&self, target: &[u8], dir: VfsFd, path: &[u8]) -> Result<(), Errno> {
        self.k.symlinkat(&cpath(target)?, self.fd(dir)?, &cpath(path)?)
    }
    fn readlinkat(&self, dir: VfsFd, path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.readlinkat_into(self.fd(dir)?, &cpath(path)?, buf)
    }
    fn fsync(&self, fd: VfsFd) -> Result<(), Errno> {
        self.k.fsync(self.fd(fd)?)
    }
    fn ftruncate(&self, fd: VfsFd, len: u64) -> Result<(), Errno> {
        self.k.ftruncate(self.fd(fd)?, len)
    }
    fn fallocate(&self, fd: VfsFd, mode: i32, offset: u64, len: u64) -> Result<(), Errno> {
        self.k.fallocate(self.fd(fd)?, mode, offset, len)
    }
    fn fstatfs(&self, fd: VfsFd) -> Result<Statfs, Errno> {
        self.k.fstatfs(self.fd(fd)?)
    }
    fn get_fs_label(&self, fd: VfsFd, buf: &mut [u8; sys::FSLABEL_MAX]) -> Result<(), Errno> {
        self.k.ioctl_buf(self.fd(fd)?, sys::FS_IOC_GETFSLABEL, buf).map(|_| ())
    }
    fn set_fs_label(&self, fd: VfsFd, label: &[u8; sys::FSLABEL_MAX]) -> Result<(), Errno> {
        // The kernel only reads the buffer; the copy gives the shared
        // wrapper the mutable pointer it takes.
        let mut b = *label;
        self.k.ioctl_buf(self.fd(fd)?, sys::FS_IOC_SETFSLABEL, &mut b).map(|_| ())
    }
    fn utimensat(&self, dir: VfsFd, path: &[u8], times: &[Timespec; 2], flags: i32) -> Result<(), Errno> {
        self.k.utimensat(self.fd(dir)?, &cpath(path)?, Some(times), flags)
    }
    fn fchmodat(&self, dir: VfsFd, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.k.fchmodat(self.fd(dir)?, &cpath(path)?, mode)
    }
    fn fchownat(&self, dir: VfsFd, path: &[u8], uid: u32, gid: u32, flags: i32) -> Result<(), Errno> {
        self.k.fchownat(self.fd(dir)?, &cpath(path)?, uid, gid, flags)
    }
    fn fgetxattr(&self, fd: VfsFd, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.fgetxattr(self.fd(fd)?, &cpath(name)?, buf)
    }
    fn fsetxattr(&self, fd: VfsFd, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        self.k.fsetxattr(self.fd(fd)?, &cpath(name)?, value, flags)
    }
    fn flistxattr(&self, fd: VfsFd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.k.flistxattr(self.fd(fd)?, buf)
    }
    fn fremovexattr(&self, fd: VfsFd, name: &[u8]) -> Result<(), Errno> {
        self.k.fremovexattr(self.fd(fd)?, &cpath(name)?)
    }
}
