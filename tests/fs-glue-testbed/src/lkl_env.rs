//! fs-glue on the embedded kernel: [`LklEnv`], the semantic suite's
//! environment over [`KernelVfs`] (the glue's `Vfs` on `lkl`, the same one
//! the driver ships), and [`Ext4Image`] / [`Embedded`], the ext4 image and
//! the booted kernel that mounts it.
//!
//! Linux may only be entered from threads with [`lkl_abi::THREAD_STACK_SIZE`]
//! of stack: everything here is meant to run in an `lkl-test-runner` case
//! body (see `tests/embedded.rs`), never on libtest's threads.

use fs_glue::{MountOptions, Vfs, Volume};
use lkl::vfs::KernelVfs;
use lkl::{BootConfig, Disk, Kernel, Mounted};
use lkl_std_host::{Console, FileDevice, StdHost};
use nt_suite::Env;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh directory under `parent` inside the library, named uniquely for
/// this process (`<parent>/<tag>-<n>`).
pub fn fresh_dir(k: &Kernel, parent: &CStr, tag: &str) -> Result<CString, String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = format!("{}/{tag}-{n}", parent.to_string_lossy());
    let c = CString::new(path.clone()).map_err(|e| e.to_string())?;
    k.mkdir(&c, 0o755).map_err(|e| format!("mkdir({path:?}) = {e}"))?;
    Ok(c)
}

/// The semantic suite's environment on the embedded kernel: every
/// [`Env::mount`] is a fresh empty directory of the mounted ext4 file
/// system, as [`crate::host_env::HostEnv`] uses fresh host directories.
/// The directories stay on the image, so the final e2fsck sees what every
/// case left behind.
pub struct LklEnv {
    k: Arc<Kernel>,
    parent: CString,
    dirs: Vec<CString>,
}

impl LklEnv {
    /// Volumes under `parent` (the mount point, or a directory below it).
    pub fn new(k: Arc<Kernel>, parent: &CStr) -> LklEnv {
        LklEnv { k, parent: parent.to_owned(), dirs: Vec::new() }
    }
}

impl Env for LklEnv {
    type V = Volume<KernelVfs>;

    fn mount(&mut self, opts: MountOptions) -> Volume<KernelVfs> {
        let dir = fresh_dir(&self.k, &self.parent, "suite").expect("make the volume's directory");
        self.dirs.push(dir);
        self.reopen(opts)
    }

    fn remount(&mut self, old: Volume<KernelVfs>, opts: MountOptions) -> Volume<KernelVfs> {
        drop(old);
        self.reopen(opts)
    }
}

impl LklEnv {
    fn reopen(&mut self, mut opts: MountOptions) -> Volume<KernelVfs> {
        let dir = self.dirs.last().expect("mount before remount");
        let vfs = KernelVfs::new(self.k.clone(), dir).expect("open the volume's directory");
        // Every volume is a directory of one file system, whose label is
        // the one the volume has (as the driver reads it from the disk).
        let mut label = [0u8; lkl_abi::sys::FSLABEL_MAX];
        vfs.get_fs_label(vfs.root(), &mut label).expect("FS_IOC_GETFSLABEL");
        let n = label.iter().position(|&c| c == 0).unwrap_or(label.len());
        opts.label = String::from_utf8_lossy(&label[..n]).into_owned();
        Volume::new(vfs, opts)
    }
}

/// Finds a tool that may live in an sbin directory not on a user's PATH.
fn tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/sbin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// An ext4 image made with `mkfs.ext4`'s defaults and the label
/// [`Ext4Image::LABEL`] in a fresh temporary directory, removed on drop.
pub struct Ext4Image {
    dir: PathBuf,
    path: PathBuf,
}

impl Ext4Image {
    /// The label of every image.
    pub const LABEL: &str = "DATA";

