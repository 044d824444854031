//! IRP_MN_MOUNT_VOLUME and IRP_MN_VERIFY_VOLUME, at the file-system device.
//!
//! Windows offers every new volume to every file system, so the decision is
//! quick and needs no Linux: the first 68 KiB are read through the target
//! device and `fs_probe` recognises ext2/3/4, btrfs and xfs (and FAT, which
//! is left to Windows' own fastfat). Anything else is answered
//! STATUS_UNRECOGNIZED_VOLUME on the caller's thread. A recognised volume
//! is posted to a worker, which boots Linux if it is not running yet,
//! mounts the disk through the lower-device `BlockDevice`, creates the
//! volume device and fills the VPB.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use core::mem::size_of;
use core::ptr;
use core::sync::atomic::AtomicBool;

use driver_ioctl::mountopts::{self, MountSettings};
use fs_glue::Volume;
use fs_probe::VolumeId;
use lkl::vfs::KernelVfs;
use lkl_abi::BlockDevice;
use lkl_ntk_host::sync::Mutex;
use nt::{DEVICE_OBJECT, DRIVER_OBJECT, NTSTATUS, VPB};

use super::irp::Irp;
use super::volume::{self, Mount, NODE_VCB, VolumeExt};
use crate::linux;
use crate::lowerdisk::LowerDisk;

/// Addresses of the request's objects, for the worker.
struct Target {
    driver: usize,
    vpb: usize,
    device: usize,
    /// The volume's number in this load (the test build names its device
    /// after it).
    #[cfg(feature = "testing")]
    number: u32,
    /// The mount options the user gave for the disk (lklfs made it).
    settings: Option<MountSettings>,
    /// Where absolute symlinks lead when no settings say
    /// (`disk::default_link_root`).
    link_root: Option<String>,
    /// A volume Windows offers by itself (not on a disk lklfs made).
    offered: bool,
}

/// Volumes mounted in this load, for the test build's device names.
#[cfg(feature = "testing")]
static MOUNTED: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// IRP_MN_MOUNT_VOLUME. PASSIVE_LEVEL, on the caller's thread.
pub(super) fn mount(irp: Irp, driver: *mut DRIVER_OBJECT) -> NTSTATUS {
    // SAFETY: MOUNT_VOLUME's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.MountVolume };
    if p.Vpb.is_null() || p.DeviceObject.is_null() {
        return irp.complete(nt::STATUS_INVALID_PARAMETER, 0);
    }
    // SAFETY: the I/O manager keeps the target alive during the mount.
    let disk = match unsafe { LowerDisk::from_device(p.DeviceObject, false) } {
        Ok(d) => d,
        Err(s) => {
            #[cfg(feature = "testing")]
            {
                lkl_ntk_host::print::print_fmt(format_args!("lklfs: mount refused: disk: {s:#x}\n"));
            }
            let _ = s;
            return irp.complete(nt::STATUS_UNRECOGNIZED_VOLUME, 0);
        }
    };
    let len = fs_probe::HEAD_LEN.min(disk.size() as usize);
    let mut head = vec![0u8; len];
    let read = disk.read_at(&mut head, 0);
    let recognised = read.ok().and_then(|()| fs_probe::identify(&head));
    // A type the user named for the disk (lklfs made the disk for an
    // image given with its type) must be the one found; FAT is mounted only
    // on such a disk given as vfat (Windows mounts FAT itself).
    let (given, settings) = crate::disk::given(p.DeviceObject);
    let acceptable = |v: &fs_probe::Volume| match given {
        Some(t) => v.kind.linux_driver() == t,
        // A volume Windows offers: the kinds the service's FileSystems
        // parameter claims (FAT never).
        None => v.kind.mounted_by_default() && crate::params::claims(v.kind),
    };
    #[cfg(feature = "testing")]
    let found = recognised.as_ref().map(|v| v.kind);
    let Some(vol) = recognised.filter(acceptable) else {
        #[cfg(feature = "testing")]
        {
            lkl_ntk_host::print::print_fmt(format_args!(
                "lklfs: mount refused: {} bytes read, found {:?}, given {:?}\n",
                head.len(),
                found,
                given
            ));
        }
        return irp.complete(nt::STATUS_UNRECOGNIZED_VOLUME, 0);
    };
    let t = Target {
        driver: driver as usize,
        vpb: p.Vpb as usize,
        device: p.DeviceObject as usize,
        #[cfg(feature = "testing")]
        number: MOUNTED.fetch_add(1, core::sync::atomic::Ordering::SeqCst),
        settings,
        link_root: crate::disk::default_link_root(p.DeviceObject),
        offered: !crate::disk::asked(p.DeviceObject),
    };
    volume::post_irp(irp, move |irp| {
        let status = mount_on_worker(&t, disk, &vol);
        volume::complete_posted(irp, status, 0);
    })
}

