//! The embedded-Linux requests: buffer validation (part of the default run)
//! and the scenarios the suite runs in separate service lifetimes:
//!
//! - `boot-halt`: boot with a memory size and command line, getpid/uname,
//!   a second boot refused, halt with zero host allocations, requests after
//!   the halt refused;
//! - `panic [IMAGE]`: boot (and mount IMAGE with a file open), force a Linux panic, every later request fails with the
//!   dead-kernel status (the service stays up; DriverUnload halts);
//! - `boot-leave`: boot and probe, then leave the kernel running for
//!   DriverUnload to halt;
//! - `fs IMAGE JUNK`: boot, the file operations of `fsclient.rs`, halt;
//! - `fs-leave IMAGE`: boot, mount, a file left open for DriverUnload;
//! - `fs-ramdisk FILE [LKLFS_EXE [GPT MBR [DIRTY [BTRFS XFS [CORRUPT]]]]]`: boot, a RAM disk made from FILE mounted through the
//!   lower-device path, the same file operations, FILE rewritten from the
//!   disk (`ramdiskclient.rs`), halt;
//! - `fsd DIR`: the file-system driver's mount decision and volume FSCTLs
//!   (`fsdclient.rs`), then halt;
//! - `model DIR N STEPS`: the randomized model test as IRPs
//!   (`modelclient.rs`), then halt;
//! - `stress DIR THREADS FILES`: four volumes at once, IRPs from several
//!   threads (`stressclient.rs`), then halt;
//! - `offered DIR WRITABLE`: volumes Windows offers by itself against
//!   volumes asked for (`offeredclient.rs`), then halt;
//! - `product`: against the product lklfs.sys: the self-test, the forced
//!   panic and the RAM-disk requests are refused as unknown requests, and
//!   Linux still boots, answers and halts.

use driver_ioctl as proto;
use proto::linux as lx;

use crate::win::{
    CloseHandle, ERROR_INVALID_FUNCTION, ERROR_INVALID_PARAMETER, Handle, Report, counters, ioctl, open_device, sweep,
};

/// Win32 errors of the driver's Linux statuses (RtlNtStatusToDosError).
const ERROR_NOT_READY: u32 = 21; // STATUS_DEVICE_NOT_READY: not booted
const ERROR_BAD_COMMAND: u32 = 22; // STATUS_INVALID_DEVICE_STATE: wrong state
const ERROR_IO_DEVICE: u32 = 1117; // STATUS_IO_DEVICE_ERROR: Linux died

const MEM: u64 = 64 << 20;
const CMDLINE: &str = "lklfs.driver_test=1";

