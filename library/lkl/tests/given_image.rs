//! Mounts a disk image that the caller made and names in LKL_TEST_IMAGE,
//! writes a tree, reads it back, unmounts and halts with every host
//! allocation returned. For platforms where the test cannot run mkfs itself
//! (the Windows build under Wine: tests/suites/40-windows-lkl.sh makes the
//! image on Linux and checks it with e2fsck afterwards). Without the
//! variable the case says so and passes.

use std::ffi::CString;
use std::sync::Arc;
use std::time::Duration;

use lkl::sys;
use lkl::{BootConfig, Kernel, MountOptions};
use lkl_abi::Host;
use lkl_std_host::{Console, FileDevice, StdHost};
use lkl_test_runner::{Case, check, ensure};

type R = Result<(), String>;

/// Deterministic content for file `i` (an LCG, so a corrupted byte shows).
fn content(i: u32, len: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9u32.wrapping_mul(i + 1);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

fn write_and_read_back() -> R {
    let Some(img) = std::env::var_os("LKL_TEST_IMAGE") else {
        println!("LKL_TEST_IMAGE not set: nothing to mount");
        return Ok(());
    };
    let host = StdHost::leak(Console::Stderr);
    let k = Kernel::boot(host, &BootConfig::default()).map_err(|e| e.to_string())?;
    let dev = FileDevice::open(img.as_ref(), false).map_err(|e| e.to_string())?;
    let disk = check!(k.add_disk(Arc::new(dev)), "add_disk");
    let m = k.mount_disk(&disk, &MountOptions::default()).map_err(|e| format!("mount: {e}"))?;
    let root = m.path.to_str().map_err(|_| "mount path is not UTF-8")?.to_string();
    println!("mounted {root} ({})", m.fstype);
    let dir = CString::new(format!("{root}/win")).unwrap();
    check!(k.mkdir(&dir, 0o755), "mkdir({dir:?})");
    let sizes = [0usize, 1, 4095, 4096, 65_537, 1 << 20, 3 << 20];
    for (i, &len) in sizes.iter().enumerate() {
        let p = CString::new(format!("{root}/win/f{i}")).unwrap();
        let fd = check!(k.open(&p, sys::O_CREAT | sys::O_WRONLY | sys::O_TRUNC, 0o644), "open({p:?})");
        let data = content(i as u32, len);
        let mut off = 0;
        while off < len {
            off += check!(k.write(fd, &data[off..(off + 256 * 1024).min(len)]), "write({p:?})");
        }
        check!(k.fsync(fd), "fsync({p:?})");
        check!(k.close(fd), "close");
    }
    check!(k.unmount(&m), "umount");
    // Read back through a fresh mount, so the data comes from the disk.
    let m = k.mount_disk(&disk, &MountOptions::default()).map_err(|e| format!("second mount: {e}"))?;
    for (i, &len) in sizes.iter().enumerate() {
        let p = CString::new(format!("{root}/win/f{i}")).unwrap();
        let fd = check!(k.open(&p, sys::O_RDONLY, 0), "open({p:?})");
        let mut got = vec![0u8; len + 1];
        let mut n = 0;
        loop {
            let r = check!(k.read(fd, &mut got[n..]), "read({p:?})");
            if r == 0 {
                break;
            }
            n += r;
        }
        check!(k.close(fd), "close");
        ensure!(n == len && got[..n] == content(i as u32, len)[..], "{p:?}: read back {n} bytes, want {len} identical");
    }
    println!("{} files, {} bytes written and read back", sizes.len(), sizes.iter().sum::<usize>());
    check!(k.unmount(&m), "umount");
    check!(k.remove_disk(disk), "remove_disk");
    check!(k.halt(), "halt");
    ensure!(host.mem_outstanding() == 0, "{} host allocations outstanding after halt", host.mem_outstanding());
    Ok(())
}

fn main() {
    lkl_test_runner::main(
        "given_image",
        &[Case { name: "write_and_read_back", timeout: Duration::from_secs(120), run: write_and_read_back }],
    )
}
