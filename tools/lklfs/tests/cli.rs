//! End-to-end tests of the built `lklfs` binary on images made at test time
//! with the host's mkfs tools (ext2/3/4, vfat, btrfs, xfs): copies both ways compared byte for byte,
//! the output of every read-only command, the namespace commands, and every
//! error with its exit code and message. Each case runs in its own process
//! with a timeout (the per-process runner); every command it runs has a
//! timeout of its own.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lkl::{BootConfig, Kernel, MountOptions, sys};
use lkl_std_host::{Console, FileDevice, StdHost};
use lkl_test_runner::rng::Rng;
use lkl_test_runner::{Case, check, ensure};
use sha2::{Digest, Sha256};

type R = Result<(), String>;

/// Exit codes, as `lklfs --help` documents them.
const NOT_FOUND: i32 = 3;
const NOT_FS: i32 = 4;
const CORRUPT: i32 = 5;
const NO_SPACE: i32 = 6;
const READ_ONLY: i32 = 7;
const IN_USE: i32 = 8;
const MOUNTED: i32 = 9;

/// Longest any single command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` with a timeout; stdout and stderr are drained on threads.
fn run_cmd(cmd: &mut Command) -> Result<Out, String> {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{shown}: {e}"))?;
    let mut o = child.stdout.take().ok_or("stdout")?;
    let mut e = child.stderr.take().ok_or("stderr")?;
    let to = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = o.read_to_end(&mut s);
        s
    });
    let te = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = e.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        match child.try_wait().map_err(|e| format!("{shown}: {e}"))? {
            Some(st) => break st,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{shown}: timed out"));
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let stdout = String::from_utf8_lossy(&to.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&te.join().unwrap_or_default()).into_owned();
    Ok(Out { code: status.code().unwrap_or(-1), stdout, stderr })
}

fn lklfs(args: &[&str]) -> Result<Out, String> {
    run_cmd(Command::new(env!("CARGO_BIN_EXE_lklfs")).args(args))
}

/// Runs lklfs and requires success.
fn ok(args: &[&str]) -> Result<String, String> {
    let o = lklfs(args)?;
    ensure!(o.code == 0, "lklfs {args:?} exited {}:\n{}{}", o.code, o.stdout, o.stderr);
    Ok(o.stdout)
}

/// Runs lklfs and requires exit code `code` and `needle` in its error.
fn fails(args: &[&str], code: i32, needle: &str) -> R {
    let o = lklfs(args)?;
    ensure!(o.code == code, "lklfs {args:?} exited {} (want {code}):\n{}{}", o.code, o.stdout, o.stderr);
    ensure!(o.stderr.contains(needle), "lklfs {args:?}: stderr lacks {needle:?}:\n{}", o.stderr);
    ensure!(o.stderr.starts_with("lklfs: "), "lklfs {args:?}: error not prefixed:\n{}", o.stderr);
    Ok(())
}

fn tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn host(name: &str, args: &[&str]) -> Result<Out, String> {
    run_cmd(Command::new(tool(name)).args(args))
}

