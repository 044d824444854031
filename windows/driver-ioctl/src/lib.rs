//! The control device's IOCTL protocol, shared by the driver (no_std) and
//! its user-mode client: device names, codes, fixed-size wire formats and
//! the buffer validation the driver applies. Pure logic, tested on Linux.
//!
//! Every request has exact input and output sizes: a missing, short or
//! oversized buffer is rejected before anything runs (`BufferTooSmall` for a
//! short output, `InvalidParameter` for everything else), so a caller can
//! never make the driver read or write past a buffer.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod diskctl;
pub mod fsops;
pub mod images;
pub mod linux;
pub mod mountopts;
pub mod partitions;
pub mod service;
pub mod suiteops;

/// `\\.\` name of the control device for user mode.
pub const USER_PATH: &str = r"\\.\LklfsControl";
/// NT name of the control device.
pub const DEVICE_NAME: &str = r"\Device\LklfsControl";
/// The symbolic link to it.
pub const LINK_NAME: &str = r"\DosDevices\LklfsControl";

const FILE_DEVICE_UNKNOWN: u32 = 0x22;
const METHOD_BUFFERED: u32 = 0;
const FILE_READ_ACCESS: u32 = 1;
const FILE_WRITE_ACCESS: u32 = 2;

const fn ctl_code(function: u32) -> u32 {
    (FILE_DEVICE_UNKNOWN << 16) | ((FILE_READ_ACCESS | FILE_WRITE_ACCESS) << 14) | (function << 2) | METHOD_BUFFERED
}

/// Runs every host-conformance case in the driver: in [`SelfTestRequest`],
/// out [`SELFTEST_OUT_SIZE`] bytes of results.
pub const IOCTL_SELFTEST: u32 = ctl_code(0x801);
/// Reads the allocation counters: no input, out [`AllocCounters`].
pub const IOCTL_ALLOC_COUNTERS: u32 = ctl_code(0x802);

/// Boots Linux: in [`linux::BootRequest`], out [`linux::BOOT_OUT_SIZE`].
pub const IOCTL_LINUX_BOOT: u32 = ctl_code(0x803);
/// `getpid()` and `uname()` in Linux: in the header, out [`linux::Info`].
pub const IOCTL_LINUX_INFO: u32 = ctl_code(0x804);
/// Halts Linux: in the header, out [`linux::HaltReply`].
pub const IOCTL_LINUX_HALT: u32 = ctl_code(0x805);
/// Test only: makes Linux panic (the port's syscall 1000): in the header,
/// out [`linux::PanicReply`].
pub const IOCTL_LINUX_PANIC_FOR_TEST: u32 = ctl_code(0x806);

/// Mounts an image file or a lower disk device, unmounts, file operations
/// through fs-glue, and the test RAM disks:
/// in [`fsops::FsRequest`] (variable length), out `16 + out_len` bytes.
pub const IOCTL_FS: u32 = ctl_code(0x807);
/// Makes a disk device of an image file (`lklfs.exe mount`): in
/// [`images::AttachRequest`], out [`images::Attached`].
pub const IOCTL_IMAGE_ATTACH: u32 = ctl_code(0x808);
/// Deletes an image disk nothing holds: in [`images::detach`], no output.
pub const IOCTL_IMAGE_DETACH: u32 = ctl_code(0x809);
/// Lists the image disks: in the header, out [`images::LIST_OUT_SIZE`]
/// bytes of [`images::Listed`] entries.
pub const IOCTL_IMAGE_LIST: u32 = ctl_code(0x80A);

/// Protocol magic ("LKLF").
pub const MAGIC: u32 = u32::from_le_bytes(*b"LKLF");
/// Protocol version; bumped on any wire change.
pub const VERSION: u32 = 1;

