//! What the plugin's tests share with the Windows test host
//! (`tests/wfx-host`, which includes this file): the WFX exports as a file
//! manager calls them, and the scenario every volume goes through. Nothing
//! here is specific to a platform.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, unsafe_code)]

use std::ffi::c_void;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

pub const FS_FILE_OK: i32 = 0;
pub const FS_FILE_EXISTS: i32 = 1;
pub const FS_FILE_NOTFOUND: i32 = 2;
pub const FS_FILE_WRITEERROR: i32 = 4;
pub const FS_FILE_USERABORT: i32 = 5;
pub const FS_COPYFLAGS_OVERWRITE: i32 = 1;
pub const INVALID: *mut c_void = -1isize as *mut c_void;

/// `WIN32_FIND_DATAW`, 592 bytes.
#[repr(C)]
pub struct FindData {
    attributes: u32,
    times: [u32; 6],
    size_high: u32,
    size_low: u32,
    reserved0: u32,
    reserved1: u32,
    name: [u16; 260],
    alternate: [u16; 14],
}

pub type FindFirst = unsafe extern "system" fn(*const u16, *mut FindData) -> *mut c_void;
pub type FindNext = unsafe extern "system" fn(*mut c_void, *mut FindData) -> i32;
pub type FindClose = unsafe extern "system" fn(*mut c_void) -> i32;
pub type Transfer = unsafe extern "system" fn(*const u16, *const u16, i32, *mut c_void) -> i32;
pub type Put = unsafe extern "system" fn(*const u16, *const u16, i32) -> i32;
pub type OnPath = unsafe extern "system" fn(*const u16) -> i32;
pub type Progress = extern "system" fn(i32, *mut u16, *mut u16, i32) -> i32;
pub type Log = extern "system" fn(i32, i32, *mut u16);
pub type Request = extern "system" fn(i32, i32, *mut u16, *mut u16, *mut u16, i32) -> i32;
pub type Init = unsafe extern "system" fn(i32, Option<Progress>, Option<Log>, Option<Request>) -> i32;
pub type SetDefaultParams = unsafe extern "system" fn(*const u8);
pub type RenMov = unsafe extern "system" fn(*const u16, *const u16, i32, i32, *mut c_void) -> i32;
pub type SetAttr = unsafe extern "system" fn(*const u16, i32) -> i32;
pub type SetTime = unsafe extern "system" fn(*const u16, *const [u32; 2], *const [u32; 2], *const [u32; 2]) -> i32;
pub type Execute = unsafe extern "system" fn(*mut c_void, *mut u16, *const u16) -> i32;
pub type Field = unsafe extern "system" fn(i32, *mut u8, *mut u8, i32) -> i32;
pub type Status = unsafe extern "system" fn(*const u16, i32, i32);
pub type Value = unsafe extern "system" fn(*const u16, i32, i32, *mut c_void, i32, i32) -> i32;

/// Percentages the plugin reported, and whether to abort at the next.
pub static PROGRESS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
pub static ABORT: AtomicBool = AtomicBool::new(false);
pub static LOG: Mutex<Vec<(i32, String)>> = Mutex::new(Vec::new());
/// What the "user" answers the plugin's next requests, in order: a text
/// (or yes), or a cancel (or no).
pub static ANSWERS: Mutex<Vec<Option<String>>> = Mutex::new(Vec::new());

pub extern "system" fn request(
    _nr: i32,
    _kind: i32,
    _title: *mut u16,
    _text: *mut u16,
    out: *mut u16,
    max: i32,
) -> i32 {
    let mut answers = ANSWERS.lock().unwrap();
    if answers.is_empty() {
        return 0;
    }
    match answers.remove(0) {
        Some(text) => {
            let w: Vec<u16> = text.encode_utf16().chain([0]).collect();
            assert!(w.len() <= max as usize);
            // SAFETY: the plugin's buffer holds `max` units.
            unsafe { std::ptr::copy_nonoverlapping(w.as_ptr(), out, w.len()) };
            1
        }
        None => 0,
    }
}

