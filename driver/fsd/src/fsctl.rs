//! IRP_MJ_FILE_SYSTEM_CONTROL / IRP_MN_USER_FS_REQUEST: the volume FSCTLs.
//! (Mount and verify need the NT device stack and stay in the driver.)

use fs_glue::{NtStatus, Vfs};

use crate::Reply;
use crate::vcb::{Ccb, Open, Vcb};

/// `CTL_CODE(FILE_DEVICE_FILE_SYSTEM, function, METHOD_BUFFERED,
/// FILE_ANY_ACCESS)`; the driver checks each against the DDK's value.
const fn fs_code(function: u32) -> u32 {
    (0x9 << 16) | (function << 2)
}

/// `FSCTL_LOCK_VOLUME`.
pub const LOCK_VOLUME: u32 = fs_code(6);
/// `FSCTL_UNLOCK_VOLUME`.
pub const UNLOCK_VOLUME: u32 = fs_code(7);
/// `FSCTL_DISMOUNT_VOLUME`.
pub const DISMOUNT_VOLUME: u32 = fs_code(8);
/// `FSCTL_IS_VOLUME_MOUNTED`.
pub const IS_VOLUME_MOUNTED: u32 = fs_code(10);
/// `FSCTL_SET_REPARSE_POINT` (its FILE_SPECIAL_ACCESS is FILE_ANY_ACCESS).
pub const SET_REPARSE_POINT: u32 = fs_code(41);
/// `FSCTL_GET_REPARSE_POINT`.
pub const GET_REPARSE_POINT: u32 = fs_code(42);
/// `FSCTL_DELETE_REPARSE_POINT` (FILE_SPECIAL_ACCESS).
pub const DELETE_REPARSE_POINT: u32 = fs_code(43);

/// The oplock requests: FSCTL_REQUEST_OPLOCK_LEVEL_1, _LEVEL_2,
/// FSCTL_REQUEST_BATCH_OPLOCK, FSCTL_REQUEST_FILTER_OPLOCK and
/// FSCTL_REQUEST_OPLOCK.
pub const OPLOCK_REQUESTS: [u32; 5] = [fs_code(0), fs_code(1), fs_code(2), fs_code(23), fs_code(144)];
/// The oplock acknowledgments: FSCTL_OPLOCK_BREAK_ACKNOWLEDGE,
/// FSCTL_OPBATCH_ACK_CLOSE_PENDING, FSCTL_OPLOCK_BREAK_NOTIFY and
/// FSCTL_OPLOCK_BREAK_ACK_NO_2.
pub const OPLOCK_ACKS: [u32; 4] = [fs_code(3), fs_code(4), fs_code(5), fs_code(20)];

/// What an FSCTL did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsctlDone {
    /// How the IRP completes.
    pub reply: Reply,
    /// The volume was dismounted just now: the driver unmounts it from
    /// Linux and lets its device go once the last file object closes.
    pub dismounted: bool,
}

impl<V: Vfs> Vcb<V> {
    /// A user FSCTL on `ccb` with its METHOD_BUFFERED input and output
    /// (the driver copies the input out of the system buffer first, which
    /// the output then overwrites); an unknown code is an invalid device
    /// request.
    pub fn fsctl(&mut self, ccb: &Ccb, code: u32, input: &[u8], output: &mut [u8]) -> FsctlDone {
        let done = |status| FsctlDone { reply: Reply::err(status), dismounted: false };
        match code {
            GET_REPARSE_POINT | SET_REPARSE_POINT | DELETE_REPARSE_POINT => {
                let h = match self.handle(ccb) {
                    Ok(Some(h)) => h,
                    Ok(None) => return done(NtStatus::INVALID_PARAMETER),
                    Err(s) => return done(s),
                };
                let reply = if code == GET_REPARSE_POINT {
                    self.volume.get_reparse_point(h, output).into()
                } else {
                    let r = if code == SET_REPARSE_POINT {
                        self.volume.set_reparse_point(h, input)
                    } else {
                        self.volume.delete_reparse_point(h, input)
                    };
                    match r {
                        Ok(()) => Reply::ok(0),
                        Err(s) => Reply::err(s),
                    }
                };
                FsctlDone { reply, dismounted: false }
            }
            IS_VOLUME_MOUNTED => match self.handle(ccb) {
                Ok(_) => done(NtStatus::SUCCESS),
                Err(s) => done(s),
            },
            LOCK_VOLUME | UNLOCK_VOLUME | DISMOUNT_VOLUME => {
                // Each needs an open of the volume itself.
                let id = match (self.handle(ccb), ccb.open) {
                    (Err(s), _) => return done(s),
                    (Ok(_), Open::Volume(id)) => id,
                    (Ok(_), Open::File(..)) => return done(NtStatus::INVALID_PARAMETER),
                };
                match code {
                    LOCK_VOLUME => done(self.lock(id)),
                    UNLOCK_VOLUME => done(self.unlock(id)),
                    _ => {
                        self.force_dismount();
                        FsctlDone { reply: Reply::ok(0), dismounted: true }
                    }
                }
            }
            // No oplock is granted (the file system has none yet: part 3
            // moves the Windows build to FsRtlOplockFsctrl): a request is
            // not granted, and with nothing granted an acknowledgment is
            // out of protocol, as FsRtlOplockFsctrl answers. Only a file
            // takes them (FatOplockRequest).
            c if OPLOCK_REQUESTS.contains(&c) || OPLOCK_ACKS.contains(&c) => match (self.handle(ccb), ccb.open) {
                (Err(s), _) => done(s),
                (Ok(Some(h)), Open::File(..)) if !self.volume.is_directory(h).unwrap_or(true) => {
                    done(if OPLOCK_REQUESTS.contains(&c) {
                        NtStatus::OPLOCK_NOT_GRANTED
                    } else {
                        NtStatus::INVALID_OPLOCK_PROTOCOL
                    })
                }
                _ => done(NtStatus::INVALID_PARAMETER),
            },
            _ => done(NtStatus::INVALID_DEVICE_REQUEST),
        }
    }

    /// FSCTL_LOCK_VOLUME: only when the caller's volume open is the only
    /// open left (fastfat's rule).
    fn lock(&mut self, id: u32) -> NtStatus {
        if self.locked_by.is_some() || self.open_handles() > 1 {
            return NtStatus::ACCESS_DENIED;
        }
        self.locked_by = Some(id);
        NtStatus::SUCCESS
    }

    /// FSCTL_UNLOCK_VOLUME: only by the open holding the lock.
    fn unlock(&mut self, id: u32) -> NtStatus {
        if self.locked_by != Some(id) {
            return NtStatus::NOT_LOCKED;
        }
        self.locked_by = None;
        NtStatus::SUCCESS
    }

    /// FSCTL_DISMOUNT_VOLUME (also the driver's at unload): allowed with files open (a forced dismount,
    /// as on Windows): their handles close now, without their delete
    /// dispositions being lost (fs-glue's close carries them out), and
    /// every later request on them fails with STATUS_VOLUME_DISMOUNTED.
    pub fn force_dismount(&mut self) {
        for h in self.volume.handles() {
            let _ = self.volume.close(h);
        }
        self.dismounted = true;
        self.locked_by = None;
        self.drop_all_locks();
        self.end_all_watches();
    }
}
