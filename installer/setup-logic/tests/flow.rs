//! The setup program's paths through a machine kept in memory: a fresh
//! install, an upgrade over it, an upgrade blocked by a mounted volume,
//! and an uninstall that leaves the machine as it was before.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use setup_logic::host::{Host, ServiceSpec, ServiceState, Value};
use setup_logic::payload::File;
use setup_logic::setup::{self, Package};

const PATH: &str = r"%SystemRoot%\system32;%SystemRoot%;C:\Tools";

/// A machine: files, empty folders, registry values (key, name), services.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Machine {
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
    reg: BTreeMap<(String, String), Value>,
    services: BTreeMap<String, (ServiceSpec, ServiceState)>,
    /// Deletions scheduled for the next restart.
    at_restart: Vec<String>,
    /// Files that cannot be deleted now (a running program's image).
    busy: BTreeSet<String>,
    mounted: Vec<String>,
    stop_fails: bool,
    log: Vec<String>,
    broadcasts: usize,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

impl Machine {
    fn new() -> Self {
        let mut m = Machine::default();
        m.dirs.insert(r"c:\windows\system32\drivers".into());
        m.dirs.insert(r"c:\program files".into());
        m.reg.insert((lower(setup::ENVIRONMENT_KEY), "path".into()), Value::ExpandSz(PATH.into()));
        m
    }

    fn running(&self) -> bool {
        self.services.get("lklfs").is_some_and(|s| s.1 == ServiceState::Running)
    }

    fn value(&self, key: &str, name: &str) -> Option<&Value> {
        self.reg.get(&(lower(key), lower(name)))
    }

    /// What a restart does with the scheduled deletions.
    fn restart(&mut self) {
        for p in std::mem::take(&mut self.at_restart) {
            self.files.remove(&lower(&p));
            self.dirs.remove(&lower(&p));
        }
        self.busy.clear();
    }

    /// The state a user sees: everything but the log and counters.
    fn state(&self) -> Machine {
        Machine { log: Vec::new(), broadcasts: 0, busy: BTreeSet::new(), ..self.clone() }
    }
}

fn parent(p: &str) -> &str {
    p.rsplit_once('\\').map_or("", |(d, _)| d)
}

impl Host for Machine {
    fn system_root(&self) -> String {
        r"C:\Windows".into()
    }
    fn program_files(&self) -> String {
        r"C:\Program Files".into()
    }
    fn write_file(&mut self, path: &str, bytes: &[u8]) -> io::Result<()> {
        if !self.dirs.contains(&lower(parent(path))) {
            return Err(io::ErrorKind::NotFound.into());
        }
        if self.busy.contains(&lower(path)) {
            return Err(io::ErrorKind::PermissionDenied.into());
        }
        self.files.insert(lower(path), bytes.to_vec());
        Ok(())
    }
    fn remove_file(&mut self, path: &str) -> io::Result<()> {
        if self.busy.contains(&lower(path)) {
            return Err(io::ErrorKind::PermissionDenied.into());
        }
        self.files.remove(&lower(path));
        Ok(())
    }
    fn create_dir_all(&mut self, path: &str) -> io::Result<()> {
        let mut at = String::new();
        for part in path.split('\\') {
            if !at.is_empty() {
                at.push('\\');
            }
            at.push_str(part);
            if at.len() > 2 {
                self.dirs.insert(lower(&at));
            }
        }
        Ok(())
    }
    fn remove_dir(&mut self, path: &str) -> io::Result<()> {
        let prefix = format!("{}\\", lower(path));
        if self.files.keys().chain(self.dirs.iter()).any(|p| p.starts_with(&prefix)) {
            return Err(io::ErrorKind::DirectoryNotEmpty.into());
        }
        self.dirs.remove(&lower(path));
        Ok(())
    }
    fn delete_at_restart(&mut self, path: &str) -> io::Result<()> {
        self.at_restart.push(path.into());
        Ok(())
    }
    fn reg_get(&self, key: &str, name: &str) -> Option<Value> {
        self.value(key, name).cloned()
    }
    fn reg_set(&mut self, key: &str, name: &str, value: &Value) -> io::Result<()> {
        self.reg.insert((lower(key), lower(name)), value.clone());
        Ok(())
    }
    fn reg_delete_tree(&mut self, key: &str) -> io::Result<()> {
        let k = lower(key);
        self.reg.retain(|(rk, _), _| *rk != k && !rk.starts_with(&format!("{k}\\")));
        Ok(())
    }
    fn environment_changed(&mut self) {
        self.broadcasts += 1;
    }
    fn service_state(&self, name: &str) -> io::Result<Option<ServiceState>> {
        Ok(self.services.get(name).map(|s| s.1))
    }
    fn put_service(&mut self, spec: &ServiceSpec) -> io::Result<()> {
        let state = self.services.get(&spec.name).map_or(ServiceState::Stopped, |s| s.1);
        self.services.insert(spec.name.clone(), (spec.clone(), state));
        Ok(())
    }
    fn start_service(&mut self, name: &str) -> io::Result<()> {
        if !self.files.contains_key(r"c:\windows\system32\drivers\lklfs.sys") {
            return Err(io::Error::other("no driver file"));
        }
        self.services.get_mut(name).ok_or(io::ErrorKind::NotFound)?.1 = ServiceState::Running;
        self.log.push(format!("start {name}"));
        Ok(())
    }
    fn stop_service(&mut self, name: &str) -> io::Result<()> {
        if self.stop_fails {
            return Err(io::Error::other("ERROR_INVALID_SERVICE_CONTROL"));
        }
        self.services.get_mut(name).ok_or(io::ErrorKind::NotFound)?.1 = ServiceState::Stopped;
        self.log.push(format!("stop {name}"));
        Ok(())
    }
    fn delete_service(&mut self, name: &str) -> io::Result<()> {
        self.services.remove(name);
        // The Service Control Manager deletes the service's key with it.
        self.reg_delete_tree(setup::SERVICE_KEY)
    }
    fn driver_answers(&self) -> bool {
        self.running()
    }
    fn mounted_volumes(&self) -> io::Result<Vec<String>> {
        Ok(if self.running() { self.mounted.clone() } else { Vec::new() })
    }
    fn say(&mut self, line: &str) {
        self.log.push(line.into());
    }
}

