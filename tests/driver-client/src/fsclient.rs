//! The `fs` scenario: boot, mount ext4 image files through the driver and
//! drive fs-glue inside it (create with dispositions, 16 MiB written and
//! read back, directory queries with patterns, rename, delete), unmount,
//! remount and read back, halt. The suite then checks the image on Linux
//! (e2fsck, the host kernel's loop mount) against `expected-big.bin`, which
//! this program writes next to itself.

use driver_ioctl as proto;
use proto::fsops::{FsRequest, Op};

use crate::status::{
    STATUS_END_OF_FILE, STATUS_MEDIA_WRITE_PROTECTED, STATUS_OBJECT_NAME_COLLISION, STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_SUCCESS, STATUS_UNRECOGNIZED_VOLUME,
};
use crate::win::{Handle, Report, ioctl};

pub(crate) const FILE_OPEN: u32 = 1;
pub(crate) const FILE_CREATE: u32 = 2;
pub(crate) const FILE_OPEN_IF: u32 = 3;
pub(crate) const FILE_DIRECTORY_FILE: u32 = 1;
pub(crate) const FILE_NON_DIRECTORY_FILE: u32 = 0x40;
const FILE_ALL_ACCESS: u32 = 0x001F_01FF;
const FILE_CREATED: u64 = 2;
const FILE_OPENED: u64 = 1;
const FILE_NAMES_INFORMATION: u32 = 12;
const FILE_GENERIC_READ: u32 = 0x0012_0089;
pub(crate) const CHUNK: usize = 1 << 20;
/// Bytes of the big file.
pub(crate) const BIG: usize = 16 << 20;

/// A reply: fs-glue's status, information, payload.
pub(crate) type Reply = (u32, u64, Vec<u8>);

// Own code, not widestring: the wire wants little-endian bytes, which
// widestring's u16 strings do not produce.
pub(crate) fn wide_bytes(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(|c| c.to_le_bytes()).collect()
}

pub(crate) fn call(dev: Handle, req: &FsRequest<'_>) -> Result<Reply, String> {
    let mut out = vec![0u8; req.reply_size()];
    ioctl(dev, proto::IOCTL_FS, &req.encode(), &mut out)
        .map_err(|e| format!("IOCTL_FS {:?} failed with error {e}", req.op))?;
    let r = proto::fsops::decode_reply(&out).ok_or("short reply")?;
    Ok((r.status, r.information, r.payload.to_vec()))
}

pub(crate) fn want(r: Reply, status: u32, what: &str) -> Result<Reply, String> {
    if r.0 == status { Ok(r) } else { Err(format!("{what}: status {:#010x}, want {status:#010x}", r.0)) }
}

pub(crate) fn mount(dev: Handle, path: &str, read_only: bool) -> Result<Reply, String> {
    let name = wide_bytes(&format!("\\??\\{path}"));
    let mut req = FsRequest::new(Op::Mount);
    req.name = &name;
    req.args[0] = u32::from(read_only);
    call(dev, &req)
}

/// Mounts the lower disk device `name` (an NT name such as
/// `\\Device\\LklfsRamDisk0`).
pub(crate) fn mount_device(dev: Handle, name: &str, read_only: bool) -> Result<Reply, String> {
    let name = wide_bytes(name);
    let mut req = FsRequest::new(Op::Mount);
    req.name = &name;
    req.args[0] = proto::fsops::MOUNT_LOWER_DEVICE | u32::from(read_only);
    call(dev, &req)
}

pub(crate) fn unmount(dev: Handle) -> Result<Reply, String> {
    call(dev, &FsRequest::new(Op::Unmount))
}

/// Create; Ok((status, information, handle)).
pub(crate) fn create(dev: Handle, path: &str, disposition: u32, options: u32) -> Result<(u32, u64, u32), String> {
    create_with(dev, path, disposition, options, FILE_ALL_ACCESS)
}

pub(crate) fn create_with(
    dev: Handle,
    path: &str,
    disposition: u32,
    options: u32,
    access: u32,
) -> Result<(u32, u64, u32), String> {
    let name = wide_bytes(path);
    let mut req = FsRequest::new(Op::Create);
    req.name = &name;
    req.out_len = 4;
    req.args = [disposition, options, access];
    let (s, info, p) = call(dev, &req)?;
    Ok((s, info, u32::from_le_bytes([p[0], p[1], p[2], p[3]])))
}

pub(crate) fn open(dev: Handle, path: &str, disposition: u32, options: u32) -> Result<u32, String> {
    match create(dev, path, disposition, options)? {
        (STATUS_SUCCESS, _, h) => Ok(h),
        (s, _, _) => Err(format!("create {path}: status {s:#010x}")),
    }
}

