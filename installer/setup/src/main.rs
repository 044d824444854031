//! `lklfs-setup.exe`, the supported way to install lklfs on Windows, and,
//! copied into the install folder as `uninstall.exe`, its uninstaller.
//! A Rust program on the Service Control Manager API rather than an NSIS
//! script: its logic (`installer/setup-logic`) is tested on Linux against
//! an in-memory machine, it shares the driver's parameter table and IOCTL
//! protocol (to see mounted volumes), and it edits the PATH as a whole
//! string where NSIS's stock build cuts values at 1024 characters.
//!
//! The package it installs is built into it (`build.rs`).

#[cfg(windows)]
mod win;

use std::process::ExitCode;

use setup_logic::args::{self, Args};

/// The package: a zip `cargo xtask dist` names at build time, or empty.
#[cfg(windows)]
static PAYLOAD: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/payload.zip"));

/// 0 done, 1 failed, 2 bad command line, 3 refused before any change.
fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

fn parse() -> Result<Args, String> {
    let exe = std::env::current_exe().ok();
    let stem = exe.as_deref().and_then(|p| p.file_stem()).and_then(|s| s.to_str()).unwrap_or("lklfs-setup");
    let rest: Vec<String> = std::env::args().skip(1).collect();
    args::parse(&rest, stem)
}

#[cfg(windows)]
fn main() -> ExitCode {
    let a = match parse() {
        Ok(a) if a.help => {
            println!("{}", args::HELP);
            return exit(0);
        }
        Ok(a) => a,
        Err(e) => {
            eprintln!("lklfs setup: {e}\n{}", args::HELP);
            return exit(2);
        }
    };
    let code = win::run(&a, PAYLOAD);
    if !a.silent {
        win::pause_if_own_console();
    }
    exit(code)
}

#[cfg(not(windows))]
fn main() -> ExitCode {
    match parse() {
        Ok(a) if a.help => println!("{}", args::HELP),
        _ => eprintln!("lklfs-setup installs lklfs on Windows; on Linux, build it with `cargo xtask dist`"),
    }
    exit(2)
}