/// Every wrong length of each Linux request, bad boot fields, and requests
/// refused before any boot. Boots nothing.
pub(crate) fn validation(dev: Handle, r: &mut Report) {
    let boot = lx::BootRequest { mem_size: MEM, cmdline: CMDLINE }.encode().unwrap_or([0; lx::BOOT_IN_SIZE]);
    for (name, code, input, out) in [
        ("boot", proto::IOCTL_LINUX_BOOT, &boot[..], lx::BOOT_OUT_SIZE),
        ("info", proto::IOCTL_LINUX_INFO, &lx::header()[..], lx::INFO_OUT_SIZE),
        ("halt", proto::IOCTL_LINUX_HALT, &lx::header()[..], lx::HALT_OUT_SIZE),
        ("panic", proto::IOCTL_LINUX_PANIC_FOR_TEST, &lx::header()[..], lx::PANIC_OUT_SIZE),
    ] {
        let res =
            sweep(dev, code, input, out).map(|n| println!("# Linux {name} IOCTL: {n} wrong length pairs refused"));
        r.check(&format!("Linux {name} IOCTL refuses every wrong buffer length"), res);
    }
    let mut create = proto::fsops::FsRequest::new(proto::fsops::Op::Create);
    let name: Vec<u8> = "\\x".encode_utf16().flat_map(|c| c.to_le_bytes()).collect();
    create.name = &name;
    create.out_len = 4;
    create.args = [1, 0, 0x0012_0089];
    let res = sweep(dev, proto::IOCTL_FS, &create.encode(), create.reply_size())
        .map(|n| println!("# file-operation IOCTL (create): {n} wrong length pairs refused"));
    r.check("file-operation IOCTL refuses every wrong buffer length", res);
    let mut bad_op = create.encode();
    bad_op[8] = 99;
    expect_err(
        r,
        "file-operation IOCTL refuses an unknown operation",
        ioctl(dev, proto::IOCTL_FS, &bad_op, &mut [0u8; 20]),
        ERROR_INVALID_PARAMETER,
    );
    expect_err(
        r,
        "file operation before boot fails with STATUS_DEVICE_NOT_READY",
        ioctl(dev, proto::IOCTL_FS, &create.encode(), &mut [0u8; 20]),
        ERROR_NOT_READY,
    );
    let mut out = vec![0u8; lx::BOOT_OUT_SIZE];
    let mut bad_fields = Vec::new();
    for mem in [0, lx::MEM_MIN - 4096, lx::MEM_MAX + 4096, MEM + 1] {
        bad_fields.push((
            format!("mem_size {mem}"),
            lx::BootRequest { mem_size: mem, cmdline: "" }.encode().unwrap_or([0; lx::BOOT_IN_SIZE]),
        ));
    }
    let mut b = boot;
    b[16..20].copy_from_slice(&(lx::CMDLINE_MAX as u32 + 1).to_le_bytes());
    bad_fields.push(("command-line length past the field".into(), b));
    let mut b = boot;
    b[24] = 0x07;
    bad_fields.push(("control character in the command line".into(), b));
    let mut b = boot;
    b[lx::BOOT_IN_SIZE - 1] = b'x';
    bad_fields.push(("bytes after the command line".into(), b));
    let mut b = boot;
    b[4] ^= 0xff;
    bad_fields.push(("protocol version".into(), b));
    let res = bad_fields.iter().try_for_each(|(what, req)| match ioctl(dev, proto::IOCTL_LINUX_BOOT, req, &mut out) {
        Err(ERROR_INVALID_PARAMETER) => Ok(()),
        other => Err(format!("{what}: got {other:?}, want ERROR_INVALID_PARAMETER")),
    });
    r.check(&format!("Linux boot IOCTL refuses bad fields ({} cases)", bad_fields.len()), res);
    for (name, code, out) in [
        ("info", proto::IOCTL_LINUX_INFO, lx::INFO_OUT_SIZE),
        ("halt", proto::IOCTL_LINUX_HALT, lx::HALT_OUT_SIZE),
        ("panic", proto::IOCTL_LINUX_PANIC_FOR_TEST, lx::PANIC_OUT_SIZE),
    ] {
        let mut o = vec![0u8; out];
        r.check(
            &format!("Linux {name} before boot fails with STATUS_DEVICE_NOT_READY"),
            match ioctl(dev, code, &lx::header(), &mut o) {
                Err(ERROR_NOT_READY) => Ok(()),
                other => Err(format!("got {other:?}")),
            },
        );
    }
}

fn boot(dev: Handle, r: &mut Report) -> bool {
    let Some(req) = (lx::BootRequest { mem_size: MEM, cmdline: CMDLINE }).encode() else { return false };
    let mut out = vec![0u8; lx::BOOT_OUT_SIZE];
    let res = match ioctl(dev, proto::IOCTL_LINUX_BOOT, &req, &mut out) {
        Ok(n) if n == out.len() => match lx::decode_boot_reply(&out) {
            Some(b) => {
                let tail = String::from_utf8_lossy(b.tail);
                println!(
                    "# boot: errno {}, {:.1} ms in the driver, console tail {} bytes:",
                    b.errno,
                    b.boot_ns as f64 / 1e6,
                    b.tail.len()
                );
                let lines: Vec<&str> = tail.lines().collect();
                for l in lines.iter().filter(|l| l.contains("Linux version") || l.contains("Kernel command line")) {
                    println!("#   {l}");
                }
                println!("#   ...");
                for l in &lines[lines.len().saturating_sub(3)..] {
                    println!("#   {l}");
                }
                if b.errno != 0 {
                    Err(format!("boot errno {}", b.errno))
                } else if !tail.contains(CMDLINE) {
                    Err("the console tail does not show the command line".into())
                } else {
                    Ok(())
                }
            }
            None => Err("undecodable boot reply".into()),
        },
        other => Err(format!("IOCTL_LINUX_BOOT returned {other:?}")),
    };
    let ok = res.is_ok();
    r.check(&format!("boot Linux in the driver ({} MiB, command line {CMDLINE:?}) on a worker thread", MEM >> 20), res);
    ok
}

