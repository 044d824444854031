//! The WFX interface's types and codes (Ghisler's fsplugin.h 2.1; Double
//! Commander's `sdk/wfxplugin.h` is the same on Linux, with UTF-16 WCHARs
//! and the C calling convention). Layouts are proven by the tests below.

/// `FILETIME`: 100 ns ticks since 1601-01-01, as two 32-bit halves.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileTime {
    pub low: u32,
    pub high: u32,
}

/// `MAX_PATH` WCHARs of `cFileName`.
pub const MAX_PATH: usize = 260;

/// `WIN32_FIND_DATAW`: 592 bytes with 32-bit fields on every platform (the
/// SDK packs it; every field is naturally aligned, so `repr(C)` lays it out
/// the same, as the tests check).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FindData {
    pub attributes: u32,
    pub creation: FileTime,
    pub last_access: FileTime,
    pub last_write: FileTime,
    pub size_high: u32,
    pub size_low: u32,
    /// On Unix with [`UNIX_MODE`] in the attributes: the file's mode.
    pub reserved0: u32,
    pub reserved1: u32,
    pub file_name: [u16; MAX_PATH],
    pub alternate_name: [u16; 14],
}

impl Default for FindData {
    fn default() -> Self {
        FindData {
            attributes: 0,
            creation: FileTime::default(),
            last_access: FileTime::default(),
            last_write: FileTime::default(),
            size_high: 0,
            size_low: 0,
            reserved0: 0,
            reserved1: 0,
            file_name: [0; MAX_PATH],
            alternate_name: [0; 14],
        }
    }
}

/// `FsDefaultParamStruct`'s fixed head: its size, the interface version,
/// then `DefaultIniName` (ANSI, `MAX_PATH` bytes on Windows, 4096 in
/// Double Commander), whose length `size` tells.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct DefaultParamsHead {
    pub size: i32,
    pub version_low: u32,
    pub version_high: u32,
}

pub const FILE_ATTRIBUTE_READONLY: u32 = 0x1;
pub const FILE_ATTRIBUTE_DIRECTORY: u32 = 0x10;
pub const FILE_ATTRIBUTE_NORMAL: u32 = 0x80;
/// The Unix-mode extension: `reserved0` holds the mode.
pub const UNIX_MODE: u32 = 0x8000_0000;

pub const FS_FILE_OK: i32 = 0;
pub const FS_FILE_EXISTS: i32 = 1;
pub const FS_FILE_NOTFOUND: i32 = 2;
pub const FS_FILE_READERROR: i32 = 3;
pub const FS_FILE_WRITEERROR: i32 = 4;
pub const FS_FILE_USERABORT: i32 = 5;
pub const FS_FILE_NOTSUPPORTED: i32 = 6;

pub const FS_EXEC_OK: i32 = 0;
pub const FS_EXEC_ERROR: i32 = 1;
pub const FS_EXEC_YOURSELF: i32 = -1;
pub const FS_EXEC_SYMLINK: i32 = -2;

pub const FS_COPYFLAGS_OVERWRITE: i32 = 1;
pub const FS_COPYFLAGS_RESUME: i32 = 2;
pub const FS_COPYFLAGS_MOVE: i32 = 4;

/// tLogProc message types.
pub const MSGTYPE_CONNECT: i32 = 1;
pub const MSGTYPE_DISCONNECT: i32 = 2;
pub const MSGTYPE_IMPORTANTERROR: i32 = 6;

/// FsStatusInfo: the start or end of an operation, and the operations
/// that change many files in one user action.
pub const FS_STATUS_START: i32 = 0;
pub const FS_STATUS_OP_PUT_MULTI: i32 = 5;
pub const FS_STATUS_OP_RENMOV_MULTI: i32 = 7;
pub const FS_STATUS_OP_DELETE: i32 = 8;
pub const FS_STATUS_OP_ATTRIB: i32 = 9;
pub const FS_STATUS_OP_SYNC_PUT: i32 = 17;
pub const FS_STATUS_OP_SYNC_DELETE: i32 = 18;
pub const FS_STATUS_OP_PUT_MULTI_THREAD: i32 = 20;

/// `ERROR_NO_MORE_FILES`: an empty folder's FsFindFirst.
pub const ERROR_NO_MORE_FILES: u32 = 18;

/// Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01.
const EPOCH_DIFF_SECS: i64 = 11_644_473_600;

impl FileTime {
    /// A Unix time (seconds, nanoseconds) as FILETIME; times before 1601
    /// become 0.
    pub fn from_unix(sec: i64, nsec: u32) -> FileTime {
        let ticks = (sec.saturating_add(EPOCH_DIFF_SECS)).max(0) as u64 * 10_000_000 + u64::from(nsec / 100);
        FileTime { low: ticks as u32, high: (ticks >> 32) as u32 }
    }

    /// Back to Unix (seconds, nanoseconds).
    pub fn to_unix(self) -> (i64, u32) {
        let ticks = (u64::from(self.high) << 32) | u64::from(self.low);
        ((ticks / 10_000_000) as i64 - EPOCH_DIFF_SECS, ((ticks % 10_000_000) * 100) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn find_data_is_the_sdks_592_bytes() {
        assert_eq!(size_of::<FindData>(), 592);
        assert_eq!(offset_of!(FindData, creation), 4);
        assert_eq!(offset_of!(FindData, last_write), 20);
        assert_eq!(offset_of!(FindData, size_high), 28);
        assert_eq!(offset_of!(FindData, size_low), 32);
        assert_eq!(offset_of!(FindData, reserved0), 36);
        assert_eq!(offset_of!(FindData, file_name), 44);
        assert_eq!(offset_of!(FindData, alternate_name), 564);
        assert_eq!(size_of::<DefaultParamsHead>(), 12);
    }

    #[test]
    fn filetime_round_trips_unix_time() {
        // 2026-01-02 03:04:05.6 UTC.
        let t = FileTime::from_unix(1_767_323_045, 600_000_000);
        assert_eq!(t.to_unix(), (1_767_323_045, 600_000_000));
        assert_eq!(FileTime::from_unix(0, 0), FileTime { low: 0xD53E_8000, high: 0x019D_B1DE });
    }
}
