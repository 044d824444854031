//! Shared pieces of the file-system suites (`tests/*.rs`): scratch
//! directories, host tools (mkfs, fsck, loop mounts, mtools), test block
//! devices, manifests and the tree the suites build.
//!
//! Every case runs in its own process (lkl-test-runner) on a thread with the
//! library's 64 KiB stack, so nothing here recurses or keeps big arrays on
//! the stack.

#![forbid(unsafe_code)]

pub mod crc32c;
pub mod devices;
pub mod host;
pub mod manifest;
pub mod metadata_map;
pub mod mutation;
pub mod sha256;
pub mod tree;
pub mod walk;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The suites' seeded generator lives with the runner, so every test crate
/// shares one.
pub use lkl_test_runner::rng;

use lkl::{BootConfig, Kernel};
use lkl_std_host::{Console, StdHost};

/// Result of a case body.
pub type R<T = ()> = Result<T, String>;

/// Converts any displayable error into the cases' error string.
pub fn es<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A directory under the system temp dir, removed when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// A fresh directory named after the tag and the process.
    pub fn new(tag: &str) -> R<Scratch> {
        let dir = std::env::temp_dir().join(format!("fs-tests-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(es("create scratch dir"))?;
        Ok(Scratch { dir })
    }

    /// A path inside.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Host mounts under the scratch dir are gone by now (their guards
        // drop first); never follow into a mount that is still there.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a command; the output whatever the exit status.
pub fn run_any(cmd: &mut Command) -> R<Output> {
    cmd.output().map_err(|e| format!("{cmd:?}: {e}"))
}

/// Runs a command that must succeed; its stdout.
pub fn run(cmd: &mut Command) -> R<String> {
    let out = run_any(cmd)?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Creates a sparse file of `size_mb` MiB and runs `mkfs` (program and
/// arguments; the image path is appended) on it with a fixed identity.
pub fn mkfs(path: &Path, size_mb: u64, mkfs: &[&str]) -> R {
    let f = std::fs::File::create(path).map_err(es("create image"))?;
    f.set_len(size_mb << 20).map_err(es("size image"))?;
    drop(f);
    run(lkl_test_runner::mkfs_command(mkfs).arg(path)).map(|_| ())
}

/// Boots a kernel with `mem_mb` MiB of memory.
pub fn boot(console: Console, mem_mb: u64) -> R<(Kernel, &'static StdHost)> {
    let host = StdHost::leak(console);
    let cfg = BootConfig { mem_size: mem_mb << 20, ..BootConfig::default() };
    let k = Kernel::boot(host, &cfg).map_err(|e| e.to_string())?;
    Ok((k, host))
}

/// Fails if the console shows a Linux BUG, oops or panic, or if the kernel
/// has died (a dead kernel answers every call with EIO).
pub fn kernel_healthy(k: &Kernel, console: &str) -> R {
    for bad in ["BUG:", "kernel BUG", "Oops", "Kernel panic", "general protection", "stack-protector", "Call Trace"] {
        if console.contains(bad) {
            return Err(format!("kernel console shows {bad:?}:\n{}", lkl::console_tail()));
        }
    }
    k.getpid()
        .map_err(|e| format!("getpid() = {e} after the test: the kernel is dead; tail:\n{}", lkl::console_tail()))?;
    Ok(())
}
