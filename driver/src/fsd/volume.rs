//! Volume devices: one per mounted volume, its extension the node-typed
//! VCB holder, and the Fsd half of every major: decode on the dispatch
//! thread's behalf, post to a worker (Linux is entered only on host
//! threads), run the common routine under the volume's own lock, complete.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::c_void;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use fsd::{Ccb, Reply, Vcb};
use lkl::vfs::KernelVfs;
use lkl::{Disk, Kernel, Mounted};
use lkl_ntk_host::sync::Mutex;
use nt::{DEVICE_OBJECT, FILE_OBJECT, IRP, NTSTATUS, VPB};

use super::irp::Irp;
use crate::workers;

/// Node-type codes of the structures our device and file objects point to
/// (fastfat's NODE_TYPE_CODE): checked before a pointer is trusted.
pub(crate) const NODE_VCB: u16 = 0x4C01;
pub(crate) const NODE_CCB: u16 = 0x4C02;

/// What Linux holds for a mounted volume.
pub(crate) struct Mount {
    pub vcb: Vcb<KernelVfs>,
    pub mounted: Mounted,
    pub disk: Disk,
    pub kernel: Arc<Kernel>,
    /// The Windows share-access records of its files (product build).
    pub shares: super::services::Shares,
}

/// The volume device's extension.
#[repr(C)]
pub(crate) struct VolumeExt {
    pub node_type: u16,
    /// The volume; `None` once it is unmounted from Linux (after a
    /// dismount's last close, or at unload). Held across each common
    /// routine, Linux calls included: the volume's only lock.
    pub mount: Mutex<Option<Mount>>,
    /// The VPB the I/O manager (or the test harness) gave the mount.
    pub vpb: *mut VPB,
    /// This device.
    pub device: *mut DEVICE_OBJECT,
    /// The disk device the volume was mounted on (the top of its stack).
    pub target: *mut DEVICE_OBJECT,
    /// Set by the CLOSE of the last file object of a dismounted volume:
    /// once that IRP is completed the volume is unmounted from Linux and
    /// the device deleted.
    pub teardown: AtomicBool,
    /// The test build's device name number (`\Device\LklfsVolumeN`).
    #[cfg(feature = "testing")]
    pub number: u32,
    /// Requests pending until their range is free or a change comes. A spin
    /// lock: the cancel routine looks here too.
    pub waiting: spin::Mutex<Vec<Waiting>>,
    /// The FCBs of its open files (`fcb.rs`): here, not in the mount, so
    /// that they outlive an unmount while file objects point at them.
    pub fcbs: spin::Mutex<super::fcb::Fcbs>,
    /// After a shutdown took the mount away: the file objects still to be
    /// closed; the last close deletes the device.
    pub orphans: AtomicUsize,
    /// The processes holding handles on the volume (files or the volume
    /// itself), by process ID, with how many each: counted at CREATE, let
    /// go at CLEANUP (`lklfs list`, and the refusals that name them).
    pub holders: spin::Mutex<BTreeMap<u32, u32>>,
}

impl VolumeExt {
    /// A handle of process `pid` opened on the volume.
    pub(crate) fn held_by(&self, pid: u32) {
        *self.holders.lock().entry(pid).or_insert(0) += 1;
    }

    /// A handle of process `pid` was cleaned up.
    pub(crate) fn let_go(&self, pid: u32) {
        let mut holders = self.holders.lock();
        if let Some(n) = holders.get_mut(&pid) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                holders.remove(&pid);
            }
        }
    }
}

/// A pending request: its IRP, its token in the VCB, and its status and
/// output once it finished while its cancel routine was already running
/// (which then completes it).
pub(crate) struct Waiting {
    irp: usize,
    token: u64,
    finished: Option<(NTSTATUS, Vec<u8>)>,
}

/// A file object's context block (`FsContext2`); `FsContext` is the
/// VolumeExt (part 3 gives files an FCB with the FsRtl header).
#[repr(C)]
pub(crate) struct CcbBox {
    pub node_type: u16,
    pub ccb: Ccb,
    /// The process that opened it (its holder entry).
    pub pid: u32,
}

/// IRPs the Fsd entries marked pending and posted, and those the workers
/// completed: equal at unload, or an IRP was lost (or completed twice).
pub(crate) static POSTED: AtomicUsize = AtomicUsize::new(0);
pub(crate) static COMPLETED: AtomicUsize = AtomicUsize::new(0);

