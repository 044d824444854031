//! The embedded-kernel half of fs-glue's tests: the glue over `lkl::vfs::KernelVfs` on an
//! ext4 image (mkfs.ext4 defaults, made here) mounted in the library.
//!
//! - `semantic_suite`: every case of the semantic suite, each on a fresh
//!   directory of the image;
//! - `model_vs_host_kernel`: seeded sequences of 10,000 operations through
//!   the glue over the host kernel (a scratch directory on ext4: the system
//!   temp dir, or `$FS_GLUE_SCRATCH`, which tests/suites/30-fs-glue.sh
//!   points at a loop-mounted ext4 image) and over the embedded kernel at
//!   once, compared with the model and with each other after every step;
//!   the failing seed and step are printed.
//!
//! After each run the image is unmounted and `e2fsck -fn` must find it
//! clean; after the model run every seed's directory, copied out of the
//! image by debugfs, must equal the host kernel's directory byte for byte. Each case is a child process (one kernel per process) whose body
//! runs on a thread with the library's stack size (lkl-test-runner).
//! `FS_GLUE_CASE=name` runs a subset of the suite, `FS_GLUE_SEEDS=a..b`
//! other seeds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fs_glue::{MountOptions, Volume};
use fs_glue_testbed::HostVfs;
use fs_glue_testbed::host_env::run_cases;
use fs_glue_testbed::lkl_env::{Embedded, Ext4Image, LklEnv, fresh_dir};
use fs_glue_testbed::model::{GlueSubject, run_seed_pair};
use fs_glue_testbed::scratch::Scratch;
use lkl::vfs::KernelVfs;
use lkl_test_runner::Case;

type R = Result<(), String>;

const STEPS: usize = 10_000;
/// Big enough for every case's files, small enough to mkfs and fsck fast.
const IMAGE_MB: u64 = 128;

fn seeds() -> Result<std::ops::Range<u64>, String> {
    match std::env::var("FS_GLUE_SEEDS") {
        Ok(s) => {
            let bad = || format!("FS_GLUE_SEEDS={s}: want a..b");
            let (a, b) = s.split_once("..").ok_or_else(bad)?;
            Ok(a.parse().map_err(|_| bad())?..b.parse().map_err(|_| bad())?)
        }
        Err(_) => Ok(1..9),
    }
}

/// Unmounts, halts and checks the image; a failure carries the kernel log.
fn finish(emb: Embedded, img: &Ext4Image) -> R {
    emb.finish().map_err(|e| format!("{e}\nkernel log ends with:\n{}", lkl::console_tail()))?;
    img.fsck()?;
    println!("e2fsck -fn {}: clean", img.path().display());
    Ok(())
}

fn semantic_suite() -> R {
    let img = Ext4Image::new("suite", IMAGE_MB)?;
    let emb = Embedded::start(img.path())?;
    let parent = fresh_dir(&emb.kernel, &emb.mounted.path, "semantic")?;
    let filter = std::env::var("FS_GLUE_CASE").unwrap_or_default();
    let k = emb.kernel.clone();
    let (ran, failures) = run_cases(|| LklEnv::new(k.clone(), &parent), &filter);
    drop(k);
    if !failures.is_empty() {
        return Err(format!(
            "{} of {ran} cases failed on the embedded kernel: {failures:#?}\nkernel log ends with:\n{}",
            failures.len(),
            lkl::console_tail()
        ));
    }
    if ran == 0 && filter.is_empty() {
        return Err("no case ran".into());
    }
    println!("semantic suite on the embedded kernel (ext4 image): {ran} cases ok");
    finish(emb, &img)
}

fn model_vs_host_kernel() -> R {
    let img = Ext4Image::new("model", IMAGE_MB)?;
    let emb = Embedded::start(img.path())?;
    let seeds = seeds()?;
    // (host directory, the embedded kernel's directory inside the image),
    // kept until the image has been checked.
    let mut dirs: Vec<(Scratch, String)> = Vec::new();
    for seed in seeds.clone() {
        let host_dir = Scratch::new(&format!("model-{seed}"));
        let host = HostVfs::new(host_dir.path()).map_err(|e| format!("open {}: {e}", host_dir.path().display()))?;
        let lkl_dir = fresh_dir(&emb.kernel, &emb.mounted.path, &format!("model-{seed}"))?;
        let lkl = KernelVfs::new(emb.kernel.clone(), &lkl_dir).map_err(|e| format!("open {lkl_dir:?} = {e}"))?;
        let mut a = GlueSubject::new(Volume::new(host, MountOptions::default()));
        let mut b = GlueSubject::new(Volume::new(lkl, MountOptions::default()));
        run_seed_pair(seed, STEPS, &mut a, &mut b)?;
        let leaked = (a.vol.vfs().open_fds(), b.vol.vfs().open_fds());
        if leaked != (0, 0) {
            return Err(format!("seed {seed}: descriptors leaked (host kernel, embedded kernel) = {leaked:?}"));
        }
        let in_image = lkl_dir.to_string_lossy().strip_prefix(&*emb.mounted.path.to_string_lossy()).map(str::to_string);
        dirs.push((host_dir, in_image.ok_or("volume directory outside the mount")?));
    }
    println!(
        "model test: seeds {}..{} x {STEPS} operations agree between the model, the host kernel and the embedded kernel",
        seeds.start, seeds.end
    );
    finish(emb, &img)?;
    let out = img.path().with_file_name("dump");
    let mut entries = 0;
    for (host_dir, in_image) in &dirs {
        let dumped = img.dump_dir(in_image, &out)?;
        let (want, got) = (tree(host_dir.path())?, tree(&dumped)?);
        if want != got {
            return Err(format!(
                "{in_image} read back by debugfs differs from the host kernel's {}:\n  host:  {want:?}\n  image: {got:?}",
                host_dir.path().display()
            ));
        }
        entries += want.len();
    }
    println!("debugfs: the {} model directories in the image ({entries} entries) equal the host kernel's", dirs.len());
    Ok(())
}

/// Every entry under `root`: relative path -> file contents, or None for a
/// directory.
fn tree(root: &Path) -> Result<BTreeMap<PathBuf, Option<Vec<u8>>>, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let p = e.map_err(|e| e.to_string())?.path();
            let rel = p.strip_prefix(root).map_err(|e| e.to_string())?.to_path_buf();
            if p.is_dir() {
                todo.push(p);
                out.insert(rel, None);
            } else {
                out.insert(rel, Some(std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?));
            }
        }
    }
    Ok(out)
}

fn main() {
    let t = |name, secs, run| Case { name, timeout: Duration::from_secs(secs), run };
    lkl_test_runner::main(
        "fs_glue_embedded",
        &[t("semantic_suite", 120, semantic_suite), t("model_vs_host_kernel", 240, model_vs_host_kernel)],
    )
}
