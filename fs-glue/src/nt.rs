//! NT constants the glue interprets: access rights, create dispositions and
//! options, share modes, information classes and file attributes (values from
//! wdm.h/ntifs.h; the C probe test checks each against mingw-w64's headers).

#![allow(missing_docs)] // the names are NT's own; see the WDK documentation

/// Declares the constants and [`ALL`], the table the C probe checks.
macro_rules! nt_consts {
    ($($name:ident : $ty:ty = $val:expr $(=> $c:literal)?;)*) => {
        $(pub const $name: $ty = $val;)*
        /// `(Rust name, C spelling, value)`. The C spelling is the macro of
        /// the same name, or `enum Name` for an enumerator.
        pub const ALL: &[(&str, &str, u64)] = &[$((stringify!($name), c_spelling!($name $(, $c)?), $val as u64)),*];
    };
}

macro_rules! c_spelling {
    ($n:ident) => {
        stringify!($n)
    };
    ($n:ident, $c:literal) => {
        $c
    };
}

nt_consts! {
    // Access rights.
    FILE_READ_DATA: u32 = 0x0001;
    FILE_LIST_DIRECTORY: u32 = 0x0001;
    FILE_WRITE_DATA: u32 = 0x0002;
    FILE_ADD_FILE: u32 = 0x0002;
    FILE_APPEND_DATA: u32 = 0x0004;
    FILE_ADD_SUBDIRECTORY: u32 = 0x0004;
    FILE_READ_EA: u32 = 0x0008;
    FILE_WRITE_EA: u32 = 0x0010;
    FILE_EXECUTE: u32 = 0x0020;
    FILE_TRAVERSE: u32 = 0x0020;
    FILE_DELETE_CHILD: u32 = 0x0040;
    FILE_READ_ATTRIBUTES: u32 = 0x0080;
    FILE_WRITE_ATTRIBUTES: u32 = 0x0100;
    DELETE: u32 = 0x0001_0000;
    READ_CONTROL: u32 = 0x0002_0000;
    WRITE_DAC: u32 = 0x0004_0000;
    WRITE_OWNER: u32 = 0x0008_0000;
    SYNCHRONIZE: u32 = 0x0010_0000;
    STANDARD_RIGHTS_REQUIRED: u32 = 0x000F_0000;
    ACCESS_SYSTEM_SECURITY: u32 = 0x0100_0000;
    MAXIMUM_ALLOWED: u32 = 0x0200_0000;
    GENERIC_ALL: u32 = 0x1000_0000;
    GENERIC_EXECUTE: u32 = 0x2000_0000;
    GENERIC_WRITE: u32 = 0x4000_0000;
    GENERIC_READ: u32 = 0x8000_0000;
    FILE_ALL_ACCESS: u32 = STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF;
    FILE_GENERIC_READ: u32 = READ_CONTROL | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE;
    FILE_GENERIC_WRITE: u32 =
    READ_CONTROL | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA | FILE_APPEND_DATA | SYNCHRONIZE;
    FILE_GENERIC_EXECUTE: u32 = READ_CONTROL | FILE_READ_ATTRIBUTES | FILE_EXECUTE | SYNCHRONIZE;

    // Share access.
    FILE_SHARE_READ: u32 = 1;
    FILE_SHARE_WRITE: u32 = 2;
    FILE_SHARE_DELETE: u32 = 4;
    FILE_SHARE_VALID_FLAGS: u32 = 7;

    // Create dispositions.
    FILE_SUPERSEDE: u32 = 0;
    FILE_OPEN: u32 = 1;
    FILE_CREATE: u32 = 2;
    FILE_OPEN_IF: u32 = 3;
    FILE_OVERWRITE: u32 = 4;
    FILE_OVERWRITE_IF: u32 = 5;
    FILE_MAXIMUM_DISPOSITION: u32 = 5;

    // Create options.
    FILE_DIRECTORY_FILE: u32 = 0x0000_0001;
    FILE_WRITE_THROUGH: u32 = 0x0000_0002;
    FILE_SEQUENTIAL_ONLY: u32 = 0x0000_0004;
    FILE_NO_INTERMEDIATE_BUFFERING: u32 = 0x0000_0008;
    FILE_SYNCHRONOUS_IO_ALERT: u32 = 0x0000_0010;
    FILE_SYNCHRONOUS_IO_NONALERT: u32 = 0x0000_0020;
    FILE_NON_DIRECTORY_FILE: u32 = 0x0000_0040;
    FILE_DELETE_ON_CLOSE: u32 = 0x0000_1000;
    FILE_OPEN_BY_FILE_ID: u32 = 0x0000_2000;
    FILE_OPEN_FOR_BACKUP_INTENT: u32 = 0x0000_4000;
    FILE_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    FILE_VALID_OPTION_FLAGS: u32 = 0x00FF_FFFF;

    // IO_STATUS_BLOCK.Information of a create.
    FILE_SUPERSEDED: u64 = 0;
    FILE_OPENED: u64 = 1;
    FILE_CREATED: u64 = 2;
    FILE_OVERWRITTEN: u64 = 3;
    FILE_EXISTS: u64 = 4;
    FILE_DOES_NOT_EXIST: u64 = 5;

    // File attributes.
    FILE_ATTRIBUTE_READONLY: u32 = 0x0000_0001;
    FILE_ATTRIBUTE_HIDDEN: u32 = 0x0000_0002;
    FILE_ATTRIBUTE_SYSTEM: u32 = 0x0000_0004;
    FILE_ATTRIBUTE_DIRECTORY: u32 = 0x0000_0010;
    FILE_ATTRIBUTE_ARCHIVE: u32 = 0x0000_0020;
    FILE_ATTRIBUTE_NORMAL: u32 = 0x0000_0080;
    FILE_ATTRIBUTE_REPARSE_POINT: u32 = 0x0000_0400;

    IO_REPARSE_TAG_SYMLINK: u32 = 0xA000_000C;
    SYMLINK_FLAG_RELATIVE: u32 = 1;

    // FILE_INFORMATION_CLASS.
    FILE_DIRECTORY_INFORMATION: u32 = 1 => "enum FileDirectoryInformation";
    FILE_FULL_DIRECTORY_INFORMATION: u32 = 2 => "enum FileFullDirectoryInformation";
    FILE_BOTH_DIRECTORY_INFORMATION: u32 = 3 => "enum FileBothDirectoryInformation";
    FILE_BASIC_INFORMATION: u32 = 4 => "enum FileBasicInformation";
    FILE_STANDARD_INFORMATION: u32 = 5 => "enum FileStandardInformation";
    FILE_INTERNAL_INFORMATION: u32 = 6 => "enum FileInternalInformation";
    FILE_EA_INFORMATION: u32 = 7 => "enum FileEaInformation";
    FILE_ACCESS_INFORMATION: u32 = 8 => "enum FileAccessInformation";
    FILE_NAME_INFORMATION: u32 = 9 => "enum FileNameInformation";
    FILE_RENAME_INFORMATION: u32 = 10 => "enum FileRenameInformation";
    FILE_LINK_INFORMATION: u32 = 11 => "enum FileLinkInformation";
    FILE_NAMES_INFORMATION: u32 = 12 => "enum FileNamesInformation";
    FILE_DISPOSITION_INFORMATION: u32 = 13 => "enum FileDispositionInformation";
    FILE_POSITION_INFORMATION: u32 = 14 => "enum FilePositionInformation";
    FILE_MODE_INFORMATION: u32 = 16 => "enum FileModeInformation";
    FILE_ALIGNMENT_INFORMATION: u32 = 17 => "enum FileAlignmentInformation";
    FILE_ALL_INFORMATION: u32 = 18 => "enum FileAllInformation";
    FILE_ALLOCATION_INFORMATION: u32 = 19 => "enum FileAllocationInformation";
    FILE_END_OF_FILE_INFORMATION: u32 = 20 => "enum FileEndOfFileInformation";
    FILE_STREAM_INFORMATION: u32 = 22 => "enum FileStreamInformation";
    FILE_NETWORK_OPEN_INFORMATION: u32 = 34 => "enum FileNetworkOpenInformation";
    FILE_ATTRIBUTE_TAG_INFORMATION: u32 = 35 => "enum FileAttributeTagInformation";
    FILE_ID_BOTH_DIRECTORY_INFORMATION: u32 = 37 => "enum FileIdBothDirectoryInformation";
    FILE_ID_FULL_DIRECTORY_INFORMATION: u32 = 38 => "enum FileIdFullDirectoryInformation";
    FILE_DISPOSITION_INFORMATION_EX: u32 = 64 => "enum FileDispositionInformationEx";
    FILE_RENAME_INFORMATION_EX: u32 = 65 => "enum FileRenameInformationEx";

    // FS_INFORMATION_CLASS.
    FILE_FS_VOLUME_INFORMATION: u32 = 1 => "enum FileFsVolumeInformation";
    FILE_FS_LABEL_INFORMATION: u32 = 2 => "enum FileFsLabelInformation";
    FILE_FS_SIZE_INFORMATION: u32 = 3 => "enum FileFsSizeInformation";
    FILE_FS_DEVICE_INFORMATION: u32 = 4 => "enum FileFsDeviceInformation";
    FILE_FS_ATTRIBUTE_INFORMATION: u32 = 5 => "enum FileFsAttributeInformation";
    FILE_FS_FULL_SIZE_INFORMATION: u32 = 7 => "enum FileFsFullSizeInformation";
    FILE_FS_OBJECTID_INFORMATION: u32 = 8 => "enum FileFsObjectIdInformation";
    FILE_FS_SECTOR_SIZE_INFORMATION: u32 = 11 => "enum FileFsSectorSizeInformation";

    // NtNotifyChangeDirectoryFile's CompletionFilter.
    FILE_NOTIFY_CHANGE_FILE_NAME: u32 = 0x0001;
    FILE_NOTIFY_CHANGE_DIR_NAME: u32 = 0x0002;
    FILE_NOTIFY_CHANGE_ATTRIBUTES: u32 = 0x0004;
    FILE_NOTIFY_CHANGE_SIZE: u32 = 0x0008;
    FILE_NOTIFY_CHANGE_LAST_WRITE: u32 = 0x0010;
    FILE_NOTIFY_CHANGE_LAST_ACCESS: u32 = 0x0020;
    FILE_NOTIFY_CHANGE_CREATION: u32 = 0x0040;
    FILE_NOTIFY_CHANGE_EA: u32 = 0x0080;
    FILE_NOTIFY_CHANGE_SECURITY: u32 = 0x0100;
    FILE_NOTIFY_VALID_MASK: u32 = 0x0FFF;

    // FILE_NOTIFY_INFORMATION.Action.
    FILE_ACTION_ADDED: u32 = 1;
    FILE_ACTION_REMOVED: u32 = 2;
    FILE_ACTION_MODIFIED: u32 = 3;
    FILE_ACTION_RENAMED_OLD_NAME: u32 = 4;
    FILE_ACTION_RENAMED_NEW_NAME: u32 = 5;

    // FILE_DISPOSITION_INFORMATION_EX.Flags.
    FILE_DISPOSITION_DELETE: u32 = 0x01;
    FILE_DISPOSITION_POSIX_SEMANTICS: u32 = 0x02;
    FILE_DISPOSITION_FORCE_IMAGE_SECTION_CHECK: u32 = 0x04;
    FILE_DISPOSITION_ON_CLOSE: u32 = 0x08;
    FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE: u32 = 0x10;

    // FILE_RENAME_INFORMATION_EX.Flags.
    FILE_RENAME_REPLACE_IF_EXISTS: u32 = 0x01;
    FILE_RENAME_POSIX_SEMANTICS: u32 = 0x02;
    FILE_RENAME_IGNORE_READONLY_ATTRIBUTE: u32 = 0x40;

    // FileFsAttributeInformation.FileSystemAttributes.
    FILE_CASE_SENSITIVE_SEARCH: u32 = 0x0000_0001;
    FILE_CASE_PRESERVED_NAMES: u32 = 0x0000_0002;
    FILE_UNICODE_ON_DISK: u32 = 0x0000_0004;
    FILE_SUPPORTS_SPARSE_FILES: u32 = 0x0000_0040;
    FILE_SUPPORTS_REPARSE_POINTS: u32 = 0x0000_0080;
    FILE_SUPPORTS_POSIX_UNLINK_RENAME: u32 = 0x0000_0400;
    FILE_READ_ONLY_VOLUME: u32 = 0x0008_0000;
    FILE_SUPPORTS_HARD_LINKS: u32 = 0x0040_0000;
    FILE_SUPPORTS_EXTENDED_ATTRIBUTES: u32 = 0x0080_0000;

    FILE_DEVICE_DISK: u32 = 0x0000_0007;
    FILE_READ_ONLY_DEVICE: u32 = 0x0000_0002;
    SSINFO_FLAGS_ALIGNED_DEVICE: u32 = 0x0000_0001;
    SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE: u32 = 0x0000_0002;

    // FILE_WRITE_TO_END_OF_FILE as a byte offset (the low part of -1).
    FILE_WRITE_TO_END_OF_FILE: u64 = 0xFFFF_FFFF;
    // FILE_USE_FILE_POINTER_POSITION as a byte offset.
    FILE_USE_FILE_POINTER_POSITION: u64 = 0xFFFF_FFFE;
}

/// Rights that change the file or its name; a read-only volume refuses them.
pub const WRITE_RIGHTS: u32 = FILE_WRITE_DATA
    | FILE_APPEND_DATA
    | FILE_WRITE_EA
    | FILE_WRITE_ATTRIBUTES
    | FILE_DELETE_CHILD
    | DELETE
    | WRITE_DAC
    | WRITE_OWNER;

/// Maps the generic rights to the file-specific ones, as the I/O manager does
/// with the file object type's generic mapping before a file system sees them.
pub const fn map_generic(access: u32) -> u32 {
    let mut a = access & !(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
    if access & GENERIC_READ != 0 {
        a |= FILE_GENERIC_READ;
    }
    if access & GENERIC_WRITE != 0 {
        a |= FILE_GENERIC_WRITE;
    }
    if access & GENERIC_EXECUTE != 0 {
        a |= FILE_GENERIC_EXECUTE;
    }
    if access & GENERIC_ALL != 0 {
        a |= FILE_ALL_ACCESS;
    }
    a
}