    /// Makes a `size_mb` MiB image.
    pub fn new(tag: &str, size_mb: u64) -> Result<Ext4Image, String> {
        let dir = std::env::temp_dir().join(format!("fs-glue-lkl-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let path = dir.join("ext4.img");
        let img = Ext4Image { dir, path };
        let f = std::fs::File::create(&img.path).map_err(|e| format!("create {}: {e}", img.path.display()))?;
        f.set_len(size_mb << 20).map_err(|e| e.to_string())?;
        let out = lkl_test_runner::mkfs_command(&["mkfs.ext4", "-q", "-F", "-L", Ext4Image::LABEL])
            .arg(&img.path)
            .output()
            .map_err(|e| format!("mkfs.ext4: {e}"))?;
        if !out.status.success() {
            return Err(format!("mkfs.ext4 failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(img)
    }

    /// The image file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the directory `fs_path` (a path inside the file system) out
    /// of the image with `debugfs -R rdump` into `out`, as
    /// `out/<last component>`: e2fsprogs' own reading of what was written.
    pub fn dump_dir(&self, fs_path: &str, out: &Path) -> Result<PathBuf, String> {
        let name = fs_path.rsplit('/').next().unwrap_or(fs_path);
        let _ = std::fs::remove_dir_all(out.join(name));
        std::fs::create_dir_all(out).map_err(|e| format!("mkdir {}: {e}", out.display()))?;
        let req = format!("rdump {fs_path} {}", out.display());
        let o = Command::new(tool("debugfs"))
            .arg("-R")
            .arg(&req)
            .arg(&self.path)
            .output()
            .map_err(|e| format!("debugfs: {e}"))?;
        let dumped = out.join(name);
        if !o.status.success() || !dumped.is_dir() {
            return Err(format!("debugfs -R {req:?} = {}: {}", o.status, String::from_utf8_lossy(&o.stderr)));
        }
        Ok(dumped)
    }

    /// `e2fsck -fn`: Ok if the file system is clean, else its report.
    pub fn fsck(&self) -> Result<(), String> {
        let out =
            Command::new(tool("e2fsck")).arg("-fn").arg(&self.path).output().map_err(|e| format!("e2fsck: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "e2fsck -fn {} = {}:\n{}{}",
            self.path.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Drop for Ext4Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The embedded kernel, booted with one image mounted read-write.
pub struct Embedded {
    /// The kernel; [`KernelVfs`] volumes hold clones.
    pub kernel: Arc<Kernel>,
    disk: Disk,
    /// Where the image is mounted inside the library.
    pub mounted: Mounted,
}

impl Embedded {
    /// Boots (once per process), adds `image` as a disk and mounts it.
    pub fn start(image: &Path) -> Result<Embedded, String> {
        let k = Kernel::boot(StdHost::leak(Console::Capture), &BootConfig::default()).map_err(|e| e.to_string())?;
        let dev = FileDevice::open(image, false).map_err(|e| format!("open {}: {e}", image.display()))?;
        let disk = k.add_disk(Arc::new(dev)).map_err(|e| format!("add_disk = {e}"))?;
        let mounted = k.mount_disk(&disk, &lkl::MountOptions::default()).map_err(|e| format!("mount: {e}"))?;
        if mounted.fstype != "ext4" {
            return Err(format!("mounted as {}, want ext4", mounted.fstype));
        }
        Ok(Embedded { kernel: Arc::new(k), disk, mounted })
    }

    /// Unmounts (every block is on the image afterwards), removes the disk
    /// and halts. Every [`KernelVfs`] must have been dropped.
    pub fn finish(self) -> Result<(), String> {
        let Embedded { kernel, disk, mounted } = self;
        let k = Arc::try_unwrap(kernel).map_err(|_| "a volume still holds the kernel".to_string())?;
        k.unmount(&mounted).map_err(|e| format!("umount({:?}) = {e}", mounted.path))?;
        k.remove_disk(disk).map_err(|e| format!("remove_disk = {e}"))?;
        k.halt().map_err(|e| format!("halt = {e}"))
    }
}
