//! The built plugin (`libtcplugin.so`, what Double Commander loads as
//! `lklfs.wfx`) loaded with dlopen and driven through its exports as a
//! file manager drives them, on ext4, btrfs, xfs and vfat images made here
//! with mkfs; afterwards each image's own checker and the host kernel (or
//! mtools, for FAT) must agree with what the plugin reported.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, unsafe_code)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The plugin as the file manager sees it; beside this test in `deps`,
/// where `cargo test` builds it (the copy one level up is refreshed by
/// `cargo build` only).
fn load(dir: &Path) -> Wfx {
    common::load(&std::env::current_exe().unwrap().parent().unwrap().join("libtcplugin.so"), dir)
}

fn run(cmd: &mut Command) -> (bool, String) {
    let o = cmd.output().unwrap();
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

/// Makes `name`.img of `mib` MiB with the project's fixed-identity mkfs.
fn image(dir: &Path, name: &str, mib: u64, mkfs: &[&str]) -> PathBuf {
    let path = dir.join(format!("{name}.img"));
    let _ = std::fs::remove_file(&path);
    std::fs::File::create(&path).unwrap().set_len(mib << 20).unwrap();
    let mut args = mkfs.to_vec();
    args.push(path.to_str().unwrap());
    let out = lkl_test_runner::mkfs_command(&args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    path
}

/// After the volume's disconnect: the checker and the host's own view.
fn oracle(kind: &str, img: &Path, big: &[u8]) {
    let (ok, out) = match kind {
        "ext4" => run(Command::new("e2fsck").arg("-fn").arg(img)),
        "btrfs" => run(Command::new("btrfs").args(["check", "--readonly"]).arg(img)),
        "xfs" => run(Command::new("xfs_repair").arg("-n").arg(img)),
        _ => run(Command::new("fsck.vfat").arg("-n").arg(img)),
    };
    assert!(ok, "{kind}: the checker: {out}");
    let copy = img.with_extension("host.bin");
    let _ = std::fs::remove_file(&copy);
    if kind == "vfat" {
        let (ok, out) = run(Command::new("mcopy").arg("-n").arg("-i").arg(img).arg("::/dir/big.bin").arg(&copy));
        assert!(ok, "mcopy: {out}");
        let (_, dir) = run(Command::new("mdir").args(["-b", "-i"]).arg(img).arg("::/dir"));
        assert_eq!(dir.trim(), "::/dir/big.bin", "vfat: the folder as mtools sees it");
    } else {
        let names: Vec<String> = host_view(img, |mnt| {
            let _ = std::fs::copy(mnt.join("dir/big.bin"), &copy);
            std::fs::read_dir(mnt.join("dir"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        });
        assert_eq!(names, vec!["big.bin".to_string()], "{kind}: the folder as the host kernel sees it");
    }
    assert_eq!(std::fs::read(&copy).unwrap(), big, "{kind}: the bytes as the host reads them");
}

/// `f` on `img` as the host kernel mounts it (read-only, a loop mount).
fn host_view<T>(img: &Path, f: impl FnOnce(&Path) -> T) -> T {
    let mnt = img.with_extension("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let (ok, out) = run(Command::new("mount").args(["-o", "loop,ro"]).arg(img).arg(&mnt));
    assert!(ok, "{}: loop mount: {out}", img.display());
    let r = f(&mnt);
    run(Command::new("umount").arg(&mnt));
    r
}

#[test]
fn a_file_manager_drives_the_plugin() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tcplugin");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let kinds: [(&str, u64, &[&str]); 4] = [
        ("ext4", 64, &["mkfs.ext4", "-q", "-F"]),
        ("btrfs", 128, &["mkfs.btrfs", "-q", "-f"]),
        ("xfs", 320, &["mkfs.xfs", "-q", "-f"]),
        ("vfat", 64, &["mkfs.vfat"]),
    ];
    let mut ini = String::from("[lklfs]\nMemoryMiB=96\n");
    let mut images = Vec::new();
    for (kind, mib, mkfs) in kinds {
        let img = image(&dir, kind, mib, mkfs);
        ini.push_str(&format!("\n[volume t-{kind}]\nImage={}\n", img.display()));
        images.push((kind, img));
    }
    // The same ext4 again, read-only; and a truncated image.
    let ro = image(&dir, "ro", 32, &["mkfs.ext4", "-q", "-F"]);
    ini.push_str(&format!("\n[volume ro]\nImage={}\nReadOnly=1\n", ro.display()));
    let bad = dir.join("truncated.img");
    std::fs::write(&bad, &std::fs::read(&images[0].1).unwrap()[..1 << 20]).unwrap();
    ini.push_str(&format!("\n[volume bad]\nImage={}\n", bad.display()));
    // A tree with Linux names, symlinks and modes, made by mkfs.ext4 -d.
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("dir2")).unwrap();
    for (name, text) in
        [("a:b", "colon"), ("back\\slash", "backslash"), ("Case", "upper"), ("case", "lower"), ("setuid", "x")]
    {
        std::fs::write(tree.join(name), text).unwrap();
    }
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tree.join("setuid"), std::fs::Permissions::from_mode(0o4755)).unwrap();
        std::os::unix::fs::symlink("dir2", tree.join("tolink")).unwrap();
        std::os::unix::fs::symlink("Case", tree.join("tofile")).unwrap();
    }
    let names_img = image(&dir, "names", 32, &["mkfs.ext4", "-q", "-F", "-d", tree.to_str().unwrap()]);
    ini.push_str(&format!("\n[volume names]\nImage={}\n", names_img.display()));
    std::fs::write(dir.join("lklfs.ini"), ini).unwrap();
    let big = pattern((9 << 20) + 17, 1);
    std::fs::write(dir.join("big.bin"), &big).unwrap();
    std::fs::write(dir.join("a.txt"), b"hello").unwrap();

    let p = load(&dir);
    let names: Vec<String> = p.list("\\").unwrap().into_iter().map(|e| e.0).collect();
    assert_eq!(
        names,
        ["Add image\u{2026}", "Remove image\u{2026}", "bad", "names", "ro", "t-btrfs", "t-ext4", "t-vfat", "t-xfs"]
    );
    // A damaged image: an error the log explains, and the others go on.
    assert_eq!(p.list("\\bad"), None);
    assert!(LOG.lock().unwrap().iter().any(|(k, t)| *k == 6 && t.contains("truncated.img")), "{:?}", LOG.lock());
    for (kind, _) in &images {
        scenario(&p, &format!("t-{kind}"), &dir);
    }
    assert!(LOG.lock().unwrap().iter().any(|(k, t)| *k == 1 && t == "CONNECT \\t-ext4"), "{:?}", LOG.lock());
    // A read-only volume refuses changes.
    assert_eq!(p.list("\\ro").unwrap().into_iter().map(|e| e.0).collect::<Vec<_>>(), ["lost+found"]);
    assert_eq!(p.put(&dir.join("a.txt"), "\\ro\\a.txt", 0), FS_FILE_WRITEERROR);
    assert_eq!(p.on(p.mkdir, "\\ro\\d"), 0);
    for (kind, img) in &images {
        assert_eq!(p.on(p.disconnect, &format!("\\t-{kind}")), 1, "{kind}: disconnect");
        oracle(kind, img, &big);
    }
    // Used again after its disconnect: mounted again.
    assert_eq!(p.list("\\t-ext4\\dir").unwrap().len(), 1);
    names_links_and_fields(&p, &names_img, &dir);
    add_and_remove(&p, &dir);
    batched(&p, &dir);
}

