//! The tree every file system gets: written through the library (and, for
//! the reverse direction, through the host), then changed.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::Path;

use lkl::sys::{self, Timespec};
use lkl::{Errno, Kernel};

use crate::rng::Rng;
use crate::sha256::Sha256;
use crate::{R, es};
use sha2::Digest as _;

/// What a file system can keep.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    /// Symlinks, hard links, owners, modes, xattrs, RENAME_EXCHANGE.
    pub posix: bool,
    /// Largest xattr value the suites set (bounded by the block size when
    /// xattrs live in one block).
    pub xattr_big: usize,
}

/// File sizes of the tree, 0 bytes to 64 MiB.
pub const SIZES: &[u64] = &[0, 1, 511, 512, 4095, 4096, 4097, 65_539, 1_048_581, 3_145_745, 64 << 20];

/// Entries in the big directory.
pub const MANY: usize = 1000;

/// The library at a mount point, with paths relative to it and errors
/// formatted as `call(args) = -errno (NAME)`.
pub struct Lib<'k> {
    /// The kernel.
    pub k: &'k Kernel,
    /// Mount point inside the kernel.
    pub root: String,
}

fn fail(call: String, e: Errno) -> String {
    format!("{call} = -{} ({})", e.0, e.name().unwrap_or("?"))
}

impl Lib<'_> {
    /// Absolute path of `rel`.
    pub fn p(&self, rel: &str) -> CString {
        CString::new(format!("{}/{rel}", self.root)).unwrap_or_default()
    }

    /// mkdir.
    pub fn mkdir(&self, rel: &str, mode: u32) -> R {
        self.k.mkdir(&self.p(rel), mode).map_err(|e| fail(format!("mkdir({rel}, {mode:o})"), e))
    }

    /// Creates (or truncates) `rel` and writes `size` seeded random bytes in
    /// 1 MiB writes, fsyncing if asked; the SHA-256 of what was written.
    pub fn write_random(&self, rel: &str, size: u64, seed: u64, fsync: bool) -> R<[u8; 32]> {
        let fd = self
            .k
            .open(&self.p(rel), sys::O_CREAT | sys::O_TRUNC | sys::O_WRONLY | sys::O_CLOEXEC, 0o644)
            .map_err(|e| fail(format!("open({rel}, O_CREAT)"), e))?;
        let mut rng = Rng::new(seed);
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut left = size;
        let r = (|| {
            while left > 0 {
                let n = left.min(buf.len() as u64) as usize;
                rng.fill(&mut buf[..n]);
                h.update(&buf[..n]);
                let w = self.k.write(fd, &buf[..n]).map_err(|e| fail(format!("write({rel}, {n})"), e))?;
                if w != n {
                    return Err(format!("write({rel}, {n}) = {w}: short"));
                }
                left -= n as u64;
            }
            if fsync {
                self.k.fsync(fd).map_err(|e| fail(format!("fsync({rel})"), e))?;
            }
            Ok(())
        })();
        let c = self.k.close(fd).map_err(|e| fail(format!("close({rel})"), e));
        r?;
        c?;
        Ok(h.finalize().into())
    }

    /// Opens `rel` for writing, runs `f` on the fd, closes.
    pub fn with_fd(&self, rel: &str, flags: i32, f: impl FnOnce(i32) -> R) -> R {
        let fd =
            self.k.open(&self.p(rel), flags | sys::O_CLOEXEC, 0o644).map_err(|e| fail(format!("open({rel})"), e))?;
        let r = f(fd);
        let c = self.k.close(fd).map_err(|e| fail(format!("close({rel})"), e));
        r?;
        c
    }

    /// pwrite + fsync.
    pub fn pwrite(&self, rel: &str, data: &[u8], off: u64) -> R {
        self.with_fd(rel, sys::O_WRONLY | sys::O_CREAT, |fd| {
            let n =
                self.k.pwrite(fd, data, off).map_err(|e| fail(format!("pwrite({rel}, {}, {off})", data.len()), e))?;
            if n != data.len() {
                return Err(format!("pwrite({rel}) short: {n}"));
            }
            self.k.fsync(fd).map_err(|e| fail(format!("fsync({rel})"), e))
        })
    }

    /// ftruncate + fsync.
    pub fn truncate(&self, rel: &str, len: u64) -> R {
        self.with_fd(rel, sys::O_WRONLY, |fd| {
            self.k.ftruncate(fd, len).map_err(|e| fail(format!("ftruncate({rel}, {len})"), e))?;
            self.k.fsync(fd).map_err(|e| fail(format!("fsync({rel})"), e))
        })
    }

    /// symlink.
    pub fn symlink(&self, target: &str, rel: &str) -> R {
        let t = CString::new(target).map_err(es("target"))?;
        self.k.symlinkat(&t, sys::AT_FDCWD, &self.p(rel)).map_err(|e| fail(format!("symlink({target}, {rel})"), e))
    }

    /// Hard link.
    pub fn link(&self, old: &str, new: &str) -> R {
        self.k
            .linkat(sys::AT_FDCWD, &self.p(old), sys::AT_FDCWD, &self.p(new), 0)
            .map_err(|e| fail(format!("link({old}, {new})"), e))
    }

    /// renameat2.
    pub fn rename(&self, old: &str, new: &str, flags: u32) -> R<()> {
        self.k
            .renameat2(sys::AT_FDCWD, &self.p(old), sys::AT_FDCWD, &self.p(new), flags)
            .map_err(|e| fail(format!("renameat2({old}, {new}, {flags})"), e))
    }

    /// unlink, or rmdir with `dir`.
    pub fn unlink(&self, rel: &str, dir: bool) -> R {
        let flags = if dir { sys::AT_REMOVEDIR } else { 0 };
        self.k.unlinkat(sys::AT_FDCWD, &self.p(rel), flags).map_err(|e| fail(format!("unlinkat({rel}, {flags:#x})"), e))
    }

    /// lsetxattr.
    pub fn setxattr(&self, rel: &str, name: &str, value: &[u8]) -> R {
        let n = CString::new(name).map_err(es("xattr name"))?;
        self.k
            .lsetxattr(&self.p(rel), &n, value, 0)
            .map_err(|e| fail(format!("lsetxattr({rel}, {name}, {} bytes)", value.len()), e))
    }

    /// chmod.
    pub fn chmod(&self, rel: &str, mode: u32) -> R {
        self.k.fchmodat(sys::AT_FDCWD, &self.p(rel), mode).map_err(|e| fail(format!("chmod({rel}, {mode:o})"), e))
    }

    /// lchown.
    pub fn chown(&self, rel: &str, uid: u32, gid: u32) -> R {
        self.k
            .fchownat(sys::AT_FDCWD, &self.p(rel), uid, gid, sys::AT_SYMLINK_NOFOLLOW)
            .map_err(|e| fail(format!("lchown({rel}, {uid}, {gid})"), e))
    }

    /// Sets atime and mtime.
    pub fn set_mtime(&self, rel: &str, sec: i64, nsec: i64) -> R {
        let t = [Timespec { tv_sec: sec, tv_nsec: nsec }; 2];
        self.k
            .utimensat(sys::AT_FDCWD, &self.p(rel), Some(&t), sys::AT_SYMLINK_NOFOLLOW)
            .map_err(|e| fail(format!("utimensat({rel}, {sec}.{nsec})"), e))
    }
}