fn package(version: u8, extra: bool) -> Vec<File> {
    let mut files = vec![
        File { name: "lklfs.sys".into(), bytes: vec![version; 3000] },
        File { name: "lklfs.exe".into(), bytes: vec![version; 2000] },
        File { name: "docs/windows.md".into(), bytes: b"# guide".to_vec() },
    ];
    if extra {
        files.push(File { name: "docs/old-notes.md".into(), bytes: b"old".to_vec() });
    }
    files
}

fn install(m: &mut Machine, version: u8, extra: bool) -> Result<(), setup_logic::Error> {
    let files = package(version, extra);
    let pkg = Package { files: &files, uninstaller: b"MZ setup", version: "0.1.0" };
    setup::install(m, &pkg, None)
}

fn uninstall(m: &mut Machine) -> Result<(), setup_logic::Error> {
    let files = package(0, false);
    let pkg = Package { files: &files, uninstaller: b"MZ setup", version: "0.1.0" };
    setup::uninstall(m, &pkg)
}

const DIR: &str = r"c:\program files\lklfs";

#[test]
fn fresh_install_puts_everything_in_place() {
    let mut m = Machine::new();
    install(&mut m, 1, false).unwrap();
    assert_eq!(m.files[r"c:\windows\system32\drivers\lklfs.sys"], vec![1; 3000]);
    assert_eq!(m.files[&format!(r"{DIR}\lklfs.exe")], vec![1; 2000]);
    assert_eq!(m.files[&format!(r"{DIR}\docs\windows.md")], b"# guide");
    assert_eq!(m.files[&format!(r"{DIR}\uninstall.exe")], b"MZ setup");
    let (spec, state) = &m.services["lklfs"];
    assert_eq!((spec.service_type, spec.start_type, spec.error_control), (2, 1, 1));
    assert_eq!(spec.group, "File System");
    assert_eq!(*state, ServiceState::Running);
    let params = setup::PARAMETERS_KEY;
    assert_eq!(m.value(params, "MemoryMiB"), Some(&Value::Dword(128)));
    assert_eq!(m.value(params, "FileSystems"), Some(&Value::Sz("ext2,ext3,ext4,btrfs,xfs".into())));
    assert_eq!(m.value(params, "WriteOfferedVolumes"), Some(&Value::Dword(0)));
    assert_eq!(
        m.value(setup::ENVIRONMENT_KEY, "Path"),
        Some(&Value::ExpandSz(format!(r"{PATH};C:\Program Files\lklfs")))
    );
    assert_eq!(m.broadcasts, 1);
    let u = setup::UNINSTALL_KEY;
    assert_eq!(
        m.value(u, "QuietUninstallString"),
        Some(&Value::Sz(r#""C:\Program Files\lklfs\uninstall.exe" /S"#.into()))
    );
    assert_eq!(m.value(u, "InstallLocation"), Some(&Value::Sz(r"C:\Program Files\lklfs".into())));
    match m.value(u, "InstalledFiles") {
        Some(Value::MultiSz(v)) => assert_eq!(v.len(), 4),
        other => panic!("InstalledFiles: {other:?}"),
    }
}

#[test]
fn upgrade_stops_replaces_restarts_and_keeps_settings() {
    let mut m = Machine::new();
    install(&mut m, 1, true).unwrap();
    m.reg.insert((lower(setup::PARAMETERS_KEY), "memorymib".into()), Value::Dword(512));
    m.log.clear();
    install(&mut m, 2, false).unwrap();
    assert_eq!(m.files[r"c:\windows\system32\drivers\lklfs.sys"], vec![2; 3000]);
    let order: Vec<&str> = m.log.iter().filter(|l| l.starts_with("st")).map(String::as_str).collect();
    assert_eq!(order, ["stopping the lklfs service", "stop lklfs", "starting the lklfs service", "start lklfs"]);
    assert_eq!(m.value(setup::PARAMETERS_KEY, "MemoryMiB"), Some(&Value::Dword(512)));
    // The file the new package dropped is gone; the PATH holds one entry.
    assert!(!m.files.contains_key(&format!(r"{DIR}\docs\old-notes.md")));
    match m.value(setup::ENVIRONMENT_KEY, "Path") {
        Some(Value::ExpandSz(p)) => assert_eq!(p.matches("lklfs").count(), 1),
        other => panic!("Path: {other:?}"),
    }
}

#[test]
fn mounted_volume_blocks_upgrade_and_uninstall_unchanged() {
    let mut m = Machine::new();
    install(&mut m, 1, false).unwrap();
    m.mounted = vec![r"E: (C:\images\disk.ext4)".into()];
    let before = m.state();
    let e = install(&mut m, 2, false).unwrap_err();
    assert!(e.blocked, "{e}");
    assert!(e.message.contains(r"E: (C:\images\disk.ext4)") && e.message.contains("lklfs unmount"), "{e}");
    assert_eq!(m.state(), before);
    let e = uninstall(&mut m).unwrap_err();
    assert!(e.blocked && e.message.contains("uninstaller"), "{e}");
    assert_eq!(m.state(), before);
    // A service that will not stop (a volume Windows mounted by itself).
    m.mounted.clear();
    m.stop_fails = true;
    let before = m.state();
    let e = install(&mut m, 2, false).unwrap_err();
    assert!(e.blocked && e.message.contains("does not stop"), "{e}");
    assert_eq!(m.state(), before);
}

#[test]
fn uninstall_leaves_the_machine_as_before() {
    let mut m = Machine::new();
    let before = m.state();
    install(&mut m, 1, false).unwrap();
    install(&mut m, 2, false).unwrap();
    // The uninstaller runs from its own file, which Windows will not delete.
    m.busy.insert(format!(r"{DIR}\uninstall.exe"));
    uninstall(&mut m).unwrap();
    assert_eq!(m.at_restart, [r"C:\Program Files\lklfs\uninstall.exe", r"C:\Program Files\lklfs"]);
    assert!(m.services.is_empty());
    m.restart();
    assert_eq!(m.state(), before);
}

/// `/D=` on an upgrade moves the install: nothing of the old folder is
/// left, on disk or in the PATH.
#[test]
fn an_upgrade_into_another_folder_moves_everything() {
    let mut m = Machine::new();
    let before = m.state();
    install(&mut m, 1, false).unwrap();
    let files = package(2, false);
    let pkg = Package { files: &files, uninstaller: b"MZ setup", version: "0.1.0" };
    setup::install(&mut m, &pkg, Some(r"D:\Tools\lklfs")).unwrap();
    assert!(!m.dirs.iter().any(|d| d.starts_with(DIR)), "{:?}", m.dirs);
    assert!(!m.files.keys().any(|f| f.starts_with(DIR)));
    assert_eq!(m.files[r"d:\tools\lklfs\lklfs.exe"], vec![2; 2000]);
    assert_eq!(m.value(setup::ENVIRONMENT_KEY, "Path"), Some(&Value::ExpandSz(format!(r"{PATH};D:\Tools\lklfs"))));
    uninstall(&mut m).unwrap();
    // D:\Tools, made for the install, may be the user's: it is left.
    assert_eq!(m.dirs.iter().filter(|d| d.starts_with("d:")).collect::<Vec<_>>(), [r"d:\tools"]);
    m.dirs.retain(|d| !d.starts_with("d:"));
    assert_eq!(m.state(), before);
}

#[test]
fn a_file_of_the_users_keeps_its_folder() {
    let mut m = Machine::new();
    install(&mut m, 1, false).unwrap();
    m.files.insert(format!(r"{DIR}\my-notes.txt"), b"mine".to_vec());
    uninstall(&mut m).unwrap();
    assert_eq!(m.files.keys().collect::<Vec<_>>(), [&format!(r"{DIR}\my-notes.txt")]);
    assert!(m.dirs.contains(DIR));
    assert!(m.at_restart.is_empty());
}

#[test]
fn a_setup_without_a_package_refuses() {
    let mut m = Machine::new();
    let before = m.state();
    let pkg = Package { files: &[], uninstaller: b"MZ", version: "0.1.0" };
    let e = setup::install(&mut m, &pkg, None).unwrap_err();
    assert!(e.message.contains("cargo xtask dist"), "{e}");
    assert_eq!(m.state(), before);
}

#[test]
fn damaged_package_is_refused() {
    assert!(setup_logic::payload::read(b"PK\x03\x04 not really").is_err());
    assert_eq!(setup_logic::payload::read(b"").unwrap(), vec![]);
}