/// Why a volume Windows offers by itself is mounted read-only, if it is: a
/// journal or log that needs recovery is never replayed on the disk (the
/// Linux that left it may come back to it: a hibernated one would find its
/// file system changed), and without the service's `WriteOfferedVolumes`
/// plugging a disk in never writes to it.
fn kept_read_only(vol: &fs_probe::Volume) -> Option<&'static str> {
    match vol.needs_recovery {
        Some(true) => Some("its journal needs recovery (replayed in memory only)"),
        None => Some("whether its log needs recovery is not known before the mount (xfs)"),
        Some(false) if !crate::params::writes_offered() => Some("the service's WriteOfferedVolumes is 0"),
        Some(false) => None,
    }
}

/// The status a failed Linux mount is reported with, after a log line: a
/// recognised volume that does not mount is worth one.
fn mount_status(step: &str, e: lkl::Errno) -> NTSTATUS {
    lkl_ntk_host::print::print_fmt(format_args!("lklfs: mount failed: {step}: errno {}\n", e.0));
    match e {
        // The kernel's "structure needs cleaning" (EFSCORRUPTED).
        lkl::Errno::EUCLEAN => nt::STATUS_DISK_CORRUPT_ERROR,
        lkl::Errno::EINVAL => nt::STATUS_UNRECOGNIZED_VOLUME,
        e => fs_glue::NtStatus::from(e).0 as NTSTATUS,
    }
}

fn mount_on_worker(t: &Target, disk: LowerDisk, vol: &fs_probe::Volume) -> NTSTATUS {
    let kernel = match linux::kernel_for_mount() {
        Ok(k) => k,
        Err(s) => return s,
    };
    // A write-protected disk is mounted read-only, as Windows' own file
    // systems do. Linux sees it writable through an in-memory overlay, so a
    // journal that needs recovery (a Linux that hibernated or crashed) is
    // replayed there and never on the disk, as `lklfs --ro` does.
    let kept = if t.offered { kept_read_only(vol) } else { None };
    if let Some(why) = kept {
        lkl_ntk_host::print::print_fmt(format_args!("lklfs: a volume Windows offered is mounted read-only: {why}\n"));
    }
    let read_only = disk.read_only() || kept.is_some();
    let ldisk_sector = disk.sector_size();
    let device: Arc<dyn lkl_abi::BlockDevice> =
        if read_only { Arc::new(lkl_abi::CowDevice::new(Arc::new(disk))) } else { Arc::new(disk) };
    let ldisk = match kernel.add_disk(device) {
        Ok(d) => d,
        Err(e) => return mount_status("add the disk", e),
    };
    let opts = lkl::MountOptions { fstype: Some(vol.kind.linux_driver().into()), read_only, ..Default::default() };
    let mounted = match kernel.mount_disk(&ldisk, &opts) {
        Ok(m) => m,
        Err(e) => {
            let _ = kernel.remove_disk(ldisk);
            return mount_status("mount", e.errno);
        }
    };
    let vfs = match KernelVfs::new(kernel.clone(), &mounted.path) {
        Ok(v) => v,
        Err(e) => {
            let _ = kernel.unmount(&mounted);
            let _ = kernel.remove_disk(ldisk);
            return mount_status("open the root", e);
        }
    };
    let uuid = match vol.id {
        VolumeId::Uuid(u) => u,
        VolumeId::FatSerial(s) => {
            let mut u = [0u8; 16];
            u[..4].copy_from_slice(&s.to_be_bytes());
            u
        }
    };
    let mut gopts = fs_glue::MountOptions {
        read_only,
        fs_name: String::from(vol.kind.name()),
        label: vol.label_text(),
        uuid,
        object_id: matches!(vol.id, VolumeId::Uuid(_)),
        // Windows follows links itself (and applies its symlink policy):
        // a link in a name comes back to it as STATUS_REPARSE.
        reparse_links: true,
        sector_size: ldisk_sector,
        ..Default::default()
    };
    if let Some(s) = &t.settings {
        apply_settings(&mut gopts, s);
    }
    if let Some(root) = &t.link_root {
        gopts.link_root = root.clone();
    }
    let m =
        Mount { vcb: fsd::Vcb::new(Volume::new(vfs, gopts)), mounted, disk: ldisk, kernel, shares: Default::default() };
    // SAFETY: the request's live driver, VPB and target device.
    match unsafe { create_volume_device(t, m, vol) } {
        Ok(()) => nt::STATUS_SUCCESS,
        Err((status, m)) => {
            let _ = volume::unmount(*m, None);
            status
        }
    }
}

/// The user's choices for a volume: case rules, hidden dot files, the
/// owner and mode of new files, and where absolute symlinks point.
fn apply_settings(o: &mut fs_glue::MountOptions, s: &MountSettings) {
    o.case_insensitive = s.flags & mountopts::OPT_CASE_INSENSITIVE != 0;
    o.hide_dot_files = s.flags & mountopts::OPT_HIDE_DOT_FILES != 0;
    o.uid = (s.flags & mountopts::OPT_UID != 0).then_some(s.uid);
    o.gid = (s.flags & mountopts::OPT_GID != 0).then_some(s.gid);
    o.umask = s.umask;
    o.link_root = String::from_utf16_lossy(&s.link_root);
}

