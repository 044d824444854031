//! `lklfs.exe mount` of btrfs and xfs images (issue "Volumes in Explorer",
//! tests): each becomes a disk of the driver whose answers to the whole
//! IOCTL set (and refusals of others) are checked, part 1's mount path mounts the file system on it, a
//! file written there is on the image after `lklfs.exe unmount` (the suite
//! checks each image with its own checker and the host kernel), and the
//! disk is gone.

use crate::fsclient::{FILE_CREATE, handle_op, mount_device, open, unmount, want, write};
use crate::status::STATUS_SUCCESS;
use crate::win::Handle;

/// What each image's `/attached.txt` holds (the suite reads it back).
fn text(fs_type: &str) -> String {
    format!("written through lklfs mount on {fs_type}")
}

/// `lklfs.exe ARGS`: its exit code and what it printed (both streams).
fn run_lklfs(exe: &str, args: &[&str]) -> Result<(i32, String), String> {
    let o = std::process::Command::new(exe).args(args).output().map_err(|e| format!("run lklfs: {e}"))?;
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    Ok((o.status.code().unwrap_or(-1), all))
}

/// `images`: (type, Windows path) of each.
pub(crate) fn run(dev: Handle, lklfs_exe: &str, images: &[(&str, &str)]) -> Result<(), String> {
    let lklfs = |args: &[&str]| run_lklfs(lklfs_exe, args);
    for &(fs_type, file) in images {
        let (c, said) = lklfs(&["mount", file])?;
        // Under Wine the Mount Manager gives no letter (exit 1, the disk
        // kept); on Windows it exits 0.
        if !(c == 0 || (c == 1 && said.contains("the Mount Manager gave none"))) {
            return Err(format!("lklfs mount {file}: exit {c}: {said}"));
        }
        let listed = crate::diskctlclient::list(dev)?;
        let path = format!("\\??\\{file}");
        let Some(d) = listed.iter().find(|d| d.nt_path() == path) else {
            return Err(format!("lklfs list after mounting {file}: {listed:?}"));
        };
        let device = driver_ioctl::fsops::image_disk_name(d.number);
        // The list names the file system, read from the image.
        let (c, said) = lklfs(&["list"])?;
        if c != 0 || !said.contains(&format!("{device} {fs_type} rw idle")) {
            return Err(format!("lklfs list with {file} attached: exit {c}: {said}"));
        }
        let size = std::fs::metadata(file).map_err(|e| format!("{file}: {e}"))?.len();
        crate::diskctlclient::removable_disk(&device, size, &path)?;
        want(mount_device(dev, &device, false)?, STATUS_SUCCESS, &format!("mount {fs_type} on {device}"))?;
        let written = (|| {
            let f = open(dev, "\\attached.txt", FILE_CREATE, 0)?;
            let w = write(dev, f, 0, text(fs_type).as_bytes());
            handle_op(dev, driver_ioctl::fsops::Op::Close, f)?;
            w?;
            absolute_link_followed(dev, &device, fs_type)
        })();
        want(unmount(dev)?, STATUS_SUCCESS, "unmount")?;
        written?;
        let number = d.number.to_string();
        let (c, said) = lklfs(&["unmount", &number])?;
        if c != 0 || !said.contains("removed") {
            return Err(format!("lklfs unmount {number}: exit {c}: {said}"));
        }
    }
    match crate::diskctlclient::list(dev)?.is_empty() {
        true => Ok(()),
        false => Err("image disks left after the unmounts".to_string()),
    }
}

/// An absolute symlink made by Linux (`/abs` -> `/attached.txt`) on a disk
/// `lklfs mount` made: its reparse answer leads to the disk's own device
/// (`\Device\LklfsImageN\attached.txt`), which the harness follows as the
/// I/O manager would, to the file (the link stays: the suite finds it on
/// the image).
fn absolute_link_followed(dev: Handle, device: &str, fs_type: &str) -> Result<(), String> {
    use driver_ioctl::fsops::{FsRequest, Op};
    use driver_ioctl::suiteops::LinuxOp;
    let mut r = FsRequest::new(Op::Linux);
    r.args = [LinuxOp::Symlink as u32, 0, 0];
    let data = b"abs\0/attached.txt".to_vec();
    r.data = &data;
    want(crate::fsclient::call(dev, &r)?, STATUS_SUCCESS, "symlink /abs -> /attached.txt")?;
    let f = open(dev, "\\abs", crate::fsclient::FILE_OPEN, 0)
        .map_err(|e| format!("{fs_type}: an absolute link on {device} is not followed: {e}"))?;
    let got = crate::fsclient::read(dev, f, 0, 256);
    handle_op(dev, Op::Close, f)?;
    if got? != text(fs_type).as_bytes() {
        return Err(format!("{fs_type}: /abs on {device} did not lead to /attached.txt"));
    }
    Ok(())
}

/// Misuse that only shows once the file system is asked: another program
/// writing the image (refused before a disk is made: exit 8), and a
/// damaged file system (`corrupt`, an ext4 with its group descriptors
/// zeroed), which `lklfs mount` attaches and the mount then refuses with
/// STATUS_DISK_CORRUPT_ERROR (on Windows the tool opens the new drive and
/// reports it, exit 5; here the Mount Manager gives no drive to open, so
/// the harness mounts it), its disk then removed by `lklfs unmount`. The
/// suite finds the damaged image byte for byte as it was.
pub(crate) fn misuse(dev: Handle, lklfs_exe: &str, image: &str, corrupt: &str) -> Result<(), String> {
    let lklfs = |args: &[&str]| run_lklfs(lklfs_exe, args);
    {
        let _writer = std::fs::OpenOptions::new().write(true).open(image).map_err(|e| format!("{image}: {e}"))?;
        match lklfs(&["mount", image, "L:"])? {
            (8, said) if said.contains("another program has the image open for writing") => {}
            other => return Err(format!("lklfs mount of an image open for writing: {other:?}, want exit 8")),
        }
    }
    if !crate::diskctlclient::list(dev)?.is_empty() {
        return Err("a disk was made for an image open for writing".to_string());
    }
    let (c, said) = lklfs(&["mount", corrupt])?;
    if !(c == 5 || (c == 1 && said.contains("the Mount Manager gave none"))) {
        return Err(format!("lklfs mount {corrupt}: exit {c}: {said}"));
    }
    if c == 1 {
        let device = driver_ioctl::fsops::image_disk_name(0);
        let r = mount_device(dev, &device, false)?;
        let refused = want(r, nt::STATUS_DISK_CORRUPT_ERROR as u32, "mount of the damaged file system");
        let (c, said) = lklfs(&["unmount", "0"])?;
        refused?;
        if c != 0 {
            return Err(format!("lklfs unmount 0 after the refused mount: exit {c}: {said}"));
        }
    }
    match crate::diskctlclient::list(dev)?.is_empty() {
        true => Ok(()),
        false => Err("a disk was left for the damaged image".to_string()),
    }
}
