//! Wire format of the file-operation request ([`crate::IOCTL_FS`]): mount an
//! image file, unmount, and file operations that go through fs-glue inside
//! the driver, so Windows semantics are exercised where the driver runs.
//!
//! Request: a 48-byte header, then `name_len` bytes of UTF-16LE name, then
//! `data_len` bytes of data; the input must be exactly that long.
//!
//! | offset | field |
//! |---|---|
//! | 0 | magic u32, 4 version u32 |
//! | 8 | op u32 ([`Op`]) |
//! | 12 | handle u32 (fs-glue handle, for ops on an open file) |
//! | 16 | offset u64 (read, write) |
//! | 24 | data_len u32 (write) |
//! | 28 | name_len u32 (bytes, even) |
//! | 32 | out_len u32: payload bytes the reply carries (read, query dir) |
//! | 36 | arg0 u32, 40 arg1 u32, 44 arg2 u32 (per op, below) |
//!
//! Reply: exactly `16 + out_len` bytes: fs-glue's NTSTATUS u32, reserved
//! u32, information u64 (bytes read/written, FILE_CREATED..., handle), then
//! the payload. The IRP itself fails only for driver-level reasons (no
//! kernel: STATUS_DEVICE_NOT_READY; Linux died: STATUS_IO_DEVICE_ERROR; no
//! volume mounted: STATUS_DEVICE_NOT_READY; a second mount:
//! STATUS_INVALID_DEVICE_STATE), so a caller sees the exact NTSTATUS that
//! fs-glue chose for a file operation.

use crate::Reject;
use crate::linux::check_header;

/// Bytes of the request header.
pub const FS_HEADER: usize = 48;
/// Bytes of the reply header.
pub const REPLY_HEADER: usize = 16;
/// Longest name (bytes of UTF-16): a UNICODE_STRING's.
pub const NAME_MAX: usize = 65534;
/// Most data one write carries and most payload one reply carries.
pub const DATA_MAX: usize = 1 << 20;

