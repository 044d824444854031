//! Part of the `fsd` scenario: the edges of the IRPs' parameters and
//! buffer lengths, through the harness, on a mounted volume. Each
//! information class is asked with every length from 0 to past its full
//! answer: shorter than the class's fixed part must be
//! STATUS_INFO_LENGTH_MISMATCH with nothing written, longer must succeed
//! (or overflow a variable-length name) and agree byte for byte with the
//! full answer. Directory queries get the same treatment; reads start at
//! every interesting offset, including the two negative ones the I/O
//! manager gives meanings to, and zero-length reads and writes move nothing;
//! names go up to and past the longest component.

use driver_ioctl::fsops::{FsRequest, Op};
use fs_glue::layout;
use fs_glue::nt::*;

use crate::fsclient::{Reply, call, create, handle_op, open, wide_bytes, write};
use crate::status::{STATUS_END_OF_FILE, STATUS_INVALID_PARAMETER, STATUS_SUCCESS};
use crate::win::Handle;

const STATUS_BUFFER_OVERFLOW: u32 = fs_glue::NtStatus::BUFFER_OVERFLOW.0;
const STATUS_INFO_LENGTH_MISMATCH: u32 = fs_glue::NtStatus::INFO_LENGTH_MISMATCH.0;
const STATUS_INVALID_INFO_CLASS: u32 = fs_glue::NtStatus::INVALID_INFO_CLASS.0;
const STATUS_NO_MORE_FILES: u32 = fs_glue::NtStatus::NO_MORE_FILES.0;
const FILE_OVERWRITE_IF: u32 = 5;
const FILE_CREATE: u32 = 2;

fn query(dev: Handle, op: Op, h: u32, class: u32, len: u32, name: &[u8], restart: bool) -> Result<Reply, String> {
    let mut r = FsRequest::new(op);
    r.handle = h;
    r.out_len = len;
    r.args[0] = class;
    r.args[1] = u32::from(restart);
    r.name = name;
    call(dev, &r)
}

/// One class swept from 0 bytes to `max`: the rules above; the number of
/// requests made.
fn sweep_class(dev: Handle, op: Op, h: u32, class: u32, fixed: usize, name: &[u8]) -> Result<usize, String> {
    let full = query(dev, op, h, class, 4096, name, true)?;
    if full.0 != STATUS_SUCCESS {
        return Err(format!("class {class}: full query status {:#x}", full.0));
    }
    let full_len = full.1 as usize;
    let mut n = 0;
    for len in 0..=full_len + 16 {
        let (s, info, data) = query(dev, op, h, class, len as u32, name, true)?;
        n += 1;
        let info = info as usize;
        let fine = if len < fixed {
            s == STATUS_INFO_LENGTH_MISMATCH && info == 0
        } else {
            (s == STATUS_SUCCESS && len >= full_len && info == full_len)
                || (s == STATUS_BUFFER_OVERFLOW && len < full_len && info <= len)
        };
        // Directory records carry times and sizes of other files, which the
        // full answer shares; every class's bytes must agree with it.
        let same = data.get(..info) == full.2.get(..info) || s != STATUS_SUCCESS && s != STATUS_BUFFER_OVERFLOW;
        if !fine || (!same && op != Op::QueryDirectory) {
            return Err(format!(
                "class {class}, {len} bytes: status {s:#x}, {info} bytes written (full answer {full_len})"
            ));
        }
    }
    Ok(n)
}

pub(crate) fn run(dev: Handle) -> Result<String, String> {
    let long: String = "x".repeat(200) + ".txt";
    let path = format!("\\sweep\\{long}");
    let (s, _, d) = create(dev, "\\sweep", FILE_CREATE, FILE_DIRECTORY_FILE)?;
    if s != STATUS_SUCCESS {
        return Err(format!("mkdir \\sweep: {s:#x}"));
    }
    let f = open(dev, &path, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE)?;
    let swept = sweep(dev, f, d, &long);
    // Both go whatever happened, so the volume can be unmounted.
    let gone = handle_op(dev, Op::Delete, f).and(handle_op(dev, Op::Close, f));
    let listed = query(dev, Op::QueryDirectory, d, FILE_NAMES_INFORMATION, 512, &wide_bytes("*"), true);
    let dir_gone = handle_op(dev, Op::Delete, d).and(handle_op(dev, Op::Close, d));
    let requests = swept?;
    gone?;
    dir_gone?;
    match listed?.0 {
        STATUS_SUCCESS | STATUS_NO_MORE_FILES => Ok(format!("{requests} requests")),
        s => Err(format!("listing \\sweep after the deletes: {s:#x}")),
    }
}