/// A multi-file copy announced by FsStatusInfo is synced once at its end;
/// its files are all there after the disconnect (e2fsck clean).
fn batched(p: &Wfx, dir: &Path) {
    p.status("\\t-ext4", true, 5);
    for i in 0..3 {
        assert_eq!(p.put(&dir.join("a.txt"), &format!("\\t-ext4\\batch{i}.txt"), 0), FS_FILE_OK);
    }
    p.status("\\t-ext4", false, 5);
    let names: Vec<String> = p.list("\\t-ext4").unwrap().into_iter().map(|e| e.0).collect();
    assert!(["batch0.txt", "batch1.txt", "batch2.txt"].iter().all(|n| names.iter().any(|m| m == n)), "{names:?}");
    assert_eq!(p.on(p.disconnect, "\\t-ext4"), 1);
    let (ok, out) = run(Command::new("e2fsck").arg("-fn").arg(dir.join("ext4.img")));
    assert!(ok, "after the batch: {out}");
}

/// The root's two commands: "Add image…" asks for a path (and whether to
/// open it read-only), "Remove image…" for a volume's name; the ini file
/// keeps what was added.
fn add_and_remove(p: &Wfx, dir: &Path) {
    let extra = image(dir, "extra", 32, &["mkfs.ext4", "-q", "-F"]);
    *ANSWERS.lock().unwrap() = vec![Some(extra.to_str().unwrap().to_string()), None];
    assert_eq!(p.execute("\\Add image\u{2026}", "open").0, 0);
    assert!(p.list("\\").unwrap().iter().any(|e| e.0 == "extra"), "added to the root");
    assert_eq!(p.list("\\extra").unwrap().into_iter().map(|e| e.0).collect::<Vec<_>>(), ["lost+found"]);
    assert_eq!(p.on(p.mkdir, "\\extra\\made"), 1, "read-write, as answered");
    let ini = std::fs::read_to_string(dir.join("lklfs.ini")).unwrap();
    assert!(ini.contains("[volume extra]") && ini.contains(extra.to_str().unwrap()), "{ini}");
    // A cancelled request adds nothing.
    *ANSWERS.lock().unwrap() = vec![None];
    assert_eq!(p.execute("\\Add image\u{2026}", "open").0, 0);
    *ANSWERS.lock().unwrap() = vec![Some("extra".into())];
    assert_eq!(p.execute("\\Remove image\u{2026}", "open").0, 0);
    assert!(!p.list("\\").unwrap().iter().any(|e| e.0 == "extra"), "taken off the root");
    assert!(!std::fs::read_to_string(dir.join("lklfs.ini")).unwrap().contains("[volume extra]"));
    let (ok, out) = run(Command::new("e2fsck").arg("-fn").arg(&extra));
    assert!(ok, "the removed volume's image, unmounted: {out}");
}

