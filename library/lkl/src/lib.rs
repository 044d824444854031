//! Linux 6.1 as a library: boot the project's own `arch/lkl` port on any
//! [`Host`], call its syscalls, halt it.
//!
//! The kernel is built once per kernel configuration by `build.rs` (see
//! there) and linked into this crate as one relocatable object whose only
//! global symbols are the `lkl_*` entry points. `no_std` + alloc, so the
//! Windows driver can link it too.
//!
//! One kernel per process: booting again after a halt or a failed boot
//! returns an error.

#![no_std]

#[cfg(feature = "std")]
extern crate std;

extern crate alloc;

mod disk;
mod kernel;
mod syscalls;
mod tail;
mod trampolines;
#[cfg(feature = "fs-glue")]
pub mod vfs;

pub use disk::{Disk, MountError, MountOptions, Mounted};
pub use kernel::{BootConfig, BootError, Kernel};
pub use lkl_abi::BlockDevice;
pub use lkl_abi::{Errno, sys};
pub use syscalls::{DirEntry, Fd};
pub use tail::console_tail;

#[cfg(feature = "std")]
impl std::error::Error for BootError {}

#[cfg(feature = "std")]
impl std::error::Error for MountError {}
