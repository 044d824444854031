//! The WFX exports: the C edge of the plugin, the only unsafe code. Each
//! reads the file manager's pointers into owned values, runs the plugin's
//! logic (`plugin.rs`) under one lock, writes the answer back, and catches
//! any panic, which becomes the export's error answer: none crosses into
//! the file manager.

#![allow(unsafe_code, non_snake_case)]

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Mutex;

use crate::abi::{self, DefaultParamsHead, FileTime, FindData};
use crate::plugin::{Entry, Failure, Plugin};

/// `tProgressProcW`: nonzero means abort.
type ProgressProc = extern "system" fn(i32, *mut u16, *mut u16, i32) -> i32;
/// `tLogProcW`.
type LogProc = extern "system" fn(i32, i32, *mut u16);
/// `tRequestProcW`.
type RequestProc = extern "system" fn(i32, i32, *mut u16, *mut u16, *mut u16, i32) -> i32;

/// What the file manager gave at FsInitW.
#[derive(Clone, Copy)]
struct Callbacks {
    number: i32,
    progress: Option<ProgressProc>,
    log: Option<LogProc>,
    _request: Option<RequestProc>,
}

struct State {
    plugin: Plugin,
    callbacks: Option<Callbacks>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

/// Runs `f` on the state (made, with no ini, if the file manager never
/// called FsSetDefaultParams), catching panics: `failed` then.
fn with_state<T>(failed: T, f: impl FnOnce(&mut State) -> T) -> T {
    catch_unwind(AssertUnwindSafe(|| {
        let mut guard = match STATE.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let state = guard.get_or_insert_with(|| State { plugin: Plugin::default(), callbacks: None });
        let r = f(state);
        for name in std::mem::take(&mut state.plugin.connected) {
            // The file manager then offers to disconnect.
            log(state.callbacks, abi::MSGTYPE_CONNECT, &format!("CONNECT \\{name}"));
        }
        if let Some(why) = state.plugin.last_error.take() {
            log(state.callbacks, abi::MSGTYPE_IMPORTANTERROR, &format!("lklfs: {why}"));
        }
        r
    }))
    .unwrap_or(failed)
}

/// Runs `f` on the plugin, as [`with_state`].
pub(crate) fn with_plugin<T>(failed: T, f: impl FnOnce(&mut Plugin) -> T) -> T {
    with_state(failed, |s| f(&mut s.plugin))
}

/// A NUL-terminated UTF-16 string of the file manager (at most 32767
/// units, the longest Windows path).
///
/// # Safety
/// `p` is null or points to a NUL-terminated UTF-16 string.
pub(crate) unsafe fn wide(p: *const u16) -> Vec<u16> {
    let mut v = Vec::new();
    if p.is_null() {
        return v;
    }
    for i in 0..32767 {
        // SAFETY: the caller's contract: readable up to its NUL, which ends
        // the loop before any read past it.
        let c = unsafe { *p.add(i) };
        if c == 0 {
            break;
        }
        v.push(c);
    }
    v
}

/// A local path the file manager gave as UTF-16.
fn local_path(units: &[u16]) -> PathBuf {
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_wide(units))
    }
    #[cfg(not(windows))]
    PathBuf::from(String::from_utf16_lossy(units))
}

/// `SetLastError` on Windows (an empty folder's FsFindFirstW); nothing
/// elsewhere, where Double Commander reads no error code.
fn set_last_error(code: u32) {
    #[cfg(windows)]
    // SAFETY: no preconditions.
    unsafe {
        windows_sys::Win32::Foundation::SetLastError(code)
    };
    #[cfg(not(windows))]
    let _ = code;
}

fn log(cb: Option<Callbacks>, kind: i32, text: &str) {
    if let Some(Callbacks { number, log: Some(log), .. }) = cb {
        let mut w: Vec<u16> = text.encode_utf16().chain([0]).collect();
        log(number, kind, w.as_mut_ptr());
    }
}

