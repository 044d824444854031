//! Typed flag sets over the raw NT constants of [`crate::nt`].
//!
//! Every flag is defined from the probe-checked constant of the same name,
//! so the values cannot drift from mingw-w64's headers. Wire values (IRP
//! parameters, buffers) stay `u32`; they become these types at the entry
//! points with `from_bits_retain` (unknown bits kept, so a validity check can
//! still see them) and go back out with `bits()`.

#![allow(missing_docs)] // each flag is the NT constant of the same name; see the WDK documentation

use crate::nt::*;
use bitflags::bitflags;

bitflags! {
    /// An `ACCESS_MASK` as a file system sees it (specific, standard and
    /// generic rights). Aliases (`LIST_DIRECTORY` = `READ_DATA`) name the
    /// directory meaning of the same bit.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct Access: u32 {
        const READ_DATA = FILE_READ_DATA;
        const LIST_DIRECTORY = FILE_LIST_DIRECTORY;
        const WRITE_DATA = FILE_WRITE_DATA;
        const ADD_FILE = FILE_ADD_FILE;
        const APPEND_DATA = FILE_APPEND_DATA;
        const ADD_SUBDIRECTORY = FILE_ADD_SUBDIRECTORY;
        const READ_EA = FILE_READ_EA;
        const WRITE_EA = FILE_WRITE_EA;
        const EXECUTE = FILE_EXECUTE;
        const TRAVERSE = FILE_TRAVERSE;
        const DELETE_CHILD = FILE_DELETE_CHILD;
        const READ_ATTRIBUTES = FILE_READ_ATTRIBUTES;
        const WRITE_ATTRIBUTES = FILE_WRITE_ATTRIBUTES;
        const DELETE = DELETE;
        const READ_CONTROL = READ_CONTROL;
        const WRITE_DAC = WRITE_DAC;
        const WRITE_OWNER = WRITE_OWNER;
        const SYNCHRONIZE = SYNCHRONIZE;
        const ACCESS_SYSTEM_SECURITY = ACCESS_SYSTEM_SECURITY;
        const MAXIMUM_ALLOWED = MAXIMUM_ALLOWED;
        const GENERIC_ALL = GENERIC_ALL;
        const GENERIC_EXECUTE = GENERIC_EXECUTE;
        const GENERIC_WRITE = GENERIC_WRITE;
        const GENERIC_READ = GENERIC_READ;

        /// `FILE_ALL_ACCESS`.
        const ALL_ACCESS = FILE_ALL_ACCESS;
        /// Rights that read data, for share access and the open mode.
        const READ_INTENT = FILE_READ_DATA | FILE_EXECUTE;
        /// Rights that write data, for share access and the open mode.
        const WRITE_INTENT = FILE_WRITE_DATA | FILE_APPEND_DATA;
        /// Rights that change the file or its name; a read-only volume
        /// refuses them.
        const WRITE_RIGHTS = WRITE_RIGHTS;
    }
}

impl Access {
    /// Maps the generic rights to the file-specific ones, as the I/O manager
    /// does with the file object type's generic mapping before a file system
    /// sees them.
    pub const fn map_generic(self) -> Access {
        Access::from_bits_retain(map_generic(self.bits()))
    }
}

bitflags! {
    /// `ShareAccess` of a create. Every defined bit is valid, so
    /// `from_bits` refusing a value is the I/O manager's parameter check.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ShareMode: u32 {
        const READ = FILE_SHARE_READ;
        const WRITE = FILE_SHARE_WRITE;
        const DELETE = FILE_SHARE_DELETE;
    }
}

