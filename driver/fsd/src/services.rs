//! The Windows services the common routines call, behind one interface.
//!
//! The product driver's implementation calls the NT kernel (share access
//! through `IoCheckShareAccess`/`IoRemoveShareAccess` on a per-file record;
//! part 3 adds the Cache Manager and FsRtl). Under Wine 8 those calls are
//! stubs that kill winedevice, so the test build's implementation is the
//! project's own code: fs-glue already applies the NT share rules to every
//! open (and is proven against Wine's ntdll), so it has nothing to add.
//! Both builds run the same common routines.

use fs_glue::NtStatus;

/// What the common routines ask of Windows. One value serves one request:
/// it knows the request's file object.
pub trait Services {
    /// A create that fs-glue admitted on file `file` (an inode number; hard
    /// links share it) with the granted `access` and `share` mode joins the
    /// file's Windows share-access record. An error undoes the create.
    fn share_open(&mut self, file: u64, access: u32, share: u32) -> Result<(), NtStatus>;

    /// CLEANUP of an open of `file` made through `share_open`: it leaves
    /// the record.
    fn share_close(&mut self, file: u64);

    /// Windows' Cache Manager, where the build caches files (`cache.rs`);
    /// without one every request goes to Linux as it comes.
    fn cache(&mut self) -> Option<&mut dyn crate::cache::CacheManager> {
        None
    }
}

/// The test build's services (and the unit tests'): fs-glue's own share
/// rules are the only ones.
pub struct OwnServices;

impl Services for OwnServices {
    fn share_open(&mut self, _file: u64, _access: u32, _share: u32) -> Result<(), NtStatus> {
        Ok(())
    }

    fn share_close(&mut self, _file: u64) {}
}
