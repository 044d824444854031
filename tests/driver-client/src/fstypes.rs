//! The `fs-type IMAGE TYPE` scenario: one image of each file system (ext4,
//! vfat, btrfs, xfs) mounted through the driver with its type named, and
//! the information classes of the interface: volume attributes and size,
//! standard and basic information, set end of file, set the write time.
//! It leaves a known tree for the suite to check on Linux with the file
//! system's own checker and the host kernel:
//!
//! - `\docs\big.bin`: 16 MiB of `big_content()`, write time 2020-01-02
//!   03:04:06 UTC (an even second, which FAT can hold);
//! - `\docs\b.txt`: "alp" (written as "alpha", renamed from a.txt, cut to
//!   three bytes);
//! - `\docs\gone.txt` created and deleted.

use driver_ioctl::fsops::{FsRequest, FsType, Op};

use crate::fsclient::{
    CHUNK, FILE_CREATE, FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE, FILE_OPEN, big_content, call, handle_op, list,
    open, read_up_to, unmount, want, wide_bytes, write_all, write_expected,
};
use crate::status::{STATUS_SUCCESS, STATUS_UNRECOGNIZED_VOLUME};
use crate::win::{Handle, Report};

use fs_glue::nt::{
    FILE_BASIC_INFORMATION, FILE_END_OF_FILE_INFORMATION, FILE_FS_ATTRIBUTE_INFORMATION, FILE_FS_SIZE_INFORMATION,
    FILE_NETWORK_OPEN_INFORMATION, FILE_STANDARD_INFORMATION,
};
/// 2020-01-02 03:04:06 UTC in 100 ns units since 1601.
pub(crate) const WRITE_TIME: i64 = (1_577_934_246 + 11_644_473_600) * 10_000_000;

fn fs_type(name: &str) -> Option<FsType> {
    Some(match name {
        "ext4" => FsType::Ext4,
        "vfat" => FsType::Vfat,
        "btrfs" => FsType::Btrfs,
        "xfs" => FsType::Xfs,
        _ => return None,
    })
}

fn mount_as(dev: Handle, image: &str, t: FsType) -> Result<u32, String> {
    let name = wide_bytes(&format!("\\??\\{image}"));
    let mut req = FsRequest::new(Op::Mount);
    req.name = &name;
    req.args[1] = t as u32;
    Ok(call(dev, &req)?.0)
}

fn query(dev: Handle, op: Op, h: u32, class: u32, len: u32) -> Result<Vec<u8>, String> {
    let mut req = FsRequest::new(op);
    req.handle = h;
    req.out_len = len;
    req.args[0] = class;
    let (_, n, mut p) = want(call(dev, &req)?, STATUS_SUCCESS, &format!("{op:?} class {class}"))?;
    p.truncate(n as usize);
    Ok(p)
}

fn set(dev: Handle, h: u32, class: u32, data: &[u8]) -> Result<(), String> {
    let mut req = FsRequest::new(Op::SetInformation);
    req.handle = h;
    req.args[0] = class;
    req.data = data;
    want(call(dev, &req)?, STATUS_SUCCESS, &format!("set class {class}")).map(|_| ())
}

fn i64_at(b: &[u8], i: usize) -> i64 {
    b.get(i..i + 8).map_or(-1, |s| i64::from_le_bytes(s.try_into().unwrap_or_default()))
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4).map_or(u32::MAX, |s| u32::from_le_bytes(s.try_into().unwrap_or_default()))
}

fn create_file(dev: Handle, path: &str, data: &[u8]) -> Result<u32, String> {
    let h = open(dev, path, FILE_CREATE, FILE_NON_DIRECTORY_FILE)?;
    write_all(dev, h, data, CHUNK)?;
    Ok(h)
}

/// The volume's name and size classes name the type and a plausible size.
fn volume_info(dev: Handle, linux_name: &str, image_bytes: u64) -> Result<(), String> {
    let a = query(dev, Op::QueryVolumeInformation, 0, FILE_FS_ATTRIBUTE_INFORMATION, 512)?;
    let len = u32_at(&a, 8) as usize;
    let units: Vec<u16> =
        a.get(12..12 + len).unwrap_or_default().chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let name = String::from_utf16_lossy(&units);
    if name != linux_name {
        return Err(format!("FileFsAttributeInformation names {name:?}, want {linux_name:?}"));
    }
    let s = query(dev, Op::QueryVolumeInformation, 0, FILE_FS_SIZE_INFORMATION, 24)?;
    let bytes = i64_at(&s, 0) as u64 * u64::from(u32_at(&s, 16)) * u64::from(u32_at(&s, 20));
    if bytes == 0 || bytes > image_bytes || i64_at(&s, 8) > i64_at(&s, 0) {
        return Err(format!(
            "FileFsSizeInformation: {bytes} bytes total of a {image_bytes}-byte image, {} units free",
            i64_at(&s, 8)
        ));
    }
    Ok(())
}

