//! First contact with disks: mkfs an image on the host, mount it in the
//! library, write, unmount, and let the file system's own checker judge.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lkl::sys;
use lkl::{BlockDevice, BootConfig, Kernel, MountOptions};
use lkl_std_host::{Console, FileDevice, StdHost};
use lkl_test_runner::{Case, check, ensure};

type R = Result<(), String>;

fn image(name: &str, mkfs: &[&str], size_mb: u64) -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("lkl-disk-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(name);
    let f = std::fs::File::create(&path).map_err(|e| e.to_string())?;
    f.set_len(size_mb << 20).map_err(|e| e.to_string())?;
    let out = lkl_test_runner::mkfs_command(mkfs).arg(&path).output().map_err(|e| format!("{}: {e}", mkfs[0]))?;
    ensure!(out.status.success(), "{mkfs:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(path)
}

fn write_tree(k: &Kernel, root: &str) -> R {
    let dir = std::ffi::CString::new(format!("{root}/dir")).unwrap();
    check!(k.mkdir(&dir, 0o755), "mkdir({dir:?})");
    for i in 0..20 {
        let p = std::ffi::CString::new(format!("{root}/dir/file{i}")).unwrap();
        let fd = check!(k.open(&p, sys::O_CREAT | sys::O_WRONLY, 0o644), "open({p:?})");
        let data = vec![i as u8; 10_000 * (i + 1)];
        let n = check!(k.write(fd, &data), "write({p:?})");
        ensure!(n == data.len(), "short write {n}");
        check!(k.fsync(fd), "fsync({p:?})");
        check!(k.close(fd), "close");
    }
    Ok(())
}

fn roundtrip(mkfs: &[&str], fsck: &[&str], want_type: &str) -> R {
    roundtrip_with(mkfs, fsck, want_type, 64, "")
}

fn roundtrip_with(mkfs: &[&str], fsck: &[&str], want_type: &str, size_mb: u64, options: &str) -> R {
    let img = image("fs.img", mkfs, size_mb)?;
    let host = StdHost::leak(Console::Stderr);
    let config = BootConfig { mem_size: 256 << 20, ..BootConfig::default() };
    let k = Kernel::boot(host, &config).map_err(|e| e.to_string())?;
    let dev = FileDevice::open(&img, false).map_err(|e| e.to_string())?;
    let disk = check!(k.add_disk(Arc::new(dev)), "add_disk");
    let opts = MountOptions { options: options.to_string(), ..MountOptions::default() };
    let m = k.mount_disk(&disk, &opts).map_err(|e| format!("mount: {e}"))?;
    ensure!(m.fstype == want_type, "detected {} want {want_type}", m.fstype);
    write_tree(&k, m.path.to_str().unwrap())?;
    check!(k.unmount(&m), "umount");
    // The image is complete right after umount, before halt.
    let out = Command::new(fsck[0]).args(&fsck[1..]).arg(&img).output().map_err(|e| e.to_string())?;
    ensure!(
        out.status.success(),
        "{fsck:?} after umount: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Mount again and read back.
    let m = k.mount_disk(&disk, &MountOptions::default()).map_err(|e| format!("second mount: {e}"))?;
    for i in 0..20 {
        let p = std::ffi::CString::new(format!("{}/dir/file{i}", m.path.to_str().unwrap())).unwrap();
        let st = check!(k.stat(&p), "stat({p:?})");
        ensure!(st.st_size == 10_000 * (i + 1), "size of {p:?} is {}", st.st_size);
    }
    check!(k.unmount(&m), "umount");
    check!(k.remove_disk(disk), "remove_disk");
    check!(k.halt(), "halt");
    let _ = std::fs::remove_file(&img);
    Ok(())
}

fn ext4_defaults() -> R {
    roundtrip(&["mkfs.ext4", "-q", "-F"], &["e2fsck", "-fn"], "ext4")
}

fn ext2() -> R {
    roundtrip(&["mkfs.ext2", "-q", "-F"], &["e2fsck", "-fn"], "ext4")
}

fn vfat() -> R {
    roundtrip(&["mkfs.vfat"], &["fsck.vfat", "-n"], "vfat")
}

fn btrfs() -> R {
    roundtrip_with(&["mkfs.btrfs", "-q", "-f"], &["btrfs", "check", "--readonly"], "btrfs", 128, "")
}

fn btrfs_zstd() -> R {
    roundtrip_with(&["mkfs.btrfs", "-q", "-f"], &["btrfs", "check", "--readonly"], "btrfs", 128, "compress=zstd")
}

fn xfs() -> R {
    roundtrip_with(&["mkfs.xfs", "-q", "-f"], &["xfs_repair", "-n"], "xfs", 320, "")
}

fn xfs_rmapbt() -> R {
    roundtrip_with(&["mkfs.xfs", "-q", "-f", "-m", "rmapbt=1"], &["xfs_repair", "-n"], "xfs", 320, "")
}

fn xfs_v4() -> R {
    roundtrip_with(&["mkfs.xfs", "-q", "-f", "-m", "crc=0"], &["xfs_repair", "-n"], "xfs", 320, "")
}

/// Counts what reaches the device, so a test can see Linux write on its own.
struct Counting {
    inner: FileDevice,
    writes: AtomicU64,
}

impl BlockDevice for Counting {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn sector_size(&self) -> u32 {
        self.inner.sector_size()
    }
    fn read_only(&self) -> bool {
        self.inner.read_only()
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), lkl::Errno> {
        self.inner.read_at(buf, offset)
    }
    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), lkl::Errno> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.write_at(buf, offset)
    }
    fn flush(&self) -> Result<(), lkl::Errno> {
        self.inner.flush()
    }
}

