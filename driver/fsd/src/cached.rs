//! READ and WRITE by how they come (`cache::Io`): paging I/O straight to
//! Linux within the file's size, cached I/O through the services' Cache
//! Manager, the rest as non-cached requests (`read.rs`, `write.rs`). The
//! rules are in `cache.rs`.

use fs_glue::nt::{FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_LAST_WRITE, FILE_NOTIFY_CHANGE_SIZE};
use fs_glue::{Handle, NtStatus, Vfs, Volume};

use crate::Reply;
use crate::cache::{CacheManager, FileSizes, Io, Pager};
use crate::read::Offset;
use crate::services::Services;
use crate::vcb::{FileRef, Open, Vcb};

/// The pager of one file: fs-glue's paging I/O on a handle of it.
pub(crate) struct Paging<'a, V: Vfs> {
    pub(crate) volume: &'a mut Volume<V>,
    pub(crate) h: Handle,
}

impl<V: Vfs> Pager for Paging<'_, V> {
    fn page_in(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), NtStatus> {
        self.volume.paging_read(self.h, offset, buf).map(|_| ())
    }

    fn page_out(&mut self, offset: u64, data: &[u8]) -> Result<(), NtStatus> {
        self.volume.paging_write(self.h, offset, data).map(|_| ())
    }
}

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_READ as it came: paging, cached (when `svc` has a cache) or
    /// not.
    pub fn read_io(&mut self, f: FileRef<'_>, offset: Offset, buf: &mut [u8], io: Io, svc: &mut dyn Services) -> Reply {
        if io.paging {
            return self.paging_read(&f, offset, buf);
        }
        match svc.cache() {
            Some(cache) if !io.nocache => self.cached_read(f, offset, buf, cache),
            Some(cache) => {
                self.before_noncached(&f, offset, buf.len(), false, cache);
                self.read(f, offset, buf)
            }
            None => self.read(f, offset, buf),
        }
    }

    /// IRP_MJ_WRITE as it came: paging, cached (when `svc` has a cache) or
    /// not.
    pub fn write_io(&mut self, f: FileRef<'_>, offset: Offset, data: &[u8], io: Io, svc: &mut dyn Services) -> Reply {
        if io.paging {
            return self.paging_write(&f, offset, data);
        }
        match svc.cache() {
            Some(cache) if !io.nocache => self.cached_write(f, offset, data, io.write_through, cache),
            Some(cache) => {
                self.before_noncached(&f, offset, data.len(), true, cache);
                let h = self.handle(f.ccb).ok().flatten();
                let (file, before) = (f.ccb.file(), h.map(|h| self.volume.file_size(h)));
                let r = self.write(f, offset, data);
                // A non-cached write past the end moved FileSize: the
                // cache learns it (FatCommonWrite's CcSetFileSizes).
                if let (Some(h), Some(file), Some(Ok(before))) = (h, file, before)
                    && let Ok(after) = self.volume.file_size(h)
                    && after > before
                {
                    cache.set_file_sizes(file, FileSizes::of(after));
                }
                r
            }
            None => self.write(f, offset, data),
        }
    }

    /// Keeps the cache coherent before a non-cached transfer of `len` bytes
    /// (an append's range runs from the end).
    fn before_noncached(
        &mut self,
        f: &FileRef<'_>,
        offset: Offset,
        len: usize,
        write: bool,
        cache: &mut dyn CacheManager,
    ) {
        let (Ok(Some(h)), Some(file)) = (self.handle(f.ccb), f.ccb.file()) else { return };
        let at = match offset {
            Offset::At(at) => at,
            Offset::Current => *f.position,
            Offset::EndOfFile => self.volume.file_size(h).unwrap_or(0),
        };
        self.coherent(h, file, at, len as u64, write, cache);
    }

    /// A paging read: the bytes within the file's size (Information),
    /// zeros past it; no position, no byte-range locks.
    fn paging_read(&mut self, f: &FileRef<'_>, offset: Offset, buf: &mut [u8]) -> Reply {
        self.paging_start(f, offset)
            .and_then(|(h, at)| self.volume.paging_read(h, at, buf))
            .map(|n| n as u64)
            .into_reply()
    }

    /// A paging write: cut at the file's size, which it never moves.
    fn paging_write(&mut self, f: &FileRef<'_>, offset: Offset, data: &[u8]) -> Reply {
        self.paging_start(f, offset)
            .and_then(|(h, at)| self.volume.paging_write(h, at, data))
            .map(|n| n as u64)
            .into_reply()
    }

    /// A paging request's handle and explicit offset (paging I/O has no
    /// position to use, and no volume open pages).
    fn paging_start(&self, f: &FileRef<'_>, offset: Offset) -> Result<(Handle, u64), NtStatus> {
        match (self.handle(f.ccb)?, offset) {
            (Some(h), Offset::At(at)) => Ok((h, at)),
            _ => Err(NtStatus::INVALID_PARAMETER),
        }
    }

    /// The file object's cache map, set up on its first cached request.
    fn cache_map(&mut self, f: &FileRef<'_>, h: Handle, cache: &mut dyn CacheManager) -> Result<u64, NtStatus> {
        let Open::File(_, file) = f.ccb.open else { return Err(NtStatus::INVALID_PARAMETER) };
        let size = self.volume.file_size(h)?;
        if !cache.is_cached(f.ccb.id) {
            cache.initialize(f.ccb.id, file, FileSizes::of(size))?;
        }
        Ok(size)
    }

    /// A cached read: STATUS_END_OF_FILE from the end on, cut at it.
    fn cached_read(&mut self, f: FileRef<'_>, offset: Offset, buf: &mut [u8], cache: &mut dyn CacheManager) -> Reply {
        self.cached_read_by(f, offset, buf.len(), cache, |cache, fo, at, n, pager| match buf.get_mut(..n) {
            Some(part) => cache.copy_read(fo, at, part, pager),
            None => Err(NtStatus::INVALID_PARAMETER),
        })
    }

    /// IRP_MN_MDL READ (srv's): the cache's pages of the range handed to
    /// the requester as an MDL chain (CcMdlRead), with a cached read's
    /// checks and cut; without Windows' cache there are no pages to hand
    /// out (STATUS_INVALID_DEVICE_REQUEST).
    pub fn mdl_read(&mut self, f: FileRef<'_>, offset: Offset, len: usize, svc: &mut dyn Services) -> Reply {
        match svc.cache() {
            Some(cache) => {
                self.cached_read_by(f, offset, len, cache, |cache, fo, at, n, pager| cache.mdl_read(fo, at, n, pager))
            }
            None => Reply::err(NtStatus::INVALID_DEVICE_REQUEST),
        }
    }

    /// A cached read of `len` bytes whose move from the cache is `take`
    /// (given the file object, offset, length within the file and pager).
    fn cached_read_by(
        &mut self,
        f: FileRef<'_>,
        offset: Offset,
        len: usize,
        cache: &mut dyn CacheManager,
        take: impl FnOnce(&mut dyn CacheManager, u64, u64, usize, &mut dyn Pager) -> Result<(), NtStatus>,
    ) -> Reply {
        let (h, at) = match self.start(&f, offset, false) {
            Ok(x) => x,
            Err(s) => return Reply::err(s),
        };
        // The handle's rights and the file's kind, as a read checks them.
        if let Err(s) = self.volume.read(h, Some(at), &mut []) {
            return Reply::err(s);
        }
        if len == 0 {
            return Reply::ok(0);
        }
        if let Err(s) = self.lock_check(&f, at, len, false) {
            return Reply::err(s);
        }
        let size = match self.cache_map(&f, h, cache) {
            Ok(s) => s,
            Err(s) => return Reply::err(s),
        };
        if at >= size {
            return Reply::err(NtStatus::END_OF_FILE);
        }
        let n = fs_glue::paging::within(size, at, len);
        if let Err(s) = take(cache, f.ccb.id, at, n, &mut Paging { volume: &mut self.volume, h }) {
            return Reply::err(s);
        }
        if f.synchronous {
            *f.position = at + n as u64;
        }
        Reply::ok(n as u64)
    }

    /// A cached write. Past the end, Linux's file grows first and then the
    /// cache learns the size; a write-through file object's data goes to
    /// the disk before the request completes.
    fn cached_write(
        &mut self,
        f: FileRef<'_>,
        offset: Offset,
        data: &[u8],
        write_through: bool,
        cache: &mut dyn CacheManager,
    ) -> Reply {
        let put = |cache: &mut dyn CacheManager, fo, at, pager: &mut dyn Pager| cache.copy_write(fo, at, data, pager);
        self.cached_write_by(f, offset, data.len(), write_through, cache, put)
    }

    /// IRP_MN_MDL WRITE (srv's): the cache's pages of the range handed to
    /// the requester to fill (CcPrepareMdlWrite), with a cached write's
    /// checks; past the end, Linux's file grows first as for any cached
    /// write. The data comes with the completion (CcMdlWriteComplete,
    /// which also takes a write-through file object's pages to the disk).
    pub fn prepare_mdl_write(&mut self, f: FileRef<'_>, offset: Offset, len: usize, svc: &mut dyn Services) -> Reply {
        match svc.cache() {
            Some(cache) => self.cached_write_by(f, offset, len, false, cache, |cache, fo, at, pager| {
                cache.prepare_mdl_write(fo, at, len, pager)
            }),
            None => Reply::err(NtStatus::INVALID_DEVICE_REQUEST),
        }
    }

    /// A cached write of `len` bytes whose move into the cache is `put`
    /// (given the file object, offset and pager).
    fn cached_write_by(
        &mut self,
        f: FileRef<'_>,
        offset: Offset,
        len: usize,
        write_through: bool,
        cache: &mut dyn CacheManager,
        put: impl FnOnce(&mut dyn CacheManager, u64, u64, &mut dyn Pager) -> Result<(), NtStatus>,
    ) -> Reply {
        let (h, at) = match self.start(&f, offset, true) {
            Ok(x) => x,
            Err(s) => return Reply::err(s),
        };
        // The rights, the kind and the volume, as a write checks them, and
        // where it lands (an append, or a handle that may only append,
        // writes at the end).
        let at = match self.volume.write_position(h, Some(at)) {
            Ok(at) => at,
            Err(s) => return Reply::err(s),
        };
        if len == 0 {
            return Reply::ok(0);
        }
        let size = match self.volume.file_size(h) {
            Ok(s) => s,
            Err(s) => return Reply::err(s),
        };
        if let Err(s) = self.lock_check(&f, at, len, true) {
            return Reply::err(s);
        }
        let Some(end) = at.checked_add(len as u64) else { return Reply::err(NtStatus::INVALID_PARAMETER) };
        let Open::File(_, file) = f.ccb.open else { return Reply::err(NtStatus::INVALID_PARAMETER) };
        // FatCommonWrite's order: the new size, CcSetFileSizes if the file
        // object is cached already, else a cache map of the new size.
        if end > size {
            if let Err(s) = self.volume.extend_to(h, end) {
                return Reply::err(s);
            }
            if cache.is_cached(f.ccb.id) {
                cache.set_file_sizes(file, FileSizes::of(end));
            }
        }
        if let Err(s) = self.cache_map(&f, h, cache) {
            return Reply::err(s);
        }
        let mut pager = Paging { volume: &mut self.volume, h };
        if let Err(s) = put(cache, f.ccb.id, at, &mut pager) {
            return Reply::err(s);
        }
        if write_through {
            let flushed = cache.flush(file, Some((at, len as u64)), &mut pager).and_then(|()| self.volume.sync(h));
            if let Err(s) = flushed {
                return Reply::err(s);
            }
        }
        self.report_handle(h, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SIZE);
        if f.synchronous {
            *f.position = end;
        }
        Reply::ok(len as u64)
    }
}

/// A result as a reply.
trait IntoReply {
    fn into_reply(self) -> Reply;
}

impl IntoReply for Result<u64, NtStatus> {
    fn into_reply(self) -> Reply {
        match self {
            Ok(n) => Reply::ok(n),
            Err(s) => Reply::err(s),
        }
    }
}