/// With `LKLFS_WFX_TRACE` naming a file, a line per call is appended to
/// it (what the file manager called, with what): how the tests learn what
/// a real file manager does.
fn trace(line: &str) {
    if let Some(path) = std::env::var_os("LKLFS_WFX_TRACE") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// Keeps the plugin's code mapped for good: the kernel's threads run it
/// until the process ends, whatever the file manager unloads.
fn pin_self() {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::LibraryLoader::{
            GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, GET_MODULE_HANDLE_EX_FLAG_PIN, GetModuleHandleExW,
        };
        let mut h = std::ptr::null_mut();
        // SAFETY: an address inside this module; `h` is a live local.
        unsafe {
            GetModuleHandleExW(
                GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                pin_self as *const u16,
                &mut h,
            )
        };
    }
    #[cfg(unix)]
    {
        // SAFETY: dladdr fills `info` for an address of this object; the
        // name it gives stays valid while the object is loaded, which the
        // dlopen below (RTLD_NODELETE: never unloaded) guarantees.
        unsafe {
            let mut info: libc::Dl_info = std::mem::zeroed();
            if libc::dladdr(pin_self as *const c_void, &mut info) != 0 && !info.dli_fname.is_null() {
                libc::dlopen(info.dli_fname, libc::RTLD_NOW | libc::RTLD_NODELETE);
            }
        }
    }
}

/// FsSetDefaultParams: the file manager's ini file, beside which the
/// plugin keeps `lklfs.ini`.
///
/// # Safety
/// `dps` is null or the file manager's FsDefaultParamStruct, `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsSetDefaultParams(dps: *const DefaultParamsHead) {
    if dps.is_null() {
        return;
    }
    // SAFETY: the caller's contract: the head, then the name's bytes up to
    // `size` (read up to its NUL within them).
    let ini = unsafe {
        let size = usize::try_from((*dps).size).unwrap_or(0);
        let name = dps.cast::<u8>().add(size_of::<DefaultParamsHead>());
        let len = size.saturating_sub(size_of::<DefaultParamsHead>());
        let bytes = std::slice::from_raw_parts(name, len);
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(len);
        String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned()
    };
    // SAFETY: as above.
    trace(&format!("FsSetDefaultParams size {} ini {ini}", unsafe { (*dps).size }));
    let folder = PathBuf::from(ini).parent().map(PathBuf::from).unwrap_or_default();
    with_state((), |s| {
        let (plugin, problems) = Plugin::with_ini_in(&folder);
        s.plugin = plugin;
        for p in problems {
            log(s.callbacks, abi::MSGTYPE_IMPORTANTERROR, &format!("lklfs: {p}"));
        }
    });
}

/// FsInitW: the plugin's number and the file manager's callbacks.
#[unsafe(no_mangle)]
pub extern "system" fn FsInitW(
    number: i32,
    progress: Option<ProgressProc>,
    log: Option<LogProc>,
    request: Option<RequestProc>,
) -> i32 {
    pin_self();
    trace(&format!("FsInitW {number}"));
    with_state(0, |s| {
        s.callbacks = Some(Callbacks { number, progress, log, _request: request });
        0
    })
}

/// FsGetDefRootName: the name the root shows under ("lklfs").
///
/// # Safety
/// `name` is writable for `maxlen` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsGetDefRootName(name: *mut u8, maxlen: i32) {
    let text = b"lklfs\0";
    if name.is_null() || (maxlen as usize) < text.len() {
        return;
    }
    // SAFETY: the caller's contract; `maxlen` covers the text.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), name, text.len()) };
}

/// The directory listing behind a find handle.
struct Find {
    entries: Vec<Entry>,
    next: usize,
}

const INVALID_HANDLE_VALUE: *mut c_void = -1isize as *mut c_void;

fn fill(e: &Entry, out: &mut FindData) {
    *out = FindData::default();
    out.attributes = if e.is_dir() { abi::FILE_ATTRIBUTE_DIRECTORY } else { abi::FILE_ATTRIBUTE_NORMAL };
    if cfg!(unix) {
        out.attributes |= abi::UNIX_MODE;
        out.reserved0 = e.mode;
    }
    out.last_write = FileTime::from_unix(e.mtime.0, e.mtime.1);
    out.last_access = FileTime::from_unix(e.atime.0, e.atime.1);
    out.creation = out.last_write;
    out.size_high = (e.size >> 32) as u32;
    out.size_low = e.size as u32;
    for (d, s) in out.file_name.iter_mut().zip(e.name.iter().take(abi::MAX_PATH - 1)) {
        *d = *s;
    }
}

