//! A manifest: what a tree is, entry by entry, as one implementation reads
//! it — so that the library and a second implementation (the host kernel,
//! mtools) can be compared field by field instead of by contents alone.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use lkl::{Kernel, sys};

use crate::sha256::{Sha256, hex};
use crate::{R, es};
use sha2::Digest as _;

/// Entry type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Directory.
    Dir,
    /// Regular file.
    File,
    /// Symbolic link.
    Symlink,
    /// Anything else (S_IFMT bits).
    Other(u32),
}

fn kind_of(mode: u32) -> Kind {
    match mode & sys::S_IFMT {
        sys::S_IFDIR => Kind::Dir,
        sys::S_IFREG => Kind::File,
        sys::S_IFLNK => Kind::Symlink,
        other => Kind::Other(other),
    }
}

/// One entry. Fields a file system does not keep are normalised away by
/// [`Flavor::normalize`] before comparing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Type.
    pub kind: Kind,
    /// Permission bits (07777).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Link count.
    pub nlink: u32,
    /// Symlink target.
    pub target: Option<Vec<u8>>,
    /// Extended attributes, name -> value.
    pub xattrs: BTreeMap<String, Vec<u8>>,
    /// Modification time (seconds, nanoseconds).
    pub mtime: (i64, u32),
    /// SHA-256 of a regular file's contents.
    pub sha256: Option<[u8; 32]>,
}

/// Path relative to the root ("" is the root) -> entry.
pub type Manifest = BTreeMap<String, Entry>;

/// Which fields a file system keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// POSIX file systems (ext2/3/4, btrfs, xfs): everything.
    Posix,
    /// FAT: name, size of files, directory flag, mtime at 2 s, contents.
    Fat,
}

impl Flavor {
    /// Drops what this file system does not keep.
    pub fn normalize(self, m: &Manifest) -> Manifest {
        match self {
            Flavor::Posix => m.clone(),
            Flavor::Fat => m
                .iter()
                .filter(|(p, _)| !p.is_empty())
                .map(|(p, e)| {
                    let secs = e.mtime.0 - e.mtime.0.rem_euclid(2);
                    let e = Entry {
                        kind: e.kind,
                        mode: 0,
                        uid: 0,
                        gid: 0,
                        size: if e.kind == Kind::Dir { 0 } else { e.size },
                        nlink: 0,
                        target: None,
                        xattrs: BTreeMap::new(),
                        mtime: (secs, 0),
                        sha256: e.sha256,
                    };
                    (p.clone(), e)
                })
                .collect(),
        }
    }
}

fn show(e: &Entry) -> String {
    let mut s = format!(
        "{:?} mode {:o} {}:{} size {} nlink {} mtime {}.{:09}",
        e.kind, e.mode, e.uid, e.gid, e.size, e.nlink, e.mtime.0, e.mtime.1
    );
    if let Some(t) = &e.target {
        let _ = write!(s, " -> {:?}", String::from_utf8_lossy(t));
    }
    if !e.xattrs.is_empty() {
        let x: Vec<String> = e.xattrs.iter().map(|(k, v)| format!("{k}({} bytes)", v.len())).collect();
        let _ = write!(s, " xattrs [{}]", x.join(" "));
    }
    if let Some(h) = &e.sha256 {
        let _ = write!(s, " sha256 {}", &hex(h)[..16]);
    }
    s
}

/// Compares two manifests after normalising both; the error lists the
/// first differences.
pub fn compare(flavor: Flavor, a_name: &str, a: &Manifest, b_name: &str, b: &Manifest) -> R {
    let (a, b) = (flavor.normalize(a), flavor.normalize(b));
    let mut diffs = Vec::new();
    for (p, ea) in &a {
        match b.get(p) {
            None => diffs.push(format!("/{p}: only in {a_name}: {}", show(ea))),
            Some(eb) if eb != ea => {
                diffs.push(format!("/{p}:\n    {a_name}: {}\n    {b_name}: {}", show(ea), show(eb)))
            }
            Some(_) => {}
        }
    }
    for (p, eb) in &b {
        if !a.contains_key(p) {
            diffs.push(format!("/{p}: only in {b_name}: {}", show(eb)));
        }
    }
    if diffs.is_empty() {
        let files = a.values().filter(|e| e.kind == Kind::File).count();
        let bytes: u64 = a.values().filter(|e| e.kind == Kind::File).map(|e| e.size).sum();
        let xattrs: usize = a.values().map(|e| e.xattrs.len()).sum();
        println!("{a_name} = {b_name}: {} entries, {files} files, {bytes} bytes, {xattrs} xattrs", a.len());
        return Ok(());
    }
    let n = diffs.len();
    diffs.truncate(25);
    Err(format!(
        "{a_name} and {b_name} differ in {n} entries ({} entries compared):\n  {}",
        a.len(),
        diffs.join("\n  ")
    ))
}

