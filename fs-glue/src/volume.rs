//! The mounted volume: options, the handle table, and what every operation
//! shares (statx to NT attributes, names of open files).

use crate::nt::*;
use crate::open_table::{Kind, Open, OpenTable};
use crate::time::linux_to_nt;
use crate::{CreateOptions, FileAttributes, NtStatus, ShareMode, Vfs, names};
use alloc::string::String;
use alloc::vec::Vec;
use lkl_abi::sys::{self, Statx};

/// How a volume is presented to Windows.
#[derive(Clone, Debug)]
pub struct MountOptions {
    /// Refuse every change with STATUS_MEDIA_WRITE_PROTECTED.
    pub read_only: bool,
    /// Look names up ignoring case when the exact name does not exist, and
    /// match directory patterns ignoring case.
    pub case_insensitive: bool,
    /// Report names starting with `.` as FILE_ATTRIBUTE_HIDDEN.
    pub hide_dot_files: bool,
    /// Owner given to new files and directories; `None` keeps the kernel's
    /// choice (the caller's fsuid).
    pub uid: Option<u32>,
    /// Group given to new files and directories; `None` keeps the kernel's.
    pub gid: Option<u32>,
    /// Permission bits removed from new files (0666) and directories (0777).
    pub umask: u32,
    /// File-system name for FileFsAttributeInformation ("ext4").
    pub fs_name: String,
    /// Volume label.
    pub label: String,
    /// File-system UUID; the volume serial number is its first four bytes
    /// read big-endian, so `vol` shows the UUID's first eight hex digits.
    pub uuid: [u8; 16],
    /// Report `uuid` as the volume's object ID (FileFsObjectIdInformation).
    /// False for FAT, which has only a serial number.
    pub object_id: bool,
    /// NT path that Linux `/` stands for in absolute symlink targets
    /// (e.g. `\??\E:` when the volume root is mounted at E:).
    pub link_root: String,
    /// Logical sector size of the device.
    pub sector_size: u32,
    /// A symbolic link a create's name meets (on the way, or at its end
    /// without FILE_OPEN_REPARSE_POINT) is answered with STATUS_REPARSE
    /// and its reparse data ([`Volume::take_reparse`]), for the I/O
    /// manager to follow: the driver's choice. Without it Linux follows
    /// the link (fs-glue called directly, which has no I/O manager).
    pub reparse_links: bool,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            read_only: false,
            case_insensitive: false,
            hide_dot_files: false,
            uid: None,
            gid: None,
            umask: 0o022,
            fs_name: String::from("ext4"),
            label: String::new(),
            uuid: [0; 16],
            object_id: true,
            reparse_links: false,
            link_root: String::new(),
            sector_size: 512,
        }
    }
}

/// An open file of a [`Volume`], as the driver's CCB would hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(pub u32);

/// The parameters of `NtCreateFile` that reach a file system.
#[derive(Clone, Copy, Debug)]
pub struct CreateParams<'a> {
    /// The directory `name` is relative to (RelatedFileObject); `None` for a
    /// path from the volume root.
    pub related: Option<Handle>,
    /// The name: `\dir\file` from the root, or relative to `related`.
    pub name: &'a [u16],
    /// DesiredAccess (generic rights are mapped here).
    pub desired_access: u32,
    /// FileAttributes for a new or overwritten file.
    pub file_attributes: u32,
    /// ShareAccess.
    pub share_access: u32,
    /// CreateDisposition.
    pub disposition: u32,
    /// CreateOptions.
    pub options: u32,
    /// EaBuffer: FILE_FULL_EA_INFORMATION entries for a new or overwritten
    /// file (empty for none).
    pub ea: &'a [u8],
}

// The fields stay the raw IRP values (what every caller has in hand); the
// glue reads them through these typed views.
impl CreateParams<'_> {
    pub(crate) fn create_options(&self) -> CreateOptions {
        CreateOptions::from_bits_retain(self.options)
    }

    pub(crate) fn share_mode(&self) -> ShareMode {
        ShareMode::from_bits_retain(self.share_access)
    }

    pub(crate) fn attributes(&self) -> FileAttributes {
        FileAttributes::from_bits_retain(self.file_attributes)
    }
}