/// Path -> SHA-256 of what the test wrote, for the files it still expects.
pub type Written = BTreeMap<String, [u8; 32]>;

/// Builds the tree through the library: nested directories, `MANY` entries
/// in one directory, files of every size in `SIZES`, a sparse file, and
/// (POSIX file systems) symlinks, hard links, xattrs, modes and owners.
pub fn build(l: &Lib, caps: Caps, seed: u64) -> R<Written> {
    let mut w = Written::new();
    let mut rng = Rng::new(seed);
    let mut nested = String::new();
    for d in ["a", "b", "c", "d", "e", "f"] {
        nested = if nested.is_empty() { d.to_string() } else { format!("{nested}/{d}") };
        l.mkdir(&nested, 0o755)?;
    }
    let deep = format!("{nested}/deep.bin");
    w.insert(deep.clone(), l.write_random(&deep, 10_000, rng.next_u64(), false)?);
    l.mkdir("many", 0o755)?;
    for i in 0..MANY {
        let rel = format!("many/entry-{i:04}.dat");
        let size = (i as u64 * 37) % 300;
        w.insert(rel.clone(), l.write_random(&rel, size, rng.next_u64(), false)?);
    }
    l.mkdir("files", 0o755)?;
    for &size in SIZES {
        let rel = format!("files/s-{size}");
        w.insert(rel.clone(), l.write_random(&rel, size, rng.next_u64(), true)?);
    }
    // Sparse: data at both ends of a 10 MiB file, a hole between.
    let head = rng.bytes(4096);
    let tail = rng.bytes(4096);
    l.pwrite("files/sparse", &head, 0)?;
    l.pwrite("files/sparse", &tail, 6 << 20)?;
    l.truncate("files/sparse", 10 << 20)?;
    let mut sparse = vec![0u8; 10 << 20];
    sparse[..4096].copy_from_slice(&head);
    sparse[6 << 20..(6 << 20) + 4096].copy_from_slice(&tail);
    w.insert("files/sparse".into(), crate::sha256::digest(&sparse));
    if caps.posix {
        l.mkdir("links", 0o755)?;
        l.symlink("../files/s-4096", "links/rel")?;
        l.symlink("/etc/passwd", "links/abs")?;
        l.symlink("nowhere", "links/dangling")?;
        // Longer than the 60 bytes kept inside the inode: a block symlink.
        l.symlink(&"long/".repeat(40), "links/long")?;
        l.symlink("../a/b", "links/dir")?;
        l.link("files/s-4097", "links/hard1")?;
        l.link("files/s-4097", "a/hard2")?;
        l.setxattr("files/s-1", "user.small", b"v")?;
        l.setxattr("files/s-1", "user.big", &rng.bytes(caps.xattr_big))?;
        l.setxattr("a", "user.dir", b"directory attribute")?;
        l.setxattr("a", "trusted.t", b"root only")?;
        l.setxattr("files/s-0", "user.empty", b"")?;
        l.chmod("files/s-0", 0o600)?;
        l.chown("files/s-0", 1000, 1000)?;
        l.chmod("a/b", 0o700)?;
        l.chown("a/b", 1234, 5678)?;
        l.chmod("files/s-1", 0o4755)?;
        l.chown("links/rel", 42, 43)?;
    }
    // Explicit times last: creating entries would move a directory's mtime.
    // Odd seconds check FAT's 2-second rounding.
    l.set_mtime("files/s-511", 1_000_000_001, 123_456_789)?;
    l.set_mtime("a/b/c", 1_234_567_891, 5)?;
    Ok(w)
}