fn join(root: &str, rel: &str) -> String {
    if rel.is_empty() { root.to_string() } else { format!("{root}/{rel}") }
}

fn cstr(s: &str) -> R<CString> {
    CString::new(s).map_err(es("path"))
}

/// Reads a whole file through the library, in 1 MiB reads, into a hash.
pub fn lib_hash(k: &Kernel, path: &str, size: u64) -> R<[u8; 32]> {
    let c = cstr(path)?;
    let fd = k.open(&c, sys::O_RDONLY | sys::O_CLOEXEC, 0).map_err(|e| format!("open({path}) = {e}"))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    let r = loop {
        match k.read(fd, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                total += n as u64;
                h.update(&buf[..n]);
            }
            Err(e) => break Err(format!("read({path}) = {e}")),
        }
    };
    let _ = k.close(fd);
    r?;
    if total != size {
        return Err(format!("{path}: read {total} bytes, stat says {size}"));
    }
    Ok(h.finalize().into())
}

/// The manifest of the tree under `root` as the library sees it.
pub fn from_library(k: &Kernel, root: &str) -> R<Manifest> {
    let mut m = Manifest::new();
    // An explicit stack, not recursion: the case runs on a 64 KiB stack.
    let mut todo = vec![String::new()];
    while let Some(rel) = todo.pop() {
        let full = join(root, &rel);
        let c = cstr(&full)?;
        let st = k.fstatat(sys::AT_FDCWD, &c, sys::AT_SYMLINK_NOFOLLOW).map_err(|e| format!("lstat({full}) = {e}"))?;
        let kind = kind_of(st.st_mode);
        let mut xattrs = BTreeMap::new();
        for name in k.llistxattr(&c).map_err(|e| format!("llistxattr({full}) = {e}"))? {
            let n = cstr(&name)?;
            let v = k.lgetxattr(&c, &n).map_err(|e| format!("lgetxattr({full}, {name}) = {e}"))?;
            xattrs.insert(name, v);
        }
        let target = match kind {
            Kind::Symlink => Some(k.readlinkat(sys::AT_FDCWD, &c).map_err(|e| format!("readlink({full}) = {e}"))?),
            _ => None,
        };
        let sha256 = match kind {
            Kind::File => Some(lib_hash(k, &full, st.st_size as u64)?),
            _ => None,
        };
        if kind == Kind::Dir {
            for e in k.read_dir(&c).map_err(|e| format!("getdents64({full}) = {e}"))? {
                if e.name == b"." || e.name == b".." {
                    continue;
                }
                let name = String::from_utf8(e.name).map_err(es("non-UTF-8 name"))?;
                todo.push(if rel.is_empty() { name } else { format!("{rel}/{name}") });
            }
        }
        let e = Entry {
            kind,
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            size: st.st_size as u64,
            nlink: st.st_nlink,
            target,
            xattrs,
            mtime: (st.st_mtime, st.st_mtime_nsec as u32),
            sha256,
        };
        m.insert(rel, e);
    }
    Ok(m)
}

fn host_xattrs(path: &Path) -> R<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut names = vec![0u8; 64 * 1024];
    let n =
        rustix::fs::llistxattr(path, &mut names[..]).map_err(|e| format!("llistxattr({}) = {e}", path.display()))?;
    for name in names[..n].split(|&b| b == 0).filter(|s| !s.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        let mut val = vec![0u8; 64 * 1024];
        let len = rustix::fs::lgetxattr(path, name.as_str(), &mut val[..])
            .map_err(|e| format!("lgetxattr({}, {name}) = {e}", path.display()))?;
        val.truncate(len);
        out.insert(name, val);
    }
    Ok(out)
}

