//! `lklfs demo`, the project's main job on a built-in default: show the
//! embedded kernel's banner, make a small ext4 image with mkfs.ext4 in a
//! temporary directory, and run the tool's own commands on it as a user
//! would, printing each step.

use std::path::{Path, PathBuf};
use std::process::Command;

use lkl::{BootConfig, Kernel, sys};
use lkl_std_host::{Console, StdHost};

use crate::error::{ErrnoContext, Error, IoContext, Kind, Result};

/// Finds a host tool, also in the sbin directories a non-root PATH lacks.
pub fn host_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn banner() -> Result<()> {
    let host = StdHost::leak(Console::Capture);
    let k = Kernel::boot(host, &BootConfig::default()).map_err(|e| Error::new(Kind::Other, e.to_string()))?;
    let text = host.console_text();
    if let Some(line) = text.lines().find(|l| l.starts_with("Linux version")) {
        println!("{line}");
    }
    let up = k.clock_gettime(sys::CLOCK_MONOTONIC).ctx("clock_gettime");
    if let Ok(up) = &up {
        println!("booted in-process; uptime {}.{:06} s", up.tv_sec, up.tv_nsec / 1000);
    }
    k.halt().ctx("halt")?;
    up.map(|_| ())
}

/// A deterministic pseudo-random byte stream (xorshift64*).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn step(dir: &Path, shown: &str, cmd: &mut Command) -> Result<()> {
    println!("\n$ {shown}");
    let status = cmd.current_dir(dir).status().io_ctx(shown)?;
    if status.success() { Ok(()) } else { Err(Error::new(Kind::Other, format!("demo step failed: {shown}: {status}"))) }
}

fn lklfs(dir: &Path, args: &[&str]) -> Result<()> {
    let exe = std::env::current_exe().io_ctx("current_exe")?;
    step(dir, &format!("lklfs {}", args.join(" ")), Command::new(exe).args(args))
}

fn same_tree(a: &Path, b: &Path) -> Result<()> {
    for e in std::fs::read_dir(a).io_ctx(a.display())? {
        let e = e.io_ctx(a.display())?;
        let (pa, pb) = (e.path(), b.join(e.file_name()));
        if pa.is_dir() {
            same_tree(&pa, &pb)?;
        } else if std::fs::read(&pa).io_ctx(pa.display())? != std::fs::read(&pb).io_ctx(pb.display())? {
            return Err(Error::new(Kind::Other, format!("{} differs from {}", pb.display(), pa.display())));
        }
    }
    Ok(())
}

fn demo_in(dir: &Path) -> Result<()> {
    println!("== the embedded kernel");
    banner()?;

    println!("\n== a fresh 64 MiB ext4 image, made by the host's mkfs.ext4 in {}", dir.display());
    let img = dir.join("demo.img");
    std::fs::File::create(&img).and_then(|f| f.set_len(64 << 20)).io_ctx(img.display())?;
    let mkfs = host_tool("mkfs.ext4")
        .ok_or_else(|| Error::new(Kind::NotFound, "mkfs.ext4 not found (apt install e2fsprogs)"))?;
    step(
        dir,
        "mkfs.ext4 -q -F -L lklfs-demo demo.img",
        Command::new(mkfs).args(["-q", "-F", "-L", "lklfs-demo", "demo.img"]),
    )?;

    let tree = dir.join("photos");
    std::fs::create_dir_all(tree.join("2024")).io_ctx(tree.display())?;
    std::fs::write(tree.join("README.txt"), "Hello from the host, copied by Linux's own ext4 code.\n")
        .io_ctx("write")?;
    std::fs::write(tree.join("2024/beach.raw"), noise(3 << 20, 7)).io_ctx("write")?;
    std::fs::write(tree.join("2024/empty"), b"").io_ctx("write")?;
    println!("\n== the tool on it (each step is a new process: boot, mount, work, unmount, halt)");
    lklfs(dir, &["info", "demo.img"])?;
    lklfs(dir, &["ls", "demo.img", "/"])?;
    lklfs(dir, &["put", "demo.img", "photos", "/"])?;
    lklfs(dir, &["mkdir", "-p", "demo.img", "/archive/old"])?;
    lklfs(dir, &["mv", "demo.img", "/photos/2024/empty", "/archive/old"])?;
    lklfs(dir, &["ls", "demo.img", "/photos/2024"])?;
    lklfs(dir, &["cat", "demo.img", "/photos/README.txt"])?;
    lklfs(dir, &["stat", "demo.img", "/photos/2024/beach.raw"])?;
    lklfs(dir, &["df", "demo.img"])?;
    lklfs(dir, &["get", "demo.img", "/photos", "copy"])?;
    std::fs::rename(tree.join("2024/empty"), dir.join("moved-empty")).io_ctx("rename")?;
    same_tree(&tree, &dir.join("copy"))?;
    println!("\nthe tree copied back out is byte-for-byte the tree put in");
    if let Some(fsck) = host_tool("e2fsck") {
        step(dir, "e2fsck -fn demo.img", Command::new(fsck).args(["-fn", "demo.img"]))?;
    }
    println!("\ndemo finished: the image is consistent for the host's own checker");
    Ok(())
}

/// Runs the demonstration in a temporary directory, removed afterwards.
pub fn run() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("lklfs-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).io_ctx(dir.display())?;
    let r = demo_in(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    r
}
