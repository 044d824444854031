//! The mounted image and the file operations of [`driver_ioctl::IOCTL_FS`],
//! each run through fs-glue on a worker thread.
//!
//! One volume at a time, on an image file (`ntdisk.rs`) or a lower disk
//! device (`lowerdisk.rs`), through the same code. The image file or device
//! is opened on the dispatch thread (the caller's context; see those
//! files); everything that enters Linux (add the disk, mount, the glue's
//! syscalls, unmount, remove the disk) runs on a worker. The test-only RAM
//! disk operations (`ramdisk.rs`) need no Linux and run on the dispatch
//! thread.

use alloc::sync::Arc;
use alloc::vec::Vec;

use driver_ioctl::fsops::{self, FsRequest, Op};
use fs_glue::{CreateParams, Handle, NtStatus, QueryDirParams, RenameFlags, Volume};
use lkl::vfs::KernelVfs;
use lkl::{Disk, Kernel, MountOptions, Mounted};
use lkl_abi::BlockDevice;
use nt::NTSTATUS;

use crate::linux::{self, Live};
use crate::lowerdisk::LowerDisk;
use crate::ntdisk::ImageFile;
#[cfg(feature = "testing")]
use crate::ramdisk;
use crate::workers;

/// Share access of every create: the test interface never locks others out.
const SHARE_ALL: u32 = 7;
/// FILE_ATTRIBUTE_NORMAL.
const ATTRIBUTE_NORMAL: u32 = 0x80;
/// FILE_DISPOSITION_DELETE.
const DISPOSITION_DELETE: u32 = 1;

/// The mounted volume.
pub struct Mount {
    volume: Volume<KernelVfs>,
    mounted: Mounted,
    disk: Disk,
}

// Own code, not widestring: the request carries the name as unaligned
// little-endian bytes, which widestring cannot view or decode.
fn utf16(bytes: &[u8]) -> Vec<u16> {
    bytes.chunks_exact(2).filter_map(|c| <[u8; 2]>::try_from(c).ok()).map(u16::from_le_bytes).collect()
}

/// Runs one file-system request. `input` is an owned copy of the request
/// (input and output share the system buffer); `out` is the reply buffer,
/// exactly `16 + out_len` bytes. PASSIVE_LEVEL, on the caller's thread.
pub fn request(input: &[u8], out: &mut [u8]) -> NTSTATUS {
    let req = match FsRequest::decode(input, out.len()) {
        Ok(r) => r,
        Err(_) => return nt::STATUS_INVALID_PARAMETER,
    };
    let name = utf16(req.name);
    #[cfg(feature = "testing")]
    let ramdisk_reply = match req.op {
        Op::RamDiskCreate => Some(ramdisk::create(req.args[0], &name)),
        Op::RamDiskSave => Some(ramdisk::save(req.args[0], &name)),
        Op::RamDiskDelete => Some(ramdisk::delete(req.args[0])),
        _ => None,
    };
    // The product build has no RAM disks.
    #[cfg(not(feature = "testing"))]
    let ramdisk_reply = match req.op {
        Op::RamDiskCreate | Op::RamDiskSave | Op::RamDiskDelete => Some((nt::STATUS_INVALID_DEVICE_REQUEST as u32, 0)),
        _ => None,
    };
    if let Some((status, information)) = ramdisk_reply {
        fsops::encode_reply_header(out, status, information);
        return nt::STATUS_SUCCESS;
    }
    // A lower device (a test RAM disk) is mounted the way Windows mounts a
    // disk, and its files reached the way programs reach them: through the
    // IRP harness and the file-system driver.
    if let Some(r) = through_harness(&req, &name, out) {
        return r;
    }
    let read_only = req.args[0] & fsops::MOUNT_READ_ONLY != 0;
    // The image or device is opened here, on the requesting thread, before
    // any state is touched or a worker is involved.
    let image = if req.op == Op::Mount {
        let opened = if req.args[0] & fsops::MOUNT_LOWER_DEVICE != 0 {
            LowerDisk::open(&name, read_only).map(|d| Arc::new(d) as Arc<dyn BlockDevice>)
        } else {
            ImageFile::open(&name, read_only).map(|f| Arc::new(f) as Arc<dyn BlockDevice>)
        };
        match opened {
            Ok(d) => Some(d),
            Err(status) => {
                fsops::encode_reply_header(out, status as u32, 0);
                return nt::STATUS_SUCCESS;
            }
        }
    } else {
        None
    };
    linux::with_live(|live| {
        let (status, information) = match (req.op, image) {
            (Op::Mount, Some(image)) => {
                if live.mount.is_some() {
                    return linux::STATUS_WRONG_STATE;
                }
                // decode() accepted only known types.
                let fstype = fsops::FsType::from_u32(req.args[1]).and_then(|t| t.linux_name());
                mount(live, image, read_only, fstype)
            }
            (Op::Mount, None) => return nt::STATUS_INTERNAL_ERROR,
            (Op::Unmount, _) => match live.mount.take() {
                None => return linux::STATUS_NOT_BOOTED,
                Some(m) if m.volume.open_handles() > 0 => {
                    live.mount = Some(m);
                    return linux::STATUS_WRONG_STATE;
                }
                Some(m) => {
                    let (status, stuck) = unmount_keeping(&live.kernel, *m);
                    live.stuck.extend(stuck);
                    (status, 0)
                }
            },
            (op, _) => {
                let Some(m) = live.mount.as_mut() else { return linux::STATUS_NOT_BOOTED };
                // `FsRequest::decode` accepted `out`, so it holds the header.
                let Some(payload) = out.get_mut(fsops::REPLY_HEADER..) else { return nt::STATUS_INVALID_PARAMETER };
                let mut result = (NtStatus::SUCCESS, 0);
                workers::run(|| result = file_op(&mut m.volume, op, &req, &name, payload));
                result
            }
        };
        fsops::encode_reply_header(out, status.0, information);
        nt::STATUS_SUCCESS
    })
}

