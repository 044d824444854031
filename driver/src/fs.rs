//! Test build only: the file operations of [`driver_ioctl::IOCTL_FS`], the
//! test client's way in. Each becomes the IRPs a Windows program's call
//! would make, sent by the harness (`harness.rs`) to the file-system driver:
//! a mount is IRP_MN_MOUNT_VOLUME on a disk device (a RAM disk, or the
//! harness's image disk over an image file opened here, in the caller's
//! context), and every file operation goes to the mounted volume's device.
//! The RAM disk operations (`ramdisk.rs`) need no Linux and run on the
//! dispatch thread.

use alloc::vec::Vec;

use driver_ioctl::fsops::{self, FsRequest, Op};
use driver_ioctl::mountopts::MountSettings;
use nt::NTSTATUS;

use crate::{harness, linux, ramdisk};

// Own code, not widestring: the request carries the name as unaligned
// little-endian bytes, which widestring cannot view or decode.
fn utf16(bytes: &[u8]) -> Vec<u16> {
    bytes.chunks_exact(2).filter_map(|c| <[u8; 2]>::try_from(c).ok()).map(u16::from_le_bytes).collect()
}

/// The `TYPE:PATH` lines of a stress request.
fn stress_images(name: &[u16]) -> Option<Vec<(Option<&'static str>, Vec<u16>)>> {
    let mut images = Vec::new();
    for line in name.split(|&u| u == u16::from(b'\n')).filter(|l| !l.is_empty()) {
        let colon = line.iter().position(|&u| u == u16::from(b':'))?;
        let (ty, path) = line.split_at(colon);
        let ty: alloc::string::String = char::decode_utf16(ty.iter().copied()).collect::<Result<_, _>>().ok()?;
        let given = ["ext4", "btrfs", "xfs", "vfat"].into_iter().find(|&t| t == ty)?;
        images.push((Some(given), path.get(1..)?.to_vec()));
    }
    (1..=crate::disk::IMAGE_DISKS as usize).contains(&images.len()).then_some(images)
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
    let ramdisk_reply = match req.op {
        Op::RamDiskCreate => Some(ramdisk::create(req.args[0], &name)),
        Op::RamDiskSave => Some(ramdisk::save(req.args[0], &name)),
        Op::RamDiskDelete => Some(ramdisk::delete(req.args[0])),
        _ => None,
    };
    if let Some((status, information)) = ramdisk_reply {
        fsops::encode_reply_header(out, status, information);
        return nt::STATUS_SUCCESS;
    }
    // Linux's state answers first, as the control requests do.
    if let Some(s) = linux::refusal(req.op == Op::Mount) {
        return s;
    }
    let (status, information) = match req.op {
        Op::Mount if harness::is_mounted() => return linux::STATUS_WRONG_STATE,
        Op::Mount => {
            let read_only = req.args[0] & fsops::MOUNT_READ_ONLY != 0;
            let (status, number) = if req.args[0] & fsops::MOUNT_LOWER_DEVICE != 0 {
                harness::mount(&name, read_only, req.args[0] & fsops::MOUNT_OFFERED != 0)
            } else {
                // decode() accepted only known types.
                let given = fsops::FsType::from_u32(req.args[1]).and_then(|t| t.linux_name());
                // decode() accepted the data: none, or valid settings.
                let settings = MountSettings::decode(req.data);
                harness::mount_image(&name, read_only, given, settings)
            };
            (status as u32, number)
        }
        Op::Stress => {
            let Some(images) = stress_images(&name) else { return nt::STATUS_INVALID_PARAMETER };
            let pull_last = req.args[2] == fsops::STRESS_PULL_LAST;
            let (status, irps) = harness::stress(&images, req.args[0], req.args[1], pull_last);
            (status as u32, irps)
        }
        Op::Shutdown => (harness::shutdown() as u32, 0),
        Op::Unmount => match harness::unmount() {
            None => return linux::STATUS_NOT_BOOTED,
            Some(s) if s == linux::STATUS_WRONG_STATE => return s,
            Some(s) => (s as u32, 0),
        },
        _ if !harness::is_mounted() => return linux::STATUS_NOT_BOOTED,
        _ => {
            // `FsRequest::decode` accepted `out`, so it holds the header.
            let Some(payload) = out.get_mut(fsops::REPLY_HEADER..) else { return nt::STATUS_INVALID_PARAMETER };
            harness::op(&req, &name, payload)
        }
    };
    fsops::encode_reply_header(out, status, information);
    nt::STATUS_SUCCESS
}
