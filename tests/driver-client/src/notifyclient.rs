//! Part of the `fsd` scenario: change notification as
//! IRP_MN_NOTIFY_CHANGE_DIRECTORY through the harness: requests completed
//! by a create, a write, a rename and a delete made through other handles,
//! with FILE_NOTIFY_INFORMATION records as Windows writes them (Wine's
//! ntdll tests: "hoo" added is Information 0x12); a whole subtree; a
//! zero-length buffer (STATUS_NOTIFY_ENUM_DIR); changes kept while nobody
//! waited; a cancel; the watching handle's close (STATUS_NOTIFY_CLEANUP);
//! the I/O manager's checks.

use driver_ioctl::fsops::{FsRequest, Op};
use fs_glue::nt::*;

use crate::fsclient::{call, create_with, handle_op, open, wide_bytes, write};
use crate::status::STATUS_SUCCESS;
use crate::win::Handle;

const STATUS_PENDING: u32 = 0x103;
const WATCH: u32 = FILE_LIST_DIRECTORY | SYNCHRONIZE;
const STATUS_TIMEOUT: u32 = 0x102;
const ALL: u32 = FILE_NOTIFY_CHANGE_FILE_NAME
    | FILE_NOTIFY_CHANGE_DIR_NAME
    | FILE_NOTIFY_CHANGE_ATTRIBUTES
    | FILE_NOTIFY_CHANGE_SIZE
    | FILE_NOTIFY_CHANGE_LAST_WRITE;

fn st(s: fs_glue::NtStatus) -> u32 {
    s.0
}

/// A notification request on `dir`: its ticket.
fn watch(dev: Handle, dir: u32, filter: u32, tree: bool, len: u32) -> Result<u64, String> {
    let mut r = FsRequest::new(Op::Notify);
    r.handle = dir;
    r.args = [filter, u32::from(tree), len];
    match call(dev, &r)? {
        (STATUS_PENDING, t, _) => Ok(t),
        (s, ..) => Err(format!("notify: status {s:#x}")),
    }
}

/// FILE_NOTIFY_INFORMATION records: (Action, FileName).
type Records = Vec<(u32, String)>;

/// A ticket's (status, Information, records).
fn collect(dev: Handle, t: u64, cancel: bool, ms: u32) -> Result<(u32, u64, Records), String> {
    let mut r = FsRequest::new(Op::Ticket);
    r.args = [t as u32, u32::from(cancel), ms];
    r.out_len = 4096;
    let (s, info, p) = call(dev, &r)?;
    let data = p.get(..info as usize).unwrap_or(&[]);
    Ok((s, info, if s == STATUS_SUCCESS { records(data)? } else { Vec::new() }))
}

fn records(data: &[u8]) -> Result<Records, String> {
    let u32_at = |o: usize| data.get(o..o + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let mut out = Vec::new();
    let mut off = 0;
    loop {
        let (Some(next), Some(action), Some(len)) = (u32_at(off), u32_at(off + 4), u32_at(off + 8)) else {
            return Err(format!("a record cut at {off}"));
        };
        let name: Vec<u16> = data
            .get(off + 12..off + 12 + len as usize)
            .ok_or("a name past the data")?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        out.push((action, String::from_utf16_lossy(&name)));
        if next == 0 {
            return Ok(out);
        }
        off += next as usize;
    }
}

fn expect<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: {got:x?}, want {want:x?}")) }
}