/// The request as IRPs when it is the harness's: a lower-device mount, or
/// any operation while the harness has a volume mounted.
fn through_harness(req: &FsRequest<'_>, name: &[u16], out: &mut [u8]) -> Option<NTSTATUS> {
    let (status, information) = match req.op {
        Op::Mount if req.args[0] & fsops::MOUNT_LOWER_DEVICE != 0 => {
            if crate::harness::is_mounted() || linux::with_live(|live| if live.mount.is_some() { 1 } else { 0 }) == 1 {
                return Some(linux::STATUS_WRONG_STATE);
            }
            (crate::harness::mount(name, req.args[0] & fsops::MOUNT_READ_ONLY != 0) as u32, 0)
        }
        _ if !crate::harness::is_mounted() => return None,
        Op::Mount => return Some(linux::STATUS_WRONG_STATE),
        Op::Unmount => match crate::harness::unmount() {
            Some(s) if s == linux::STATUS_WRONG_STATE => return Some(s),
            Some(s) => (s as u32, 0),
            None => return None,
        },
        _ => {
            let payload = out.get_mut(fsops::REPLY_HEADER..)?;
            crate::harness::op(req, name, payload)
        }
    };
    fsops::encode_reply_header(out, status, information);
    Some(nt::STATUS_SUCCESS)
}

fn file_op(
    v: &mut Volume<KernelVfs>,
    op: Op,
    req: &FsRequest<'_>,
    name: &[u16],
    payload: &mut [u8],
) -> (NtStatus, u64) {
    let h = Handle(req.handle);
    let done = |r: Result<(), NtStatus>| (r.err().unwrap_or(NtStatus::SUCCESS), 0);
    // A query's status (success or buffer overflow) and the bytes it wrote.
    let written = |r: Result<fs_glue::Written, NtStatus>| r.map_or_else(|s| (s, 0), |w| (w.status, w.len as u64));
    match op {
        Op::Create => {
            let p = CreateParams {
                related: None,
                name,
                desired_access: req.args[2],
                file_attributes: ATTRIBUTE_NORMAL,
                share_access: SHARE_ALL,
                disposition: req.args[0],
                options: req.args[1],
            };
            let r = v.create(&p);
            if let Some(h) = r.handle {
                payload.copy_from_slice(&h.0.to_le_bytes());
            }
            (r.status, r.information)
        }
        Op::Close => done(v.close(h)),
        Op::Read => match v.read(h, Some(req.offset), payload) {
            Ok(n) => (NtStatus::SUCCESS, n as u64),
            Err(s) => (s, 0),
        },
        Op::Write => match v.write(h, Some(req.offset), req.data) {
            Ok(n) => (NtStatus::SUCCESS, n as u64),
            Err(s) => (s, 0),
        },
        Op::QueryDirectory => {
            let p = QueryDirParams {
                class: req.args[0],
                pattern: if name.is_empty() { None } else { Some(name) },
                restart: req.args[1] & 1 != 0,
                single: req.args[1] & 2 != 0,
                index: None,
            };
            written(v.query_directory(h, &p, payload))
        }
        Op::Rename => {
            done(v.rename(h, name, RenameFlags { replace: req.args[0] & 1 != 0, posix: false, ignore_readonly: false }))
        }
        Op::QueryInformation => written(v.query_information(h, req.args[0], payload)),
        Op::SetInformation => done(v.set_information(h, req.args[0], req.data)),
        Op::QueryVolumeInformation => written(v.query_volume_information(req.args[0], payload)),
        Op::Delete => done(v.set_disposition(h, DISPOSITION_DELETE)),
        // Handled by `request`.
        Op::Mount | Op::Unmount | Op::RamDiskCreate | Op::RamDiskSave | Op::RamDiskDelete => {
            (NtStatus::INVALID_DEVICE_REQUEST, 0)
        }
    }
}