/// Marks `irp` pending, counts it, and posts `job`, which completes it.
pub(crate) fn post_irp(irp: Irp, job: impl FnOnce(Irp) + Send + 'static) -> NTSTATUS {
    irp.mark_pending();
    POSTED.fetch_add(1, Ordering::SeqCst);
    workers::post(Box::new(move || job(irp)));
    nt::STATUS_PENDING
}

/// [`post_irp`] to the paging workers, whose jobs never wait for a
/// volume's lock.
pub(crate) fn post_paging_irp(irp: Irp, job: impl FnOnce(Irp) + Send + 'static) -> NTSTATUS {
    irp.mark_pending();
    POSTED.fetch_add(1, Ordering::SeqCst);
    workers::post_paging(Box::new(move || job(irp)));
    nt::STATUS_PENDING
}

/// Completes a posted IRP and counts it.
pub(crate) fn complete_posted(irp: Irp, status: NTSTATUS, information: usize) {
    irp.complete(status, information);
    COMPLETED.fetch_add(1, Ordering::SeqCst);
}

/// Our volume devices, for unload.
struct Devices(Vec<usize>);
static VOLUMES: Mutex<Devices> = Mutex::new(Devices(Vec::new()));

/// The volume extension of `device`, if it is one of our volume devices.
///
/// # Safety
/// `device` is a live device object of this driver.
pub(crate) unsafe fn volume_of<'a>(device: *mut DEVICE_OBJECT) -> Option<&'a VolumeExt> {
    // Every IRP of every device of ours asks: the disks' I/O need not take
    // the registry's lock to learn they are no volume.
    // SAFETY: a live device object of this driver (the caller's contract).
    if unsafe { (*device).DeviceType } != nt::FILE_DEVICE_DISK_FILE_SYSTEM {
        return None;
    }
    // Only a registered volume device: a device made later at the address
    // of a deleted one may see its old extension's bytes (Wine hands out an
    // extension pointer even for a size of 0, and reuses freed memory).
    if !VOLUMES.lock().0.contains(&(device as usize)) {
        return None;
    }
    // SAFETY: a registered volume device.
    unsafe { registered(device as usize) }
}

/// A request on a volume that a shutdown unmounted: its file objects can
/// still be cleaned up and closed (the last close lets the device go);
/// anything else finds the volume dismounted.
fn orphaned(irp: Irp, ext: &VolumeExt) -> Done {
    let fo = irp.file_object();
    match irp.major() {
        nt::IRP_MJ_CLEANUP => {
            if !fo.is_null() {
                // SAFETY: the IRP's file object, live until completion.
                unsafe { (*fo).Flags |= nt::FO_CLEANUP_COMPLETE };
            }
            (nt::STATUS_SUCCESS, 0)
        }
        nt::IRP_MJ_CLOSE => {
            // SAFETY: as above; this is its CLOSE.
            if unsafe { take_ccb(fo, ext) }.is_some() && ext.orphans.fetch_sub(1, Ordering::SeqCst) == 1 {
                ext.teardown.store(true, Ordering::SeqCst);
            }
            (nt::STATUS_SUCCESS, 0)
        }
        // The disk below still hears of its removal.
        nt::IRP_MJ_PNP => (super::pnp::pass_on(irp, ext.target), 0),
        _ => (nt::STATUS_VOLUME_DISMOUNTED, 0),
    }
}

/// IRP_MJ_SHUTDOWN: each volume is dismounted (its handles closed, its
/// waiting requests ended), written back and unmounted from Linux; its
/// device stays until its file objects are closed. On a worker.
pub(crate) fn shut_down_all() {
    let devices = VOLUMES.lock().0.clone();
    for d in devices {
        // SAFETY: registered volume devices live until `delete`.
        let Some(ext) = (unsafe { volume_of(d as *mut DEVICE_OBJECT) }) else { continue };
        let mut mount = ext.mount.lock();
        // What the lazy writer still holds goes to Linux first.
        #[cfg(not(feature = "testing"))]
        if mount.as_ref().is_some_and(|m| !m.vcb.is_dismounted()) {
            super::wincache::flush_volume(ext);
        }
        let Some(mut m) = mount.take() else { continue };
        m.vcb.force_dismount();
        finish_waiting(ext, &mut m);
        ext.orphans.store(m.vcb.open_ccbs(), Ordering::SeqCst);
        let status = unmount(m, Some(ext));
        drop(mount);
        lkl_ntk_host::print::print_fmt(format_args!("lklfs: shutdown: volume unmounted ({status:#x})\n"));
    }
}