fn info(dev: Handle) -> Result<lx::Info, u32> {
    let mut out = vec![0u8; lx::INFO_OUT_SIZE];
    ioctl(dev, proto::IOCTL_LINUX_INFO, &lx::header(), &mut out)?;
    lx::Info::decode(&out).ok_or(0)
}

fn check_info(dev: Handle, r: &mut Report) {
    let res = match info(dev) {
        Ok(i) => {
            println!(
                "# getpid() = {}; uname: {} {} {} {} {}",
                i.pid,
                i.field(0),
                i.field(1),
                i.field(2),
                i.field(3),
                i.field(4)
            );
            if i.pid <= 1 {
                Err(format!("pid {}", i.pid))
            } else if i.field(0) != "Linux" || !i.field(2).starts_with("6.1") {
                Err(format!("uname {} {}", i.field(0), i.field(2)))
            } else {
                Ok(())
            }
        }
        Err(e) => Err(format!("IOCTL_LINUX_INFO failed with error {e}")),
    };
    r.check("getpid() and uname() in Linux through the driver", res);
}

fn expect_err(r: &mut Report, name: &str, got: Result<usize, u32>, want: u32) {
    r.check(
        name,
        match got {
            Err(e) if e == want => Ok(()),
            other => Err(format!("got {other:?}, want error {want}")),
        },
    );
}

fn boot_again(dev: Handle) -> Result<usize, u32> {
    let req = lx::BootRequest { mem_size: MEM, cmdline: CMDLINE }.encode().unwrap_or([0; lx::BOOT_IN_SIZE]);
    ioctl(dev, proto::IOCTL_LINUX_BOOT, &req, &mut [0u8; lx::BOOT_OUT_SIZE])
}

fn halt(dev: Handle) -> Result<lx::HaltReply, u32> {
    let mut out = [0u8; lx::HALT_OUT_SIZE];
    ioctl(dev, proto::IOCTL_LINUX_HALT, &lx::header(), &mut out)?;
    lx::HaltReply::decode(&out).ok_or(0)
}

fn boot_halt(dev: Handle, r: &mut Report) {
    if !boot(dev, r) {
        return;
    }
    check_info(dev, r);
    expect_err(
        r,
        "a second boot while Linux runs fails with STATUS_INVALID_DEVICE_STATE",
        boot_again(dev),
        ERROR_BAD_COMMAND,
    );
    let res = match halt(dev) {
        Ok(h) if h.errno == 0 && h.host_outstanding == 0 => Ok(()),
        Ok(h) => Err(format!("halt errno {}, {} host blocks outstanding", h.errno, h.host_outstanding)),
        Err(e) => Err(format!("IOCTL_LINUX_HALT failed with error {e}")),
    };
    r.check("halt: sync, power off, every kernel thread joined, 0 host allocations outstanding", res);
    let res = counters(dev).and_then(|c| {
        println!("# counters after halt {c:?}");
        if c.host_outstanding == 0 && c.heap_outstanding == c.heap_baseline { Ok(()) } else { Err(format!("{c:?}")) }
    });
    r.check("after halt the driver's heap is back to its load-time baseline", res);
    expect_err(r, "getpid/uname after halt fails with STATUS_DEVICE_NOT_READY", info(dev).map(|_| 0), ERROR_NOT_READY);
    expect_err(r, "halt after halt fails with STATUS_DEVICE_NOT_READY", halt(dev).map(|_| 0), ERROR_NOT_READY);
    expect_err(
        r,
        "boot after halt in the same load fails with STATUS_INVALID_DEVICE_STATE",
        boot_again(dev),
        ERROR_BAD_COMMAND,
    );
}

