//! Safe wrappers for the syscalls the project uses. Paths are `&CStr`
//! (`c"/tmp"`), file descriptors are [`Fd`]; every error is an [`Errno`].

use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::CStr;
use core::mem::MaybeUninit;

use lkl_abi::Errno;
use lkl_abi::sys::{self, DIRENT64_NAME_OFFSET, Stat, Statfs, Statx, Sysinfo, Timespec, Utsname, nr};

use crate::Kernel;

/// A Linux file descriptor number.
pub type Fd = i32;

/// One record of `getdents64`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// Inode number.
    pub ino: u64,
    /// `DT_*` type.
    pub kind: u8,
    /// Name bytes (Linux names need not be UTF-8).
    pub name: Vec<u8>,
}

fn p<T>(x: *const T) -> i64 {
    x as usize as i64
}

fn pm<T>(x: *mut T) -> i64 {
    x as usize as i64
}

impl Kernel {
    fn call(&self, nr: i64, args: [i64; 6]) -> Result<i64, Errno> {
        // SAFETY: every wrapper below passes pointers to live buffers of the
        // sizes the syscall uses.
        unsafe { self.syscall(nr, args) }
    }

    /// `getpid()`.
    pub fn getpid(&self) -> Result<i64, Errno> {
        self.call(nr::GETPID, [0; 6])
    }

    /// `gettid()`.
    pub fn gettid(&self) -> Result<i64, Errno> {
        self.call(nr::GETTID, [0; 6])
    }

    /// `umask(mask)`: returns the previous mask.
    pub fn umask(&self, mask: u32) -> Result<u32, Errno> {
        self.call(nr::UMASK, [mask as i64, 0, 0, 0, 0, 0]).map(|v| v as u32)
    }

    /// `openat(dirfd, path, flags, mode)`.
    pub fn openat(&self, dirfd: Fd, path: &CStr, flags: i32, mode: u32) -> Result<Fd, Errno> {
        self.call(nr::OPENAT, [dirfd as i64, p(path.as_ptr()), flags as i64, mode as i64, 0, 0]).map(|v| v as Fd)
    }

    /// `open(path, flags, mode)` relative to the working directory.
    pub fn open(&self, path: &CStr, flags: i32, mode: u32) -> Result<Fd, Errno> {
        self.openat(sys::AT_FDCWD, path, flags, mode)
    }

    /// `close(fd)`.
    pub fn close(&self, fd: Fd) -> Result<(), Errno> {
        self.call(nr::CLOSE, [fd as i64, 0, 0, 0, 0, 0]).map(|_| ())
    }

    /// `read(fd, buf)`.
    pub fn read(&self, fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.call(nr::READ, [fd as i64, pm(buf.as_mut_ptr()), buf.len() as i64, 0, 0, 0]).map(|v| v as usize)
    }

    /// `write(fd, buf)`.
    pub fn write(&self, fd: Fd, buf: &[u8]) -> Result<usize, Errno> {
        self.call(nr::WRITE, [fd as i64, p(buf.as_ptr()), buf.len() as i64, 0, 0, 0]).map(|v| v as usize)
    }

    /// `pread64(fd, buf, offset)`.
    pub fn pread(&self, fd: Fd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        self.call(nr::PREAD64, [fd as i64, pm(buf.as_mut_ptr()), buf.len() as i64, offset as i64, 0, 0])
            .map(|v| v as usize)
    }

    /// `pwrite64(fd, buf, offset)`.
    pub fn pwrite(&self, fd: Fd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        self.call(nr::PWRITE64, [fd as i64, p(buf.as_ptr()), buf.len() as i64, offset as i64, 0, 0]).map(|v| v as usize)
    }

    /// `lseek(fd, offset, whence)`.
    pub fn lseek(&self, fd: Fd, offset: i64, whence: i32) -> Result<u64, Errno> {
        self.call(nr::LSEEK, [fd as i64, offset, whence as i64, 0, 0, 0]).map(|v| v as u64)
    }