/// Creates the volume device for `m` and fills the VPB.
///
/// # Safety
/// `t` holds the mount request's live driver object, VPB and target device.
unsafe fn create_volume_device(t: &Target, m: Mount, vol: &fs_probe::Volume) -> Result<(), (NTSTATUS, Box<Mount>)> {
    let (driver, vpb, target) = (t.driver as *mut DRIVER_OBJECT, t.vpb as *mut VPB, t.device as *mut DEVICE_OBJECT);
    let mut device: *mut DEVICE_OBJECT = ptr::null_mut();
    // Volume devices are unnamed (the I/O manager reaches them through the
    // disk's VPB). The test build names them `\Device\LklfsVolumeN`: under
    // Wine a program can only reach a driver by a device name, and the
    // suite opens the volume from user mode that way.
    #[cfg(feature = "testing")]
    let name16 = widestring::U16String::from_str(&alloc::format!(r"\Device\LklfsVolume{}", t.number));
    #[cfg(feature = "testing")]
    let mut uname = nt::UNICODE_STRING::from_units(name16.as_slice());
    #[cfg(feature = "testing")]
    let name: *mut nt::UNICODE_STRING = uname.as_mut().map_or(ptr::null_mut(), |u| u as *mut _);
    #[cfg(not(feature = "testing"))]
    let name: *mut nt::UNICODE_STRING = ptr::null_mut();
    // SAFETY: our driver object; the name (if any) outlives the call; room
    // for the extension.
    let status = unsafe {
        nt::IoCreateDevice(
            driver,
            size_of::<VolumeExt>() as u32,
            name,
            nt::FILE_DEVICE_DISK_FILE_SYSTEM,
            nt::FILE_DEVICE_SECURE_OPEN,
            0,
            &mut device,
        )
    };
    if !nt::nt_success(status) {
        return Err((status, Box::new(m)));
    }
    let label = vol.vpb_label();
    // SAFETY: the new device is ours and not yet visible (initializing);
    // its extension is uninitialised memory of the right size, written
    // once here; the VPB and target are the request's.
    unsafe {
        let ext = (*device).DeviceExtension.cast::<VolumeExt>();
        ptr::write(
            ext,
            VolumeExt {
                node_type: NODE_VCB,
                mount: Mutex::new(Some(m)),
                waiting: spin::Mutex::new(alloc::vec::Vec::new()),
                fcbs: spin::Mutex::new(super::fcb::Fcbs::default()),
                orphans: core::sync::atomic::AtomicUsize::new(0),
                holders: spin::Mutex::new(alloc::collections::BTreeMap::new()),
                vpb,
                device,
                target,
                teardown: AtomicBool::new(false),
                #[cfg(feature = "testing")]
                number: t.number,
            },
        );
        (*device).StackSize = (*target).StackSize.saturating_add(1);
        (*device).AlignmentRequirement = (*target).AlignmentRequirement;
        (*device).SectorSize = if (*target).SectorSize == 0 { 512 } else { (*target).SectorSize };
        // Read, write and directory buffers arrive as MDLs: the driver
        // never touches a user address.
        (*device).Flags |= nt::DO_DIRECT_IO;
        let v = &mut *vpb;
        v.SerialNumber = vol.serial();
        set_vpb_label(v, label.as_slice());
        v.DeviceObject = device;
        v.Flags |= nt::VPB_MOUNTED;
        (*device).Flags &= !nt::DO_DEVICE_INITIALIZING;
    }
    volume::register(device);
    Ok(())
}

/// Copies `label` (at most the VPB's 32 units, cut by
/// [`fs_probe::vpb_label`]) into the VPB.
pub(super) fn set_vpb_label(v: &mut VPB, label: &[u16]) {
    let n = label.len().min(v.VolumeLabel.len());
    for (dst, src) in v.VolumeLabel.iter_mut().zip(label) {
        *dst = *src;
    }
    v.VolumeLabelLength = (n * 2) as u16;
}

/// IRP_MN_VERIFY_VOLUME: the volume is still the one mounted when its
/// device is still ours, mounted and not dismounted (a removable disk changing under us is
/// part 2's, with removal).
pub(super) fn verify(irp: Irp) -> NTSTATUS {
    // SAFETY: VERIFY_VOLUME's stack location carries this arm.
    let p = unsafe { irp.stack().Parameters.VerifyVolume };
    if p.Vpb.is_null() {
        return irp.complete(nt::STATUS_INVALID_PARAMETER, 0);
    }
    // SAFETY: the I/O manager's live VPB; its device is null or ours.
    let device = unsafe { (*p.Vpb).DeviceObject };
    // SAFETY: as above.
    let ours = !device.is_null()
        && unsafe { volume::volume_of(device) }
            .is_some_and(|v| v.mount.lock().as_ref().is_some_and(|m| !m.vcb.is_dismounted()));
    irp.complete(if ours { nt::STATUS_SUCCESS } else { nt::STATUS_WRONG_VOLUME }, 0)
}