/// What a create returns: the status, IO_STATUS_BLOCK.Information and, on
/// success, the handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreateResult {
    /// Final status.
    pub status: NtStatus,
    /// FILE_OPENED, FILE_CREATED, ... (FILE_EXISTS / FILE_DOES_NOT_EXIST
    /// on the failures that define them, 0 on other failures).
    pub information: u64,
    /// The new handle when `status` is a success.
    pub handle: Option<Handle>,
}

/// Result of a query that may return partial data: SUCCESS or
/// BUFFER_OVERFLOW with the bytes written (IO_STATUS_BLOCK.Information).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// STATUS_SUCCESS or STATUS_BUFFER_OVERFLOW.
    pub status: NtStatus,
    /// Bytes of the caller's buffer that hold results.
    pub len: usize,
}

impl Written {
    pub(crate) fn ok(len: usize) -> Written {
        Written { status: NtStatus::SUCCESS, len }
    }
    pub(crate) fn overflow(len: usize) -> Written {
        Written { status: NtStatus::BUFFER_OVERFLOW, len }
    }
}

/// Parameters of `NtQueryDirectoryFile` / IRP_MN_QUERY_DIRECTORY.
#[derive(Clone, Copy, Debug)]
pub struct QueryDirParams<'a> {
    /// FileInformationClass.
    pub class: u32,
    /// FileName (the pattern); only the first query of a handle uses it.
    pub pattern: Option<&'a [u16]>,
    /// RestartScan.
    pub restart: bool,
    /// ReturnSingleEntry.
    pub single: bool,
    /// SL_INDEX_SPECIFIED: resume after the entry with this FileIndex.
    pub index: Option<u32>,
}

/// A mounted volume over a [`Vfs`].
pub struct Volume<V: Vfs> {
    pub(crate) vfs: V,
    pub(crate) opts: MountOptions,
    pub(crate) opens: OpenTable<V::Fd>,
    /// The reparse data of the last create answered with STATUS_REPARSE.
    pub(crate) reparse: Option<Vec<u8>>,
}

/// The statx fields the glue asks for.
pub(crate) const STATX_MASK: u32 = sys::STATX_BASIC_STATS | sys::STATX_BTIME;

/// Times and sizes of one file in NT units.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct NtInfo {
    pub creation: i64,
    pub access: i64,
    pub write: i64,
    pub change: i64,
    pub eof: i64,
    pub alloc: i64,
    pub attrs: FileAttributes,
    pub links: u32,
    pub ino: u64,
    pub is_dir: bool,
    pub reparse_tag: u32,
}

pub(crate) fn kind_of(mode: u16) -> Kind {
    match mode as u32 & sys::S_IFMT {
        sys::S_IFDIR => Kind::Dir,
        sys::S_IFREG => Kind::File,
        sys::S_IFLNK => Kind::Symlink,
        _ => Kind::Other,
    }
}

impl<V: Vfs> Volume<V> {
    /// Mounts `vfs` with `opts`.
    pub fn new(vfs: V, opts: MountOptions) -> Self {
        Volume { vfs, opts, opens: OpenTable::new(), reparse: None }
    }

    /// The options the volume was mounted with.
    pub fn options(&self) -> &MountOptions {
        &self.opts
    }

    /// The underlying Vfs.
    pub fn vfs(&self) -> &V {
        &self.vfs
    }

    /// Number of open handles (a driver refuses dismount while non-zero).
    pub fn open_handles(&self) -> usize {
        self.opens.len()
    }

    /// The Windows name of an open file from the volume root (`\` for the
    /// root), as it is now (renames move it).
    pub fn name_of(&self, h: Handle) -> Result<Vec<u16>, NtStatus> {
        Ok(Self::windows_path(&self.open(h)?.path))
    }

    /// The file `h` is open on (its inode number): hard links share it.
    pub fn file_id(&self, h: Handle) -> Result<u64, NtStatus> {
        Ok(self.open(h)?.ino)
    }

    /// The access `h` was granted (generic and maximum rights resolved).
    pub fn granted_access(&self, h: Handle) -> Result<u32, NtStatus> {
        Ok(self.open(h)?.granted.bits())
    }

    /// Whether `h` is open on a directory.
    pub fn is_directory(&self, h: Handle) -> Result<bool, NtStatus> {
        Ok(self.open(h)?.kind == Kind::Dir)
    }

    /// The handle's current byte offset (CurrentByteOffset), which reads
    /// and writes move and FilePositionInformation sets.
    pub fn position(&self, h: Handle) -> Result<u64, NtStatus> {
        Ok(self.open(h)?.position)
    }