/// Renames, unlinks, truncates (with fsyncs) on the built tree; updates `w`.
pub fn change(l: &Lib, caps: Caps, seed: u64, w: &mut Written) -> R {
    let mut rng = Rng::new(seed);
    let mv = |old: &str, new: &str, w: &mut Written| -> R {
        l.rename(old, new, 0)?;
        let moved: Vec<(String, [u8; 32])> = w
            .iter()
            .filter(|(p, _)| p.as_str() == old || p.starts_with(&format!("{old}/")))
            .map(|(p, h)| (p.clone(), *h))
            .collect();
        w.retain(|p, _| !(p == new || p.starts_with(&format!("{new}/"))));
        for (p, h) in moved {
            w.remove(&p);
            w.insert(format!("{new}{}", &p[old.len()..]), h);
        }
        Ok(())
    };
    mv("files/s-4095", "a/b/renamed-4095", w)?;
    mv("files/s-512", "files/s-512-renamed", w)?;
    mv("a/b/c", "moved-c", w)?;
    // Replaces an existing file.
    mv("files/s-1", "files/s-0", w)?;
    if caps.posix {
        l.rename("files/s-4096", "files/s-65539", sys::RENAME_EXCHANGE)?;
        let (x, y) = (w["files/s-4096"], w["files/s-65539"]);
        w.insert("files/s-4096".into(), y);
        w.insert("files/s-65539".into(), x);
        l.unlink("links/hard1", false)?;
        l.unlink("links/dangling", false)?;
    }
    for i in (0..MANY).step_by(2) {
        let rel = format!("many/entry-{i:04}.dat");
        l.unlink(&rel, false)?;
        w.remove(&rel);
    }
    l.unlink("moved-c/d/e/f/deep.bin", false)?;
    w.remove("moved-c/d/e/f/deep.bin");
    l.unlink("moved-c/d/e/f", true)?;
    // Truncates: shrink the biggest file, cut one to a few bytes, extend one
    // with a hole, empty one; then reuse the freed space.
    let cuts: [(&str, u64); 4] = [
        ("files/s-67108864", (10 << 20) + 123),
        ("files/s-1048581", 1000),
        ("files/s-4097", 1 << 20),
        ("files/s-3145745", 0),
    ];
    for (rel, len) in cuts {
        l.truncate(rel, len)?;
        w.remove(rel);
    }
    l.write_random("files/after-truncate", 2 << 20, rng.next_u64(), true)?;
    l.with_fd("files/s-511", sys::O_WRONLY | sys::O_APPEND, |fd| {
        l.k.write(fd, b"appended").map_err(|e| fail("write(files/s-511, append)".into(), e))?;
        l.k.fsync(fd).map_err(|e| fail("fsync(files/s-511)".into(), e))
    })?;
    w.remove("files/s-511");
    Ok(())
}