/// Hashes a host file.
pub fn host_hash(path: &Path) -> R<[u8; 32]> {
    let mut f = std::fs::File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| format!("read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// The manifest of the tree under `root` as the host kernel sees it.
/// `with_xattrs` is false for trees extracted by mtools onto the host's
/// own file system (whose xattrs are not the image's).
pub fn from_host(root: &Path, with_xattrs: bool) -> R<Manifest> {
    let mut m = Manifest::new();
    let mut todo = vec![String::new()];
    while let Some(rel) = todo.pop() {
        let full = if rel.is_empty() { root.to_path_buf() } else { root.join(&rel) };
        let md = std::fs::symlink_metadata(&full).map_err(|e| format!("lstat {}: {e}", full.display()))?;
        let kind = kind_of(md.mode());
        let target = match kind {
            Kind::Symlink => {
                use std::os::unix::ffi::OsStrExt;
                Some(std::fs::read_link(&full).map_err(es("readlink"))?.as_os_str().as_bytes().to_vec())
            }
            _ => None,
        };
        let sha256 = match kind {
            Kind::File => Some(host_hash(&full)?),
            _ => None,
        };
        if kind == Kind::Dir {
            for e in std::fs::read_dir(&full).map_err(|e| format!("readdir {}: {e}", full.display()))? {
                let e = e.map_err(es("readdir"))?;
                let name = e.file_name().into_string().map_err(|n| format!("non-UTF-8 name {n:?}"))?;
                todo.push(if rel.is_empty() { name } else { format!("{rel}/{name}") });
            }
        }
        let xattrs = if with_xattrs { host_xattrs(&full)? } else { BTreeMap::new() };
        let e = Entry {
            kind,
            mode: md.mode() & 0o7777,
            uid: md.uid(),
            gid: md.gid(),
            size: md.size(),
            nlink: md.nlink() as u32,
            target,
            xattrs,
            mtime: (md.mtime(), md.mtime_nsec() as u32),
            sha256,
        };
        m.insert(rel, e);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            kind: Kind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 1,
            nlink: 1,
            target: None,
            xattrs: BTreeMap::new(),
            mtime: (3, 7),
            sha256: Some([1; 32]),
        }
    }

    #[test]
    fn every_field_counts_for_posix() {
        let a: Manifest = [("f".to_string(), entry())].into();
        assert!(compare(Flavor::Posix, "a", &a, "b", &a).is_ok());
        let changes: [fn(&mut Entry); 8] = [
            |e| e.mode = 0o600,
            |e| e.uid = 1,
            |e| e.size = 2,
            |e| e.nlink = 2,
            |e| e.mtime.1 = 8,
            |e| e.sha256 = Some([2; 32]),
            |e| e.target = Some(b"x".to_vec()),
            |e| drop(e.xattrs.insert("user.x".into(), vec![])),
        ];
        for change in changes {
            let mut b = a.clone();
            change(b.get_mut("f").unwrap());
            assert!(compare(Flavor::Posix, "a", &a, "b", &b).is_err());
        }
        assert!(compare(Flavor::Posix, "a", &a, "b", &Manifest::new()).is_err());
    }

    #[test]
    fn fat_keeps_two_second_times_and_contents() {
        let a: Manifest = [("f".to_string(), entry())].into();
        let mut b = a.clone();
        b.get_mut("f").unwrap().mtime = (2, 0);
        b.get_mut("f").unwrap().mode = 0o755;
        assert!(compare(Flavor::Fat, "a", &a, "b", &b).is_ok());
        b.get_mut("f").unwrap().mtime = (4, 0);
        assert!(compare(Flavor::Fat, "a", &a, "b", &b).is_err());
        let mut c = a.clone();
        c.get_mut("f").unwrap().sha256 = None;
        assert!(compare(Flavor::Fat, "a", &a, "b", &c).is_err());
    }
}
