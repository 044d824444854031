//! What the setup logic asks of Windows: files, the registry under
//! HKEY_LOCAL_MACHINE, the Service Control Manager and the driver. The
//! setup program implements it on the Win32 API (`installer/setup`); the
//! tests implement it in memory.

use std::io;

/// A registry value, by type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// REG_DWORD.
    Dword(u32),
    /// REG_SZ.
    Sz(String),
    /// REG_EXPAND_SZ.
    ExpandSz(String),
    /// REG_MULTI_SZ.
    MultiSz(Vec<String>),
}

/// A service's state, as far as the setup program cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceState {
    /// Stopped (or never started).
    Stopped,
    /// Running, or on its way to or from it.
    Running,
}

/// The service to create, or to set an existing one to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    /// Its name.
    pub name: String,
    /// Its display name.
    pub display_name: String,
    /// SERVICE_FILE_SYSTEM_DRIVER (2).
    pub service_type: u32,
    /// The start type.
    pub start_type: u32,
    /// The error control.
    pub error_control: u32,
    /// The load-order group.
    pub group: String,
    /// The image, as the Service Control Manager stores it for a driver
    /// (relative to the system root).
    pub image_path: String,
}

/// The machine the setup program works on. Paths are Windows paths; keys
/// are under HKEY_LOCAL_MACHINE. Every call may block.
pub trait Host {
    /// `%SystemRoot%` (`C:\Windows`).
    fn system_root(&self) -> String;
    /// The 64-bit Program Files folder.
    fn program_files(&self) -> String;

    /// Writes a whole file, replacing one that is there.
    fn write_file(&mut self, path: &str, bytes: &[u8]) -> io::Result<()>;
    /// Deletes a file; one that is not there is no error.
    fn remove_file(&mut self, path: &str) -> io::Result<()>;
    /// Creates a folder and its parents.
    fn create_dir_all(&mut self, path: &str) -> io::Result<()>;
    /// Deletes an empty folder; one that is not there is no error.
    fn remove_dir(&mut self, path: &str) -> io::Result<()>;
    /// Has a file or empty folder deleted at the next restart (a running
    /// program's own file cannot be deleted before).
    fn delete_at_restart(&mut self, path: &str) -> io::Result<()>;

    /// A value, if the key and the value exist.
    fn reg_get(&self, key: &str, name: &str) -> Option<Value>;
    /// Sets a value, creating the key.
    fn reg_set(&mut self, key: &str, name: &str, value: &Value) -> io::Result<()>;
    /// Deletes a key with its subkeys; one that is not there is no error.
    fn reg_delete_tree(&mut self, key: &str) -> io::Result<()>;
    /// Tells running programs the environment changed (WM_SETTINGCHANGE).
    fn environment_changed(&mut self);

    /// The service's state, or `None` when there is no such service.
    fn service_state(&self, name: &str) -> io::Result<Option<ServiceState>>;
    /// Creates the service, or sets an existing one to `spec`.
    fn put_service(&mut self, spec: &ServiceSpec) -> io::Result<()>;
    /// Starts the service and waits (bounded) until it runs.
    fn start_service(&mut self, name: &str) -> io::Result<()>;
    /// Stops the service and waits (bounded) until it has stopped.
    fn stop_service(&mut self, name: &str) -> io::Result<()>;
    /// Deletes the service.
    fn delete_service(&mut self, name: &str) -> io::Result<()>;

    /// Whether the driver's control device answers.
    fn driver_answers(&self) -> bool;
    /// The volumes the running driver serves, as the user would name them
    /// (`E: (C:\images\disk.ext4)`); empty when the driver is not running.
    fn mounted_volumes(&self) -> io::Result<Vec<String>>;

    /// One line of progress for the user.
    fn say(&mut self, line: &str);
}
