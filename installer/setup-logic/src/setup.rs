//! Install, upgrade and uninstall.
//!
//! What an install leaves on the machine, all of it recorded so the
//! uninstaller removes exactly that:
//! - the package's files under the install folder (`%ProgramFiles%\lklfs`
//!   unless `/D=` says otherwise), `uninstall.exe` (this program again), and
//!   the driver in `%SystemRoot%\System32\drivers\lklfs.sys`;
//! - the service `lklfs`: a file-system driver (type 2) in the group "File
//!   System", `ErrorControl` 1, started at system start (see [`START_TYPE`]),
//!   and its `Parameters` key with the defaults of
//!   `driver_ioctl::service` (values already there are kept);
//! - the install folder at the end of the system PATH;
//! - the Programs and Features entry, which also lists the files written
//!   (`InstalledFiles`), so a later version's uninstaller removes what an
//!   older one put there.
//!
//! A volume the driver serves blocks an upgrade and an uninstall before
//! anything changes: stopping the service would take it away from under
//! the programs using it.

use driver_ioctl::service;

use crate::host::{Host, ServiceSpec, ServiceState, Value};
use crate::{Error, pathenv, payload};

/// The service's key.
pub const SERVICE_KEY: &str = r"SYSTEM\CurrentControlSet\Services\lklfs";
/// Its `Parameters` key.
pub const PARAMETERS_KEY: &str = r"SYSTEM\CurrentControlSet\Services\lklfs\Parameters";
/// The Programs and Features entry.
pub const UNINSTALL_KEY: &str = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\lklfs";
/// The system environment (the PATH).
pub const ENVIRONMENT_KEY: &str = r"SYSTEM\CurrentControlSet\Control\Session Manager\Environment";
/// The uninstaller's name in the install folder.
pub const UNINSTALLER: &str = "uninstall.exe";
/// The driver's name in the package and in the drivers folder.
pub const DRIVER: &str = "lklfs.sys";
/// The files a package must carry.
const REQUIRED: [&str; 2] = [DRIVER, "lklfs.exe"];

/// SERVICE_FILE_SYSTEM_DRIVER.
pub const SERVICE_TYPE: u32 = 2;
/// SERVICE_SYSTEM_START: the driver loads with the "File System" group
/// while Windows starts, so it is registered before the first volume on a
/// disk present at boot is mounted; an automatic (SCM) start comes later,
/// and a volume mounted before it would stay RAW until it is dismounted.
pub const START_TYPE: u32 = 1;
/// SERVICE_ERROR_NORMAL: a load failure is logged and Windows goes on.
pub const ERROR_CONTROL: u32 = 1;
/// The load-order group of file systems.
pub const GROUP: &str = "File System";
/// The service's display name.
pub const DISPLAY_NAME: &str = "lklfs (Linux file systems)";

/// What the setup program carries.
pub struct Package<'a> {
    /// The files to install.
    pub files: &'a [payload::File],
    /// This program's own bytes, written as the uninstaller.
    pub uninstaller: &'a [u8],
    /// The version shown in Programs and Features.
    pub version: &'a str,
}

/// The service as installed.
pub fn service_spec() -> ServiceSpec {
    ServiceSpec {
        name: service::NAME.to_string(),
        display_name: DISPLAY_NAME.to_string(),
        service_type: SERVICE_TYPE,
        start_type: START_TYPE,
        error_control: ERROR_CONTROL,
        group: GROUP.to_string(),
        image_path: format!(r"\SystemRoot\System32\drivers\{DRIVER}"),
    }
}

fn driver_path(host: &dyn Host) -> String {
    format!(r"{}\System32\drivers\{DRIVER}", host.system_root())
}

/// Where the files go: `/D=` first, then where an installed version is,
/// then `%ProgramFiles%\lklfs`.
pub fn install_dir(host: &dyn Host, asked: Option<&str>) -> String {
    if let Some(d) = asked {
        return d.trim_end_matches('\\').to_string();
    }
    match host.reg_get(UNINSTALL_KEY, "InstallLocation") {
        Some(Value::Sz(d)) if !d.is_empty() => d,
        _ => format!(r"{}\lklfs", host.program_files()),
    }
}

fn io(what: &str, path: &str) -> impl Fn(std::io::Error) -> Error {
    let text = format!("{what} {path}");
    move |e| Error::failed(format!("{text}: {e}"))
}

/// Refuses while the driver serves a volume.
fn refuse_if_mounted(host: &dyn Host, doing: &str) -> Result<(), Error> {
    let volumes = host
        .mounted_volumes()
        .map_err(|e| Error::blocked(format!("cannot ask the lklfs driver for its volumes: {e}")))?;
    if volumes.is_empty() {
        return Ok(());
    }
    Err(Error::blocked(format!(
        "lklfs volumes are still mounted: {}. Close the programs using them, unmount each with `lklfs unmount` \
         and its letter or disk number (`lklfs unmount E:`, `lklfs unmount 0`), or eject it in Explorer, then run \
         the {doing} again. Nothing was changed.",
        volumes.join(", ")
    )))
}