/// Most cases one self-test reports.
pub const MAX_CASES: usize = 32;
/// Bytes of a case name in a record (NUL-padded, truncated).
pub const NAME_BYTES: usize = 40;
/// Bytes of a failure message in a record (truncated).
pub const MESSAGE_BYTES: usize = 112;
/// Bytes of one case record: name, outcome u32, message length u32, message.
pub const RECORD_SIZE: usize = NAME_BYTES + 8 + MESSAGE_BYTES;
/// Bytes of the self-test result header: magic, version, case count, reserved.
pub const HEADER_SIZE: usize = 16;
/// The exact output size of [`IOCTL_SELFTEST`].
pub const SELFTEST_OUT_SIZE: usize = HEADER_SIZE + MAX_CASES * RECORD_SIZE;
/// The exact input size of [`IOCTL_SELFTEST`].
pub const SELFTEST_IN_SIZE: usize = 8;
/// The exact output size of [`IOCTL_ALLOC_COUNTERS`].
pub const COUNTERS_OUT_SIZE: usize = 32;

/// Why a request was refused (the driver maps these to NTSTATUS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    /// `STATUS_INVALID_PARAMETER`: missing, short or oversized input,
    /// oversized output, or bad magic/version.
    InvalidParameter,
    /// `STATUS_BUFFER_TOO_SMALL`: the output buffer is short.
    BufferTooSmall,
    /// `STATUS_INVALID_DEVICE_REQUEST`: unknown control code.
    UnknownCode,
}

/// The self-test request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelfTestRequest {
    /// [`MAGIC`].
    pub magic: u32,
    /// [`VERSION`].
    pub version: u32,
}

impl SelfTestRequest {
    /// The request this version of the protocol sends.
    pub const CURRENT: SelfTestRequest = SelfTestRequest { magic: MAGIC, version: VERSION };

    /// Wire bytes.
    pub fn encode(&self) -> [u8; SELFTEST_IN_SIZE] {
        let mut b = [0u8; SELFTEST_IN_SIZE];
        b[..4].copy_from_slice(&self.magic.to_le_bytes());
        b[4..].copy_from_slice(&self.version.to_le_bytes());
        b
    }
}

/// The allocation counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCounters {
    /// `Host::mem_alloc` blocks not freed (the self-test host).
    pub host_outstanding: u64,
    /// Rust heap blocks not freed, driver-wide.
    pub heap_outstanding: u64,
    /// Rust heap blocks the driver held when DriverEntry finished (its own
    /// long-lived state); after a self-test the heap must be back to this.
    pub heap_baseline: u64,
    /// Self-tests run so far.
    pub selftests_run: u64,
}

impl AllocCounters {
    /// Wire bytes.
    pub fn encode(&self) -> [u8; COUNTERS_OUT_SIZE] {
        let mut b = [0u8; COUNTERS_OUT_SIZE];
        for (i, v) in [self.host_outstanding, self.heap_outstanding, self.heap_baseline, self.selftests_run]
            .into_iter()
            .enumerate()
        {
            b[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        b
    }

    /// Parses exactly [`COUNTERS_OUT_SIZE`] bytes.
    pub fn decode(b: &[u8]) -> Option<AllocCounters> {
        if b.len() != COUNTERS_OUT_SIZE {
            return None;
        }
        let q = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
        Some(AllocCounters { host_outstanding: q(0), heap_outstanding: q(1), heap_baseline: q(2), selftests_run: q(3) })
    }
}

/// Checks a request's buffer lengths (and the self-test input) before the
/// driver does anything. `input` is the first `in_len` bytes of the buffer.
pub fn validate(code: u32, input: &[u8], out_len: usize) -> Result<(), Reject> {
    if code == IOCTL_FS {
        return fsops::FsRequest::decode(input, out_len).map(|_| ());
    }
    if code == IOCTL_IMAGE_ATTACH {
        images::AttachRequest::decode(input)?;
        return exact_out(out_len, images::ATTACH_OUT_SIZE);
    }
    if code == IOCTL_IMAGE_DETACH {
        images::decode_detach(input)?;
        return exact_out(out_len, 0);
    }
    let (want_in, want_out) = match code {
        IOCTL_SELFTEST => (SELFTEST_IN_SIZE, SELFTEST_OUT_SIZE),
        IOCTL_ALLOC_COUNTERS => (0, COUNTERS_OUT_SIZE),
        IOCTL_LINUX_BOOT => (linux::BOOT_IN_SIZE, linux::BOOT_OUT_SIZE),
        IOCTL_LINUX_INFO => (linux::HEADER_SIZE, linux::INFO_OUT_SIZE),
        IOCTL_LINUX_HALT => (linux::HEADER_SIZE, linux::HALT_OUT_SIZE),
        IOCTL_LINUX_PANIC_FOR_TEST => (linux::HEADER_SIZE, linux::PANIC_OUT_SIZE),
        IOCTL_IMAGE_LIST => (linux::HEADER_SIZE, images::LIST_OUT_SIZE),
        _ => return Err(Reject::UnknownCode),
    };
    if input.len() != want_in {
        return Err(Reject::InvalidParameter);
    }
    exact_out(out_len, want_out)?;
    match code {
        IOCTL_SELFTEST if input != SelfTestRequest::CURRENT.encode() => Err(Reject::InvalidParameter),
        IOCTL_LINUX_BOOT => linux::BootRequest::decode(input).map(|_| ()),
        IOCTL_LINUX_INFO | IOCTL_LINUX_HALT | IOCTL_LINUX_PANIC_FOR_TEST | IOCTL_IMAGE_LIST => {
            linux::check_header(input)
        }
        _ => Ok(()),
    }
}

/// An output buffer of exactly `want` bytes: shorter is too small, longer
/// invalid.
fn exact_out(out_len: usize, want: usize) -> Result<(), Reject> {
    if out_len < want {
        Err(Reject::BufferTooSmall)
    } else if out_len > want {
        Err(Reject::InvalidParameter)
    } else {
        Ok(())
    }
}

/// How a case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseOutcome {
    /// Passed.
    Passed = 1,
    /// Failed; the message says why.
    Failed = 2,
}

/// One decoded case record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult<'a> {
    /// The case name.
    pub name: &'a str,
    /// The outcome.
    pub outcome: CaseOutcome,
    /// Failure message (empty on success), possibly truncated.
    pub message: &'a str,
}

