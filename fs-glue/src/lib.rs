//! Windows file-system semantics over a Linux VFS.
//!
//! The driver and the Total Commander plugin translate Windows file
//! operations into Linux system calls through this crate. It knows NT
//! semantics (create dispositions, share access, delete-on-close, information
//! classes, directory enumeration, NTSTATUS) and nothing about IRPs, so it is
//! tested on Linux against the host kernel (see the `fs-glue-testbed` crate).
//!
//! The entry point is [`Volume`], generic over a [`Vfs`]: the Linux syscall
//! subset it needs. Every output structure is written byte-exact into a
//! caller buffer at the offsets in [`layout`]; a test proves those offsets
//! against mingw-w64's headers.
//!
//! `Volume` takes `&mut self`: the caller (the driver's VCB lock, the
//! plugin's single thread) serialises access to one volume.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod ea;
pub mod errno_map;
pub mod flags;
pub mod layout;
pub mod names;
pub mod nt;
pub mod reparse;
pub mod security;
pub mod status;
pub mod time;
pub mod vfs;
pub mod wildcard;

mod create;
mod dirquery;
mod fileinfo;
mod io;
mod open_table;
pub mod paging;
mod path;
mod share;
mod volinfo;
mod volume;
mod wire;

pub use ea::QueryEaParams;
pub use fileinfo::RenameFlags;
pub use flags::{Access, CreateOptions, DispositionFlags, FileAttributes, FsAttributes, ShareMode};
pub use status::NtStatus;
pub use vfs::Vfs;
pub use volume::{CreateParams, CreateResult, Handle, MountOptions, QueryDirParams, Volume, Written};
