//! Hand-declared NT kernel FFI: the functions, structs and constants the
//! project uses, named as in the DDK. `wdk-sys` cannot build on Linux, so the
//! project declares what it needs here, and `tests/ddk_probe.rs` proves every
//! size, field offset and constant against mingw-w64's DDK headers, with a C
//! probe generated from the tables the declaring macros leave behind.
//!
//! Pointer sizes and `repr(C)` rules are the same on x86_64 Linux and
//! x86_64 Windows, so the layouts computed by the host-side test are the
//! layouts of the driver. Integer types are explicit (`ULONG` is `u32`)
//! because C `long` is 32-bit on Windows.
//!
//! No `#[link]` attributes: the driver's link line names ntoskrnl and HAL,
//! and every declaration compiles (without linking) on any target.
//!
//! Flag constants (access masks, `DO_*`, `IRP_*`) stay plain consts, not
//! `bitflags` types: the probe reads each one from these sources and checks
//! it against the headers; typed sets are built from them where flags are
//! combined and tested (`fs_glue::flags`).

#![no_std]

pub mod layout;

pub mod disk;
pub mod ex;
pub mod fsrtl;
pub mod io;
pub mod ke;
pub mod ps;
pub mod se;
pub mod types;
pub mod zw;

pub use disk::*;
pub use ex::*;
pub use fsrtl::*;
pub use io::*;
pub use ke::*;
pub use ps::*;
pub use se::*;
pub use types::*;
pub use zw::*;

/// Every struct table, one per declaring module.
pub const STRUCTS: &[&[layout::Struct]] =
    &[types::STRUCTS, ke::STRUCTS, io::STRUCTS, se::STRUCTS, zw::STRUCTS, fsrtl::STRUCTS, disk::STRUCTS];

/// Every constant table, one per declaring module.
pub const CONSTS: &[&[layout::Const]] =
    &[types::CONSTS, ke::CONSTS, ex::CONSTS, io::CONSTS, se::CONSTS, zw::CONSTS, fsrtl::CONSTS, disk::CONSTS];

/// Exports the driver resolves at run time with `MmGetSystemRoutineAddress`
/// instead of importing (Windows 10 has them; mingw's import library and
/// older kernels do not). The probe checks they are absent from the import
/// libraries, so nobody imports them by accident.
pub const RUNTIME_RESOLVED: &[&str] = &["KeQuerySystemTimePrecise", "KeQuerySystemTime", "ExAllocatePool2"];
