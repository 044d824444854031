//! Test support for fs-glue: [`HostVfs`], fs-glue's [`Vfs`] on the host
//! Linux kernel through real syscalls (via `rustix`) on a directory, so the
//! glue's suites run against Linux's own semantics rather than a mock.
//!
//! `lkl::vfs::KernelVfs` is the same `Vfs` on the embedded kernel (the one
//! the driver ships), for the suites' second half ([`lkl_env`]).
//!
//! Paths are resolved by the host kernel relative to the directory: an
//! absolute symlink target therefore resolves against the host's `/`, as it
//! does against the embedded kernel's own root there.

#![forbid(unsafe_code)]

pub mod host_env;
pub mod lkl_env;
pub mod model;
pub mod scratch;

use fs_glue::Vfs;
use lkl_abi::Errno;
use lkl_abi::sys::{self, Statfs, Statx, StatxTimestamp, Timespec};
use rustix::fd::OwnedFd;
use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use std::ffi::OsStr;
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// An open host file descriptor, by slot in [`HostVfs`]'s table (an index
/// rather than the raw fd keeps this crate free of unsafe code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostFd(u32);

/// fs-glue's `Vfs` on the host kernel, rooted at a directory.
pub struct HostVfs {
    fds: Mutex<Vec<Option<Arc<OwnedFd>>>>,
    root: HostFd,
}

fn errno(e: rustix::io::Errno) -> Errno {
    Errno(e.raw_os_error())
}

fn p(path: &[u8]) -> &OsStr {
    OsStr::from_bytes(path)
}

fn ts(t: rfs::StatxTimestamp) -> StatxTimestamp {
    StatxTimestamp { tv_sec: t.tv_sec, tv_nsec: t.tv_nsec, __reserved: 0 }
}

impl HostVfs {
    /// Opens `dir` as the volume root.
    pub fn new(dir: &Path) -> std::io::Result<HostVfs> {
        let fd = rfs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(HostVfs { fds: Mutex::new(vec![Some(Arc::new(fd))]), root: HostFd(0) })
    }

    fn table(&self) -> MutexGuard<'_, Vec<Option<Arc<OwnedFd>>>> {
        // A panicking test thread cannot leave the table inconsistent: every
        // critical section is a single push or take.
        self.fds.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, fd: HostFd) -> Result<Arc<OwnedFd>, Errno> {
        self.table().get(fd.0 as usize).and_then(|s| s.clone()).ok_or(Errno::EBADF)
    }

    fn insert(&self, fd: OwnedFd) -> HostFd {
        let mut t = self.table();
        let fd = Some(Arc::new(fd));
        if let Some(i) = t.iter().position(|s| s.is_none()) {
            t[i] = fd;
            return HostFd(i as u32);
        }
        t.push(fd);
        HostFd((t.len() - 1) as u32)
    }

    /// Descriptors open besides the root (a leak check for tests).
    pub fn open_fds(&self) -> usize {
        self.table().iter().filter(|s| s.is_some()).count() - 1
    }
}

impl Vfs for HostVfs {
    type Fd = HostFd;

    fn root(&self) -> HostFd {
        self.root
    }

    fn openat(&self, dir: HostFd, path: &[u8], flags: i32, mode: u32) -> Result<HostFd, Errno> {
        let d = self.get(dir)?;
        let fl = OFlags::from_bits_retain(flags as u32) | OFlags::CLOEXEC;
        let fd = rfs::openat(&*d, p(path), fl, Mode::from_raw_mode(mode)).map_err(errno)?;
        Ok(self.insert(fd))
    }

    fn close(&self, fd: HostFd) -> Result<(), Errno> {
        if fd == self.root {
            return Err(Errno::EBADF);
        }
        let mut t = self.table();
        match t.get_mut(fd.0 as usize).and_then(Option::take) {
            Some(_) => Ok(()),
            None => Err(Errno::EBADF),
        }
    }

    fn pread(&self, fd: HostFd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        rustix::io::pread(&*self.get(fd)?, buf, offset).map_err(errno)
    }

    fn pwrite(&self, fd: HostFd, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        rustix::io::pwrite(&*self.get(fd)?, buf, offset).map_err(errno)
    }

