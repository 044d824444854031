//! The plugin's benchmark (`cargo xtask bench` runs it; figures, not
//! pass/fail): get and put of a large file (1 GiB; `LKLFS_WFX_BENCH_MIB`)
//! and of 10,000 small files (`LKLFS_WFX_BENCH_FILES`) through the
//! plugin's exports, beside `lklfs get`/`put` of the same on the same ext4
//! image in the same run, each in a process of its own (a kernel boots
//! once per process) with the same kernel memory, with its time and peak
//! memory (the process's maximum resident set). Expects the release
//! builds: `target/release/libtcplugin.so` and `target/release/lklfs`. It
//! works on a tmpfs when there is room (`bench_dir`), and each figure is the
//! median of three rounds (`LKLFS_WFX_BENCH_ROUNDS`), each on a fresh image.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, unsafe_code)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// A run's wall time (s), peak resident set (MiB) and CPU time (s, user
/// and system: less swayed than the wall time by what else the machine
/// runs).
type Figures = (f64, f64, f64);

/// The kernel memory of both, MiB: the plugin's default.
const MEM_MIB: u64 = 128;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `cmd`; its wall time in seconds and peak resident set in MiB.
fn measure(cmd: &mut Command) -> Figures {
    let start = Instant::now();
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: zero is a valid rusage; `pid` is our child, reaped once here.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert!(r == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{cmd:?} failed");
    std::mem::forget(child);
    let cpu = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (start.elapsed().as_secs_f64(), usage.ru_maxrss as f64 / 1024.0, cpu(usage.ru_utime) + cpu(usage.ru_stime))
}

/// The child: one operation through the plugin's exports.
fn child(op: &str, dir: &Path, files: usize) {
    let p = common::load(&root().join("target/release/libtcplugin.so"), dir);
    let ok = |r: i32, what: &str| assert!(r == common::FS_FILE_OK, "{what}: {r}");
    match op {
        "put" => ok(p.put(&dir.join("big.bin"), "\\bench\\wfx-big.bin", 0), "put"),
        "get" => ok(p.get("\\bench\\wfx-big.bin", &dir.join("wfx-big.back"), 0), "get"),
        "put-many" => {
            assert_eq!(p.on(p.mkdir, "\\bench\\wfx-many"), 1);
            // One user action, as Total Commander announces it.
            p.status("\\bench\\wfx-many", true, 5);
            for i in 0..files {
                ok(p.put(&dir.join(format!("many/f{i}")), &format!("\\bench\\wfx-many\\f{i}"), 0), "put");
            }
            p.status("\\bench\\wfx-many", false, 5);
        }
        "get-many" => {
            std::fs::create_dir_all(dir.join("wfx-many.back")).unwrap();
            for i in 0..files {
                let to = dir.join(format!("wfx-many.back/f{i}"));
                ok(p.get(&format!("\\bench\\wfx-many\\f{i}"), &to, 0), "get");
            }
        }
        _ => panic!("unknown operation {op}"),
    }
    assert_eq!(p.on(p.disconnect, "\\bench"), 1);
}

/// Where the image and the local copies go: `LKLFS_WFX_BENCH_DIR`, else
/// a tmpfs (`/dev/shm`) when it has room, else `target/`. On a disk file
/// system the host's own inode allocation for 10,000 new local files
/// swung the small-file figures by 0.5-2.7x between runs; on a tmpfs both
/// sides pay the same small cost.
fn bench_dir(mib: usize) -> PathBuf {
    if let Some(d) = std::env::var_os("LKLFS_WFX_BENCH_DIR") {
        return PathBuf::from(d).join("tcplugin-bench");
    }
    // The image, the source file and two copies back, and the small files.
    let need = ((mib as u64) * 6 + 1024) << 20;
    let shm = Path::new("/dev/shm");
    let c = std::ffi::CString::new("/dev/shm").unwrap();
    // SAFETY: zero is a valid statvfs; `c` is NUL-terminated.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `st` is writable.
    let free = if unsafe { libc::statvfs(c.as_ptr(), &mut st) } == 0 { st.f_bavail * st.f_frsize } else { 0 };
    if shm.is_dir() && free >= need { shm.join("lklfs-tcplugin-bench") } else { root().join("target/tcplugin-bench") }
}

/// The median of some figures.
fn median(v: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = v.collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn run_ok(cmd: &mut Command) -> bool {
    cmd.status().is_ok_and(|s| s.success())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let files: usize = std::env::var("LKLFS_WFX_BENCH_FILES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    if let [flag, op, dir] = args.as_slice()
        && flag == "--child"
    {
        child(op, Path::new(dir), files);
        return;
    }
    let mib: usize = std::env::var("LKLFS_WFX_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let rounds: usize = std::env::var("LKLFS_WFX_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let dir = bench_dir(mib);
    println!("working in {} (LKLFS_WFX_BENCH_DIR)", dir.display());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("many")).unwrap();
    let img = dir.join("bench.img");
    std::fs::write(
        dir.join("lklfs.ini"),
        format!("[lklfs]\nMemoryMiB={MEM_MIB}\n\n[volume bench]\nImage={}\n", img.display()),
    )
    .unwrap();
    // Written a MiB at a time: a child's peak counts its parent's at the
    // fork (Linux carries the high-water mark over), so this process stays
    // small.
    {
        use std::io::Write;
        let mut f = std::fs::File::create(dir.join("big.bin")).unwrap();
        for i in 0..mib {
            f.write_all(&common::pattern(1 << 20, i as u8)).unwrap();
        }
    }
    for i in 0..files {
        std::fs::write(dir.join(format!("many/f{i}")), common::pattern(1024 + i % 512, i as u8)).unwrap();
    }
    let me = std::env::current_exe().unwrap();
    let lklfs = root().join("target/release/lklfs");
    let wfx = |op: &str| measure(Command::new(&me).args(["--child", op, dir.to_str().unwrap()]));
    let tool = |args: &[&str]| {
        measure(Command::new(&lklfs).args(["--mem", &MEM_MIB.to_string(), "-q"]).args(args).current_dir(&dir))
    };
    let img_s = img.to_str().unwrap();
    let mkfs = root().join("tests/mkfs-fixed");
    println!(
        "plugin (exports, lklfs.wfx) beside lklfs, same ext4 image and run, kernel memory {MEM_MIB} MiB each; large file {mib} MiB, {files} small files; {rounds} rounds"
    );
    // Single runs on this kind of shared machine swung by 3x and more:
    // each figure is the median of `rounds` rounds, each on a fresh image,
    // the two sides taking turns to go first.
    const OPS: [&str; 4] = ["put the large file", "get the large file", "put the small files", "get the small files"];
    let mut times: Vec<[Vec<Figures>; 2]> = (0..OPS.len()).map(|_| [Vec::new(), Vec::new()]).collect();
    for round in 0..rounds {
        for f in ["wfx-big.back", "lklfs-big.back"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        for d in ["wfx-many.back", "lklfs-many.back"] {
            let _ = std::fs::remove_dir_all(dir.join(d));
        }
        std::fs::File::create(&img).unwrap().set_len(((mib as u64) * 3 + 1024) << 20).unwrap();
        assert!(Command::new(&mkfs).args(["mkfs.ext4", "-q", "-F"]).arg(&img).status().unwrap().success());
        let pairs: [(&str, Vec<&str>); 4] = [
            ("put", vec!["put", img_s, "big.bin", "/lklfs-big.bin"]),
            ("get", vec!["get", img_s, "/lklfs-big.bin", "lklfs-big.back"]),
            ("put-many", vec!["put", img_s, "many", "/lklfs-many"]),
            ("get-many", vec!["get", img_s, "/lklfs-many", "lklfs-many.back"]),
        ];
        for (i, (op, args)) in pairs.iter().enumerate() {
            let (w, l) = if round % 2 == 0 {
                let w = wfx(op);
                (w, tool(args))
            } else {
                let l = tool(args);
                (wfx(op), l)
            };
            times[i][0].push(w);
            times[i][1].push(l);
        }
        let same = run_ok(Command::new("cmp").arg(dir.join("wfx-big.back")).arg(dir.join("lklfs-big.back")));
        assert!(same, "round {round}: the large file came back different through the two");
    }
    println!(
        "{:<22} {:>9} {:>7} {:>11} {:>9} {:>7} {:>11} {:>7} {:>7}",
        "", "plugin s", "cpu s", "plugin MiB", "lklfs s", "cpu s", "lklfs MiB", "ratio", "cpu"
    );
    for (what, [w, l]) in OPS.iter().zip(&times) {
        let fig = |v: &Vec<Figures>| {
            (median(v.iter().map(|f| f.0)), v.iter().map(|f| f.1).fold(0.0, f64::max), median(v.iter().map(|f| f.2)))
        };
        let ((ws, wm, wc), (ls, lm, lc)) = (fig(w), fig(l));
        println!(
            "{what:<22} {ws:>9.2} {wc:>7.2} {wm:>11.1} {ls:>9.2} {lc:>7.2} {lm:>11.1} {:>7.2} {:>7.2}",
            ws / ls,
            wc / lc
        );
    }
    println!(
        "(times: medians of the rounds; ratio: of the wall times, cpu: of the CPU times; memory: the highest peak;"
    );
    println!(" the large file came back the same every round)");
    for (what, [w, l]) in OPS.iter().zip(&times) {
        let each: Vec<String> = w.iter().zip(l).map(|(w, l)| format!("{:.2}/{:.2}", w.0, l.0)).collect();
        println!("  {what}, plugin/lklfs s by round: {}", each.join("  "));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
