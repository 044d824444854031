//! The common routines of lklfs.sys, one file per IRP major (fastfat's
//! Fsd/Common split: the driver's `fsd` modules decode an IRP into the typed
//! request of this crate, post it to a worker, and complete the IRP with the
//! [`Reply`] a routine here returns).
//!
//! Nothing here knows IRPs, FILE_OBJECTs or the NT kernel: a request carries
//! the caller's [`Ccb`] (what the FILE_OBJECT's `FsContext2` holds) and the
//! few FILE_OBJECT fields a routine reads or moves (the current byte
//! offset). So the routines build and run in `cargo test` on Linux, over
//! fs-glue's host `Vfs`, as well as in the driver over the embedded kernel.
//!
//! The table of open files is fs-glue's: every file CCB holds one fs-glue
//! handle, and fs-glue's per-inode node keeps the share access and delete
//! disposition. The [`Vcb`] adds only what a volume has beyond its files:
//! the opens of the volume itself, the lock and the dismount.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
// These routines run in kernel mode, where a panic is a bugcheck.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

extern crate alloc;

pub mod cache;
mod cache_rules;
mod cached;
mod cleanup;
mod close;
mod create;
mod dirctl;
mod ea;
pub mod fastio;
mod fileinfo;
mod flush;
pub mod fsctl;
pub mod lockctl;
pub mod locks;
pub mod notify;
pub mod pending;
pub mod pnp;
mod read;
mod security;
pub mod services;
mod vcb;
mod volinfo;
mod write;

pub use create::{Create, Created};
pub use fileinfo::RenameTarget;
pub use fs_glue::{Handle, NtStatus};
pub use read::Offset;
pub use services::{OwnServices, Services};
pub use vcb::{Ccb, FileRef, Vcb};

/// What completes an IRP: `IoStatus.Status` and `IoStatus.Information`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The final status.
    pub status: NtStatus,
    /// Bytes transferred or written, or the disposition's outcome.
    pub information: u64,
}

impl Reply {
    /// A success that moved `information` bytes.
    pub const fn ok(information: u64) -> Reply {
        Reply { status: NtStatus::SUCCESS, information }
    }

    /// A failure (Information 0).
    pub const fn err(status: NtStatus) -> Reply {
        Reply { status, information: 0 }
    }
}

impl From<Result<fs_glue::Written, NtStatus>> for Reply {
    fn from(r: Result<fs_glue::Written, NtStatus>) -> Reply {
        match r {
            Ok(w) => Reply { status: w.status, information: w.len as u64 },
            Err(s) => Reply::err(s),
        }
    }
}

impl From<Result<(), NtStatus>> for Reply {
    fn from(r: Result<(), NtStatus>) -> Reply {
        match r {
            Ok(()) => Reply::ok(0),
            Err(s) => Reply::err(s),
        }
    }
}

#[cfg(any(test, feature = "fake"))]
pub mod cache_fake;
#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod lock_tests;
#[cfg(test)]
mod notify_tests;
#[cfg(test)]
mod pnp_tests;
#[cfg(test)]
mod tests;
