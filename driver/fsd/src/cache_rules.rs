//! Where requests other than READ and WRITE meet the cache: flush, the
//! checks before a file is cut, deleted or overwritten, and the cache's
//! pages afterwards (the rules are listed in `cache.rs`).

use fs_glue::nt::*;
use fs_glue::{CreateParams, Handle, NtStatus, Vfs};

use crate::Reply;
use crate::cache::{CacheManager, FileSizes};
use crate::cached::Paging;
use crate::services::Services;
use crate::vcb::{Ccb, Vcb};

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_FLUSH_BUFFERS: the cache's dirty pages of the file first
    /// (FatFlushFile's CcFlushCache), then Linux's fsync.
    pub fn flush_with(&mut self, ccb: &Ccb, svc: &mut dyn Services) -> Reply {
        if let (Ok(Some(h)), Some(file), Some(cache)) = (self.handle(ccb), ccb.file(), svc.cache())
            && let Err(s) = cache.flush(file, None, &mut Paging { volume: &mut self.volume, h })
        {
            return Reply::err(s);
        }
        self.flush(ccb)
    }

    /// Before a non-cached READ or WRITE of `len` bytes at `at` on a file
    /// the cache holds: its dirty pages there go to Linux, and for a write
    /// the pages go, so neither side reads stale data.
    pub(crate) fn coherent(
        &mut self,
        h: Handle,
        file: u64,
        at: u64,
        len: u64,
        write: bool,
        cache: &mut dyn CacheManager,
    ) {
        if !cache.has_data_section(file) {
            return;
        }
        let range = Some((at, len));
        // A failed flush leaves the pages dirty: the write below then
        // fails or succeeds on its own.
        let _ = cache.flush(file, range, &mut Paging { volume: &mut self.volume, h });
        if write {
            cache.purge(file, range);
        }
    }

    /// CLEANUP's part: the file object's cache map goes, truncated to 0
    /// when this close deletes the file (FatCommonCleanup).
    pub(crate) fn uninitialize(&mut self, ccb: &Ccb, h: Handle, svc: &mut dyn Services) {
        if let Some(cache) = svc.cache() {
            let truncate = self.volume.close_deletes(h).unwrap_or(false).then_some(0);
            cache.uninitialize(ccb.id, truncate, &mut Paging { volume: &mut self.volume, h });
        }
    }

    /// The memory manager's say before SET_INFORMATION changes the file:
    /// a shrink must find no mapped view past the new end
    /// (STATUS_USER_MAPPED_FILE), a delete no image in use
    /// (STATUS_CANNOT_DELETE).
    pub(crate) fn before_set(
        &mut self,
        h: Handle,
        file: u64,
        class: u32,
        buf: &[u8],
        cache: &mut dyn CacheManager,
    ) -> Result<(), NtStatus> {
        let word = |off: usize| buf.get(off..off + 8).and_then(|b| b.try_into().ok()).map(i64::from_le_bytes);
        match class {
            FILE_END_OF_FILE_INFORMATION | FILE_ALLOCATION_INFORMATION => {
                let size = self.volume.file_size(h)?;
                if let Some(new) = word(0).filter(|&n| n >= 0 && (n as u64) < size)
                    && !cache.can_be_truncated(file, new as u64)
                {
                    return Err(NtStatus::USER_MAPPED_FILE);
                }
            }
            FILE_DISPOSITION_INFORMATION | FILE_DISPOSITION_INFORMATION_EX => {
                let deleting = buf.first().is_some_and(|&b| b & 1 != 0);
                if deleting && !cache.flush_image(file, true) {
                    return Err(NtStatus::CANNOT_DELETE);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// After a SET_INFORMATION that changed the size: the cache learns it.
    pub(crate) fn after_set(&mut self, h: Handle, file: u64, class: u32, cache: &mut dyn CacheManager) {
        if matches!(class, FILE_END_OF_FILE_INFORMATION | FILE_ALLOCATION_INFORMATION)
            && let Ok(size) = self.volume.file_size(h)
        {
            cache.set_file_sizes(file, FileSizes::of(size));
        }
    }

    /// Before a create that may replace an existing file's data or delete
    /// it: the memory manager's checks on that file, found with an open of
    /// its attributes (which takes no part in sharing).
    pub(crate) fn before_create(
        &mut self,
        p: &CreateParams<'_>,
        cache: &mut dyn CacheManager,
    ) -> Result<Option<u64>, NtStatus> {
        let overwrite = matches!(p.disposition, FILE_SUPERSEDE | FILE_OVERWRITE | FILE_OVERWRITE_IF);
        let delete = p.options & FILE_DELETE_ON_CLOSE != 0;
        let access = fs_glue::Access::from_bits_retain(p.desired_access).map_generic().bits();
        let writes = access & (FILE_WRITE_DATA | FILE_APPEND_DATA) != 0;
        if !(overwrite || delete || writes) {
            return Ok(None);
        }
        let probe = CreateParams {
            desired_access: FILE_READ_ATTRIBUTES,
            disposition: 1,
            options: p.options & FILE_OPEN_REPARSE_POINT,
            ea: &[],
            ..*p
        };
        let r = self.volume.create(&probe);
        let Some(h) = r.handle.filter(|_| r.status == NtStatus::SUCCESS) else { return Ok(None) };
        let file = self.volume.file_id(h);
        let _ = self.volume.close(h);
        let file = file?;
        if overwrite && !cache.can_be_truncated(file, 0) {
            return Err(NtStatus::USER_MAPPED_FILE);
        }
        if (delete || writes) && !cache.flush_image(file, delete) {
            return Err(if delete { NtStatus::CANNOT_DELETE } else { NtStatus::SHARING_VIOLATION });
        }
        Ok(overwrite.then_some(file))
    }

    /// After a create replaced `file`'s data: its cached pages go with it
    /// (FatSupersedeOrOverwriteFile's purge and CcSetFileSizes).
    pub(crate) fn after_overwrite(&mut self, file: u64, cache: &mut dyn CacheManager) {
        cache.purge(file, None);
        cache.set_file_sizes(file, FileSizes::of(0));
    }
}