/// Records a new volume device (its extension initialised).
pub(crate) fn register(device: *mut DEVICE_OBJECT) {
    VOLUMES.lock().0.push(device as usize);
}

/// The processes holding handles on the volume mounted on `disk` (a disk
/// device), ascending; none without one.
pub(crate) fn holders_on(disk: *mut DEVICE_OBJECT) -> Vec<u32> {
    let devices = VOLUMES.lock().0.clone();
    for d in devices {
        // SAFETY: registered volume devices live until `delete`, which
        // takes them off the list first.
        let Some(ext) = (unsafe { volume_of(d as *mut DEVICE_OBJECT) }) else { continue };
        if ext.target == disk {
            return ext.holders.lock().keys().copied().collect();
        }
    }
    Vec::new()
}

/// IOCTL_STORAGE_EJECT_MEDIA on `disk` (one of the driver's disks): the
/// volume mounted on it, if any, lets the medium go (`Vcb::eject`), is
/// written back and unmounted from Linux; its device stays until its file
/// objects are closed. `Err` with the processes holding files open when it
/// refuses. On a worker, from the eject's own thread (never a worker's).
pub(crate) fn release_for_eject(disk: *mut DEVICE_OBJECT) -> Result<(), Vec<u32>> {
    let disk = disk as usize;
    let mut result = Ok(());
    workers::run(|| {
        // Held throughout: a volume's device is deleted only with this lock
        // taken (`delete`), so the extension found stays alive.
        let volumes = VOLUMES.lock();
        // SAFETY: registered volume devices live until `delete`, which
        // needs the lock held here.
        let found = volumes.0.iter().find_map(|&d| unsafe { registered(d) }.filter(|e| e.target as usize == disk));
        let Some(ext) = found else { return };
        let mut mount = ext.mount.lock();
        let Some(m) = mount.as_mut() else { return };
        if !m.vcb.is_dismounted() {
            // What the lazy writer still holds goes to Linux first.
            #[cfg(not(feature = "testing"))]
            super::wincache::flush_volume(ext);
        }
        let r = m.vcb.eject();
        if r.status != fs_glue::NtStatus::SUCCESS {
            result = Err(ext.holders.lock().keys().copied().collect());
            return;
        }
        finish_waiting(ext, m);
        let Some(m) = mount.take() else { return };
        let ccbs = m.vcb.open_ccbs();
        ext.orphans.store(ccbs, Ordering::SeqCst);
        let status = unmount(m, Some(ext));
        drop(mount);
        lkl_ntk_host::print::print_fmt(format_args!("lklfs: eject: volume unmounted ({status:#x})\n"));
        if ccbs == 0 {
            let device = ext.device;
            drop(volumes);
            // SAFETY: unmounted, and with no file object left no IRP can
            // reach it (its VPB is cleared here).
            unsafe { delete(device) };
        }
    });
    result
}

/// The extension of a registered volume device (its address), checked.
///
/// # Safety
/// `d` is a volume device on the registry: its extension is a VolumeExt
/// (node type first) until `delete` takes it off.
unsafe fn registered<'a>(d: usize) -> Option<&'a VolumeExt> {
    // SAFETY: the caller's contract: a live volume device of ours.
    unsafe {
        let ext = (*(d as *mut DEVICE_OBJECT)).DeviceExtension.cast::<VolumeExt>();
        if ext.is_null() || (*ext).node_type != NODE_VCB { None } else { Some(&*ext) }
    }
}

/// Number of mounted volume devices.
pub(crate) fn count() -> usize {
    VOLUMES.lock().0.len()
}

/// Unmounts `m` from Linux (on a worker thread): the volume's handles
/// close, umount2 writes back every dirty block, the disk goes.
pub(crate) fn unmount(m: Mount, ext: Option<&VolumeExt>) -> NTSTATUS {
    // The FCBs' own descriptors would keep Linux's mount busy.
    if let Some(ext) = ext {
        let fds = ext.fcbs.lock().take_paging();
        drop(fds);
    }
    let Mount { vcb, mounted, disk, kernel, shares: _ } = m;
    drop(vcb.into_volume());
    match kernel.unmount(&mounted) {
        Ok(()) => match kernel.remove_disk(disk) {
            Ok(()) => nt::STATUS_SUCCESS,
            Err(_) => nt::STATUS_UNSUCCESSFUL,
        },
        // Still mounted (Linux died): the disk stays with the kernel until
        // halt releases it.
        Err(_) => {
            crate::linux::keep_stuck_disk(disk);
            fs_glue::NtStatus::UNEXPECTED_IO_ERROR.0 as i32
        }
    }
}