/// The operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Mount an image file: name = its NT path (`\??\C:\...`), arg0 bit 0 =
    /// read-only, arg1 = file-system type ([`FsType`] as u32; 0 = detect).
    /// Opened in the caller's context with access checks forced.
    /// With arg0 bit 1 ([`MOUNT_LOWER_DEVICE`]) the name is a disk device
    /// (`\Device\...`, e.g. a RAM disk of [`ramdisk_name`]) read and
    /// written with IRPs sent to it: the real mount path. Information =
    /// the volume device's number: the test build names it
    /// `\Device\LklfsVolumeN`.
    Mount = 1,
    /// Unmount (every handle is closed first; every dirty block is on the
    /// image when it succeeds).
    Unmount = 2,
    /// NtCreateFile: name = path from the volume root (`\dir\file`), arg0 =
    /// CreateDisposition, arg1 = CreateOptions, arg2 = DesiredAccess, data
    /// = the EaBuffer (FILE_FULL_EA_INFORMATION entries, or nothing); share
    /// access is read|write|delete, or, with [`CREATE_SHARE_GIVEN`] in the
    /// offset, the offset's low 3 bits. Information = FILE_CREATED etc.; the
    /// handle is in the payload (out_len 4).
    Create = 3,
    /// Close a handle.
    Close = 4,
    /// Read out_len bytes at offset; arg0 = [`IO_PAGING`] for a paging
    /// read.
    Read = 5,
    /// Write the data at offset; arg0 = [`IO_PAGING`] for a paging write.
    Write = 6,
    /// NtQueryDirectoryFile: name = pattern (may be empty), arg0 = class,
    /// arg1 bit 0 = restart, bit 1 = single entry, bit 2 = resume after the
    /// entry whose FileIndex is arg2; out_len = buffer size.
    QueryDirectory = 7,
    /// FileRenameInformation: name = new path from the root, arg0 bit 0 =
    /// replace if exists.
    Rename = 8,
    /// FileDispositionInformation (delete on close).
    Delete = 9,
    /// Test only: create RAM disk number arg0 (< [`RAMDISK_MAX`]) from the
    /// image file named (NT path, opened in the caller's context); its
    /// device is [`ramdisk_name`]. Information = its size.
    RamDiskCreate = 10,
    /// Test only: write RAM disk arg0 over the existing file named (so
    /// Linux tools can check what the driver wrote). Information = bytes.
    RamDiskSave = 11,
    /// Test only: delete RAM disk arg0 (refused while mounted).
    /// Information = read and write IRPs it served (low 32 bits) and flush
    /// IRPs (high 32 bits).
    RamDiskDelete = 12,
    /// NtQueryInformationFile: arg0 = FILE_INFORMATION_CLASS, out_len =
    /// buffer size. Information = bytes written.
    QueryInformation = 13,
    /// NtSetInformationFile: arg0 = class, data = the class's structure
    /// (names inside it are UTF-16 as on Windows); arg1 bit 0 sets
    /// AdvanceOnly, as the Cache Manager's valid-data advance does.
    SetInformation = 14,
    /// NtQueryVolumeInformationFile: arg0 = FS_INFORMATION_CLASS, out_len
    /// = buffer size. Information = bytes written.
    QueryVolumeInformation = 15,
    /// A file-system control request on a handle, or on the harness's own
    /// open of the volume when the handle is [`VOLUME_HANDLE`]: arg0 = the
    /// FSCTL code, data = its input buffer, out_len = its output buffer.
    /// Information = bytes of output.
    Fsctl = 16,
    /// IRP_MN_VERIFY_VOLUME for the mounted volume.
    Verify = 17,
    /// Test only: mount several images at once and interleave IRPs from
    /// arg0 threads (1..=8) over all of them, arg1 files each (1..=500) per
    /// volume; name = `TYPE:PATH` lines (TYPE ext4, btrfs, xfs or vfat; PATH
    /// an NT path), at most [`crate::images::IMAGE_DISKS`]; arg2 =
    /// [`STRESS_PULL_LAST`] to pull the last image's disk out with a write
    /// in flight instead. Information = the IRPs sent.
    Stress = 18,
    /// Test only: Linux's view of the mounted volume's tree, beside the
    /// IRPs (the semantic suite's checks): arg0 = [`crate::suiteops::LinuxOp`],
    /// data = a path from the volume root as Linux bytes.
    Linux = 19,
    /// NtFlushBuffersFile on a handle (IRP_MJ_FLUSH_BUFFERS).
    Flush = 20,
    /// NtLockFile / NtUnlockFile (IRP_MJ_LOCK_CONTROL) on a handle: offset =
    /// ByteOffset, arg0 = the minor function (bits 0..8), the stack flags
    /// SL_FAIL_IMMEDIATELY and SL_EXCLUSIVE_LOCK (bits 8..10) and
    /// [`LOCK_ASYNC`]; arg1/arg2 = Length (low, high); data = the Key (4
    /// bytes) or nothing. With [`LOCK_ASYNC`] the reply is STATUS_PENDING
    /// and a ticket ([`Op::Ticket`]) in the information.
    Lock = 21,
    /// Test only: a request sent without waiting (a lock with
    /// [`LOCK_ASYNC`], a notification): arg0 = the ticket, arg1 = 0 to
    /// collect it or 1 to cancel it (IoCancelIrp) first, arg2 =
    /// milliseconds to wait (at most [`TICKET_WAIT_MAX_MS`]). The request's
    /// status and Information with its output in the payload (out_len at
    /// most), or STATUS_TIMEOUT while it is outstanding.
    Ticket = 22,
    /// NtNotifyChangeDirectoryFile on a directory handle
    /// (IRP_MN_NOTIFY_CHANGE_DIRECTORY): arg0 = CompletionFilter, arg1 = 1
    /// to watch the subtree, arg2 = the buffer's length (at most
    /// [`DATA_MAX`]). The reply is STATUS_PENDING with a ticket.
    Notify = 23,
    /// Test only: IRP_MJ_SHUTDOWN to the control device, as the system
    /// sends it at shutdown (every volume written back and unmounted).
    Shutdown = 24,
    /// Test only: IRP_MJ_PNP to the mounted volume, as the PnP manager
    /// sends a removal: arg0 = the minor function (QUERY_REMOVE 1, REMOVE
    /// 2, CANCEL_REMOVE 3, SURPRISE_REMOVAL 0x17); arg1 = 1 to pull the
    /// disk out first (its transfers then fail).
    Pnp = 25,
    /// NtSetVolumeInformationFile on the harness's own open of the volume:
    /// arg0 = FS_INFORMATION_CLASS, data = the class's structure.
    SetVolumeInformation = 26,
    /// NtQueryEaFile: arg0 = the stack flags (SL_RESTART_SCAN 1,
    /// SL_RETURN_SINGLE_ENTRY 2, SL_INDEX_SPECIFIED 4), arg1 = EaIndex,
    /// data = the EaList (FILE_GET_EA_INFORMATION entries, or nothing),
    /// out_len = the buffer's length. Information = bytes written (or a
    /// bad name's offset with STATUS_INVALID_EA_NAME).
    QueryEa = 27,
    /// NtSetEaFile: data = FILE_FULL_EA_INFORMATION entries.
    SetEa = 28,
    /// NtQuerySecurityObject: arg0 = SECURITY_INFORMATION, out_len = the
    /// buffer's length (Irp->UserBuffer); with arg1 = 1 the buffer is an
    /// address no program owns (the driver must survive it). Information
    /// = the descriptor's length (needed, with STATUS_BUFFER_OVERFLOW).
    QuerySecurity = 29,
    /// NtSetSecurityObject: arg0 = SECURITY_INFORMATION, data = a
    /// self-relative security descriptor.
    SetSecurity = 30,
    /// NtDeviceIoControlFile with a METHOD_BUFFERED code: arg0 = the code,
    /// data = the input, out_len = the output's length; the handle is a
    /// file's or [`VOLUME_HANDLE`].
    DeviceControl = 31,
}