pub(crate) fn handle_op(dev: Handle, op: Op, h: u32) -> Result<(), String> {
    let mut req = FsRequest::new(op);
    req.handle = h;
    want(call(dev, &req)?, STATUS_SUCCESS, &format!("{op:?}")).map(|_| ())
}

pub(crate) fn write(dev: Handle, h: u32, offset: u64, data: &[u8]) -> Result<(), String> {
    let mut req = FsRequest::new(Op::Write);
    req.handle = h;
    req.offset = offset;
    req.data = data;
    let r = want(call(dev, &req)?, STATUS_SUCCESS, "write")?;
    if r.1 as usize != data.len() { Err(format!("wrote {} of {}", r.1, data.len())) } else { Ok(()) }
}

pub(crate) fn read(dev: Handle, h: u32, offset: u64, len: usize) -> Result<Vec<u8>, String> {
    let mut req = FsRequest::new(Op::Read);
    req.handle = h;
    req.offset = offset;
    req.out_len = len as u32;
    let (_, n, mut p) = want(call(dev, &req)?, STATUS_SUCCESS, "read")?;
    p.truncate(n as usize);
    Ok(p)
}

/// Writes `data` from offset 0 in writes of `chunk` bytes.
pub(crate) fn write_all(dev: Handle, h: u32, data: &[u8], chunk: usize) -> Result<(), String> {
    for (i, c) in data.chunks(chunk).enumerate() {
        write(dev, h, (i * chunk) as u64, c)?;
    }
    Ok(())
}

/// Up to `len` bytes from offset 0, in reads of `chunk` bytes; a shorter
/// file ends at STATUS_END_OF_FILE, as NtReadFile past the end does.
pub(crate) fn read_up_to(dev: Handle, h: u32, len: usize, chunk: usize) -> Result<Vec<u8>, String> {
    let mut got = Vec::with_capacity(len);
    while got.len() < len {
        let mut req = FsRequest::new(Op::Read);
        req.handle = h;
        req.offset = got.len() as u64;
        req.out_len = chunk.min(len - got.len()) as u32;
        let (s, n, p) = call(dev, &req)?;
        match s {
            STATUS_SUCCESS if n > 0 => got.extend_from_slice(&p[..n as usize]),
            STATUS_SUCCESS | STATUS_END_OF_FILE => break,
            s => return Err(format!("read at {}: status {s:#010x}", got.len())),
        }
    }
    Ok(got)
}

/// Every name of a FileNamesInformation listing of `dir` matching
/// `pattern` (restarting the scan, until STATUS_NO_MORE_FILES), sorted.
pub(crate) fn list(dev: Handle, dir: &str, pattern: &str) -> Result<Vec<String>, String> {
    let h = open(dev, dir, FILE_OPEN, FILE_DIRECTORY_FILE)?;
    let pat = wide_bytes(pattern);
    let mut names = Vec::new();
    for first in [true, false].into_iter().chain(std::iter::repeat(false)).take(64) {
        let mut req = FsRequest::new(Op::QueryDirectory);
        req.handle = h;
        req.name = if first { &pat } else { &[] };
        req.out_len = 4096;
        req.args = [FILE_NAMES_INFORMATION, u32::from(first), 0];
        let (s, n, p) = call(dev, &req)?;
        if s != STATUS_SUCCESS {
            break; // STATUS_NO_MORE_FILES (or NO_SUCH_FILE for no match)
        }
        let mut at = 0usize;
        while at + 12 <= n as usize {
            let next = u32::from_le_bytes(p[at..at + 4].try_into().unwrap_or_default()) as usize;
            let len = u32::from_le_bytes(p[at + 8..at + 12].try_into().unwrap_or_default()) as usize;
            let units: Vec<u16> =
                p[at + 12..at + 12 + len].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            names.push(String::from_utf16_lossy(&units));
            if next == 0 {
                break;
            }
            at += next;
        }
    }
    handle_op(dev, Op::Close, h)?;
    names.retain(|n| n != "." && n != "..");
    names.sort();
    Ok(names)
}

