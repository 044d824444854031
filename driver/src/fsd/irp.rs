//! The small unsafe view of an IRP the Fsd entries share: the current stack
//! location, the buffers (an MDL mapped to system space, or the system
//! buffer), pending and completion. Everything past it is safe Rust.

use core::ptr;
use core::slice;

use nt::{FILE_OBJECT, IO_STACK_LOCATION, IRP, MDL, NTSTATUS};

/// An IRP of one of our volume or file-system devices, owned by us until
/// [`Irp::complete`]. An address, so a posted job can carry it to a worker.
#[derive(Clone, Copy)]
pub(crate) struct Irp(usize);

// SAFETY: an IRP may be completed on any thread; the dispatch routine hands
// it to exactly one worker and touches it no more.
unsafe impl Send for Irp {}

/// The system address of a direct-I/O buffer (what the DDK's
/// MmGetSystemAddressForMdlSafe macro does), or null.
///
/// # Safety
/// `mdl` is the locked MDL of an IRP being handled.
pub(crate) unsafe fn system_address(mdl: *mut MDL) -> *mut u8 {
    // SAFETY: a live, locked MDL (caller's contract).
    unsafe {
        if (*mdl).MdlFlags & (nt::MDL_MAPPED_TO_SYSTEM_VA | nt::MDL_SOURCE_IS_NONPAGED_POOL) != 0 {
            (*mdl).MappedSystemVa.cast()
        } else {
            nt::MmMapLockedPagesSpecifyCache(
                mdl,
                nt::KernelMode,
                nt::MmCached,
                ptr::null_mut(),
                0,
                nt::NormalPagePriority,
            )
            .cast()
        }
    }
}

impl Irp {
    /// # Safety
    /// `irp` was handed to one of our dispatch routines and is not completed.
    pub(crate) unsafe fn new(irp: *mut IRP) -> Irp {
        Irp(irp as usize)
    }

    pub(crate) fn raw(self) -> *mut IRP {
        self.0 as *mut IRP
    }

    /// The current stack location.
    pub(crate) fn stack(&self) -> &IO_STACK_LOCATION {
        // SAFETY: a dispatched IRP has a current stack location, valid until
        // completion (the type's contract).
        unsafe { &*(*self.raw()).CurrentStackLocation }
    }

    pub(crate) fn major(&self) -> u8 {
        self.stack().MajorFunction
    }

    pub(crate) fn minor(&self) -> u8 {
        self.stack().MinorFunction
    }

    /// The stack location's `Flags` (SL_*).
    pub(crate) fn sl_flags(&self) -> u8 {
        self.stack().Flags
    }

    /// The process that sent the IRP (with the file object, the owner of
    /// a byte-range lock), as an address.
    pub(crate) fn requestor_process(&self) -> usize {
        // SAFETY: a live IRP of ours.
        unsafe { nt::IoGetRequestorProcess(self.raw()) as usize }
    }

    pub(crate) fn file_object(&self) -> *mut FILE_OBJECT {
        self.stack().FileObject
    }

    /// `IoMarkIrpPending`.
    pub(crate) fn mark_pending(&self) {
        // SAFETY: live until completion; only the dispatch routine, before
        // it posts the IRP, writes the control byte.
        unsafe { (*(*self.raw()).CurrentStackLocation).Control |= nt::SL_PENDING_RETURNED };
    }

    /// The direct-I/O buffer of `len` bytes: an empty slice for a zero-length
    /// request (which comes with no MDL), else the MDL mapped to system
    /// space. The slice lives as long as the IRP, which the caller holds.
    pub(crate) fn mdl_buffer<'a>(&self, len: usize) -> Result<&'a mut [u8], NTSTATUS> {
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: live until completion.
        let mdl = unsafe { (*self.raw()).MdlAddress }.cast::<MDL>();
        if mdl.is_null() {
            return Err(nt::STATUS_INVALID_PARAMETER);
        }
        // SAFETY: the IRP's locked MDL (DO_DIRECT_IO).
        let (va, count) = unsafe { (system_address(mdl), (*mdl).ByteCount as usize) };
        if va.is_null() {
            return Err(nt::STATUS_INSUFFICIENT_RESOURCES);
        }
        if count < len {
            return Err(nt::STATUS_INVALID_PARAMETER);
        }
        // SAFETY: the MDL maps at least `len` bytes (checked above), locked
        // for the IRP's life; nobody else touches them while we handle it.
        Ok(unsafe { slice::from_raw_parts_mut(va, len) })
    }

    /// The system buffer of `len` bytes (METHOD_BUFFERED and the
    /// information classes): empty for 0, else it must be there.
    pub(crate) fn system_buffer<'a>(&self, len: usize) -> Result<&'a mut [u8], NTSTATUS> {
        if len == 0 {
            return Ok(&mut []);
        }
        // SAFETY: live until completion.
        let buf = unsafe { (*self.raw()).SystemBuffer }.cast::<u8>();
        if buf.is_null() {
            return Err(nt::STATUS_INVALID_PARAMETER);
        }
        // SAFETY: the I/O manager allocated it with at least the request's
        // length, and it is ours until completion.
        Ok(unsafe { slice::from_raw_parts_mut(buf, len) })
    }

    /// `IoCompleteRequest`: the IRP is gone after this.
    pub(crate) fn complete(self, status: NTSTATUS, information: usize) -> NTSTATUS {
        // SAFETY: ours until this call, which hands it back.
        unsafe {
            (*self.raw()).IoStatus.Status = status;
            (*self.raw()).IoStatus.Information = information;
            nt::IofCompleteRequest(self.raw(), nt::IO_NO_INCREMENT as i8);
        }
        status
    }
}
