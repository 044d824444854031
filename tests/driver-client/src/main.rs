//! User-mode client of the driver's control device, run under Wine by
//! `tests/suites/20-nt-driver.sh` (and usable on Windows as is).
//!
//! It tries every input and output length of each IOCTL from 0 to one past
//! the exact size and checks each is refused with the documented error,
//! checks that other major functions are refused, runs the self-test and
//! prints each case as its own test result, checks the allocation counters,
//! and checks that an open without the Administrators group is refused.
//! With an argument it runs one Linux scenario instead (`boot-halt`,
//! `panic`, `boot-leave`, `fs`, `fs-leave`, `fs-type`, `cycle`, `bench`, `fsd`, `model`, `stress`, `suite`; see
//! `linux.rs`).
//!
//! It ends with a plain `N passed, N failed` line and exits non-zero on any
//! failure.

#[cfg(windows)]
mod attachclient;
#[cfg(windows)]
mod cyclebench;
#[cfg(windows)]
mod diskctlclient;
#[cfg(windows)]
mod ejectclient;
#[cfg(windows)]
mod fsclient;
#[cfg(windows)]
mod fsdclient;
#[cfg(windows)]
mod fstypes;
#[cfg(windows)]
mod linux;
#[cfg(windows)]
mod lockclient;
#[cfg(windows)]
mod modelclient;
#[cfg(windows)]
mod notifyclient;
#[cfg(windows)]
mod offeredclient;
#[cfg(windows)]
mod pagingclient;
#[cfg(windows)]
mod ramdiskclient;
#[cfg(windows)]
mod status;
#[cfg(windows)]
mod stressclient;
#[cfg(windows)]
mod suiteclient;
#[cfg(windows)]
mod sweepclient;
#[cfg(windows)]
mod win;

#[cfg(windows)]
fn main() {
    let mode = std::env::args().nth(1);
    std::process::exit(match mode.as_deref() {
        None => win::run(),
        Some(m) => linux::run(m),
    });
}

#[cfg(not(windows))]
fn main() {
    eprintln!(
        "driver-client talks to the Windows driver; build it for x86_64-pc-windows-gnu and run it on Windows or Wine"
    );
    std::process::exit(2);
}