/// Stress arg2: the last image is not the threads': its disk is pulled out
/// with a write in flight while they work on the others.
pub const STRESS_PULL_LAST: u32 = 1;

/// Read and Write arg0: a paging request (IRP_PAGING_IO | IRP_NOCACHE),
/// as the Cache Manager and the memory manager send them.
pub const IO_PAGING: u32 = 1;

/// Lock arg0 bit 16: send without waiting; reply with a ticket.
pub const LOCK_ASYNC: u32 = 1 << 16;
/// Longest wait of [`Op::Ticket`].
pub const TICKET_WAIT_MAX_MS: u32 = 10_000;

/// The handle of [`Op::Fsctl`] and [`Op::DeviceControl`] that means the
/// open of the volume itself.
pub const VOLUME_HANDLE: u32 = u32::MAX;

/// Create offset bit 32: the low 3 bits are the ShareAccess.
pub const CREATE_SHARE_GIVEN: u64 = 1 << 32;
/// Create offset bit 33: the handle field is the RelatedFileObject's.
pub const CREATE_RELATED: u64 = 1 << 33;
/// Create offset bit 34: bits 40..56 are the FileAttributes (otherwise
/// FILE_ATTRIBUTE_NORMAL).
pub const CREATE_ATTRIBUTES_GIVEN: u64 = 1 << 34;
/// Where a create's FileAttributes sit in the offset.
pub const CREATE_ATTRIBUTES_SHIFT: u32 = 40;
const CREATE_OFFSET_BITS: u64 =
    7 | CREATE_SHARE_GIVEN | CREATE_RELATED | CREATE_ATTRIBUTES_GIVEN | (0xFFFF << CREATE_ATTRIBUTES_SHIFT);

/// Whether a create's offset field is well formed: known bits only, share
/// bits only with [`CREATE_SHARE_GIVEN`], attributes only with
/// [`CREATE_ATTRIBUTES_GIVEN`].
fn create_offset_ok(o: u64) -> bool {
    o & !CREATE_OFFSET_BITS == 0
        && (o & 7 == 0 || o & CREATE_SHARE_GIVEN != 0)
        && (o >> CREATE_ATTRIBUTES_SHIFT == 0 || o & CREATE_ATTRIBUTES_GIVEN != 0)
}

/// Mount arg0 bit 0: read-only.
pub const MOUNT_READ_ONLY: u32 = 1;
/// Mount arg0 bit 1: the name is a lower disk device, not an image file.
pub const MOUNT_LOWER_DEVICE: u32 = 2;
/// Mount arg0 bit 2 (with [`MOUNT_LOWER_DEVICE`]): the disk is mounted as
/// a volume Windows offers by itself (a disk plugged in), not one the user
/// asked for.
pub const MOUNT_OFFERED: u32 = 4;
/// RAM disks the driver can hold at once.
pub const RAMDISK_MAX: u32 = 4;
/// Largest RAM disk (bytes).
pub const RAMDISK_BYTES_MAX: u64 = 256 << 20;
/// NT name prefix of RAM disk devices; the number follows.
pub const RAMDISK_PREFIX: &str = r"\Device\LklfsRamDisk";

