//! Durability: the image is complete the moment `umount2` returns; power
//! cut at every flush of a recorded ext3/ext4 run leaves a file system that
//! recovers clean with every fsynced file intact; a disk that dies mid-run
//! gives the caller an I/O error and leaves the process healthy; a
//! read-only mount of a dirty journal never writes the image and shows what
//! a journal replay shows.

#![forbid(unsafe_code)]

use std::ffi::CString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fs_tests::devices::{FailingDevice, MemDevice, Op, RecordingDevice, apply};
use fs_tests::host::{self, HostMount};
use fs_tests::manifest::{self, Flavor};
use fs_tests::rng::Rng;
use fs_tests::sha256::digest;
use fs_tests::tree::{Lib, Written};
use fs_tests::{R, Scratch, boot, es, kernel_healthy, mkfs, run};
use lkl::{MountOptions, sys};
use lkl_std_host::{Console, CowDevice, FileDevice};
use lkl_test_runner::{Case, check, ensure};

fn mount_opts() -> MountOptions {
    MountOptions { fstype: Some("ext4".into()), ..MountOptions::default() }
}

/// Files written with no fsync at all must be on the image, complete and
/// checker-clean, as soon as `umount2` returns (no sync, no halt between).
fn umount_is_enough(mkfs_args: &[&str], fat: bool) -> R {
    let s = Scratch::new("umount")?;
    let img = s.path("fs.img");
    mkfs(&img, 64, mkfs_args)?;
    let (k, _) = boot(Console::Stderr, 64)?;
    let disk = check!(k.add_disk(Arc::new(FileDevice::open(&img, false).map_err(es("open"))?)), "add_disk");
    let m = k.mount_disk(&disk, &MountOptions::default()).map_err(|e| format!("mount: {e}"))?;
    let l = Lib { k: &k, root: m.path.to_str().map_err(es("path"))?.into() };
    let mut w = Written::new();
    l.mkdir("nosync", 0o755)?;
    for i in 0..60u64 {
        let rel = format!("nosync/f{i}");
        w.insert(rel.clone(), l.write_random(&rel, i * 7919 % 400_000, i, false)?);
    }
    check!(k.umount2(&m.path, 0), "umount2({:?}, 0)", m.path);
    // Judge the image now, while the kernel still runs.
    if fat {
        host::fsck_vfat_clean(&img)?;
        host::mtools_extract(&img, &s.path("out"))?;
        let seen = manifest::from_host(&s.path("out"), false)?;
        for (p, h) in &w {
            ensure!(seen.get(p).and_then(|e| e.sha256) == Some(*h), "{p}: not complete on the image after umount2");
        }
    } else {
        host::e2fsck_clean(&img)?;
        let mnt = HostMount::new(&img, &s.path("mnt"), true)?;
        let seen = manifest::from_host(mnt.path(), true)?;
        mnt.unmount()?;
        for (p, h) in &w {
            ensure!(seen.get(p).and_then(|e| e.sha256) == Some(*h), "{p}: not complete on the image after umount2");
        }
    }
    println!("{} files complete and clean right after umount2", w.len());
    check!(k.remove_disk(disk), "remove_disk");
    check!(k.halt(), "halt");
    Ok(())
}

fn umount_is_enough_ext4() -> R {
    umount_is_enough(&["mkfs.ext4", "-q", "-F"], false)
}

fn umount_is_enough_ext2() -> R {
    umount_is_enough(&["mkfs.ext2", "-q", "-F"], false)
}

fn umount_is_enough_vfat() -> R {
    umount_is_enough(&["mkfs.vfat"], true)
}

/// A file that was fsynced: where, what, and the log length when fsync
/// returned (every op before that position had completed).
struct Synced {
    rel: String,
    sha: [u8; 32],
    log_len: usize,
}

/// Writes, fsyncs, renames, unlinks and truncates in a seeded mix; files
/// that are fsynced are never touched again, so they must survive any
/// later cut. `synced` is told about each fsync as it returns.
fn workload(l: &Lib, seed: u64, rounds: usize, mut synced: impl FnMut(&str, [u8; 32])) -> R {
    let mut rng = Rng::new(seed);
    let mut scratch: Vec<String> = Vec::new();
    l.mkdir("w", 0o755)?;
    for i in 0..rounds {
        let size = 1024 + rng.below(160 * 1024);
        let rel = format!("w/f{i}");
        if i % 2 == 0 {
            let sha = l.write_random(&rel, size, rng.next_u64(), true)?;
            synced(&rel, sha);
        } else {
            l.write_random(&rel, size, rng.next_u64(), false)?;
            scratch.push(rel);
        }
        if i % 5 == 4 && scratch.len() >= 2 {
            let d = format!("w/d{i}");
            l.mkdir(&d, 0o755)?;
            let a = scratch.remove(0);
            let moved = format!("{d}/moved");
            l.rename(&a, &moved, 0)?;
            let b = scratch.remove(0);
            l.unlink(&b, false)?;
            l.truncate(&moved, size / 3)?;
            scratch.push(moved);
        }
    }
    Ok(())
}

