//! fs-glue's semantic suite: one body per NT rule, written against [`Vol`]
//! (a volume as a Windows program reaches it, plus Linux's view of the same
//! tree) so the same cases run over fs-glue called directly on the host
//! kernel and on the embedded kernel (fs-glue-testbed), and as IRPs through
//! the driver under Wine (driver-client). Each case gets a fresh, empty
//! volume from an [`Env`] and checks both what Windows sees and what Linux
//! got.
//!
//! Cases panic on a mismatch with the operation, the expected and the
//! actual result, which is what `cargo test` (or the Wine client) reports.

pub mod badinput;
pub mod create;
pub mod direct;
pub mod ea;
pub mod enumerate;
pub mod info;
pub mod names;
pub mod reparse;
pub mod security;
pub mod volume;

use fs_glue::nt::*;
use fs_glue::{CreateParams, CreateResult, Handle, MountOptions, NtStatus, QueryDirParams, QueryEaParams, Written};
use lkl_abi::{Errno, sys};

/// A volume under test: the NT calls a program makes on it, and Linux's
/// view of the same tree (paths from the volume root, as bytes).
pub trait Vol {
    /// NtCreateFile.
    fn create(&mut self, p: &CreateParams<'_>) -> CreateResult;
    /// The last close of a handle (cleanup and close).
    fn close(&mut self, h: Handle) -> Result<(), NtStatus>;
    /// NtReadFile; `None` reads at the handle's position.
    fn read(&mut self, h: Handle, offset: Option<u64>, buf: &mut [u8]) -> Result<usize, NtStatus>;
    /// NtWriteFile; `None` writes at the handle's position, `u64::MAX` at
    /// the end of the file.
    fn write(&mut self, h: Handle, offset: Option<u64>, data: &[u8]) -> Result<usize, NtStatus>;
    /// NtFlushBuffersFile.
    fn flush(&mut self, h: Handle) -> Result<(), NtStatus>;
    /// NtQueryInformationFile.
    fn query_information(&mut self, h: Handle, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus>;
    /// NtSetInformationFile (a rename or link target with a directory is
    /// opened first, as the I/O manager does).
    fn set_information(&mut self, h: Handle, class: u32, buf: &[u8]) -> Result<(), NtStatus>;
    /// NtQueryDirectoryFile.
    fn query_directory(&mut self, h: Handle, p: &QueryDirParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus>;
    /// NtQueryVolumeInformationFile.
    fn query_volume_information(&mut self, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus>;
    /// NtSetVolumeInformationFile.
    fn set_volume_information(&mut self, class: u32, buf: &[u8]) -> Result<(), NtStatus>;
    /// NtQueryEaFile.
    fn query_ea(&mut self, h: Handle, p: &QueryEaParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus>;
    /// NtSetEaFile (a warning's Information in the result).
    fn set_ea(&mut self, h: Handle, buf: &[u8]) -> Result<Written, NtStatus>;
    /// The reparse data of the last create answered with STATUS_REPARSE
    /// (fs-glue called directly; the I/O manager consumes its own).
    fn take_reparse(&mut self) -> Option<Vec<u8>> {
        None
    }
    /// FSCTL_DELETE_REPARSE_POINT.
    fn delete_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus>;
    /// NtQuerySecurityObject (Information the length, or the length needed
    /// with STATUS_BUFFER_OVERFLOW).
    fn query_security(&mut self, h: Handle, info: u32, buf: &mut [u8]) -> Result<Written, NtStatus>;
    /// NtSetSecurityObject with a self-relative descriptor.
    fn set_security(&mut self, h: Handle, info: u32, sd: &[u8]) -> Result<(), NtStatus>;
    /// The status of a query whose buffer is an address no program owns,
    /// where a request can carry one (through the I/O manager).
    fn query_security_at_a_bad_address(&mut self, _h: Handle) -> Option<NtStatus> {
        None
    }
    /// The platform's own SDDL of a descriptor's parts `info`, where the
    /// environment has one (advapi32 under Wine): an oracle for its layout.
    fn sddl_of(&self, _sd: &[u8], _info: u32) -> Option<String> {
        None
    }
    /// The platform's own descriptor for an SDDL string, where it has one.
    fn descriptor_of(&self, _sddl: &str) -> Option<Vec<u8>> {
        None
    }
    /// FSCTL_GET_REPARSE_POINT.
    fn get_reparse_point(&mut self, h: Handle, buf: &mut [u8]) -> Result<Written, NtStatus>;
    /// FSCTL_SET_REPARSE_POINT.
    fn set_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus>;
    /// Handles the file system holds open on this volume.
    fn open_handles(&mut self) -> usize;
    /// Whether requests reach the file system through the I/O manager (as
    /// IRPs), which does two things of its own: a rename or link to a full
    /// path first opens the target's directory (sharing read and write
    /// only), and an empty name opens the volume itself.
    fn through_io_manager(&self) -> bool {
        false
    }
    /// The options the volume was mounted with. An environment that
    /// cannot choose the volume's identity (label, UUID, sector size,
    /// file-system name: the disk's own) reports what it has.
    fn options(&self) -> &MountOptions;

    /// Linux: `lstat` of a path.
    fn lstat(&mut self, path: &[u8]) -> Option<sys::Statx>;
    /// Linux: `chmod`.
    fn chmod(&mut self, path: &[u8], mode: u32) -> Result<(), Errno>;
    /// Linux: `symlink(target, path)`.
    fn symlink(&mut self, target: &[u8], path: &[u8]) -> Result<(), Errno>;
    /// Linux: `readlink`.
    fn readlink(&mut self, path: &[u8]) -> Result<Vec<u8>, Errno>;
    /// Linux: `statfs` of the volume.
    fn statfs(&mut self) -> Result<sys::Statfs, Errno>;
    /// Linux: the file system's label (FS_IOC_GETFSLABEL), up to its NUL.
    fn fs_label(&mut self) -> Result<Vec<u8>, Errno>;
    /// Linux: `getxattr` of a path.
    fn get_xattr(&mut self, path: &[u8], name: &[u8]) -> Result<Vec<u8>, Errno>;
    /// Linux: `setxattr` of a path.
    fn set_xattr(&mut self, path: &[u8], name: &[u8], value: &[u8]) -> Result<(), Errno>;
    /// Linux: `listxattr` of a path.
    fn list_xattr(&mut self, path: &[u8]) -> Result<Vec<Vec<u8>>, Errno>;
    /// Linux: creates an empty regular file (names Windows cannot spell).
    fn make_linux_file(&mut self, path: &[u8]) -> Result<(), Errno>;

    /// FileBasicInformation: creation, access, write, change times (0
    /// keeps, -1 stops updates, -2 resumes them) and attributes.
    fn set_basic(&mut self, h: Handle, times: [i64; 4], attrs: u32) -> Result<(), NtStatus> {
        let mut b = Vec::with_capacity(40);
        for t in times {
            b.extend_from_slice(&t.to_le_bytes());
        }
        b.extend_from_slice(&attrs.to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        self.set_information(h, FILE_BASIC_INFORMATION, &b)
    }
    /// FileEndOfFileInformation.
    fn set_end_of_file(&mut self, h: Handle, eof: i64) -> Result<(), NtStatus> {
        self.set_information(h, FILE_END_OF_FILE_INFORMATION, &eof.to_le_bytes())
    }
    /// FileDispositionInformationEx.
    fn set_disposition(&mut self, h: Handle, flags: u32) -> Result<(), NtStatus> {
        self.set_information(h, FILE_DISPOSITION_INFORMATION_EX, &flags.to_le_bytes())
    }
}

/// Makes fresh volumes.
pub trait Env {
    /// The volumes it makes.
    type V: Vol;
    /// A volume on a new, empty tree, mounted with `opts`.
    fn mount(&mut self, opts: MountOptions) -> Self::V;
    /// `old` unmounted (its handles closed), and its tree mounted again
    /// with `opts`.
    fn remount(&mut self, old: Self::V, opts: MountOptions) -> Self::V;
}

/// A case of the suite.
pub type Case<E> = fn(&mut E);

/// Every case, by name.
pub fn cases<E: Env>() -> Vec<(&'static str, Case<E>)> {
    let mut v: Vec<(&'static str, Case<E>)> = Vec::new();
    v.extend(create::cases::<E>());
    v.extend(enumerate::cases::<E>());
    v.extend(info::cases::<E>());
    v.extend(names::cases::<E>());
    v.extend(volume::cases::<E>());
    v.extend(ea::cases::<E>());
    v.extend(security::cases::<E>());
    v.extend(reparse::cases::<E>());
    v.extend(badinput::cases::<E>());
    v
}

/// UTF-16 of a string.
pub fn w(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// Share everything.
pub const SHARE_ALL: u32 = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

/// NtCreateFile with the common parameters.
pub fn create(v: &mut impl Vol, name: &str, access: u32, share: u32, disp: u32, opts: u32) -> CreateResult {
    let n = w(name);
    v.create(&CreateParams {
        related: None,
        name: &n,
        desired_access: access,
        file_attributes: 0,
        share_access: share,
        disposition: disp,
        options: opts,
        ea: &[],
    })
}

/// A create that must succeed.
pub fn open_ok(v: &mut impl Vol, name: &str, access: u32, share: u32, disp: u32, opts: u32) -> Handle {
    let r = create(v, name, access, share, disp, opts);
    assert_eq!(
        r.status,
        NtStatus::SUCCESS,
        "create({name:?}, access {access:#x}, share {share}, disp {disp}, opts {opts:#x})"
    );
    r.handle.expect("handle on success")
}

/// Creates `name` with `data` and closes it.
pub fn make_file(v: &mut impl Vol, name: &str, data: &[u8]) {
    let h = open_ok(v, name, FILE_GENERIC_WRITE, 0, FILE_CREATE, FILE_NON_DIRECTORY_FILE);
    if !data.is_empty() {
        assert_eq!(v.write(h, Some(0), data), Ok(data.len()));
    }
    v.close(h).unwrap();
}

/// Creates directory `name`.
pub fn make_dir(v: &mut impl Vol, name: &str) {
    let h = open_ok(v, name, FILE_LIST_DIRECTORY, SHARE_ALL, FILE_CREATE, FILE_DIRECTORY_FILE);
    v.close(h).unwrap();
}

/// Reads a whole file through a fresh handle.
pub fn read_all(v: &mut impl Vol, name: &str) -> Vec<u8> {
    let h = open_ok(v, name, FILE_GENERIC_READ, SHARE_ALL, FILE_OPEN, 0);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match v.read(h, Some(out.len() as u64), &mut buf) {
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(NtStatus::END_OF_FILE) => break,
            Err(e) => panic!("read {name}: {e:?}"),
        }
    }
    v.close(h).unwrap();
    out
}

/// Little-endian readers for checking output buffers.
pub fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

/// Reads an i64 at `off`.
pub fn i64_at(b: &[u8], off: usize) -> i64 {
    i64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// Reads `len` bytes of UTF-16 at `off` as a String.
pub fn utf16_at(b: &[u8], off: usize, len: usize) -> String {
    let u: Vec<u16> = b[off..off + len].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16_lossy(&u)
}
