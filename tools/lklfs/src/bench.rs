//! `lklfs bench`: the disk benchmark (figures, not pass/fail).
//!
//! For each file system asked for (`--fs ext4,btrfs,xfs`), on one image, it
//! measures a sequential write (with fsync) and cold
//! and cached reads of a large file, and create/list/delete of many small
//! files: through the library API, through `lklfs put/get`, through the
//! host kernel's loop mount (root only) and through fuse2fs (ext4 only, if
//! installed).
//! Every library measurement runs in a fresh process (`bench-step`): one
//! kernel per process, and a fresh boot is what makes a read cold. The host
//! page cache is dropped before every cold read, for the library too (its
//! image file is read through the host's page cache otherwise).

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lkl::{Errno, sys};

use crate::demo::host_tool;
use crate::error::{ErrnoContext, Error, IoContext, Kind, Result};
use crate::volume::{Options, Volume};

/// Options of `lklfs bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory for the image and the host-side files (needs about 2x
    /// FILE_MIB free; the image is sparse).
    #[arg(long, default_value = "target/lklfs-bench")]
    dir: PathBuf,
    /// File systems to measure, each on a fresh image (ext4, btrfs, xfs).
    #[arg(long = "fs", value_delimiter = ',', default_value = "ext4")]
    fs: Vec<String>,
    /// Size of each image in GiB.
    #[arg(long, default_value_t = 4)]
    image_gib: u64,
    /// Size of the large file in MiB.
    #[arg(long, default_value_t = 1024)]
    file_mib: u64,
    /// Number of small files.
    #[arg(long, default_value_t = 10_000)]
    files: u64,
    /// Kernel memory (MiB) for the library-API steps; enough to cache the
    /// large file. `lklfs put/get` run with the tool's default.
    #[arg(long, default_value_t = 1536)]
    lib_mem: u64,
}

/// Options of the hidden `bench-step`.
#[derive(clap::Args, Debug)]
pub struct StepArgs {
    /// lib-write, lib-read or lib-files.
    step: String,
    /// The image.
    image: PathBuf,
    #[arg(long, default_value_t = 1024)]
    file_mib: u64,
    #[arg(long, default_value_t = 10_000)]
    files: u64,
}

const CHUNK: usize = 4 << 20;

fn pattern() -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..CHUNK)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn mbs(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs.max(1e-9)
}

fn kpath(v: &Volume, p: &str) -> Result<CString> {
    v.path(p)
}

fn ensure_dir(v: &Volume, p: &str) -> Result<()> {
    match v.k().mkdir(&kpath(v, p)?, 0o755) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(e) => Err(Error::errno(format!("mkdir {p}"), e)),
    }
}

fn read_all(v: &Volume, p: &CString, buf: &mut [u8]) -> Result<u64> {
    let fd = v.k().open(p, sys::O_RDONLY | sys::O_CLOEXEC, 0).ctx("open")?;
    let mut total = 0u64;
    loop {
        let n = v.k().read(fd, buf).ctx("read")?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    v.k().close(fd).ctx("close")?;
    Ok(total)
}

/// One library measurement; prints `name=value` lines.
pub fn step(a: &StepArgs, opts: &Options) -> Result<()> {
    let write = a.step != "lib-read";
    let bytes = a.file_mib << 20;
    Volume::with(&a.image, opts, write, |v| with_hang_dump(v, || step_body(a, v, bytes)))
}

/// With LKLFS_HANG_DUMP_SECS=N, a step still running after N seconds prints
/// the kernel's blocked tasks and busy workqueues, so a hang explains itself.
fn with_hang_dump(v: &Volume, body: impl FnOnce() -> Result<()>) -> Result<()> {
    let Some(secs) = std::env::var("LKLFS_HANG_DUMP_SECS").ok().and_then(|s| s.parse().ok()) else {
        return body();
    };
    let (done, wait) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let limit = std::time::Duration::from_secs(secs);
            if wait.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                let _ = v.k().debug_dump();
            }
        });
        let r = body();
        drop(done);
        r
    })
}

