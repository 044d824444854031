//! Byte offsets and sizes of every NT structure the glue writes or reads
//! (x64). The C probe test (tests/fs-glue-testbed/tests/c_probe.rs) turns [`ALL`]
//! into `_Static_assert`s over mingw-w64's DDK headers, so each number here
//! is checked against a header nobody here wrote. Structures mingw-w64 lacks
//! are declared in the probe from Microsoft's documentation; [`Layout::in_mingw`]
//! says which.

/// One structure: its C name, `sizeof`, and the offset of each field the glue
/// touches, named by its C member designator.
pub struct Layout {
    /// The C type name.
    pub c_name: &'static str,
    /// `sizeof` in C (including the padding after a trailing `WCHAR[1]`).
    pub size: usize,
    /// `(member designator, offset)`.
    pub fields: &'static [(&'static str, usize)],
    /// False when mingw-w64's headers lack the type and the probe declares
    /// it from Microsoft's documentation.
    pub in_mingw: bool,
}

macro_rules! layouts {
    ($($(#[$m:meta])* $module:ident = $c:literal, size $size:literal, mingw $mingw:literal {
        $($field:ident $cfield:literal $off:literal),* $(,)?
    })*) => {
        $(
            $(#[$m])*
            #[allow(missing_docs)]
            pub mod $module {
                /// `sizeof` in C.
                pub const SIZE: usize = $size;
                $(pub const $field: usize = $off;)*
                /// This structure's entry in [`super::ALL`].
                pub const LAYOUT: super::Layout = super::Layout {
                    c_name: $c,
                    size: $size,
                    fields: &[$(($cfield, $off)),*],
                    in_mingw: $mingw,
                };
            }
        )*
        /// Every structure, for the header check.
        pub const ALL: &[Layout] = &[$($module::LAYOUT),*];
    };
}

layouts! {
    /// `FILE_DIRECTORY_INFORMATION`.
    dir = "FILE_DIRECTORY_INFORMATION", size 72, mingw true {
        NEXT "NextEntryOffset" 0, INDEX "FileIndex" 4, CREATION "CreationTime" 8,
        ACCESS "LastAccessTime" 16, WRITE "LastWriteTime" 24, CHANGE "ChangeTime" 32,
        EOF "EndOfFile" 40, ALLOC "AllocationSize" 48, ATTR "FileAttributes" 56,
        NAME_LEN "FileNameLength" 60, NAME "FileName" 64,
    }
    /// `FILE_FULL_DIR_INFORMATION`.
    full_dir = "FILE_FULL_DIR_INFORMATION", size 72, mingw true {
        NEXT "NextEntryOffset" 0, INDEX "FileIndex" 4, CREATION "CreationTime" 8,
        ACCESS "LastAccessTime" 16, WRITE "LastWriteTime" 24, CHANGE "ChangeTime" 32,
        EOF "EndOfFile" 40, ALLOC "AllocationSize" 48, ATTR "FileAttributes" 56,
        NAME_LEN "FileNameLength" 60, EA "EaSize" 64, NAME "FileName" 68,
    }
    /// `FILE_BOTH_DIR_INFORMATION`.
    both_dir = "FILE_BOTH_DIR_INFORMATION", size 96, mingw true {
        NEXT "NextEntryOffset" 0, INDEX "FileIndex" 4, CREATION "CreationTime" 8,
        ACCESS "LastAccessTime" 16, WRITE "LastWriteTime" 24, CHANGE "ChangeTime" 32,
        EOF "EndOfFile" 40, ALLOC "AllocationSize" 48, ATTR "FileAttributes" 56,
        NAME_LEN "FileNameLength" 60, EA "EaSize" 64, SHORT_LEN "ShortNameLength" 68,
        SHORT "ShortName" 70, NAME "FileName" 94,
    }
    /// `FILE_ID_BOTH_DIR_INFORMATION`.
    id_both_dir = "FILE_ID_BOTH_DIR_INFORMATION", size 112, mingw true {
        NEXT "NextEntryOffset" 0, INDEX "FileIndex" 4, CREATION "CreationTime" 8,
        ACCESS "LastAccessTime" 16, WRITE "LastWriteTime" 24, CHANGE "ChangeTime" 32,
        EOF "EndOfFile" 40, ALLOC "AllocationSize" 48, ATTR "FileAttributes" 56,
        NAME_LEN "FileNameLength" 60, EA "EaSize" 64, SHORT_LEN "ShortNameLength" 68,
        SHORT "ShortName" 70, ID "FileId" 96, NAME "FileName" 104,
    }
    /// `FILE_ID_FULL_DIR_INFORMATION`.
    id_full_dir = "FILE_ID_FULL_DIR_INFORMATION", size 88, mingw true {
        NEXT "NextEntryOffset" 0, INDEX "FileIndex" 4, CREATION "CreationTime" 8,
        ACCESS "LastAccessTime" 16, WRITE "LastWriteTime" 24, CHANGE "ChangeTime" 32,
        EOF "EndOfFile" 40, ALLOC "AllocationSize" 48, ATTR "FileAttributes" 56,
        NAME_LEN "FileNameLength" 60, EA "EaSize" 64, ID "FileId" 72, NAME "FileName" 80,
    }
    /// `FILE_NAMES_INFORMATION`.
    names = "FILE_NAMES_INFORMATION", size 16, mingw true {
        NEXT "NextEntryOffset" 0, INDEX "FileIndex" 4, NAME_LEN "FileNameLength" 8, NAME "FileName" 12,
    }
    /// `FILE_BASIC_INFORMATION`.
    basic = "FILE_BASIC_INFORMATION", size 40, mingw true {
        CREATION "CreationTime" 0, ACCESS "LastAccessTime" 8, WRITE "LastWriteTime" 16,
        CHANGE "ChangeTime" 24, ATTR "FileAttributes" 32,
    }
    /// `FILE_STANDARD_INFORMATION`.
    standard = "FILE_STANDARD_INFORMATION", size 24, mingw true {
        ALLOC "AllocationSize" 0, EOF "EndOfFile" 8, LINKS "NumberOfLinks" 16,
        DELETE_PENDING "DeletePending" 20, DIRECTORY "Directory" 21,
    }
    /// `FILE_INTERNAL_INFORMATION`.
    internal = "FILE_INTERNAL_INFORMATION", size 8, mingw true { INDEX "IndexNumber" 0 }
    /// `FILE_EA_INFORMATION`.
    ea = "FILE_EA_INFORMATION", size 4, mingw true { EA "EaSize" 0 }
    /// `FILE_ACCESS_INFORMATION`.
    access = "FILE_ACCESS_INFORMATION", size 4, mingw true { FLAGS "AccessFlags" 0 }
    /// `FILE_NAME_INFORMATION`.
    name = "FILE_NAME_INFORMATION", size 8, mingw true { NAME_LEN "FileNameLength" 0, NAME "FileName" 4 }
    /// `FILE_POSITION_INFORMATION`.
    position = "FILE_POSITION_INFORMATION", size 8, mingw true { OFFSET "CurrentByteOffset" 0 }
    /// `FILE_MODE_INFORMATION`.
    mode = "FILE_MODE_INFORMATION", size 4, mingw true { MODE "Mode" 0 }
    /// `FILE_ALIGNMENT_INFORMATION`.
    alignment = "FILE_ALIGNMENT_INFORMATION", size 4, mingw true { ALIGN "AlignmentRequirement" 0 }
    /// `FILE_ALL_INFORMATION`.
    all = "FILE_ALL_INFORMATION", size 104, mingw true {
        BASIC "BasicInformation" 0, STANDARD "StandardInformation" 40,
        INTERNAL "InternalInformation" 64, EA "EaInformation" 72, ACCESS "AccessInformation" 76,
        POSITION "PositionInformation" 80, MODE "ModeInformation" 88,
        ALIGNMENT "AlignmentInformation" 92, NAME "NameInformation" 96,
    }
    /// `FILE_NETWORK_OPEN_INFORMATION`.
    network_open = "FILE_NETWORK_OPEN_INFORMATION", size 56, mingw true {
        CREATION "CreationTime" 0, ACCESS "LastAccessTime" 8, WRITE "LastWriteTime" 16,
        CHANGE "ChangeTime" 24, ALLOC "AllocationSize" 32, EOF "EndOfFile" 40, ATTR "FileAttributes" 48,
    }
    /// `FILE_ATTRIBUTE_TAG_INFORMATION`.
    attribute_tag = "FILE_ATTRIBUTE_TAG_INFORMATION", size 8, mingw true {
        ATTR "FileAttributes" 0, TAG "ReparseTag" 4,
    }
    /// `FILE_STREAM_INFORMATION`.
    stream = "FILE_STREAM_INFORMATION", size 32, mingw true {
        NEXT "NextEntryOffset" 0, NAME_LEN "StreamNameLength" 4, SIZE_ "StreamSize" 8,
        ALLOC "StreamAllocationSize" 16, NAME "StreamName" 24,
    }
    /// `FILE_END_OF_FILE_INFORMATION`.
    end_of_file = "FILE_END_OF_FILE_INFORMATION", size 8, mingw true { EOF "EndOfFile" 0 }
    /// `FILE_ALLOCATION_INFORMATION`.
    allocation = "FILE_ALLOCATION_INFORMATION", size 8, mingw true { ALLOC "AllocationSize" 0 }
    /// `FILE_DISPOSITION_INFORMATION`.
    disposition = "FILE_DISPOSITION_INFORMATION", size 1, mingw true { DELETE "DeleteFile" 0 }
    /// `FILE_DISPOSITION_INFORMATION_EX` (Windows 10 1709).
    disposition_ex = "FILE_DISPOSITION_INFORMATION_EX", size 4, mingw false { FLAGS "Flags" 0 }
    /// `FILE_RENAME_INFORMATION` (also `FILE_LINK_INFORMATION`).
    rename = "FILE_RENAME_INFORMATION", size 24, mingw true {
        REPLACE "ReplaceIfExists" 0, ROOT "RootDirectory" 8, NAME_LEN "FileNameLength" 16, NAME "FileName" 20,
    }
    /// `FILE_LINK_INFORMATION`.
    link = "FILE_LINK_INFORMATION", size 24, mingw true {
        REPLACE "ReplaceIfExists" 0, ROOT "RootDirectory" 8, NAME_LEN "FileNameLength" 16, NAME "FileName" 20,
    }
    /// `FILE_RENAME_INFORMATION_EX` (Windows 10 1709).
    rename_ex = "FILE_RENAME_INFORMATION_EX", size 24, mingw false {
        FLAGS "Flags" 0, ROOT "RootDirectory" 8, NAME_LEN "FileNameLength" 16, NAME "FileName" 20,
    }
    /// `FILE_FULL_EA_INFORMATION` (QUERY_EA's output, SET_EA's input).
    full_ea = "FILE_FULL_EA_INFORMATION", size 12, mingw true {
        NEXT "NextEntryOffset" 0, FLAGS "Flags" 4, NAME_LEN "EaNameLength" 5, VALUE_LEN "EaValueLength" 6,
        NAME "EaName" 8,
    }
    /// `FILE_GET_EA_INFORMATION` (QUERY_EA's list of names).
    get_ea = "FILE_GET_EA_INFORMATION", size 8, mingw true {
        NEXT "NextEntryOffset" 0, NAME_LEN "EaNameLength" 4, NAME "EaName" 5,
    }
    /// `FILE_FS_VOLUME_INFORMATION`.
    fs_volume = "FILE_FS_VOLUME_INFORMATION", size 24, mingw true {
        CREATION "VolumeCreationTime" 0, SERIAL "VolumeSerialNumber" 8, LABEL_LEN "VolumeLabelLength" 12,
        OBJECTS "SupportsObjects" 16, LABEL "VolumeLabel" 18,
    }
    /// `FILE_FS_LABEL_INFORMATION`.
    fs_label = "FILE_FS_LABEL_INFORMATION", size 8, mingw true {
        LABEL_LEN "VolumeLabelLength" 0, LABEL "VolumeLabel" 4,
    }
    /// `FILE_FS_OBJECTID_INFORMATION`.
    fs_object_id = "FILE_FS_OBJECTID_INFORMATION", size 64, mingw true {
        OBJECT_ID "ObjectId" 0, EXTENDED "ExtendedInfo" 16,
    }
    /// `FILE_FS_SIZE_INFORMATION`.
    fs_size = "FILE_FS_SIZE_INFORMATION", size 24, mingw true {
        TOTAL "TotalAllocationUnits" 0, AVAIL "AvailableAllocationUnits" 8,
        SECTORS_PER_UNIT "SectorsPerAllocationUnit" 16, BYTES_PER_SECTOR "BytesPerSector" 20,
    }
    /// `FILE_FS_DEVICE_INFORMATION`.
    fs_device = "FILE_FS_DEVICE_INFORMATION", size 8, mingw true {
        TYPE "DeviceType" 0, CHARACTERISTICS "Characteristics" 4,
    }
    /// `FILE_FS_ATTRIBUTE_INFORMATION`.
    fs_attribute = "FILE_FS_ATTRIBUTE_INFORMATION", size 16, mingw true {
        ATTRS "FileSystemAttributes" 0, MAX_COMPONENT "MaximumComponentNameLength" 4,
        NAME_LEN "FileSystemNameLength" 8, NAME "FileSystemName" 12,
    }
    /// `FILE_FS_FULL_SIZE_INFORMATION`.
    fs_full_size = "FILE_FS_FULL_SIZE_INFORMATION", size 32, mingw true {
        TOTAL "TotalAllocationUnits" 0, CALLER_AVAIL "CallerAvailableAllocationUnits" 8,
        ACTUAL_AVAIL "ActualAvailableAllocationUnits" 16, SECTORS_PER_UNIT "SectorsPerAllocationUnit" 24,
        BYTES_PER_SECTOR "BytesPerSector" 28,
    }
    /// `FILE_FS_SECTOR_SIZE_INFORMATION` (Windows 8).
    fs_sector_size = "FILE_FS_SECTOR_SIZE_INFORMATION", size 28, mingw false {
        LOGICAL "LogicalBytesPerSector" 0, ATOMIC "PhysicalBytesPerSectorForAtomicity" 4,
        PERF "PhysicalBytesPerSectorForPerformance" 8,
        FS_ATOMIC "FileSystemEffectivePhysicalBytesPerSectorForAtomicity" 12, FLAGS "Flags" 16,
        SECTOR_ALIGN "ByteOffsetForSectorAlignment" 20, PARTITION_ALIGN "ByteOffsetForPartitionAlignment" 24,
    }
    /// `REPARSE_DATA_BUFFER` with its symbolic-link arm.
    reparse = "REPARSE_DATA_BUFFER", size 24, mingw true {
        TAG "ReparseTag" 0, DATA_LEN "ReparseDataLength" 4, RESERVED "Reserved" 6,
        SUBST_OFF "SymbolicLinkReparseBuffer.SubstituteNameOffset" 8,
        SUBST_LEN "SymbolicLinkReparseBuffer.SubstituteNameLength" 10,
        PRINT_OFF "SymbolicLinkReparseBuffer.PrintNameOffset" 12,
        PRINT_LEN "SymbolicLinkReparseBuffer.PrintNameLength" 14,
        FLAGS "SymbolicLinkReparseBuffer.Flags" 16,
        PATH "SymbolicLinkReparseBuffer.PathBuffer" 20,
    }
}
