//! The common routines with Windows' cache (the recording fake) over the
//! host kernel: the data Linux ends up with, read from the scratch
//! directory with std::fs, and the calls in the order fastfat makes them
//! for the same case (the fastfat routine is named at each).

use super::*;
use crate::cache::Io;
use crate::cache_fake::{Cached, Call, RecordingCache};
use crate::tests::{Fixture, GENERIC_READ, GENERIC_WRITE, create_with, mount};
use fs_glue::nt::*;
use fs_glue_testbed::HostVfs;

fn open(
    f: &mut Fixture,
    cache: &mut RecordingCache,
    name: &str,
    access: u32,
    disposition: u32,
    options: u32,
) -> Created {
    create_with(&mut f.vcb, &mut Cached(cache), name, access, disposition, options)
}

fn opened(f: &mut Fixture, cache: &mut RecordingCache, name: &str, access: u32, disposition: u32) -> Ccb {
    let c = open(f, cache, name, access, disposition, 0);
    assert_eq!(c.status, NtStatus::SUCCESS, "{name}");
    c.ccb.unwrap()
}

fn fref<'a>(ccb: &'a mut Ccb, pos: &'a mut u64) -> FileRef<'a> {
    FileRef { ccb, position: pos, synchronous: false, process: 0, key: 0 }
}

fn write(vcb: &mut Vcb<HostVfs>, cache: &mut RecordingCache, ccb: &mut Ccb, at: u64, data: &[u8], io: Io) -> Reply {
    let mut pos = 0;
    vcb.write_io(fref(ccb, &mut pos), Offset::At(at), data, io, &mut Cached(cache))
}

fn read(vcb: &mut Vcb<HostVfs>, cache: &mut RecordingCache, ccb: &mut Ccb, at: u64, buf: &mut [u8], io: Io) -> Reply {
    let mut pos = 0;
    vcb.read_io(fref(ccb, &mut pos), Offset::At(at), buf, io, &mut Cached(cache))
}

fn close(vcb: &mut Vcb<HostVfs>, cache: &mut RecordingCache, mut ccb: Ccb) {
    assert_eq!(vcb.cleanup(&mut ccb, &mut Cached(cache)), Reply::ok(0));
    vcb.close(ccb, &mut Cached(cache));
}

fn on_disk(f: &Fixture, name: &str) -> Vec<u8> {
    std::fs::read(f.dir.path().join(name)).unwrap()
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

const CACHED: Io = Io { paging: false, nocache: false, write_through: false };

#[test]
fn cached_writes_reach_linux_through_the_pager() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let mut a = opened(&mut f, &mut cache, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE);
    let (fo, file) = (a.id, a.file().unwrap());
    let data = pattern(10_000);
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, &data, CACHED), Reply::ok(10_000));
    // FatCommonWrite: the file grows first (Linux has the size, in zeros),
    // then the cache map is set up with it and the data is copied in; only
    // the partly written last page is read in.
    assert_eq!(
        cache.calls,
        [
            Call::Initialize { fo, file, size: 10_000 },
            Call::CopyWrite { fo, offset: 0, len: 10_000 },
            Call::PageIn { offset: 8192, len: 4096 },
        ]
    );
    assert_eq!(on_disk(&f, "a"), vec![0u8; 10_000], "nothing written yet but the size");
    // A cached read is served from the cache: no page comes in.
    cache.calls.clear();
    let mut buf = vec![0u8; 20_000];
    assert_eq!(read(&mut f.vcb, &mut cache, &mut a, 100, &mut buf, CACHED), Reply::ok(9900));
    assert_eq!(&buf[..9900], &data[100..]);
    assert_eq!(cache.calls, [Call::CopyRead { fo, offset: 100, len: 9900 }]);
    assert_eq!(read(&mut f.vcb, &mut cache, &mut a, 10_000, &mut buf, CACHED), Reply::err(NtStatus::END_OF_FILE));
    // FatFlushFile: CcFlushCache (the three adjacent dirty pages in one
    // write), then (here) fsync.
    cache.calls.clear();
    assert_eq!(f.vcb.flush_with(&a, &mut Cached(&mut cache)), Reply::ok(0));
    assert_eq!(cache.calls, [Call::Flush { file, range: None }, Call::PageOut { offset: 0, len: 12_288 },]);
    assert_eq!(on_disk(&f, "a"), data, "the pager cut the last page at FileSize");
    assert!(!cache.dirty(file));
    close(&mut f.vcb, &mut cache, a);
}