/// Linux names Windows cannot show, names differing only in case,
/// symlinks, renames and copies, attributes, times and the content fields,
/// on an ext4 image whose tree mkfs.ext4 made; then the host kernel's view.
fn names_links_and_fields(p: &Wfx, img: &Path, local: &Path) {
    let listed: Vec<String> = p.list("\\names").unwrap().into_iter().map(|e| e.0).collect();
    let want = ["Case", "a\u{f03a}b", "back\u{f05c}slash", "case", "dir2", "lost+found", "setuid", "tofile", "tolink"];
    assert_eq!(listed, want);
    for (name, text) in
        [("a\u{f03a}b", "colon"), ("back\u{f05c}slash", "backslash"), ("Case", "upper"), ("case", "lower")]
    {
        let out = local.join("name-back");
        let _ = std::fs::remove_file(&out);
        assert_eq!(p.get(&format!("\\names\\{name}"), &out, 0), FS_FILE_OK, "{name}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), text, "{name}");
    }
    assert_eq!(p.put(&local.join("a.txt"), "\\names\\x\u{f03a}y", 0), FS_FILE_OK, "a mapped name written back");
    assert_eq!(p.execute("\\names\\tolink", "open"), (-2, "\\names\\dir2".to_string()), "a symlink to a folder");
    assert_eq!(p.execute("\\names\\tofile", "open").0, -1, "a symlink to a file: opened by the file manager");
    assert_eq!(p.execute("\\names\\case", "chmod 600").0, 0);
    assert_eq!(p.execute("\\names\\case", "frobnicate").0, 1);
    // The content fields.
    let mut names = Vec::new();
    for i in 0.. {
        let (mut name, mut units) = ([0u8; 64], [0u8; 64]);
        // SAFETY: 64-byte buffers.
        let t = unsafe { (p.field)(i, name.as_mut_ptr(), units.as_mut_ptr(), 64) };
        if t == 0 {
            break;
        }
        names.push(String::from_utf8_lossy(&name[..name.iter().position(|&b| b == 0).unwrap()]).into_owned());
    }
    assert_eq!(names, ["Unix mode", "Owner", "Group", "Inode", "Links", "Symlink target", "File system"]);
    assert_eq!(p.field_value("\\names\\setuid", 0).unwrap(), "-rwsr-xr-x (4755)");
    assert_eq!(p.field_value("\\names\\case", 0).unwrap(), "-rw------- (0600)");
    assert_eq!(p.field_value("\\names\\Case", 4).unwrap(), "1");
    assert_eq!(p.field_value("\\names\\tolink", 5).unwrap(), "dir2");
    assert_eq!(p.field_value("\\names\\Case", 5), Err(-3), "no symlink target");
    assert_eq!(p.field_value("\\names\\Case", 6).unwrap(), "ext4");
    assert_eq!(p.field_value("\\names\\nothing", 0), Err(-2));
    assert_eq!(p.field_value("\\names\\Case", 7), Err(-1));
    // Renames, moves and copies.
    assert_eq!(p.renmov("\\names\\case", "\\names\\Case", true, false), FS_FILE_EXISTS);
    assert_eq!(p.renmov("\\names\\case", "\\names\\dir2\\lower", true, false), FS_FILE_OK);
    assert_eq!(p.renmov("\\names\\Case", "\\names\\Case2", false, false), FS_FILE_OK);
    assert_eq!(p.renmov("\\names\\Case", "\\t-ext4\\from-names", false, false), FS_FILE_OK, "to another volume");
    assert_eq!(p.renmov("\\names\\Case", "\\ro\\x", false, false), FS_FILE_WRITEERROR, "to a read-only one");
    // Attributes and times: 2001-02-03 04:05:06 UTC as FILETIME.
    let t = (981_173_106u64 + 11_644_473_600) * 10_000_000;
    let ft = [t as u32, (t >> 32) as u32];
    // SAFETY: NUL-terminated names and live FILETIMEs.
    unsafe {
        assert_eq!((p.set_time)(w("\\names\\Case2").as_ptr(), std::ptr::null(), &ft, &ft), 1);
        assert_eq!((p.set_attr)(w("\\names\\Case2").as_ptr(), 1), 1);
    }
    assert_eq!(p.on(p.disconnect, "\\names"), 1);
    let (ok, out) = run(Command::new("e2fsck").arg("-fn").arg(img));
    assert!(ok, "names: e2fsck: {out}");
    let seen = host_view(img, |mnt| {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let colon = std::fs::read_to_string(mnt.join("x:y")).ok()?;
        let lower = std::fs::read_to_string(mnt.join("dir2/lower")).ok()?;
        let m = std::fs::metadata(mnt.join("Case2")).ok()?;
        let copy = std::fs::read_to_string(mnt.join("Case2")).ok()?;
        Some((colon, lower, copy, m.permissions().mode() & 0o777, m.mtime(), mnt.join("case").exists()))
    });
    assert_eq!(
        seen,
        Some(("hello".into(), "lower".into(), "upper".into(), 0o444, 981_173_106, false)),
        "names: the host's view"
    );
}

/// The child of `killed_right_after_a_put`: with TCPLUGIN_KILL_DIR set, it
/// loads the plugin on that folder's ini, puts one file, says so, and
/// waits to be killed (a bounded wait: it ends by itself after a minute).
/// Without the variable it has nothing to do.
#[test]
fn kill_child() {
    let Some(dir) = std::env::var_os("TCPLUGIN_KILL_DIR").map(PathBuf::from) else { return };
    let p = load(&dir);
    assert_eq!(p.put(&dir.join("payload.bin"), "\\victim\\payload.bin", 0), FS_FILE_OK);
    println!("put-done");
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(60));
}