pub(crate) fn run(dev: Handle) -> Result<String, String> {
    // Watchers open for listing only, as Explorer does: a handle with
    // DELETE access would refuse the I/O manager's open of a rename's
    // target directory.
    let listing = |path: &str, disposition| match create_with(dev, path, disposition, FILE_DIRECTORY_FILE, WATCH) {
        Ok((STATUS_SUCCESS, _, h)) => Ok(h),
        Ok((s, ..)) => Err(format!("open {path}: status {s:#x}")),
        Err(e) => Err(e),
    };
    let dir = listing("\\watch", FILE_CREATE)?;
    let root = listing("\\", FILE_OPEN)?;
    // The I/O manager refuses no filter and an unknown bit; the file
    // system refuses a file.
    for (h, filter) in [(dir, 0), (dir, 0x1000)] {
        let mut r = FsRequest::new(Op::Notify);
        r.handle = h;
        r.args = [filter, 0, 64];
        expect("notify with a bad filter", call(dev, &r)?.0, st(fs_glue::NtStatus::INVALID_PARAMETER))?;
    }
    let t = watch(dev, dir, ALL, false, 4096)?;
    expect("nothing changed yet", collect(dev, t, false, 200)?.0, STATUS_TIMEOUT)?;
    // A create through another handle.
    let hoo = open(dev, "\\watch\\hoo", FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
    expect("a create", collect(dev, t, false, 5000)?, (STATUS_SUCCESS, 0x12, vec![(FILE_ACTION_ADDED, "hoo".into())]))?;
    // A write, a rename (both names in one completion), a delete.
    let t = watch(dev, dir, ALL, false, 4096)?;
    write(dev, hoo, 0, b"data")?;
    let got = collect(dev, t, false, 5000)?;
    expect("a write", (got.0, got.2), (STATUS_SUCCESS, vec![(FILE_ACTION_MODIFIED, "hoo".into())]))?;
    let t = watch(dev, dir, ALL, false, 4096)?;
    let target = wide_bytes("\\watch\\boo");
    let mut r = FsRequest::new(Op::Rename);
    r.handle = hoo;
    r.name = &target;
    expect("rename", call(dev, &r)?.0, STATUS_SUCCESS)?;
    let got = collect(dev, t, false, 5000)?;
    let renamed = vec![(FILE_ACTION_RENAMED_OLD_NAME, "hoo".into()), (FILE_ACTION_RENAMED_NEW_NAME, "boo".into())];
    expect("a rename", (got.0, got.2), (STATUS_SUCCESS, renamed))?;
    let t = watch(dev, dir, ALL, false, 4096)?;
    handle_op(dev, Op::Delete, hoo)?;
    handle_op(dev, Op::Close, hoo)?;
    let got = collect(dev, t, false, 5000)?;
    expect("a delete", (got.0, got.2), (STATUS_SUCCESS, vec![(FILE_ACTION_REMOVED, "boo".into())]))?;
    // The whole subtree, named from the watched directory.
    let t = watch(dev, root, FILE_NOTIFY_CHANGE_DIR_NAME, true, 4096)?;
    let sub = open(dev, "\\watch\\sub", FILE_CREATE, FILE_DIRECTORY_FILE)?;
    let got = collect(dev, t, false, 5000)?;
    expect("the subtree", (got.0, got.2), (STATUS_SUCCESS, vec![(FILE_ACTION_ADDED, "watch\\sub".into())]))?;
    // A zero-length buffer: STATUS_NOTIFY_ENUM_DIR and nothing.
    let t = watch(dev, sub, ALL, false, 0)?;
    let x = open(dev, "\\watch\\sub\\x", FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
    expect("a zero-length buffer", collect(dev, t, false, 5000)?, (st(fs_glue::NtStatus::NOTIFY_ENUM_DIR), 0, vec![]))?;
    // What changed in \watch while nobody waited there was kept: the next
    // request takes it at once.
    let t = watch(dev, dir, ALL, false, 4096)?;
    let got = collect(dev, t, false, 5000)?;
    expect("kept while nobody waited", (got.0, got.2), (STATUS_SUCCESS, vec![(FILE_ACTION_ADDED, "sub".into())]))?;
    // Cancelled, then ended by the watching handle's close.
    let t = watch(dev, dir, ALL, false, 4096)?;
    expect("a cancel", collect(dev, t, true, 5000)?.0, st(fs_glue::NtStatus::CANCELLED))?;
    let t = watch(dev, dir, ALL, false, 4096)?;
    handle_op(dev, Op::Close, dir)?;
    expect("the watcher's close", collect(dev, t, false, 5000)?.0, st(fs_glue::NtStatus::NOTIFY_CLEANUP))?;
    for h in [x, sub, root] {
        handle_op(dev, Op::Close, h)?;
    }
    Ok("notify: a create, a write, a rename and a delete reported; a subtree; a zero-length buffer; a cancel; the watcher's close".into())
}
