//! IRP_MJ_QUERY_VOLUME_INFORMATION.

use crate::layout;
use crate::names::NAME_MAX;
use crate::nt::*;
use crate::wire::*;
use crate::{FsAttributes, NtStatus, Vfs, Volume, Written};
use alloc::string::String;
use alloc::vec::Vec;
use lkl_abi::{Errno, sys};

impl<V: Vfs> Volume<V> {
    /// FileSystemAttributes this volume reports.
    pub fn fs_attributes(&self) -> FsAttributes {
        let mut a = FsAttributes::CASE_PRESERVED_NAMES
            | FsAttributes::UNICODE_ON_DISK
            | FsAttributes::SUPPORTS_REPARSE_POINTS
            | FsAttributes::SUPPORTS_HARD_LINKS
            | FsAttributes::SUPPORTS_SPARSE_FILES
            | FsAttributes::SUPPORTS_POSIX_UNLINK_RENAME
            | FsAttributes::SUPPORTS_EXTENDED_ATTRIBUTES;
        a.set(FsAttributes::CASE_SENSITIVE_SEARCH, !self.opts.case_insensitive);
        a.set(FsAttributes::READ_ONLY_VOLUME, self.opts.read_only);
        a
    }

    /// The volume serial number: the UUID's first four bytes, big-endian.
    pub fn serial_number(&self) -> u32 {
        let u = &self.opts.uuid;
        u32::from_be_bytes([u[0], u[1], u[2], u[3]])
    }