/// Cuts power at every flush of a recorded run (at most `max_cuts`, evenly
/// spread) and checks each crash image: the host kernel replays the journal
/// on a copy, every file fsynced before the cut reads back intact, and
/// `e2fsck -fn` then finds nothing to fix.
fn power_cuts(mkfs_args: &[&str], seed: u64) -> R {
    let s = Scratch::new("cuts")?;
    let img = s.path("base.img");
    mkfs(&img, 32, mkfs_args)?;
    let base = std::fs::read(&img).map_err(es("read base"))?;
    let (k, _) = boot(Console::Stderr, 64)?;
    let dev = Arc::new(RecordingDevice::new(base.clone()));
    let disk = check!(k.add_disk(dev.clone()), "add_disk");
    let m = k.mount_disk(&disk, &mount_opts()).map_err(|e| format!("mount: {e}"))?;
    let l = Lib { k: &k, root: m.path.to_str().map_err(es("path"))?.into() };
    let mut synced = Vec::new();
    workload(&l, seed, 70, |rel, sha| synced.push(Synced { rel: rel.into(), sha, log_len: dev.log_len() }))?;
    check!(k.unmount(&m), "umount2");
    kernel_healthy(&k, "")?;
    check!(k.remove_disk(disk), "remove_disk");
    check!(k.halt(), "halt");

    let log = dev.log();
    let flushes: Vec<usize> = log.iter().enumerate().filter(|(_, o)| matches!(o, Op::Flush)).map(|(i, _)| i).collect();
    let writes = log.iter().filter(|o| matches!(o, Op::Write { .. })).count();
    ensure!(flushes.len() >= 30, "only {} flushes in the run", flushes.len());
    const MAX_CUTS: usize = 48;
    let step = flushes.len().div_ceil(MAX_CUTS);
    let mut cuts: Vec<usize> = flushes.iter().copied().step_by(step).collect();
    if cuts.last() != flushes.last() {
        cuts.extend(flushes.last());
    }
    println!("{writes} writes, {} flushes, {} fsyncs; checking {} cut points", flushes.len(), synced.len(), cuts.len());
    let mut image = dev.base().to_vec();
    let mut applied = 0;
    let copy = s.path("cut.img");
    let mut checked_files = 0;
    for (n, &cut) in cuts.iter().enumerate() {
        // Keep the writes completed before this flush finished; drop the rest.
        apply(&mut image, &log[applied..cut]);
        applied = cut;
        std::fs::write(&copy, &image).map_err(es("write cut image"))?;
        let ctx = |e: String| format!("cut {n} at op {cut} of {}: {e}", log.len());
        let mnt = HostMount::new(&copy, &s.path("mnt"), false).map_err(ctx)?;
        for f in synced.iter().filter(|f| f.log_len <= cut + 1) {
            let data = std::fs::read(mnt.path().join(&f.rel)).map_err(|e| ctx(format!("fsynced {}: {e}", f.rel)))?;
            ensure!(
                digest(&data) == f.sha,
                "{}",
                ctx(format!("fsynced {} ({} bytes) has other contents", f.rel, data.len()))
            );
            checked_files += 1;
        }
        mnt.unmount().map_err(ctx)?;
        host::e2fsck_clean(&copy).map_err(ctx)?;
    }
    println!("{} cut points recovered clean; {checked_files} fsynced-file checks passed", cuts.len());
    Ok(())
}

fn power_cuts_ext4() -> R {
    power_cuts(&["mkfs.ext4", "-q", "-F", "-b", "4096"], 11)
}

fn power_cuts_ext4_1k() -> R {
    power_cuts(&["mkfs.ext4", "-q", "-F", "-b", "1024"], 12)
}

fn power_cuts_ext3() -> R {
    power_cuts(&["mkfs.ext3", "-q", "-F"], 13)
}

