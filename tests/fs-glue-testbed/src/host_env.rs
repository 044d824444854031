//! The suite's [`Env`] over [`HostVfs`]: each volume is a fresh scratch
//! directory.

use crate::HostVfs;
use crate::scratch::Scratch;
use fs_glue::{MountOptions, Volume};
use nt_suite::{Case, Env};

/// Volumes on scratch directories of the host kernel.
#[derive(Default)]
pub struct HostEnv {
    dirs: Vec<Scratch>,
}

impl Env for HostEnv {
    type V = Volume<HostVfs>;

    fn mount(&mut self, opts: MountOptions) -> Volume<HostVfs> {
        self.dirs.push(Scratch::new("suite"));
        self.reopen(opts)
    }

    fn remount(&mut self, old: Volume<HostVfs>, opts: MountOptions) -> Volume<HostVfs> {
        drop(old);
        self.reopen(opts)
    }
}

impl HostEnv {
    fn reopen(&mut self, opts: MountOptions) -> Volume<HostVfs> {
        let dir = self.dirs.last().expect("mount before remount");
        Volume::new(HostVfs::new(dir.path()).expect("open scratch dir"), opts)
    }
}

/// Runs every case whose name contains `filter` with a fresh environment
/// each, and returns the failures as (case, panic message).
pub fn run_cases<E: Env>(mut make_env: impl FnMut() -> E, filter: &str) -> (usize, Vec<(String, String)>) {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (name, case) in nt_suite::cases::<E>() {
        if !name.contains(filter) {
            continue;
        }
        ran += 1;
        let mut env = make_env();
        let case: Case<E> = case;
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&mut env)));
        match r {
            Ok(()) => eprintln!("case {name} ... ok"),
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                eprintln!("case {name} ... FAILED: {msg}");
                failures.push((name.to_string(), msg));
            }
        }
    }
    (ran, failures)
}
