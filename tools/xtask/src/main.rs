//! One entry point for the project's chores:
//!
//! - `cargo xtask setup`: install the Debian packages the build and the tests
//!   need (idempotent; root or sudo);
//! - `cargo xtask build`: build the workspace (the kernel is built once per
//!   configuration into `target/kernel/<hash>`);
//! - `cargo xtask demo`: the main job on a built-in default (`lklfs demo`);
//! - `cargo xtask test`: every test: `cargo test --workspace`, the style
//!   gates (`cargo fmt --check`, clippy with `-D warnings` on Linux and for
//!   the Windows crates), then each `tests/suites/*.sh` in order;
//! - `cargo xtask plugin`: the Total Commander plugin's zip and Double
//!   Commander's `.wfx` in `target/plugin/` (`plugin.rs`);
//! - `cargo xtask dist`: the signed Windows package (driver, tools, plugin,
//!   INF, setup program, docs) in `target/dist/` (`dist.rs`);
//! - `cargo xtask bench`: the benchmarks (figures, not pass/fail): the
//!   kernel's (`library/lkl/examples/bench.rs`), then the disk benchmark (`lklfs bench`)
//!   on ext4, btrfs and xfs, the plugin's (`tools/tcplugin/examples/wfxbench.rs`),
//!   then the driver's under Wine
//!   (`LKLFS_WINE_BENCH=1 tests/suites/20-nt-driver.sh`).

mod dist;
mod plugin;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Packages for the kernel build and the kernel, disk and glue suites.
const PACKAGES: &[&str] = &[
    "linux-source-6.1",
    "flex",
    "bison",
    "bc",
    "libelf-dev",
    "make",
    "xz-utils",
    "patch",
    "util-linux",
    "e2fsprogs",
    "dosfstools",
    "mtools",
    "btrfs-progs",
    "xfsprogs",
];

fn root() -> PathBuf {
    // tools/xtask -> the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("workspace root").to_path_buf()
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: {shown}");
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown}: {status}")) }
}

fn missing_packages<'a>(packages: &[&'a str]) -> Vec<&'a str> {
    packages
        .iter()
        .copied()
        .filter(|p| {
            let out = Command::new("dpkg-query").args(["-W", "-f=${Status}", p]).output();
            !matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect()
}

fn setup() -> Result<(), String> {
    install(PACKAGES)
}

/// Installs whichever of `packages` are missing.
fn install(packages: &[&str]) -> Result<(), String> {
    let missing = missing_packages(packages);
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut c = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            c.arg("apt-get");
        }
        c.args(["-o", "DPkg::Lock::Timeout=900"]).args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut apt(&["update", "-qq"]))?;
    run(apt(&["install", "-y", "-qq"]).args(&missing))
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// The Windows crates, in two groups checked apart: the kernel side builds
/// `lkl` without std and with panic=abort (as `tests/suites/20-nt-driver.sh`
/// builds it), and would get std by feature unification if checked together
/// with the command-line tool. The driver is `#![cfg(windows)]`, so only a
/// clippy for this target sees its code.
const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";
const WINDOWS_KERNEL_SIDE: &[&str] = &["driver", "lkl-ntk-host", "nt", "driver-client"];
const WINDOWS_USER_SIDE: &[&str] = &["lklfs", "tcplugin", "wfx-host", "lklfs-setup"];

/// What `rustup KIND list --installed` names (KIND: component, target);
/// empty if rustup cannot be asked.
fn rustup_installed(kind: &str) -> Vec<String> {
    Command::new("rustup")
        .args([kind, "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(|l| l.trim().to_string()).collect())
        .unwrap_or_default()
}

/// rustfmt and clippy, which a minimal toolchain lacks; idempotent.
fn style_tools() -> Result<(), String> {
    let installed = rustup_installed("component");
    let have = |c: &str| installed.iter().any(|l| l.starts_with(c));
    if have("rustfmt") && have("clippy") {
        return Ok(());
    }
    run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))
}

/// Formatting: checked first, as it takes a second.
fn fmt_check() -> Result<(), String> {
    style_tools()?;
    run(cargo().args(["fmt", "--all", "--check"])).map_err(|e| format!("{e}: run `cargo fmt --all`"))
}