pub extern "system" fn progress(_nr: i32, _from: *mut u16, _to: *mut u16, pct: i32) -> i32 {
    PROGRESS.lock().unwrap().push(pct);
    // Abort once past the start, so the copy is cut in the middle.
    i32::from(ABORT.load(Ordering::SeqCst) && pct > 0)
}

pub extern "system" fn log(_nr: i32, kind: i32, text: *mut u16) {
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

pub fn w(s: &str) -> Vec<u16> {
    s.encode_utf16().chain([0]).collect()
}

pub struct Wfx {
    pub find_first: FindFirst,
    pub find_next: FindNext,
    pub find_close: FindClose,
    pub get: Transfer,
    pub put: Put,
    pub mkdir: OnPath,
    pub delete: OnPath,
    pub rmdir: OnPath,
    pub disconnect: OnPath,
    pub renmov: RenMov,
    pub set_attr: SetAttr,
    pub set_time: SetTime,
    pub execute: Execute,
    pub field: Field,
    pub value: Value,
    pub status: Status,
}

impl Wfx {
    /// The names (and sizes) in folder `path`, sorted; None when
    /// FsFindFirstW answers INVALID_HANDLE_VALUE.
    pub fn list(&self, path: &str) -> Option<Vec<(String, u64, bool)>> {
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

    pub fn get(&self, remote: &str, local: &Path, flags: i32) -> i32 {
        // SAFETY: the export with NUL-terminated strings.
        unsafe { (self.get)(w(remote).as_ptr(), w(local.to_str().unwrap()).as_ptr(), flags, std::ptr::null_mut()) }
    }

    pub fn put(&self, local: &Path, remote: &str, flags: i32) -> i32 {
        // SAFETY: as above.
        unsafe { (self.put)(w(local.to_str().unwrap()).as_ptr(), w(remote).as_ptr(), flags) }
    }

    pub fn on(&self, f: OnPath, path: &str) -> i32 {
        // SAFETY: as above.
        unsafe { f(w(path).as_ptr()) }
    }

    /// FsStatusInfoW: an operation (`op`, FS_STATUS_OP_*) starts or ends.
    pub fn status(&self, dir: &str, start: bool, op: i32) {
        // SAFETY: a NUL-terminated name.
        unsafe { (self.status)(w(dir).as_ptr(), i32::from(!start), op) }
    }

    pub fn renmov(&self, from: &str, to: &str, moving: bool, overwrite: bool) -> i32 {
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
    pub fn execute(&self, path: &str, verb: &str) -> (i32, String) {
        let mut buf = [0u16; 260];
        let p = w(path);
        buf[..p.len()].copy_from_slice(&p);
        // SAFETY: a MAX_PATH buffer and a NUL-terminated verb.
        let r = unsafe { (self.execute)(std::ptr::null_mut(), buf.as_mut_ptr(), w(verb).as_ptr()) };
        let n = buf.iter().position(|&c| c == 0).unwrap();
        (r, String::from_utf16_lossy(&buf[..n]))
    }

    /// A content field's value as text (numbers in decimal), or its code.
    pub fn field_value(&self, path: &str, index: i32) -> Result<String, i32> {
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
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 7 + usize::from(seed) * 13) % 251) as u8).collect()
}

/// The plugin as the file manager sees it, after FsSetDefaultParams (the
/// ini in `dir`) and FsInitW.
pub fn load(so: &Path, dir: &Path) -> Wfx {
    // SAFETY: loading the plugin runs no initialisers of consequence; it is
    // kept loaded for the process (it pins itself anyway).
    let lib = unsafe { libloading::Library::new(so) }.unwrap_or_else(|e| panic!("{}: {e}", so.display()));
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
        assert_eq!(init(7, Some(progress), Some(log), Some(request)), 0);
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
            status: *lib.get(b"FsStatusInfoW\0").unwrap(),
        }
    };
    std::mem::forget(lib);
    wfx
}

/// What every volume goes through; `local` holds the host's files.
pub fn scenario(p: &Wfx, vol: &str, local: &Path) {
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
    // The modification time went in with the put and came back with the
    // get (to the second: FAT keeps two).
    let secs = |p: &Path| {
        let t = std::fs::metadata(p).unwrap().modified().unwrap();
        t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 2
    };
    assert_eq!(secs(&back), secs(&big), "{vol}: the time kept");
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
