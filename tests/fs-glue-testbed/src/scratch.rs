//! Scratch directories for tests, removed on drop.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh empty directory under the system temp dir (or `$FS_GLUE_SCRATCH`,
/// e.g. a loop-mounted ext4), removed with its contents on drop.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// Creates `<base>/fs-glue-<pid>-<n>-<tag>`.
    pub fn new(tag: &str) -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::var_os("FS_GLUE_SCRATCH").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = base.join(format!("fs-glue-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create scratch dir");
        Scratch { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Make read-only leftovers removable first.
        let _ = std::process::Command::new("chmod").arg("-R").arg("u+rwx").arg(&self.path).status();
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