/// A fresh directory for one case.
fn workdir(case: &str) -> Result<PathBuf, String> {
    let d = std::env::temp_dir().join(format!("lklfs-cli-{}-{case}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
    Ok(d)
}

/// A `size_mb` image made by `mkfs` (program and options).
fn image(dir: &Path, name: &str, size_mb: u64, mkfs: &[&str]) -> Result<String, String> {
    let p = dir.join(name);
    std::fs::File::create(&p).and_then(|f| f.set_len(size_mb << 20)).map_err(|e| e.to_string())?;
    let path = p.to_string_lossy().into_owned();
    if !mkfs.is_empty() {
        let mut args: Vec<&str> = mkfs.to_vec();
        args.push(&path);
        let o = host(lkl_test_runner::MKFS_FIXED, &args)?;
        ensure!(o.code == 0, "{mkfs:?}: {}{}", o.stdout, o.stderr);
    }
    Ok(path)
}

fn ext4(dir: &Path, name: &str, size_mb: u64) -> Result<String, String> {
    image(dir, name, size_mb, &["mkfs.ext4", "-q", "-F"])
}

fn e2fsck_clean(img: &str) -> R {
    let o = host("e2fsck", &["-fn", img])?;
    ensure!(o.code == 0, "e2fsck -fn {img} exited {}:\n{}{}", o.code, o.stdout, o.stderr);
    Ok(())
}

fn sha(path: &str) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(Sha256::digest(&bytes).to_vec())
}

fn set_mode(p: &Path, mode: u32) -> R {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(|e| e.to_string())
}

fn set_mtime(p: &Path, secs: u64) -> R {
    let f = std::fs::File::open(p).map_err(|e| e.to_string())?;
    f.set_modified(UNIX_EPOCH + Duration::from_secs(secs)).map_err(|e| e.to_string())
}

/// A tree of nested directories and files of 0 bytes to a few MiB with
/// random content, modes and (even) mtimes; with a symlink if `links`.
fn make_tree(root: &Path, seed: u64, links: bool) -> R {
    let mut rng = Rng::new(seed);
    let dirs = ["", "a", "a/b", "a/b/c", "empty-dir", "d"];
    for d in dirs {
        std::fs::create_dir_all(root.join(d)).map_err(|e| e.to_string())?;
    }
    let sizes = [0usize, 1, 511, 512, 4096, 4097, 65_536, 1 << 20, (3 << 20) + 123, 5 << 20];
    for (i, size) in sizes.iter().enumerate() {
        let d = dirs[i % 4];
        let p = root.join(d).join(format!("file{i}.bin"));
        std::fs::write(&p, rng.bytes(*size)).map_err(|e| e.to_string())?;
        set_mode(&p, [0o644, 0o600, 0o755, 0o640][i % 4])?;
        set_mtime(&p, 1_600_000_000 + 2 * (rng.next_u64() % 10_000_000))?;
    }
    for i in 0..40 {
        let p = root.join("d").join(format!("small-{i:02}.txt"));
        let n = rng.below(3000) as usize;
        std::fs::write(&p, rng.bytes(n)).map_err(|e| e.to_string())?;
    }
    if links {
        std::os::unix::fs::symlink("a/b/file1.bin", root.join("link")).map_err(|e| e.to_string())?;
    }
    for d in dirs.iter().rev() {
        set_mtime(&root.join(d), 1_500_000_000 + 2 * d.len() as u64)?;
    }
    Ok(())
}

/// Compares two host trees: names, types, bytes; modes if `modes`; mtimes
/// within `mtime_slack` seconds.
fn same_tree(a: &Path, b: &Path, modes: bool, mtime_slack: i64) -> R {
    use std::os::unix::fs::MetadataExt;
    let ma = std::fs::symlink_metadata(a).map_err(|e| format!("{}: {e}", a.display()))?;
    let mb = std::fs::symlink_metadata(b).map_err(|e| format!("{}: {e}", b.display()))?;
    ensure!(ma.file_type() == mb.file_type(), "{}: type differs", b.display());
    if ma.file_type().is_symlink() {
        ensure!(std::fs::read_link(a).ok() == std::fs::read_link(b).ok(), "{}: link target differs", b.display());
        return Ok(());
    }
    if modes {
        ensure!(
            ma.mode() & 0o7777 == mb.mode() & 0o7777,
            "{}: mode {:o} != {:o}",
            b.display(),
            mb.mode() & 0o7777,
            ma.mode() & 0o7777
        );
    }
    ensure!((ma.mtime() - mb.mtime()).abs() <= mtime_slack, "{}: mtime {} != {}", b.display(), mb.mtime(), ma.mtime());
    if ma.is_dir() {
        let names = |p: &Path| -> Result<Vec<String>, String> {
            let mut v: Vec<String> = std::fs::read_dir(p)
                .map_err(|e| e.to_string())?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            Ok(v)
        };
        let (na, nb) = (names(a)?, names(b)?);
        ensure!(na == nb, "{}: entries {nb:?} != {na:?}", b.display());
        for n in na {
            same_tree(&a.join(&n), &b.join(&n), modes, mtime_slack)?;
        }
    } else {
        let (da, db) = (std::fs::read(a).map_err(|e| e.to_string())?, std::fs::read(b).map_err(|e| e.to_string())?);
        ensure!(da == db, "{}: contents differ ({} vs {} bytes)", b.display(), db.len(), da.len());
    }
    Ok(())
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn roundtrip_ext4() -> R {
    let d = workdir("rt-ext4")?;
    let img = ext4(&d, "fs.img", 64)?;
    let tree = d.join("tree");
    make_tree(&tree, 1, true)?;
    ok(&["put", &img, &s(&tree), "/"])?;
    e2fsck_clean(&img)?;
    ok(&["get", &img, "/tree", &s(&d.join("back"))])?;
    same_tree(&tree, &d.join("back"), true, 0)?;
    // A second put over the existing tree replaces files in place.
    ok(&["put", &img, &s(&tree), "/"])?;
    let listing = ok(&["ls", &img, "/tree"])?;
    ensure!(listing.contains("link -> a/b/file1.bin"), "symlink not listed:\n{listing}");
    e2fsck_clean(&img)?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn roundtrip_vfat() -> R {
    let d = workdir("rt-vfat")?;
    let img = image(&d, "fat.img", 64, &["mkfs.vfat", "-n", "TESTFAT"])?;
    let tree = d.join("tree");
    make_tree(&tree, 2, false)?;
    ok(&["put", &img, &s(&tree), "/"])?;
    let o = host("fsck.vfat", &["-n", &img])?;
    ensure!(o.code == 0, "fsck.vfat -n: {}{}", o.stdout, o.stderr);
    ok(&["get", &img, "/tree", &s(&d.join("back"))])?;
    // FAT keeps neither Unix modes nor odd seconds.
    same_tree(&tree, &d.join("back"), false, 1)?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn line_with<'a>(text: &'a str, prefix: &str) -> Result<&'a str, String> {
    text.lines().find(|l| l.starts_with(prefix)).ok_or_else(|| format!("no {prefix:?} line in:\n{text}"))
}

fn inspect_ext4() -> R {
    let d = workdir("inspect")?;
    let uuid = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5";
    let img = image(&d, "fs.img", 64, &["mkfs.ext4", "-q", "-F", "-L", "photos", "-U", uuid])?;
    let info = ok(&["info", &img])?;
    ensure!(line_with(&info, "type:")? == "type: ext4", "{info}");
    ensure!(line_with(&info, "label:")? == "label: photos", "{info}");
    ensure!(line_with(&info, "uuid:")? == format!("uuid: {uuid}"), "{info}");
    ensure!(line_with(&info, "size:")?.starts_with("size: 67108864 "), "{info}");
    ensure!(line_with(&info, "state:")? == "state: clean", "{info}");
    let features = line_with(&info, "features:")?;
    for f in ["has_journal", "extent", "64bit", "flex_bg", "metadata_csum", "huge_file", "dir_nlink"] {
        ensure!(features.split(' ').any(|x| x == f), "feature {f} missing: {features}");
    }
    let f = d.join("note.txt");
    std::fs::write(&f, b"twelve bytes").map_err(|e| e.to_string())?;
    set_mode(&f, 0o640)?;
    set_mtime(&f, 1_700_000_000)?;
    ok(&["put", &img, &s(&f), "/"])?;
    let ls = ok(&["ls", &img, "/"])?;
    let line = ls.lines().find(|l| l.ends_with(" note.txt")).ok_or(format!("note.txt not listed:\n{ls}"))?;
    ensure!(line.starts_with("-rw-r----- "), "{line}");
    ensure!(line.contains(" 12 2023-11-14 22:13:20 note.txt"), "{line}");
    ensure!(ls.lines().any(|l| l.starts_with("drwx------") && l.ends_with(" lost+found")), "{ls}");
    let st = ok(&["stat", &img, "/note.txt"])?;
    for want in [
        "type: regular file",
        "size: 12",
        "mode: 0640 (-rw-r-----)",
        "links: 1",
        "modify: 2023-11-14 22:13:20.000000000 UTC",
    ] {
        ensure!(st.lines().any(|l| l == want), "stat lacks {want:?}:\n{st}");
    }
    let cat = ok(&["cat", &img, "/note.txt"])?;
    ensure!(cat == "twelve bytes", "cat gave {cat:?}");
    let df = ok(&["df", &img])?;
    ensure!(line_with(&df, "file system:")?.starts_with("file system: ext4 on /dev/vda"), "{df}");
    let size: u64 = line_with(&df, "size:")?.split(' ').nth(1).and_then(|n| n.parse().ok()).ok_or(df.clone())?;
    ensure!(size > 50 << 20 && size <= 64 << 20, "df size {size}");
    ensure!(line_with(&df, "inodes:")?.contains("total"), "{df}");
    // ext2 and ext3 are told apart by their features.
    for (t, mkfs) in [("ext2", "mkfs.ext2"), ("ext3", "mkfs.ext3")] {
        let i = image(&d, &format!("{t}.img"), 16, &[mkfs, "-q", "-F"])?;
        let info = ok(&["info", &i])?;
        ensure!(line_with(&info, "type:")? == format!("type: {t}"), "{info}");
        ok(&["put", &i, &s(&f), "/"])?;
        ensure!(ok(&["cat", &i, "/note.txt"])? == "twelve bytes", "{t} cat");
        e2fsck_clean(&i)?;
    }
    let fat = image(&d, "fat.img", 32, &["mkfs.vfat", "-n", "CAMERA", "-i", "1234ABCD"])?;
    let info = ok(&["info", &fat])?;
    ensure!(line_with(&info, "type:")? == "type: vfat (FAT16)", "{info}");
    ensure!(line_with(&info, "label:")? == "label: CAMERA", "{info}");
    ensure!(line_with(&info, "uuid:")? == "uuid: 1234-ABCD", "{info}");
    ensure!(line_with(&info, "state:")? == "state: clean", "{info}");
    let df = ok(&["df", &fat])?;
    ensure!(line_with(&df, "file system:")?.starts_with("file system: vfat"), "{df}");
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

/// The file system's own checker must find `img` clean.
fn checker_clean(prog: &str, args: &[&str], img: &str) -> R {
    let mut a = args.to_vec();
    a.push(img);
    let o = host(prog, &a)?;
    ensure!(o.code == 0, "{prog} {a:?} exited {}:\n{}{}", o.code, o.stdout, o.stderr);
    Ok(())
}

/// put/get/ls/stat/df/info on a btrfs or xfs image made with `mkfs`;
/// `info` must name `want_type`, the label and UUID mkfs was given, and
/// `features`.
fn btrfs_xfs_case(
    case: &str,
    size_mb: u64,
    mkfs: &[&str],
    check: (&str, &[&str]),
    want_type: &str,
    features: &[&str],
) -> R {
    let d = workdir(case)?;
    let img = image(&d, "fs.img", size_mb, mkfs)?;
    let info = ok(&["info", &img])?;
    ensure!(line_with(&info, "type:")? == format!("type: {want_type}"), "{info}");
    ensure!(line_with(&info, "label:")? == "label: pictures", "{info}");
    ensure!(line_with(&info, "uuid:")? == format!("uuid: {UUID}"), "{info}");
    ensure!(line_with(&info, "block size:")? == "block size: 4096", "{info}");
    ensure!(line_with(&info, "size:")?.starts_with(&format!("size: {} ", size_mb << 20)), "{info}");
    let listed = line_with(&info, "features:")?;
    for f in features {
        ensure!(listed.split(' ').any(|x| x == *f), "feature {f} missing: {listed}");
    }
    let tree = d.join("tree");
    make_tree(&tree, 3, true)?;
    ok(&["put", &img, &s(&tree), "/"])?;
    checker_clean(check.0, check.1, &img)?;
    ok(&["get", &img, "/tree", &s(&d.join("back"))])?;
    same_tree(&tree, &d.join("back"), true, 0)?;
    let listing = ok(&["ls", &img, "/tree"])?;
    ensure!(listing.contains("link -> a/b/file1.bin"), "symlink not listed:\n{listing}");
    let st = ok(&["stat", &img, "/tree/a/file1.bin"])?;
    ensure!(st.lines().any(|l| l == "type: regular file"), "{st}");
    let df = ok(&["df", &img])?;
    let fs = want_type.split(' ').next().unwrap_or(want_type);
    ensure!(line_with(&df, "file system:")?.starts_with(&format!("file system: {fs} on /dev/vda")), "{df}");
    ok(&["rm", "-r", &img, "/tree/a"])?;
    ok(&["mv", &img, "/tree", "/moved"])?;
    ensure!(ok(&["ls", &img, "/"])?.contains(" moved"), "mv did not show");
    checker_clean(check.0, check.1, &img)?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

const UUID: &str = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5";

fn btrfs() -> R {
    btrfs_xfs_case(
        "btrfs",
        128,
        &["mkfs.btrfs", "-q", "-f", "-L", "pictures", "-U", UUID],
        ("btrfs", &["check", "--readonly"]),
        "btrfs",
        &["no_holes", "skinny_metadata", "extended_iref", "free_space_tree"],
    )?;
    // Generation and the raw flag words come from the superblock too.
    let d = workdir("btrfs-info")?;
    let img = image(&d, "fs.img", 128, &["mkfs.btrfs", "-q", "-f", "-O", "^no-holes"])?;
    let info = ok(&["info", &img])?;
    ensure!(line_with(&info, "generation:")?.len() > "generation: ".len(), "{info}");
    ensure!(line_with(&info, "checksum:")? == "checksum: crc32c", "{info}");
    ensure!(line_with(&info, "state:")? == "state: clean", "{info}");
    ensure!(!line_with(&info, "features:")?.contains("no_holes"), "{info}");
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn xfs() -> R {
    btrfs_xfs_case(
        "xfs",
        320,
        &["mkfs.xfs", "-q", "-f", "-L", "pictures", "-m", &format!("uuid={UUID},rmapbt=1")],
        ("xfs_repair", &["-n"]),
        "xfs (v5)",
        &["crc", "finobt", "rmapbt", "reflink", "bigtime", "inobtcount", "sparse", "ftype"],
    )?;
    let d = workdir("xfs-v4")?;
    let img = image(&d, "fs.img", 320, &["mkfs.xfs", "-q", "-f", "-m", "crc=0"])?;
    let info = ok(&["info", &img])?;
    ensure!(line_with(&info, "type:")? == "type: xfs (v4)", "{info}");
    let f = line_with(&info, "features:")?;
    ensure!(!f.contains("crc") && !f.contains("finobt"), "{info}");
    ensure!(line_with(&info, "inode size:")? == "inode size: 256", "{info}");
    let note = d.join("note.txt");
    std::fs::write(&note, b"v4 note").map_err(|e| e.to_string())?;
    ok(&["put", &img, &s(&note), "/"])?;
    ensure!(ok(&["cat", &img, "/note.txt"])? == "v4 note", "v4 cat");
    checker_clean("xfs_repair", &["-n"], &img)?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn namespace() -> R {
    let d = workdir("namespace")?;
    let img = ext4(&d, "fs.img", 32)?;
    ok(&["mkdir", "-p", &img, "/a/b/c", "/x"])?;
    ok(&["mkdir", "-p", &img, "/a/b"])?;
    fails(&["mkdir", &img, "/x/y/z"], NOT_FOUND, "/x/y/z: No such file or directory (ENOENT)")?;
    fails(&["mkdir", &img, "/x"], 1, "File exists (EEXIST)")?;
    let f = d.join("f.txt");
    std::fs::write(&f, b"data").map_err(|e| e.to_string())?;
    ok(&["put", &img, &s(&f), "/a/b/c"])?;
    ok(&["mv", &img, "/a/b", "/a/renamed"])?;
    ensure!(ok(&["cat", &img, "/a/renamed/c/f.txt"])? == "data", "moved file");
    fails(&["ls", &img, "/a/b"], NOT_FOUND, "No such file")?;
    // Into an existing directory, like mv(1).
    ok(&["mv", &img, "/a/renamed/c/f.txt", "/x"])?;
    ensure!(ok(&["cat", &img, "/x/f.txt"])? == "data", "mv into dir");
    fails(&["rm", &img, "/a"], 1, "use rm -r")?;
    fails(&["rm", "-r", &img, "/"], 1, "refusing to remove the root directory")?;
    ok(&["rm", &img, "/x/f.txt"])?;
    ok(&["rm", "-r", &img, "/a", "/x"])?;
    let ls = ok(&["ls", &img, "/"])?;
    ensure!(ls.lines().count() == 1 && ls.contains("lost+found"), "left over:\n{ls}");
    // `..` cannot leave the file system.
    let up = ok(&["ls", &img, "/../../.."])?;
    ensure!(up == ls, "ls /../../.. is not the root:\n{up}");
    e2fsck_clean(&img)?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn wrong_path() -> R {
    let d = workdir("wrong-path")?;
    let img = ext4(&d, "fs.img", 16)?;
    fails(&["ls", &img, "/nope"], NOT_FOUND, "lklfs: /nope: No such file or directory (ENOENT)")?;
    fails(&["cat", &img, "/nope/x"], NOT_FOUND, "No such file or directory")?;
    fails(&["stat", &img, "/nope"], NOT_FOUND, "/nope")?;
    fails(&["get", &img, "/nope", &s(&d.join("out"))], NOT_FOUND, "/nope")?;
    fails(&["put", &img, &s(&d.join("missing")), "/"], NOT_FOUND, "missing")?;
    fails(&["mv", &img, "/nope", "/other"], NOT_FOUND, "/nope")?;
    fails(&["ls", &s(&d.join("no-such.img")), "/"], NOT_FOUND, "no-such.img: cannot open image")?;
    ensure!(!d.join("out").exists(), "get of a missing path created a file");
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn not_a_file_system() -> R {
    let d = workdir("not-fs")?;
    let img = image(&d, "zeros.img", 8, &[])?;
    fails(&["ls", &img, "/"], NOT_FS, "not a file system")?;
    fails(&["info", &img], NOT_FS, "not a file system")?;
    fails(&["--type", "ext4", "ls", &img, "/"], NOT_FS, "not a file system")?;
    fails(&["--part", "2", "ls", &img, "/"], NOT_FS, "no partition 2")?;
    let odd = d.join("odd.img");
    std::fs::write(&odd, vec![0u8; 1000]).map_err(|e| e.to_string())?;
    fails(&["ls", &s(&odd), "/"], NOT_FS, "not a whole number of 512-byte sectors")?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn zero(img: &str, offset: u64, len: usize) -> R {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new().write(true).open(img).map_err(|e| e.to_string())?;
    f.write_all_at(&vec![0u8; len], offset).map_err(|e| e.to_string())
}

fn corrupt() -> R {
    let d = workdir("corrupt")?;
    // 32 MiB: 1 KiB blocks, so the first backup superblock is block 8193.
    let img = ext4(&d, "sb.img", 32)?;
    zero(&img, 1024, 1024)?;
    fails(&["ls", &img, "/"], CORRUPT, "backup superblock is intact at block 8193")?;
    // Group descriptors gone: the kernel refuses the mount and says why.
    let img = ext4(&d, "gdt.img", 32)?;
    zero(&img, 2048, 1024)?;
    let o = lklfs(&["ls", &img, "/"])?;
    ensure!(o.code == CORRUPT, "exit {}:\n{}", o.code, o.stderr);
    ensure!(o.stderr.contains("corrupt image: mount failed") && o.stderr.contains("(EUCLEAN)"), "{}", o.stderr);
    ensure!(
        o.stderr.contains("\n  kernel: EXT4-fs (vda): group descriptors corrupted!"),
        "kernel log missing:\n{}",
        o.stderr
    );
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn no_space() -> R {
    let d = workdir("no-space")?;
    let img = ext4(&d, "small.img", 8)?;
    let big = d.join("big.bin");
    std::fs::write(&big, Rng::new(3).bytes(12 << 20)).map_err(|e| e.to_string())?;
    fails(&["put", &img, &s(&big), "/"], NO_SPACE, "No space left on device (ENOSPC)")?;
    // The half-written file is gone and the file system is consistent.
    let ls = ok(&["ls", &img, "/"])?;
    ensure!(!ls.contains("big.bin"), "partial file left:\n{ls}");
    e2fsck_clean(&img)?;
    let small = d.join("small.txt");
    std::fs::write(&small, b"still works").map_err(|e| e.to_string())?;
    ok(&["put", &img, &s(&small), "/"])?;
    ensure!(ok(&["cat", &img, "/small.txt"])? == "still works", "put after ENOSPC");
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn read_only() -> R {
    let d = workdir("read-only")?;
    let img = ext4(&d, "fs.img", 16)?;
    let f = d.join("f.txt");
    std::fs::write(&f, b"x").map_err(|e| e.to_string())?;
    let before = sha(&img)?;
    fails(&["--ro", "put", &img, &s(&f), "/"], READ_ONLY, "read-only")?;
    fails(&["put", "--ro", &img, &s(&f), "/"], READ_ONLY, "read-only")?;
    fails(&["mkdir", "--ro", &img, "/d"], READ_ONLY, "read-only")?;
    ok(&["--ro", "ls", &img, "/"])?;
    ensure!(sha(&img)? == before, "--ro changed the image");
    set_mode(Path::new(&img), 0o444)?;
    fails(&["put", &img, &s(&f), "/"], READ_ONLY, "write-protected")?;
    fails(&["rm", &img, "/lost+found"], READ_ONLY, "read-only image")?;
    ok(&["ls", &img, "/"])?;
    ok(&["get", &img, "/lost+found", &s(&d.join("lf"))])?;
    ensure!(sha(&img)? == before, "reading a write-protected image changed it");
    set_mode(Path::new(&img), 0o644)?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn in_use() -> R {
    let d = workdir("in-use")?;
    let img = ext4(&d, "fs.img", 16)?;
    let holder = std::fs::File::open(&img).map_err(|e| e.to_string())?;
    holder.try_lock().map_err(|e| format!("try_lock: {e}"))?;
    fails(&["ls", &img, "/"], IN_USE, "image is in use")?;
    fails(&["mkdir", &img, "/d"], IN_USE, "image is in use")?;
    drop(holder);
    ok(&["ls", &img, "/"])?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn mounted_on_host() -> R {
    let d = workdir("mounted")?;
    let img = ext4(&d, "fs.img", 16)?;
    let mnt = d.join("mnt");
    std::fs::create_dir_all(&mnt).map_err(|e| e.to_string())?;
    let m = host("mount", &["-o", "loop,ro", &img, &s(&mnt)])?;
    if m.code != 0 {
        // Only root (with loop devices) can set this up.
        println!("skipped: cannot loop-mount here: {}", m.stderr.trim());
        return Ok(());
    }
    let r = fails(&["ls", &img, "/"], MOUNTED, "mounted on the host");
    let u = host("umount", &[&s(&mnt)])?;
    r?;
    ensure!(u.code == 0, "umount: {}", u.stderr);
    ok(&["ls", &img, "/"])?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

/// Writes and fsyncs a file through the library, and copies the image while
/// it is still mounted: the copy is what a crash leaves (committed journal,
/// needs_recovery set).
fn crash_copy(img: &str, copy: &str, content: &[u8]) -> R {
    let host = StdHost::leak(Console::Capture);
    let k = Kernel::boot(host, &BootConfig::default()).map_err(|e| e.to_string())?;
    let dev = FileDevice::open(Path::new(img), false).map_err(|e| e.to_string())?;
    let disk = check!(k.add_disk(Arc::new(dev)), "add_disk");
    let m = k.mount_disk(&disk, &MountOptions::default()).map_err(|e| format!("mount: {e}"))?;
    let p = std::ffi::CString::new(format!("{}/journaled.txt", m.path.to_str().unwrap_or("")))
        .map_err(|e| e.to_string())?;
    let fd = check!(k.open(&p, sys::O_CREAT | sys::O_WRONLY, 0o644), "open");
    check!(k.write(fd, content), "write");
    check!(k.fsync(fd), "fsync");
    check!(k.close(fd), "close");
    std::fs::copy(img, copy).map_err(|e| e.to_string())?;
    check!(k.unmount(&m), "umount");
    check!(k.remove_disk(disk), "remove_disk");
    check!(k.halt(), "halt");
    Ok(())
}

fn ro_dirty_journal() -> R {
    let d = workdir("dirty")?;
    let img = ext4(&d, "fs.img", 32)?;
    let snap = s(&d.join("crashed.img"));
    let content = format!("committed to the journal at {:?}\n", SystemTime::now());
    crash_copy(&img, &snap, content.as_bytes())?;
    let info = ok(&["info", &snap])?;
    ensure!(line_with(&info, "state:")?.contains("journal needs recovery"), "the copy is not dirty:\n{info}");
    let before = sha(&snap)?;
    let ls = ok(&["--ro", "ls", &snap, "/"])?;
    ensure!(ls.contains(" journaled.txt"), "replayed file not shown:\n{ls}");
    ensure!(ok(&["--ro", "cat", &snap, "/journaled.txt"])? == content, "replayed content differs");
    // Read commands without --ro never write the image either.
    ok(&["stat", &snap, "/journaled.txt"])?;
    ensure!(sha(&snap)? == before, "reading a dirty-journal image changed its bytes");
    // The host's own tools agree: replay the journal on a second copy with
    // e2fsck and read the file with debugfs.
    let fixed = s(&d.join("fixed.img"));
    std::fs::copy(&snap, &fixed).map_err(|e| e.to_string())?;
    let o = host("e2fsck", &["-fy", &fixed])?;
    ensure!(o.code <= 1, "e2fsck -fy: {}{}", o.stdout, o.stderr);
    let o = host("debugfs", &["-R", "cat /journaled.txt", &fixed])?;
    ensure!(o.stdout == content, "host view after replay: {:?}", o.stdout);
    // A writable open replays onto the image, after which it is clean.
    ok(&["mkdir", &snap, "/after"])?;
    e2fsck_clean(&snap)?;
    let _ = std::fs::remove_dir_all(&d);
    Ok(())
}

fn help_lists_exit_codes() -> R {
    let h = ok(&["--help"])?;
    for want in [
        "Exit codes:",
        "3  path not found",
        "4  not a file system",
        "5  corrupt image",
        "6  no space",
        "7  read-only",
        "8  image in use",
        "9  image mounted on the host",
    ] {
        ensure!(h.contains(want), "--help lacks {want:?}:\n{h}");
    }
    let o = lklfs(&["ls"])?;
    ensure!(o.code == 2, "usage error exit {}", o.code);
    Ok(())
}

fn demo() -> R {
    let out = ok(&["demo"])?;
    for want in ["Linux version 6.1", "$ lklfs put demo.img photos /", "byte-for-byte", "demo finished"] {
        ensure!(out.contains(want), "demo output lacks {want:?}:\n{out}");
    }
    Ok(())
}

fn main() {
    let t = |name, run| Case { name, timeout: Duration::from_secs(120), run };
    lkl_test_runner::main(
        "lklfs_cli",
        &[
            t("roundtrip_ext4", roundtrip_ext4),
            t("roundtrip_vfat", roundtrip_vfat),
            t("inspect_ext4", inspect_ext4),
            t("btrfs", btrfs),
            t("xfs", xfs),
            t("namespace", namespace),
            t("wrong_path", wrong_path),
            t("not_a_file_system", not_a_file_system),
            t("corrupt", corrupt),
            t("no_space", no_space),
            t("read_only", read_only),
            t("in_use", in_use),
            t("mounted_on_host", mounted_on_host),
            t("ro_dirty_journal", ro_dirty_journal),
            t("help_lists_exit_codes", help_lists_exit_codes),
            t("demo", demo),
        ],
    )
}
