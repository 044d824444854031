//! Wire formats of the Linux control requests: boot, syscall probe, halt and
//! the test-only panic. All little-endian, fixed size; every request starts
//! with the 8-byte [`Header`] (magic, version).
//!
//! Status contract (what the driver completes the IRP with):
//! - `STATUS_SUCCESS`: the request ran; for boot and halt the reply carries
//!   Linux's own result (errno 0 or negative), so a failed boot still returns
//!   its console tail.
//! - `STATUS_DEVICE_NOT_READY` ([`STATUS_NOT_BOOTED`]): no kernel is running.
//! - `STATUS_INVALID_DEVICE_STATE` ([`STATUS_WRONG_STATE`]): boot while a
//!   kernel runs, or a second boot in the same driver load (Linux's static
//!   state cannot be reset; stop and start the service to boot again).
//! - `STATUS_IO_DEVICE_ERROR` ([`STATUS_LINUX_DEAD`]): Linux panicked; every
//!   later Linux request fails with it until halt (which then succeeds with
//!   errno EIO in its reply and frees everything).

use crate::{MAGIC, Reject, VERSION};

// The values are the `nt` crate's, which its DDK probe holds against
// mingw-w64's headers; the wire carries them as u32.
/// NTSTATUS of a request that needs a running kernel when none runs.
pub const STATUS_NOT_BOOTED: u32 = nt::STATUS_DEVICE_NOT_READY as u32;
/// NTSTATUS of a boot while a kernel runs or after one ran in this load.
pub const STATUS_WRONG_STATE: u32 = nt::STATUS_INVALID_DEVICE_STATE as u32;
/// NTSTATUS of every Linux request after a Linux panic.
pub const STATUS_LINUX_DEAD: u32 = nt::STATUS_IO_DEVICE_ERROR as u32;

/// Bytes of the request header: magic, version.
pub const HEADER_SIZE: usize = 8;
/// Most command-line bytes a boot request carries.
pub const CMDLINE_MAX: usize = 256;
/// Bytes of a boot request: header, mem_size u64, cmdline_len u32,
/// reserved u32 (0), cmdline (NUL-padded).
pub const BOOT_IN_SIZE: usize = HEADER_SIZE + 16 + CMDLINE_MAX;
/// Console bytes a boot reply carries.
pub const TAIL_MAX: usize = 4096;
/// Bytes of a boot reply: errno i32, tail_len u32, boot_ns u64, tail.
pub const BOOT_OUT_SIZE: usize = 16 + TAIL_MAX;
/// Bytes of one uname field.
pub const UTS_FIELD: usize = 65;
/// Bytes of an info reply: pid i64, then sysname, nodename, release,
/// version, machine (65 bytes each, NUL-padded), 3 bytes of padding.
pub const INFO_OUT_SIZE: usize = 8 + 5 * UTS_FIELD + 3;
/// Bytes of a halt reply: errno i32, reserved u32, host allocations still
/// outstanding after the halt u64.
pub const HALT_OUT_SIZE: usize = 16;
/// Bytes of a panic reply: errno of the panicking call i32, dead flag u32.
pub const PANIC_OUT_SIZE: usize = 8;
/// Smallest kernel memory a boot may ask for.
pub const MEM_MIN: u64 = 16 << 20;
/// Largest kernel memory a boot may ask for.
pub const MEM_MAX: u64 = 1 << 30;

/// The 8-byte header alone (the input of info, halt and panic).
pub fn header() -> [u8; HEADER_SIZE] {
    let mut b = [0u8; HEADER_SIZE];
    b[..4].copy_from_slice(&MAGIC.to_le_bytes());
    b[4..].copy_from_slice(&VERSION.to_le_bytes());
    b
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

/// Checks the header of a request already known to have its exact length.
pub(crate) fn check_header(input: &[u8]) -> Result<(), Reject> {
    if input.len() < HEADER_SIZE || input[..HEADER_SIZE] != header() {
        return Err(Reject::InvalidParameter);
    }
    Ok(())
}

/// A boot request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootRequest<'a> {
    /// Bytes of kernel memory, [`MEM_MIN`]..=[`MEM_MAX`], a multiple of 4 KiB.
    pub mem_size: u64,
    /// The kernel command line: printable ASCII, at most [`CMDLINE_MAX`].
    pub cmdline: &'a str,
}

impl BootRequest<'_> {
    /// Wire bytes; `None` if the command line is too long.
    pub fn encode(&self) -> Option<[u8; BOOT_IN_SIZE]> {
        if self.cmdline.len() > CMDLINE_MAX {
            return None;
        }
        let mut b = [0u8; BOOT_IN_SIZE];
        b[..HEADER_SIZE].copy_from_slice(&header());
        b[8..16].copy_from_slice(&self.mem_size.to_le_bytes());
        b[16..20].copy_from_slice(&(self.cmdline.len() as u32).to_le_bytes());
        b[24..24 + self.cmdline.len()].copy_from_slice(self.cmdline.as_bytes());
        Some(b)
    }

    /// Parses and validates exactly [`BOOT_IN_SIZE`] bytes: header, memory
    /// bounds, length, reserved and padding bytes zero, printable ASCII.
    pub fn decode(b: &[u8]) -> Result<BootRequest<'_>, Reject> {
        if b.len() != BOOT_IN_SIZE {
            return Err(Reject::InvalidParameter);
        }
        check_header(b)?;
        let mem_size = u64_at(b, 8);
        let len = u32_at(b, 16) as usize;
        if !(MEM_MIN..=MEM_MAX).contains(&mem_size)
            || !mem_size.is_multiple_of(4096)
            || len > CMDLINE_MAX
            || u32_at(b, 20) != 0
        {
            return Err(Reject::InvalidParameter);
        }
        let text = &b[24..24 + len];
        if !text.iter().all(|c| (0x20..0x7f).contains(c)) || b[24 + len..].iter().any(|&c| c != 0) {
            return Err(Reject::InvalidParameter);
        }
        let cmdline = core::str::from_utf8(text).map_err(|_| Reject::InvalidParameter)?;
        Ok(BootRequest { mem_size, cmdline })
    }
}