    fn getdents64(&self, fd: HostFd, buf: &mut [u8]) -> Result<usize, Errno> {
        let f = self.get(fd)?;
        let start = rfs::seek(&*f, rfs::SeekFrom::Current(0)).map_err(errno)?;
        // rustix parses getdents64 records for us; they are written back in
        // the kernel's format, and the position rewound to the first record
        // that did not fit.
        let mut tmp: Vec<MaybeUninit<u8>> = vec![MaybeUninit::uninit(); buf.len().max(1024)];
        let mut dir = rfs::RawDir::new(&*f, &mut tmp);
        let mut used = 0;
        let mut resume = start;
        let mut full = false;
        while let Some(ent) = dir.next() {
            let ent = ent.map_err(errno)?;
            let name = ent.file_name().to_bytes();
            let reclen = (sys::DIRENT64_NAME_OFFSET + name.len() + 1 + 7) & !7;
            if used + reclen > buf.len() {
                full = true;
                break;
            }
            let rec = &mut buf[used..used + reclen];
            rec.fill(0);
            rec[0..8].copy_from_slice(&ent.ino().to_le_bytes());
            rec[8..16].copy_from_slice(&ent.next_entry_cookie().to_le_bytes());
            rec[16..18].copy_from_slice(&(reclen as u16).to_le_bytes());
            rec[18] = (ent.file_type().as_raw_mode() >> 12) as u8;
            rec[sys::DIRENT64_NAME_OFFSET..sys::DIRENT64_NAME_OFFSET + name.len()].copy_from_slice(name);
            used += reclen;
            resume = ent.next_entry_cookie();
        }
        if full || used > 0 {
            rfs::seek(&*f, rfs::SeekFrom::Start(resume)).map_err(errno)?;
        }
        if full && used == 0 {
            return Err(Errno::EINVAL);
        }
        Ok(used)
    }

    fn seek_set(&self, fd: HostFd, offset: u64) -> Result<u64, Errno> {
        rfs::seek(&*self.get(fd)?, rfs::SeekFrom::Start(offset)).map_err(errno)
    }

    fn statx(&self, dir: HostFd, path: &[u8], flags: i32, mask: u32) -> Result<Statx, Errno> {
        let d = self.get(dir)?;
        let s =
            rfs::statx(&*d, p(path), AtFlags::from_bits_retain(flags as u32), rfs::StatxFlags::from_bits_retain(mask))
                .map_err(errno)?;
        Ok(Statx {
            stx_mask: s.stx_mask,
            stx_blksize: s.stx_blksize,
            stx_attributes: s.stx_attributes.bits(),
            stx_nlink: s.stx_nlink,
            stx_uid: s.stx_uid,
            stx_gid: s.stx_gid,
            stx_mode: s.stx_mode,
            stx_ino: s.stx_ino,
            stx_size: s.stx_size,
            stx_blocks: s.stx_blocks,
            stx_attributes_mask: s.stx_attributes_mask.bits(),
            stx_atime: ts(s.stx_atime),
            stx_btime: ts(s.stx_btime),
            stx_ctime: ts(s.stx_ctime),
            stx_mtime: ts(s.stx_mtime),
            stx_rdev_major: s.stx_rdev_major,
            stx_rdev_minor: s.stx_rdev_minor,
            stx_dev_major: s.stx_dev_major,
            stx_dev_minor: s.stx_dev_minor,
            stx_mnt_id: s.stx_mnt_id,
            stx_dio_mem_align: s.stx_dio_mem_align,
            stx_dio_offset_align: s.stx_dio_offset_align,
            ..Statx::default()
        })
    }

    fn mkdirat(&self, dir: HostFd, path: &[u8], mode: u32) -> Result<(), Errno> {
        rfs::mkdirat(&*self.get(dir)?, p(path), Mode::from_raw_mode(mode)).map_err(errno)
    }

    fn unlinkat(&self, dir: HostFd, path: &[u8], flags: i32) -> Result<(), Errno> {
        rfs::unlinkat(&*self.get(dir)?, p(path), AtFlags::from_bits_retain(flags as u32)).map_err(errno)
    }

    fn renameat2(&self, olddir: HostFd, old: &[u8], newdir: HostFd, new: &[u8], flags: u32) -> Result<(), Errno> {
        let (a, b) = (self.get(olddir)?, self.get(newdir)?);
        rfs::renameat_with(&*a, p(old), &*b, p(new), rfs::RenameFlags::from_bits_retain(flags)).map_err(errno)
    }

    fn linkat(&self, olddir: HostFd, old: &[u8], newdir: HostFd, new: &[u8], flags: i32) -> Result<(), Errno> {
        let (a, b) = (self.get(olddir)?, self.get(newdir)?);
        rfs::linkat(&*a, p(old), &*b, p(new), AtFlags::from_bits_retain(flags as u32)).map_err(errno)
    }

    fn symlinkat(&self, target: &[u8], dir: HostFd, path: &[u8]) -> Result<(), Errno> {
        rfs::symlinkat(p(target), &*self.get(dir)?, p(path)).map_err(errno)
    }

