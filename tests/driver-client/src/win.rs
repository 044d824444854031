//! The Windows side: a few hand-declared Win32 calls and the checks.

use std::ffi::c_void;
use std::ptr;

use driver_ioctl as proto;
use widestring::{U16CString, u16cstr};

pub(crate) type Handle = *mut c_void;
const INVALID_HANDLE: Handle = -1isize as Handle;
pub(crate) const GENERIC_READ: u32 = nt::GENERIC_READ;
pub(crate) const GENERIC_WRITE: u32 = nt::GENERIC_WRITE;
const OPEN_EXISTING: u32 = 3;
pub(crate) const ERROR_INVALID_FUNCTION: u32 = 1;
const ERROR_ACCESS_DENIED: u32 = 5;
pub(crate) const ERROR_INVALID_PARAMETER: u32 = 87;
const ERROR_INSUFFICIENT_BUFFER: u32 = 122;
const TOKEN_ALL_ACCESS: u32 = 0x000F_01FF;
const DISABLE_MAX_PRIVILEGE: u32 = 1;

#[repr(C)]
struct SidAndAttributes {
    sid: *mut c_void,
    attributes: u32,
}

#[link(name = "kernel32")]
unsafe extern "system" {
    pub(crate) fn CreateFileW(
        name: *const u16,
        access: u32,
        share: u32,
        security: *mut c_void,
        disposition: u32,
        flags: u32,
        template: Handle,
    ) -> Handle;
    fn DeviceIoControl(
        dev: Handle,
        code: u32,
        inb: *const c_void,
        in_len: u32,
        outb: *mut c_void,
        out_len: u32,
        returned: *mut u32,
        overlapped: *mut c_void,
    ) -> i32;
    pub(crate) fn ReadFile(file: Handle, buf: *mut c_void, len: u32, read: *mut u32, overlapped: *mut c_void) -> i32;
    pub(crate) fn WriteFile(
        file: Handle,
        buf: *const c_void,
        len: u32,
        written: *mut u32,
        overlapped: *mut c_void,
    ) -> i32;
    pub(crate) fn CloseHandle(h: Handle) -> i32;
    pub(crate) fn GetVolumeInformationByHandleW(
        file: Handle,
        label: *mut u16,
        label_len: u32,
        serial: *mut u32,
        max_component: *mut u32,
        flags: *mut u32,
        fs_name: *mut u16,
        fs_name_len: u32,
    ) -> i32;
    pub(crate) fn GetLastError() -> u32;
    fn GetCurrentProcess() -> Handle;
    fn GetModuleHandleW(name: *const u16) -> Handle;
    fn GetProcAddress(module: Handle, name: *const u8) -> *mut c_void;
}

/// Wine's ntdll exports `wine_get_version`; Windows' does not.
fn on_wine() -> bool {
    let ntdll = u16cstr!("ntdll.dll");
    // SAFETY: NUL-terminated names; ntdll is always loaded.
    unsafe {
        let m = GetModuleHandleW(ntdll.as_ptr());
        !m.is_null() && !GetProcAddress(m, c"wine_get_version".as_ptr().cast()).is_null()
    }
}

#[link(name = "advapi32")]
unsafe extern "system" {
    fn OpenProcessToken(process: Handle, access: u32, token: *mut Handle) -> i32;
    fn CreateRestrictedToken(
        existing: Handle,
        flags: u32,
        disable_count: u32,
        disable: *const SidAndAttributes,
        delete_count: u32,
        delete: *const c_void,
        restrict_count: u32,
        restrict: *const c_void,
        new_token: *mut Handle,
    ) -> i32;
    fn ImpersonateLoggedOnUser(token: Handle) -> i32;
    fn RevertToSelf() -> i32;
    fn GetKernelObjectSecurity(h: Handle, info: u32, sd: *mut c_void, len: u32, needed: *mut u32) -> i32;
    fn ConvertSecurityDescriptorToStringSecurityDescriptorW(
        sd: *mut c_void,
        rev: u32,
        info: u32,
        out: *mut *mut u16,
        out_len: *mut u32,
    ) -> i32;
    fn ConvertStringSecurityDescriptorToSecurityDescriptorW(
        sddl: *const u16,
        rev: u32,
        sd: *mut *mut c_void,
        len: *mut u32,
    ) -> i32;
}

