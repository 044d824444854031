//! IRP_MJ_READ (non-cached: every read goes to Linux).

use fs_glue::{Handle, NtStatus, Vfs};

use crate::Reply;
use crate::vcb::{FileRef, Vcb};

/// Where a read or write starts (`Parameters.Read.ByteOffset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offset {
    /// An explicit offset.
    At(u64),
    /// `FILE_USE_FILE_POINTER_POSITION` on a synchronous file object: the
    /// file object's current byte offset.
    Current,
    /// `FILE_WRITE_TO_END_OF_FILE` (writes only): append.
    EndOfFile,
}

impl Offset {
    /// Decodes `ByteOffset` (HighPart -1 with LowPart
    /// FILE_WRITE_TO_END_OF_FILE is -1, with FILE_USE_FILE_POINTER_POSITION
    /// -2); any other negative offset is invalid.
    pub fn from_irp(byte_offset: i64, synchronous: bool) -> Result<Offset, NtStatus> {
        match byte_offset {
            -1 => Ok(Offset::EndOfFile),
            -2 if synchronous => Ok(Offset::Current),
            o if o >= 0 => Ok(Offset::At(o as u64)),
            _ => Err(NtStatus::INVALID_PARAMETER),
        }
    }
}

impl<V: Vfs> Vcb<V> {
    /// The handle and starting offset of a read or write (`u64::MAX`, which
    /// fs-glue reads as "append", for a write to the end of file).
    pub(crate) fn start(&mut self, f: &FileRef<'_>, offset: Offset, write: bool) -> Result<(Handle, u64), NtStatus> {
        // Direct access to the volume's sectors is not offered.
        let h = self.synced(f, NtStatus::INVALID_DEVICE_REQUEST)?;
        Ok(match offset {
            Offset::At(o) => (h, o),
            Offset::Current => (h, *f.position),
            Offset::EndOfFile if write => (h, u64::MAX),
            Offset::EndOfFile => return Err(NtStatus::INVALID_PARAMETER),
        })
    }

    /// IRP_MJ_READ into `buf` (the mapped MDL; empty for a zero-length
    /// read). A synchronous file object's position moves past what was read;
    /// a zero-length read succeeds anywhere and moves nothing (fastfat
    /// returns before it touches the offset).
    pub fn read(&mut self, f: FileRef<'_>, offset: Offset, buf: &mut [u8]) -> Reply {
        let (h, at) = match self.start(&f, offset, false) {
            Ok(x) => x,
            Err(s) => return Reply::err(s),
        };
        if let Err(s) = self.lock_check(&f, at, buf.len(), false) {
            return Reply::err(s);
        }
        match self.volume.read(h, Some(at), buf) {
            Ok(n) => {
                if f.synchronous && !buf.is_empty() {
                    *f.position = at + n as u64;
                }
                Reply::ok(n as u64)
            }
            Err(s) => Reply::err(s),
        }
    }
}