/// A file manager killed right after a put returned: the image is
/// consistent to the put (its journal replayed by e2fsck, then clean) and
/// holds the file.
#[test]
fn killed_right_after_a_put() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tcplugin-kill");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let img = image(&dir, "victim", 64, &["mkfs.ext4", "-q", "-F"]);
    std::fs::write(dir.join("lklfs.ini"), format!("[volume victim]\nImage={}\n", img.display())).unwrap();
    let payload = pattern((5 << 20) + 3, 9);
    std::fs::write(dir.join("payload.bin"), &payload).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "kill_child", "--nocapture", "--test-threads", "1"])
        .env("TCPLUGIN_KILL_DIR", &dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(out).lines() {
            if line.map(|l| l.contains("put-done")).unwrap_or(false) {
                let _ = tx.send(());
                return;
            }
        }
    });
    let done = rx.recv_timeout(std::time::Duration::from_secs(60));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(done.is_ok(), "the child never finished its put");
    // The kill left the journal to replay: e2fsck replays it (exit 0 or
    // 1), and the file system is clean afterwards.
    let o = Command::new("e2fsck").arg("-fy").arg(&img).output().unwrap();
    assert!(o.status.code().is_some_and(|c| c <= 1), "e2fsck -fy: {}", String::from_utf8_lossy(&o.stdout));
    let (ok, out) = run(Command::new("e2fsck").arg("-fn").arg(&img));
    assert!(ok, "e2fsck -fn after the replay: {out}");
    let back = dir.join("back.bin");
    let (ok, out) =
        run(Command::new("debugfs").arg("-R").arg(format!("dump /payload.bin {}", back.display())).arg(&img));
    assert!(ok, "debugfs: {out}");
    assert_eq!(std::fs::read(&back).unwrap(), payload, "the file put before the kill");
}