/// FsFindFirstW: the first entry of folder `path`, and a handle for the
/// rest; INVALID_HANDLE_VALUE for an empty folder (ERROR_NO_MORE_FILES) or
/// an error.
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsFindFirstW(path: *const u16, out: *mut FindData) -> *mut c_void {
    // SAFETY: the caller's contract.
    let path = unsafe { wide(path) };
    trace(&format!("FsFindFirstW {}", String::from_utf16_lossy(&path)));
    let listed = with_state(Err(Failure::Read), |s| s.plugin.list(&path));
    let entries = match listed {
        Ok(e) if e.is_empty() => {
            set_last_error(abi::ERROR_NO_MORE_FILES);
            return INVALID_HANDLE_VALUE;
        }
        Ok(e) => e,
        Err(_) => return INVALID_HANDLE_VALUE,
    };
    if out.is_null() {
        return INVALID_HANDLE_VALUE;
    }
    let mut find = Box::new(Find { entries, next: 1 });
    if let Some(first) = find.entries.first() {
        // SAFETY: the caller's contract: `out` is a writable FindData.
        fill(first, unsafe { &mut *out });
    }
    find.entries.shrink_to_fit();
    Box::into_raw(find).cast()
}

/// FsFindNextW: the next entry; false at the end.
///
/// # Safety
/// `handle` came from FsFindFirstW and is not closed; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsFindNextW(handle: *mut c_void, out: *mut FindData) -> i32 {
    if handle.is_null() || handle == INVALID_HANDLE_VALUE || out.is_null() {
        return 0;
    }
    // SAFETY: the caller's contract: a live Find of ours.
    let find = unsafe { &mut *handle.cast::<Find>() };
    match find.entries.get(find.next) {
        Some(e) => {
            // SAFETY: as above.
            fill(e, unsafe { &mut *out });
            find.next += 1;
            1
        }
        None => 0,
    }
}

/// FsFindClose.
///
/// # Safety
/// `handle` came from FsFindFirstW and is closed once.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsFindClose(handle: *mut c_void) -> i32 {
    if !handle.is_null() && handle != INVALID_HANDLE_VALUE {
        // SAFETY: the caller's contract: made by Box::into_raw, freed once.
        drop(unsafe { Box::from_raw(handle.cast::<Find>()) });
    }
    0
}

fn file_code(r: Result<(), Failure>) -> i32 {
    match r {
        Ok(()) => abi::FS_FILE_OK,
        Err(Failure::NotFound) => abi::FS_FILE_NOTFOUND,
        Err(Failure::Exists) => abi::FS_FILE_EXISTS,
        Err(Failure::Read) => abi::FS_FILE_READERROR,
        Err(Failure::Write) => abi::FS_FILE_WRITEERROR,
        Err(Failure::Aborted) => abi::FS_FILE_USERABORT,
        Err(Failure::NotSupported) => abi::FS_FILE_NOTSUPPORTED,
    }
}

/// The progress callback over (source, target), as a closure.
fn progress_of(cb: Option<Callbacks>, from: &[u16], to: &[u16]) -> impl FnMut(i32) -> bool {
    let mut from: Vec<u16> = from.iter().copied().chain([0]).collect();
    let mut to: Vec<u16> = to.iter().copied().chain([0]).collect();
    move |pct| match cb {
        Some(Callbacks { number, progress: Some(p), .. }) => p(number, from.as_mut_ptr(), to.as_mut_ptr(), pct) != 0,
        _ => false,
    }
}

/// FsGetFileW: copies `remote` out to `local`. Without
/// FS_COPYFLAGS_OVERWRITE an existing local file gives FS_FILE_EXISTS
/// (resume is not offered); with FS_COPYFLAGS_MOVE the remote file goes.
///
/// # Safety
/// Both names are NUL-terminated UTF-16 strings.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsGetFileW(remote: *const u16, local: *const u16, flags: i32, _ri: *mut c_void) -> i32 {
    // SAFETY: the caller's contract.
    let (remote, local) = unsafe { (wide(remote), wide(local)) };
    trace(&format!("FsGetFileW {} {} {flags}", String::from_utf16_lossy(&remote), String::from_utf16_lossy(&local)));
    if flags & abi::FS_COPYFLAGS_RESUME != 0 {
        return abi::FS_FILE_NOTSUPPORTED;
    }
    with_state(abi::FS_FILE_READERROR, |s| {
        let mut progress = progress_of(s.callbacks, &remote, &local);
        let overwrite = flags & abi::FS_COPYFLAGS_OVERWRITE != 0;
        let mut r = s.plugin.get(&remote, &local_path(&local), overwrite, &mut progress);
        if r.is_ok() && flags & abi::FS_COPYFLAGS_MOVE != 0 {
            r = s.plugin.delete(&remote);
        }
        file_code(r)
    })
}

