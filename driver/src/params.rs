//! The service's `Parameters` key: how the Linux a mount boots is sized.
//! Read once, in DriverEntry (PASSIVE_LEVEL); a missing key or value gives
//! the default, a bad value gives the default and a log line that says why.
//!
//! - `MemoryMiB` (REG_DWORD): the kernel's memory, 16..=1024, default 128.
//! - `KernelCommandLine` (REG_SZ): extra kernel parameters, printable
//!   ASCII, at most 256 characters (`CMDLINE_MAX`), default none.
//! - `FileSystems` (REG_SZ): the file systems lklfs claims on the volumes
//!   Windows offers it, comma-separated among ext2, ext3, ext4, btrfs and
//!   xfs; default all five. A machine with another btrfs driver leaves
//!   btrfs out. A volume the user gave a type for (`lklfs mount --type`) is
//!   mounted whatever this says; FAT only ever is so.
//! - `WriteOfferedVolumes` (REG_DWORD, 0 or 1): whether the volumes
//!   Windows offers by itself (a USB disk plugged in, a second disk) are
//!   mounted read-write; default 0, read-only, so that plugging in a disk
//!   never writes to it. Volumes the user asked for (`lklfs mount`) follow
//!   `--ro` instead. Either way a volume whose journal needs recovery, or
//!   an xfs volume (whose superblock cannot tell), is mounted read-only
//!   with its journal replayed in memory.

use alloc::string::String;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use alloc::vec;
use alloc::vec::Vec;
use core::ptr;
use fs_probe::Kind;

use driver_ioctl::linux::{CMDLINE_MAX, MEM_MAX, MEM_MIN};
use lkl::BootConfig;
use lkl_ntk_host::print::print_fmt;
use lkl_ntk_host::sync::Mutex;
use nt::{HANDLE, OBJECT_ATTRIBUTES, UNICODE_STRING};
use widestring::{U16Str, u16str};

// The defaults are shared with the setup program and the INF.
const DEFAULT_MIB: u64 = driver_ioctl::service::DEFAULT_MEMORY_MIB as u64;
const SUBKEY: &U16Str = u16str!(r"\Parameters");
const MEMORY: &U16Str = u16str!("MemoryMiB");
const CMDLINE: &U16Str = u16str!("KernelCommandLine");
const FILE_SYSTEMS: &U16Str = u16str!("FileSystems");
const WRITE_OFFERED: &U16Str = u16str!("WriteOfferedVolumes");

/// `WriteOfferedVolumes`.
static WRITES_OFFERED: AtomicBool = AtomicBool::new(driver_ioctl::service::DEFAULT_WRITE_OFFERED != 0);

/// Whether volumes Windows offers by itself are mounted read-write.
pub fn writes_offered() -> bool {
    WRITES_OFFERED.load(Ordering::SeqCst)
}

/// The file systems `FileSystems` may name, in its order.
const CLAIMABLE: [(&str, Kind); 5] =
    [("ext2", Kind::Ext2), ("ext3", Kind::Ext3), ("ext4", Kind::Ext4), ("btrfs", Kind::Btrfs), ("xfs", Kind::Xfs)];

/// The claimed file systems, one bit per `CLAIMABLE` entry (all by
/// default).
static CLAIMED: AtomicU8 = AtomicU8::new(ALL_CLAIMED);
const ALL_CLAIMED: u8 = (1 << CLAIMABLE.len()) - 1;

/// Whether lklfs claims volumes of `kind` that Windows offers it.
pub fn claims(kind: Kind) -> bool {
    CLAIMABLE.iter().position(|&(_, k)| k == kind).is_some_and(|i| CLAIMED.load(Ordering::SeqCst) & (1 << i) != 0)
}

/// The bits of a `FileSystems` value, or the unknown name it holds.
fn claimed_of(text: &str) -> Result<u8, &str> {
    let mut bits = 0;
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match CLAIMABLE.iter().position(|&(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(i) => bits |= 1 << i,
            None => return Err(name),
        }
    }
    Ok(bits)
}

/// The configuration read at load.
static CONFIG: Mutex<Option<BootConfig>> = Mutex::new(None);

fn defaults() -> BootConfig {
    BootConfig { mem_size: DEFAULT_MIB << 20, cmdline: String::new() }
}

/// The boot configuration for a mount's boot.
pub fn boot_config() -> BootConfig {
    CONFIG.lock().clone().unwrap_or_else(defaults)
}

/// From DriverUnload: frees what `load` kept (the heap must be back to
/// zero when the image goes).
pub fn forget() {
    *CONFIG.lock() = None;
    CLAIMED.store(ALL_CLAIMED, Ordering::SeqCst);
    WRITES_OFFERED.store(false, Ordering::SeqCst);
}

/// The UTF-16 text of a REG_SZ value's data, up to its first NUL.
fn reg_text(d: &[u8]) -> Vec<u16> {
    let units = d.chunks_exact(2).filter_map(|c| c.try_into().ok()).map(u16::from_le_bytes);
    units.take_while(|&u| u != 0).collect()
}