/// A fresh `dir` with `gpt.img`: a GPT image of two 16 MiB ext4
/// partitions (at 1 and 17 MiB), each holding `which.txt` ("partition
/// one", "partition two").
fn gpt_image(dir: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let img = dir.join("gpt.img");
    std::fs::File::create(&img).unwrap().set_len(40 << 20).unwrap();
    for (n, at) in [("one", 1u64), ("two", 17)] {
        let tree = dir.join(n);
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::write(tree.join("which.txt"), format!("partition {n}\n")).unwrap();
        let offset = format!("offset={}", at << 20);
        let args = ["mkfs.ext4", "-q", "-F", "-E", &offset, "-d", tree.to_str().unwrap(), img.to_str().unwrap(), "16M"];
        let out = lkl_test_runner::mkfs_command(&args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/wine/make-partition-table.py");
    let (ok, out) = run(Command::new("python3").arg(script).args(["gpt", img.to_str().unwrap(), "1:16", "17:16"]));
    assert!(ok, "{out}");
    img
}

/// The machine's disks in the root (`Disks=` names them here: on Windows
/// they are `\\.\PhysicalDriveN`): a disk with Linux partitions and one
/// with a whole ext4 are shown read-only, a FAT disk and a missing one are
/// not; nothing is written to either image.
#[test]
fn disks_with_linux_file_systems_are_found() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tcplugin-disks");
    let gpt = gpt_image(&dir);
    let plain = image(&dir, "plain", 16, &["mkfs.ext4", "-q", "-F"]);
    let fat = image(&dir, "fat", 16, &["mkfs.vfat"]);
    let disks = [&gpt, &fat, &plain, &dir.join("missing.img")].map(|p| p.display().to_string()).join(";");
    std::fs::write(dir.join("lklfs.ini"), format!("[lklfs]\nDisks={disks}\n")).unwrap();
    std::fs::write(dir.join("new.txt"), b"never written").unwrap();
    let before = [std::fs::read(&gpt).unwrap(), std::fs::read(&plain).unwrap()];
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "disks_child", "--nocapture", "--test-threads", "1"])
        .env("TCPLUGIN_DISKS_DIR", &dir)
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&child.stdout), String::from_utf8_lossy(&child.stderr));
    assert!(child.status.success() && log.contains("disks child: done"), "{log}");
    assert!(before[0] == std::fs::read(&gpt).unwrap(), "gpt.img was written");
    assert!(before[1] == std::fs::read(&plain).unwrap(), "plain.img was written");
}