/// Timer-wheel timers expire: ext4 mounted with commit=1 writes a file's
/// data and its journal commit within seconds of the write, with no
/// further call from us (jbd2's commit timer is a mod_timer timer; the
/// port once ran the tick without interrupt registers, so such timers
/// never fired and writers throttled by balance_dirty_pages slept forever).
fn timer_wheel_commit() -> R {
    let img = image("commit.img", &["mkfs.ext4", "-q", "-F"], 64)?;
    let host = StdHost::leak(Console::Stderr);
    let config = BootConfig { mem_size: 128 << 20, ..BootConfig::default() };
    let k = Kernel::boot(host, &config).map_err(|e| e.to_string())?;
    let dev = Arc::new(Counting {
        inner: FileDevice::open(&img, false).map_err(|e| e.to_string())?,
        writes: AtomicU64::new(0),
    });
    let disk = check!(k.add_disk(dev.clone()), "add_disk");
    let opts = MountOptions { options: "commit=1".into(), ..MountOptions::default() };
    let m = k.mount_disk(&disk, &opts).map_err(|e| format!("mount: {e}"))?;
    let p = std::ffi::CString::new(format!("{}/late", m.path.to_str().unwrap())).unwrap();
    let fd = check!(k.open(&p, sys::O_CREAT | sys::O_WRONLY, 0o644), "open");
    check!(k.write(fd, &[5u8; 8192]), "write");
    check!(k.close(fd), "close");
    let before = dev.writes.load(Ordering::SeqCst);
    let start = std::time::Instant::now();
    while dev.writes.load(Ordering::SeqCst) == before {
        ensure!(
            start.elapsed() < Duration::from_secs(20),
            "no write reached the device 20 s after a write with commit=1"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    check!(k.unmount(&m), "umount");
    check!(k.remove_disk(disk), "remove_disk");
    check!(k.halt(), "halt");
    let _ = std::fs::remove_file(&img);
    Ok(())
}

fn main() {
    let t = |name, run| Case { name, timeout: Duration::from_secs(120), run };
    lkl_test_runner::main(
        "disk_smoke",
        &[
            t("ext4_defaults", ext4_defaults),
            t("ext2", ext2),
            t("vfat", vfat),
            t("btrfs", btrfs),
            t("btrfs_zstd", btrfs_zstd),
            t("xfs", xfs),
            t("xfs_rmapbt", xfs_rmapbt),
            t("xfs_v4", xfs_v4),
            t("timer_wheel_commit", timer_wheel_commit),
        ],
    )
}
