//! What a disk device answers (ntdddisk.h, ntddstor.h) and what it tells
//! the Mount Manager (mountmgr.h, mountdev.h): the IOCTL codes and the
//! structures of the image disks' IOCTL set.

#![allow(non_camel_case_types, non_snake_case)]

use crate::io::DISK_GEOMETRY;

/// CTL_CODE.
const fn ctl(device: u32, function: u32, access: u32) -> u32 {
    (device << 16) | (access << 14) | (function << 2)
}

/// FILE_DEVICE_DISK.
const DISK: u32 = 0x7;
/// IOCTL_STORAGE_BASE (FILE_DEVICE_MASS_STORAGE).
const STORAGE: u32 = 0x2d;
/// MOUNTDEVCONTROLTYPE ('M').
const MOUNTDEV: u32 = 0x4d;
/// MOUNTMGRCONTROLTYPE ('m').
const MOUNTMGR: u32 = 0x6d;

crate::nt_structs! {
    /// `DISK_GEOMETRY_EX`: the geometry, the size, then (unused here) the
    /// partition and detection data.
    pub struct DISK_GEOMETRY_EX {
        pub Geometry: DISK_GEOMETRY,
        pub DiskSize: i64,
        pub Data: [u8; 1],
        pub _pad: [u8; 7],
    }

    /// `GET_LENGTH_INFORMATION`.
    pub struct GET_LENGTH_INFORMATION {
        pub Length: i64,
    }

    /// `PARTITION_INFORMATION` (IOCTL_DISK_GET_PARTITION_INFO).
    pub struct PARTITION_INFORMATION {
        pub StartingOffset: i64,
        pub PartitionLength: i64,
        pub HiddenSectors: u32,
        pub PartitionNumber: u32,
        pub PartitionType: u8,
        pub BootIndicator: u8,
        pub RecognizedPartition: u8,
        pub RewritePartition: u8,
    }

    /// `PARTITION_INFORMATION_EX` with its MBR arm (the GPT arm is the
    /// larger; `_rest` makes up the size).
    pub struct PARTITION_INFORMATION_EX {
        pub PartitionStyle: u32,
        pub StartingOffset: i64,
        pub PartitionLength: i64,
        pub PartitionNumber: u32,
        pub RewritePartition: u8,
        /// `IsServicePartition` (Windows 10 1709 headers; mingw-w64's
        /// default target has none), then padding.
        pub _service: [u8; 3],
        pub MbrPartitionType: u8 => "Mbr.PartitionType",
        pub MbrBootIndicator: u8 => "Mbr.BootIndicator",
        pub MbrRecognizedPartition: u8 => "Mbr.RecognizedPartition",
        pub MbrHiddenSectors: u32 => "Mbr.HiddenSectors",
        pub MbrPartitionId: [u8; 16] => "Mbr.PartitionId",
        pub _rest: [u64; 11],
    }

    /// `STORAGE_HOTPLUG_INFO` (IOCTL_STORAGE_GET_HOTPLUG_INFO).
    pub struct STORAGE_HOTPLUG_INFO {
        pub Size: u32,
        pub MediaRemovable: u8,
        pub MediaHotplug: u8,
        pub DeviceHotplug: u8,
        pub WriteCacheEnableOverride: u8,
    }

    /// `PREVENT_MEDIA_REMOVAL` (IOCTL_STORAGE_MEDIA_REMOVAL's input).
    pub struct PREVENT_MEDIA_REMOVAL {
        pub PreventMediaRemoval: u8,
    }

    /// `MOUNTDEV_NAME`: the name's byte length, then the name.
    pub struct MOUNTDEV_NAME {
        pub NameLength: u16,
        pub Name: [u16; 1],
    }

    /// `MOUNTDEV_UNIQUE_ID`: the ID's length, then its bytes.
    pub struct MOUNTDEV_UNIQUE_ID {
        pub UniqueIdLength: u16,
        pub UniqueId: [u8; 1],
        pub _pad: u8,
    }

    /// `MOUNTDEV_SUGGESTED_LINK_NAME`.
    pub struct MOUNTDEV_SUGGESTED_LINK_NAME {
        pub UseOnlyIfThereAreNoOtherLinks: u8,
        pub NameLength: u16,
        pub Name: [u16; 1],
    }

    /// `MOUNTMGR_TARGET_NAME` (IOCTL_MOUNTMGR_VOLUME_ARRIVAL_NOTIFICATION's
    /// input).
    pub struct MOUNTMGR_TARGET_NAME {
        pub DeviceNameLength: u16,
        pub DeviceName: [u16; 1],
    }

    /// `MOUNTMGR_CREATE_POINT_INPUT`: offsets and lengths of the link's
    /// name and the device's, which follow it.
    pub struct MOUNTMGR_CREATE_POINT_INPUT {
        pub SymbolicLinkNameOffset: u16,
        pub SymbolicLinkNameLength: u16,
        pub DeviceNameOffset: u16,
        pub DeviceNameLength: u16,
    }

    /// `MOUNTMGR_MOUNT_POINT` (IOCTL_MOUNTMGR_DELETE_POINTS's input: the
    /// points to delete, here those of one device).
    pub struct MOUNTMGR_MOUNT_POINT {
        pub SymbolicLinkNameOffset: u32,
        pub SymbolicLinkNameLength: u16,
        pub UniqueIdOffset: u32,
        pub UniqueIdLength: u16,
        pub DeviceNameOffset: u32,
        pub DeviceNameLength: u16,
    }

    /// `MOUNTMGR_DRIVE_LETTER_TARGET` (IOCTL_MOUNTMGR_NEXT_DRIVE_LETTER's
    /// input).
    pub struct MOUNTMGR_DRIVE_LETTER_TARGET {
        pub DeviceNameLength: u16,
        pub DeviceName: [u16; 1],
    }

    /// `MOUNTMGR_DRIVE_LETTER_INFORMATION` (its output).
    pub struct MOUNTMGR_DRIVE_LETTER_INFORMATION {
        pub DriveLetterWasAssigned: u8,
        pub CurrentDriveLetter: u8,
    }
}