/// Writes a boot reply into exactly [`BOOT_OUT_SIZE`] bytes; the tail keeps
/// its last [`TAIL_MAX`] bytes.
pub fn encode_boot_reply(out: &mut [u8], errno: i32, boot_ns: u64, tail: &[u8]) {
    out.fill(0);
    let tail = &tail[tail.len().saturating_sub(TAIL_MAX)..];
    out[..4].copy_from_slice(&errno.to_le_bytes());
    out[4..8].copy_from_slice(&(tail.len() as u32).to_le_bytes());
    out[8..16].copy_from_slice(&boot_ns.to_le_bytes());
    out[16..16 + tail.len()].copy_from_slice(tail);
}

/// A decoded boot reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootReply<'a> {
    /// 0, or Linux's negative errno.
    pub errno: i32,
    /// Nanoseconds the boot took inside the driver.
    pub boot_ns: u64,
    /// The end of the kernel console, oldest first.
    pub tail: &'a [u8],
}

/// Parses a boot reply.
pub fn decode_boot_reply(b: &[u8]) -> Option<BootReply<'_>> {
    if b.len() != BOOT_OUT_SIZE {
        return None;
    }
    let len = u32_at(b, 4) as usize;
    if len > TAIL_MAX {
        return None;
    }
    Some(BootReply { errno: u32_at(b, 0) as i32, boot_ns: u64_at(b, 8), tail: &b[16..16 + len] })
}

/// What the info request reports: `getpid()` and `uname()` run in Linux on a
/// worker thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    /// The worker's Linux pid.
    pub pid: i64,
    /// `uname` fields, NUL-padded: sysname, nodename, release, version, machine.
    pub uts: [[u8; UTS_FIELD]; 5],
}

impl Default for Info {
    fn default() -> Info {
        Info { pid: 0, uts: [[0; UTS_FIELD]; 5] }
    }
}

impl Info {
    /// Wire bytes.
    pub fn encode(&self) -> [u8; INFO_OUT_SIZE] {
        let mut b = [0u8; INFO_OUT_SIZE];
        b[..8].copy_from_slice(&self.pid.to_le_bytes());
        for (i, f) in self.uts.iter().enumerate() {
            b[8 + i * UTS_FIELD..8 + (i + 1) * UTS_FIELD].copy_from_slice(f);
        }
        b
    }

    /// Parses exactly [`INFO_OUT_SIZE`] bytes.
    pub fn decode(b: &[u8]) -> Option<Info> {
        if b.len() != INFO_OUT_SIZE {
            return None;
        }
        let mut info = Info { pid: u64_at(b, 0) as i64, uts: [[0; UTS_FIELD]; 5] };
        for (i, f) in info.uts.iter_mut().enumerate() {
            f.copy_from_slice(&b[8 + i * UTS_FIELD..8 + (i + 1) * UTS_FIELD]);
        }
        Some(info)
    }

    /// Field `i` as text up to its first NUL.
    pub fn field(&self, i: usize) -> &str {
        let f = &self.uts[i];
        let n = f.iter().position(|&c| c == 0).unwrap_or(f.len());
        core::str::from_utf8(&f[..n]).unwrap_or("?")
    }
}

/// Halt reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HaltReply {
    /// 0, or Linux's negative errno (EIO after a panic: threads were still
    /// joined and memory freed).
    pub errno: i32,
    /// `Host::mem_alloc` blocks outstanding after the halt (must be 0).
    pub host_outstanding: u64,
}

impl HaltReply {
    /// Wire bytes.
    pub fn encode(&self) -> [u8; HALT_OUT_SIZE] {
        let mut b = [0u8; HALT_OUT_SIZE];
        b[..4].copy_from_slice(&self.errno.to_le_bytes());
        b[8..].copy_from_slice(&self.host_outstanding.to_le_bytes());
        b
    }

    /// Parses exactly [`HALT_OUT_SIZE`] bytes.
    pub fn decode(b: &[u8]) -> Option<HaltReply> {
        (b.len() == HALT_OUT_SIZE).then(|| HaltReply { errno: u32_at(b, 0) as i32, host_outstanding: u64_at(b, 8) })
    }
}

/// Panic reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PanicReply {
    /// What the panicking syscall returned (negative errno; EIO expected).
    pub errno: i32,
    /// Whether the host saw the library die.
    pub dead: bool,
}

impl PanicReply {
    /// Wire bytes.
    pub fn encode(&self) -> [u8; PANIC_OUT_SIZE] {
        let mut b = [0u8; PANIC_OUT_SIZE];
        b[..4].copy_from_slice(&self.errno.to_le_bytes());
        b[4..].copy_from_slice(&u32::from(self.dead).to_le_bytes());
        b
    }

    /// Parses exactly [`PANIC_OUT_SIZE`] bytes.
    pub fn decode(b: &[u8]) -> Option<PanicReply> {
        (b.len() == PANIC_OUT_SIZE).then(|| PanicReply { errno: u32_at(b, 0) as i32, dead: u32_at(b, 4) != 0 })
    }
}
