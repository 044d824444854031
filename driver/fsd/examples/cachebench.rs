//! The cost of the cache layering (figures, not pass/fail): on one ext4
//! image in the embedded kernel, a 1 GiB cached write (then its flush) and
//! read through the common routines and the recording fake of Windows'
//! Cache Manager, and 256 MiB of paging writes (what a mapped view's dirty
//! pages become), beside the same transfers by the library alone.

use std::time::Instant;

use fs_glue::{MountOptions, Vfs, Volume};
use fs_glue_testbed::lkl_env::{Embedded, Ext4Image};
use fsd::cache::Io;
use fsd::cache_fake::{Cached, RecordingCache};
use fsd::{Create, FileRef, Offset, OwnServices, Reply, Vcb};
use lkl::vfs::KernelVfs;
use lkl_abi::sys;

const MIB: usize = 1 << 20;
const FILE: usize = 1024 * MIB;
const MAPPED: usize = 256 * MIB;
const CHUNK: usize = MIB;

fn mbs(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / MIB as f64 / secs
}

fn chunk(i: usize) -> Vec<u8> {
    (0..CHUNK).map(|j| ((i * 31 + j) % 251) as u8).collect()
}

/// The library alone: pwrite, fsync, pread, and the 256 MiB rewrite.
fn library(vfs: &KernelVfs) -> Result<[f64; 3], String> {
    let e = |e: lkl_abi::Errno| e.to_string();
    let fd = vfs.openat(vfs.root(), b"lib.bin", sys::O_CREAT | sys::O_RDWR, 0o644).map_err(e)?;
    let t = Instant::now();
    for i in 0..FILE / CHUNK {
        vfs.pwrite(fd, &chunk(i), (i * CHUNK) as u64).map_err(e)?;
    }
    vfs.fsync(fd).map_err(e)?;
    let write = mbs(FILE, t.elapsed().as_secs_f64());
    let mut buf = vec![0u8; CHUNK];
    let t = Instant::now();
    for i in 0..FILE / CHUNK {
        vfs.pread(fd, &mut buf, (i * CHUNK) as u64).map_err(e)?;
    }
    let read = mbs(FILE, t.elapsed().as_secs_f64());
    let t = Instant::now();
    for i in 0..MAPPED / CHUNK {
        vfs.pwrite(fd, &chunk(i + 7), (i * CHUNK) as u64).map_err(e)?;
    }
    vfs.fsync(fd).map_err(e)?;
    let mapped = mbs(MAPPED, t.elapsed().as_secs_f64());
    vfs.close(fd).map_err(e)?;
    Ok([write, read, mapped])
}

fn ok(r: Reply, what: &str) -> Result<(), String> {
    if r.status.is_success() { Ok(()) } else { Err(format!("{what}: {:?}", r.status)) }
}

/// The common routines with the fake cache: the same transfers.
fn layered(vcb: &mut Vcb<KernelVfs>) -> Result<([f64; 3], usize), String> {
    let mut cache = RecordingCache::default();
    let name: Vec<u16> = "\\cached.bin".encode_utf16().collect();
    let create = |disposition| Create {
        name: &name,
        related: None,
        access: 0xC000_0000,
        attributes: 0x80,
        share: 7,
        disposition,
        options: 0,
        ea: &[],
        open_target_directory: false,
    };
    let mut ccb = vcb.create(&mut Cached(&mut cache), &create(2)).ccb.ok_or("create")?;
    let mut pos = 0u64;
    let cached = Io::default();
    let t = Instant::now();
    for i in 0..FILE / CHUNK {
        let f = FileRef { ccb: &mut ccb, position: &mut pos, synchronous: false, process: 0, key: 0 };
        ok(vcb.write_io(f, Offset::At((i * CHUNK) as u64), &chunk(i), cached, &mut Cached(&mut cache)), "write")?;
    }
    ok(vcb.flush_with(&ccb, &mut Cached(&mut cache)), "flush")?;
    let write = mbs(FILE, t.elapsed().as_secs_f64());
    let pages = cache.calls.len();
    // A cold cache: a new cache map after the last cleanup took the pages.
    ok(vcb.cleanup(&mut ccb, &mut Cached(&mut cache)), "cleanup")?;
    vcb.close(ccb, &mut OwnServices);
    let mut ccb = vcb.create(&mut Cached(&mut cache), &create(1)).ccb.ok_or("open")?;
    let mut buf = vec![0u8; CHUNK];
    let t = Instant::now();
    for i in 0..FILE / CHUNK {
        let f = FileRef { ccb: &mut ccb, position: &mut pos, synchronous: false, process: 0, key: 0 };
        ok(vcb.read_io(f, Offset::At((i * CHUNK) as u64), &mut buf, cached, &mut Cached(&mut cache)), "read")?;
        if buf != chunk(i) {
            return Err(format!("chunk {i} read back differs"));
        }
    }
    let read = mbs(FILE, t.elapsed().as_secs_f64());
    let paging = Io { paging: true, nocache: true, write_through: false };
    let t = Instant::now();
    for i in 0..MAPPED / CHUNK {
        let f = FileRef { ccb: &mut ccb, position: &mut pos, synchronous: false, process: 0, key: 0 };
        ok(
            vcb.write_io(f, Offset::At((i * CHUNK) as u64), &chunk(i + 7), paging, &mut Cached(&mut cache)),
            "page out",
        )?;
    }
    ok(vcb.flush(&ccb), "fsync")?;
    let mapped = mbs(MAPPED, t.elapsed().as_secs_f64());
    ok(vcb.cleanup(&mut ccb, &mut Cached(&mut cache)), "cleanup")?;
    vcb.close(ccb, &mut OwnServices);
    Ok(([write, read, mapped], pages))
}

fn bench() -> Result<(), String> {
    let img = Ext4Image::new("cachebench", 3072)?;
    let emb = Embedded::start(img.path())?;
    let vfs = |k: &Embedded| KernelVfs::new(k.kernel.clone(), &k.mounted.path).map_err(|e| e.to_string());
    let lib = library(&vfs(&emb)?)?;
    let mut vcb = Vcb::new(Volume::new(vfs(&emb)?, MountOptions::default()));
    let (layer, calls) = layered(&mut vcb)?;
    drop(vcb);
    println!("cache layering on ext4 (embedded kernel), 1 MiB requests:");
    for (i, what) in ["1 GiB cached write + flush", "1 GiB cached read (cold cache)", "256 MiB paging writes + fsync"]
        .iter()
        .enumerate()
    {
        println!(
            "  {what:32} library {:7.0} MB/s   common routines + cache {:7.0} MB/s   ratio {:.2}",
            lib[i],
            layer[i],
            layer[i] / lib[i]
        );
    }
    println!("  cache calls and page moves for the write: {calls}");
    emb.finish()
}

fn main() {
    let t = std::thread::Builder::new().stack_size(lkl_abi::THREAD_STACK_SIZE).spawn(bench).expect("spawn");
    match t.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("cachebench: {e}");
            std::process::exit(1);
        }
        Err(_) => std::process::exit(1),
    }
}