/// The plugin's side of `disks_with_linux_file_systems_are_found`.
#[test]
fn disks_child() {
    let Some(dir) = std::env::var_os("TCPLUGIN_DISKS_DIR").map(PathBuf::from) else { return };
    let p = load(&dir);
    let root = || -> Vec<String> { p.list("\\").unwrap().into_iter().map(|e| e.0).collect() };
    assert_eq!(root(), ["Add image\u{2026}", "Remove image\u{2026}", "gpt.img", "plain.img"]);
    let names: Vec<String> = p.list("\\gpt.img").unwrap().into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["partition 1", "partition 2"]);
    let back = dir.join("which-back.txt");
    assert_eq!(p.get("\\gpt.img\\partition 2\\which.txt", &back, 0), FS_FILE_OK);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "partition two\n");
    assert_eq!(p.put(&dir.join("new.txt"), "\\gpt.img\\partition 1\\new.txt", 0), FS_FILE_WRITEERROR, "read-only");
    assert_eq!(p.on(p.mkdir, "\\plain.img\\d"), 0, "read-only");
    assert!(p.list("\\plain.img").unwrap().iter().any(|e| e.0 == "lost+found"));
    // Mounted (so locked), the disks stay in the root.
    assert_eq!(root(), ["Add image\u{2026}", "Remove image\u{2026}", "gpt.img", "plain.img"]);
    assert_eq!(p.on(p.disconnect, "\\gpt.img"), 1);
    assert_eq!(p.on(p.disconnect, "\\plain.img"), 1);
    println!("disks child: done");
}

/// A GPT image with two ext4 partitions: each a folder `partition N` of
/// its volume, read and written on its own; afterwards each partition's
/// bytes (cut out of the image) pass e2fsck and hold what was written.
#[test]
fn partitions_are_folders() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tcplugin-parts");
    let img = gpt_image(&dir);
    std::fs::write(dir.join("lklfs.ini"), format!("[volume parts]\nImage={}\n", img.display())).unwrap();
    std::fs::write(dir.join("new.txt"), b"written to one").unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "partitions_child", "--nocapture", "--test-threads", "1"])
        .env("TCPLUGIN_PARTS_DIR", &dir)
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "{}{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    let image = std::fs::read(&img).unwrap();
    for (n, at, file, text) in
        [("one", 1usize, "new.txt", "written to one"), ("two", 17, "which.txt", "partition two\n")]
    {
        let part = dir.join(format!("{n}.part"));
        std::fs::write(&part, &image[at << 20..(at + 16) << 20]).unwrap();
        let (ok, out) = run(Command::new("e2fsck").arg("-fn").arg(&part));
        assert!(ok, "partition {n}: {out}");
        let (_, got) = run(Command::new("debugfs").arg("-R").arg(format!("cat /{file}")).arg(&part));
        assert!(got.contains(text), "partition {n}: /{file}: {got}");
    }
}

/// The plugin's side of `partitions_are_folders`, in a process of its own
/// (one plugin per process, as in a file manager).
#[test]
fn partitions_child() {
    let Some(dir) = std::env::var_os("TCPLUGIN_PARTS_DIR").map(PathBuf::from) else { return };
    let p = load(&dir);
    let names: Vec<String> = p.list("\\parts").unwrap().into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["partition 1", "partition 2"]);
    assert_eq!(p.list("\\parts\\partition 3"), None);
    let back = dir.join("which-back.txt");
    assert_eq!(p.get("\\parts\\partition 2\\which.txt", &back, 0), FS_FILE_OK);
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "partition two\n");
    assert_eq!(p.put(&dir.join("new.txt"), "\\parts\\partition 1\\new.txt", 0), FS_FILE_OK);
    assert_eq!(
        p.put(&dir.join("new.txt"), "\\parts\\new.txt", 0),
        FS_FILE_WRITEERROR,
        "the image's own folder holds no files"
    );
    assert_eq!(p.on(p.disconnect, "\\parts"), 1);
}