/// Clippy with warnings as errors, on Linux and for the Windows crates.
fn clippy() -> Result<(), String> {
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    windows_tools()?;
    // The driver twice: the product build and the test build.
    let groups: [(&[&str], &str, &[&str]); 3] = [
        (WINDOWS_KERNEL_SIDE, "abort", &[]),
        (WINDOWS_KERNEL_SIDE, "abort", &["--features", "driver/testing"]),
        (WINDOWS_USER_SIDE, "unwind", &[]),
    ];
    for (crates, panic, features) in groups {
        let mut c = nt_cargo("clippy", panic);
        for p in crates {
            c.args(["-p", p]);
        }
        run(c.args(features).args(["--", "-D", "warnings"]))?;
    }
    Ok(())
}

/// `cargo SUBCOMMAND` for the Windows target where the driver suite builds
/// (target/nt, release), so the kernel's COFF conversion is shared with it;
/// the kernel itself comes from the cache `cargo test` fills. `panic`:
/// "abort" for the kernel side, "unwind" for user-mode programs.
fn nt_cargo(subcommand: &str, panic: &str) -> Command {
    let mut c = cargo();
    c.args([subcommand, "--release", "--target", WINDOWS_TARGET, "--target-dir", "target/nt"])
        .env("LKL_KERNEL_CACHE", root().join("target/kernel"))
        .env("CARGO_PROFILE_RELEASE_PANIC", panic);
    c
}

/// Copies a file, the error naming both ends.
fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to).map(drop).map_err(|e| format!("{} -> {}: {e}", from.display(), to.display()))
}

/// Makes a folder and its parents.
fn mkdir(p: &Path) -> Result<(), String> {
    std::fs::create_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))
}

/// The Rust target and mingw-w64 (the linker and the DDK headers) for the
/// Windows crates; idempotent.
fn windows_tools() -> Result<(), String> {
    if !rustup_installed("target").iter().any(|t| t == WINDOWS_TARGET) {
        run(Command::new("rustup").args(["target", "add", WINDOWS_TARGET]))?;
    }
    install(&["gcc-mingw-w64-x86-64"])
}

fn test(extra: &[String]) -> Result<(), String> {
    setup()?;
    let started = Instant::now();
    fmt_check()?;
    run(cargo().args(["test", "--workspace"]).args(extra))?;
    clippy()?;
    let mut suites: Vec<PathBuf> = std::fs::read_dir(root().join("tests/suites"))
        .map(|d| {
            d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "sh")).collect()
        })
        .unwrap_or_default();
    suites.sort();
    for s in suites {
        run(Command::new("bash").arg(&s).current_dir(root()))?;
    }
    eprintln!("xtask: all tests passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cmd, rest) = match args.split_first() {
        Some((c, r)) => (c.as_str(), r),
        None => ("help", &[][..]),
    };
    let result = match cmd {
        "setup" => setup(),
        "build" => setup().and_then(|_| run(cargo().args(["build", "--workspace", "--release"]))),
        "demo" => setup().and_then(|_| run(cargo().args(["run", "--release", "-p", "lklfs", "--", "demo"]).args(rest))),
        "test" => test(rest),
        "plugin" => setup().and_then(|_| plugin::package()),
        "dist" => setup().and_then(|_| dist::package()),
        "bench" => setup().and_then(|_| {
            run(cargo().args(["run", "--release", "-p", "lkl", "--example", "bench", "--"]).args(rest))?;
            // The disk benchmark: library, lklfs, host loop mount (and
            // fuse2fs for ext4), on ext4, btrfs and xfs.
            run(cargo().args(["run", "--release", "-p", "lklfs", "--", "bench", "--fs", "ext4,btrfs,xfs"]))?;
            // The Total Commander plugin's exports beside lklfs get/put.
            run(cargo().args(["build", "--release", "-p", "tcplugin", "-p", "lklfs"]))?;
            run(cargo().args(["run", "--release", "-p", "tcplugin", "--example", "wfxbench"]))?;
            // The cache layering: the common routines with the recording
            // fake of Windows' Cache Manager beside the library alone.
            run(cargo().args(["run", "--release", "-p", "fsd", "--features", "fake", "--example", "cachebench"]))?;
            // The driver under Wine beside the Linux-native library.
            run(Command::new("bash")
                .arg(root().join("tests/suites/20-nt-driver.sh"))
                .env("LKLFS_WINE_BENCH", "1")
                .current_dir(root()))
        }),
        _ => {
            eprintln!("usage: cargo xtask setup|build|demo|test|plugin|dist|bench");
            return ExitCode::from(if cmd == "help" { 0 } else { 2 });
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: failed: {e}");
            ExitCode::FAILURE
        }
    }
}
