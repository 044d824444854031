//! The built plugin (`libtcplugin.so`, what Double Commander loads as
//! `lklfs.wfx`) loaded with dlopen and driven through its exports as a
//! file manager drives them, on ext4, btrfs, xfs and vfat images made here
//! with mkfs; afterwards each image's own checker and the host kernel (or
//! mtools, for FAT) must agree with what the plugin reported.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, unsafe_code)]

use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

const FS_FILE_OK: i32 = 0;
const FS_FILE_EXISTS: i32 = 1;
const FS_FILE_NOTFOUND: i32 = 2;
const FS_FILE_WRITEERROR: i32 = 4;
const FS_FILE_USERABORT: i32 = 5;
const FS_COPYFLAGS_OVERWRITE: i32 = 1;
const INVALID: *mut c_void = -1isize as *mut c_void;

/// `WIN32_FIND_DATAW`, 592 bytes.
#[repr(C)]
struct FindData {
    attributes: u32,
    times: [u32; 6],
    size_high: u32,
    size_low: u32,
    reserved0: u32,
    reserved1: u32,
    name: [u16; 260],
    alternate: [u16; 14],
}

type FindFirst = unsafe extern "system" fn(*const u16, *mut FindData) -> *mut c_void;
type FindNext = unsafe extern "system" fn(*mut c_void, *mut FindData) -> i32;
type FindClose = unsafe extern "system" fn(*mut c_void) -> i32;
type Transfer = unsafe extern "system" fn(*const u16, *const u16, i32, *mut c_void) -> i32;
type Put = unsafe extern "system" fn(*const u16, *const u16, i32) -> i32;
type OnPath = unsafe extern "system" fn(*const u16) -> i32;
type Progress = extern "system" fn(i32, *mut u16, *mut u16, i32) -> i32;
type Log = extern "system" fn(i32, i32, *mut u16);
type Init = unsafe extern "system" fn(i32, Option<Progress>, Option<Log>, *const c_void) -> i32;
type SetDefaultParams = unsafe extern "system" fn(*const u8);

/// Percentages the plugin reported, and whether to abort at the next.
static PROGRESS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static ABORT: AtomicBool = AtomicBool::new(false);
static LOG: Mutex<Vec<(i32, String)>> = Mutex::new(Vec::new());

extern "system" fn progress(_nr: i32, _from: *mut u16, _to: *mut u16, pct: i32) -> i32 {
    PROGRESS.lock().unwrap().push(pct);
    // Abort once past the start, so the copy is cut in the middle.
    i32::from(ABORT.load(Ordering::SeqCst) && pct > 0)
}

extern "system" fn log(_nr: i32, kind: i32, text: *mut u16) {
    let mut v = Vec::new();
    // SAFETY: the plugin passes a NUL-terminated string.
    unsafe {
        let mut i = 0;
        while *text.add(i) != 0 {
            v.push(*text.add(i));
            i += 1;
        }
    }
    LOG.lock().unwrap().push((kind, String::from_utf16_lossy(&v)));
}