fn panic(dev: Handle, r: &mut Report, image: Option<String>) {
    if !boot(dev, r) {
        return;
    }
    check_info(dev, r);
    if let Some(image) = &image {
        r.check(
            &format!("mount {image} and keep a file open before the panic"),
            crate::fsclient::mount_for_panic(dev, image),
        );
    }
    let mut out = [0u8; lx::PANIC_OUT_SIZE];
    let res = match ioctl(dev, proto::IOCTL_LINUX_PANIC_FOR_TEST, &lx::header(), &mut out)
        .map(|_| lx::PanicReply::decode(&out))
    {
        Ok(Some(p)) if p.errno == -5 && p.dead => Ok(()),
        other => Err(format!("got {other:?}, want errno -5 (EIO) and dead")),
    };
    r.check("forced Linux panic: the call returns EIO and the host marks the library dead", res);
    expect_err(
        r,
        "getpid/uname after the panic fail with STATUS_IO_DEVICE_ERROR",
        info(dev).map(|_| 0),
        ERROR_IO_DEVICE,
    );
    expect_err(
        r,
        "a second panic request fails with STATUS_IO_DEVICE_ERROR",
        ioctl(dev, proto::IOCTL_LINUX_PANIC_FOR_TEST, &lx::header(), &mut out),
        ERROR_IO_DEVICE,
    );
    expect_err(r, "boot after the panic fails with STATUS_INVALID_DEVICE_STATE", boot_again(dev), ERROR_BAD_COMMAND);
    if image.is_some() {
        let res = match crate::fsclient::create_after_panic(dev) {
            Err(e) if e.ends_with(&format!("error {ERROR_IO_DEVICE}")) => Ok(()),
            other => Err(format!("{other:?}")),
        };
        r.check("a file operation on the mounted volume after the panic fails with STATUS_IO_DEVICE_ERROR", res);
    }
    r.check("the control device still answers after the panic (counters)", counters(dev).map(|_| ()));
}

/// Boots, runs `body`, halts: the halt must leave no host allocation.
fn booted(dev: Handle, r: &mut Report, what: &str, body: impl FnOnce(&mut Report)) {
    if boot(dev, r) {
        body(r);
        let res = match halt(dev) {
            Ok(h) if h.errno == 0 && h.host_outstanding == 0 => Ok(()),
            other => Err(format!("{other:?}")),
        };
        r.check(&format!("halt after {what}: 0 host allocations outstanding"), res);
    }
}

/// The product build has no test parts: each of their requests, well formed,
/// is refused as the driver refuses any request it does not serve
/// (STATUS_INVALID_DEVICE_REQUEST, ERROR_INVALID_FUNCTION in Win32); the
/// rest of the driver works as in the test build.
fn product(dev: Handle, r: &mut Report) {
    let selftest = proto::SelfTestRequest::CURRENT.encode();
    expect_err(
        r,
        "product build: the self-test IOCTL is refused",
        ioctl(dev, proto::IOCTL_SELFTEST, &selftest, &mut vec![0u8; proto::SELFTEST_OUT_SIZE]),
        ERROR_INVALID_FUNCTION,
    );
    let image = crate::fsclient::wide_bytes("\\??\\C:\\lklfs-test\\disk.img");
    // The file IOCTL is a test tool: the product refuses it whole, whatever
    // it asks (programs reach files through the file system's IRPs). Each
    // request as the protocol wants it (delete names no file).
    for (op, what, name) in [
        (proto::fsops::Op::RamDiskCreate, "RAM disk create", &image[..]),
        (proto::fsops::Op::RamDiskSave, "RAM disk save", &image[..]),
        (proto::fsops::Op::RamDiskDelete, "RAM disk delete", &[][..]),
        (proto::fsops::Op::Mount, "image mount", &image[..]),
    ] {
        let mut req = proto::fsops::FsRequest::new(op);
        req.name = name;
        let mut out = vec![0u8; req.reply_size()];
        expect_err(
            r,
            &format!("product build: the file IOCTL ({what}) is refused (STATUS_INVALID_DEVICE_REQUEST)"),
            ioctl(dev, proto::IOCTL_FS, &req.encode(), &mut out),
            ERROR_INVALID_FUNCTION,
        );
    }
    if boot(dev, r) {
        check_info(dev, r);
        expect_err(
            r,
            "product build: the forced Linux panic is refused",
            ioctl(dev, proto::IOCTL_LINUX_PANIC_FOR_TEST, &lx::header(), &mut [0u8; lx::PANIC_OUT_SIZE]),
            ERROR_INVALID_FUNCTION,
        );
        check_info(dev, r);
        let res = match halt(dev) {
            Ok(h) if h.errno == 0 && h.host_outstanding == 0 => Ok(()),
            other => Err(format!("{other:?}")),
        };
        r.check("product build: Linux halts with zero host allocations", res);
    }
}

