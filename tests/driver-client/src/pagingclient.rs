//! Paging I/O as IRPs (IRP_PAGING_IO | IRP_NOCACHE, as the Cache Manager
//! and the memory manager send them): served through the file's FCB, past
//! the volume's lock, within the file's size, whatever the handle's rights,
//! and after the file was renamed or its delete is pending.

use driver_ioctl as proto;
use proto::fsops::{FsRequest, IO_PAGING, Op};

use crate::fsclient::{Reply, call, handle_op, open, read, want, wide_bytes, write};
use crate::status::STATUS_SUCCESS;
use crate::win::Handle;

const FILE_OVERWRITE_IF: u32 = 5;
const FILE_OPEN: u32 = 1;
const FILE_CREATE: u32 = 2;
const FILE_DIRECTORY_FILE: u32 = 1;
const FILE_END_OF_FILE_INFORMATION: u32 = 20;

/// The lazy writer's valid-data advance: SET_INFORMATION of the end of
/// file with AdvanceOnly.
fn advance_valid_data(dev: Handle, h: u32, to: u64) -> Result<Reply, String> {
    let mut req = FsRequest::new(Op::SetInformation);
    req.handle = h;
    req.args = [FILE_END_OF_FILE_INFORMATION, 1, 0];
    let eof = to.to_le_bytes();
    req.data = &eof;
    call(dev, &req)
}

fn paging_write(dev: Handle, h: u32, offset: u64, data: &[u8]) -> Result<Reply, String> {
    let mut req = FsRequest::new(Op::Write);
    req.handle = h;
    req.offset = offset;
    req.data = data;
    req.args[0] = IO_PAGING;
    call(dev, &req)
}

fn paging_read(dev: Handle, h: u32, offset: u64, len: u32) -> Result<Reply, String> {
    let mut req = FsRequest::new(Op::Read);
    req.handle = h;
    req.offset = offset;
    req.out_len = len;
    req.args[0] = IO_PAGING;
    call(dev, &req)
}

fn expect(what: &str, got: Reply, status: u32, information: u64, data: Option<&[u8]>) -> Result<(), String> {
    let ok = got.0 == status && got.1 == information && data.is_none_or(|d| got.2.get(..d.len()) == Some(d));
    if ok { Ok(()) } else { Err(format!("{what}: {:#010x} {} {:?}", got.0, got.1, got.2)) }
}

/// Runs on the mounted volume; what was checked.
pub(crate) fn run(dev: Handle) -> Result<&'static str, String> {
    let a = open(dev, "\\paged.bin", FILE_OVERWRITE_IF, 0)?;
    write(dev, a, 0, b"0123456789")?;
    // A page out is cut at the end and never extends the file.
    expect("a page out across the end", paging_write(dev, a, 8, b"ABCDEFGH")?, STATUS_SUCCESS, 2, None)?;
    expect("a page out past the end", paging_write(dev, a, 4096, b"X")?, STATUS_SUCCESS, 0, None)?;
    // A page in: the file's bytes, then zeros.
    let want_in: &[u8] = b"4567AB\0\0\0\0\0\0\0\0\0\0";
    expect("a page in across the end", paging_read(dev, a, 4, 16)?, STATUS_SUCCESS, 6, Some(want_in))?;
    // A read-only handle's file object still pages out (the Cache
    // Manager's writes are not the handle's).
    let r = open(dev, "\\paged.bin", FILE_OPEN, 0)?;
    expect("a page out through a read-only open", paging_write(dev, r, 0, b"zz")?, STATUS_SUCCESS, 2, None)?;
    handle_op(dev, Op::Close, r)?;
    // The FCB's descriptor follows the file through a rename and a
    // pending delete.
    let mut req = FsRequest::new(Op::Rename);
    req.handle = a;
    let name = wide_bytes("\\moved.bin");
    req.name = &name;
    want(call(dev, &req)?, STATUS_SUCCESS, "rename")?;
    expect("a page in after the rename", paging_read(dev, a, 0, 10)?, STATUS_SUCCESS, 10, Some(b"zz234567AB"))?;
    handle_op(dev, Op::Delete, a)?;
    expect("a page out with the delete pending", paging_write(dev, a, 0, b"Q")?, STATUS_SUCCESS, 1, None)?;
    expect("a page in with the delete pending", paging_read(dev, a, 0, 2)?, STATUS_SUCCESS, 2, Some(b"Qz"))?;
    handle_op(dev, Op::Close, a)?;
    // A directory has no data to page.
    let d = open(dev, "\\paged-dir", FILE_CREATE, FILE_DIRECTORY_FILE)?;
    let refused = crate::status::STATUS_INVALID_DEVICE_REQUEST;
    expect("a page in of a directory", paging_read(dev, d, 0, 16)?, refused, 0, None)?;
    handle_op(dev, Op::Close, d)?;
    // The lazy writer's valid-data advance moves no end of file, below
    // the size or past it.
    let v = open(dev, "\\advance.bin", FILE_OVERWRITE_IF, 0)?;
    write(dev, v, 0, b"0123456789")?;
    expect("a valid-data advance below the size", advance_valid_data(dev, v, 4)?, STATUS_SUCCESS, 0, None)?;
    expect("a valid-data advance past the size", advance_valid_data(dev, v, 4096)?, STATUS_SUCCESS, 0, None)?;
    let back = read(dev, v, 0, 64)?;
    if back != b"0123456789" {
        return Err(format!("a valid-data advance changed the file: {back:?}"));
    }
    handle_op(dev, Op::Close, v)?;
    Ok(
        "paging I/O: cut at the end, zeros past it, a read-only open's pages written, after a rename and a pending delete; none for a directory; the lazy writer's valid-data advance moves no end of file",
    )
}