fn w(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

struct Wfx {
    find_first: FindFirst,
    find_next: FindNext,
    find_close: FindClose,
    get: Transfer,
    put: Put,
    mkdir: OnPath,
    delete: OnPath,
    rmdir: OnPath,
    disconnect: OnPath,
}

impl Wfx {
    /// The names (and sizes) in folder `path`, sorted; None when
    /// FsFindFirstW answers INVALID_HANDLE_VALUE.
    fn list(&self, path: &str) -> Option<Vec<(String, u64, bool)>> {
        // SAFETY: FindData is plain data.
        let mut fd: FindData = unsafe { std::mem::zeroed() };
        // SAFETY: the plugin's exports with live buffers.
        unsafe {
            let h = (self.find_first)(w(path).as_ptr(), &mut fd);
            if h == INVALID {
                return None;
            }
            let mut out = Vec::new();
            loop {
                let n = fd.name.iter().position(|&c| c == 0).unwrap();
                let size = (u64::from(fd.size_high) << 32) | u64::from(fd.size_low);
                out.push((String::from_utf16_lossy(&fd.name[..n]), size, fd.attributes & 0x10 != 0));
                if (self.find_next)(h, &mut fd) == 0 {
                    break;
                }
            }
            (self.find_close)(h);
            out.sort();
            Some(out)
        }
    }

    fn get(&self, remote: &str, local: &Path, flags: i32) -> i32 {
        // SAFETY: the export with NUL-terminated strings.
        unsafe { (self.get)(w(remote).as_ptr(), w(local.to_str().unwrap()).as_ptr(), flags, std::ptr::null_mut()) }
    }

    fn put(&self, local: &Path, remote: &str, flags: i32) -> i32 {
        // SAFETY: as above.
        unsafe { (self.put)(w(local.to_str().unwrap()).as_ptr(), w(remote).as_ptr(), flags) }
    }

    fn on(&self, f: OnPath, path: &str) -> i32 {
        // SAFETY: as above.
        unsafe { f(w(path).as_ptr()) }
    }
}

/// Deterministic contents of `len` bytes.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + usize::from(seed) * 13) % 251) as u8).collect()
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

/// The plugin as the file manager sees it, after FsSetDefaultParams (the
/// ini in `dir`) and FsInitW.
fn load(dir: &Path) -> Wfx {
    // Beside this test in `deps`, where `cargo test` builds it (the copy
    // one level up is refreshed by `cargo build` only).
    let so = std::env::current_exe().unwrap().parent().unwrap().join("libtcplugin.so");
    // SAFETY: loading the plugin runs no initialisers of consequence; it is
    // kept loaded for the process (it pins itself anyway).
    let lib = unsafe { libloading::Library::new(&so) }.unwrap_or_else(|e| panic!("{}: {e}", so.display()));
    // SAFETY: each symbol has the SDK's signature.
    let wfx = unsafe {
        let set: libloading::Symbol<SetDefaultParams> = lib.get(b"FsSetDefaultParams\0").unwrap();
        let init: libloading::Symbol<Init> = lib.get(b"FsInitW\0").unwrap();
        // Double Commander's order and buffer: FsSetDefaultParams first,
        // DefaultIniName of 4096 bytes.
        let ini = dir.join("doublecmd.ini");
        let mut dps = vec![0u8; 12 + 4096];
        let size = dps.len() as i32;
        dps[..4].copy_from_slice(&size.to_le_bytes());
        dps[4..8].copy_from_slice(&1u32.to_le_bytes());
        dps[8..12].copy_from_slice(&2u32.to_le_bytes());
        let name = ini.to_str().unwrap().as_bytes();
        dps[12..12 + name.len()].copy_from_slice(name);
        set(dps.as_ptr());
        assert_eq!(init(7, Some(progress), Some(log), std::ptr::null()), 0);
        Wfx {
            find_first: *lib.get(b"FsFindFirstW\0").unwrap(),
            find_next: *lib.get(b"FsFindNextW\0").unwrap(),
            find_close: *lib.get(b"FsFindClose\0").unwrap(),
            get: *lib.get(b"FsGetFileW\0").unwrap(),
            put: *lib.get(b"FsPutFileW\0").unwrap(),
            mkdir: *lib.get(b"FsMkDirW\0").unwrap(),
            delete: *lib.get(b"FsDeleteFileW\0").unwrap(),
            rmdir: *lib.get(b"FsRemoveDirW\0").unwrap(),
            disconnect: *lib.get(b"FsDisconnectW\0").unwrap(),
        }
    };
    std::mem::forget(lib);
    wfx
}

/// What every volume goes through; `local` holds the host's files.
fn scenario(p: &Wfx, vol: &str, local: &Path) {
    let big = local.join("big.bin");
    let small = local.join("a.txt");
    let root = format!("\\{vol}");
    assert_eq!(p.on(p.mkdir, &format!("{root}\\dir")), 1, "{vol}: mkdir");
    assert_eq!(p.on(p.mkdir, &format!("{root}\\dir\\empty")), 1, "{vol}: mkdir");
    PROGRESS.lock().unwrap().clear();
    assert_eq!(p.put(&big, &format!("{root}\\dir\\big.bin"), 0), FS_FILE_OK, "{vol}: put");
    let seen = PROGRESS.lock().unwrap().clone();
    assert!(seen.first() == Some(&0) && seen.last() == Some(&100) && seen.len() > 2, "{vol}: progress {seen:?}");
    // The file manager's first call never overwrites; it asks the user.
    assert_eq!(p.put(&small, &format!("{root}\\dir\\big.bin"), 0), FS_FILE_EXISTS, "{vol}: put over");
    assert_eq!(p.put(&small, &format!("{root}\\dir\\a.txt"), 0), FS_FILE_OK);
    assert_eq!(p.put(&small, &format!("{root}\\dir\\a.txt"), FS_COPYFLAGS_OVERWRITE), FS_FILE_OK);
    let big_len = std::fs::metadata(&big).unwrap().len();
    assert_eq!(
        p.list(&format!("{root}\\dir")).unwrap(),
        vec![("a.txt".into(), 5, false), ("big.bin".into(), big_len, false), ("empty".into(), 0, true)],
        "{vol}: listing"
    );
    assert_eq!(p.list(&format!("{root}\\dir\\empty")), None, "{vol}: an empty folder");
    assert_eq!(p.list(&format!("{root}\\no-such")), None, "{vol}: a missing folder");
    let back = local.join(format!("{vol}-back.bin"));
    let _ = std::fs::remove_file(&back);
    assert_eq!(p.get(&format!("{root}\\dir\\big.bin"), &back, 0), FS_FILE_OK, "{vol}: get");
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&big).unwrap(), "{vol}: bytes back");
    assert_eq!(p.get(&format!("{root}\\dir\\big.bin"), &back, 0), FS_FILE_EXISTS, "{vol}: get over");
    assert_eq!(p.get(&format!("{root}\\dir\\none"), &local.join("none"), 0), FS_FILE_NOTFOUND);
    // Aborted half-way: no file left claimed as done, on either side.
    ABORT.store(true, Ordering::SeqCst);
    let cut = local.join(format!("{vol}-cut.bin"));
    let _ = std::fs::remove_file(&cut);
    assert_eq!(p.get(&format!("{root}\\dir\\big.bin"), &cut, 0), FS_FILE_USERABORT, "{vol}: get aborted");
    assert!(!cut.exists(), "{vol}: the cut local copy was removed");
    assert_eq!(p.put(&big, &format!("{root}\\dir\\cut.bin"), 0), FS_FILE_USERABORT, "{vol}: put aborted");
    ABORT.store(false, Ordering::SeqCst);
    assert!(!p.list(&format!("{root}\\dir")).unwrap().iter().any(|e| e.0 == "cut.bin"), "{vol}: no cut file");
    assert_eq!(p.on(p.rmdir, &format!("{root}\\dir")), 0, "{vol}: rmdir of a full folder");
    assert_eq!(p.on(p.delete, &format!("{root}\\dir\\a.txt")), 1, "{vol}: delete");
    assert_eq!(p.on(p.rmdir, &format!("{root}\\dir\\empty")), 1, "{vol}: rmdir");
    assert_eq!(p.on(p.delete, &format!("{root}\\dir\\a.txt")), 0, "{vol}: delete again");
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
        let mnt = img.with_extension("mnt");
        std::fs::create_dir_all(&mnt).unwrap();
        let (ok, out) = run(Command::new("mount").args(["-o", "loop,ro"]).arg(img).arg(&mnt));
        assert!(ok, "{kind}: loop mount: {out}");
        let names: Vec<String> = std::fs::read_dir(mnt.join("dir"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let _ = std::fs::copy(mnt.join("dir/big.bin"), &copy);
        run(Command::new("umount").arg(&mnt));
        assert_eq!(names, vec!["big.bin".to_string()], "{kind}: the folder as the host kernel sees it");
    }
    assert_eq!(std::fs::read(&copy).unwrap(), big, "{kind}: the bytes as the host reads them");
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
    std::fs::write(dir.join("lklfs.ini"), ini).unwrap();
    let big = pattern((9 << 20) + 17, 1);
    std::fs::write(dir.join("big.bin"), &big).unwrap();
    std::fs::write(dir.join("a.txt"), b"hello").unwrap();

    let p = load(&dir);
    let names: Vec<String> = p.list("\\").unwrap().into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["bad", "ro", "t-btrfs", "t-ext4", "t-vfat", "t-xfs"]);
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
}