/// Deletes a volume device whose volume is gone. PASSIVE_LEVEL.
///
/// # Safety
/// `device` is one of our volume devices, unmounted, and no IRP will
/// reach it again.
pub(crate) unsafe fn delete(device: *mut DEVICE_OBJECT) {
    VOLUMES.lock().0.retain(|&d| d != device as usize);
    // SAFETY: the caller's contract; the extension is dropped in place once,
    // before its memory goes with the device.
    unsafe {
        let ext = (*device).DeviceExtension.cast::<VolumeExt>();
        let vpb = (*ext).vpb;
        if !vpb.is_null() {
            (*vpb).Flags &= !nt::VPB_MOUNTED;
            (*vpb).DeviceObject = ptr::null_mut();
        }
        ptr::drop_in_place(ext);
        (*ext).node_type = 0;
        nt::IoDeleteDevice(device);
    }
}

/// From DriverUnload (no handle remains, so no IRP is in flight): every
/// volume still mounted is dismounted and unmounted from Linux on a worker,
/// and its device deleted.
pub(crate) fn unmount_all() {
    // Each `delete` takes its device off the list.
    let devices = VOLUMES.lock().0.clone();
    for d in devices {
        let device = d as *mut DEVICE_OBJECT;
        // SAFETY: registered volume devices live until `delete`.
        let Some(ext) = (unsafe { volume_of(device) }) else { continue };
        let mount = ext.mount.lock().take();
        if let Some(mut m) = mount {
            m.vcb.force_dismount();
            finish_waiting(ext, &mut m);
            let mut m = Some(m);
            let at = ext as *const VolumeExt as usize;
            workers::run(|| {
                // SAFETY: the extension lives until `delete` below, after
                // this job is done.
                let ext = unsafe { &*(at as *const VolumeExt) };
                if let Some(m) = m.take() {
                    let _ = unmount(m, Some(ext));
                }
            });
        }
        // SAFETY: unmounted, and unload means no IRP can come.
        unsafe { delete(device) };
    }
    // Empty now; its buffer is heap that unload counts.
    *VOLUMES.lock() = Devices(Vec::new());
}

/// `IoSetCancelRoutine`: swaps the IRP's cancel routine; the previous one.
///
/// # Safety
/// `irp` is a live IRP of ours.
unsafe fn set_cancel_routine(irp: *mut IRP, routine: Option<nt::DRIVER_CANCEL>) -> *mut c_void {
    let new = routine.map_or(ptr::null_mut(), |r| r as *mut c_void);
    // SAFETY: the caller's contract; the I/O manager swaps the field
    // atomically too (IoCancelIrp), so it is only accessed atomically.
    let slot = unsafe { AtomicPtr::from_ptr(ptr::addr_of_mut!((*irp).CancelRoutine)) };
    slot.swap(new, Ordering::SeqCst)
}

/// Keeps a request that must wait pending under `token`, cancellable.
/// Under the volume lock.
fn keep_waiting(irp: Irp, ext: &VolumeExt, m: &mut Mount, token: u64) {
    ext.waiting.lock().push(Waiting { irp: irp.raw() as usize, token, finished: None });
    // SAFETY: the pending IRP is ours until completed.
    unsafe {
        set_cancel_routine(irp.raw(), Some(cancel_waiting));
        // Cancelled before the routine was set: nobody else will end it.
        if (*irp.raw()).Cancel != 0 && !set_cancel_routine(irp.raw(), None).is_null() {
            m.vcb.cancel_waiter(token);
            ext.waiting.lock().retain(|w| w.token != token);
            complete_posted(irp, nt::STATUS_CANCELLED, 0);
        }
    }
}

/// Completes the waiting requests the VCB finished (a lock granted, a
/// change, or ended by a cleanup or a dismount), unless a cancel routine
/// already holds one: that one completes it with the status and output left
/// here. Under the volume lock.
pub(crate) fn finish_waiting(ext: &VolumeExt, m: &mut Mount) {
    for f in m.vcb.take_finished() {
        let (token, status) = (f.token, f.status.0 as NTSTATUS);
        let irp = {
            let mut w = ext.waiting.lock();
            let Some(e) = w.iter_mut().find(|e| e.token == token) else { continue };
            e.finished = Some((status, f.data));
            e.irp as *mut IRP
        };
        // SAFETY: still pending (its entry was on the list), ours.
        if unsafe { !set_cancel_routine(irp, None).is_null() } {
            let entry = {
                let mut w = ext.waiting.lock();
                w.iter().position(|e| e.token == token).map(|i| w.remove(i))
            };
            if let Some(Waiting { finished: Some((status, data)), .. }) = entry {
                // SAFETY: as above; its cancel routine can no longer run.
                complete_with(unsafe { Irp::new(irp) }, status, &data);
            }
        }
    }
}