/// Writes self-test results into an output buffer of exactly
/// [`SELFTEST_OUT_SIZE`] bytes.
pub struct ResultWriter<'a> {
    out: &'a mut [u8],
    count: usize,
}

impl<'a> ResultWriter<'a> {
    /// Starts a result block; `None` unless `out` has the exact size.
    pub fn new(out: &'a mut [u8]) -> Option<ResultWriter<'a>> {
        if out.len() != SELFTEST_OUT_SIZE {
            return None;
        }
        out.fill(0);
        out[..4].copy_from_slice(&MAGIC.to_le_bytes());
        out[4..8].copy_from_slice(&VERSION.to_le_bytes());
        Some(ResultWriter { out, count: 0 })
    }

    /// Appends a case; `false` when [`MAX_CASES`] are already written.
    pub fn push(&mut self, name: &str, outcome: CaseOutcome, message: &str) -> bool {
        if self.count == MAX_CASES {
            return false;
        }
        let r = &mut self.out[HEADER_SIZE + self.count * RECORD_SIZE..][..RECORD_SIZE];
        let name = truncate(name, NAME_BYTES - 1);
        r[..name.len()].copy_from_slice(name.as_bytes());
        r[NAME_BYTES..NAME_BYTES + 4].copy_from_slice(&(outcome as u32).to_le_bytes());
        let msg = truncate(message, MESSAGE_BYTES);
        r[NAME_BYTES + 4..NAME_BYTES + 8].copy_from_slice(&(msg.len() as u32).to_le_bytes());
        r[NAME_BYTES + 8..NAME_BYTES + 8 + msg.len()].copy_from_slice(msg.as_bytes());
        self.count += 1;
        self.out[8..12].copy_from_slice(&(self.count as u32).to_le_bytes());
        true
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char
/// boundary.
fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Why a result block could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Wrong size, magic or version.
    BadHeader,
    /// More cases than [`MAX_CASES`].
    BadCount,
    /// A record's outcome, length or text is invalid.
    BadRecord(usize),
}

/// Decodes a result block into its case results.
pub fn decode_results(b: &[u8]) -> Result<impl Iterator<Item = CaseResult<'_>>, DecodeError> {
    if b.len() != SELFTEST_OUT_SIZE || b[..4] != MAGIC.to_le_bytes() || b[4..8] != VERSION.to_le_bytes() {
        return Err(DecodeError::BadHeader);
    }
    let count = u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize;
    if count > MAX_CASES {
        return Err(DecodeError::BadCount);
    }
    for i in 0..count {
        decode_record(b, i)?;
    }
    Ok((0..count).filter_map(move |i| decode_record(b, i).ok()))
}

fn decode_record(b: &[u8], i: usize) -> Result<CaseResult<'_>, DecodeError> {
    let r = &b[HEADER_SIZE + i * RECORD_SIZE..][..RECORD_SIZE];
    let name_len = r[..NAME_BYTES].iter().position(|&c| c == 0).ok_or(DecodeError::BadRecord(i))?;
    let name = core::str::from_utf8(&r[..name_len]).map_err(|_| DecodeError::BadRecord(i))?;
    let outcome =
        match u32::from_le_bytes(r[NAME_BYTES..NAME_BYTES + 4].try_into().map_err(|_| DecodeError::BadRecord(i))?) {
            1 => CaseOutcome::Passed,
            2 => CaseOutcome::Failed,
            _ => return Err(DecodeError::BadRecord(i)),
        };
    let msg_len =
        u32::from_le_bytes(r[NAME_BYTES + 4..NAME_BYTES + 8].try_into().map_err(|_| DecodeError::BadRecord(i))?)
            as usize;
    if msg_len > MESSAGE_BYTES {
        return Err(DecodeError::BadRecord(i));
    }
    let message =
        core::str::from_utf8(&r[NAME_BYTES + 8..NAME_BYTES + 8 + msg_len]).map_err(|_| DecodeError::BadRecord(i))?;
    Ok(CaseResult { name, outcome, message })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;