    /// Sets the current byte offset (a driver keeps it in step with its
    /// FILE_OBJECT's).
    pub fn set_position(&mut self, h: Handle, position: u64) -> Result<(), NtStatus> {
        self.open_mut(h)?.position = position;
        Ok(())
    }

    /// Every open handle, in handle order.
    pub fn handles(&self) -> Vec<Handle> {
        self.opens.iter().map(|(h, _)| h).collect()
    }

    pub(crate) fn open(&self, h: Handle) -> Result<&Open<V::Fd>, NtStatus> {
        self.opens.get(h).ok_or(NtStatus::INVALID_HANDLE)
    }

    pub(crate) fn open_mut(&mut self, h: Handle) -> Result<&mut Open<V::Fd>, NtStatus> {
        self.opens.get_mut(h).ok_or(NtStatus::INVALID_HANDLE)
    }

    /// statx of an open handle (the link itself for reparse-point opens).
    pub(crate) fn stat_open(&self, o: &Open<V::Fd>) -> Result<Statx, NtStatus> {
        Ok(self.vfs.statx(o.fd, b"", sys::AT_EMPTY_PATH, STATX_MASK)?)
    }

    /// NT view of a file. `name` is its last Linux component (for the
    /// hidden attribute); `dir`/`path` locate it to see through a symlink.
    pub(crate) fn nt_info(&self, stx: &Statx, name: &[u8], dir: V::Fd, path: &[u8]) -> NtInfo {
        let kind = kind_of(stx.stx_mode);
        let mut attrs = FileAttributes::empty();
        let mut reparse_tag = 0;
        let mut is_dir = kind == Kind::Dir;
        match kind {
            Kind::Dir => attrs |= FileAttributes::DIRECTORY,
            Kind::Symlink => {
                attrs |= FileAttributes::REPARSE_POINT;
                reparse_tag = IO_REPARSE_TAG_SYMLINK;
                // Windows marks directory symlinks as directories; a
                // dangling link is a file symlink.
                if let Ok(t) = self.vfs.statx(dir, path, 0, sys::STATX_BASIC_STATS)
                    && kind_of(t.stx_mode) == Kind::Dir
                {
                    attrs |= FileAttributes::DIRECTORY;
                    is_dir = true;
                }
            }
            Kind::File | Kind::Other => attrs |= FileAttributes::ARCHIVE,
        }
        if stx.stx_mode as u32 & 0o222 == 0 {
            attrs |= FileAttributes::READONLY;
        }
        if self.opts.hide_dot_files && name.first() == Some(&b'.') && name != b"." && name != b".." {
            attrs |= FileAttributes::HIDDEN;
        }
        let t = |ts: &sys::StatxTimestamp| linux_to_nt(ts.tv_sec, ts.tv_nsec);
        let creation = if stx.stx_mask & sys::STATX_BTIME != 0 { t(&stx.stx_btime) } else { t(&stx.stx_mtime) };
        let (eof, alloc) = match kind {
            Kind::File => (stx.stx_size as i64, (stx.stx_blocks as i64).saturating_mul(512)),
            _ => (0, 0),
        };
        NtInfo {
            creation,
            access: t(&stx.stx_atime),
            write: t(&stx.stx_mtime),
            change: t(&stx.stx_ctime),
            eof,
            alloc,
            attrs,
            links: if kind == Kind::Dir { 1 } else { stx.stx_nlink },
            ino: stx.stx_ino,
            is_dir,
            reparse_tag,
        }
    }

    /// The NT info of an open handle.
    pub(crate) fn open_info(&self, o: &Open<V::Fd>) -> Result<NtInfo, NtStatus> {
        let stx = self.stat_open(o)?;
        let name = o.path.rsplit(|&b| b == b'/').next().unwrap_or(b"");
        let path: &[u8] = if o.path.is_empty() { b"." } else { &o.path };
        Ok(self.nt_info(&stx, name, self.vfs.root(), path))
    }

    /// The Windows name of an open file: `\` + its path from the root.
    pub(crate) fn windows_path(linux_path: &[u8]) -> Vec<u16> {
        let mut out = alloc::vec![b'\\' as u16];
        for (i, c) in linux_path.split(|&b| b == b'/').filter(|c| !c.is_empty()).enumerate() {
            if i > 0 {
                out.push(b'\\' as u16);
            }
            out.extend(names::linux_to_windows(c));
        }
        out
    }
}
