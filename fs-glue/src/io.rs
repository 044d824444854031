//! IRP_MJ_READ / IRP_MJ_WRITE / IRP_MJ_FLUSH_BUFFERS on open files.

use crate::open_table::Kind;
use crate::{Access, Handle, NtStatus, Vfs, Volume};

impl<V: Vfs> Volume<V> {
    /// Reads at `offset` (`None`: the handle's current position). Fails
    /// with STATUS_END_OF_FILE when a non-empty read starts at or past the
    /// end; otherwise returns the bytes read (short only at the end).
    pub fn read(&mut self, h: Handle, offset: Option<u64>, buf: &mut [u8]) -> Result<usize, NtStatus> {
        let o = self.open(h)?;
        // The I/O manager checks the handle's rights before the file
        // system sees the request.
        if !o.granted.intersects(Access::READ_INTENT) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if o.kind == Kind::Dir {
            return Err(NtStatus::INVALID_DEVICE_REQUEST);
        }
        if o.kind != Kind::File {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let off = offset.unwrap_or(o.position);
        if buf.is_empty() {
            return Ok(0);
        }
        let fd = o.fd;
        // Linux refuses a read whose end passes the largest offset
        // (EINVAL); Windows answers one that starts past the end of the
        // file with STATUS_END_OF_FILE, whatever its length.
        let end_overflows = off.checked_add(buf.len() as u64).is_none_or(|e| e > i64::MAX as u64);
        if end_overflows {
            let size = self.file_size(h)?;
            if off >= size {
                return Err(NtStatus::END_OF_FILE);
            }
        }
        let mut done = 0;
        while done < buf.len() {
            let n = self.vfs.pread(fd, &mut buf[done..], off + done as u64)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        if done == 0 {
            return Err(NtStatus::END_OF_FILE);
        }
        self.open_mut(h)?.position = off + done as u64;
        Ok(done)
    }

    /// Writes at `offset`: `None` for the current position, `Some(u64::MAX)`
    /// (ByteOffset -1: HighPart -1, LowPart FILE_WRITE_TO_END_OF_FILE) to
    /// append. A handle with
    /// FILE_APPEND_DATA but not FILE_WRITE_DATA always appends.
    pub fn write(&mut self, h: Handle, offset: Option<u64>, data: &[u8]) -> Result<usize, NtStatus> {
        let off = self.write_position(h, offset)?;
        let fd = self.open(h)?.fd;
        let mut done = 0;
        while done < data.len() {
            let n = self.vfs.pwrite(fd, &data[done..], off + done as u64)?;
            if n == 0 {
                return Err(NtStatus::DISK_FULL);
            }
            done += n;
        }
        self.open_mut(h)?.position = off + done as u64;
        Ok(done)
    }

    /// The checks a write makes (the handle's rights, then the file
    /// system's) and where it lands: at `offset` (`None`: the handle's
    /// position), or at the end for an append (`Some(u64::MAX)`) or a
    /// handle that may only append.
    pub fn write_position(&self, h: Handle, offset: Option<u64>) -> Result<u64, NtStatus> {
        let o = self.open(h)?;
        let can_write = o.granted.contains(Access::WRITE_DATA);
        let can_append = o.granted.contains(Access::APPEND_DATA);
        // Rights first (the I/O manager's check), then the file system's.
        if !(can_write || can_append) {
            return Err(if self.opts.read_only { NtStatus::MEDIA_WRITE_PROTECTED } else { NtStatus::ACCESS_DENIED });
        }
        if o.kind == Kind::Dir {
            return Err(NtStatus::INVALID_DEVICE_REQUEST);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if o.kind != Kind::File {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let to_end = offset == Some(u64::MAX) || !can_write;
        if to_end { self.file_size(h) } else { Ok(offset.unwrap_or(o.position)) }
    }

    /// IRP_MJ_FLUSH_BUFFERS.
    pub fn flush(&mut self, h: Handle) -> Result<(), NtStatus> {
        let o = self.open(h)?;
        if o.kind != Kind::File && o.kind != Kind::Dir {
            return Err(NtStatus::INVALID_DEVICE_REQUEST);
        }
        // NtFlushBuffersFile wants a handle that can write.
        if !o.granted.intersects(Access::WRITE_INTENT) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        Ok(self.vfs.fsync(o.fd)?)
    }
}