bitflags! {
    /// `CreateOptions` of a create (the low 24 bits of the IRP's
    /// `Parameters.Create.Options`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct CreateOptions: u32 {
        const DIRECTORY_FILE = FILE_DIRECTORY_FILE;
        const WRITE_THROUGH = FILE_WRITE_THROUGH;
        const SEQUENTIAL_ONLY = FILE_SEQUENTIAL_ONLY;
        const NO_INTERMEDIATE_BUFFERING = FILE_NO_INTERMEDIATE_BUFFERING;
        const SYNCHRONOUS_IO_ALERT = FILE_SYNCHRONOUS_IO_ALERT;
        const SYNCHRONOUS_IO_NONALERT = FILE_SYNCHRONOUS_IO_NONALERT;
        const NON_DIRECTORY_FILE = FILE_NON_DIRECTORY_FILE;
        const DELETE_ON_CLOSE = FILE_DELETE_ON_CLOSE;
        const OPEN_BY_FILE_ID = FILE_OPEN_BY_FILE_ID;
        const OPEN_FOR_BACKUP_INTENT = FILE_OPEN_FOR_BACKUP_INTENT;
        const OPEN_REPARSE_POINT = FILE_OPEN_REPARSE_POINT;

        /// `FILE_VALID_OPTION_FLAGS`: anything outside is invalid.
        const VALID = FILE_VALID_OPTION_FLAGS;
        /// The mode bits FileModeInformation reports.
        const MODE = FILE_WRITE_THROUGH
            | FILE_SEQUENTIAL_ONLY
            | FILE_NO_INTERMEDIATE_BUFFERING
            | FILE_SYNCHRONOUS_IO_ALERT
            | FILE_SYNCHRONOUS_IO_NONALERT
            | FILE_DELETE_ON_CLOSE;
    }
}

bitflags! {
    /// `FileAttributes` (of a create, FileBasicInformation, directory
    /// entries). Only the attributes the glue reports or interprets.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct FileAttributes: u32 {
        const READONLY = FILE_ATTRIBUTE_READONLY;
        const HIDDEN = FILE_ATTRIBUTE_HIDDEN;
        const SYSTEM = FILE_ATTRIBUTE_SYSTEM;
        const DIRECTORY = FILE_ATTRIBUTE_DIRECTORY;
        const ARCHIVE = FILE_ATTRIBUTE_ARCHIVE;
        const NORMAL = FILE_ATTRIBUTE_NORMAL;
        const REPARSE_POINT = FILE_ATTRIBUTE_REPARSE_POINT;
    }
}

bitflags! {
    /// `FILE_DISPOSITION_INFORMATION_EX.Flags`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct DispositionFlags: u32 {
        const DELETE = FILE_DISPOSITION_DELETE;
        const POSIX_SEMANTICS = FILE_DISPOSITION_POSIX_SEMANTICS;
        const FORCE_IMAGE_SECTION_CHECK = FILE_DISPOSITION_FORCE_IMAGE_SECTION_CHECK;
        const ON_CLOSE = FILE_DISPOSITION_ON_CLOSE;
        const IGNORE_READONLY_ATTRIBUTE = FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE;
    }
}

bitflags! {
    /// `FileFsAttributeInformation.FileSystemAttributes`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct FsAttributes: u32 {
        const CASE_SENSITIVE_SEARCH = FILE_CASE_SENSITIVE_SEARCH;
        const CASE_PRESERVED_NAMES = FILE_CASE_PRESERVED_NAMES;
        const UNICODE_ON_DISK = FILE_UNICODE_ON_DISK;
        const SUPPORTS_SPARSE_FILES = FILE_SUPPORTS_SPARSE_FILES;
        const SUPPORTS_REPARSE_POINTS = FILE_SUPPORTS_REPARSE_POINTS;
        const SUPPORTS_POSIX_UNLINK_RENAME = FILE_SUPPORTS_POSIX_UNLINK_RENAME;
        const READ_ONLY_VOLUME = FILE_READ_ONLY_VOLUME;
        const SUPPORTS_HARD_LINKS = FILE_SUPPORTS_HARD_LINKS;
        const SUPPORTS_EXTENDED_ATTRIBUTES = FILE_SUPPORTS_EXTENDED_ATTRIBUTES;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_rights_map_to_file_rights() {
        let a = (Access::GENERIC_READ | Access::DELETE).map_generic();
        assert!(a.contains(Access::READ_DATA | Access::READ_ATTRIBUTES | Access::DELETE));
        assert!(!a.intersects(Access::GENERIC_READ | Access::WRITE_INTENT));
        assert_eq!(Access::GENERIC_ALL.map_generic(), Access::ALL_ACCESS);
    }

    #[test]
    fn unknown_bits_survive_decoding() {
        // A create with a bit outside the valid options must still fail the
        // validity check, so decoding keeps it.
        let o = CreateOptions::from_bits_retain(0x0100_0000 | FILE_DIRECTORY_FILE);
        assert!(!CreateOptions::VALID.contains(o));
        assert!(ShareMode::from_bits(8).is_none());
        assert_eq!(ShareMode::from_bits(7), Some(ShareMode::all()));
    }
}
