//! [`Vol`] for fs-glue's [`Volume`] called directly, as the Linux library
//! and the host-kernel test bed use it: the NT calls are the glue's own, and
//! Linux's view goes through the same [`Vfs`].

use fs_glue::{
    CreateParams, CreateResult, Handle, MountOptions, NtStatus, QueryDirParams, QueryEaParams, Vfs, Volume, Written,
};
use lkl_abi::{Errno, sys};

use crate::Vol;

impl<V: Vfs> Vol for Volume<V> {
    fn create(&mut self, p: &CreateParams<'_>) -> CreateResult {
        Volume::create(self, p)
    }
    fn close(&mut self, h: Handle) -> Result<(), NtStatus> {
        Volume::close(self, h)
    }
    fn read(&mut self, h: Handle, offset: Option<u64>, buf: &mut [u8]) -> Result<usize, NtStatus> {
        Volume::read(self, h, offset, buf)
    }
    fn write(&mut self, h: Handle, offset: Option<u64>, data: &[u8]) -> Result<usize, NtStatus> {
        Volume::write(self, h, offset, data)
    }
    fn flush(&mut self, h: Handle) -> Result<(), NtStatus> {
        Volume::flush(self, h)
    }
    fn query_information(&mut self, h: Handle, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        Volume::query_information(self, h, class, buf)
    }
    fn set_information(&mut self, h: Handle, class: u32, buf: &[u8]) -> Result<(), NtStatus> {
        Volume::set_information(self, h, class, buf)
    }
    fn query_directory(&mut self, h: Handle, p: &QueryDirParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus> {
        Volume::query_directory(self, h, p, buf)
    }
    fn query_volume_information(&mut self, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        Volume::query_volume_information(self, class, buf)
    }
    fn set_volume_information(&mut self, class: u32, buf: &[u8]) -> Result<(), NtStatus> {
        Volume::set_volume_information(self, class, buf)
    }
    fn query_ea(&mut self, h: Handle, p: &QueryEaParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus> {
        Volume::query_ea(self, h, p, buf)
    }
    fn set_ea(&mut self, h: Handle, buf: &[u8]) -> Result<Written, NtStatus> {
        Volume::set_ea(self, h, buf)
    }
    fn take_reparse(&mut self) -> Option<Vec<u8>> {
        Volume::take_reparse(self)
    }
    fn delete_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus> {
        Volume::delete_reparse_point(self, h, data)
    }
    fn query_security(&mut self, h: Handle, info: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        Volume::query_security(self, h, info, buf)
    }
    fn set_security(&mut self, h: Handle, info: u32, sd: &[u8]) -> Result<(), NtStatus> {
        Volume::set_security(self, h, info, sd)
    }
    fn get_reparse_point(&mut self, h: Handle, buf: &mut [u8]) -> Result<Written, NtStatus> {
        Volume::get_reparse_point(self, h, buf)
    }
    fn set_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus> {
        Volume::set_reparse_point(self, h, data)
    }
    fn open_handles(&mut self) -> usize {
        Volume::open_handles(self)
    }
    fn options(&self) -> &MountOptions {
        Volume::options(self)
    }

    fn lstat(&mut self, path: &[u8]) -> Option<sys::Statx> {
        let mask = sys::STATX_BASIC_STATS | sys::STATX_BTIME;
        self.vfs().statx(self.vfs().root(), path, sys::AT_SYMLINK_NOFOLLOW, mask).ok()
    }
    fn chmod(&mut self, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.vfs().fchmodat(self.vfs().root(), path, mode)
    }
    fn symlink(&mut self, target: &[u8], path: &[u8]) -> Result<(), Errno> {
        self.vfs().symlinkat(target, self.vfs().root(), path)
    }
    fn readlink(&mut self, path: &[u8]) -> Result<Vec<u8>, Errno> {
        let mut b = vec![0u8; 4096];
        let n = self.vfs().readlinkat(self.vfs().root(), path, &mut b)?;
        b.truncate(n);
        Ok(b)
    }
    fn statfs(&mut self) -> Result<sys::Statfs, Errno> {
        self.vfs().fstatfs(self.vfs().root())
    }
    fn fs_label(&mut self) -> Result<Vec<u8>, Errno> {
        let mut b = [0u8; sys::FSLABEL_MAX];
        self.vfs().get_fs_label(self.vfs().root(), &mut b)?;
        Ok(b.split(|&c| c == 0).next().unwrap_or(&[]).to_vec())
    }
    fn get_xattr(&mut self, path: &[u8], name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.with_linux_fd(path, |vfs, fd| {
            let mut b = vec![0u8; vfs.fgetxattr(fd, name, &mut [])?];
            let n = vfs.fgetxattr(fd, name, &mut b)?;
            b.truncate(n);
            Ok(b)
        })
    }
    fn set_xattr(&mut self, path: &[u8], name: &[u8], value: &[u8]) -> Result<(), Errno> {
        self.with_linux_fd(path, |vfs, fd| vfs.fsetxattr(fd, name, value, 0))
    }
    fn list_xattr(&mut self, path: &[u8]) -> Result<Vec<Vec<u8>>, Errno> {
        self.with_linux_fd(path, |vfs, fd| {
            let mut b = vec![0u8; vfs.flistxattr(fd, &mut [])?];
            let n = vfs.flistxattr(fd, &mut b)?;
            Ok(b[..n].split(|&c| c == 0).filter(|s| !s.is_empty()).map(<[u8]>::to_vec).collect())
        })
    }
    fn make_linux_file(&mut self, path: &[u8]) -> Result<(), Errno> {
        let fd = self.vfs().openat(self.vfs().root(), path, sys::O_CREAT | sys::O_WRONLY | sys::O_EXCL, 0o644)?;
        self.vfs().close(fd)
    }
}

/// Linux's view through a descriptor of `path` (xattr calls need one that
/// is not O_PATH).
trait LinuxFd<V: Vfs> {
    fn with_linux_fd<T>(&self, path: &[u8], f: impl FnOnce(&V, V::Fd) -> Result<T, Errno>) -> Result<T, Errno>;
}

impl<V: Vfs> LinuxFd<V> for Volume<V> {
    fn with_linux_fd<T>(&self, path: &[u8], f: impl FnOnce(&V, V::Fd) -> Result<T, Errno>) -> Result<T, Errno> {
        let vfs = self.vfs();
        let fd = vfs.openat(vfs.root(), path, sys::O_RDONLY | sys::O_NOFOLLOW | sys::O_NONBLOCK, 0)?;
        let r = f(vfs, fd);
        let _ = vfs.close(fd);
        r
    }
}