fn step_body(a: &StepArgs, v: &Volume, bytes: u64) -> Result<()> {
    let k = v.k();
    match a.step.as_str() {
        "lib-write" => {
            ensure_dir(v, "/bench")?;
            let buf = pattern();
            let p = kpath(v, "/bench/big")?;
            let t = Instant::now();
            let fd = k.open(&p, sys::O_CREAT | sys::O_WRONLY | sys::O_TRUNC | sys::O_CLOEXEC, 0o644).ctx("open")?;
            let mut done = 0u64;
            while done < bytes {
                done += k.write(fd, &buf).ctx("write")? as u64;
            }
            k.fsync(fd).ctx("fsync")?;
            k.close(fd).ctx("close")?;
            println!("write_mbs={}", mbs(done, t.elapsed().as_secs_f64()));
        }
        "lib-read" => {
            let mut buf = vec![0u8; CHUNK];
            let p = kpath(v, "/bench/big")?;
            let t = Instant::now();
            let n = read_all(v, &p, &mut buf)?;
            println!("cold_mbs={}", mbs(n, t.elapsed().as_secs_f64()));
            let t = Instant::now();
            let n = read_all(v, &p, &mut buf)?;
            println!("cached_mbs={}", mbs(n, t.elapsed().as_secs_f64()));
        }
        "lib-files" => {
            ensure_dir(v, "/bench")?;
            ensure_dir(v, "/bench/many")?;
            let t = Instant::now();
            for i in 0..a.files {
                let p = kpath(v, &format!("/bench/many/f{i:05}"))?;
                let fd = k.open(&p, sys::O_CREAT | sys::O_WRONLY | sys::O_CLOEXEC, 0o644).ctx("create")?;
                k.close(fd).ctx("close")?;
            }
            k.sync().ctx("sync")?;
            println!("create_s={}", t.elapsed().as_secs_f64());
            let dir = kpath(v, "/bench/many")?;
            let t = Instant::now();
            let entries = k.read_dir(&dir).ctx("list")?;
            for e in &entries {
                let mut c = dir.as_bytes().to_vec();
                c.push(b'/');
                c.extend_from_slice(&e.name);
                let c = CString::new(c).map_err(|_| Error::new(Kind::Other, "NUL"))?;
                k.fstatat(sys::AT_FDCWD, &c, sys::AT_SYMLINK_NOFOLLOW).ctx("lstat")?;
            }
            println!("list_s={}", t.elapsed().as_secs_f64());
            let t = Instant::now();
            for i in 0..a.files {
                k.unlinkat(sys::AT_FDCWD, &kpath(v, &format!("/bench/many/f{i:05}"))?, 0).ctx("unlink")?;
            }
            k.unlinkat(sys::AT_FDCWD, &dir, sys::AT_REMOVEDIR).ctx("rmdir")?;
            k.sync().ctx("sync")?;
            println!("delete_s={}", t.elapsed().as_secs_f64());
        }
        other => {
            return Err(Error::new(Kind::Other, format!("unknown bench step {other}")));
        }
    }
    Ok(())
}

/// Flushes and drops the host's page cache (root only); false if it could not.
fn drop_caches() -> bool {
    let _ = Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok()
}

fn run_ok(cmd: &mut Command) -> Result<std::process::Output> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().io_ctx(&shown)?;
    if !out.status.success() {
        return Err(Error::new(
            Kind::Other,
            format!(
                "{shown}: {}\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ));
    }
    Ok(out)
}

fn lklfs() -> Result<Command> {
    Ok(Command::new(std::env::current_exe().io_ctx("current_exe")?))
}

/// Longest a library step or an lklfs put/get may take: a hang in the
/// kernel port must leave a mark in the table, not stop the benchmark.
const STEP_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);

/// `run_ok` with a time limit; the child is killed when it runs over.
fn run_bounded(cmd: &mut Command) -> Result<std::process::Output> {
    use std::process::Stdio;
    let shown = format!("{cmd:?}");
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().io_ctx(&shown)?;
    let (mut o, mut e) = (child.stdout.take(), child.stderr.take());
    let to = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = o.as_mut().map(|o| o.read_to_end(&mut v));
        v
    });
    let te = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = e.as_mut().map(|e| e.read_to_end(&mut v));
        v
    });
    let t = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().io_ctx(&shown)? {
            break st;
        }
        if t.elapsed() > STEP_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::new(Kind::Other, format!("{shown}: HUNG (killed after {} s)", STEP_LIMIT.as_secs())));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out =
        std::process::Output { status, stdout: to.join().unwrap_or_default(), stderr: te.join().unwrap_or_default() };
    if !status.success() {
        return Err(Error::new(Kind::Other, format!("{shown}: {status}\n{}", String::from_utf8_lossy(&out.stderr))));
    }
    Ok(out)
}