    #[test]
    fn codes_are_buffered_read_write_unknown_device() {
        assert_eq!(IOCTL_SELFTEST, 0x0022_E004);
        assert_eq!(IOCTL_ALLOC_COUNTERS, 0x0022_E008);
    }

    #[test]
    fn every_selftest_length_but_the_exact_one_is_refused() {
        let good = SelfTestRequest::CURRENT.encode();
        for in_len in 0..=SELFTEST_IN_SIZE + 8 {
            let input: Vec<u8> = good.iter().copied().chain(core::iter::repeat(0)).take(in_len).collect();
            for out_len in 0..=SELFTEST_OUT_SIZE + 1 {
                let r = validate(IOCTL_SELFTEST, &input, out_len);
                let want = if in_len != SELFTEST_IN_SIZE {
                    Err(Reject::InvalidParameter)
                } else if out_len < SELFTEST_OUT_SIZE {
                    Err(Reject::BufferTooSmall)
                } else if out_len > SELFTEST_OUT_SIZE {
                    Err(Reject::InvalidParameter)
                } else {
                    Ok(())
                };
                assert_eq!(r, want, "in {in_len} out {out_len}");
            }
        }
    }

    #[test]
    fn bad_magic_or_version_is_refused() {
        let mut r = SelfTestRequest::CURRENT;
        r.version += 1;
        assert_eq!(validate(IOCTL_SELFTEST, &r.encode(), SELFTEST_OUT_SIZE), Err(Reject::InvalidParameter));
        let mut r = SelfTestRequest::CURRENT;
        r.magic ^= 1;
        assert_eq!(validate(IOCTL_SELFTEST, &r.encode(), SELFTEST_OUT_SIZE), Err(Reject::InvalidParameter));
    }

    #[test]
    fn counters_take_no_input_and_exact_output() {
        assert_eq!(validate(IOCTL_ALLOC_COUNTERS, &[], COUNTERS_OUT_SIZE), Ok(()));
        assert_eq!(validate(IOCTL_ALLOC_COUNTERS, &[0], COUNTERS_OUT_SIZE), Err(Reject::InvalidParameter));
        assert_eq!(validate(IOCTL_ALLOC_COUNTERS, &[], COUNTERS_OUT_SIZE - 1), Err(Reject::BufferTooSmall));
        assert_eq!(validate(IOCTL_ALLOC_COUNTERS, &[], COUNTERS_OUT_SIZE + 1), Err(Reject::InvalidParameter));
        assert_eq!(validate(0x0022_0000, &[], 0), Err(Reject::UnknownCode));
        let c = AllocCounters { host_outstanding: 1, heap_outstanding: 2, heap_baseline: 3, selftests_run: 4 };
        assert_eq!(AllocCounters::decode(&c.encode()), Some(c));
        assert_eq!(AllocCounters::decode(&[0; 31]), None);
    }

