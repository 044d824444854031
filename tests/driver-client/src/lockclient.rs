//! Part of the `fsd` scenario: byte-range locks as IRP_MJ_LOCK_CONTROL
//! through the harness, on a mounted volume: conflicts between handles and
//! the I/O they refuse, a waiting lock granted by an unlock, a waiting lock
//! cancelled (IoCancelIrp), one ended by its handle's close, and the I/O
//! manager's access check. The rules themselves are `fsd`'s unit tests';
//! this proves the IRPs, the pending list and the cancel routine.

use driver_ioctl::fsops::{FsRequest, LOCK_ASYNC, Op};
use fs_glue::nt::*;

use crate::fsclient::{call, create_with, handle_op, open, write};
use crate::status::{STATUS_SUCCESS, expect};
use crate::win::Handle;

const LOCK: u32 = 1;
const UNLOCK_SINGLE: u32 = 2;
const UNLOCK_ALL: u32 = 3;
const FAIL_IMMEDIATELY: u32 = 1 << 8;
const EXCLUSIVE: u32 = 2 << 8;
const STATUS_PENDING: u32 = 0x103;
const STATUS_TIMEOUT: u32 = 0x102;
const STATUS_CANCELLED: u32 = fs_glue::NtStatus::CANCELLED.0;
const NOT_GRANTED: u32 = fs_glue::NtStatus::LOCK_NOT_GRANTED.0;
const CONFLICT: u32 = fs_glue::NtStatus::FILE_LOCK_CONFLICT.0;
const NOT_LOCKED: u32 = fs_glue::NtStatus::RANGE_NOT_LOCKED.0;
const ACCESS_DENIED: u32 = fs_glue::NtStatus::ACCESS_DENIED.0;

fn lock_req(dev: Handle, h: u32, arg0: u32, offset: u64, length: u64) -> Result<(u32, u64), String> {
    let mut r = FsRequest::new(Op::Lock);
    r.handle = h;
    r.offset = offset;
    r.args = [arg0, length as u32, (length >> 32) as u32];
    call(dev, &r).map(|(s, i, _)| (s, i))
}

fn ticket(dev: Handle, t: u64, cancel: bool, ms: u32) -> Result<u32, String> {
    let mut r = FsRequest::new(Op::Ticket);
    r.args = [t as u32, u32::from(cancel), ms];
    call(dev, &r).map(|(s, ..)| s)
}

fn read_at(dev: Handle, h: u32, offset: u64) -> Result<u32, String> {
    let mut r = FsRequest::new(Op::Read);
    r.handle = h;
    r.offset = offset;
    r.out_len = 4;
    call(dev, &r).map(|(s, ..)| s)
}

fn write_at(dev: Handle, h: u32, offset: u64) -> Result<u32, String> {
    let mut r = FsRequest::new(Op::Write);
    r.handle = h;
    r.offset = offset;
    r.data = b"wxyz";
    call(dev, &r).map(|(s, ..)| s)
}

/// A waiting lock request: its ticket.
fn wait_for(dev: Handle, h: u32, offset: u64, length: u64) -> Result<u64, String> {
    match lock_req(dev, h, LOCK | EXCLUSIVE | LOCK_ASYNC, offset, length)? {
        (STATUS_PENDING, t) => Ok(t),
        (s, _) => Err(format!("an async lock: status {s:#x}")),
    }
}