/// The service's state, or `None` when there is none.
fn state(host: &dyn Host) -> Result<Option<ServiceState>, Error> {
    host.service_state(service::NAME).map_err(|e| Error::failed(format!("cannot query the service: {e}")))
}

/// Stops the service if it runs; whether it did.
fn stop_if_running(host: &mut dyn Host, doing: &str) -> Result<bool, Error> {
    if state(host)? != Some(ServiceState::Running) {
        return Ok(false);
    }
    host.say("stopping the lklfs service");
    host.stop_service(service::NAME).map_err(|e| {
        Error::blocked(format!(
            "the lklfs service does not stop ({e}): a volume Windows mounted by itself may still be in use. \
             Eject the lklfs volumes, or restart Windows, then run the {doing} again. Nothing was changed."
        ))
    })?;
    Ok(true)
}

/// The uninstaller's path in the install folder `dir`.
fn uninstaller_path(dir: &str) -> String {
    format!(r"{dir}\{UNINSTALLER}")
}

/// The package's file `name` as a Windows path under `dir`.
fn target(host: &dyn Host, dir: &str, name: &str) -> String {
    if name == DRIVER { driver_path(host) } else { format!(r"{dir}\{}", name.replace('/', r"\")) }
}

/// The folders under `dir` that the package's files need, parents first.
fn folders(dir: &str, files: &[String]) -> Vec<String> {
    let mut out = vec![dir.to_string()];
    for f in files.iter().filter(|f| f.starts_with(dir)) {
        let mut at = dir.len();
        while let Some(i) = f.get(at + 1..).and_then(|rest| rest.find('\\')) {
            at += 1 + i;
            let sub = f[..at].to_string();
            if !out.contains(&sub) {
                out.push(sub);
            }
        }
    }
    out
}

fn installed_files(host: &dyn Host) -> Vec<String> {
    match host.reg_get(UNINSTALL_KEY, "InstalledFiles") {
        Some(Value::MultiSz(v)) => v,
        _ => Vec::new(),
    }
}

/// Installs the package, or upgrades the installed version in place.
pub fn install(host: &mut dyn Host, pkg: &Package, asked_dir: Option<&str>) -> Result<(), Error> {
    for r in REQUIRED {
        if !pkg.files.iter().any(|f| f.name == r) {
            return Err(Error::failed(format!(
                "this setup program carries no {r}: it was built without a package (build it with `cargo xtask dist`)"
            )));
        }
    }
    let dir = install_dir(host, asked_dir);
    let old_dir = install_dir(host, None);
    refuse_if_mounted(host, "setup")?;
    let was_running = stop_if_running(host, "setup")?;
    let old = installed_files(host);
    let mut written = Vec::new();
    if let Err(e) = write_files(host, pkg, &dir, &mut written) {
        // Leave the machine with a driver, as it was.
        if was_running {
            let _ = host.start_service(service::NAME);
        }
        return Err(e);
    }
    for stale in old.iter().filter(|f| !written.contains(f)) {
        host.say(&format!("removing {stale} (no longer in the package)"));
        host.remove_file(stale).map_err(io("cannot delete", stale))?;
    }
    if !old.is_empty() && !old_dir.eq_ignore_ascii_case(&dir) {
        // Moved by `/D=`: the old folder goes (if nothing else is in it),
        // and so does its PATH entry.
        for d in folders(&old_dir, &old).iter().rev() {
            let _ = host.remove_dir(d);
        }
        edit_path(host, |p| pathenv::remove(p, &old_dir))?;
    }
    host.say("registering the lklfs service");
    host.put_service(&service_spec()).map_err(|e| Error::failed(format!("cannot create the lklfs service: {e}")))?;
    let defaults = [
        (service::MEMORY_MIB, Value::Dword(service::DEFAULT_MEMORY_MIB)),
        (service::FILE_SYSTEMS, Value::Sz(service::DEFAULT_FILE_SYSTEMS.to_string())),
        (service::WRITE_OFFERED, Value::Dword(service::DEFAULT_WRITE_OFFERED)),
    ];
    for (name, value) in defaults {
        if host.reg_get(PARAMETERS_KEY, name).is_none() {
            host.reg_set(PARAMETERS_KEY, name, &value).map_err(io("cannot set", name))?;
        }
    }
    edit_path(host, |p| pathenv::add(p, &dir))?;
    register_uninstaller(host, pkg, &dir, &written)?;
    host.say("starting the lklfs service");
    host.start_service(service::NAME).map_err(|e| Error::failed(format!("the lklfs service does not start: {e}")))?;
    if !host.driver_answers() {
        return Err(Error::failed("the lklfs service runs, but its driver does not answer"));
    }
    host.say(&format!("lklfs {} is installed in {dir}", pkg.version));
    Ok(())
}

fn write_files(host: &mut dyn Host, pkg: &Package, dir: &str, written: &mut Vec<String>) -> Result<(), Error> {
    let targets: Vec<String> = pkg.files.iter().map(|f| target(host, dir, &f.name)).collect();
    for d in folders(dir, &targets) {
        host.create_dir_all(&d).map_err(io("cannot create", &d))?;
    }
    for (f, path) in pkg.files.iter().zip(&targets) {
        host.say(&format!("writing {path}"));
        host.write_file(path, &f.bytes).map_err(io("cannot write", path))?;
        written.push(path.clone());
    }
    let uninstaller = uninstaller_path(dir);
    host.write_file(&uninstaller, pkg.uninstaller).map_err(io("cannot write", &uninstaller))?;
    written.push(uninstaller);
    Ok(())
}

/// Changes the system PATH by `change` (`pathenv::add` or `remove` with a
/// folder), keeping its type; nothing is written when it says no change.
fn edit_path(host: &mut dyn Host, change: impl FnOnce(&str) -> Option<String>) -> Result<(), Error> {
    let (path, expand) = match host.reg_get(ENVIRONMENT_KEY, "Path") {
        Some(Value::ExpandSz(p)) => (p, true),
        Some(Value::Sz(p)) => (p, false),
        _ => (String::new(), true),
    };
    let Some(value) = change(&path) else { return Ok(()) };
    let v = if expand { Value::ExpandSz(value) } else { Value::Sz(value) };
    host.reg_set(ENVIRONMENT_KEY, "Path", &v).map_err(io("cannot set", "the system PATH"))?;
    host.environment_changed();
    Ok(())
}

fn register_uninstaller(host: &mut dyn Host, pkg: &Package, dir: &str, written: &[String]) -> Result<(), Error> {
    let uninstaller = uninstaller_path(dir);
    let kib = pkg.files.iter().map(|f| f.bytes.len() as u64).sum::<u64>().div_ceil(1024)
        + pkg.uninstaller.len() as u64 / 1024;
    let values = [
        ("DisplayName", Value::Sz(DISPLAY_NAME.into())),
        ("DisplayVersion", Value::Sz(pkg.version.into())),
        ("Publisher", Value::Sz("the lklfs project".into())),
        ("InstallLocation", Value::Sz(dir.into())),
        ("UninstallString", Value::Sz(format!("\"{uninstaller}\""))),
        ("QuietUninstallString", Value::Sz(format!("\"{uninstaller}\" /S"))),
        ("NoModify", Value::Dword(1)),
        ("NoRepair", Value::Dword(1)),
        ("EstimatedSize", Value::Dword(u32::try_from(kib).unwrap_or(u32::MAX))),
        ("InstalledFiles", Value::MultiSz(written.to_vec())),
    ];
    for (name, value) in values {
        host.reg_set(UNINSTALL_KEY, name, &value).map_err(io("cannot set", name))?;
    }
    Ok(())
}

/// Removes what [`install`] put on the machine. `pkg` names the files to
/// remove when the installed list is missing (a damaged entry).
pub fn uninstall(host: &mut dyn Host, pkg: &Package) -> Result<(), Error> {
    let dir = install_dir(host, None);
    refuse_if_mounted(host, "uninstaller")?;
    stop_if_running(host, "uninstaller")?;
    if state(host)?.is_some() {
        host.say("deleting the lklfs service");
        host.delete_service(service::NAME).map_err(|e| Error::failed(format!("cannot delete the service: {e}")))?;
    }
    let mut files = installed_files(host);
    if files.is_empty() {
        files = pkg.files.iter().map(|f| target(host, &dir, &f.name)).collect();
        files.push(uninstaller_path(&dir));
    }
    let mut later = false;
    for f in &files {
        if host.remove_file(f).is_err() {
            // This program's own file: Windows keeps a running image.
            host.delete_at_restart(f).map_err(io("cannot delete", f))?;
            host.say(&format!("{f} will be deleted when Windows restarts"));
            later = true;
        }
    }
    let mut dirs = folders(&dir, &files);
    dirs.reverse();
    for d in &dirs {
        if host.remove_dir(d).is_err() {
            if !later {
                // Something the user put there: leave it.
                host.say(&format!("{d} is not empty; it was left"));
                continue;
            }
            host.delete_at_restart(d).map_err(io("cannot delete", d))?;
        }
    }
    edit_path(host, |p| pathenv::remove(p, &dir))?;
    host.reg_delete_tree(UNINSTALL_KEY).map_err(io("cannot delete", UNINSTALL_KEY))?;
    host.say("lklfs is uninstalled");
    Ok(())
}