/// FsPutFileW: copies `local` in as `remote`, as FsGetFileW the other way.
///
/// # Safety
/// Both names are NUL-terminated UTF-16 strings.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsPutFileW(local: *const u16, remote: *const u16, flags: i32) -> i32 {
    // SAFETY: the caller's contract.
    let (local, remote) = unsafe { (wide(local), wide(remote)) };
    if flags & abi::FS_COPYFLAGS_RESUME != 0 {
        return abi::FS_FILE_NOTSUPPORTED;
    }
    with_state(abi::FS_FILE_WRITEERROR, |s| {
        let mut progress = progress_of(s.callbacks, &local, &remote);
        let overwrite = flags & abi::FS_COPYFLAGS_OVERWRITE != 0;
        let path = local_path(&local);
        let r = s.plugin.put(&path, &remote, overwrite, &mut progress);
        if r.is_ok() && flags & abi::FS_COPYFLAGS_MOVE != 0 && std::fs::remove_file(&path).is_err() {
            return abi::FS_FILE_WRITEERROR;
        }
        file_code(r)
    })
}

/// A BOOL answer of a change on `path`.
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string.
unsafe fn change(path: *const u16, f: fn(&mut Plugin, &[u16]) -> Result<(), Failure>) -> i32 {
    // SAFETY: the caller's contract.
    let path = unsafe { wide(path) };
    with_state(0, |s| i32::from(f(&mut s.plugin, &path).is_ok()))
}

/// FsMkDirW.
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsMkDirW(path: *const u16) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { change(path, Plugin::mkdir) }
}

/// FsDeleteFileW.
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsDeleteFileW(path: *const u16) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { change(path, Plugin::delete) }
}

/// FsRemoveDirW.
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsRemoveDirW(path: *const u16) -> i32 {
    // SAFETY: the caller's contract.
    unsafe { change(path, Plugin::rmdir) }
}

/// FsStatusInfoW: a user action over many files (a multi-file copy in,
/// moves, deletes, attributes) starts or ends; the plugin then syncs once
/// at its end instead of after each file.
///
/// # Safety
/// `_dir` is a NUL-terminated UTF-16 string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsStatusInfoW(_dir: *const u16, start_end: i32, operation: i32) {
    let batched = matches!(
        operation,
        abi::FS_STATUS_OP_PUT_MULTI
            | abi::FS_STATUS_OP_RENMOV_MULTI
            | abi::FS_STATUS_OP_DELETE
            | abi::FS_STATUS_OP_ATTRIB
            | abi::FS_STATUS_OP_SYNC_PUT
            | abi::FS_STATUS_OP_SYNC_DELETE
            | abi::FS_STATUS_OP_PUT_MULTI_THREAD
    );
    if batched {
        trace(&format!("FsStatusInfoW {start_end} {operation}"));
        with_state((), |s| {
            let _ = s.plugin.batch(start_end == abi::FS_STATUS_START);
        });
    }
}

/// FsDisconnectW: unmounts the volume the path names.
///
/// # Safety
/// `root` is a NUL-terminated UTF-16 string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsDisconnectW(root: *const u16) -> i32 {
    // SAFETY: the caller's contract.
    let root = unsafe { wide(root) };
    with_state(0, |s| {
        let ok = s.plugin.disconnect(&root).is_ok();
        if ok {
            log(s.callbacks, abi::MSGTYPE_DISCONNECT, &format!("DISCONNECT {}", String::from_utf16_lossy(&root)));
        }
        i32::from(ok)
    })
}

/// FsRenMovFileW: a rename or move (`moving`), or a copy, of `old` to
/// `new` inside the plugin; FS_FILE_EXISTS when `new` exists and
/// `overwrite` is false.
///
/// # Safety
/// Both names are NUL-terminated UTF-16 strings.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsRenMovFileW(
    old: *const u16,
    new: *const u16,
    moving: i32,
    overwrite: i32,
    _ri: *mut c_void,
) -> i32 {
    // SAFETY: the caller's contract.
    let (old, new) = unsafe { (wide(old), wide(new)) };
    with_state(abi::FS_FILE_WRITEERROR, |s| {
        let mut progress = progress_of(s.callbacks, &old, &new);
        if progress(0) {
            return abi::FS_FILE_USERABORT;
        }
        let r = s.plugin.rename(&old, &new, moving != 0, overwrite != 0);
        if r.is_ok() {
            progress(100);
        }
        file_code(r)
    })
}

