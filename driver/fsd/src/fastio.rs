//! What fast I/O asks of the common routines: the header's
//! `IsFastIoPossible` and FastIoCheckIfPossible (FatIsFastIoPossible and
//! FatFastIoCheckIfPossible). Fast I/O goes past the IRPs, and so past
//! READ's and WRITE's own lock check: it may only go where that check would
//! let the request through.

use fs_glue::Vfs;

use crate::vcb::{FileRef, Open, Vcb};

/// The FCB header's `IsFastIoPossible`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FastIo {
    /// FastIoIsNotPossible: every request takes the IRP path.
    NotPossible,
    /// FastIoIsPossible: nothing to check.
    Possible,
    /// FastIoIsQuestionable: FastIoCheckIfPossible decides each request.
    Questionable,
}

impl<V: Vfs> Vcb<V> {
    /// `IsFastIoPossible` for `file`: not on a dismounted volume;
    /// questionable while the file has byte-range locks or the volume is
    /// read-only (writes must be refused); possible otherwise.
    pub fn fast_io_state(&self, file: u64) -> FastIo {
        if self.dismounted {
            FastIo::NotPossible
        } else if self.has_locks(file) || self.volume.options().read_only {
            FastIo::Questionable
        } else {
            FastIo::Possible
        }
    }

    /// Whether `file` has byte-range locks (an oplock request's count).
    pub fn has_byte_range_locks(&self, file: u64) -> bool {
        self.has_locks(file)
    }

    /// FastIoCheckIfPossible: whether a fast read (or write) of `len` bytes
    /// at `offset` by `f`'s owner may go on. Only a file's open takes fast
    /// I/O; a write never on a read-only volume; and no byte-range lock of
    /// another owner may refuse it.
    pub fn fast_io_check(&mut self, f: &FileRef<'_>, offset: u64, len: usize, write: bool) -> bool {
        let Open::File(..) = f.ccb.open else { return false };
        if f.ccb.cleaned_up || self.dismounted || (write && self.volume.options().read_only) {
            return false;
        }
        self.lock_check(f, offset, len, write).is_ok()
    }
}
