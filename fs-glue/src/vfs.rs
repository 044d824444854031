//! The Linux syscall subset the glue needs, as a trait.
//!
//! Two implementations: the host kernel through real syscalls on a
//! directory (`fs-glue-testbed`, for tests) and the embedded kernel
//! (`lkl::vfs`, for the driver and the tests).
//! Each method has the contract of the Linux syscall of the same name
//! (see its man page): same flags, same errno for the same condition. Paths
//! are byte strings without NUL, relative to the given directory
//! descriptor; the glue never passes absolute paths.
//!
//! Methods take `&self`: both kernels are thread-safe, and the glue keeps
//! its own state behind `&mut Volume`.

use lkl_abi::Errno;
use lkl_abi::sys::{self, Statfs, Statx, Timespec};

/// A kernel the glue can drive.
pub trait Vfs {
    /// An open file description (a Linux fd, or an index standing for one).
    type Fd: Copy + Eq + core::fmt::Debug;

    /// The volume's root directory, open for the life of the `Vfs`. The
    /// glue never closes it.
    fn root(&self) -> Self::Fd;

    /// `openat(2)`. `flags` are Linux `O_*` values; `O_CLOEXEC` is implied.
    fn openat(&self, dir: Self::Fd, path: &[u8], flags: i32, mode: u32) -> Result<Self::Fd, Errno>;
    /// `close(2)`.
    fn close(&self, fd: Self::Fd) -> Result<(), Errno>;
    /// `pread64(2)`: short reads only at end of file.
    fn pread(&self, fd: Self::Fd, buf: &mut [u8], offset: u64) -> Result<usize, Errno>;
    /// `pwrite64(2)`.
    fn pwrite(&self, fd: Self::Fd, buf: &[u8], offset: u64) -> Result<usize, Errno>;
    /// `getdents64(2)`: fills `buf` with `linux_dirent64` records (see
    /// [`lkl_abi::sys::Dirent64Head`]) from the descriptor's position and
    /// returns the bytes used; 0 at the end. EINVAL if not even one record
    /// fits.
    fn getdents64(&self, fd: Self::Fd, buf: &mut [u8]) -> Result<usize, Errno>;
    /// `lseek(2)` with `SEEK_SET`; the glue uses it to rewind directories.
    fn seek_set(&self, fd: Self::Fd, offset: u64) -> Result<u64, Errno>;
    /// `statx(2)`. An empty `path` with `AT_EMPTY_PATH` stats `dir` itself.
    fn statx(&self, dir: Self::Fd, path: &[u8], flags: i32, mask: u32) -> Result<Statx, Errno>;
    /// `mkdirat(2)`.
    fn mkdirat(&self, dir: Self::Fd, path: &[u8], mode: u32) -> Result<(), Errno>;
    /// `unlinkat(2)`; `AT_REMOVEDIR` for directories.
    fn unlinkat(&self, dir: Self::Fd, path: &[u8], flags: i32) -> Result<(), Errno>;
    /// `renameat2(2)` with `RENAME_NOREPLACE` / `RENAME_EXCHANGE`.
    fn renameat2(&self, olddir: Self::Fd, old: &[u8], newdir: Self::Fd, new: &[u8], flags: u32) -> Result<(), Errno>;
    /// `linkat(2)`.
    fn linkat(&self, olddir: Self::Fd, old: &[u8], newdir: Self::Fd, new: &[u8], flags: i32) -> Result<(), Errno>;
    /// `symlinkat(2)`.
    fn symlinkat(&self, target: &[u8], dir: Self::Fd, path: &[u8]) -> Result<(), Errno>;
    /// `readlinkat(2)`: returns the length written (the target may be cut).
    fn readlinkat(&self, dir: Self::Fd, path: &[u8], buf: &mut [u8]) -> Result<usize, Errno>;
    /// `fsync(2)`.
    fn fsync(&self, fd: Self::Fd) -> Result<(), Errno>;
    /// `ftruncate(2)`.
    fn ftruncate(&self, fd: Self::Fd, len: u64) -> Result<(), Errno>;
    /// `fallocate(2)`.
    fn fallocate(&self, fd: Self::Fd, mode: i32, offset: u64, len: u64) -> Result<(), Errno>;
    /// `fstatfs(2)`.
    fn fstatfs(&self, fd: Self::Fd) -> Result<Statfs, Errno>;
    /// `ioctl(FS_IOC_GETFSLABEL)`: the file system's label, NUL-padded
    /// (ENOTTY where the file system has no label ioctl).
    fn get_fs_label(&self, fd: Self::Fd, buf: &mut [u8; sys::FSLABEL_MAX]) -> Result<(), Errno>;
    /// `ioctl(FS_IOC_SETFSLABEL)`: `label` up to its first NUL becomes the
    /// label (EINVAL when the file system's limit is shorter).
    fn set_fs_label(&self, fd: Self::Fd, label: &[u8; sys::FSLABEL_MAX]) -> Result<(), Errno>;
    /// `utimensat(2)`: `times` are atime, mtime; `UTIME_OMIT`/`UTIME_NOW`
    /// in `tv_nsec` as Linux defines them.
    fn utimensat(&self, dir: Self::Fd, path: &[u8], times: &[Timespec; 2], flags: i32) -> Result<(), Errno>;
    /// `fchmodat(2)`.
    fn fchmodat(&self, dir: Self::Fd, path: &[u8], mode: u32) -> Result<(), Errno>;
    /// `fchownat(2)`; `u32::MAX` leaves an id unchanged.
    fn fchownat(&self, dir: Self::Fd, path: &[u8], uid: u32, gid: u32, flags: i32) -> Result<(), Errno>;
    /// `fgetxattr(2)`: returns the value length (ERANGE if `buf` is short;
    /// an empty `buf` asks for the length).
    fn fgetxattr(&self, fd: Self::Fd, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno>;
    /// `fsetxattr(2)` with `XATTR_CREATE` / `XATTR_REPLACE`.
    fn fsetxattr(&self, fd: Self::Fd, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno>;
    /// `flistxattr(2)`: NUL-separated names; an empty `buf` asks for the length.
    fn flistxattr(&self, fd: Self::Fd, buf: &mut [u8]) -> Result<usize, Errno>;
    /// `fremovexattr(2)`.
    fn fremovexattr(&self, fd: Self::Fd, name: &[u8]) -> Result<(), Errno>;
}