#[link(name = "kernel32")]
unsafe extern "system" {
    fn LocalFree(mem: *mut c_void) -> *mut c_void;
    fn CreateEventW(attrs: *mut SecurityAttributes, manual: i32, initial: i32, name: *const u16) -> Handle;
    fn OpenEventW(access: u32, inherit: i32, name: *const u16) -> Handle;
}

#[repr(C)]
struct SecurityAttributes {
    length: u32,
    descriptor: *mut c_void,
    inherit: i32,
}

const DACL_SECURITY_INFORMATION: u32 = 4;
const SDDL_REVISION_1: u32 = 1;
/// What the driver sets: full file access for SYSTEM and Administrators only.
const DEVICE_SDDL: &str = "D:(A;;FA;;;SY)(A;;FA;;;BA)";
const EVENT_ALL_ACCESS: u32 = 0x001F_0003;

/// The device's DACL as SDDL, read through an administrator's handle.
fn device_dacl(dev: Handle) -> Result<String, String> {
    let mut buf = vec![0u8; 1024];
    let mut needed = 0u32;
    // SAFETY: the buffer is valid for its length; out-pointers are valid;
    // LocalFree releases what the conversion allocated.
    unsafe {
        if GetKernelObjectSecurity(
            dev,
            DACL_SECURITY_INFORMATION,
            buf.as_mut_ptr().cast(),
            buf.len() as u32,
            &mut needed,
        ) == 0
        {
            return Err(format!("GetKernelObjectSecurity: error {}", GetLastError()));
        }
    }
    sd_to_sddl(&buf, DACL_SECURITY_INFORMATION)
}

/// advapi32's SDDL rendering of the parts `info` names of a self-relative
/// security descriptor (an oracle for descriptors the driver builds).
pub fn sd_to_sddl(sd: &[u8], info: u32) -> Result<String, String> {
    let mut copy = sd.to_vec();
    let mut text: *mut u16 = ptr::null_mut();
    let mut len = 0u32;
    // SAFETY: the copy is a live buffer; out-pointers are valid; LocalFree
    // releases what the conversion allocated.
    unsafe {
        if ConvertSecurityDescriptorToStringSecurityDescriptorW(
            copy.as_mut_ptr().cast(),
            SDDL_REVISION_1,
            info,
            &mut text,
            &mut len,
        ) == 0
        {
            return Err(format!("ConvertSecurityDescriptorToStringSecurityDescriptorW: error {}", GetLastError()));
        }
        let mut n = 0;
        while *text.add(n) != 0 {
            n += 1;
        }
        let s = String::from_utf16_lossy(std::slice::from_raw_parts(text, n));
        LocalFree(text.cast());
        Ok(s)
    }
}

/// advapi32's self-relative security descriptor for an SDDL string.
pub fn sddl_to_sd(sddl: &str) -> Result<Vec<u8>, String> {
    let text = widestring::U16CString::from_str(sddl).map_err(|e| e.to_string())?;
    let mut sd: *mut c_void = ptr::null_mut();
    let mut len = 0u32;
    // SAFETY: a NUL-terminated string and valid out-pointers; the result is
    // copied out before LocalFree releases it.
    unsafe {
        if ConvertStringSecurityDescriptorToSecurityDescriptorW(text.as_ptr(), SDDL_REVISION_1, &mut sd, &mut len) == 0
        {
            return Err(format!(
                "ConvertStringSecurityDescriptorToSecurityDescriptorW({sddl}): error {}",
                GetLastError()
            ));
        }
        let v = std::slice::from_raw_parts(sd.cast::<u8>(), len as usize).to_vec();
        LocalFree(sd);
        Ok(v)
    }
}

