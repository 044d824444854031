//! What every layer of the project shares without building Linux: the
//! [`Host`] trait, [`Errno`], the C operations table ([`ops`]) and the Linux
//! user ABI constants ([`sys`]). `no_std`, no build script, so the NT driver
//! and fs-glue can depend on it.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod block;
pub mod cow;
mod errno;
pub mod host;
pub mod ops;
pub mod sys;

pub use block::BlockDevice;
pub use cow::CowDevice;
pub use errno::Errno;
pub use host::{Host, ThreadBody, TimerCallback, TlsDestructor};

/// The stack size of every thread that runs Linux code. It is the Windows
/// kernel budget (via KeExpandKernelStackAndCallout) that the NT host will use,
/// so stack overflows show up on Linux first.
pub const THREAD_STACK_SIZE: usize = 64 * 1024;

/// Alignment of [`Host::mem_alloc`] results.
pub const MEM_ALIGN: usize = 16;
