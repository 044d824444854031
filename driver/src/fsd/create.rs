//! IRP_MJ_CREATE on a volume.

use alloc::boxed::Box;
use core::slice;

use nt::{IO_SECURITY_CONTEXT, UNICODE_STRING};

use super::irp::Irp;
use super::volume::{CcbBox, Done, Mount, NODE_CCB, VolumeExt, ccb_of};

/// The UTF-16 units of a counted string (empty for none).
///
/// # Safety
/// `s` describes `Length` readable bytes (or has a null buffer), alive
/// for `'a`.
pub(super) unsafe fn units<'a>(s: &UNICODE_STRING) -> &'a [u16] {
    if s.Buffer.is_null() || s.Length < 2 {
        return &[];
    }
    // SAFETY: the caller's contract.
    unsafe { slice::from_raw_parts(s.Buffer, usize::from(s.Length / 2)) }
}

pub(super) fn common(irp: Irp, ext: &VolumeExt, m: &mut Mount) -> Done {
    let fo = irp.file_object();
    if fo.is_null() {
        return (nt::STATUS_INVALID_PARAMETER, 0);
    }
    // SAFETY: CREATE's stack location carries the Create arm.
    let p = unsafe { irp.stack().Parameters.Create };
    let sc = p.SecurityContext.cast::<IO_SECURITY_CONTEXT>();
    // Wine sends a user-mode open of the device with no security context.
    // SAFETY: non-null, it is the I/O manager's context for this create.
    let access = if sc.is_null() { 0 } else { unsafe { (*sc).DesiredAccess } };
    // SAFETY: a live file object for the IRP's life; its name and related
    // file object are the I/O manager's (or the harness's) until completion.
    let (name, related) = unsafe { (units(&(*fo).FileName), (*fo).RelatedFileObject) };
    // SAFETY: null or a live file object; ours only if its FsContext2 is a
    // CCB, and it must belong to this volume.
    let related = match unsafe { ccb_of(related) } {
        // SAFETY: non-null here (it has a CCB), live for the IRP's life.
        Some(c) if core::ptr::eq(unsafe { super::fcb::volume_of_file(related) }, ext) => Some(&c.ccb),
        Some(_) => return (nt::STATUS_INVALID_PARAMETER, 0),
        None if related.is_null() => None,
        None => return (nt::STATUS_INVALID_PARAMETER, 0),
    };
    // Windows always supplies a security context. Wine's user-mode opens
    // of a device come without one, and without their disposition (the
    // high byte arrives as 0, FILE_SUPERSEDE): an open of an existing
    // device, i.e. FILE_OPEN.
    let disposition = if sc.is_null() { 1 } else { p.Options >> 24 };
    // The EaBuffer: the I/O manager copied (and checked) it into the
    // system buffer.
    let ea = match irp.system_buffer(p.EaLength as usize) {
        Ok(b) => &*b,
        Err(s) => return (s, 0),
    };
    let c = fsd::Create {
        name,
        related,
        access,
        attributes: u32::from(p.FileAttributes),
        share: u32::from(p.ShareAccess),
        disposition,
        options: p.Options & 0x00FF_FFFF,
        ea,
        open_target_directory: irp.sl_flags() & nt::SL_OPEN_TARGET_DIRECTORY != 0,
    };
    let mut svc = super::services::of(irp, ext, &mut m.shares);
    let created = m.vcb.create(&mut svc, &c);
    let information = created.information as usize;
    if let Some(data) = &created.reparse {
        // The I/O manager follows the link with this data and frees it
        // with ExFreePool, so it is a plain pool block.
        let aux = lkl_ntk_host::mem::pool_alloc(data.len(), 1);
        if aux.is_null() {
            return (nt::STATUS_INSUFFICIENT_RESOURCES, 0);
        }
        // SAFETY: a fresh block of `data.len()` bytes, handed to the IRP.
        unsafe {
            core::ptr::copy_nonoverlapping(data.as_ptr(), aux, data.len());
            (*irp.raw()).AuxiliaryBuffer = aux.cast();
        }
        return (created.status.0 as i32, information);
    }
    if let Some(ccb) = created.ccb {
        // A file's file objects share its FCB; a volume open points at the
        // volume itself.
        let fcb = ccb.file().map(|file| {
            let h = ccb.handle();
            let size = h.and_then(|h| m.vcb.volume().file_size(h).ok()).unwrap_or(0);
            let paging = match h {
                Some(h) if !ext.fcbs.lock().contains(file) => paging_fd(m, h),
                _ => None,
            };
            ext.fcbs.lock().open(ext, file, size, paging)
        });
        // SAFETY: the requestor's process, live while its IRP is.
        let pid = unsafe { nt::PsGetProcessId(irp.requestor_process() as *mut core::ffi::c_void) } as usize as u32;
        ext.held_by(pid);
        let ccb = Box::into_raw(Box::new(CcbBox { node_type: NODE_CCB, ccb, pid }));
        // SAFETY: the live file object; the CCB is ours until CLOSE takes
        // it back. `final_component` counts units of the name cut above,
        // which lies in the file object's own name buffer.
        unsafe {
            match fcb {
                Some(f) => {
                    (*fo).FsContext = f.cast();
                    (*fo).SectionObjectPointer = (&raw mut (*f).sop).cast();
                    // A file's data may be cached unless the open asked for
                    // none; the I/O manager then tries fast I/O on it.
                    if (*f).has_data && p.Options & fs_glue::nt::FILE_NO_INTERMEDIATE_BUFFERING == 0 {
                        (*fo).Flags |= nt::FO_CACHE_SUPPORTED;
                    }
                }
                None => (*fo).FsContext = (ext as *const VolumeExt).cast_mut().cast(),
            }
            (*fo).FsContext2 = ccb.cast();
            (*fo).Vpb = ext.vpb;
            if let Some(n) = created.final_component {
                let name = &mut (*fo).FileName;
                let total = usize::from(name.Length / 2);
                if n <= total && !name.Buffer.is_null() {
                    core::ptr::copy(name.Buffer.add(total - n), name.Buffer, n);
                    name.Length = (n * 2) as u16;
                }
            }
        }
        // An oplock another handle holds may have to break before this
        // open completes (`oplock.rs`).
        #[cfg(not(feature = "testing"))]
        if fcb.is_some() {
            let done = (created.status.0 as i32, information);
            match super::oplock::after_create(irp, ext, done) {
                Some(held) if held.1 == super::volume::HANDED_OVER => return held,
                Some(failed) => {
                    undo(irp, ext, m);
                    return failed;
                }
                None => {}
            }
        }
    }
    (created.status.0 as i32, information)
}