/// Deterministic content (xorshift64), so the suite can compare it.
pub(crate) fn big_content() -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut v = Vec::with_capacity(BIG);
    while v.len() < BIG {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

fn steps(dev: Handle, r: &mut Report, image: &str, junk: &str) {
    let m = mount(dev, junk, false).and_then(|x| want(x, STATUS_UNRECOGNIZED_VOLUME, "mount a zeroed image"));
    r.check("a zeroed image fails to mount with STATUS_UNRECOGNIZED_VOLUME", m.map(|_| ()));
    let m = mount(dev, "C:\\lklfs-test\\no-such.img", false)
        .and_then(|x| want(x, STATUS_OBJECT_NAME_NOT_FOUND, "mount a missing file"));
    r.check("a missing image file fails with STATUS_OBJECT_NAME_NOT_FOUND (ZwCreateFile)", m.map(|_| ()));
    file_ops(dev, r, Target::Image(image));
}

/// What a scenario mounts: an image file (DOS path) or a lower disk device
/// (NT name).
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    Image(&'a str),
    Device(&'a str),
}

impl Target<'_> {
    fn mount(self, dev: Handle, read_only: bool) -> Result<Reply, String> {
        match self {
            Target::Image(path) => mount(dev, path, read_only),
            Target::Device(name) => mount_device(dev, name, read_only),
        }
    }

    fn describe(self) -> String {
        match self {
            Target::Image(path) => format!("{path} through ZwCreateFile/ZwReadFile"),
            Target::Device(name) => format!("{name} through IRPs sent to the lower device"),
        }
    }
}

/// The file operations on a freshly made ext4 volume: mount read-write,
/// create/write/read/list/rename/delete, unmount (refused while a handle is
/// open), remount read-only and read back, unmount.
pub(crate) fn file_ops(dev: Handle, r: &mut Report, target: Target<'_>) {
    let m = target.mount(dev, false).and_then(|x| want(x, STATUS_SUCCESS, "mount"));
    r.check(&format!("mount {} (ext4, read-write)", target.describe()), m.map(|_| ()));

    let res = (|| {
        let (s, info, h) = create(dev, "\\dir", FILE_CREATE, FILE_DIRECTORY_FILE)?;
        if s != STATUS_SUCCESS || info != FILE_CREATED {
            return Err(format!("status {s:#x} information {info}"));
        }
        handle_op(dev, Op::Close, h)
    })();
    r.check("create \\dir (FILE_CREATE, directory): FILE_CREATED", res);

    let data = big_content();
    let res = (|| {
        let h = open(dev, "\\dir\\big.bin", FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
        let t = std::time::Instant::now();
        write_all(dev, h, &data, CHUNK)?;
        let w = t.elapsed().as_secs_f64();
        handle_op(dev, Op::Close, h)?;
        let h = open(dev, "\\dir\\big.bin", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        let t = std::time::Instant::now();
        let back = read_up_to(dev, h, BIG, CHUNK)?;
        let rd = t.elapsed().as_secs_f64();
        let mut req = FsRequest::new(Op::Read);
        req.handle = h;
        req.offset = BIG as u64;
        req.out_len = 4096;
        let eof = call(dev, &req)?;
        handle_op(dev, Op::Close, h)?;
        println!("# 16 MiB through IOCTLs: write {:.0} MB/s, read {:.0} MB/s (page cache)", 16.78 / w, 16.78 / rd);
        if back != data {
            return Err("read-back differs".into());
        }
        if eof.0 != STATUS_END_OF_FILE || eof.1 != 0 {
            return Err(format!("read at EOF: status {:#x}, {} bytes", eof.0, eof.1));
        }
        Ok(())
    })();
    r.check(
        "write 16 MiB of pseudo-random data and read it back identically; a read at EOF gives STATUS_END_OF_FILE",
        res,
    );

    let res = (|| {
        for (name, text) in [("a.txt", "alpha\n"), ("b.txt", "bravo\n")] {
            let h = open(dev, &format!("\\dir\\{name}"), FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
            write(dev, h, 0, text.as_bytes())?;
            handle_op(dev, Op::Close, h)?;
        }
        let (s, _, _) = create(dev, "\\dir\\a.txt", FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
        if s != STATUS_OBJECT_NAME_COLLISION {
            return Err(format!("FILE_CREATE on an existing file: {s:#x}"));
        }
        let (s, _, _) = create(dev, "\\dir\\nope.txt", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        if s != STATUS_OBJECT_NAME_NOT_FOUND {
            return Err(format!("FILE_OPEN of a missing file: {s:#x}"));
        }
        let (s, info, h) = create(dev, "\\dir\\a.txt", FILE_OPEN_IF, FILE_NON_DIRECTORY_FILE)?;
        if s != STATUS_SUCCESS || info != FILE_OPENED {
            return Err(format!("FILE_OPEN_IF of an existing file: {s:#x} information {info}"));
        }
        handle_op(dev, Op::Close, h)
    })();
    r.check("dispositions: FILE_CREATE twice -> OBJECT_NAME_COLLISION, FILE_OPEN missing -> OBJECT_NAME_NOT_FOUND, FILE_OPEN_IF -> FILE_OPENED", res);

    let res =
        list(dev, "\\dir", "*.txt").and_then(|n| if n == ["a.txt", "b.txt"] { Ok(()) } else { Err(format!("{n:?}")) });
    r.check("query directory \\dir with pattern *.txt: a.txt b.txt", res);
    let res =
        list(dev, "\\dir", "b*").and_then(|n| if n == ["b.txt", "big.bin"] { Ok(()) } else { Err(format!("{n:?}")) });
    r.check("query directory \\dir with pattern b*: b.txt big.bin", res);

    let res = (|| {
        let h = open(dev, "\\dir\\b.txt", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        let name = wide_bytes("\\dir\\c.txt");
        let mut req = FsRequest::new(Op::Rename);
        req.handle = h;
        req.name = &name;
        want(call(dev, &req)?, STATUS_SUCCESS, "rename")?;
        handle_op(dev, Op::Close, h)?;
        let h = open(dev, "\\dir\\a.txt", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        handle_op(dev, Op::Delete, h)?;
        handle_op(dev, Op::Close, h)?;
        let n = list(dev, "\\dir", "*")?;
        if n == ["big.bin", "c.txt"] { Ok(()) } else { Err(format!("after rename and delete: {n:?}")) }
    })();
    r.check("rename b.txt -> c.txt, delete a.txt (delete on close): \\dir holds big.bin c.txt", res);

    let res = (|| {
        let h = open(dev, "\\dir\\c.txt", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        let busy = unmount(dev);
        handle_op(dev, Op::Close, h)?;
        match busy {
            Err(e) if e.ends_with("error 22") => Ok(()),
            other => Err(format!("unmount with an open handle: {other:?}")),
        }
    })();
    r.check("unmount with an open handle fails with STATUS_INVALID_DEVICE_STATE", res);
    r.check(
        "unmount (every dirty block on the image)",
        unmount(dev).and_then(|x| want(x, STATUS_SUCCESS, "unmount")).map(|_| ()),
    );
    let res = (|| {
        want(target.mount(dev, true)?, STATUS_SUCCESS, "read-only mount")?;
        let (s, _, _) = create(dev, "\\dir\\c.txt", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        if s != STATUS_MEDIA_WRITE_PROTECTED {
            return Err(format!("open for writing on a read-only mount: {s:#x}"));
        }
        let h = match create_with(dev, "\\dir\\c.txt", FILE_OPEN, FILE_NON_DIRECTORY_FILE, FILE_GENERIC_READ)? {
            (STATUS_SUCCESS, _, h) => h,
            (s, _, _) => return Err(format!("open for reading: {s:#x}")),
        };
        let text = read(dev, h, 0, 64)?;
        handle_op(dev, Op::Close, h)?;
        want(unmount(dev)?, STATUS_SUCCESS, "unmount")?;
        if text == b"bravo\n" { Ok(()) } else { Err(format!("c.txt holds {text:?}")) }
    })();
    r.check(
        "mount again read-only: opening for write gives STATUS_MEDIA_WRITE_PROTECTED, c.txt reads back; unmount",
        res,
    );
}

/// Before the forced panic: mount `image` and create a file (left open).
pub(crate) fn mount_for_panic(dev: Handle, image: &str) -> Result<(), String> {
    want(mount(dev, image, false)?, STATUS_SUCCESS, "mount")?;
    let h = open(dev, "\\before-panic.txt", FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
    write(dev, h, 0, b"x")
}

/// After the panic: a create must fail at the IRP level (the error text).
pub(crate) fn create_after_panic(dev: Handle) -> Result<(), String> {
    match create(dev, "\\after-panic.txt", FILE_CREATE, FILE_NON_DIRECTORY_FILE) {
        Err(e) => Err(e),
        Ok(r) => Err(format!("create succeeded at the IRP level: {r:?}")),
    }
}

/// `fs-leave`: mount, write a file and keep its handle open, then leave
/// everything for DriverUnload (unmount closing the handle, halt).
pub(crate) fn leave(dev: Handle, r: &mut Report, image: &str) {
    let res = (|| {
        want(mount(dev, image, false)?, STATUS_SUCCESS, "mount")?;
        let h = open(dev, "\\left-open.txt", FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
        write(dev, h, 0, b"written before unload\n")
    })();
    r.check("mount, create and write a file, keep its handle open for DriverUnload", res);
}

/// The scenario; `image` and `junk` are DOS paths inside the prefix.
pub(crate) fn run(dev: Handle, r: &mut Report, image: &str, junk: &str) {
    steps(dev, r, image, junk);
    write_expected(r, image);
}

/// Writes `expected-big.bin` next to `image` for the suite to compare with.
pub(crate) fn write_expected(r: &mut Report, image: &str) {
    let expected = std::path::Path::new(image).with_file_name("expected-big.bin");
    if let Err(e) = std::fs::write(&expected, big_content()) {
        r.check("write expected-big.bin", Err(e.to_string()));
    }
}