/// Adds the image or device as a disk, mounts it (the type given, or
/// detected) and roots a volume at the mount point, on a worker. The
/// fs-glue status of the outcome.
fn mount(
    live: &mut Live,
    image: Arc<dyn BlockDevice>,
    read_only: bool,
    fstype: Option<&'static str>,
) -> (NtStatus, u64) {
    let k = live.kernel.clone();
    let mut image = Some(image);
    let mut result = Err(NtStatus::UNSUCCESSFUL);
    workers::run(|| {
        let Some(image) = image.take() else { return };
        result = mount_on_worker(&k, image, read_only, fstype);
    });
    match result {
        Ok(m) => {
            live.mount = Some(alloc::boxed::Box::new(m));
            (NtStatus::SUCCESS, 0)
        }
        Err(s) => (s, 0),
    }
}

fn mount_on_worker(
    k: &Arc<Kernel>,
    image: Arc<dyn BlockDevice>,
    read_only: bool,
    fstype: Option<&str>,
) -> Result<Mount, NtStatus> {
    let disk = k.add_disk(image)?;
    let opts = MountOptions { read_only, fstype: fstype.map(Into::into), ..Default::default() };
    let mounted = match k.mount_disk(&disk, &opts) {
        Ok(m) => m,
        Err(e) => {
            let _ = k.remove_disk(disk);
            // A disk with no file system Linux knows is an unrecognised
            // volume to Windows; other failures keep their errno's status.
            return Err(if e.errno == lkl::Errno::EINVAL {
                NtStatus::UNRECOGNIZED_VOLUME
            } else {
                NtStatus::from(e.errno)
            });
        }
    };
    let vfs = match KernelVfs::new(k.clone(), &mounted.path) {
        Ok(v) => v,
        Err(e) => {
            let _ = k.unmount(&mounted);
            let _ = k.remove_disk(disk);
            return Err(e.into());
        }
    };
    let opts = fs_glue::MountOptions { read_only, fs_name: mounted.fstype.clone(), ..Default::default() };
    Ok(Mount { volume: Volume::new(vfs, opts), mounted, disk })
}

/// Unmounts on a worker: the volume's root and open files close, umount2
/// writes every dirty block to the image, the disk goes (and with it the
/// image handle). A disk that could not be removed (its file system did not
/// unmount, e.g. after a Linux panic) is handed back for
/// `Kernel::halt_releasing`.
pub fn unmount_keeping(k: &Arc<Kernel>, m: Mount) -> (NtStatus, Option<Disk>) {
    let mut m = Some(m);
    let mut status = NtStatus::SUCCESS;
    let mut stuck = None;
    workers::run(|| {
        let Some(Mount { volume, mounted, disk }) = m.take() else { return };
        drop(volume);
        status = match k.unmount(&mounted) {
            Ok(()) => match k.remove_disk(disk) {
                Ok(()) => NtStatus::SUCCESS,
                Err(e) => e.into(),
            },
            // Still mounted: the disk must stay until halt.
            Err(e) => {
                stuck = Some(disk);
                e.into()
            }
        };
    });
    (status, stuck)
}