/// Completes a waiting request with its output, copied into its buffer.
fn complete_with(irp: Irp, status: NTSTATUS, data: &[u8]) {
    let (status, information) = super::dirctl::output(irp, status, data);
    complete_posted(irp, status, information);
}

/// The cancel routine of a waiting request: called with the cancel
/// spin lock held, so it only hands the work to a worker, which takes the
/// volume lock, takes the request out of the VCB and completes it
/// (STATUS_CANCELLED, or the status it finished with meanwhile).
unsafe extern "system" fn cancel_waiting(device: *mut DEVICE_OBJECT, irp: *mut IRP) {
    // SAFETY: a cancel routine's first duty, with the IRP's CancelIrql.
    unsafe { nt::IoReleaseCancelSpinLock((*irp).CancelIrql) };
    // SAFETY: the IRP was dispatched to this volume device, which lives
    // while the IRP is outstanding.
    let Some(ext) = (unsafe { volume_of(device) }) else { return };
    let (ext, irp) = (ext as *const VolumeExt as usize, irp as usize);
    workers::post(Box::new(move || {
        // SAFETY: as above; the IRP stays pending until this job ends it.
        let ext = unsafe { &*(ext as *const VolumeExt) };
        let mut mount = ext.mount.lock();
        let entry = {
            let mut w = ext.waiting.lock();
            w.iter().position(|e| e.irp == irp).map(|i| w.remove(i))
        };
        let Some(e) = entry else { return };
        let (status, data) = match (e.finished, mount.as_mut()) {
            (Some(f), _) => f,
            (None, Some(m)) => {
                m.vcb.cancel_waiter(e.token);
                (nt::STATUS_CANCELLED, Vec::new())
            }
            (None, None) => (nt::STATUS_CANCELLED, Vec::new()),
        };
        drop(mount);
        // SAFETY: pending and ours: its entry was still on the list.
        complete_with(unsafe { Irp::new(irp as *mut IRP) }, status, &data);
    }));
}

/// What a common routine returns.
pub(crate) type Done = (NTSTATUS, usize);

pub(crate) fn reply(r: Reply) -> Done {
    (r.status.0 as NTSTATUS, r.information as usize)
}

/// The CCB of a file object of ours, if it has one.
///
/// # Safety
/// `fo` is null or a live file object of one of our volumes.
pub(crate) unsafe fn ccb_of<'a>(fo: *mut FILE_OBJECT) -> Option<&'a mut CcbBox> {
    if fo.is_null() {
        return None;
    }
    // SAFETY: the caller's contract; FsContext2 is null or a CcbBox we made
    // at create (node type checked).
    unsafe {
        let c = (*fo).FsContext2.cast::<CcbBox>();
        if c.is_null() || (*c).node_type != NODE_CCB { None } else { Some(&mut *c) }
    }
}

/// Takes the CCB of a file object of ours back at its CLOSE: the file object
/// forgets it, and the caller owns it.
///
/// # Safety
/// As [`ccb_of`]; at most once per file object (its CLOSE).
pub(crate) unsafe fn take_ccb(fo: *mut FILE_OBJECT, ext: &VolumeExt) -> Option<Box<CcbBox>> {
    // SAFETY: the caller's contract.
    let c = unsafe { ccb_of(fo) }?;
    // SAFETY: a file object with our CCB; its FCB (if any) is one of this
    // volume's, which this close releases.
    if let Some(fcb) = unsafe { super::fcb::fcb_of(fo) } {
        let gone = ext.fcbs.lock().release(fcb);
        drop(gone);
    }
    // SAFETY: made by create with Box::into_raw and taken back once, here.
    unsafe {
        (*fo).FsContext2 = ptr::null_mut();
        (*fo).FsContext = ptr::null_mut();
        (*fo).SectionObjectPointer = ptr::null_mut();
        Some(Box::from_raw(c as *mut CcbBox))
    }
}

