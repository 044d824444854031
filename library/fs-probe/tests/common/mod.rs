//! What the image tests share: images made at test time through the
//! project's fixed-identity mkfs wrapper, their heads, and blkid as the oracle
//! nobody here wrote.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use fs_probe::HEAD_LEN;

/// Makes `name`.img of `mib` MiB with `mkfs` (tool and options; the image
/// path is appended) under this crate's test scratch directory.
pub fn image(name: &str, mib: u64, mkfs: &[&str]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fs-probe");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.img"));
    let _ = std::fs::remove_file(&path);
    std::fs::File::create(&path).unwrap().set_len(mib << 20).unwrap();
    let mut args = mkfs.to_vec();
    let shown = path.to_str().unwrap();
    args.push(shown);
    let out = lkl_test_runner::mkfs_command(&args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    path
}

/// The first HEAD_LEN bytes of `path`.
pub fn head(path: &PathBuf) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEAD_LEN);
    std::fs::File::open(path).unwrap().take(HEAD_LEN as u64).read_to_end(&mut h).unwrap();
    assert_eq!(h.len(), HEAD_LEN);
    h
}

/// One tag as blkid's low-level probe reports it ("" when absent).
pub fn blkid(path: &PathBuf, tag: &str) -> String {
    let blkid = ["/usr/sbin/blkid", "/sbin/blkid"].into_iter().find(|p| std::path::Path::new(p).exists());
    let out = Command::new(blkid.unwrap_or("blkid")).args(["-p", "-o", "value", "-s", tag]).arg(path).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim_end_matches('\n').to_string()
}