/// Runs one scenario; the exit status is non-zero on any failure.
pub(crate) fn run(mode: &str) -> i32 {
    let mut r = Report { passed: 0, failed: 0 };
    let dev = match open_device() {
        Ok(h) => h,
        Err(e) => {
            println!("not ok - open {}: error {e}", proto::USER_PATH);
            return 1;
        }
    };
    let arg = |i| std::env::args().nth(i).unwrap_or_default();
    match mode {
        "boot-halt" => boot_halt(dev, &mut r),
        "product" => product(dev, &mut r),
        "panic" => panic(dev, &mut r, std::env::args().nth(2)),
        "fs" => booted(dev, &mut r, "the file operations", |r| crate::fsclient::run(dev, r, &arg(2), &arg(3))),
        "fs-type" => {
            booted(dev, &mut r, "the file-system type checks", |r| crate::fstypes::run(dev, r, &arg(2), &arg(3)))
        }
        "cycle" => {
            let n = arg(3).parse().unwrap_or(0);
            booted(dev, &mut r, "the cycle", |r| crate::cyclebench::cycle(dev, r, &arg(2), n));
        }
        "model" => {
            let (seeds, steps) = (arg(3).parse().unwrap_or(0), arg(4).parse().unwrap_or(0));
            booted(dev, &mut r, "the model sequences", |r| crate::modelclient::run(dev, r, &arg(2), seeds, steps));
        }
        "suite" => booted(dev, &mut r, "the semantic suite", |r| {
            crate::suiteclient::run(dev, r, &arg(2), &arg(3), &arg(4), &arg(5))
        }),
        "stress" => {
            let (threads, files) = (arg(3).parse().unwrap_or(0), arg(4).parse().unwrap_or(0));
            booted(dev, &mut r, "the multi-volume stress", |r| {
                crate::stressclient::run(dev, r, &arg(2), threads, files)
            });
        }
        "bench" => booted(dev, &mut r, "the benchmark", |r| crate::cyclebench::bench(dev, r, &arg(2))),
        "offered" => {
            booted(dev, &mut r, "the offered volumes", |r| crate::offeredclient::run(dev, r, &arg(2), arg(3) == "1"))
        }
        "fs-ramdisk" => {
            let (exe, gpt, mbr, dirty) = (arg(3), arg(4), arg(5), arg(6));
            let (btrfs, xfs, corrupt) = (arg(7), arg(8), arg(9));
            let dirty = (!dirty.is_empty()).then_some(dirty.as_str());
            let exe = (!exe.is_empty()).then_some(exe.as_str());
            let parted = (!gpt.is_empty() && !mbr.is_empty()).then_some((gpt.as_str(), mbr.as_str()));
            booted(dev, &mut r, "the RAM-disk file operations", |r| {
                crate::ramdiskclient::run(dev, r, &arg(2), exe, parted, dirty);
                if let Some(exe) = exe.filter(|_| !btrfs.is_empty() && !xfs.is_empty()) {
                    r.check(
                        "lklfs.exe mount of a btrfs and an xfs image: each a removable disk of its size, mounted through part 1's path, a file written, an absolute symlink Linux made followed to it (its target under the disk's own device), lklfs.exe unmount by number removes the disk",
                        crate::attachclient::run(dev, exe, &[("btrfs", &btrfs), ("xfs", &xfs)]),
                    );
                }
                if let Some(exe) = exe.filter(|_| !corrupt.is_empty()) {
                    r.check(
                        "lklfs.exe mount of an image another program writes (exit 8, no disk) and of a damaged ext4 (the mount refused with STATUS_DISK_CORRUPT_ERROR, the disk removed)",
                        crate::attachclient::misuse(dev, exe, &arg(2), &corrupt),
                    );
                }
            })
        }
        // No boot first: the scenario proves foreign volumes never boot
        // Linux and that a mount does.
        "fsd" => {
            crate::fsdclient::run(dev, &mut r, &arg(2));
            let res = match halt(dev) {
                Ok(h) if h.errno == 0 && h.host_outstanding == 0 => Ok(()),
                other => Err(format!("{other:?}")),
            };
            r.check("halt after the file-system driver checks: 0 host allocations outstanding", res);
        }
        "fs-leave" => {
            if boot(dev, &mut r) {
                crate::fsclient::leave(dev, &mut r, &arg(2));
            }
        }
        "boot-leave" => {
            if boot(dev, &mut r) {
                check_info(dev, &mut r);
            }
        }
        other => r.check("scenario", Err(format!("unknown scenario {other:?}"))),
    }
    // SAFETY: we own the handle.
    unsafe { CloseHandle(dev) };
    println!("{} passed, {} failed", r.passed, r.failed);
    if r.failed == 0 { 0 } else { 1 }
}
