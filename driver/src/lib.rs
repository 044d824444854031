//! The Windows kernel driver (.sys).
//!
//! DriverEntry starts the NT host and a worker pool, creates a control
//! device that only Administrators and SYSTEM may open, links it into the
//! DOS namespace and installs the dispatch table. The control device serves
//! the self-test IOCTL (every host-conformance case run on the NT host) and
//! the allocation counters, and boots, probes and halts the embedded Linux
//! (`linux`). The library is only ever entered on host threads: requests
//! are handed to the worker pool.
//!
//! Built only for Windows (x86_64-pc-windows-gnu); on other targets the crate
//! is empty so that `cargo build --workspace` keeps working on Linux.

#![cfg(windows)]
#![no_std]
// A panic here is a bugcheck: no unwrap, expect, panic or unchecked index
// outside tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

extern crate alloc;

mod disk;
mod dispatch;
mod entry;
#[cfg(feature = "testing")]
mod fs;
mod fsd;
#[cfg(feature = "testing")]
mod harness;
mod linux;
mod lowerdisk;
mod mountmgr;
mod ntdisk;
mod params;
#[cfg(feature = "testing")]
mod ramdisk;
mod rt;
mod security;
mod seh;
#[cfg(feature = "testing")]
mod selftest;
mod workers;

use lkl_ntk_host::NtHost;

/// The host every library call and self-test case runs on.
pub(crate) static HOST: NtHost = NtHost::new();