/// FsSetAttrW: the read-only attribute (the others have no Linux
/// counterpart and are left as they are).
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsSetAttrW(path: *const u16, attributes: i32) -> i32 {
    // SAFETY: the caller's contract.
    let path = unsafe { wide(path) };
    let read_only = attributes as u32 & abi::FILE_ATTRIBUTE_READONLY != 0;
    with_state(0, |s| i32::from(s.plugin.set_read_only(&path, read_only).is_ok()))
}

/// FsSetTimeW: the access and write times given (null pointers keep
/// theirs); Linux keeps no settable creation time.
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string; each time is null or a
/// readable FILETIME.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsSetTimeW(
    path: *const u16,
    _creation: *const FileTime,
    access: *const FileTime,
    write: *const FileTime,
) -> i32 {
    // SAFETY: the caller's contract.
    let (path, access, write) = unsafe { (wide(path), access.as_ref().copied(), write.as_ref().copied()) };
    with_state(0, |s| {
        let r = s.plugin.set_times(&path, access.map(FileTime::to_unix), write.map(FileTime::to_unix));
        i32::from(r.is_ok())
    })
}

/// FsExecuteFileW: "open" lets the file manager fetch and open a file
/// itself (FS_EXEC_YOURSELF), or follows a symlink to a folder
/// (FS_EXEC_SYMLINK, the folder's plugin path written back into `path`);
/// "chmod NNN" sets an octal mode; "properties" has nothing more to show
/// than the content fields.
///
/// # Safety
/// `path` is a writable NUL-terminated UTF-16 buffer of MAX_PATH units;
/// `verb` a NUL-terminated UTF-16 string.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsExecuteFileW(_window: *mut c_void, path: *mut u16, verb: *const u16) -> i32 {
    // SAFETY: the caller's contract.
    let (remote, verb) = unsafe { (wide(path), String::from_utf16_lossy(&wide(verb))) };
    let answer = with_state(Exec::Error, |s| {
        let mut ask = Asker(s.callbacks);
        crate::verbs::execute(&mut s.plugin, &remote, &verb, &mut ask)
    });
    match answer {
        Exec::Yourself => abi::FS_EXEC_YOURSELF,
        Exec::Ok => abi::FS_EXEC_OK,
        Exec::Error => abi::FS_EXEC_ERROR,
        Exec::Symlink(target) if target.len() < abi::MAX_PATH && !path.is_null() => {
            // SAFETY: the caller's contract: MAX_PATH writable units; the
            // target and its NUL fit.
            unsafe {
                std::ptr::copy_nonoverlapping(target.as_ptr(), path, target.len());
                *path.add(target.len()) = 0;
            }
            abi::FS_EXEC_SYMLINK
        }
        Exec::Symlink(_) => abi::FS_EXEC_ERROR,
    }
}

use crate::verbs::Exec;

/// The file manager's request callback, as `verbs::Ask`.
struct Asker(Option<Callbacks>);

/// tRequestProc's request types.
const RT_OTHER: i32 = 0;
const RT_MSG_YES_NO: i32 = 9;

impl Asker {
    fn call(&self, kind: i32, question: &str) -> Option<String> {
        let Some(Callbacks { number, _request: Some(request), .. }) = self.0 else { return None };
        let mut title: Vec<u16> = "lklfs".encode_utf16().chain([0]).collect();
        let mut text: Vec<u16> = question.encode_utf16().chain([0]).collect();
        let mut answer = vec![0u16; 1024];
        let ok = request(number, kind, title.as_mut_ptr(), text.as_mut_ptr(), answer.as_mut_ptr(), answer.len() as i32);
        let end = answer.iter().position(|&c| c == 0).unwrap_or(answer.len());
        (ok != 0).then(|| String::from_utf16_lossy(answer.get(..end).unwrap_or_default()))
    }
}

impl crate::verbs::Ask for Asker {
    fn text(&mut self, question: &str) -> Option<String> {
        self.call(RT_OTHER, question)
    }

    fn yes(&mut self, question: &str) -> bool {
        self.call(RT_MSG_YES_NO, question).is_some()
    }
}