/// Runs `f` while impersonating a token whose Administrators group is
/// disabled (deny-only) and whose privileges are removed.
fn as_non_admin<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    // S-1-5-32-544 in binary form.
    let mut admins: [u8; 16] = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0];
    let mut token: Handle = ptr::null_mut();
    let mut restricted: Handle = ptr::null_mut();
    // SAFETY: out-pointers are valid; the SID buffer outlives the calls.
    unsafe {
        if OpenProcessToken(GetCurrentProcess(), TOKEN_ALL_ACCESS, &mut token) == 0 {
            return Err(format!("OpenProcessToken: error {}", GetLastError()));
        }
        let disable = SidAndAttributes { sid: admins.as_mut_ptr().cast(), attributes: 0 };
        let ok = CreateRestrictedToken(
            token,
            DISABLE_MAX_PRIVILEGE,
            1,
            &disable,
            0,
            ptr::null(),
            0,
            ptr::null(),
            &mut restricted,
        );
        CloseHandle(token);
        if ok == 0 {
            return Err(format!("CreateRestrictedToken: error {}", GetLastError()));
        }
        if ImpersonateLoggedOnUser(restricted) == 0 {
            let e = GetLastError();
            CloseHandle(restricted);
            return Err(format!("ImpersonateLoggedOnUser: error {e}"));
        }
    }
    let r = f();
    // SAFETY: undoes the impersonation above.
    unsafe {
        RevertToSelf();
        CloseHandle(restricted);
    }
    Ok(r)
}

/// Whether this system refuses a non-administrator token on an object whose
/// DACL admits only SYSTEM and Administrators (a named event): the control
/// experiment that tells a Wine limitation from a driver bug.
fn system_enforces_admin_only_dacls() -> Result<bool, String> {
    let sddl = u16cstr!("D:(A;;GA;;;SY)(A;;GA;;;BA)");
    let name = U16CString::from_str_truncate(format!("Local\\LklfsAclProbe{}", std::process::id()));
    let mut sd: *mut c_void = ptr::null_mut();
    // SAFETY: NUL-terminated strings; out-pointers valid; handles closed.
    unsafe {
        if ConvertStringSecurityDescriptorToSecurityDescriptorW(
            sddl.as_ptr(),
            SDDL_REVISION_1,
            &mut sd,
            ptr::null_mut(),
        ) == 0
        {
            return Err(format!("ConvertStringSecurityDescriptorToSecurityDescriptorW: error {}", GetLastError()));
        }
        let mut attrs =
            SecurityAttributes { length: std::mem::size_of::<SecurityAttributes>() as u32, descriptor: sd, inherit: 0 };
        let event = CreateEventW(&mut attrs, 1, 0, name.as_ptr());
        LocalFree(sd);
        if event.is_null() {
            return Err(format!("CreateEventW: error {}", GetLastError()));
        }
        let opened = as_non_admin(|| OpenEventW(EVENT_ALL_ACCESS, 0, name.as_ptr()));
        CloseHandle(event);
        match opened? {
            h if h.is_null() => Ok(true),
            h => {
                CloseHandle(h);
                Ok(false)
            }
        }
    }
}

pub(crate) struct Report {
    pub(crate) passed: u32,
    pub(crate) failed: u32,
}

impl Report {
    pub(crate) fn check(&mut self, name: &str, result: Result<(), String>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                println!("ok - {name}");
            }
            Err(why) => {
                self.failed += 1;
                println!("not ok - {name}: {why}");
            }
        }
    }
}

pub(crate) fn open_device() -> Result<Handle, u32> {
    let name = u16cstr!(proto::USER_PATH);
    // SAFETY: `name` is NUL-terminated UTF-16; other pointers are null.
    let h = unsafe {
        CreateFileW(name.as_ptr(), GENERIC_READ | GENERIC_WRITE, 0, ptr::null_mut(), OPEN_EXISTING, 0, ptr::null_mut())
    };
    if h == INVALID_HANDLE {
        // SAFETY: no preconditions.
        return Err(unsafe { GetLastError() });
    }
    Ok(h)
}

/// One DeviceIoControl: Ok(bytes returned) or Err(Win32 error).
pub(crate) fn ioctl(dev: Handle, code: u32, input: &[u8], out: &mut [u8]) -> Result<usize, u32> {
    let mut returned = 0u32;
    let inp = if input.is_empty() { ptr::null() } else { input.as_ptr().cast() };
    let outp = if out.is_empty() { ptr::null_mut() } else { out.as_mut_ptr().cast() };
    // SAFETY: the buffers are valid for the lengths passed (or null with 0).
    let ok = unsafe {
        DeviceIoControl(dev, code, inp, input.len() as u32, outp, out.len() as u32, &mut returned, ptr::null_mut())
    };
    if ok == 0 {
        // SAFETY: no preconditions.
        return Err(unsafe { GetLastError() });
    }
    Ok(returned as usize)
}

