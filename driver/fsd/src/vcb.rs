//! The volume control block and the per-open context block.

use fs_glue::{Handle, NtStatus, Vfs, Volume};

/// What a file object of the volume is open on: the volume itself (an open
/// with an empty name and no related file) or a file or directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Open {
    /// An open of the volume, numbered so the lock knows its holder.
    Volume(u32),
    /// A file or directory: the fs-glue handle and the file's id (for
    /// its share-access record, also after a dismount closed the handle).
    File(Handle, u64),
}

/// The context block of one file object (`FsContext2`): what it is open on
/// and whether its last handle is gone. Made by [`Vcb::create`], consumed by
/// [`Vcb::close`]; the driver owns it in between.
#[derive(Debug)]
pub struct Ccb {
    /// This CCB's number on its volume (the owner of its byte-range locks).
    pub(crate) id: u64,
    pub(crate) open: Open,
    /// CLEANUP ran: the fs-glue handle is closed (and its number may
    /// already serve another open), so every later request but CLOSE fails.
    pub(crate) cleaned_up: bool,
}

impl Ccb {
    /// Whether this is an open of the volume itself.
    pub fn is_volume_open(&self) -> bool {
        matches!(self.open, Open::Volume(_))
    }

    /// Whether CLEANUP has run on it.
    pub fn is_cleaned_up(&self) -> bool {
        self.cleaned_up
    }

    /// The fs-glue handle of a file open (None for the volume, and after
    /// CLEANUP).
    pub fn handle(&self) -> Option<Handle> {
        match self.open {
            Open::File(h, _) if !self.cleaned_up => Some(h),
            _ => None,
        }
    }

    /// The file it is open on (its inode), if any.
    pub fn file(&self) -> Option<u64> {
        match self.open {
            Open::File(_, file) => Some(file),
            Open::Volume(_) => None,
        }
    }
}

/// One request's view of its file object.
pub struct FileRef<'a> {
    /// `FsContext2`.
    pub ccb: &'a mut Ccb,
    /// `CurrentByteOffset`: reads and writes of a synchronous file object
    /// move it, FilePositionInformation sets it.
    pub position: &'a mut u64,
    /// `FO_SYNCHRONOUS_IO`.
    pub synchronous: bool,
    /// The requesting process (`IoGetRequestorProcess`): with the file
    /// object, who owns a byte-range lock.
    pub process: usize,
    /// `Parameters.Read.Key` / `Parameters.Write.Key`.
    pub key: u32,
}

/// The volume control block: the mounted fs-glue volume and what a volume
/// has beyond its files. The driver keeps one per mounted volume behind the
/// volume's own lock; every routine takes `&mut self`.
pub struct Vcb<V: Vfs> {
    pub(crate) volume: Volume<V>,
    /// FSCTL_DISMOUNT_VOLUME ran: every fs-glue handle is closed and each
    /// request but CLEANUP and CLOSE fails with STATUS_VOLUME_DISMOUNTED.
    pub(crate) dismounted: bool,
    /// Opens of the volume itself not yet cleaned up.
    pub(crate) volume_opens: u32,
    pub(crate) next_volume_id: u32,
    /// The volume open holding FSCTL_LOCK_VOLUME.
    pub(crate) locked_by: Option<u32>,
    /// CCBs handed out and not yet closed.
    pub(crate) ccbs: usize,
    /// The number the next CCB gets.
    pub(crate) next_ccb: u64,
    /// The byte-range locks of the volume's files.
    pub(crate) locks: crate::lockctl::Locks,
    /// The change notifications watching its directories.
    pub(crate) watches: crate::notify::Watches,
    /// The last token a waiting request got.
    pub(crate) next_token: u64,
    /// Waiting requests finished and not yet handed to the driver.
    pub(crate) finished: alloc::vec::Vec<crate::pending::Finished>,
}

impl<V: Vfs> Vcb<V> {
    /// A freshly mounted volume.
    pub fn new(volume: Volume<V>) -> Self {
        Vcb {
            volume,
            dismounted: false,
            volume_opens: 0,
            next_volume_id: 0,
            locked_by: None,
            ccbs: 0,
            next_ccb: 0,
            locks: Default::default(),
            watches: Default::default(),
            next_token: 0,
            finished: alloc::vec::Vec::new(),
        }
    }

    /// The fs-glue volume.
    pub fn volume(&self) -> &Volume<V> {
        &self.volume
    }

    /// Whether the volume was dismounted.
    pub fn is_dismounted(&self) -> bool {
        self.dismounted
    }

    /// Whether a volume open holds the lock.
    pub fn is_locked(&self) -> bool {
        self.locked_by.is_some()
    }

    /// File objects not yet closed: the volume (and its device) must stay
    /// until this is 0.
    pub fn open_ccbs(&self) -> usize {
        self.ccbs
    }

    /// Opens not yet cleaned up (handles of files and of the volume).
    pub fn open_handles(&self) -> usize {
        self.volume.open_handles() + self.volume_opens as usize
    }

    /// Gives the volume back for unmounting.
    pub fn into_volume(self) -> Volume<V> {
        self.volume
    }

    /// The fs-glue handle a request on `ccb` works on; `None` for an open
    /// of the volume.
    pub(crate) fn handle(&self, ccb: &Ccb) -> Result<Option<Handle>, NtStatus> {
        if ccb.cleaned_up {
            return Err(NtStatus::FILE_CLOSED);
        }
        if self.dismounted {
            return Err(NtStatus::VOLUME_DISMOUNTED);
        }
        Ok(match ccb.open {
            Open::Volume(_) => None,
            Open::File(h, _) => Some(h),
        })
    }

    /// The handle of a request that needs a file (`on_volume` for an open
    /// of the volume).
    pub(crate) fn file_handle(&self, ccb: &Ccb, on_volume: NtStatus) -> Result<Handle, NtStatus> {
        self.handle(ccb)?.ok_or(on_volume)
    }

    /// A new CCB's number.
    pub(crate) fn ccb_id(&mut self) -> u64 {
        self.next_ccb += 1;
        self.next_ccb
    }

    /// The handle, with fs-glue's position brought in step with the file
    /// object's, so that FilePositionInformation and FileAllInformation
    /// report the file object's offset.
    pub(crate) fn synced(&mut self, f: &FileRef<'_>, on_volume: NtStatus) -> Result<Handle, NtStatus> {
        let h = self.file_handle(f.ccb, on_volume)?;
        self.volume.set_position(h, *f.position)?;
        Ok(h)
    }
}
