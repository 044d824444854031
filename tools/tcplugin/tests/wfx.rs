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
type RenMov = unsafe extern "system" fn(*const u16, *const u16, i32, i32, *mut c_void) -> i32;
type SetAttr = unsafe extern "system" fn(*const u16, i32) -> i32;
type SetTime = unsafe extern "system" fn(*const u16, *const [u32; 2], *const [u32; 2], *const [u32; 2]) -> i32;
type Execute = unsafe extern "system" fn(*mut c_void, *mut u16, *const u16) -> i32;
type Field = unsafe extern "system" fn(i32, *mut u8, *mut u8, i32) -> i32;
type Value = unsafe extern "system" fn(*const u16, i32, i32, *mut c_void, i32, i32) -> i32;

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
    renmov: RenMov,
    set_attr: SetAttr,
    set_time: SetTime,
    execute: Execute,
    field: Field,
    value: Value,
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

    fn renmov(&self, from: &str, to: &str, moving: bool, overwrite: bool) -> i32 {
        // SAFETY: as above.
        unsafe {
            (self.renmov)(
                w(from).as_ptr(),
                w(to).as_ptr(),
                i32::from(moving),
                i32::from(overwrite),
                std::ptr::null_mut(),
            )
        }
    }

    /// FsExecuteFileW: the answer, and the path as the plugin left it.
    fn execute(&self, path: &str, verb: &str) -> (i32, String) {
        let mut buf = [0u16; 260];
        let p = w(path);
        buf[..p.len()].copy_from_slice(&p);
        // SAFETY: a MAX_PATH buffer and a NUL-terminated verb.
        let r = unsafe { (self.execute)(std::ptr::null_mut(), buf.as_mut_ptr(), w(verb).as_ptr()) };
        let n = buf.iter().position(|&c| c == 0).unwrap();
        (r, String::from_utf16_lossy(&buf[..n]))
    }

    /// A content field's value as text (numbers in decimal), or its code.
    fn field_value(&self, path: &str, index: i32) -> Result<String, i32> {
        let mut out = [0u8; 512];
        // SAFETY: a 512-byte buffer.
        let t = unsafe { (self.value)(w(path).as_ptr(), index, 0, out.as_mut_ptr().cast(), 512, 0) };
        match t {
            1 => Ok(i32::from_le_bytes(out[..4].try_into().unwrap()).to_string()),
            2 => Ok(i64::from_le_bytes(out[..8].try_into().unwrap()).to_string()),
            8 => Ok(String::from_utf8_lossy(&out[..out.iter().position(|&b| b == 0).unwrap()]).into_owned()),
            11 => {
                let units: Vec<u16> =
                    out.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&c| c != 0).collect();
                Ok(String::from_utf16_lossy(&units))
            }
            code => Err(code),
        }
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
            renmov: *lib.get(b"FsRenMovFileW\0").unwrap(),
            set_attr: *lib.get(b"FsSetAttrW\0").unwrap(),
            set_time: *lib.get(b"FsSetTimeW\0").unwrap(),
            execute: *lib.get(b"FsExecuteFileW\0").unwrap(),
            field: *lib.get(b"FsContentGetSupportedField\0").unwrap(),
            value: *lib.get(b"FsContentGetValueW\0").unwrap(),
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
    assert_eq!(names, ["bad", "names", "ro", "t-btrfs", "t-ext4", "t-vfat", "t-xfs"]);
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
    let mnt = img.with_extension("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let (ok, out) = run(Command::new("mount").args(["-o", "loop,ro"]).arg(img).arg(&mnt));
    assert!(ok, "names: loop mount: {out}");
    let seen = (|| {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let colon = std::fs::read_to_string(mnt.join("x:y")).ok()?;
        let lower = std::fs::read_to_string(mnt.join("dir2/lower")).ok()?;
        let m = std::fs::metadata(mnt.join("Case2")).ok()?;
        let copy = std::fs::read_to_string(mnt.join("Case2")).ok()?;
        Some((colon, lower, copy, m.permissions().mode() & 0o777, m.mtime(), mnt.join("case").exists()))
    })();
    run(Command::new("umount").arg(&mnt));
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

/// A GPT image with two ext4 partitions: each a folder `partition N` of
/// its volume, read and written on its own; afterwards each partition's
/// bytes (cut out of the image) pass e2fsck and hold what was written.
#[test]
fn partitions_are_folders() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tcplugin-parts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
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