fn lib_step(a: &Args, img: &Path, step: &str, into: &mut BTreeMap<String, f64>) -> Result<()> {
    let out =
        run_bounded(lklfs()?.arg("--mem").arg(a.lib_mem.to_string()).args(["bench-step", step]).arg(img).args([
            "--file-mib",
            &a.file_mib.to_string(),
            "--files",
            &a.files.to_string(),
        ]))?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line.split_once('=')
            && let Ok(v) = v.parse()
        {
            into.insert(k.to_string(), v);
        }
    }
    Ok(())
}

/// The same measurements through the host's own file API on a mounted
/// directory (host loop mount or fuse2fs).
fn host_side(dir: &Path, file_mib: u64, files: u64, cold_ok: bool) -> Result<BTreeMap<String, f64>> {
    let mut r = BTreeMap::new();
    let bench = dir.join("bench");
    std::fs::create_dir_all(&bench).io_ctx(bench.display())?;
    let big = bench.join("big");
    let buf = pattern();
    let bytes = file_mib << 20;
    let t = Instant::now();
    let mut f = File::create(&big).io_ctx(big.display())?;
    let mut done = 0u64;
    while done < bytes {
        f.write_all(&buf).io_ctx(big.display())?;
        done += buf.len() as u64;
    }
    f.sync_all().io_ctx(big.display())?;
    drop(f);
    r.insert("write_mbs".into(), mbs(done, t.elapsed().as_secs_f64()));
    let read = |r: &mut BTreeMap<String, f64>, key: &str| -> Result<()> {
        let mut b = vec![0u8; CHUNK];
        let t = Instant::now();
        let mut f = File::open(&big).io_ctx(big.display())?;
        let mut n = 0u64;
        loop {
            let k = f.read(&mut b).io_ctx(big.display())?;
            if k == 0 {
                break;
            }
            n += k as u64;
        }
        r.insert(key.into(), mbs(n, t.elapsed().as_secs_f64()));
        Ok(())
    };
    if cold_ok {
        drop_caches();
    }
    read(&mut r, "cold_mbs")?;
    read(&mut r, "cached_mbs")?;
    std::fs::remove_file(&big).io_ctx(big.display())?;
    let many = bench.join("many");
    std::fs::create_dir_all(&many).io_ctx(many.display())?;
    let t = Instant::now();
    for i in 0..files {
        File::create(many.join(format!("f{i:05}"))).io_ctx("create")?;
    }
    run_ok(&mut Command::new("sync"))?;
    r.insert("create_s".into(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    for e in std::fs::read_dir(&many).io_ctx("list")? {
        std::fs::symlink_metadata(e.io_ctx("list")?.path()).io_ctx("lstat")?;
    }
    r.insert("list_s".into(), t.elapsed().as_secs_f64());
    let t = Instant::now();
    for i in 0..files {
        std::fs::remove_file(many.join(format!("f{i:05}"))).io_ctx("unlink")?;
    }
    std::fs::remove_dir(&many).io_ctx("rmdir")?;
    run_ok(&mut Command::new("sync"))?;
    r.insert("delete_s".into(), t.elapsed().as_secs_f64());
    std::fs::remove_dir(&bench).io_ctx("rmdir")?;
    Ok(r)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn host_loop(fs: &str, img: &Path, mnt: &Path, a: &Args) -> Result<BTreeMap<String, f64>> {
    run_ok(Command::new("mount").args(["-t", fs, "-o", "loop"]).arg(img).arg(mnt))?;
    let r = host_side(mnt, a.file_mib, a.files, true);
    let u = run_ok(Command::new("umount").arg(mnt));
    let r = r?;
    u?;
    Ok(r)
}

fn fuse(fuse2fs: &Path, img: &Path, mnt: &Path, a: &Args) -> Result<BTreeMap<String, f64>> {
    run_ok(Command::new(fuse2fs).arg(img).arg(mnt).args(["-o", "fakeroot,rw"]))?;
    let r = host_side(mnt, a.file_mib, a.files, true);
    let u = run_ok(Command::new("umount").arg(mnt));
    let r = r?;
    u?;
    Ok(r)
}

fn time_cmd(cmd: &mut Command) -> Result<f64> {
    let t = Instant::now();
    run_bounded(cmd)?;
    Ok(t.elapsed().as_secs_f64())
}

fn cell(m: Option<&BTreeMap<String, f64>>, key: &str) -> String {
    match m.and_then(|m| m.get(key)) {
        Some(v) if key.ends_with("_s") => format!("{v:.3}"),
        Some(v) => format!("{v:.0}"),
        None => "-".into(),
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// Runs the whole benchmark for every file system asked for, printing one
/// table each.
pub fn run(a: &Args) -> Result<()> {
    for fs in &a.fs {
        if !matches!(fs.as_str(), "ext4" | "btrfs" | "xfs") {
            return Err(Error::new(Kind::Other, format!("bench --fs {fs}: ext4, btrfs or xfs")));
        }
    }
    for fs in &a.fs {
        run_one(a, fs)?;
    }
    Ok(())
}

/// The mkfs command line for a benchmark image of `fs`.
fn mkfs_command(fs: &str) -> Result<Command> {
    let (prog, args): (&str, &[&str]) = match fs {
        // Initialise inode tables and journal now, so no lazy-init thread
        // writes in the background of a measurement.
        "ext4" => ("mkfs.ext4", &["-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0"]),
        "btrfs" => ("mkfs.btrfs", &["-q", "-f"]),
        _ => ("mkfs.xfs", &["-q", "-f"]),
    };
    let path = host_tool(prog).ok_or_else(|| Error::new(Kind::NotFound, format!("{prog} not found")))?;
    let mut c = Command::new(path);
    c.args(args);
    Ok(c)
}

fn run_one(a: &Args, fs: &str) -> Result<()> {
    std::fs::create_dir_all(&a.dir).io_ctx(a.dir.display())?;
    let dir = std::fs::canonicalize(&a.dir).io_ctx(a.dir.display())?;
    let img = dir.join("bench.img");
    let mnt = dir.join("mnt");
    std::fs::create_dir_all(&mnt).io_ctx(mnt.display())?;
    let _ = std::fs::remove_file(&img);
    std::fs::File::create(&img).and_then(|f| f.set_len(a.image_gib << 30)).io_ctx(img.display())?;
    run_ok(mkfs_command(fs)?.arg(&img))?;
    let root = is_root();
    eprintln!("bench: {fs} image {} ({} GiB); running library steps", img.display(), a.image_gib);

    let mut lib = BTreeMap::new();
    // A first, unmeasured write makes the host allocate the sparse image's
    // blocks, which the later writers (host loop, fuse2fs) would otherwise
    // find allocated already.
    // A failed or hung step leaves its cells empty and a note; the other
    // measurements still run.
    let mut notes: Vec<String> = Vec::new();
    let mut note = |r: Result<()>, what: &str| {
        if let Err(e) = r {
            eprintln!("bench: {fs} {what} failed: {e}");
            notes.push(format!("{what}: {}", e.to_string().lines().next().unwrap_or("")));
        }
    };
    note(lib_step(a, &img, "lib-write", &mut lib), "library write (warm-up)");
    note(lib_step(a, &img, "lib-write", &mut lib), "library write");
    let cold_dropped = drop_caches();
    note(lib_step(a, &img, "lib-read", &mut lib), "library read");
    note(lib_step(a, &img, "lib-files", &mut lib), "library files");
    note(run_bounded(lklfs()?.args(["rm", "-r"]).arg(&img).arg("/bench")).map(|_| ()), "lklfs rm -r /bench");

    eprintln!("bench: lklfs put/get");
    let src = dir.join("source.bin");
    {
        let buf = pattern();
        let mut f = File::create(&src).io_ctx(src.display())?;
        for _ in 0..(a.file_mib << 20) / CHUNK as u64 {
            f.write_all(&buf).io_ctx(src.display())?;
        }
    }
    let bytes = a.file_mib << 20;
    let mut cli = BTreeMap::new();
    match time_cmd(lklfs()?.arg("-q").arg("put").arg(&img).arg(&src).arg("/put.bin")) {
        Ok(put_s) => drop(cli.insert("write_mbs".to_string(), mbs(bytes, put_s))),
        Err(e) => note(Err(e), "lklfs put"),
    }
    drop_caches();
    let back = dir.join("back.bin");
    match time_cmd(lklfs()?.arg("-q").arg("get").arg(&img).arg("/put.bin").arg(&back)) {
        Ok(get_s) => drop(cli.insert("cold_mbs".to_string(), mbs(bytes, get_s))),
        Err(e) => note(Err(e), "lklfs get"),
    }
    let _ = std::fs::remove_file(&back);
    let _ = std::fs::remove_file(&src);
    note(run_bounded(lklfs()?.arg("rm").arg("-r").arg(&img).arg("/put.bin")).map(|_| ()), "lklfs rm /put.bin");

    let host = if root {
        eprintln!("bench: host kernel loop mount");
        Some(host_loop(fs, &img, &mnt, a)?)
    } else {
        None
    };
    let fuse2fs = if fs == "ext4" { host_tool("fuse2fs") } else { None };
    let fuse_r = match (&fuse2fs, root) {
        (Some(f), true) => {
            eprintln!("bench: fuse2fs");
            match fuse(f, &img, &mnt, a) {
                Ok(r) => Some(r),
                Err(e) => {
                    eprintln!("bench: fuse2fs failed: {e}");
                    None
                }
            }
        }
        _ => None,
    };
    let _ = std::fs::remove_file(&img);

    println!(
        "disk benchmark: {} GiB {fs} image (sparse), {} MiB file, {} files; library steps with {} MiB kernel memory, lklfs put/get with the tool's default ({} MiB)",
        a.image_gib,
        a.file_mib,
        a.files,
        a.lib_mem,
        crate::DEFAULT_MEM_MIB
    );
    for n in &notes {
        println!("  FAILED: {n}");
    }
    if !cold_dropped {
        println!("  (host page cache could NOT be dropped: cold figures are warm; run as root)");
    }
    println!("  {:<28} {:>12} {:>14} {:>12} {:>10}", "", "library API", "lklfs put/get", "host loop", "fuse2fs");
    let rows = [
        ("seq write + fsync (MB/s)", "write_mbs"),
        ("cold read (MB/s)", "cold_mbs"),
        ("cached read (MB/s)", "cached_mbs"),
        ("create files + sync (s)", "create_s"),
        ("list + lstat files (s)", "list_s"),
        ("delete files + sync (s)", "delete_s"),
    ];
    for (label, key) in rows {
        println!(
            "  {label:<28} {:>12} {:>14} {:>12} {:>10}",
            cell(Some(&lib), key),
            cell(Some(&cli), key),
            cell(host.as_ref(), key),
            cell(fuse_r.as_ref(), key)
        );
    }
    let g = |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    println!("goals:");
    if let Some(h) = &host {
        let ratio = |k: &str| g(&lib, k) / g(h, k);
        println!(
            "  write >= 80% of host:        {:5.0}%  {}",
            ratio("write_mbs") * 100.0,
            verdict(ratio("write_mbs") >= 0.8)
        );
        println!(
            "  cold read >= 80% of host:    {:5.0}%  {}",
            ratio("cold_mbs") * 100.0,
            verdict(ratio("cold_mbs") >= 0.8)
        );
        println!(
            "  cached read >= 50% of host:  {:5.0}%  {}",
            ratio("cached_mbs") * 100.0,
            verdict(ratio("cached_mbs") >= 0.5)
        );
        let t = |k: &str| g(&lib, k) / g(h, k);
        println!("  create 10k within 2x host:   {:5.2}x  {}", t("create_s"), verdict(t("create_s") <= 2.0));
        println!("  delete 10k within 2x host:   {:5.2}x  {}", t("delete_s"), verdict(t("delete_s") <= 2.0));
    } else {
        println!("  host comparison skipped (needs root for the loop mount)");
    }
    let put = g(&cli, "write_mbs") / g(&lib, "write_mbs");
    let get = g(&cli, "cold_mbs") / g(&lib, "cold_mbs");
    // "Close" = within 25%: put/get also pay boot, mount, unmount and the
    // host side of the copy.
    println!("  lklfs put close to API (>=75%): {:5.0}%  {}", put * 100.0, verdict(put >= 0.75));
    println!("  lklfs get close to API (>=75%): {:5.0}%  {}", get * 100.0, verdict(get >= 0.75));
    if fuse2fs.is_none() && fs == "ext4" {
        println!("  (fuse2fs not installed: apt install fuse2fs)");
    }
    Ok(())
}
