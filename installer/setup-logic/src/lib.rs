//! The logic of `lklfs-setup.exe`: what it installs, how it upgrades an
//! installed version and what its uninstaller removes, written against
//! [`host::Host`] so that every path through it runs in tests on Linux.
//! The Win32 side is `installer/setup`.

#![forbid(unsafe_code)]

pub mod args;
pub mod host;
pub mod pathenv;
pub mod payload;
pub mod setup;

use std::fmt;

/// Why the setup program stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Refused before changing anything (volumes mounted, the service will
    /// not stop), or failed on the way.
    pub blocked: bool,
    /// What to tell the user.
    pub message: String,
}

impl Error {
    /// Refused before anything changed.
    pub fn blocked(message: impl Into<String>) -> Self {
        Error { blocked: true, message: message.into() }
    }

    /// Failed.
    pub fn failed(message: impl Into<String>) -> Self {
        Error { blocked: false, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
