//! The Total Commander file-system plugin (WFX): the volumes of the
//! plugin's ini file browsed and changed with Linux's own file-system code,
//! the kernel library running in the file manager's process as `lklfs`
//! runs it. Built as `lklfs.wfx64` for 64-bit Total Commander and as
//! `lklfs.wfx` for Double Commander on Linux (a 32-bit `.wfx` would need a
//! 32-bit kernel build).
//!
//! The logic (`plugin.rs`, `config.rs`) is safe Rust; the C interface is
//! `exports.rs`, the types it speaks `abi.rs`.

#![deny(unsafe_code)]

mod abi;
mod config;
mod content;
mod disks;
mod exports;
mod plugin;
mod verbs;