/// A value of the open key: (type, data), or None when it is absent.
fn value(key: HANDLE, name: &'static U16Str) -> Option<(u32, Vec<u8>)> {
    let mut uname = UNICODE_STRING::from_static(name);
    // The header (12 bytes) and the longest value we accept, with room.
    let mut buf = vec![0u8; 16 + 2 * (CMDLINE_MAX + 2)];
    let mut got = 0u32;
    // SAFETY: our open key handle; the name and buffer outlive the call;
    // PASSIVE_LEVEL (DriverEntry).
    let status = unsafe {
        nt::ZwQueryValueKey(
            key,
            &mut uname,
            nt::KeyValuePartialInformation,
            buf.as_mut_ptr().cast(),
            buf.len() as u32,
            &mut got,
        )
    };
    if status == nt::STATUS_OBJECT_NAME_NOT_FOUND {
        return None;
    }
    if !nt::nt_success(status) {
        // Too long, or unreadable: reported as a bad value.
        return Some((u32::MAX, Vec::new()));
    }
    let word = |at: usize| buf.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes);
    let (ty, len) = (word(4), word(8) as usize);
    Some((ty, buf.get(12..12 + len).map(<[u8]>::to_vec).unwrap_or_default()))
}

/// Reads `registry_path\Parameters`. PASSIVE_LEVEL (DriverEntry).
///
/// # Safety
/// `registry_path` is null or the service key's name DriverEntry received.
pub unsafe fn load(registry_path: *const UNICODE_STRING) {
    let mut config = defaults();
    // SAFETY: the caller's contract.
    let base: &[u16] = match unsafe { registry_path.as_ref() } {
        Some(p) if !p.Buffer.is_null() => {
            // SAFETY: a counted string of `Length` bytes.
            unsafe { core::slice::from_raw_parts(p.Buffer, usize::from(p.Length / 2)) }
        }
        _ => &[],
    };
    let mut path: Vec<u16> = base.to_vec();
    path.extend_from_slice(SUBKEY.as_slice());
    // A key name too long to count has no key: the defaults.
    let mut name = UNICODE_STRING::from_units(&path).unwrap_or(UNICODE_STRING::from_static(u16str!("")));
    let mut attrs =
        OBJECT_ATTRIBUTES::new(&mut name, nt::OBJ_KERNEL_HANDLE | nt::OBJ_CASE_INSENSITIVE, ptr::null_mut());
    let mut key: HANDLE = ptr::null_mut();
    // SAFETY: live locals; PASSIVE_LEVEL.
    let opened = !base.is_empty() && nt::nt_success(unsafe { nt::ZwOpenKey(&mut key, nt::KEY_READ, &mut attrs) });
    if opened {
        match value(key, MEMORY) {
            None => {}
            Some((nt::REG_DWORD, d)) if d.len() == 4 => {
                let mib = u64::from(d.as_slice().try_into().map_or(0, u32::from_le_bytes));
                if (MEM_MIN >> 20..=MEM_MAX >> 20).contains(&mib) {
                    config.mem_size = mib << 20;
                } else {
                    print_fmt(format_args!(
                        "lklfs: Parameters\\MemoryMiB = {mib} is outside {}..={}; using {DEFAULT_MIB}\n",
                        MEM_MIN >> 20,
                        MEM_MAX >> 20
                    ));
                }
            }
            Some(_) => {
                print_fmt(format_args!("lklfs: Parameters\\MemoryMiB is not a REG_DWORD; using {DEFAULT_MIB}\n"))
            }
        }
        match value(key, CMDLINE) {
            None => {}
            Some((nt::REG_SZ, d)) => {
                let text = reg_text(&d);
                let ok = text.len() <= CMDLINE_MAX && text.iter().all(|&u| (0x20..0x7f).contains(&u));
                if ok {
                    config.cmdline = text.iter().map(|&u| char::from(u as u8)).collect();
                } else {
                    print_fmt(format_args!(
                        "lklfs: Parameters\\KernelCommandLine must be printable ASCII of at most {CMDLINE_MAX} characters; ignored\n"
                    ));
                }
            }
            Some(_) => print_fmt(format_args!("lklfs: Parameters\\KernelCommandLine is not a REG_SZ; ignored\n")),
        }
        match value(key, FILE_SYSTEMS) {
            None => {}
            Some((nt::REG_SZ, d)) => {
                let text = String::from_utf16_lossy(&reg_text(&d));
                match claimed_of(&text) {
                    Ok(bits) if bits != 0 => CLAIMED.store(bits, Ordering::SeqCst),
                    Ok(_) => print_fmt(format_args!("lklfs: Parameters\\FileSystems names none; claiming all\n")),
                    Err(name) => print_fmt(format_args!(
                        "lklfs: Parameters\\FileSystems names {name:?}, not ext2, ext3, ext4, btrfs or xfs; claiming all\n"
                    )),
                }
            }
            Some(_) => print_fmt(format_args!("lklfs: Parameters\\FileSystems is not a REG_SZ; claiming all\n")),
        }
        match value(key, WRITE_OFFERED) {
            None => {}
            Some((nt::REG_DWORD, d)) if d == [0, 0, 0, 0] || d == [1, 0, 0, 0] => {
                WRITES_OFFERED.store(d.first() == Some(&1), Ordering::SeqCst)
            }
            Some(_) => print_fmt(format_args!(
                "lklfs: Parameters\\WriteOfferedVolumes must be a REG_DWORD of 0 or 1; offered volumes stay read-only\n"
            )),
        }
        // SAFETY: our key handle, closed once.
        unsafe { nt::ZwClose(key) };
    }
    *CONFIG.lock() = Some(config);
}
