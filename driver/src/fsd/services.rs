//! The Windows services behind `fsd::Services`, one implementation per
//! build. The product's calls the NT kernel: each file's share-access
//! record (the FCB's SHARE_ACCESS) is kept with IoCheckShareAccess and
//! IoRemoveShareAccess, which also set the file object's access flags that
//! other kernel components read, and files are cached by Windows' Cache
//! Manager (`wincache.rs`). Under Wine 8 all of these are stubs that kill
//! winedevice, so the test build uses the project's own rules (fs-glue's,
//! which every open already passes) and no cache, and must import none of
//! them: suite 20's import report checks that the test build imports no
//! Wine stub at all.

#[cfg(not(feature = "testing"))]
use alloc::boxed::Box;
#[cfg(not(feature = "testing"))]
use alloc::collections::BTreeMap;

#[cfg(not(feature = "testing"))]
use fs_glue::NtStatus;
#[cfg(not(feature = "testing"))]
use nt::FILE_OBJECT;

use super::irp::Irp;
use super::volume::VolumeExt;

/// The volume's share-access records, by file (under the volume's lock).
#[cfg(not(feature = "testing"))]
#[derive(Default)]
pub(crate) struct Shares(BTreeMap<u64, Box<Record>>);

/// The test build keeps none.
#[cfg(feature = "testing")]
#[derive(Default)]
pub(crate) struct Shares;

/// One file's SHARE_ACCESS and how many opens went through it (the record
/// goes with the last; boxed so its address is stable while the kernel
/// holds it across a call).
#[cfg(not(feature = "testing"))]
struct Record {
    access: nt::SHARE_ACCESS,
    opens: u32,
}

/// The services for one request, `irp`, on the volume of `ext`.
#[cfg(not(feature = "testing"))]
pub(crate) fn of<'a>(irp: Irp, ext: &'a VolumeExt, shares: &'a mut Shares) -> Windows<'a> {
    let fo = irp.file_object();
    Windows { fo, shares, cache: super::wincache::WinCache { irp: irp.raw(), fo, fcbs: &ext.fcbs } }
}

/// The services for one request: the project's own.
#[cfg(feature = "testing")]
pub(crate) fn of(_irp: Irp, _ext: &VolumeExt, _shares: &mut Shares) -> fsd::OwnServices {
    fsd::OwnServices
}

/// The product's services for one request on a file object.
#[cfg(not(feature = "testing"))]
pub(crate) struct Windows<'a> {
    fo: *mut FILE_OBJECT,
    shares: &'a mut Shares,
    cache: super::wincache::WinCache<'a>,
}

#[cfg(not(feature = "testing"))]
impl fsd::Services for Windows<'_> {
    fn share_open(&mut self, file: u64, access: u32, share: u32) -> Result<(), NtStatus> {
        let rec = self.shares.0.entry(file).or_insert_with(|| {
            Box::new(Record {
                access: nt::SHARE_ACCESS {
                    OpenCount: 0,
                    Readers: 0,
                    Writers: 0,
                    Deleters: 0,
                    SharedRead: 0,
                    SharedWrite: 0,
                    SharedDelete: 0,
                },
                opens: 0,
            })
        });
        // SAFETY: the request's live file object and the file's record,
        // serialised by the volume lock the caller holds; PASSIVE_LEVEL.
        let status = unsafe { nt::IoCheckShareAccess(access, share, self.fo, &mut rec.access, 1) };
        if nt::nt_success(status) {
            rec.opens += 1;
            return Ok(());
        }
        if rec.opens == 0 {
            self.shares.0.remove(&file);
        }
        Err(NtStatus(status as u32))
    }

    fn cache(&mut self) -> Option<&mut dyn fsd::cache::CacheManager> {
        Some(&mut self.cache)
    }

    fn share_close(&mut self, file: u64) {
        let Some(rec) = self.shares.0.get_mut(&file) else { return };
        // SAFETY: as in `share_open`; the file object's flags say what it
        // counted.
        unsafe { nt::IoRemoveShareAccess(self.fo, &mut rec.access) };
        rec.opens = rec.opens.saturating_sub(1);
        if rec.opens == 0 {
            self.shares.0.remove(&file);
        }
    }
}