#[test]
fn write_through_and_the_last_cleanup_leave_nothing_in_the_cache() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let mut a = opened(&mut f, &mut cache, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE);
    let file = a.file().unwrap();
    let through = Io { write_through: true, ..CACHED };
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, b"through", through), Reply::ok(7));
    assert_eq!(cache.calls.last(), Some(&Call::PageOut { offset: 0, len: 4096 }));
    assert!(cache.calls.contains(&Call::Flush { file, range: Some((0, 7)) }));
    assert_eq!(on_disk(&f, "a"), b"through");
    // A dirty page left at the last cleanup goes out with the cache map
    // (the lazy writer's last pass); FatCommonCleanup uninitializes with no
    // truncate size for a file that stays.
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 7, b" later", CACHED), Reply::ok(6));
    assert!(cache.dirty(file));
    cache.calls.clear();
    close(&mut f.vcb, &mut cache, a);
    assert_eq!(
        cache.calls,
        [Call::Uninitialize { fo: cache_fo(&cache), truncate: None }, Call::PageOut { offset: 0, len: 4096 }]
    );
    assert_eq!(on_disk(&f, "a"), b"through later");
}

/// The file object of the calls (the only one in these tests).
fn cache_fo(cache: &RecordingCache) -> u64 {
    cache
        .calls
        .iter()
        .find_map(|c| match c {
            Call::Uninitialize { fo, .. } | Call::Initialize { fo, .. } => Some(*fo),
            _ => None,
        })
        .unwrap()
}

#[test]
fn paging_io_stays_within_the_file() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let mut a = opened(&mut f, &mut cache, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE);
    let nocache = Io { nocache: true, ..CACHED };
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, b"0123456789", nocache), Reply::ok(10));
    // The new size is the FCB's (the header FsRtl reads), cached or not.
    let file = a.file().unwrap();
    assert_eq!(cache.calls, [Call::SetFileSizes { file, size: 10 }]);
    cache.calls.clear();
    let paging = Io { paging: true, nocache: true, write_through: false };
    // A page out past the end is cut at it and never extends the file.
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 8, b"ABCDEFGH", paging), Reply::ok(2));
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 4096, b"X", paging), Reply::ok(0));
    assert_eq!(on_disk(&f, "a"), b"01234567AB");
    // A page in is the file's bytes, then zeros.
    let mut page = [0xFFu8; 16];
    assert_eq!(read(&mut f.vcb, &mut cache, &mut a, 4, &mut page, paging), Reply::ok(6));
    assert_eq!(&page, b"4567AB\0\0\0\0\0\0\0\0\0\0");
    // A read-only handle's pages still go out (the Cache Manager's writes
    // are not the handle's).
    let mut r = opened(&mut f, &mut cache, "\\a", GENERIC_READ, FILE_OPEN);
    assert_eq!(write(&mut f.vcb, &mut cache, &mut r, 0, b"zz", paging), Reply::ok(2));
    assert_eq!(on_disk(&f, "a"), b"zz234567AB");
    assert!(cache.calls.is_empty(), "paging I/O and a non-cached write within the size make no cache calls");
    close(&mut f.vcb, &mut cache, r);
    close(&mut f.vcb, &mut cache, a);
}

#[test]
fn non_cached_io_keeps_the_cache_coherent() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let mut a = opened(&mut f, &mut cache, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE);
    let file = a.file().unwrap();
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, b"AAAA", CACHED), Reply::ok(4));
    // A non-cached read sees the cached data: its range is flushed first.
    let nocache = Io { nocache: true, ..CACHED };
    let mut b = [0u8; 4];
    assert_eq!(read(&mut f.vcb, &mut cache, &mut a, 0, &mut b, nocache), Reply::ok(4));
    assert_eq!(&b, b"AAAA");
    // A non-cached write flushes and purges its range, so the next cached
    // read takes Linux's bytes.
    cache.calls.clear();
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, b"BB", nocache), Reply::ok(2));
    assert_eq!(cache.calls, [Call::Flush { file, range: Some((0, 2)) }, Call::Purge { file, range: Some((0, 2)) }]);
    assert_eq!(read(&mut f.vcb, &mut cache, &mut a, 0, &mut b, CACHED), Reply::ok(4));
    assert_eq!(&b, b"BBAA");
    // One past the end moves FileSize, and the cache learns it after the
    // write (FatCommonWrite's CcSetFileSizes for a non-cached extension);
    // the cached read then sees the new bytes.
    cache.calls.clear();
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 4, b"CC", nocache), Reply::ok(2));
    let flushed = [Call::Flush { file, range: Some((4, 2)) }, Call::Purge { file, range: Some((4, 2)) }];
    assert_eq!(cache.calls, [&flushed[..], &[Call::SetFileSizes { file, size: 6 }]].concat());
    let mut c = [0u8; 8];
    assert_eq!(read(&mut f.vcb, &mut cache, &mut a, 0, &mut c, CACHED), Reply::ok(6));
    assert_eq!(&c[..6], b"BBAACC");
    close(&mut f.vcb, &mut cache, a);
    assert_eq!(on_disk(&f, "a"), b"BBAACC");
}

