//! NTSTATUS values the glue returns (from ntstatus.h; the C probe test checks
//! each against mingw-w64's header).

use core::fmt;

/// An NTSTATUS. Success and informational values have the top two bits 00/01,
/// warnings 10, errors 11.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NtStatus(pub u32);

macro_rules! statuses {
    ($($name:ident = $val:literal,)*) => {
        impl NtStatus {
            $(
                #[doc = concat!("`STATUS_", stringify!($name), "`.")]
                pub const $name: NtStatus = NtStatus($val);
            )*
            /// Every status defined here with its ntstatus.h name (without
            /// the `STATUS_` prefix), for messages and the header check.
            pub const ALL: &'static [(&'static str, NtStatus)] = &[$((stringify!($name), NtStatus($val))),*];
        }
    };
}

statuses! {
    SUCCESS = 0x0000_0000,
    REPARSE = 0x0000_0104,
    NOTIFY_CLEANUP = 0x0000_010B,
    NOTIFY_ENUM_DIR = 0x0000_010C,
    BUFFER_OVERFLOW = 0x8000_0005,
    NO_MORE_FILES = 0x8000_0006,
    DEVICE_BUSY = 0x8000_0011,
    NO_MORE_EAS = 0x8000_0012,
    INVALID_EA_NAME = 0x8000_0013,
    EA_LIST_INCONSISTENT = 0x8000_0014,
    UNSUCCESSFUL = 0xC000_0001,
    NOT_IMPLEMENTED = 0xC000_0002,
    INVALID_INFO_CLASS = 0xC000_0003,
    INFO_LENGTH_MISMATCH = 0xC000_0004,
    ACCESS_VIOLATION = 0xC000_0005,
    INVALID_HANDLE = 0xC000_0008,
    INVALID_PARAMETER = 0xC000_000D,
    NO_SUCH_DEVICE = 0xC000_000E,
    NO_SUCH_FILE = 0xC000_000F,
    INVALID_DEVICE_REQUEST = 0xC000_0010,
    END_OF_FILE = 0xC000_0011,
    WRONG_VOLUME = 0xC000_0012,
    NO_MEDIA_IN_DEVICE = 0xC000_0013,
    UNRECOGNIZED_MEDIA = 0xC000_0014,
    ACCESS_DENIED = 0xC000_0022,
    BUFFER_TOO_SMALL = 0xC000_0023,
    NOT_LOCKED = 0xC000_002A,
    OBJECT_NAME_INVALID = 0xC000_0033,
    OBJECT_NAME_NOT_FOUND = 0xC000_0034,
    OBJECT_NAME_COLLISION = 0xC000_0035,
    OBJECT_PATH_NOT_FOUND = 0xC000_003A,
    SHARING_VIOLATION = 0xC000_0043,
    EAS_NOT_SUPPORTED = 0xC000_004F,
    EA_TOO_LARGE = 0xC000_0050,
    NONEXISTENT_EA_ENTRY = 0xC000_0051,
    NO_EAS_ON_FILE = 0xC000_0052,
    EA_CORRUPT_ERROR = 0xC000_0053,
    FILE_LOCK_CONFLICT = 0xC000_0054,
    LOCK_NOT_GRANTED = 0xC000_0055,
    DELETE_PENDING = 0xC000_0056,
    INVALID_OWNER = 0xC000_005A,
    INVALID_PRIMARY_GROUP = 0xC000_005B,
    INVALID_ACL = 0xC000_0077,
    INVALID_SECURITY_DESCR = 0xC000_0079,
    RANGE_NOT_LOCKED = 0xC000_007E,
    DISK_FULL = 0xC000_007F,
    INVALID_VOLUME_LABEL = 0xC000_0086,
    INTEGER_OVERFLOW = 0xC000_0095,
    FILE_INVALID = 0xC000_0098,
    INSUFFICIENT_RESOURCES = 0xC000_009A,
    DEVICE_DATA_ERROR = 0xC000_009C,
    MEDIA_WRITE_PROTECTED = 0xC000_00A2,
    IO_TIMEOUT = 0xC000_00B5,
    FILE_IS_A_DIRECTORY = 0xC000_00BA,
    NOT_SUPPORTED = 0xC000_00BB,
    NOT_SAME_DEVICE = 0xC000_00D4,
    OPLOCK_NOT_GRANTED = 0xC000_00E2,
    INVALID_OPLOCK_PROTOCOL = 0xC000_00E3,
    INVALID_USER_BUFFER = 0xC000_00E8,
    UNEXPECTED_IO_ERROR = 0xC000_00E9,
    DIRECTORY_NOT_EMPTY = 0xC000_0101,
    FILE_CORRUPT_ERROR = 0xC000_0102,
    NOT_A_DIRECTORY = 0xC000_0103,
    NAME_TOO_LONG = 0xC000_0106,
    TOO_MANY_OPENED_FILES = 0xC000_011F,
    CANCELLED = 0xC000_0120,
    CANNOT_DELETE = 0xC000_0121,
    FILE_CLOSED = 0xC000_0128,
    PIPE_BROKEN = 0xC000_014B,
    UNRECOGNIZED_VOLUME = 0xC000_014F,
    INVALID_DEVICE_STATE = 0xC000_0184,
    IO_DEVICE_ERROR = 0xC000_0185,
    POSSIBLE_DEADLOCK = 0xC000_0194,
    INVALID_LOCK_RANGE = 0xC000_01A1,
    RETRY = 0xC000_022D,
    USER_MAPPED_FILE = 0xC000_0243,
    TOO_MANY_LINKS = 0xC000_0265,
    VOLUME_DISMOUNTED = 0xC000_026E,
    NOT_A_REPARSE_POINT = 0xC000_0275,
    IO_REPARSE_TAG_MISMATCH = 0xC000_0277,
    IO_REPARSE_DATA_INVALID = 0xC000_0278,
    REPARSE_POINT_NOT_RESOLVED = 0xC000_0280,
    DISK_QUOTA_EXCEEDED = 0xC000_0802,
    FILE_TOO_LARGE = 0xC000_0904,
}

impl NtStatus {
    /// `NT_SUCCESS()`: success and informational values.
    pub const fn is_success(self) -> bool {
        (self.0 as i32) >= 0
    }

    /// `NT_ERROR()`: severity error.
    pub const fn is_error(self) -> bool {
        self.0 >> 30 == 3
    }

    /// The ntstatus.h name without `STATUS_`, if this crate defines it.
    pub fn name(self) -> Option<&'static str> {
        NtStatus::ALL.iter().find(|(_, s)| *s == self).map(|(n, _)| *n)
    }
}

impl fmt::Debug for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "STATUS_{n}"),
            None => write!(f, "NTSTATUS({:#010x})", self.0),
        }
    }
}

impl fmt::Display for NtStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