pub(crate) fn run(dev: Handle) -> Result<String, String> {
    let a = open(dev, "\\locks", FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE)?;
    let b = open(dev, "\\locks", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
    write(dev, a, 0, &[0x5A; 64])?;
    // Conflicts, and the I/O an exclusive and a shared lock refuse.
    expect("a: exclusive 0..16", lock_req(dev, a, LOCK | EXCLUSIVE | FAIL_IMMEDIATELY, 0, 16)?.0, STATUS_SUCCESS)?;
    expect("b: exclusive 8..24", lock_req(dev, b, LOCK | EXCLUSIVE | FAIL_IMMEDIATELY, 8, 16)?.0, NOT_GRANTED)?;
    expect("a: shared 32..48", lock_req(dev, a, LOCK | FAIL_IMMEDIATELY, 32, 16)?.0, STATUS_SUCCESS)?;
    expect("b: shared 40..44", lock_req(dev, b, LOCK | FAIL_IMMEDIATELY, 40, 4)?.0, STATUS_SUCCESS)?;
    expect("b reads a's exclusive range", read_at(dev, b, 4)?, CONFLICT)?;
    expect("a reads its exclusive range", read_at(dev, a, 4)?, STATUS_SUCCESS)?;
    expect("a writes its exclusive range", write_at(dev, a, 4)?, STATUS_SUCCESS)?;
    expect("b reads the shared range", read_at(dev, b, 34)?, STATUS_SUCCESS)?;
    expect("a writes its own shared range", write_at(dev, a, 34)?, CONFLICT)?;
    expect("b writes past every lock", write_at(dev, b, 50)?, STATUS_SUCCESS)?;
    expect("b unlocks what it does not hold", lock_req(dev, b, UNLOCK_SINGLE, 0, 16)?.0, NOT_LOCKED)?;
    expect("b unlocks its shared lock", lock_req(dev, b, UNLOCK_SINGLE, 40, 4)?.0, STATUS_SUCCESS)?;
    // A waiting lock: pending while a holds 0..16, granted by a's unlock.
    let t = wait_for(dev, b, 0, 4)?;
    expect("b's waiting lock, still waiting", ticket(dev, t, false, 200)?, STATUS_TIMEOUT)?;
    expect("a unlocks 0..16", lock_req(dev, a, UNLOCK_SINGLE, 0, 16)?.0, STATUS_SUCCESS)?;
    expect("b's waiting lock, granted", ticket(dev, t, false, 5000)?, STATUS_SUCCESS)?;
    expect("a reads b's new range", read_at(dev, a, 0)?, CONFLICT)?;
    // Cancelled while waiting: STATUS_CANCELLED, and it holds nothing.
    let t = wait_for(dev, a, 0, 8)?;
    expect("a's waiting lock, cancelled", ticket(dev, t, true, 5000)?, STATUS_CANCELLED)?;
    expect("b unlocks all", lock_req(dev, b, UNLOCK_ALL, 0, 0)?.0, STATUS_SUCCESS)?;
    expect("b writes where a's cancelled lock would be", write_at(dev, b, 0)?, STATUS_SUCCESS)?;
    // Ended by its handle's close: the cleanup cancels it.
    expect("b: exclusive 0..8 again", lock_req(dev, b, LOCK | EXCLUSIVE | FAIL_IMMEDIATELY, 0, 8)?.0, STATUS_SUCCESS)?;
    let t = wait_for(dev, a, 0, 8)?;
    handle_op(dev, Op::Close, a)?;
    expect("a's waiting lock after a's close", ticket(dev, t, false, 5000)?, STATUS_CANCELLED)?;
    // A handle without read or write access may not lock.
    let (s, _, c) = create_with(dev, "\\locks", FILE_OPEN, 0, FILE_READ_ATTRIBUTES)?;
    expect("open for attributes only", s, STATUS_SUCCESS)?;
    expect("a lock without data access", lock_req(dev, c, LOCK | FAIL_IMMEDIATELY, 0, 1)?.0, ACCESS_DENIED)?;
    handle_op(dev, Op::Close, c)?;
    // An exclusive request over the caller's own exclusive lock waits too
    // (Windows lets a thread block itself); the close ends it.
    let t = wait_for(dev, b, 0, 1)?;
    expect("b's request over its own lock, waiting", ticket(dev, t, false, 200)?, STATUS_TIMEOUT)?;
    handle_op(dev, Op::Delete, b)?;
    handle_op(dev, Op::Close, b)?;
    expect("b's request after b's close", ticket(dev, t, false, 5000)?, STATUS_CANCELLED)?;
    expect("a collected ticket is gone", ticket(dev, t, false, 0)?, fs_glue::NtStatus::INVALID_HANDLE.0)?;
    Ok("locks: conflicts, refused I/O, a waiting lock granted, one cancelled, one ended by its close".into())
}
