//! The setup logic's host on the Win32 API: files through std, the
//! registry (HKEY_LOCAL_MACHINE, the 64-bit view, as this is a 64-bit
//! program), the Service Control Manager, the driver's control device
//! (through `lkl_std_host::windisk`'s IOCTL), WM_SETTINGCHANGE and
//! MoveFileEx. The unsafe calls are here and nowhere else in the installer.

#![allow(unsafe_code)]

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use setup_logic::Error;
use setup_logic::args::Args;
use setup_logic::host::{Host, ServiceSpec, ServiceState, Value};
use setup_logic::setup::{self, Package};
use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_SUCCESS};
use windows_sys::Win32::System::Registry as reg;
use windows_sys::Win32::System::Services as svc;

/// A NUL-terminated UTF-16 copy of `s`.
fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(Some(0)).collect()
}

fn win32(code: u32) -> io::Error {
    io::Error::from_raw_os_error(code as i32)
}

/// How long a service may take to start or stop.
const SERVICE_WAIT: Duration = Duration::from_secs(60);

/// A service-manager handle, closed on drop.
struct ScHandle(svc::SC_HANDLE);

impl ScHandle {
    fn check(h: svc::SC_HANDLE) -> io::Result<Self> {
        if h.is_null() { Err(io::Error::last_os_error()) } else { Ok(ScHandle(h)) }
    }
}

impl Drop for ScHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from OpenSCManagerW/OpenServiceW/
        // CreateServiceW and is closed once, here.
        unsafe { svc::CloseServiceHandle(self.0) };
    }
}

fn manager() -> io::Result<ScHandle> {
    // SAFETY: NULL machine and database name the local active database.
    ScHandle::check(unsafe { svc::OpenSCManagerW(null(), null(), svc::SC_MANAGER_ALL_ACCESS) })
}