/// A common routine: runs on a worker with the IRP, the volume and its
/// mount (locked).
pub(crate) type Common = fn(Irp, &VolumeExt, &mut Mount) -> Done;

/// A common routine's answer (with STATUS_PENDING) when another component
/// took the IRP and will complete it (the oplock package, `oplock.rs`).
pub(crate) const HANDED_OVER: usize = usize::MAX;

/// The Fsd entry of every volume major: posts the IRP to a worker, where
/// `common` runs under the volume lock, and returns STATUS_PENDING.
pub(crate) fn post(irp: Irp, ext: &VolumeExt, common: Common) -> NTSTATUS {
    let ext = ext as *const VolumeExt as usize;
    post_irp(irp, move |irp| run(irp, ext, common))
}

/// Runs `common` again for an IRP that is pending and counted already (the
/// oplock package hands it back once a break is done).
#[cfg(not(feature = "testing"))]
pub(crate) fn repost(irp: Irp, ext: usize, common: Common) {
    workers::post(Box::new(move || run(irp, ext, common)));
}

/// Runs `job` under the volume lock for an IRP that is pending and counted
/// already.
#[cfg(not(feature = "testing"))]
pub(crate) fn post_job(irp: Irp, ext: usize, job: impl FnOnce(Irp, &VolumeExt, &mut Mount) -> Done + Send + 'static) {
    workers::post(Box::new(move || run_with(irp, ext, job)));
}

/// A cached write the Cache Manager deferred, posted again.
#[cfg(not(feature = "testing"))]
pub(crate) fn retry_write(irp: Irp, ext: usize) {
    workers::post(Box::new(move || run_checked(irp, ext, super::write::common, true)));
}

/// A posted request.
fn run(irp: Irp, ext: usize, common: Common) {
    run_checked(irp, ext, common, false);
}

/// A posted request, which in the product build the Cache Manager may
/// defer (a cached write, `wincache.rs`) and the oplock package may hold
/// back (`oplock.rs`) first.
fn run_checked(irp: Irp, ext: usize, common: Common, retrying: bool) {
    #[cfg(not(feature = "testing"))]
    if super::wincache::defer_write(irp, ext, retrying) {
        return;
    }
    #[cfg(feature = "testing")]
    let _ = retrying;
    run_with(irp, ext, move |irp, ext, m| {
        #[cfg(not(feature = "testing"))]
        if let Some(held) = super::oplock::gate(irp, ext, common) {
            return held;
        }
        common(irp, ext, m)
    });
}

/// Runs `job` on a worker for a pending IRP of the volume of `ext` (a
/// VolumeExt's address), and completes the IRP unless it waits or was
/// handed over.
fn run_with(irp: Irp, ext: usize, job: impl FnOnce(Irp, &VolumeExt, &mut Mount) -> Done) {
    {
        // SAFETY: the volume device (and its extension) lives while an IRP
        // on it is outstanding: it is deleted only after its last close.
        let ext = unsafe { &*(ext as *const VolumeExt) };
        // Read before the job: an IRP handed over may be completed by now.
        let fo = irp.file_object();
        let (status, information) = {
            let mut mount = ext.mount.lock();
            match mount.as_mut() {
                Some(m) => {
                    let done = job(irp, ext, m);
                    // SAFETY: the request's file object, live while the
                    // volume lock keeps its CLOSE out.
                    unsafe { super::fcb::refresh_fast_io(ext, &m.vcb, fo) };
                    if done.0 == nt::STATUS_PENDING && done.1 != HANDED_OVER {
                        keep_waiting(irp, ext, m, done.1 as u64);
                    }
                    // An unlock, a cleanup or a dismount may have ended
                    // waiting lock requests.
                    finish_waiting(ext, m);
                    done
                }
                None => orphaned(irp, ext),
            }
        };
        if status == nt::STATUS_PENDING {
            return;
        }
        // The last close of a dismounted volume: unmount and delete the
        // device before completing, so that whoever waits for this close
        // finds the disk released (the I/O manager's reference keeps the
        // device object itself until the IRP is done).
        if ext.teardown.load(Ordering::SeqCst) {
            let mount = ext.mount.lock().take();
            if let Some(m) = mount {
                let _ = unmount(m, Some(ext));
            }
            // SAFETY: unmounted, and its last file object is closing, so no
            // other IRP can reach the device; `ext` is not used after this.
            unsafe { delete(ext.device) };
        }
        complete_posted(irp, status, information);
    }
}
