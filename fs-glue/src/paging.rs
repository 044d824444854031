//! Paging I/O: the reads and writes Windows' Cache Manager and memory
//! manager make for a file (IRP_PAGING_IO). Unlike a program's request
//! they are not held to the handle's rights (the Cache Manager writes
//! what any handle dirtied through whichever file object it holds), never
//! move a position, and never change the file's size: a read past the end
//! is zeros, a write is cut at the end (fastfat's rules).

use crate::open_table::Kind;
use crate::path::at_path;
use crate::{Handle, NtStatus, Vfs, Volume};
use lkl_abi::sys;

/// How many of `len` bytes at `offset` lie within a file of `size` bytes:
/// what paging I/O moves, and a cached read returns.
pub fn within(size: u64, offset: u64, len: usize) -> usize {
    usize::try_from(size.saturating_sub(offset)).unwrap_or(usize::MAX).min(len)
}

impl<V: Vfs> Volume<V> {
    /// The Linux path of `h`'s file from the volume root (`a/b`; empty for
    /// the root), where it was when opened or last renamed through `h`.
    pub fn linux_path(&self, h: Handle) -> Result<alloc::vec::Vec<u8>, NtStatus> {
        Ok(self.open(h)?.path.clone())
    }

    /// The file's size as Linux has it (the FCB's FileSize).
    pub fn file_size(&self, h: Handle) -> Result<u64, NtStatus> {
        Ok(self.stat_open(self.open(h)?)?.stx_size)
    }

    /// A paging read at `offset` into all of `buf`: the file's bytes, and
    /// zeros past its end. Returns the bytes that were the file's.
    pub fn paging_read(&mut self, h: Handle, offset: u64, buf: &mut [u8]) -> Result<usize, NtStatus> {
        let size = self.file_size(h)?;
        let have = within(size, offset, buf.len());
        let (data, past) = buf.split_at_mut(have);
        past.fill(0);
        self.with_paging_fd(h, false, |vfs, fd| {
            let mut done = 0;
            while done < data.len() {
                let n = vfs.pread(fd, &mut data[done..], offset + done as u64)?;
                if n == 0 {
                    // The file shrank under the request: the rest reads as zeros.
                    data[done..].fill(0);
                    break;
                }
                done += n;
            }
            Ok(())
        })?;
        Ok(have)
    }

    /// A paging write of `data` at `offset`, cut at the end of the file.
    /// Returns the bytes written.
    pub fn paging_write(&mut self, h: Handle, offset: u64, data: &[u8]) -> Result<usize, NtStatus> {
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        let size = self.file_size(h)?;
        let n = within(size, offset, data.len());
        let data = &data[..n];
        self.with_paging_fd(h, true, |vfs, fd| {
            let mut done = 0;
            while done < data.len() {
                let k = vfs.pwrite(fd, &data[done..], offset + done as u64)?;
                if k == 0 {
                    return Err(NtStatus::DISK_FULL);
                }
                done += k;
            }
            Ok(())
        })?;
        Ok(n)
    }

    /// Grows the file to `end` bytes (zeros) for a cached write past its
    /// end, which the cache then fills; a larger file stays as it is.
    pub fn extend_to(&mut self, h: Handle, end: u64) -> Result<(), NtStatus> {
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if end <= self.file_size(h)? {
            return Ok(());
        }
        self.with_paging_fd(h, true, |vfs, fd| Ok(vfs.ftruncate(fd, end)?))
    }

    /// fsync of `h`'s file, whatever the handle's rights (write-through
    /// and the Cache Manager's flush).
    pub fn sync(&mut self, h: Handle) -> Result<(), NtStatus> {
        self.with_paging_fd(h, true, |vfs, fd| Ok(vfs.fsync(fd)?))
    }

    /// Runs `f` with a descriptor of `h`'s file that can `write` (or read):
    /// the handle's own when it has that access, else one opened for the
    /// call by the file's path.
    fn with_paging_fd<T>(
        &self,
        h: Handle,
        write: bool,
        f: impl FnOnce(&V, V::Fd) -> Result<T, NtStatus>,
    ) -> Result<T, NtStatus> {
        let o = self.open(h)?;
        if o.kind != Kind::File {
            return Err(NtStatus::INVALID_DEVICE_REQUEST);
        }
        let (r, w, _) = crate::share::intent(o.granted);
        let own = (write && w && o.granted.contains(crate::Access::WRITE_DATA)) || (!write && r);
        let flags = if write { sys::O_WRONLY } else { sys::O_RDONLY };
        self.with_fd(h, own, flags, |fd| f(&self.vfs, fd))
    }

    /// Runs `f` with `h`'s own descriptor when `own` says it will do, else
    /// with one opened for the call by the file's path with `flags` (and
    /// O_NOFOLLOW), closed after it.
    pub(crate) fn with_fd<T>(
        &self,
        h: Handle,
        own: bool,
        flags: i32,
        f: impl FnOnce(V::Fd) -> Result<T, NtStatus>,
    ) -> Result<T, NtStatus> {
        let o = self.open(h)?;
        if own {
            return f(o.fd);
        }
        let fd = self.vfs.openat(self.vfs.root(), at_path(&o.path), flags | sys::O_NOFOLLOW, 0)?;
        let res = f(fd);
        let _ = self.vfs.close(fd);
        res
    }
}