    /// Queries one FS_INFORMATION_CLASS into `buf`.
    pub fn query_volume_information(&mut self, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let size = match class {
            FILE_FS_VOLUME_INFORMATION => layout::fs_volume::SIZE,
            FILE_FS_SIZE_INFORMATION => layout::fs_size::SIZE,
            FILE_FS_DEVICE_INFORMATION => layout::fs_device::SIZE,
            FILE_FS_ATTRIBUTE_INFORMATION => layout::fs_attribute::SIZE,
            FILE_FS_FULL_SIZE_INFORMATION => layout::fs_full_size::SIZE,
            FILE_FS_SECTOR_SIZE_INFORMATION => layout::fs_sector_size::SIZE,
            FILE_FS_OBJECTID_INFORMATION if self.opts.object_id => layout::fs_object_id::SIZE,
            // What fastfat answers for a class its file system cannot give.
            FILE_FS_OBJECTID_INFORMATION => return Err(NtStatus::INVALID_PARAMETER),
            _ => return Err(NtStatus::INVALID_INFO_CLASS),
        };
        if buf.len() < size {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        let sector = self.opts.sector_size.max(1);
        Ok(match class {
            FILE_FS_VOLUME_INFORMATION => {
                use layout::fs_volume::*;
                let label: Vec<u16> = self.opts.label.encode_utf16().collect();
                // The creation time of a Linux file system is not in statfs.
                put_i64(buf, CREATION, 0);
                put_u32(buf, SERIAL, self.serial_number());
                put_u32(buf, LABEL_LEN, (label.len() * 2) as u32);
                put_u8(buf, OBJECTS, 0);
                put_u8(buf, OBJECTS + 1, 0);
                let n = put_utf16(buf, LABEL, &label);
                if n == label.len() * 2 { Written::ok(LABEL + n) } else { Written::overflow(LABEL + n) }
            }
            FILE_FS_SIZE_INFORMATION | FILE_FS_FULL_SIZE_INFORMATION => {
                let s = self.vfs.fstatfs(self.vfs.root())?;
                let bsize = s.f_bsize.max(sector as i64) as u64;
                let per_unit = (bsize / sector as u64).max(1) as u32;
                if class == FILE_FS_SIZE_INFORMATION {
                    use layout::fs_size::*;
                    put_u64(buf, TOTAL, s.f_blocks);
                    put_u64(buf, AVAIL, s.f_bavail);
                    put_u32(buf, SECTORS_PER_UNIT, per_unit);
                    put_u32(buf, BYTES_PER_SECTOR, sector);
                    Written::ok(SIZE)
                } else {
                    use layout::fs_full_size::*;
                    put_u64(buf, TOTAL, s.f_blocks);
                    put_u64(buf, CALLER_AVAIL, s.f_bavail);
                    put_u64(buf, ACTUAL_AVAIL, s.f_bfree);
                    put_u32(buf, SECTORS_PER_UNIT, per_unit);
                    put_u32(buf, BYTES_PER_SECTOR, sector);
                    Written::ok(SIZE)
                }
            }
            FILE_FS_DEVICE_INFORMATION => {
                use layout::fs_device::*;
                put_u32(buf, TYPE, FILE_DEVICE_DISK);
                put_u32(buf, CHARACTERISTICS, if self.opts.read_only { FILE_READ_ONLY_DEVICE } else { 0 });
                Written::ok(SIZE)
            }
            FILE_FS_ATTRIBUTE_INFORMATION => {
                use layout::fs_attribute::*;
                let name: Vec<u16> = self.opts.fs_name.encode_utf16().collect();
                put_u32(buf, ATTRS, self.fs_attributes().bits());
                put_u32(buf, MAX_COMPONENT, NAME_MAX as u32);
                put_u32(buf, NAME_LEN, (name.len() * 2) as u32);
                let n = put_utf16(buf, NAME, &name);
                if n == name.len() * 2 { Written::ok(NAME + n) } else { Written::overflow(NAME + n) }
            }
            FILE_FS_SECTOR_SIZE_INFORMATION => {
                use layout::fs_sector_size::*;
                for off in [LOGICAL, ATOMIC, PERF, FS_ATOMIC] {
                    put_u32(buf, off, sector);
                }
                put_u32(buf, FLAGS, SSINFO_FLAGS_ALIGNED_DEVICE | SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE);
                put_u32(buf, SECTOR_ALIGN, 0);
                put_u32(buf, PARTITION_ALIGN, 0);
                Written::ok(SIZE)
            }
            FILE_FS_OBJECTID_INFORMATION => {
                use layout::fs_object_id::*;
                put_bytes(buf, OBJECT_ID, &self.opts.uuid);
                put_bytes(buf, EXTENDED, &[0; SIZE - EXTENDED]);
                Written::ok(SIZE)
            }
            _ => return Err(NtStatus::INVALID_INFO_CLASS),
        })
    }

    /// Sets one FS_INFORMATION_CLASS from `buf`. Only the label can be
    /// set: through Linux's own label ioctl, so the file system's limits
    /// (16 bytes for ext4, 12 for xfs) and its journal apply; a file
    /// system without the ioctl (vfat) answers STATUS_NOT_SUPPORTED.
    pub fn set_volume_information(&mut self, class: u32, buf: &[u8]) -> Result<(), NtStatus> {
        if class != FILE_FS_LABEL_INFORMATION {
            // fastfat's answer for a class it does not set.
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if buf.len() < layout::fs_label::SIZE {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        let len = get_u32(buf, layout::fs_label::LABEL_LEN)? as usize;
        if !len.is_multiple_of(2) {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        let units = get_utf16(buf, layout::fs_label::LABEL, len).map_err(|_| NtStatus::INVALID_PARAMETER)?;
        let label = String::from_utf16(&units).map_err(|_| NtStatus::INVALID_VOLUME_LABEL)?;
        let mut raw = [0u8; sys::FSLABEL_MAX];
        // The ioctl's buffer ends in a NUL, and a NUL inside would cut it.
        if label.len() >= raw.len() || label.contains('\0') {
            return Err(NtStatus::INVALID_VOLUME_LABEL);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        raw[..label.len()].copy_from_slice(label.as_bytes());
        let root = self.vfs.root();
        match self.vfs.set_fs_label(root, &raw) {
            Ok(()) => {}
            Err(Errno::EINVAL) => return Err(NtStatus::INVALID_VOLUME_LABEL),
            Err(Errno::ENOTTY | Errno::EOPNOTSUPP) => return Err(NtStatus::NOT_SUPPORTED),
            Err(e) => return Err(e.into()),
        }
        // What the file system now holds, in case it stores the label in
        // another form than it was given.
        let mut back = [0u8; sys::FSLABEL_MAX];
        self.opts.label = match self.vfs.get_fs_label(root, &mut back) {
            Ok(()) => {
                let n = back.iter().position(|&b| b == 0).unwrap_or(back.len());
                String::from_utf8_lossy(&back[..n]).into_owned()
            }
            Err(_) => label,
        };
        Ok(())
    }

    /// The label the volume reports (after a successful set, the file
    /// system's new one): the driver keeps the VPB's copy in step.
    pub fn label(&self) -> &str {
        &self.opts.label
    }
}