/// Every length pair around the exact sizes except the exact one; returns
/// how many were tried.
pub(crate) fn sweep(dev: Handle, code: u32, good_in: &[u8], out_size: usize) -> Result<usize, String> {
    let mut tried = 0;
    let mut out = vec![0xCCu8; out_size + 1];
    for in_len in 0..=good_in.len() + 1 {
        let input: Vec<u8> = good_in.iter().copied().chain(std::iter::repeat(0)).take(in_len).collect();
        let out_lens: Vec<usize> = if in_len == good_in.len() {
            (0..=out_size + 1).collect()
        } else {
            vec![0, out_size / 2, out_size, out_size + 1]
        };
        for out_len in out_lens {
            if in_len == good_in.len() && out_len == out_size {
                continue;
            }
            let want = if in_len != good_in.len() {
                ERROR_INVALID_PARAMETER
            } else if out_len < out_size {
                ERROR_INSUFFICIENT_BUFFER
            } else {
                ERROR_INVALID_PARAMETER
            };
            match ioctl(dev, code, &input, &mut out[..out_len]) {
                Err(e) if e == want => {}
                other => return Err(format!("in {in_len} out {out_len}: got {other:?}, want error {want}")),
            }
            tried += 1;
        }
    }
    Ok(tried)
}

pub(crate) fn counters(dev: Handle) -> Result<proto::AllocCounters, String> {
    let mut out = [0u8; proto::COUNTERS_OUT_SIZE];
    let n = ioctl(dev, proto::IOCTL_ALLOC_COUNTERS, &[], &mut out)
        .map_err(|e| format!("IOCTL_ALLOC_COUNTERS failed with error {e}"))?;
    if n != out.len() {
        return Err(format!("IOCTL_ALLOC_COUNTERS returned {n} bytes"));
    }
    proto::AllocCounters::decode(&out).ok_or_else(|| "undecodable counters".into())
}

/// Opens the device as a non-administrator: must be refused where the
/// system models token groups in access checks. `Ok(None)` = refused,
/// `Ok(Some(why))` = not modelled here (skipped, with the evidence).
fn non_admin_open_refused() -> Result<Option<String>, String> {
    let r = as_non_admin(open_device)?;
    match r {
        Err(ERROR_ACCESS_DENIED) => Ok(None),
        Err(e) => Err(format!("open failed with error {e}, want ERROR_ACCESS_DENIED")),
        Ok(h) => {
            // SAFETY: we own the handle.
            unsafe { CloseHandle(h) };
            let models_tokens = system_enforces_admin_only_dacls()?;
            if !models_tokens {
                Ok(Some("this system lets a token with the Administrators group disabled open an admin-only event too, so it does not model the check".into()))
            } else if on_wine() {
                Ok(Some(
                    "Wine refuses the same token on an admin-only event, but opens devices without checking the device object's DACL \
                     (the driver reads its DACL back at load, so the descriptor is set); needs Windows"
                        .into(),
                ))
            } else {
                Err("a token without the Administrators group opened the control device".into())
            }
        }
    }
}