crate::nt_consts! {
    /// `IOCTL_DISK_GET_DRIVE_GEOMETRY_EX`.
    pub const IOCTL_DISK_GET_DRIVE_GEOMETRY_EX: u32 = ctl(DISK, 0x28, 0);
    /// `IOCTL_DISK_GET_PARTITION_INFO`.
    pub const IOCTL_DISK_GET_PARTITION_INFO: u32 = ctl(DISK, 0x1, 1);
    /// `IOCTL_DISK_GET_PARTITION_INFO_EX`.
    pub const IOCTL_DISK_GET_PARTITION_INFO_EX: u32 = ctl(DISK, 0x12, 0);
    /// `IOCTL_DISK_CHECK_VERIFY`.
    pub const IOCTL_DISK_CHECK_VERIFY: u32 = ctl(DISK, 0x200, 1);
    /// `IOCTL_STORAGE_CHECK_VERIFY`.
    pub const IOCTL_STORAGE_CHECK_VERIFY: u32 = ctl(STORAGE, 0x200, 1);
    /// `IOCTL_STORAGE_CHECK_VERIFY2` (no access needed).
    pub const IOCTL_STORAGE_CHECK_VERIFY2: u32 = ctl(STORAGE, 0x200, 0);
    /// `IOCTL_STORAGE_EJECT_MEDIA`.
    pub const IOCTL_STORAGE_EJECT_MEDIA: u32 = ctl(STORAGE, 0x202, 1);
    /// `IOCTL_STORAGE_MEDIA_REMOVAL`.
    pub const IOCTL_STORAGE_MEDIA_REMOVAL: u32 = ctl(STORAGE, 0x201, 1);
    /// `IOCTL_STORAGE_GET_HOTPLUG_INFO`.
    pub const IOCTL_STORAGE_GET_HOTPLUG_INFO: u32 = ctl(STORAGE, 0x305, 0);
    /// `IOCTL_MOUNTDEV_QUERY_UNIQUE_ID`.
    pub const IOCTL_MOUNTDEV_QUERY_UNIQUE_ID: u32 = ctl(MOUNTDEV, 0, 0);
    /// `IOCTL_MOUNTDEV_QUERY_DEVICE_NAME`.
    pub const IOCTL_MOUNTDEV_QUERY_DEVICE_NAME: u32 = ctl(MOUNTDEV, 2, 0);
    /// `IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME`.
    pub const IOCTL_MOUNTDEV_QUERY_SUGGESTED_LINK_NAME: u32 = ctl(MOUNTDEV, 3, 0);
    /// `IOCTL_MOUNTDEV_LINK_CREATED`.
    pub const IOCTL_MOUNTDEV_LINK_CREATED: u32 = ctl(MOUNTDEV, 4, 0);
    /// `IOCTL_MOUNTDEV_LINK_DELETED`.
    pub const IOCTL_MOUNTDEV_LINK_DELETED: u32 = ctl(MOUNTDEV, 5, 0);
    /// `IOCTL_MOUNTMGR_CREATE_POINT`.
    pub const IOCTL_MOUNTMGR_CREATE_POINT: u32 = ctl(MOUNTMGR, 0, 3);
    /// `IOCTL_MOUNTMGR_DELETE_POINTS`.
    pub const IOCTL_MOUNTMGR_DELETE_POINTS: u32 = ctl(MOUNTMGR, 1, 3);
    /// `IOCTL_MOUNTMGR_NEXT_DRIVE_LETTER`.
    pub const IOCTL_MOUNTMGR_NEXT_DRIVE_LETTER: u32 = ctl(MOUNTMGR, 4, 3);
    /// `IOCTL_MOUNTMGR_VOLUME_ARRIVAL_NOTIFICATION`.
    pub const IOCTL_MOUNTMGR_VOLUME_ARRIVAL_NOTIFICATION: u32 = ctl(MOUNTMGR, 11, 1);
    /// `SYMBOLIC_LINK_QUERY` (a symbolic link's access right).
    pub const SYMBOLIC_LINK_QUERY: u32 = 0x1;
    /// `PARTITION_STYLE_MBR`.
    pub const PARTITION_STYLE_MBR: u32 = 0;
    /// `RemovableMedia` (MEDIA_TYPE).
    pub const RemovableMedia: i32 = 11;
    /// `FixedMedia` (MEDIA_TYPE).
    pub const FixedMedia: i32 = 12;
}