/// The service, or `None` when there is none.
fn open_service(name: &str) -> io::Result<Option<ScHandle>> {
    let m = manager()?;
    let n = wide(name);
    // SAFETY: `m` is an open manager handle; `n` is NUL-terminated.
    match ScHandle::check(unsafe { svc::OpenServiceW(m.0, n.as_ptr(), svc::SERVICE_ALL_ACCESS) }) {
        Ok(h) => Ok(Some(h)),
        Err(e) if e.raw_os_error() == Some(windows_sys::Win32::Foundation::ERROR_SERVICE_DOES_NOT_EXIST as i32) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The service, which must exist.
fn existing(name: &str) -> io::Result<ScHandle> {
    open_service(name)?.ok_or_else(|| io::Error::other("no such service"))
}

/// A BOOL result as a `Result`; the error `already` (the state asked for
/// holds already) counts as success.
fn succeeded(ok: windows_sys::Win32::Foundation::BOOL, already: u32) -> io::Result<()> {
    if ok != 0 {
        return Ok(());
    }
    let e = io::Error::last_os_error();
    if already != 0 && e.raw_os_error() == Some(already as i32) { Ok(()) } else { Err(e) }
}

fn status(h: &ScHandle) -> io::Result<svc::SERVICE_STATUS> {
    // SAFETY: SERVICE_STATUS is plain data; all-zero is a valid value.
    let mut s: svc::SERVICE_STATUS = unsafe { std::mem::zeroed() };
    // SAFETY: `h` is an open service handle; `s` is writable.
    if unsafe { svc::QueryServiceStatus(h.0, &mut s) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(s)
}

/// Waits until the service reaches `state`, within [`SERVICE_WAIT`].
fn wait_for(h: &ScHandle, state: u32) -> io::Result<()> {
    let start = Instant::now();
    loop {
        let s = status(h)?;
        if s.dwCurrentState == state {
            return Ok(());
        }
        if start.elapsed() > SERVICE_WAIT {
            return Err(io::Error::other(format!(
                "still in state {} after {} s",
                s.dwCurrentState,
                SERVICE_WAIT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An open registry key, closed on drop.
struct Key(reg::HKEY);

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the key came from RegOpenKeyExW/RegCreateKeyExW; closed once.
        unsafe { reg::RegCloseKey(self.0) };
    }
}

fn open_key(path: &str, write: bool) -> io::Result<Key> {
    let p = wide(path);
    let mut k: reg::HKEY = null_mut();
    // SAFETY: HKLM is a predefined key; `p` is NUL-terminated; `k` receives
    // the handle.
    let r = unsafe {
        if write {
            reg::RegCreateKeyExW(
                reg::HKEY_LOCAL_MACHINE,
                p.as_ptr(),
                0,
                null(),
                reg::REG_OPTION_NON_VOLATILE,
                reg::KEY_ALL_ACCESS,
                null(),
                &mut k,
                null_mut(),
            )
        } else {
            reg::RegOpenKeyExW(reg::HKEY_LOCAL_MACHINE, p.as_ptr(), 0, reg::KEY_READ, &mut k)
        }
    };
    if r != ERROR_SUCCESS { Err(win32(r)) } else { Ok(Key(k)) }
}

/// UTF-16 units of a string value's data, without its terminating NULs.
fn units(data: &[u8]) -> Vec<u16> {
    let mut u: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    while u.last() == Some(&0) {
        u.pop();
    }
    u
}

fn decode(kind: u32, data: &[u8]) -> Option<Value> {
    match kind {
        reg::REG_DWORD => Some(Value::Dword(u32::from_le_bytes(data.get(..4)?.try_into().ok()?))),
        reg::REG_SZ => Some(Value::Sz(String::from_utf16_lossy(&units(data)))),
        reg::REG_EXPAND_SZ => Some(Value::ExpandSz(String::from_utf16_lossy(&units(data)))),
        reg::REG_MULTI_SZ => {
            let u = units(data);
            Some(Value::MultiSz(u.split(|&c| c == 0).map(String::from_utf16_lossy).collect()))
        }
        _ => None,
    }
}

fn encode(v: &Value) -> (u32, Vec<u8>) {
    let text = |s: &str| s.encode_utf16().chain(Some(0)).flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
    match v {
        Value::Dword(d) => (reg::REG_DWORD, d.to_le_bytes().to_vec()),
        Value::Sz(s) => (reg::REG_SZ, text(s)),
        Value::ExpandSz(s) => (reg::REG_EXPAND_SZ, text(s)),
        Value::MultiSz(v) => {
            let mut b: Vec<u8> = v.iter().flat_map(|s| text(s)).collect();
            b.extend_from_slice(&[0, 0]);
            (reg::REG_MULTI_SZ, b)
        }
    }
}

/// The real machine. `silent` keeps progress lines off the console.
pub struct WinHost {
    silent: bool,
}

impl Host for WinHost {
    fn system_root(&self) -> String {
        std::env::var("SystemRoot").unwrap_or_else(|_| r"C:\Windows".into())
    }

    fn program_files(&self) -> String {
        // ProgramW6432 is the 64-bit folder whatever the caller's bitness.
        std::env::var("ProgramW6432")
            .or_else(|_| std::env::var("ProgramFiles"))
            .unwrap_or_else(|_| r"C:\Program Files".into())
    }

    fn write_file(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::write(path, bytes)
    }

    fn remove_file(&mut self, path: &str) -> io::Result<()> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }

    fn create_dir_all(&mut self, path: &str) -> io::Result<()> {
        std::fs::create_dir_all(path)
    }

    fn remove_dir(&mut self, path: &str) -> io::Result<()> {
        match std::fs::remove_dir(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }

    fn delete_at_restart(&mut self, path: &str) -> io::Result<()> {
        let p = wide(path);
        use windows_sys::Win32::Storage::FileSystem::{MOVEFILE_DELAY_UNTIL_REBOOT, MoveFileExW};
        // SAFETY: `p` is NUL-terminated; a NULL target means delete.
        if unsafe { MoveFileExW(p.as_ptr(), null(), MOVEFILE_DELAY_UNTIL_REBOOT) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn reg_get(&self, key: &str, name: &str) -> Option<Value> {
        let k = open_key(key, false).ok()?;
        let n = wide(name);
        let mut kind = 0u32;
        let mut len = 0u32;
        // SAFETY: `k` is open; a NULL buffer asks for the size only.
        let r = unsafe { reg::RegQueryValueExW(k.0, n.as_ptr(), null(), &mut kind, null_mut(), &mut len) };
        if r != ERROR_SUCCESS {
            return None;
        }
        let mut data = vec![0u8; len as usize];
        // SAFETY: `data` holds `len` writable bytes.
        let r = unsafe { reg::RegQueryValueExW(k.0, n.as_ptr(), null(), &mut kind, data.as_mut_ptr(), &mut len) };
        if r != ERROR_SUCCESS {
            return None;
        }
        data.truncate(len as usize);
        decode(kind, &data)
    }

    fn reg_set(&mut self, key: &str, name: &str, value: &Value) -> io::Result<()> {
        let k = open_key(key, true)?;
        let n = wide(name);
        let (kind, data) = encode(value);
        // SAFETY: `k` is open for writing; `data` is `data.len()` bytes.
        let r = unsafe { reg::RegSetValueExW(k.0, n.as_ptr(), 0, kind, data.as_ptr(), data.len() as u32) };
        if r != ERROR_SUCCESS { Err(win32(r)) } else { Ok(()) }
    }

    fn reg_delete_tree(&mut self, key: &str) -> io::Result<()> {
        let p = wide(key);
        // SAFETY: HKLM is a predefined key; `p` is NUL-terminated.
        let r = unsafe { reg::RegDeleteTreeW(reg::HKEY_LOCAL_MACHINE, p.as_ptr()) };
        // RegDeleteTreeW leaves the key itself; delete it too.
        if r != ERROR_SUCCESS && r != ERROR_FILE_NOT_FOUND {
            return Err(win32(r));
        }
        // SAFETY: as above.
        let r = unsafe { reg::RegDeleteKeyW(reg::HKEY_LOCAL_MACHINE, p.as_ptr()) };
        if r != ERROR_SUCCESS && r != ERROR_FILE_NOT_FOUND { Err(win32(r)) } else { Ok(()) }
    }

    fn environment_changed(&mut self) {
        use windows_sys::Win32::UI::WindowsAndMessaging::{
            HWND_BROADCAST, SMTO_ABORTIFHUNG, SendMessageTimeoutW, WM_SETTINGCHANGE,
        };
        let env = wide("Environment");
        let mut result = 0usize;
        // SAFETY: a broadcast with a NUL-terminated string parameter, as
        // Microsoft documents for environment changes; bounded by 5 s.
        unsafe {
            SendMessageTimeoutW(
                HWND_BROADCAST,
                WM_SETTINGCHANGE,
                0,
                env.as_ptr() as isize,
                SMTO_ABORTIFHUNG,
                5000,
                &mut result,
            )
        };
    }

    fn service_state(&self, name: &str) -> io::Result<Option<ServiceState>> {
        let Some(h) = open_service(name)? else { return Ok(None) };
        Ok(Some(if status(&h)?.dwCurrentState == svc::SERVICE_STOPPED {
            ServiceState::Stopped
        } else {
            ServiceState::Running
        }))
    }

    fn put_service(&mut self, spec: &ServiceSpec) -> io::Result<()> {
        let (name, display, image, group) =
            (wide(&spec.name), wide(&spec.display_name), wide(&spec.image_path), wide(&spec.group));
        if let Some(h) = open_service(&spec.name)? {
            // SAFETY: `h` is open; every string is NUL-terminated; NULLs
            // leave dependencies, account and password as they are.
            let ok = unsafe {
                svc::ChangeServiceConfigW(
                    h.0,
                    spec.service_type,
                    spec.start_type,
                    spec.error_control,
                    image.as_ptr(),
                    group.as_ptr(),
                    null_mut(),
                    null(),
                    null(),
                    null(),
                    display.as_ptr(),
                )
            };
            return succeeded(ok, 0);
        }
        let m = manager()?;
        // SAFETY: `m` is open; every string is NUL-terminated; a driver
        // has no account, password or dependencies.
        ScHandle::check(unsafe {
            svc::CreateServiceW(
                m.0,
                name.as_ptr(),
                display.as_ptr(),
                svc::SERVICE_ALL_ACCESS,
                spec.service_type,
                spec.start_type,
                spec.error_control,
                image.as_ptr(),
                group.as_ptr(),
                null_mut(),
                null(),
                null(),
                null(),
            )
        })
        .map(drop)
    }

    fn start_service(&mut self, name: &str) -> io::Result<()> {
        let h = existing(name)?;
        // SAFETY: `h` is open; no arguments.
        let ok = unsafe { svc::StartServiceW(h.0, 0, null()) };
        succeeded(ok, windows_sys::Win32::Foundation::ERROR_SERVICE_ALREADY_RUNNING)?;
        wait_for(&h, svc::SERVICE_RUNNING)
    }

    fn stop_service(&mut self, name: &str) -> io::Result<()> {
        let h = existing(name)?;
        // SAFETY: SERVICE_STATUS is plain data.
        let mut s: svc::SERVICE_STATUS = unsafe { std::mem::zeroed() };
        // SAFETY: `h` is open; `s` is writable.
        let ok = unsafe { svc::ControlService(h.0, svc::SERVICE_CONTROL_STOP, &mut s) };
        succeeded(ok, windows_sys::Win32::Foundation::ERROR_SERVICE_NOT_ACTIVE)?;
        wait_for(&h, svc::SERVICE_STOPPED)
    }

    fn delete_service(&mut self, name: &str) -> io::Result<()> {
        let h = existing(name)?;
        // SAFETY: `h` is open with DELETE access (SERVICE_ALL_ACCESS).
        succeeded(unsafe { svc::DeleteService(h.0) }, 0)
    }

    fn driver_answers(&self) -> bool {
        OpenOptions::new().read(true).write(true).open(driver_ioctl::USER_PATH).is_ok()
    }

    fn mounted_volumes(&self) -> io::Result<Vec<String>> {
        use driver_ioctl::images::{LIST_OUT_SIZE, Listed};
        let dev = match OpenOptions::new().read(true).write(true).open(driver_ioctl::USER_PATH) {
            Ok(d) => d,
            // Not running: nothing is mounted.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = vec![0u8; LIST_OUT_SIZE];
        let n = lkl_std_host::windisk::device_io_control(
            &dev,
            driver_ioctl::IOCTL_IMAGE_LIST,
            &driver_ioctl::linux::header(),
            &mut out,
        )
        .map_err(io::Error::from_raw_os_error)?;
        out.truncate(n);
        Ok(Listed::decode_all(&out).iter().map(shown).collect())
    }

    fn say(&mut self, line: &str) {
        if !self.silent {
            println!("{line}");
        }
    }
}

/// A served disk as `lklfs unmount` takes it: `E: (C:\images\disk.ext4)`,
/// or by its number, `disk 0 (C:\images\disk.ext4)`, when it has no letter.
fn shown(d: &driver_ioctl::images::Listed) -> String {
    let path = d.shown_path();
    match d.letter {
        0 => format!("disk {} ({path})", d.number),
        l => format!("{}: ({path})", char::from(l)),
    }
}

/// Runs the install or the uninstall; the exit code.
pub fn run(a: &Args, payload: &[u8]) -> u8 {
    let mut host = WinHost { silent: a.silent };
    let result = (|| -> Result<(), Error> {
        let files = setup_logic::payload::read(payload)?;
        let exe =
            std::env::current_exe().map_err(|e| Error::failed(format!("cannot find this program's file: {e}")))?;
        let own = std::fs::read(&exe).map_err(|e| Error::failed(format!("{}: {e}", exe.display())))?;
        let pkg = Package { files: &files, uninstaller: &own, version: env!("CARGO_PKG_VERSION") };
        if a.uninstall {
            if !a.silent && !confirm("Remove lklfs (the driver, its service and its tools) from this computer?") {
                return Err(Error::blocked("nothing was removed"));
            }
            setup::uninstall(&mut host, &pkg)
        } else {
            let dir = setup::install_dir(&host, a.dir.as_deref());
            if !a.silent && !confirm(&format!("Install lklfs {} into {dir}?", pkg.version)) {
                return Err(Error::blocked("nothing was installed"));
            }
            setup::install(&mut host, &pkg, a.dir.as_deref())
        }
    })();
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("lklfs setup: {e}");
            if e.blocked { 3 } else { 1 }
        }
    }
}

/// Asks yes or no on the console; yes unless the answer starts with n.
fn confirm(question: &str) -> bool {
    print!("{question} [Y/n] ");
    let _ = io::stdout().flush();
    let mut line = String::new();
    if io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    !line.trim().to_ascii_lowercase().starts_with('n')
}

/// Started from Explorer, the program has a console of its own, which
/// closes with it: keep the last lines readable until Enter.
pub fn pause_if_own_console() {
    let mut pids = [0u32; 2];
    // SAFETY: `pids` holds two u32s, as the count says.
    let n = unsafe { windows_sys::Win32::System::Console::GetConsoleProcessList(pids.as_mut_ptr(), 2) };
    if n == 1 {
        print!("Press Enter to close.");
        let _ = io::stdout().flush();
        let mut line = String::new();
        let _ = io::stdin().read_line(&mut line);
    }
}