pub fn run() -> i32 {
    let mut r = Report { passed: 0, failed: 0 };
    let dev = match open_device() {
        Ok(h) => h,
        Err(e) => {
            println!("not ok - open {}: error {e}", proto::USER_PATH);
            println!("0 passed, 1 failed");
            return 1;
        }
    };
    r.check("open control device as administrator", Ok(()));

    let good = proto::SelfTestRequest::CURRENT.encode();
    let res = sweep(dev, proto::IOCTL_SELFTEST, &good, proto::SELFTEST_OUT_SIZE)
        .map(|n| println!("# self-test IOCTL: {n} wrong length pairs refused"));
    r.check("self-test IOCTL refuses every wrong buffer length", res);
    let res = sweep(dev, proto::IOCTL_ALLOC_COUNTERS, &[], proto::COUNTERS_OUT_SIZE)
        .map(|n| println!("# counters IOCTL: {n} wrong length pairs refused"));
    r.check("counters IOCTL refuses every wrong buffer length", res);
    let mut bad = good;
    bad[4] ^= 0xff;
    let mut out = vec![0u8; proto::SELFTEST_OUT_SIZE];
    r.check(
        "self-test IOCTL refuses a wrong protocol version",
        match ioctl(dev, proto::IOCTL_SELFTEST, &bad, &mut out) {
            Err(ERROR_INVALID_PARAMETER) => Ok(()),
            other => Err(format!("got {other:?}")),
        },
    );
    crate::linux::validation(dev, &mut r);
    r.check(
        "unknown IOCTL code is refused",
        match ioctl(dev, proto::IOCTL_SELFTEST + 4 * 64, &[], &mut []) {
            Err(ERROR_INVALID_FUNCTION) => Ok(()),
            other => Err(format!("got {other:?}, want ERROR_INVALID_FUNCTION")),
        },
    );
    let mut buf = [0u8; 16];
    let mut read = 0u32;
    // SAFETY: valid handle and buffer.
    let ok = unsafe { ReadFile(dev, buf.as_mut_ptr().cast(), buf.len() as u32, &mut read, ptr::null_mut()) };
    // SAFETY: no preconditions.
    let err = unsafe { GetLastError() };
    r.check(
        "IRP_MJ_READ is refused (STATUS_INVALID_DEVICE_REQUEST)",
        if ok == 0 && err == ERROR_INVALID_FUNCTION { Ok(()) } else { Err(format!("ReadFile = {ok}, error {err}")) },
    );

    let before = counters(dev);
    let selftest = ioctl(dev, proto::IOCTL_SELFTEST, &good, &mut out);
    match selftest {
        Ok(n) if n == out.len() => match proto::decode_results(&out) {
            Ok(cases) => {
                let mut count = 0;
                for c in cases {
                    count += 1;
                    let res = match c.outcome {
                        proto::CaseOutcome::Passed => Ok(()),
                        proto::CaseOutcome::Failed => Err(c.message.to_string()),
                    };
                    r.check(&format!("nt-host: {}", c.name), res);
                }
                r.check(
                    "self-test reported cases",
                    if count >= 12 { Ok(()) } else { Err(format!("only {count} cases")) },
                );
            }
            Err(e) => r.check("self-test results decode", Err(format!("{e:?}"))),
        },
        other => r.check("self-test IOCTL", Err(format!("returned {other:?}"))),
    }
    let after = counters(dev);
    r.check(
        "allocation counters balanced after the self-test",
        match (before, after) {
            (Ok(b), Ok(a)) => {
                println!("# counters before {b:?} after {a:?}");
                if a.host_outstanding != 0 {
                    Err(format!("{} host allocations outstanding", a.host_outstanding))
                } else if a.heap_outstanding != a.heap_baseline {
                    Err(format!("heap {} blocks, baseline {}", a.heap_outstanding, a.heap_baseline))
                } else if a.selftests_run != b.selftests_run + 1 {
                    Err(format!("selftests_run went from {} to {}", b.selftests_run, a.selftests_run))
                } else {
                    Ok(())
                }
            }
            (b, a) => Err(format!("{b:?} / {a:?}")),
        },
    );
    match device_dacl(dev) {
        Ok(s) if s == DEVICE_SDDL => r.check("control device DACL admits only SYSTEM and Administrators", Ok(())),
        Ok(s) if s.is_empty() && on_wine() => println!(
            "skip - control device DACL read through a handle: Wine answers with the file object's empty descriptor, not the device's \
             (the driver checks the device DACL itself at load)"
        ),
        Ok(s) => r.check(
            "control device DACL admits only SYSTEM and Administrators",
            Err(format!("DACL is {s:?}, want {DEVICE_SDDL}")),
        ),
        Err(e) => r.check("control device DACL admits only SYSTEM and Administrators", Err(e)),
    }
    // SAFETY: we own the handle.
    unsafe { CloseHandle(dev) };

    match non_admin_open_refused() {
        Ok(None) => r.check("open without the Administrators group is refused", Ok(())),
        Ok(Some(why)) => println!("skip - open without the Administrators group is refused: {why}"),
        Err(e) => r.check("open without the Administrators group is refused", Err(e)),
    }
    println!("{} passed, {} failed", r.passed, r.failed);
    if r.failed == 0 { 0 } else { 1 }
}