    fn readlinkat(&self, dir: HostFd, path: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        rfs::readlinkat_raw(&*self.get(dir)?, p(path), buf).map_err(errno)
    }

    fn fsync(&self, fd: HostFd) -> Result<(), Errno> {
        rfs::fsync(&*self.get(fd)?).map_err(errno)
    }

    fn ftruncate(&self, fd: HostFd, len: u64) -> Result<(), Errno> {
        rfs::ftruncate(&*self.get(fd)?, len).map_err(errno)
    }

    fn fallocate(&self, fd: HostFd, mode: i32, offset: u64, len: u64) -> Result<(), Errno> {
        rfs::fallocate(&*self.get(fd)?, rfs::FallocateFlags::from_bits_retain(mode as u32), offset, len).map_err(errno)
    }

    fn fstatfs(&self, fd: HostFd) -> Result<Statfs, Errno> {
        let s = rfs::fstatfs(&*self.get(fd)?).map_err(errno)?;
        Ok(Statfs {
            f_type: s.f_type as i64,
            f_bsize: s.f_bsize as i64,
            f_blocks: s.f_blocks,
            f_bfree: s.f_bfree,
            f_bavail: s.f_bavail,
            f_files: s.f_files,
            f_ffree: s.f_ffree,
            // rustix keeps fsid private; nothing in the glue reads it.
            f_fsid: [0, 0],
            f_namelen: s.f_namelen as i64,
            f_frsize: s.f_frsize as i64,
            f_flags: s.f_flags as i64,
            f_spare: [0; 4],
        })
    }

    fn utimensat(&self, dir: HostFd, path: &[u8], times: &[Timespec; 2], flags: i32) -> Result<(), Errno> {
        let t = |x: &Timespec| rfs::Timespec { tv_sec: x.tv_sec, tv_nsec: x.tv_nsec as _ };
        let stamps = rfs::Timestamps { last_access: t(&times[0]), last_modification: t(&times[1]) };
        rfs::utimensat(&*self.get(dir)?, p(path), &stamps, AtFlags::from_bits_retain(flags as u32)).map_err(errno)
    }

    fn fchmodat(&self, dir: HostFd, path: &[u8], mode: u32) -> Result<(), Errno> {
        rfs::chmodat(&*self.get(dir)?, p(path), Mode::from_raw_mode(mode), AtFlags::empty()).map_err(errno)
    }

    fn fchownat(&self, dir: HostFd, path: &[u8], uid: u32, gid: u32, flags: i32) -> Result<(), Errno> {
        let u = (uid != u32::MAX).then(|| rustix::fs::Uid::from_raw(uid));
        let g = (gid != u32::MAX).then(|| rustix::fs::Gid::from_raw(gid));
        rfs::chownat(&*self.get(dir)?, p(path), u, g, AtFlags::from_bits_retain(flags as u32)).map_err(errno)
    }

    fn fgetxattr(&self, fd: HostFd, name: &[u8], buf: &mut [u8]) -> Result<usize, Errno> {
        let f = self.get(fd)?;
        if buf.is_empty() {
            return rfs::fgetxattr_query(&*f, p(name)).map_err(errno);
        }
        rfs::fgetxattr(&*f, p(name), buf).map_err(errno)
    }

    fn fsetxattr(&self, fd: HostFd, name: &[u8], value: &[u8], flags: i32) -> Result<(), Errno> {
        rfs::fsetxattr(&*self.get(fd)?, p(name), value, rfs::XattrFlags::from_bits_retain(flags as u32)).map_err(errno)
    }

    fn flistxattr(&self, fd: HostFd, buf: &mut [u8]) -> Result<usize, Errno> {
        let f = self.get(fd)?;
        if buf.is_empty() {
            return rfs::flistxattr_query(&*f).map_err(errno);
        }
        rfs::flistxattr(&*f, buf).map_err(errno)
    }

    fn fremovexattr(&self, fd: HostFd, name: &[u8]) -> Result<(), Errno> {
        rfs::fremovexattr(&*self.get(fd)?, p(name)).map_err(errno)
    }

    // The test bed's volume is a directory of a host file system: that
    // file system's label is not the volume's, and changing it would
    // relabel the host's disk. Both answer as a file system without a
    // label ioctl does.
    fn get_fs_label(&self, fd: HostFd, _buf: &mut [u8; sys::FSLABEL_MAX]) -> Result<(), Errno> {
        self.get(fd)?;
        Err(Errno::ENOTTY)
    }

    fn set_fs_label(&self, fd: HostFd, _label: &[u8; sys::FSLABEL_MAX]) -> Result<(), Errno> {
        self.get(fd)?;
        Err(Errno::ENOTTY)
    }
}