/// A disk whose writes start failing after N of them: the caller gets an
/// I/O error, the process stays healthy, and what reached the medium is a
/// crash state that recovers clean.
fn failing_disk() -> R {
    let s = Scratch::new("failing")?;
    let img = s.path("base.img");
    mkfs(&img, 32, &["mkfs.ext4", "-q", "-F"])?;
    let base = std::fs::read(&img).map_err(es("read base"))?;
    let (k, _) = boot(Console::Stderr, 64)?;
    // How many writes the whole run makes on a disk that never fails.
    let total = {
        let dev = Arc::new(FailingDevice::new(base.clone(), u64::MAX));
        let disk = check!(k.add_disk(dev.clone()), "add_disk");
        let m = k.mount_disk(&disk, &mount_opts()).map_err(|e| format!("mount: {e}"))?;
        workload(&Lib { k: &k, root: m.path.to_str().map_err(es("path"))?.into() }, 5, 30, |_, _| {})?;
        check!(k.unmount(&m), "umount2");
        check!(k.remove_disk(disk), "remove_disk");
        dev.writes()
    };
    let mut saw_eio = 0;
    for budget in [0, 1, 3, total / 10, total / 3, total / 2, total * 9 / 10, total - 1] {
        let dev = Arc::new(FailingDevice::new(base.clone(), budget));
        let disk = check!(k.add_disk(dev.clone()), "add_disk(budget {budget})");
        let outcome = match k.mount_disk(&disk, &mount_opts()) {
            Err(e) => format!("mount failed: {}", e.errno),
            Ok(m) => {
                let l = Lib { k: &k, root: m.path.to_str().map_err(es("path"))?.into() };
                let r = workload(&l, 5, 30, |_, _| {});
                // Unmounting a file system whose disk died must not hang or
                // crash; its result is whatever Linux reports.
                let u = k.unmount(&m);
                match r {
                    Ok(()) => format!("workload ok, umount {u:?}"),
                    Err(e) => {
                        ensure!(e.contains("EIO") || e.contains("EROFS"), "budget {budget}: not an I/O error: {e}");
                        saw_eio += 1;
                        format!("workload failed: {e}; umount {u:?}")
                    }
                }
            }
        };
        println!("budget {budget}/{total}: {outcome}; {} refused requests", dev.failures());
        check!(k.remove_disk(disk), "remove_disk(budget {budget})");
        kernel_healthy(&k, "")?;
        // What reached the medium is a prefix of the writes: a crash state.
        let copy = s.path("after.img");
        std::fs::write(&copy, dev.snapshot()).map_err(es("write copy"))?;
        host::e2fsck_replay_journal(&copy).map_err(|e| format!("budget {budget}: {e}"))?;
        host::e2fsck_clean(&copy).map_err(|e| format!("budget {budget}: {e}"))?;
    }
    ensure!(saw_eio >= 4, "only {saw_eio} runs saw an I/O error");
    // Still healthy: a fresh disk mounts, takes a file, unmounts clean.
    let dev = Arc::new(MemDevice::new(base, false));
    let disk = check!(k.add_disk(dev.clone()), "add_disk(healthy)");
    let m = k.mount_disk(&disk, &mount_opts()).map_err(|e| format!("mount after failures: {e}"))?;
    Lib { k: &k, root: m.path.to_str().map_err(es("path"))?.into() }.write_random("ok", 100_000, 1, true)?;
    check!(k.unmount(&m), "umount2");
    check!(k.remove_disk(disk), "remove_disk");
    let copy = s.path("healthy.img");
    std::fs::write(&copy, dev.snapshot()).map_err(es("write copy"))?;
    host::e2fsck_clean(&copy)?;
    check!(k.halt(), "halt");
    Ok(())
}

/// Environment variable that turns this binary into the dirty-journal
/// helper: it mounts the image named there, writes and fsyncs, and exits
/// without unmounting, so the journal stays dirty.
const DIRTY_HELPER: &str = "FS_TESTS_MAKE_DIRTY_JOURNAL";

fn dirty_helper(img: &Path) -> R {
    let (k, _) = boot(Console::Stderr, 64)?;
    let disk = check!(k.add_disk(Arc::new(FileDevice::open(img, false).map_err(es("open"))?)), "add_disk");
    let m = k.mount_disk(&disk, &mount_opts()).map_err(|e| format!("mount: {e}"))?;
    let l = Lib { k: &k, root: m.path.to_str().map_err(es("path"))?.into() };
    l.mkdir("journal", 0o755)?;
    for i in 0..20u64 {
        l.write_random(&format!("journal/f{i}"), 3000 * i, 100 + i, true)?;
    }
    l.setxattr("journal/f3", "user.note", b"written before the crash")?;
    l.chmod("journal/f4", 0o600)?;
    l.rename("old/keep", "journal/renamed", 0)?;
    l.unlink("old/gone", false)?;
    // fsync of the directory commits the transaction holding the rename
    // and the unlink.
    l.with_fd("journal", sys::O_RDONLY | sys::O_DIRECTORY, |fd| {
        k.fsync(fd).map_err(|e| format!("fsync(journal) = {e}"))
    })?;
    // Exit with the file system mounted: nothing checkpoints the journal.
    std::process::exit(0)
}

