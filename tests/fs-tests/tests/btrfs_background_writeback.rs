//! btrfs background writeback of many unsynced files finishes: 400 files
//! of 5,000 bytes written without fsync on a 2 GiB btrfs, then unmount;
//! and 400 small files on a 128 MiB btrfs, where file creation has to wait
//! for btrfs to flush space reservations. Both once hung in the library:
//! btrfs's reclaim and writeback wait in schedule_timeout, whose timer
//! never fired while the port's tick ran without interrupt registers
//! (library/lkl/tests/disk_smoke.rs, timer_wheel_commit, tests the timer itself).

#![forbid(unsafe_code)]

use std::ffi::CString;
use std::sync::Arc;
use std::time::Duration;

use fs_tests::{R, Scratch, boot, es, mkfs};
use lkl::{MountOptions, sys};
use lkl_std_host::{Console, FileDevice};
use lkl_test_runner::{Case, check, ensure};

fn dirty_files(image_mb: u64, files: usize, size: usize) -> R {
    let s = Scratch::new("btrfs-writeback")?;
    let img = s.path("fs.img");
    mkfs(&img, image_mb, &["mkfs.btrfs", "-q", "-f"])?;
    let (k, _) = boot(Console::Stderr, 256)?;
    let disk = check!(k.add_disk(Arc::new(FileDevice::open(&img, false).map_err(es("open"))?)), "add_disk");
    let m = k.mount_disk(&disk, &MountOptions::default()).map_err(|e| format!("mount: {e}"))?;
    let root = m.path.to_str().map_err(es("path"))?.to_string();
    let data = vec![7u8; size];
    for i in 0..files {
        let p = CString::new(format!("{root}/f{i:04}")).map_err(es("path"))?;
        let fd = check!(k.open(&p, sys::O_CREAT | sys::O_WRONLY | sys::O_CLOEXEC, 0o644), "open({p:?})");
        let n = check!(k.write(fd, &data), "write({p:?})");
        ensure!(n == size, "short write {n}");
        check!(k.close(fd), "close");
    }
    check!(k.unmount(&m), "umount2");
    check!(k.remove_disk(disk), "remove_disk");
    check!(k.halt(), "halt");
    fs_tests::host::btrfs_check_clean(&img)
}

fn unmount_after_400_dirty_files() -> R {
    dirty_files(2048, 400, 5000)
}

fn create_on_small_btrfs() -> R {
    dirty_files(128, 400, 100)
}

fn main() {
    let t = |name, run| Case { name, timeout: Duration::from_secs(30), run };
    lkl_test_runner::main(
        "btrfs_background_writeback",
        &[
            t("unmount_after_400_dirty_files", unmount_after_400_dirty_files),
            t("create_on_small_btrfs", create_on_small_btrfs),
        ],
    )
}