/// Builds a tree with the host's own calls under `root` (a host mount of
/// an ext image, or a plain directory to be copied onto FAT by mtools).
pub fn build_on_host(root: &Path, caps: Caps, seed: u64) -> R {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, UNIX_EPOCH};
    let mut rng = Rng::new(seed);
    let write = |rel: &str, data: &[u8]| -> R {
        let mut f = std::fs::File::create(root.join(rel)).map_err(|e| format!("create {rel}: {e}"))?;
        // No fsync: the host's umount writes everything back.
        f.write_all(data).map_err(|e| format!("write {rel}: {e}"))
    };
    let mkdir = |rel: &str| std::fs::create_dir_all(root.join(rel)).map_err(|e| format!("mkdir {rel}: {e}"));
    mkdir("h1/h2/h3/h4")?;
    write("h1/h2/h3/h4/deep.txt", b"written by the host\n")?;
    mkdir("crowd")?;
    mkdir("data")?;
    // 8.3-sized names: mtools' short-name generation for long names is
    // quadratic in the directory size (16 s for 1,000); a few dozen long
    // names (LFN entries with ~N short names) live in `data`.
    for i in 0..MANY {
        write(&format!("crowd/i{i:04}.bin"), &rng.bytes((i * 13) % 200))?;
    }
    for i in 0..40 {
        write(&format!("data/A Long File Name number {i}.text"), &rng.bytes(i * 10))?;
    }
    // mcopy stores about 0.5 MB/s into an image file, so the tree that
    // mtools copies onto FAT keeps its biggest files smaller.
    let (biggest, sparse) = if caps.posix { (5 << 20, 8 << 20) } else { (1 << 20, 2 << 20) };
    for size in [0usize, 1, 4097, 1_048_581.min(biggest - 3), biggest] {
        write(&format!("data/h-{size}"), &rng.bytes(size))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(root.join("data/sparse"))
        .map_err(es("sparse"))?;
    f.set_len(sparse).map_err(es("sparse set_len"))?;
    {
        use std::os::unix::fs::FileExt;
        f.write_all_at(b"middle of nowhere", sparse / 3).map_err(es("sparse write"))?;
    }
    drop(f);
    let set_time = |rel: &str, secs: u64, nanos: u32| -> R {
        let f = std::fs::File::open(root.join(rel)).map_err(|e| format!("open {rel}: {e}"))?;
        f.set_modified(UNIX_EPOCH + Duration::new(secs, nanos)).map_err(|e| format!("set mtime {rel}: {e}"))
    };
    if caps.posix {
        mkdir("ln")?;
        std::os::unix::fs::symlink("../data/h-1", root.join("ln/rel")).map_err(es("symlink"))?;
        std::os::unix::fs::symlink("x/".repeat(60), root.join("ln/long")).map_err(es("symlink"))?;
        std::fs::hard_link(root.join("data/h-4097"), root.join("ln/hard")).map_err(es("hard link"))?;
        rustix::fs::lsetxattr(root.join("data/h-1"), "user.host", b"from the host", rustix::fs::XattrFlags::empty())
            .map_err(es("setxattr"))?;
        rustix::fs::lsetxattr(root.join("h1"), "user.big", &rng.bytes(caps.xattr_big), rustix::fs::XattrFlags::empty())
            .map_err(es("setxattr"))?;
        std::fs::set_permissions(root.join("data/h-0"), std::fs::Permissions::from_mode(0o640)).map_err(es("chmod"))?;
        std::os::unix::fs::lchown(root.join("data/h-0"), Some(4321), Some(8765)).map_err(es("chown"))?;
        std::os::unix::fs::lchown(root.join("ln/rel"), Some(7), Some(8)).map_err(es("lchown"))?;
    }
    set_time("data/h-4097", 1_111_111_111, 987_654_321)?;
    set_time("h1/h2", 999_999_999, 0)?;
    Ok(())
}

/// Checks that every file in `w` reads back through the library with the
/// SHA-256 it was written with.
pub fn check_written(k: &Kernel, root: &str, w: &Written) -> R {
    for (rel, want) in w {
        let path = format!("{root}/{rel}");
        let c = CString::new(path.clone()).map_err(es("path"))?;
        let st = k.stat(&c).map_err(|e| fail(format!("stat({path})"), e))?;
        let got = crate::manifest::lib_hash(k, &path, st.st_size as u64)?;
        if &got != want {
            return Err(format!("{rel}: contents differ from what was written"));
        }
    }
    Ok(())
}