fn sha_file(p: &Path) -> R<[u8; 32]> {
    let data = std::fs::read(p).map_err(es("read image"))?;
    Ok(digest(&data))
}

fn ro_dirty_journal() -> R {
    let s = Scratch::new("dirty")?;
    let img = s.path("fs.img");
    mkfs(&img, 32, &["mkfs.ext4", "-q", "-F"])?;
    {
        let mnt = HostMount::new(&img, &s.path("prep"), false)?;
        std::fs::create_dir(mnt.path().join("old")).map_err(es("mkdir"))?;
        std::fs::write(mnt.path().join("old/keep"), b"keep me").map_err(es("write"))?;
        std::fs::write(mnt.path().join("old/gone"), b"delete me").map_err(es("write"))?;
        mnt.unmount()?;
    }
    let exe = std::env::current_exe().map_err(es("current_exe"))?;
    let out = std::process::Command::new(exe)
        .env(DIRTY_HELPER, &img)
        .env_remove("LKL_RUNNER_CASE")
        .output()
        .map_err(es("helper"))?;
    ensure!(out.status.success(), "helper: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    let header = run(std::process::Command::new("dumpe2fs").arg("-h").arg(&img))?;
    ensure!(header.contains("needs_recovery"), "the helper left a clean journal:\n{header}");
    let before = sha_file(&img)?;

    // The library, read-only, over a copy-on-write overlay.
    let (k, _) = boot(Console::Stderr, 64)?;
    let file = FileDevice::open(&img, true).map_err(es("open read-only"))?;
    let cow = Arc::new(CowDevice::new(Arc::new(file)));
    let disk = check!(k.add_disk(cow.clone()), "add_disk");
    let m = k
        .mount_disk(&disk, &MountOptions { read_only: true, ..MountOptions::default() })
        .map_err(|e| format!("read-only mount of a dirty journal: {e}"))?;
    let root = m.path.to_str().map_err(es("path"))?.to_string();
    let seen = manifest::from_library(&k, &root)?;
    let probe = CString::new(format!("{root}/journal/new")).map_err(es("path"))?;
    let refused = k.open(&probe, sys::O_CREAT | sys::O_WRONLY, 0o644);
    ensure!(refused == Err(lkl::Errno::EROFS), "create on a read-only mount = {refused:?}");
    check!(k.unmount(&m), "umount2");
    check!(k.remove_disk(disk), "remove_disk");
    kernel_healthy(&k, "")?;
    check!(k.halt(), "halt");
    ensure!(cow.dirty_sectors() > 0, "the journal replay wrote nothing to the overlay");
    ensure!(sha_file(&img)? == before, "the image changed under a read-only mount");

    // The host kernel's view of a replayed copy.
    let copy = s.path("copy.img");
    std::fs::copy(&img, &copy).map_err(es("copy"))?;
    let mnt = HostMount::new(&copy, &s.path("mnt"), false)?;
    let host_view = manifest::from_host(mnt.path(), true)?;
    mnt.unmount()?;
    ensure!(
        host_view.contains_key("journal/renamed") && !host_view.contains_key("old/gone"),
        "the replay lost the last operations"
    );
    manifest::compare(Flavor::Posix, "library (read-only)", &seen, "host kernel after replay", &host_view)?;
    println!("image unchanged ({} sectors kept in memory)", cow.dirty_sectors());
    Ok(())
}

fn main() {
    if let Some(img) = std::env::var_os(DIRTY_HELPER) {
        let img = std::path::PathBuf::from(img);
        // Linux is only called from threads with the library's stack size.
        let t = std::thread::Builder::new().stack_size(lkl_abi::THREAD_STACK_SIZE).spawn(move || dirty_helper(&img));
        let r = t
            .map_err(|e| e.to_string())
            .and_then(|t| t.join().map_err(|_| "helper panicked".to_string()))
            .and_then(|r| r);
        eprintln!("dirty-journal helper: {r:?}");
        std::process::exit(1);
    }
    let t = |name, secs, run| Case { name, timeout: Duration::from_secs(secs), run };
    lkl_test_runner::main(
        "durability",
        &[
            t("umount_is_enough_ext4", 60, umount_is_enough_ext4),
            t("umount_is_enough_ext2", 60, umount_is_enough_ext2),
            t("umount_is_enough_vfat", 60, umount_is_enough_vfat),
            t("power_cuts_ext4", 240, power_cuts_ext4),
            t("power_cuts_ext4_1k", 240, power_cuts_ext4_1k),
            t("power_cuts_ext3", 240, power_cuts_ext3),
            t("failing_disk", 120, failing_disk),
            t("ro_dirty_journal", 60, ro_dirty_journal),
        ],
    )
}