fn tree(dev: Handle) -> Result<(), String> {
    let d = open(dev, "\\docs", FILE_CREATE, FILE_DIRECTORY_FILE)?;
    handle_op(dev, Op::Close, d)?;
    let data = big_content();
    let h = create_file(dev, "\\docs\\big.bin", &data)?;
    let st = query(dev, Op::QueryInformation, h, FILE_STANDARD_INFORMATION, 24)?;
    if i64_at(&st, 8) != data.len() as i64 || st.get(21) != Some(&0) {
        return Err(format!("FileStandardInformation: EndOfFile {}, Directory {:?}", i64_at(&st, 8), st.get(21)));
    }
    if read_up_to(dev, h, data.len(), CHUNK)? != data {
        return Err("big.bin read back different bytes".into());
    }
    // Basic information: only the write time changes (0 = leave as is).
    let mut basic = [0u8; 40];
    basic[16..24].copy_from_slice(&WRITE_TIME.to_le_bytes());
    set(dev, h, FILE_BASIC_INFORMATION, &basic)?;
    let b = query(dev, Op::QueryInformation, h, FILE_BASIC_INFORMATION, 40)?;
    if i64_at(&b, 16) != WRITE_TIME {
        return Err(format!("LastWriteTime reads back {}, set {WRITE_TIME}", i64_at(&b, 16)));
    }
    handle_op(dev, Op::Close, h)?;

    let h = create_file(dev, "\\docs\\a.txt", b"alpha")?;
    set(dev, h, FILE_END_OF_FILE_INFORMATION, &3i64.to_le_bytes())?;
    let got = read_up_to(dev, h, 5, CHUNK)?;
    if got != b"alp" {
        return Err(format!("after EndOfFile 3, a.txt reads {got:?}"));
    }
    let mut rq = FsRequest::new(Op::Rename);
    rq.handle = h;
    let target = wide_bytes("\\docs\\b.txt");
    rq.name = &target;
    want(call(dev, &rq)?, STATUS_SUCCESS, "rename a.txt to b.txt")?;
    handle_op(dev, Op::Close, h)?;

    let h = create_file(dev, "\\docs\\gone.txt", b"bye")?;
    handle_op(dev, Op::Delete, h)?;
    handle_op(dev, Op::Close, h)?;
    let names = list(dev, "\\docs", "*")?;
    if names != ["b.txt", "big.bin"] {
        return Err(format!("\\docs lists {names:?}"));
    }
    let txt = list(dev, "\\docs", "*.txt")?;
    if txt != ["b.txt"] {
        return Err(format!("pattern *.txt lists {txt:?}"));
    }
    Ok(())
}

/// Prints `manifest: PATH SIZE MTIME` (NetworkOpen's EndOfFile and
/// LastWriteTime in 100 ns units since 1601) for each file the tree leaves,
/// so the suite can hold Linux's view of the image against the driver's.
fn manifest(dev: Handle) -> Result<(), String> {
    for path in ["docs/b.txt", "docs/big.bin"] {
        let h = open(dev, &format!("\\{}", path.replace('/', "\\")), FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        let n = query(dev, Op::QueryInformation, h, FILE_NETWORK_OPEN_INFORMATION, 56)?;
        handle_op(dev, Op::Close, h)?;
        println!("manifest: {path} {} {}", i64_at(&n, 40), i64_at(&n, 16));
    }
    Ok(())
}

/// Boot and halt are the caller's.
pub(crate) fn run(dev: Handle, r: &mut Report, image: &str, type_name: &str) {
    let Some(t) = fs_type(type_name) else {
        r.check("file-system type", Err(format!("unknown type {type_name:?}")));
        return;
    };
    let image_bytes = std::fs::metadata(image).map(|m| m.len()).unwrap_or(u64::MAX);
    // The wrong type first: a clear refusal, and nothing left mounted.
    let wrong = if t == FsType::Xfs { FsType::Vfat } else { FsType::Xfs };
    let res = match mount_as(dev, image, wrong) {
        Ok(s) if s == STATUS_UNRECOGNIZED_VOLUME => Ok(()),
        other => Err(format!("got {other:x?}")),
    };
    r.check(&format!("{type_name} image mounted as {wrong:?}: STATUS_UNRECOGNIZED_VOLUME"), res);
    let res = match mount_as(dev, image, t) {
        Ok(STATUS_SUCCESS) => Ok(()),
        other => Err(format!("got {other:x?}")),
    };
    let mounted = res.is_ok();
    r.check(&format!("mount the {type_name} image with its type named"), res);
    if !mounted {
        return;
    }
    let linux_name = t.linux_name().unwrap_or_default();
    r.check(&format!("{type_name}: volume attribute and size information"), volume_info(dev, linux_name, image_bytes));
    r.check(&format!("{type_name}: 16 MiB written and read back, standard/basic information, write time set, end of file set, rename, delete, patterns"), tree(dev));
    r.check(&format!("{type_name}: manifest of the tree as the driver sees it"), manifest(dev));
    let res = unmount(dev).and_then(|x| want(x, STATUS_SUCCESS, "unmount")).map(|_| ());
    r.check(&format!("{type_name}: unmount"), res);
    // The suite compares big.bin on Linux with this.
    write_expected(r, image);
    // Reading it back in a second mount: the tree is on the medium.
    let res = (|| {
        match mount_as(dev, image, t)? {
            STATUS_SUCCESS => {}
            s => return Err(format!("remount: status {s:#010x}")),
        }
        let h = open(dev, "\\docs\\b.txt", FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
        let got = read_up_to(dev, h, 8, CHUNK)?;
        handle_op(dev, Op::Close, h)?;
        unmount(dev).and_then(|x| want(x, STATUS_SUCCESS, "unmount"))?;
        if got == b"alp" { Ok(()) } else { Err(format!("b.txt reads {got:?} after remount")) }
    })();
    r.check(&format!("{type_name}: remount reads b.txt back"), res);
}
