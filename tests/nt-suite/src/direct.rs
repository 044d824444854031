//! [`Vol`] for fs-glue's [`Volume`] called directly, as the Linux library
//! and the host-kernel test bed use it: the NT calls are the glue's own, and
//! Linux's view goes through the same [`Vfs`].

use fs_glue::{CreateParams, CreateResult, Handle, MountOptions, NtStatus, QueryDirParams, Vfs, Volume, Written};
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
    fn make_linux_file(&mut self, path: &[u8]) -> Result<(), Errno> {
        let fd = self.vfs().openat(self.vfs().root(), path, sys::O_CREAT | sys::O_WRONLY | sys::O_EXCL, 0o644)?;
        self.vfs().close(fd)
    }
}