    /// Every (in, out) length pair up to one past the exact sizes: only the
    /// exact pair is accepted, with the documented reject otherwise.
    fn sweep_lengths(code: u32, good: &[u8], out_size: usize) {
        for in_len in 0..=good.len() + 8 {
            let input: Vec<u8> = good.iter().copied().chain(core::iter::repeat(0)).take(in_len).collect();
            for out_len in 0..=out_size + 1 {
                let want = if in_len != good.len() {
                    Err(Reject::InvalidParameter)
                } else if out_len < out_size {
                    Err(Reject::BufferTooSmall)
                } else if out_len > out_size {
                    Err(Reject::InvalidParameter)
                } else {
                    Ok(())
                };
                assert_eq!(validate(code, &input, out_len), want, "code {code:#x} in {in_len} out {out_len}");
            }
        }
    }

    #[test]
    fn every_linux_request_length_but_the_exact_one_is_refused() {
        let boot = linux::BootRequest { mem_size: 64 << 20, cmdline: "quiet" }.encode().unwrap();
        sweep_lengths(IOCTL_LINUX_BOOT, &boot, linux::BOOT_OUT_SIZE);
        sweep_lengths(IOCTL_LINUX_INFO, &linux::header(), linux::INFO_OUT_SIZE);
        sweep_lengths(IOCTL_LINUX_HALT, &linux::header(), linux::HALT_OUT_SIZE);
        sweep_lengths(IOCTL_LINUX_PANIC_FOR_TEST, &linux::header(), linux::PANIC_OUT_SIZE);
    }

    #[test]
    fn boot_request_fields_are_validated() {
        let ok = |r: &[u8]| validate(IOCTL_LINUX_BOOT, r, linux::BOOT_OUT_SIZE);
        let good = linux::BootRequest { mem_size: 64 << 20, cmdline: "mem test=1" }.encode().unwrap();
        assert_eq!(ok(&good), Ok(()));
        assert_eq!(
            linux::BootRequest::decode(&good),
            Ok(linux::BootRequest { mem_size: 64 << 20, cmdline: "mem test=1" })
        );
        let max = "x".repeat(linux::CMDLINE_MAX);
        assert_eq!(ok(&linux::BootRequest { mem_size: linux::MEM_MAX, cmdline: &max }.encode().unwrap()), Ok(()));
        assert!(linux::BootRequest { mem_size: 64 << 20, cmdline: &(max.clone() + "x") }.encode().is_none());
        for mem in [0, linux::MEM_MIN - 4096, linux::MEM_MAX + 4096, (64 << 20) + 1, u64::MAX] {
            assert_eq!(
                ok(&linux::BootRequest { mem_size: mem, cmdline: "" }.encode().unwrap()),
                Err(Reject::InvalidParameter),
                "mem {mem}"
            );
        }
        let mut bad = good;
        bad[0] ^= 1;
        assert_eq!(ok(&bad), Err(Reject::InvalidParameter), "magic");
        let mut bad = good;
        bad[16..20].copy_from_slice(&(linux::CMDLINE_MAX as u32 + 1).to_le_bytes());
        assert_eq!(ok(&bad), Err(Reject::InvalidParameter), "length past the field");
        let mut bad = good;
        bad[20] = 1;
        assert_eq!(ok(&bad), Err(Reject::InvalidParameter), "reserved");
        let mut bad = good;
        bad[24 + 3] = 0;
        assert_eq!(ok(&bad), Err(Reject::InvalidParameter), "NUL inside the command line");
        let mut bad = good;
        bad[24 + 3] = 0xC3;
        assert_eq!(ok(&bad), Err(Reject::InvalidParameter), "non-ASCII");
        let mut bad = good;
        bad[linux::BOOT_IN_SIZE - 1] = b'x';
        assert_eq!(ok(&bad), Err(Reject::InvalidParameter), "bytes past the length");
        for code in [IOCTL_LINUX_INFO, IOCTL_LINUX_HALT, IOCTL_LINUX_PANIC_FOR_TEST] {
            let mut h = linux::header();
            h[5] ^= 1;
            let out = match code {
                IOCTL_LINUX_INFO => linux::INFO_OUT_SIZE,
                IOCTL_LINUX_HALT => linux::HALT_OUT_SIZE,
                _ => linux::PANIC_OUT_SIZE,
            };
            assert_eq!(validate(code, &h, out), Err(Reject::InvalidParameter));
            assert_eq!(validate(code, &linux::header(), out), Ok(()));
        }
    }