fn set_eof(vcb: &mut Vcb<HostVfs>, cache: &mut RecordingCache, ccb: &mut Ccb, size: i64) -> Reply {
    let mut pos = 0;
    vcb.set_information_with(
        fref(ccb, &mut pos),
        FILE_END_OF_FILE_INFORMATION,
        &size.to_le_bytes(),
        None,
        &mut Cached(cache),
    )
}

#[test]
fn truncation_asks_the_memory_manager_first() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let mut a = opened(&mut f, &mut cache, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE);
    let file = a.file().unwrap();
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, &pattern(9000), CACHED), Reply::ok(9000));
    // FatSetEndOfFileInfo: MmCanFileBeTruncated before anything changes.
    cache.mapped.insert(file);
    cache.calls.clear();
    assert_eq!(set_eof(&mut f.vcb, &mut cache, &mut a, 100), Reply::err(NtStatus::USER_MAPPED_FILE));
    assert_eq!(cache.calls, [Call::CanBeTruncated { file, size: 100 }]);
    assert_eq!(on_disk(&f, "a").len(), 9000);
    // Growing needs no check; shrinking once unmapped: Linux, then
    // CcSetFileSizes, and the pages past the end are gone.
    cache.mapped.clear();
    cache.calls.clear();
    assert_eq!(set_eof(&mut f.vcb, &mut cache, &mut a, 20_000), Reply::ok(0));
    assert_eq!(cache.calls, [Call::SetFileSizes { file, size: 20_000 }]);
    cache.calls.clear();
    assert_eq!(set_eof(&mut f.vcb, &mut cache, &mut a, 100), Reply::ok(0));
    assert_eq!(cache.calls, [Call::CanBeTruncated { file, size: 100 }, Call::SetFileSizes { file, size: 100 }]);
    assert_eq!(cache.cached(file, 4096), None);
    assert_eq!(cache.cached(file, 100), Some(0), "the tail of the last page reads as zeros");
    let mut b = vec![0u8; 200];
    assert_eq!(read(&mut f.vcb, &mut cache, &mut a, 0, &mut b, CACHED), Reply::ok(100));
    assert_eq!(&b[..100], &pattern(100)[..]);
    close(&mut f.vcb, &mut cache, a);
    assert_eq!(on_disk(&f, "a"), pattern(100));
}

#[test]
fn delete_and_overwrite_with_sections_in_use() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let mut a = opened(&mut f, &mut cache, "\\prog.exe", GENERIC_READ | GENERIC_WRITE, FILE_CREATE);
    let file = a.file().unwrap();
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, b"MZ", CACHED), Reply::ok(2));
    close(&mut f.vcb, &mut cache, a);
    // A running image: FatSetDispositionInfo's MmFlushImageSection says no.
    cache.images.insert(file);
    let mut d = opened(&mut f, &mut cache, "\\prog.exe", 0x0001_0000, FILE_OPEN);
    let mut pos = 0;
    let r = f.vcb.set_information_with(
        fref(&mut d, &mut pos),
        FILE_DISPOSITION_INFORMATION,
        &[1],
        None,
        &mut Cached(&mut cache),
    );
    assert_eq!(r, Reply::err(NtStatus::CANNOT_DELETE));
    close(&mut f.vcb, &mut cache, d);
    // FatOpenExistingFcb: an open for writing or delete-on-close checks the
    // image too.
    let c = open(&mut f, &mut cache, "\\prog.exe", GENERIC_WRITE, FILE_OPEN, 0);
    assert_eq!(c.status, NtStatus::SHARING_VIOLATION);
    let c = open(&mut f, &mut cache, "\\prog.exe", 0x0001_0000, FILE_OPEN, FILE_DELETE_ON_CLOSE);
    assert_eq!(c.status, NtStatus::CANNOT_DELETE);
    cache.images.clear();
    // FatSupersedeOrOverwriteFile: a mapped view refuses the overwrite...
    cache.mapped.insert(file);
    let c = open(&mut f, &mut cache, "\\prog.exe", GENERIC_WRITE, FILE_OVERWRITE, 0);
    assert_eq!(c.status, NtStatus::USER_MAPPED_FILE);
    assert_eq!(on_disk(&f, "prog.exe"), b"MZ");
    cache.mapped.clear();
    // ...and otherwise the cached pages go with the data.
    let mut r = opened(&mut f, &mut cache, "\\prog.exe", GENERIC_READ, FILE_OPEN);
    let mut b = [0u8; 2];
    assert_eq!(read(&mut f.vcb, &mut cache, &mut r, 0, &mut b, CACHED), Reply::ok(2));
    cache.calls.clear();
    let o = opened(&mut f, &mut cache, "\\prog.exe", GENERIC_WRITE, FILE_OVERWRITE);
    assert_eq!(
        cache.calls,
        [
            Call::CanBeTruncated { file, size: 0 },
            Call::FlushImage { file, for_delete: false },
            Call::Purge { file, range: None },
            Call::SetFileSizes { file, size: 0 },
        ]
    );
    assert_eq!(cache.cached(file, 0), None);
    assert_eq!(read(&mut f.vcb, &mut cache, &mut r, 0, &mut b, CACHED), Reply::err(NtStatus::END_OF_FILE));
    close(&mut f.vcb, &mut cache, o);
    close(&mut f.vcb, &mut cache, r);
}