    /// `getdents64(fd, buf)`: bytes of records written into `buf`.
    pub fn getdents64(&self, fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.call(nr::GETDENTS64, [fd as i64, pm(buf.as_mut_ptr()), buf.len() as i64, 0, 0, 0]).map(|v| v as usize)
    }

    /// Every entry of an open directory, "." and ".." included.
    pub fn read_dir_fd(&self, fd: Fd) -> Result<Vec<DirEntry>, Errno> {
        let mut out = Vec::new();
        let mut buf = alloc::vec![0u8; 32 * 1024];
        loop {
            let n = self.getdents64(fd, &mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            let mut off = 0;
            while off + DIRENT64_NAME_OFFSET <= n {
                let rec = &buf[off..n];
                let ino = u64::from_ne_bytes(rec[0..8].try_into().map_err(|_| Errno::EIO)?);
                let reclen = u16::from_ne_bytes(rec[16..18].try_into().map_err(|_| Errno::EIO)?) as usize;
                if reclen < DIRENT64_NAME_OFFSET || reclen > rec.len() {
                    return Err(Errno::EIO);
                }
                let name = &rec[DIRENT64_NAME_OFFSET..reclen];
                let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                out.push(DirEntry { ino, kind: rec[18], name: name[..end].to_vec() });
                off += reclen;
            }
        }
    }

    /// Opens `path` as a directory and lists it.
    pub fn read_dir(&self, path: &CStr) -> Result<Vec<DirEntry>, Errno> {
        let fd = self.open(path, sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0)?;
        let r = self.read_dir_fd(fd);
        let c = self.close(fd);
        let v = r?;
        c?;
        Ok(v)
    }

    /// `statx(dirfd, path, flags, mask)`.
    pub fn statx(&self, dirfd: Fd, path: &CStr, flags: i32, mask: u32) -> Result<Statx, Errno> {
        let mut st = MaybeUninit::<Statx>::zeroed();
        self.call(nr::STATX, [dirfd as i64, p(path.as_ptr()), flags as i64, mask as i64, pm(st.as_mut_ptr()), 0])?;
        // SAFETY: zero-initialised and filled by the kernel; every bit
        // pattern is a valid Statx.
        Ok(unsafe { st.assume_init() })
    }

    /// `newfstatat(dirfd, path, flags)`.
    pub fn fstatat(&self, dirfd: Fd, path: &CStr, flags: i32) -> Result<Stat, Errno> {
        let mut st = Stat::default();
        self.call(nr::NEWFSTATAT, [dirfd as i64, p(path.as_ptr()), pm(&mut st), flags as i64, 0, 0])?;
        Ok(st)
    }

    /// `stat(path)` (follows symlinks).
    pub fn stat(&self, path: &CStr) -> Result<Stat, Errno> {
        self.fstatat(sys::AT_FDCWD, path, 0)
    }

    /// `fstat(fd)`.
    pub fn fstat(&self, fd: Fd) -> Result<Stat, Errno> {
        let mut st = Stat::default();
        self.call(nr::FSTAT, [fd as i64, pm(&mut st), 0, 0, 0, 0])?;
        Ok(st)
    }

    /// `mkdirat(dirfd, path, mode)`.
    pub fn mkdirat(&self, dirfd: Fd, path: &CStr, mode: u32) -> Result<(), Errno> {
        self.call(nr::MKDIRAT, [dirfd as i64, p(path.as_ptr()), mode as i64, 0, 0, 0]).map(|_| ())
    }

    /// `mkdir(path, mode)`.
    pub fn mkdir(&self, path: &CStr, mode: u32) -> Result<(), Errno> {
        self.mkdirat(sys::AT_FDCWD, path, mode)
    }

    /// `unlinkat(dirfd, path, flags)` (AT_REMOVEDIR for directories).
    pub fn unlinkat(&self, dirfd: Fd, path: &CStr, flags: i32) -> Result<(), Errno> {
        self.call(nr::UNLINKAT, [dirfd as i64, p(path.as_ptr()), flags as i64, 0, 0, 0]).map(|_| ())
    }

    /// `renameat2(olddirfd, old, newdirfd, new, flags)`.
    pub fn renameat2(&self, olddirfd: Fd, old: &CStr, newdirfd: Fd, new: &CStr, flags: u32) -> Result<(), Errno> {
        self.call(nr::RENAMEAT2, [olddirfd as i64, p(old.as_ptr()), newdirfd as i64, p(new.as_ptr()), flags as i64, 0])
            .map(|_| ())
    }

    /// `fsync(fd)`.
    pub fn fsync(&self, fd: Fd) -> Result<(), Errno> {
        self.call(nr::FSYNC, [fd as i64, 0, 0, 0, 0, 0]).map(|_| ())
    }

    /// `sync()`.
    pub fn sync(&self) -> Result<(), Errno> {
        self.call(nr::SYNC, [0; 6]).map(|_| ())
    }

    /// `ftruncate(fd, length)`.
    pub fn ftruncate(&self, fd: Fd, length: u64) -> Result<(), Errno> {
        self.call(nr::FTRUNCATE, [fd as i64, length as i64, 0, 0, 0, 0]).map(|_| ())
    }

    /// `fallocate(fd, mode, offset, len)`.
    pub fn fallocate(&self, fd: Fd, mode: i32, offset: u64, len: u64) -> Result<(), Errno> {
        self.call(nr::FALLOCATE, [fd as i64, mode as i64, offset as i64, len as i64, 0, 0]).map(|_| ())
    }

    /// `statfs(path)`.
    pub fn statfs(&self, path: &CStr) -> Result<Statfs, Errno> {
        let mut st = Statfs::default();
        self.call(nr::STATFS, [p(path.as_ptr()), pm(&mut st), 0, 0, 0, 0])?;
        Ok(st)
    }

    /// `sysinfo()`: the kernel's memory (total, free, buffers).
    pub fn sysinfo(&self) -> Result<Sysinfo, Errno> {
        let mut si = Sysinfo::default();
        self.call(nr::SYSINFO, [pm(&mut si), 0, 0, 0, 0, 0])?;
        Ok(si)
    }

    /// `mount(source, target, fstype, flags, data)`.
    pub fn mount(
        &self,
        source: &CStr,
        target: &CStr,
        fstype: &CStr,
        flags: u64,
        data: Option<&CStr>,
    ) -> Result<(), Errno> {
        // Linux copies a whole page of mount data (copy_mount_options) and
        // relies on a fault to stop at the end of the caller's mapping;
        // without an MMU that copy reads past a short string and can hit
        // an unmapped host page (SIGSEGV). Hand it at least a page.
        let page = data.map(|d| {
            let mut v = alloc::vec![0u8; d.to_bytes_with_nul().len().max(4096)];
            v[..d.to_bytes().len()].copy_from_slice(d.to_bytes());
            v
        });
        let data_ptr = page.as_ref().map_or(0, |v| p(v.as_ptr()));
        self.call(nr::MOUNT, [p(source.as_ptr()), p(target.as_ptr()), p(fstype.as_ptr()), flags as i64, data_ptr, 0])
            .map(|_| ())
    }

    /// `umount2(target, flags)`.
    pub fn umount2(&self, target: &CStr, flags: i32) -> Result<(), Errno> {
        self.call(nr::UMOUNT2, [p(target.as_ptr()), flags as i64, 0, 0, 0, 0]).map(|_| ())
    }

    /// `chdir(path)`.
    pub fn chdir(&self, path: &CStr) -> Result<(), Errno> {
        self.call(nr::CHDIR, [p(path.as_ptr()), 0, 0, 0, 0, 0]).map(|_| ())
    }

    /// `symlinkat(target, newdirfd, linkpath)`.
    pub fn symlinkat(&self, target: &CStr, newdirfd: Fd, linkpath: &CStr) -> Result<(), Errno> {
        self.call(nr::SYMLINKAT, [p(target.as_ptr()), newdirfd as i64, p(linkpath.as_ptr()), 0, 0, 0]).map(|_| ())
    }

    /// `readlinkat(dirfd, path)`: the link target.
    pub fn readlinkat(&self, dirfd: Fd, path: &CStr) -> Result<Vec<u8>, Errno> {
        let mut buf = alloc::vec![0u8; 4096];
        let n =
            self.call(nr::READLINKAT, [dirfd as i64, p(path.as_ptr()), pm(buf.as_mut_ptr()), buf.len() as i64, 0, 0])?;
        buf.truncate(n as usize);
        Ok(buf)
    }

    /// `linkat(olddirfd, old, newdirfd, new, flags)`.
    pub fn linkat(&self, olddirfd: Fd, old: &CStr, newdirfd: Fd, new: &CStr, flags: i32) -> Result<(), Errno> {
        self.call(nr::LINKAT, [olddirfd as i64, p(old.as_ptr()), newdirfd as i64, p(new.as_ptr()), flags as i64, 0])
            .map(|_| ())
    }

    /// `utimensat(dirfd, path, times, flags)`; `None` sets both to now.
    pub fn utimensat(&self, dirfd: Fd, path: &CStr, times: Option<&[Timespec; 2]>, flags: i32) -> Result<(), Errno> {
        let t = times.map_or(0, |t| p(t.as_ptr()));
        self.call(nr::UTIMENSAT, [dirfd as i64, p(path.as_ptr()), t, flags as i64, 0, 0]).map(|_| ())
    }

    /// `fchmodat(dirfd, path, mode)`.
    pub fn fchmodat(&self, dirfd: Fd, path: &CStr, mode: u32) -> Result<(), Errno> {
        self.call(nr::FCHMODAT, [dirfd as i64, p(path.as_ptr()), mode as i64, 0, 0, 0]).map(|_| ())
    }

    /// `fchownat(dirfd, path, uid, gid, flags)`.
    pub fn fchownat(&self, dirfd: Fd, path: &CStr, uid: u32, gid: u32, flags: i32) -> Result<(), Errno> {
        self.call(nr::FCHOWNAT, [dirfd as i64, p(path.as_ptr()), uid as i64, gid as i64, flags as i64, 0]).map(|_| ())
    }

    /// `lsetxattr(path, name, value, flags)` (does not follow symlinks).
    pub fn lsetxattr(&self, path: &CStr, name: &CStr, value: &[u8], flags: i32) -> Result<(), Errno> {
        self.call(
            nr::LSETXATTR,
            [p(path.as_ptr()), p(name.as_ptr()), p(value.as_ptr()), value.len() as i64, flags as i64, 0],
        )
        .map(|_| ())
    }

    /// `lgetxattr(path, name)`: the value.
    pub fn lgetxattr(&self, path: &CStr, name: &CStr) -> Result<Vec<u8>, Errno> {
        let size = self.call(nr::LGETXATTR, [p(path.as_ptr()), p(name.as_ptr()), 0, 0, 0, 0])? as usize;
        let mut buf = alloc::vec![0u8; size];
        let n =
            self.call(nr::LGETXATTR, [p(path.as_ptr()), p(name.as_ptr()), pm(buf.as_mut_ptr()), size as i64, 0, 0])?;
        buf.truncate(n as usize);
        Ok(buf)
    }

    /// `llistxattr(path)`: the attribute names.
    pub fn llistxattr(&self, path: &CStr) -> Result<Vec<String>, Errno> {
        let size = self.call(nr::LLISTXATTR, [p(path.as_ptr()), 0, 0, 0, 0, 0])? as usize;
        let mut buf = alloc::vec![0u8; size];
        let n = self.call(nr::LLISTXATTR, [p(path.as_ptr()), pm(buf.as_mut_ptr()), size as i64, 0, 0, 0])? as usize;
        Ok(buf[..n.min(size)]
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect())
    }

    /// `ioctl(fd, cmd, buf)` for a command whose argument is a buffer of
    /// `buf.len()` bytes (the label ioctls).
    pub fn ioctl_buf(&self, fd: Fd, cmd: u32, buf: &mut [u8]) -> Result<i64, Errno> {
        self.call(nr::IOCTL, [fd as i64, cmd as i64, pm(buf.as_mut_ptr()), 0, 0, 0])
    }

    /// `fstatfs(fd)`.
    pub fn fstatfs(&self, fd: Fd) -> Result<Statfs, Errno> {
        let mut st = Statfs::default();
        self.call(nr::FSTATFS, [fd as i64, pm(&mut st), 0, 0, 0, 0])?;
        Ok(st)
    }

    /// `readlinkat(dirfd, path, buf)` into the caller's buffer: the length
    /// written (the target is cut to `buf`, as the syscall does).
    pub fn readlinkat_into(&self, dirfd: Fd, path: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
        self.call(nr::READLINKAT, [dirfd as i64, p(path.as_ptr()), pm(buf.as_mut_ptr()), buf.len() as i64, 0, 0])
            .map(|v| v as usize)
    }

    /// `fsetxattr(fd, name, value, flags)`.
    pub fn fsetxattr(&self, fd: Fd, name: &CStr, value: &[u8], flags: i32) -> Result<(), Errno> {
        self.call(nr::FSETXATTR, [fd as i64, p(name.as_ptr()), p(value.as_ptr()), value.len() as i64, flags as i64, 0])
            .map(|_| ())
    }

    /// `fgetxattr(fd, name, buf)`: the value length (ERANGE if `buf` is too
    /// short; an empty `buf` asks for the length).
    pub fn fgetxattr(&self, fd: Fd, name: &CStr, buf: &mut [u8]) -> Result<usize, Errno> {
        self.call(nr::FGETXATTR, [fd as i64, p(name.as_ptr()), pm(buf.as_mut_ptr()), buf.len() as i64, 0, 0])
            .map(|v| v as usize)
    }

    /// `flistxattr(fd, buf)`: NUL-separated names; an empty `buf` asks for
    /// the length.
    pub fn flistxattr(&self, fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.call(nr::FLISTXATTR, [fd as i64, pm(buf.as_mut_ptr()), buf.len() as i64, 0, 0, 0]).map(|v| v as usize)
    }

    /// `fremovexattr(fd, name)`.
    pub fn fremovexattr(&self, fd: Fd, name: &CStr) -> Result<(), Errno> {
        self.call(nr::FREMOVEXATTR, [fd as i64, p(name.as_ptr()), 0, 0, 0, 0]).map(|_| ())
    }

    /// `nanosleep(duration)`.
    pub fn nanosleep(&self, duration: &Timespec) -> Result<(), Errno> {
        self.call(nr::NANOSLEEP, [p(duration), 0, 0, 0, 0, 0]).map(|_| ())
    }

    /// `clock_gettime(clock)`.
    pub fn clock_gettime(&self, clock: i32) -> Result<Timespec, Errno> {
        let mut t = Timespec::default();
        self.call(nr::CLOCK_GETTIME, [clock as i64, pm(&mut t), 0, 0, 0, 0])?;
        Ok(t)
    }

    /// `pipe2(flags)`: `[read end, write end]`.
    pub fn pipe2(&self, flags: i32) -> Result<[Fd; 2], Errno> {
        let mut fds = [0i32; 2];
        self.call(nr::PIPE2, [pm(fds.as_mut_ptr()), flags as i64, 0, 0, 0, 0])?;
        Ok(fds)
    }

    /// `uname()`.
    pub fn uname(&self) -> Result<Utsname, Errno> {
        let mut u = MaybeUninit::<Utsname>::zeroed();
        self.call(nr::UNAME, [pm(u.as_mut_ptr()), 0, 0, 0, 0, 0])?;
        // SAFETY: zeroed, then filled by the kernel; any bytes are valid.
        Ok(unsafe { u.assume_init() })
    }
}