/// Undoes a create that opened its file but fails after all (the oplock
/// package failed it): the handle is cleaned up and closed, and the file
/// object forgets it, as if the create had never succeeded.
#[cfg(not(feature = "testing"))]
pub(super) fn undo(irp: Irp, ext: &VolumeExt, m: &mut Mount) {
    let fo = irp.file_object();
    // SAFETY: the create's file object, which the I/O manager sends no
    // CLEANUP or CLOSE once the create fails; its FCB lives until the
    // CCB is taken back below.
    unsafe {
        if let Some(f) = super::fcb::fcb_of(fo) {
            (*f).unclean = (*f).unclean.saturating_sub(1);
        }
        if let Some(mut c) = super::volume::take_ccb(fo, ext) {
            ext.let_go(c.pid);
            let mut svc = super::services::of(irp, ext, &mut m.shares);
            let _ = m.vcb.cleanup(&mut c.ccb, &mut svc);
            let _ = m.vcb.close(c.ccb, &mut svc);
        }
    }
}

/// A new FCB's own descriptor of the file of `h` for paging I/O: regular
/// files only, for writing unless the volume is read-only.
fn paging_fd(m: &Mount, h: fs_glue::Handle) -> Option<super::fcb::PagingFd> {
    let volume = m.vcb.volume();
    if volume.is_directory(h).unwrap_or(true) {
        return None;
    }
    let mut path = m.mounted.path.as_bytes().to_vec();
    path.push(b'/');
    path.extend_from_slice(&volume.linux_path(h).ok()?);
    let path = alloc::ffi::CString::new(path).ok()?;
    let flags = lkl::sys::O_NOFOLLOW | lkl::sys::O_CLOEXEC;
    // Writable where Linux lets it be (not on a read-only volume, nor for
    // an immutable file, whose pages then only come in).
    let rw =
        (!volume.options().read_only).then(|| m.kernel.openat(lkl::sys::AT_FDCWD, &path, flags | lkl::sys::O_RDWR, 0));
    let fd = match rw {
        Some(Ok(fd)) => fd,
        _ => m.kernel.openat(lkl::sys::AT_FDCWD, &path, flags | lkl::sys::O_RDONLY, 0).ok()?,
    };
    Some(super::fcb::PagingFd { kernel: m.kernel.clone(), fd })
}
