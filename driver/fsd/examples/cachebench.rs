//! The cost of the cache layering (figures, not pass/fail): on one ext4
//! image in the embedded kernel, a 1 GiB cached write (then its flush) and
//! read through the common routines and the recording fake of Windows'
//! Cache Manager, and 256 MiB of paging writes (what a mapped view's dirty
//! pages become), beside the same transfers by the library alone; and the
//! memory the 1 GiB write costs (item 7 of issue 14): Linux's free memory
//! (its page cache lives in the kernel's fixed memory), the process's peak
//! resident set, and the fake cache's pages (what Windows' cache would
//! hold).

use std::time::Instant;

use fs_glue::{MountOptions, Vfs, Volume};
use fs_glue_testbed::lkl_env::{Embedded, Ext4Image};
use fsd::cache::Io;
use fsd::cache_fake::{Cached, RecordingCache};
use fsd::{Create, FileRef, Offset, OwnServices, Reply, Vcb};
use lkl::Kernel;
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

/// Memory figures of one phase, in MiB.
#[derive(Default)]
struct Memory {
    /// Linux's lowest free memory seen.
    linux_free_min: f64,
    /// The process's peak resident set over the phase.
    peak_rss: f64,
    /// The most the fake cache held.
    cache_max: f64,
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

/// Linux's (total, free) memory in bytes.
fn linux_memory(k: &Kernel) -> (u64, u64) {
    k.sysinfo().map_or((0, 0), |s| {
        let unit = u64::from(s.mem_unit.max(1));
        (s.totalram * unit, s.freeram * unit)
    })
}

/// Starts a phase's peak resident set afresh (Linux's clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The phase's peak resident set (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}

/// The library alone: pwrite, fsync, pread, and the 256 MiB rewrite.
fn library(vfs: &KernelVfs, k: &Kernel, mem: &mut Memory) -> Result<[f64; 3], String> {
    let e = |e: lkl_abi::Errno| e.to_string();
    let fd = vfs.openat(vfs.root(), b"lib.bin", sys::O_CREAT | sys::O_RDWR, 0o644).map_err(e)?;
    reset_peak_rss();
    let mut free_min = u64::MAX;
    let t = Instant::now();
    for i in 0..FILE / CHUNK {
        vfs.pwrite(fd, &chunk(i), (i * CHUNK) as u64).map_err(e)?;
        free_min = free_min.min(linux_memory(k).1);
    }
    mem.linux_free_min = mib(free_min);
    mem.peak_rss = mib(peak_rss());
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
fn layered(vcb: &mut Vcb<KernelVfs>, k: &Kernel, mem: &mut Memory) -> Result<([f64; 3], usize), String> {
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
    reset_peak_rss();
    let (mut free_min, mut cache_max) = (u64::MAX, 0);
    let t = Instant::now();
    for i in 0..FILE / CHUNK {
        let f = FileRef { ccb: &mut ccb, position: &mut pos, synchronous: false, process: 0, key: 0 };
        ok(vcb.write_io(f, Offset::At((i * CHUNK) as u64), &chunk(i), cached, &mut Cached(&mut cache)), "write")?;
        free_min = free_min.min(linux_memory(k).1);
        cache_max = cache_max.max(cache.resident_bytes());
    }
    ok(vcb.flush_with(&ccb, &mut Cached(&mut cache)), "flush")?;
    let write = mbs(FILE, t.elapsed().as_secs_f64());
    *mem = Memory { linux_free_min: mib(free_min), peak_rss: mib(peak_rss()), cache_max: mib(cache_max as u64) };
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
    let (total, free_before) = linux_memory(&emb.kernel);
    let (mut lib_mem, mut layer_mem) = (Memory::default(), Memory::default());
    let lib = library(&vfs(&emb)?, &emb.kernel, &mut lib_mem)?;
    let mut vcb = Vcb::new(Volume::new(vfs(&emb)?, MountOptions::default()));
    let (layer, calls) = layered(&mut vcb, &emb.kernel, &mut layer_mem)?;
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
    println!("memory of the 1 GiB cached write (MiB):");
    println!(
        "  Linux: kernel memory {:.0}, free before {:.0}, lowest free: library {:.0}, common routines {:.0}",
        mib(total),
        mib(free_before),
        lib_mem.linux_free_min,
        layer_mem.linux_free_min
    );
    println!(
        "  process peak resident set: library {:.0}, common routines + fake cache {:.0} (the fake's pages at most {:.0})",
        lib_mem.peak_rss, layer_mem.peak_rss, layer_mem.cache_max
    );
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