/// The NT device name of RAM disk `index` (`\Device\LklfsRamDisk0`).
pub fn ramdisk_name(index: u32) -> alloc::string::String {
    alloc::format!("{RAMDISK_PREFIX}{index}")
}

/// NT name prefix of the image disks.
pub const IMAGE_DISK_PREFIX: &str = r"\Device\LklfsImage";

/// The NT device name of image disk `n` (`\Device\LklfsImage0`).
pub fn image_disk_name(n: u32) -> alloc::string::String {
    alloc::format!("{IMAGE_DISK_PREFIX}{n}")
}

/// File-system types a mount may ask for (Mount arg1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsType {
    /// Let Linux detect it (ext2/3/4, vfat, btrfs, xfs).
    Detect = 0,
    /// ext4 (which also mounts ext2 and ext3).
    Ext4 = 1,
    /// vfat (FAT12/16/32 with long names).
    Vfat = 2,
    /// btrfs.
    Btrfs = 3,
    /// xfs.
    Xfs = 4,
}

impl FsType {
    /// The type of Mount arg1, if it names one.
    pub fn from_u32(v: u32) -> Option<FsType> {
        Some(match v {
            0 => FsType::Detect,
            1 => FsType::Ext4,
            2 => FsType::Vfat,
            3 => FsType::Btrfs,
            4 => FsType::Xfs,
            _ => return None,
        })
    }

    /// Linux's name of the type; None for detection.
    pub fn linux_name(self) -> Option<&'static str> {
        match self {
            FsType::Detect => None,
            FsType::Ext4 => Some("ext4"),
            FsType::Vfat => Some("vfat"),
            FsType::Btrfs => Some("btrfs"),
            FsType::Xfs => Some("xfs"),
        }
    }
}

impl Op {
    fn from_u32(v: u32) -> Option<Op> {
        Some(match v {
            1 => Op::Mount,
            2 => Op::Unmount,
            3 => Op::Create,
            4 => Op::Close,
            5 => Op::Read,
            6 => Op::Write,
            7 => Op::QueryDirectory,
            8 => Op::Rename,
            9 => Op::Delete,
            10 => Op::RamDiskCreate,
            11 => Op::RamDiskSave,
            12 => Op::RamDiskDelete,
            13 => Op::QueryInformation,
            14 => Op::SetInformation,
            15 => Op::QueryVolumeInformation,
            16 => Op::Fsctl,
            17 => Op::Verify,
            18 => Op::Stress,
            19 => Op::Linux,
            20 => Op::Flush,
            21 => Op::Lock,
            22 => Op::Ticket,
            23 => Op::Notify,
            24 => Op::Shutdown,
            25 => Op::Pnp,
            26 => Op::SetVolumeInformation,
            27 => Op::QueryEa,
            28 => Op::SetEa,
            29 => Op::QuerySecurity,
            30 => Op::SetSecurity,
            31 => Op::DeviceControl,
            _ => return None,
        })
    }
}

/// A decoded request; `name` and `data` borrow the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsRequest<'a> {
    /// The operation.
    pub op: Op,
    /// fs-glue handle.
    pub handle: u32,
    /// File offset.
    pub offset: u64,
    /// Reply payload bytes.
    pub out_len: u32,
    /// Per-op arguments.
    pub args: [u32; 3],
    /// UTF-16LE name bytes.
    pub name: &'a [u8],
    /// Write data.
    pub data: &'a [u8],
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