    #[test]
    fn linux_replies_round_trip() {
        let mut out = vec![0xAAu8; linux::BOOT_OUT_SIZE];
        let long = vec![b'k'; linux::TAIL_MAX + 10];
        linux::encode_boot_reply(&mut out, -12, 7, &long);
        let r = linux::decode_boot_reply(&out).unwrap();
        assert_eq!((r.errno, r.boot_ns, r.tail.len()), (-12, 7, linux::TAIL_MAX));
        linux::encode_boot_reply(&mut out, 0, 1, b"Linux version 6.1");
        assert_eq!(linux::decode_boot_reply(&out).unwrap().tail, b"Linux version 6.1");
        let mut info = linux::Info { pid: 3, ..Default::default() };
        info.uts[0][..5].copy_from_slice(b"Linux");
        let back = linux::Info::decode(&info.encode()).unwrap();
        assert_eq!((back.pid, back.field(0), back.field(1)), (3, "Linux", ""));
        let h = linux::HaltReply { errno: -5, host_outstanding: 9 };
        assert_eq!(linux::HaltReply::decode(&h.encode()), Some(h));
        let p = linux::PanicReply { errno: -5, dead: true };
        assert_eq!(linux::PanicReply::decode(&p.encode()), Some(p));
        assert_eq!(linux::PanicReply::decode(&[0; 7]), None);
    }

