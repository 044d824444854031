//! The semantic suite: one body per NT rule, generic over the `Vfs`, run
//! over [`crate::HostVfs`] and `lkl::vfs::KernelVfs` (the embedded
//! kernel on an ext4 image). Each case gets a fresh, empty volume from an [`Env`] and
//! checks both what Windows sees and what Linux got (through the same Vfs).
//!
//! Cases panic on a mismatch with the operation, the expected and the
//! actual result, which is what `cargo test` reports.

pub mod badinput;
pub mod create;
pub mod enumerate;
pub mod info;
pub mod names;

use fs_glue::nt::*;
use fs_glue::{CreateParams, CreateResult, Handle, MountOptions, NtStatus, Vfs, Volume};
use lkl_abi::sys;

/// Makes fresh volumes.
pub trait Env {
    /// The kernel under test.
    type V: Vfs;
    /// A volume on a new empty directory (or file system) with `opts`.
    fn mount(&mut self, opts: MountOptions) -> Volume<Self::V>;
    /// Another volume on the tree of the last [`Env::mount`], with `opts`.
    fn remount(&mut self, opts: MountOptions) -> Volume<Self::V>;
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
pub fn create<V: Vfs>(v: &mut Volume<V>, name: &str, access: u32, share: u32, disp: u32, opts: u32) -> CreateResult {
    let n = w(name);
    v.create(&CreateParams {
        related: None,
        name: &n,
        desired_access: access,
        file_attributes: 0,
        share_access: share,
        disposition: disp,
        options: opts,
    })
}

/// A create that must succeed.
pub fn open_ok<V: Vfs>(v: &mut Volume<V>, name: &str, access: u32, share: u32, disp: u32, opts: u32) -> Handle {
    let r = create(v, name, access, share, disp, opts);
    assert_eq!(
        r.status,
        NtStatus::SUCCESS,
        "create({name:?}, access {access:#x}, share {share}, disp {disp}, opts {opts:#x})"
    );
    r.handle.expect("handle on success")
}

/// Creates `name` with `data` and closes it.
pub fn make_file<V: Vfs>(v: &mut Volume<V>, name: &str, data: &[u8]) {
    let h = open_ok(v, name, FILE_GENERIC_WRITE, 0, FILE_CREATE, FILE_NON_DIRECTORY_FILE);
    if !data.is_empty() {
        assert_eq!(v.write(h, Some(0), data), Ok(data.len()));
    }
    v.close(h).unwrap();
}

/// Creates directory `name`.
pub fn make_dir<V: Vfs>(v: &mut Volume<V>, name: &str) {
    let h = open_ok(v, name, FILE_LIST_DIRECTORY, SHARE_ALL, FILE_CREATE, FILE_DIRECTORY_FILE);
    v.close(h).unwrap();
}

/// Linux's view: the lstat of a path from the root, if it exists.
pub fn lstat<V: Vfs>(v: &Volume<V>, path: &[u8]) -> Option<sys::Statx> {
    v.vfs().statx(v.vfs().root(), path, sys::AT_SYMLINK_NOFOLLOW, sys::STATX_BASIC_STATS | sys::STATX_BTIME).ok()
}

/// Reads a whole file through a fresh handle.
pub fn read_all<V: Vfs>(v: &mut Volume<V>, name: &str) -> Vec<u8> {
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
