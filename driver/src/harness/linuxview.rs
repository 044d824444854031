//! Test build only: Linux's view of the harness's mounted volume (the file
//! IOCTL's `Op::Linux`), which the semantic suite holds beside what its
//! IRPs answered: the same calls on the same kernel that the suite makes
//! through fs-glue's `Vfs` when it runs without the driver. They run on the
//! harness thread (a host thread, so Linux may be entered) under the
//! volume's own lock, between IRPs, never during one.

use alloc::vec;

use driver_ioctl::suiteops::{LINUX_ERRNO, LinuxOp, Stat, StatFs};
use fs_glue::Vfs;
use lkl_abi::{Errno, sys};
use nt::DEVICE_OBJECT;

/// Runs `Op::Linux` (arg0 the operation, arg1 a chmod's mode, data its
/// path) on the volume of `volume`; (status, information) with the
/// payload in `out`. A Linux error is [`LINUX_ERRNO`] with the errno.
pub(super) fn run(volume: *mut DEVICE_OBJECT, args: [u32; 3], data: &[u8], out: &mut [u8]) -> (u32, u64) {
    // SAFETY: the harness's mounted volume device, alive while mounted.
    let Some(ext) = (unsafe { crate::fsd::volume::volume_of(volume) }) else {
        return (nt::STATUS_DEVICE_NOT_READY as u32, 0);
    };
    let mut mount = ext.mount.lock();
    let Some(m) = mount.as_mut() else { return (nt::STATUS_VOLUME_DISMOUNTED as u32, 0) };
    let Some(op) = LinuxOp::from_u32(args[0]) else { return (nt::STATUS_INVALID_PARAMETER as u32, 0) };
    if op == LinuxOp::OpenHandles {
        return (0, m.vcb.volume().open_handles() as u64);
    }
    let vfs = m.vcb.volume().vfs();
    let root = vfs.root();
    let result: Result<u64, Errno> = match op {
        LinuxOp::Lstat => {
            let mask = sys::STATX_BASIC_STATS | sys::STATX_BTIME;
            vfs.statx(root, data, sys::AT_SYMLINK_NOFOLLOW, mask).map(|st| put(out, &stat(&st).encode()))
        }
        LinuxOp::Chmod => vfs.fchmodat(root, data, args[1]).map(|()| 0),
        // decode() checked the NUL between path and target.
        LinuxOp::Symlink => match data.split(|&c| c == 0).collect::<alloc::vec::Vec<_>>()[..] {
            [path, target] => vfs.symlinkat(target, root, path).map(|()| 0),
            _ => Err(Errno::EINVAL),
        },
        LinuxOp::Readlink => {
            let mut target = vec![0u8; out.len()];
            vfs.readlinkat(root, data, &mut target).map(|n| put(out, target.get(..n).unwrap_or(&[])))
        }
        LinuxOp::Statfs => vfs.fstatfs(root).map(|s| {
            let r = StatFs { bsize: s.f_bsize, blocks: s.f_blocks, bfree: s.f_bfree, bavail: s.f_bavail };
            put(out, &r.encode())
        }),
        LinuxOp::MakeFile => vfs
            .openat(root, data, sys::O_CREAT | sys::O_EXCL | sys::O_WRONLY, 0o644)
            .and_then(|fd| vfs.close(fd))
            .map(|()| 0),
        LinuxOp::Label => {
            let mut label = [0u8; sys::FSLABEL_MAX];
            vfs.get_fs_label(root, &mut label).map(|()| {
                let n = label.iter().position(|&c| c == 0).unwrap_or(label.len());
                put(out, label.get(..n).unwrap_or(&[]))
            })
        }
        LinuxOp::GetXattr | LinuxOp::SetXattr | LinuxOp::ListXattr => xattr(vfs, op, data, out),
        LinuxOp::OpenHandles => Ok(0),
    };
    match result {
        Ok(n) => (0, n),
        Err(e) => (LINUX_ERRNO, e.0 as u64),
    }
}

/// The xattr calls, through a descriptor of the path (Linux refuses an
/// O_PATH one); decode() checked the NULs between path, name and value.
fn xattr<V: Vfs>(vfs: &V, op: LinuxOp, data: &[u8], out: &mut [u8]) -> Result<u64, Errno> {
    let mut parts = data.splitn(if op == LinuxOp::SetXattr { 3 } else { 2 }, |&c| c == 0);
    let path = parts.next().unwrap_or(&[]);
    let (name, value) = (parts.next().unwrap_or(&[]), parts.next().unwrap_or(&[]));
    let fd = vfs.openat(vfs.root(), path, sys::O_RDONLY | sys::O_NOFOLLOW | sys::O_NONBLOCK, 0)?;
    let r = match op {
        LinuxOp::GetXattr => vfs.fgetxattr(fd, name, out).map(|n| n as u64),
        LinuxOp::SetXattr => vfs.fsetxattr(fd, name, value, 0).map(|()| 0),
        _ => vfs.flistxattr(fd, out).map(|n| n as u64),
    };
    let _ = vfs.close(fd);
    r
}

/// Copies what fits of `bytes` into `out`; the bytes copied.
fn put(out: &mut [u8], bytes: &[u8]) -> u64 {
    let mut n = 0;
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = *b;
        n += 1;
    }
    n
}

fn stat(s: &sys::Statx) -> Stat {
    let t = |t: &sys::StatxTimestamp| (t.tv_sec, t.tv_nsec);
    Stat {
        mask: s.stx_mask,
        nlink: s.stx_nlink,
        uid: s.stx_uid,
        gid: s.stx_gid,
        mode: u32::from(s.stx_mode),
        ino: s.stx_ino,
        size: s.stx_size,
        blocks: s.stx_blocks,
        times: [t(&s.stx_atime), t(&s.stx_btime), t(&s.stx_ctime), t(&s.stx_mtime)],
    }
}