    #[test]
    fn fs_requests_need_exact_lengths_and_op_fields() {
        use fsops::{FsRequest, Op};
        let name: Vec<u8> = "\\a".encode_utf16().flat_map(|c| c.to_le_bytes()).collect();
        let mut create = FsRequest::new(Op::Create);
        create.name = &name;
        create.out_len = 4;
        create.args = [2, 0x40, 0x1F01FF];
        let good = create.encode();
        assert_eq!(FsRequest::decode(&good, 20), Ok(create.clone()));
        sweep_lengths(IOCTL_FS, &good, create.reply_size());
        let mut write = FsRequest::new(Op::Write);
        write.data = &[7; 100];
        sweep_lengths(IOCTL_FS, &write.encode(), write.reply_size());
        let mut read = FsRequest::new(Op::Read);
        read.out_len = 4096;
        sweep_lengths(IOCTL_FS, &read.encode(), read.reply_size());
        // Fields an op must not carry, bounds, unknown ops.
        let bad = |r: &FsRequest<'_>| {
            assert_eq!(validate(IOCTL_FS, &r.encode(), r.reply_size()), Err(Reject::InvalidParameter), "{r:?}")
        };
        let mut r = FsRequest::new(Op::Close);
        r.name = &name;
        bad(&r);
        let mut r = FsRequest::new(Op::Mount);
        bad(&r);
        r.name = &name;
        r.args[0] = 4;
        bad(&r);
        let mut r = create.clone();
        r.args[0] = 6;
        bad(&r);
        let ok = |r: &FsRequest<'_>| assert_eq!(validate(IOCTL_FS, &r.encode(), r.reply_size()), Ok(()), "{r:?}");
        // Zero-length reads and writes reach the file system, which
        // answers them.
        let mut r = FsRequest::new(Op::Read);
        ok(&r);
        r.out_len = fsops::DATA_MAX as u32 + 1;
        bad(&r);
        let mut r = FsRequest::new(Op::Write);
        ok(&r);
        r.data = &[0; 10];
        r.name = &name[..1];
        bad(&r);
        // A create's offset: share, related handle and attributes bits.
        let mut r = create.clone();
        for o in [
            fsops::CREATE_SHARE_GIVEN | 5,
            fsops::CREATE_RELATED,
            fsops::CREATE_ATTRIBUTES_GIVEN | (0x21 << fsops::CREATE_ATTRIBUTES_SHIFT),
        ] {
            r.offset = o;
            ok(&r);
        }
        for o in [5, 1 << 35, 0x21 << fsops::CREATE_ATTRIBUTES_SHIFT, 1 << 63] {
            r.offset = o;
            bad(&r);
        }
        // Linux's view: a known operation, a path without NUL, the reply
        // its record needs.
        use suiteops::{LinuxOp, STAT_SIZE};
        let mut r = FsRequest::new(Op::Linux);
        r.args[0] = LinuxOp::Lstat as u32;
        r.data = b"a/b";
        r.out_len = STAT_SIZE as u32;
        ok(&r);
        r.out_len = 8;
        bad(&r);
        r.out_len = STAT_SIZE as u32;
        r.data = b"a\x00b";
        bad(&r);
        r.args[0] = LinuxOp::Symlink as u32;
        r.out_len = 0;
        ok(&r);
        for d in [&b"a"[..], b"\x00b", b"a\x00", b"a\x00b\x00c"] {
            r.data = d;
            bad(&r);
        }
        r.args[0] = 8;
        r.data = b"a";
        bad(&r);
        // Lock requests: a known minor, the two stack flags and async, a
        // key or nothing; tickets with a bounded wait.
        let mut r = FsRequest::new(Op::Lock);
        r.args = [1 | 3 << 8 | fsops::LOCK_ASYNC, 10, 0];
        ok(&r);
        r.data = &[1, 2, 3, 4];
        ok(&r);
        r.data = &[1, 2];
        bad(&r);
        r.data = &[];
        for a in [0, 5, 1 | 4 << 8, 1 | 1 << 17] {
            r.args[0] = a;
            bad(&r);
        }
        let mut r = FsRequest::new(Op::Ticket);
        r.args = [3, 1, fsops::TICKET_WAIT_MAX_MS];
        ok(&r);
        r.args = [3, 2, 0];
        bad(&r);
        r.args = [3, 0, fsops::TICKET_WAIT_MAX_MS + 1];
        bad(&r);
        // FSCTLs carry METHOD_BUFFERED input and output.
        let mut r = FsRequest::new(Op::Fsctl);
        r.data = &[1; 20];
        r.out_len = 16;
        ok(&r);
        r.name = &name;
        bad(&r);
        let mut g = good.clone();
        g[8] = 99;
        assert_eq!(validate(IOCTL_FS, &g, 20), Err(Reject::InvalidParameter));
        g[8] = 3;
        g[1] ^= 1;
        assert_eq!(validate(IOCTL_FS, &g, 20), Err(Reject::InvalidParameter));
        // Mount's file-system type; the information ops' fields.
        let mut r = FsRequest::new(Op::Mount);
        r.name = &name;
        r.args[1] = 2;
        assert_eq!(validate(IOCTL_FS, &r.encode(), r.reply_size()), Ok(()));
        r.args[1] = 5;
        bad(&r);
        for op in [Op::QueryInformation, Op::QueryVolumeInformation] {
            let mut r = FsRequest::new(op);
            ok(&r);
            r.out_len = 104;
            sweep_lengths(IOCTL_FS, &r.encode(), r.reply_size());
            r.name = &name;
            bad(&r);
        }
        let mut r = FsRequest::new(Op::SetInformation);
        ok(&r);
        r.data = &[0; 40];
        sweep_lengths(IOCTL_FS, &r.encode(), r.reply_size());
        r.out_len = 8;
        bad(&r);
        let mut out = vec![0u8; 20];
        let collision = nt::STATUS_OBJECT_NAME_COLLISION as u32;
        fsops::encode_reply_header(&mut out, collision, 2);
        let r = fsops::decode_reply(&out).unwrap();
        assert_eq!((r.status, r.information, r.payload.len()), (collision, 2, 4));
    }

    #[test]
    fn ramdisk_ops_and_lower_device_mounts_are_validated() {
        use fsops::{FsRequest, MOUNT_LOWER_DEVICE, MOUNT_READ_ONLY, Op, RAMDISK_MAX};
        let name: Vec<u8> = "\\??\\C:\\rd.img".encode_utf16().flat_map(|c| c.to_le_bytes()).collect();
        let check = |r: &FsRequest<'_>| validate(IOCTL_FS, &r.encode(), r.reply_size());
        for op in [Op::RamDiskCreate, Op::RamDiskSave] {
            let mut r = FsRequest::new(op);
            assert_eq!(check(&r), Err(Reject::InvalidParameter), "{op:?} without a file name");
            r.name = &name;
            for i in 0..RAMDISK_MAX {
                r.args[0] = i;
                assert_eq!(check(&r), Ok(()), "{op:?} disk {i}");
            }
            r.args[0] = RAMDISK_MAX;
            assert_eq!(check(&r), Err(Reject::InvalidParameter), "{op:?} disk number past the table");
            r.args[0] = u32::MAX;
            assert_eq!(check(&r), Err(Reject::InvalidParameter));
            r.args[0] = 0;
            r.out_len = 4;
            assert_eq!(check(&r), Err(Reject::InvalidParameter), "{op:?} with a payload");
            r.out_len = 0;
            r.data = &[1];
            assert_eq!(check(&r), Err(Reject::InvalidParameter), "{op:?} with data");
            let mut good = FsRequest::new(op);
            good.name = &name;
            sweep_lengths(IOCTL_FS, &good.encode(), REPLY);
        }
        let mut del = FsRequest::new(Op::RamDiskDelete);
        assert_eq!(check(&del), Ok(()));
        sweep_lengths(IOCTL_FS, &del.encode(), REPLY);
        del.args[0] = RAMDISK_MAX;
        assert_eq!(check(&del), Err(Reject::InvalidParameter));
        del.args[0] = 0;
        del.name = &name;
        assert_eq!(check(&del), Err(Reject::InvalidParameter), "delete names no file");
        let mut m = FsRequest::new(Op::Mount);
        m.name = &name;
        for flags in [0, MOUNT_READ_ONLY, MOUNT_LOWER_DEVICE, MOUNT_READ_ONLY | MOUNT_LOWER_DEVICE] {
            m.args[0] = flags;
            assert_eq!(check(&m), Ok(()), "mount flags {flags}");
        }
        m.args[0] = 4;
        assert_eq!(check(&m), Err(Reject::InvalidParameter), "unknown mount flag");
        assert_eq!(fsops::ramdisk_name(0), "\\Device\\LklfsRamDisk0");
        assert_eq!(fsops::ramdisk_name(3), "\\Device\\LklfsRamDisk3");
    }

    const REPLY: usize = fsops::REPLY_HEADER;

    #[test]
    fn results_round_trip_and_truncate_on_char_boundaries() {
        let mut buf = vec![0u8; SELFTEST_OUT_SIZE];
        let mut w = ResultWriter::new(&mut buf).unwrap();
        assert!(w.push("print", CaseOutcome::Passed, ""));
        let long = "é".repeat(100);
        assert!(w.push(&long, CaseOutcome::Failed, &long));
        let got: Vec<_> = decode_results(&buf).unwrap().collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], CaseResult { name: "print", outcome: CaseOutcome::Passed, message: "" });
        assert_eq!(got[1].outcome, CaseOutcome::Failed);
        assert!(got[1].name.len() < NAME_BYTES && got[1].message.len() <= MESSAGE_BYTES);
        assert!(got[1].message.chars().all(|c| c == 'é'));
    }

    #[test]
    fn writer_stops_at_max_cases_and_decoder_rejects_garbage() {
        let mut buf = vec![0u8; SELFTEST_OUT_SIZE];
        let mut w = ResultWriter::new(&mut buf).unwrap();
        for _ in 0..MAX_CASES {
            assert!(w.push("x", CaseOutcome::Passed, ""));
        }
        assert!(!w.push("x", CaseOutcome::Passed, ""));
        assert_eq!(decode_results(&buf).unwrap().count(), MAX_CASES);
        assert!(ResultWriter::new(&mut [0u8; 10]).is_none());
        assert!(decode_results(&buf[1..]).is_err());
        buf[HEADER_SIZE + NAME_BYTES] = 9;
        assert!(matches!(decode_results(&buf), Err(DecodeError::BadRecord(0))));
        buf[8] = 200;
        assert_eq!(decode_results(&buf).err(), Some(DecodeError::BadCount));
    }
}