#[test]
fn the_last_cleanup_of_a_deleted_file_truncates_its_cache() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let c = open(
        &mut f,
        &mut cache,
        "\\tmp",
        GENERIC_READ | GENERIC_WRITE | 0x0001_0000,
        FILE_CREATE,
        FILE_DELETE_ON_CLOSE,
    );
    let mut a = c.ccb.unwrap();
    let fo = a.id;
    assert_eq!(write(&mut f.vcb, &mut cache, &mut a, 0, b"scratch", CACHED), Reply::ok(7));
    cache.calls.clear();
    close(&mut f.vcb, &mut cache, a);
    // FatCommonCleanup: CcUninitializeCacheMap with a truncate size of 0;
    // the dirty page is dropped, not written.
    assert_eq!(cache.calls, [Call::Uninitialize { fo, truncate: Some(0) }]);
    assert!(!f.dir.path().join("tmp").exists());
}

#[test]
fn mdl_reads_and_writes_hand_out_the_cache_pages() {
    let mut f = mount();
    let mut cache = RecordingCache::default();
    let mut a = opened(&mut f, &mut cache, "\\a", GENERIC_READ | GENERIC_WRITE, FILE_CREATE);
    let file = a.file().unwrap();
    let mut pos = 0;
    // Past the end, Linux's file grows first and the cache map starts at
    // the new size, as for a copy (FatCommonWrite's IRP_MN_MDL branch,
    // CcPrepareMdlWrite).
    let r = f.vcb.prepare_mdl_write(fref(&mut a, &mut pos), Offset::At(4096), 100, &mut Cached(&mut cache));
    assert_eq!(r, Reply::ok(100));
    let fo = cache_fo(&cache);
    assert_eq!(
        cache.calls,
        [
            Call::Initialize { fo, file, size: 4196 },
            Call::PrepareMdlWrite { fo, offset: 4096, len: 100 },
            Call::PageIn { offset: 4096, len: 4096 },
        ]
    );
    assert_eq!(on_disk(&f, "a").len(), 4196);
    // A read is cut at the end (FatCommonRead's CcMdlRead), and none is
    // past it.
    cache.calls.clear();
    let r = f.vcb.mdl_read(fref(&mut a, &mut pos), Offset::At(4000), 1000, &mut Cached(&mut cache));
    assert_eq!(r, Reply::ok(196));
    assert_eq!(cache.calls, [Call::MdlRead { fo, offset: 4000, len: 196 }, Call::PageIn { offset: 0, len: 4096 }]);
    let r = f.vcb.mdl_read(fref(&mut a, &mut pos), Offset::At(4196), 10, &mut Cached(&mut cache));
    assert_eq!(r, Reply::err(NtStatus::END_OF_FILE));
    // Without Windows' cache there are no pages to hand out.
    let r = f.vcb.mdl_read(fref(&mut a, &mut pos), Offset::At(0), 10, &mut OwnServices);
    assert_eq!(r, Reply::err(NtStatus::INVALID_DEVICE_REQUEST));
    let r = f.vcb.prepare_mdl_write(fref(&mut a, &mut pos), Offset::At(0), 10, &mut OwnServices);
    assert_eq!(r, Reply::err(NtStatus::INVALID_DEVICE_REQUEST));
    close(&mut f.vcb, &mut cache, a);
}
