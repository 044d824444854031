//! Paging I/O (IRP_PAGING_IO READ and WRITE: the Cache Manager's and the
//! memory manager's page moves) on the paging workers, without the
//! volume's lock: a request holding that lock may be waiting for this very
//! I/O (a page fault in CcCopyRead). It goes to Linux through the FCB's
//! own descriptor under the FCB's paging resource (shared, even past
//! exclusive waiters: ExAcquireSharedStarveExclusive), with fastfat's
//! rules, the ones fs-glue's `paging.rs` keeps for direct calls: a read
//! gets the file's bytes and zeros past its end, a write is cut at the end
//! and never extends the file.

use fsd::locks::Path;

use super::fcb::{Fcb, Hold, fcb_of};
use super::irp::Irp;
use super::volume::{Done, VolumeExt, complete_posted, post_paging_irp};

/// Posts a paging READ or WRITE to the paging workers.
pub(super) fn post(irp: Irp, _ext: &VolumeExt) -> nt::NTSTATUS {
    post_paging_irp(irp, |irp| {
        let (status, information) = serve(irp);
        complete_posted(irp, status, information);
    })
}

fn serve(irp: Irp) -> Done {
    // SAFETY: the IRP's file object, live until completion; its FsContext
    // is one of our FCBs when it is open on a file.
    let Some(fcb) = (unsafe { fcb_of(irp.file_object()) }) else { return (nt::STATUS_INVALID_DEVICE_REQUEST, 0) };
    // SAFETY: READ's and WRITE's stack locations carry this arm.
    let p = unsafe { irp.stack().Parameters.Read };
    let Ok(offset) = u64::try_from(p.ByteOffset) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    let buf = match irp.mdl_buffer(p.Length as usize) {
        Ok(b) => b,
        Err(s) => return (s, 0),
    };
    let write = irp.major() == nt::IRP_MJ_WRITE;
    // SAFETY: a live FCB (its file object holds it), its resource
    // initialised; held shared across the transfer, so `take_paging`
    // cannot take the descriptor away under us.
    let _held = unsafe { Hold::new(fcb, Path::PagingIo) };
    // SAFETY: as above.
    transfer(unsafe { &*fcb }, offset, buf, write)
}

/// The transfer on the FCB's descriptor; Information is the bytes that
/// were the file's.
fn transfer(fcb: &Fcb, offset: u64, buf: &mut [u8], write: bool) -> Done {
    let guard = fcb.paging_fd.lock();
    let Some(p) = guard.as_ref() else {
        // A directory has no data to page; a file's descriptor went with
        // its volume's unmount.
        return (if fcb.has_data { nt::STATUS_VOLUME_DISMOUNTED } else { nt::STATUS_INVALID_DEVICE_REQUEST }, 0);
    };
    let (kernel, fd) = (p.kernel.clone(), p.fd);
    // The descriptor stays open: the paging resource keeps `take_paging`
    // out, so the spin lock need not be held across Linux.
    drop(guard);
    let size = match kernel.fstat(fd) {
        Ok(st) => st.st_size.max(0) as u64,
        Err(e) => return (fs_glue::NtStatus::from(e).0 as i32, 0),
    };
    let within = fs_glue::paging::within(size, offset, buf.len());
    let Some((data, past)) = buf.split_at_mut_checked(within) else { return (nt::STATUS_INVALID_PARAMETER, 0) };
    let mut done = 0;
    while done < data.len() {
        let Some(rest) = data.get_mut(done..) else { break };
        let at = offset + done as u64;
        let n = if write { kernel.pwrite(fd, rest, at) } else { kernel.pread(fd, rest, at) };
        match n {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) => return (fs_glue::NtStatus::from(e).0 as i32, 0),
        }
    }
    if !write {
        // Past the end (or a file that shrank under the request): zeros.
        if let Some(short) = data.get_mut(done..) {
            short.fill(0);
        }
        past.fill(0);
    }
    (nt::STATUS_SUCCESS, within)
}