fn sweep(dev: Handle, f: u32, d: u32, long: &str) -> Result<usize, String> {
    write(dev, f, 0, &[7u8; 1000])?;
    let mut requests = 0;
    for (class, fixed) in [
        (FILE_BASIC_INFORMATION, layout::basic::SIZE),
        (FILE_STANDARD_INFORMATION, layout::standard::SIZE),
        (FILE_INTERNAL_INFORMATION, layout::internal::SIZE),
        (FILE_EA_INFORMATION, layout::ea::SIZE),
        (FILE_ACCESS_INFORMATION, layout::access::SIZE),
        (FILE_NAME_INFORMATION, layout::name::SIZE),
        (FILE_POSITION_INFORMATION, layout::position::SIZE),
        (FILE_MODE_INFORMATION, layout::mode::SIZE),
        (FILE_ALIGNMENT_INFORMATION, layout::alignment::SIZE),
        (FILE_ALL_INFORMATION, layout::all::SIZE),
        (FILE_NETWORK_OPEN_INFORMATION, layout::network_open::SIZE),
        (FILE_ATTRIBUTE_TAG_INFORMATION, layout::attribute_tag::SIZE),
        (FILE_STREAM_INFORMATION, layout::stream::SIZE),
    ] {
        requests += sweep_class(dev, Op::QueryInformation, f, class, fixed, &[])?;
    }
    for (class, fixed) in [
        (FILE_FS_VOLUME_INFORMATION, layout::fs_volume::SIZE),
        (FILE_FS_SIZE_INFORMATION, layout::fs_size::SIZE),
        (FILE_FS_DEVICE_INFORMATION, layout::fs_device::SIZE),
        (FILE_FS_ATTRIBUTE_INFORMATION, layout::fs_attribute::SIZE),
        (FILE_FS_FULL_SIZE_INFORMATION, layout::fs_full_size::SIZE),
        (FILE_FS_SECTOR_SIZE_INFORMATION, layout::fs_sector_size::SIZE),
    ] {
        requests += sweep_class(dev, Op::QueryVolumeInformation, f, class, fixed, &[])?;
    }
    // The directory's one long entry, matched by its own name, in each
    // class; restarted every time.
    let pattern = wide_bytes(long);
    for (class, fixed) in [
        (FILE_DIRECTORY_INFORMATION, layout::dir::SIZE),
        (FILE_FULL_DIRECTORY_INFORMATION, layout::full_dir::SIZE),
        (FILE_BOTH_DIRECTORY_INFORMATION, layout::both_dir::SIZE),
        (FILE_ID_BOTH_DIRECTORY_INFORMATION, layout::id_both_dir::SIZE),
        (FILE_ID_FULL_DIRECTORY_INFORMATION, layout::id_full_dir::SIZE),
        (FILE_NAMES_INFORMATION, layout::names::SIZE),
    ] {
        requests += sweep_class(dev, Op::QueryDirectory, d, class, fixed, &pattern)?;
    }
    // Unknown classes.
    for class in [0, 99, 0xFFFF_FFFF] {
        let s = query(dev, Op::QueryInformation, f, class, 512, &[], true)?.0;
        let v = query(dev, Op::QueryVolumeInformation, f, class, 512, &[], true)?.0;
        if s != STATUS_INVALID_INFO_CLASS || v != STATUS_INVALID_INFO_CLASS {
            return Err(format!("class {class}: {s:#x} / {v:#x}, want STATUS_INVALID_INFO_CLASS"));
        }
        requests += 2;
    }
    // Reads at the edges of the 1000-byte file; -1 (to end of file, a
    // write's) and -3 are invalid for a read, -2 is the current offset.
    for (offset, want) in [
        (0u64, Ok(512)),
        (999, Ok(1)),
        (1000, Err(STATUS_END_OF_FILE)),
        (1001, Err(STATUS_END_OF_FILE)),
        (1 << 40, Err(STATUS_END_OF_FILE)),
        (i64::MAX as u64, Err(STATUS_END_OF_FILE)),
        (u64::MAX, Err(STATUS_INVALID_PARAMETER)),
        (u64::MAX - 2, Err(STATUS_INVALID_PARAMETER)),
    ] {
        let mut r = FsRequest::new(Op::Read);
        r.handle = f;
        r.offset = offset;
        r.out_len = 512;
        let (s, n, _) = call(dev, &r)?;
        let got = if s == STATUS_SUCCESS { Ok(n) } else { Err(s) };
        if got != want {
            return Err(format!("read at {offset:#x}: {got:x?}, want {want:x?}"));
        }
        requests += 1;
    }
    // The current offset: the last successful read ended at 1000.
    let mut r = FsRequest::new(Op::Read);
    r.handle = f;
    r.offset = u64::MAX - 1;
    r.out_len = 16;
    let (s, ..) = call(dev, &r)?;
    if s != STATUS_END_OF_FILE {
        return Err(format!("read at the current offset (the end): {s:#x}, want STATUS_END_OF_FILE"));
    }
    // Zero-length transfers arrive without a buffer (no MDL) and move
    // nothing, even far past the end; the file keeps its 1000 bytes.
    for offset in [0u64, 1000, 1 << 40] {
        for op in [Op::Read, Op::Write] {
            let mut r = FsRequest::new(op);
            r.handle = f;
            r.offset = offset;
            let (s, n, _) = call(dev, &r)?;
            if (s, n) != (STATUS_SUCCESS, 0) {
                return Err(format!("zero-length {op:?} at {offset:#x}: {s:#x}, {n} bytes"));
            }
            requests += 1;
        }
    }
    for (offset, want) in [(999u64, STATUS_SUCCESS), (1000, STATUS_END_OF_FILE)] {
        let mut r = FsRequest::new(Op::Read);
        r.handle = f;
        r.offset = offset;
        r.out_len = 16;
        if call(dev, &r)?.0 != want {
            return Err(format!("after zero-length writes, read at {offset}: want {want:#x}"));
        }
    }
    // The longest component Linux takes, and one past it.
    for (len, ok) in [(255, true), (256, false)] {
        let name = format!("\\sweep\\{}", "n".repeat(len));
        let (s, _, h) = create(dev, &name, FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
        if (s == STATUS_SUCCESS) != ok {
            return Err(format!("create of a {len}-character name: {s:#x}"));
        }
        if s == STATUS_SUCCESS {
            handle_op(dev, Op::Delete, h)?;
            handle_op(dev, Op::Close, h)?;
        }
        requests += 1;
    }
    Ok(requests)
}