impl<'a> FsRequest<'a> {
    /// A request without name or data.
    pub fn new(op: Op) -> FsRequest<'static> {
        FsRequest { op, handle: 0, offset: 0, out_len: 0, args: [0; 3], name: &[], data: &[] }
    }

    /// The exact reply size this request asks for.
    pub fn reply_size(&self) -> usize {
        REPLY_HEADER + self.out_len as usize
    }

    /// Wire bytes.
    pub fn encode(&self) -> alloc::vec::Vec<u8> {
        let mut b = alloc::vec![0u8; FS_HEADER];
        b[..8].copy_from_slice(&crate::linux::header());
        b[8..12].copy_from_slice(&(self.op as u32).to_le_bytes());
        b[12..16].copy_from_slice(&self.handle.to_le_bytes());
        b[16..24].copy_from_slice(&self.offset.to_le_bytes());
        b[24..28].copy_from_slice(&(self.data.len() as u32).to_le_bytes());
        b[28..32].copy_from_slice(&(self.name.len() as u32).to_le_bytes());
        b[32..36].copy_from_slice(&self.out_len.to_le_bytes());
        for (i, a) in self.args.iter().enumerate() {
            b[36 + i * 4..40 + i * 4].copy_from_slice(&a.to_le_bytes());
        }
        b.extend_from_slice(self.name);
        b.extend_from_slice(self.data);
        b
    }

    /// Parses and validates a request against the output length: exact
    /// sizes, bounded name/data/payload, and per op which fields may be set.
    pub fn decode(b: &'a [u8], out_len: usize) -> Result<FsRequest<'a>, Reject> {
        if b.len() < FS_HEADER {
            return Err(Reject::InvalidParameter);
        }
        check_header(b)?;
        let op = Op::from_u32(u32_at(b, 8)).ok_or(Reject::InvalidParameter)?;
        let (data_len, name_len, want_out) = (u32_at(b, 24) as usize, u32_at(b, 28) as usize, u32_at(b, 32) as usize);
        if data_len > DATA_MAX || name_len > NAME_MAX || !name_len.is_multiple_of(2) || want_out > DATA_MAX {
            return Err(Reject::InvalidParameter);
        }
        if b.len() != FS_HEADER + name_len + data_len {
            return Err(Reject::InvalidParameter);
        }
        if out_len < REPLY_HEADER + want_out {
            return Err(Reject::BufferTooSmall);
        }
        if out_len > REPLY_HEADER + want_out {
            return Err(Reject::InvalidParameter);
        }
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&b[16..24]);
        let r = FsRequest {
            op,
            handle: u32_at(b, 12),
            offset: u64::from_le_bytes(offset),
            out_len: want_out as u32,
            args: [u32_at(b, 36), u32_at(b, 40), u32_at(b, 44)],
            name: &b[FS_HEADER..FS_HEADER + name_len],
            data: &b[FS_HEADER + name_len..],
        };
        // What each op may carry: anything else is a malformed request.
        let (name_ok, data_ok, out_ok) = match op {
            Op::Mount => (
                name_len > 0,
                data_len == 0 || crate::mountopts::MountSettings::decode(r.data).is_some(),
                want_out == 0
                    && r.args[0] <= (MOUNT_READ_ONLY | MOUNT_LOWER_DEVICE | MOUNT_OFFERED)
                    && (r.args[0] & MOUNT_OFFERED == 0 || r.args[0] & MOUNT_LOWER_DEVICE != 0)
                    && FsType::from_u32(r.args[1]).is_some(),
            ),
            Op::RamDiskCreate | Op::RamDiskSave => {
                (name_len > 0, data_len == 0, want_out == 0 && r.args[0] < RAMDISK_MAX)
            }
            Op::RamDiskDelete => (name_len == 0, data_len == 0, want_out == 0 && r.args[0] < RAMDISK_MAX),
            // Zero lengths too: the file system answers them.
            Op::QueryInformation | Op::QueryVolumeInformation => (name_len == 0, data_len == 0, true),
            Op::SetInformation | Op::SetVolumeInformation | Op::SetEa => (name_len == 0, true, want_out == 0),
            Op::QueryEa => (name_len == 0, true, r.args[0] <= 7),
            Op::QuerySecurity => (name_len == 0, data_len == 0, r.args[1] <= 1),
            // The captured descriptor the driver reads is at least its
            // 20-byte header.
            Op::SetSecurity => (name_len == 0, data_len >= 20, want_out == 0),
            Op::Stress => (
                name_len > 0,
                data_len == 0,
                want_out == 0
                    && (1..=8).contains(&r.args[0])
                    && (1..=500).contains(&r.args[1])
                    && r.args[2] <= STRESS_PULL_LAST,
            ),
            Op::Unmount | Op::Close | Op::Delete | Op::Verify | Op::Flush | Op::Shutdown => {
                (name_len == 0, data_len == 0, want_out == 0)
            }
            Op::Fsctl | Op::DeviceControl => (name_len == 0, true, true),
            Op::Pnp => {
                (name_len == 0, data_len == 0, want_out == 0 && matches!(r.args[0], 1..=3 | 0x17) && r.args[1] <= 1)
            }
            Op::Lock => (
                name_len == 0,
                data_len == 0 || data_len == 4,
                want_out == 0 && (1..=4).contains(&(r.args[0] & 0xFF)) && r.args[0] & !(0x3FF | LOCK_ASYNC) == 0,
            ),
            Op::Ticket => (name_len == 0, data_len == 0, r.args[1] <= 1 && r.args[2] <= TICKET_WAIT_MAX_MS),
            Op::Notify => {
                (name_len == 0, data_len == 0, want_out == 0 && r.args[1] <= 1 && r.args[2] as usize <= DATA_MAX)
            }
            Op::Linux => {
                use crate::suiteops::{LinuxOp, STAT_SIZE, STATFS_SIZE};
                let path = data_len > 0 && !r.data.contains(&0);
                match LinuxOp::from_u32(r.args[0]) {
                    Some(LinuxOp::Lstat) => (name_len == 0, path, want_out == STAT_SIZE),
                    Some(LinuxOp::Statfs) => (name_len == 0, data_len == 0, want_out == STATFS_SIZE),
                    Some(LinuxOp::Readlink) => (name_len == 0, path, want_out > 0),
                    Some(LinuxOp::Chmod) => (name_len == 0, path, want_out == 0 && r.args[1] <= 0o7777),
                    Some(LinuxOp::MakeFile) => (name_len == 0, path, want_out == 0),
                    Some(LinuxOp::Symlink) => {
                        let nul = r.data.iter().position(|&c| c == 0);
                        let ok = nul.is_some_and(|i| i > 0 && i + 1 < data_len && !r.data[i + 1..].contains(&0));
                        (name_len == 0, ok, want_out == 0)
                    }
                    Some(LinuxOp::OpenHandles) => (name_len == 0, data_len == 0, want_out == 0),
                    Some(LinuxOp::Label) => (name_len == 0, data_len == 0, want_out > 0),
                    Some(LinuxOp::ListXattr) => (name_len == 0, path, want_out > 0),
                    // Path and name, each non-empty, then (for a set) the value.
                    Some(op @ (LinuxOp::GetXattr | LinuxOp::SetXattr)) => {
                        let mut parts = r.data.splitn(3, |&c| c == 0);
                        let (p, n, rest) = (parts.next(), parts.next(), parts.next());
                        let named = p.is_some_and(|p| !p.is_empty()) && n.is_some_and(|n| !n.is_empty());
                        let ok =
                            if op == LinuxOp::GetXattr { named && rest.is_none() } else { named && rest.is_some() };
                        (name_len == 0, ok, (op == LinuxOp::GetXattr) == (want_out > 0))
                    }
                    None => (false, false, false),
                }
            }
            // The data is the EaBuffer.
            Op::Create => (true, true, want_out == 4 && r.args[0] <= 5 && create_offset_ok(r.offset)),
            Op::Read => (name_len == 0, data_len == 0, r.args[0] <= IO_PAGING),
            Op::Write => (name_len == 0, true, want_out == 0 && r.args[0] <= IO_PAGING),
            Op::QueryDirectory => (true, data_len == 0, r.args[1] <= 7 && (r.args[1] & 4 != 0 || r.args[2] == 0)),
            Op::Rename => (name_len > 0, data_len == 0, want_out == 0 && r.args[0] <= 1),
        };
        if !(name_ok && data_ok && out_ok) {
            return Err(Reject::InvalidParameter);
        }
        Ok(r)
    }
}

/// Writes a reply header into `out` (whose payload follows).
pub fn encode_reply_header(out: &mut [u8], status: u32, information: u64) {
    out[..4].copy_from_slice(&status.to_le_bytes());
    out[4..8].fill(0);
    out[8..16].copy_from_slice(&information.to_le_bytes());
}

/// A decoded reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsReply<'a> {
    /// fs-glue's NTSTATUS.
    pub status: u32,
    /// IO_STATUS_BLOCK.Information.
    pub information: u64,
    /// The payload.
    pub payload: &'a [u8],
}

/// Parses a reply.
pub fn decode_reply(b: &[u8]) -> Option<FsReply<'_>> {
    if b.len() < REPLY_HEADER {
        return None;
    }
    let mut info = [0u8; 8];
    info.copy_from_slice(&b[8..16]);
    Some(FsReply { status: u32_at(b, 0), information: u64::from_le_bytes(info), payload: &b[REPLY_HEADER..] })
}
