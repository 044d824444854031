//! The bad-input suites' walk: read everything a (possibly corrupt) file
//! system shows, then write a little, counting errnos instead of stopping.
//! The base images of the suites share the names `big/n-0007` and `sub/a`.

use std::collections::BTreeMap;
use std::ffi::CString;

use lkl::{Kernel, sys};

/// What a full walk met.
#[derive(Default)]
pub struct Walk {
    /// Entries visited.
    pub entries: usize,
    /// `call:ERRNO` -> how often.
    pub errors: BTreeMap<String, usize>,
}

impl Walk {
    /// Counts a failed call.
    pub fn err(&mut self, call: &str, e: lkl::Errno) {
        *self.errors.entry(format!("{call}:{}", e.name().unwrap_or("?"))).or_default() += 1;
    }
}

/// Reads everything reachable under `root`, tolerating errors; bounded in
/// depth, entries and bytes so a corrupt size or a directory loop cannot
/// make it run for ever.
pub fn walk(k: &Kernel, root: &str) -> Walk {
    let mut w = Walk::default();
    let mut todo = vec![(root.to_string(), 0usize)];
    let mut buf = vec![0u8; 256 * 1024];
    while let Some((path, depth)) = todo.pop() {
        if w.entries >= 3000 {
            break;
        }
        w.entries += 1;
        let Ok(c) = CString::new(path.clone()) else { continue };
        let st = match k.fstatat(sys::AT_FDCWD, &c, sys::AT_SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(e) => {
                w.err("lstat", e);
                continue;
            }
        };
        let _ = k
            .statx(sys::AT_FDCWD, &c, sys::AT_SYMLINK_NOFOLLOW, sys::STATX_BASIC_STATS | sys::STATX_BTIME)
            .map_err(|e| w.err("statx", e));
        match k.llistxattr(&c) {
            Ok(names) => {
                for n in names {
                    if let Ok(n) = CString::new(n) {
                        let _ = k.lgetxattr(&c, &n).map_err(|e| w.err("lgetxattr", e));
                    }
                }
            }
            Err(e) => w.err("llistxattr", e),
        }
        match st.st_mode & sys::S_IFMT {
            sys::S_IFDIR if depth < 12 => match k.read_dir(&c) {
                Ok(entries) => {
                    for e in entries {
                        if e.name != b"." && e.name != b".." {
                            todo.push((format!("{path}/{}", String::from_utf8_lossy(&e.name)), depth + 1));
                        }
                    }
                }
                Err(e) => w.err("getdents64", e),
            },
            sys::S_IFLNK => {
                let _ = k.readlinkat(sys::AT_FDCWD, &c).map_err(|e| w.err("readlink", e));
            }
            sys::S_IFREG => match k.open(&c, sys::O_RDONLY | sys::O_CLOEXEC, 0) {
                Ok(fd) => {
                    let mut total = 0usize;
                    while total < 4 << 20 {
                        match k.read(fd, &mut buf) {
                            Ok(0) => break,
                            Ok(n) => total += n,
                            Err(e) => {
                                w.err("read", e);
                                break;
                            }
                        }
                    }
                    let _ = k.close(fd);
                }
                Err(e) => w.err("open", e),
            },
            _ => {}
        }
    }
    w
}

/// A few writes on the (possibly corrupt) file system: the allocators and
/// directory code parse bitmaps and blocks the read walk does not.
pub fn scribble(k: &Kernel, root: &str, w: &mut Walk) {
    let p = |s: &str| CString::new(format!("{root}/{s}")).unwrap_or_default();
    let _ = k.mkdir(&p("new-dir"), 0o755).map_err(|e| w.err("mkdir", e));
    match k.open(&p("new-dir/new-file"), sys::O_CREAT | sys::O_WRONLY | sys::O_CLOEXEC, 0o644) {
        Ok(fd) => {
            let _ = k.write(fd, &[0x5a; 20_000]).map_err(|e| w.err("write", e));
            let _ = k.fsync(fd).map_err(|e| w.err("fsync", e));
            let _ = k.close(fd);
        }
        Err(e) => w.err("creat", e),
    }
    let _ = k.unlinkat(sys::AT_FDCWD, &p("big/n-0007"), 0).map_err(|e| w.err("unlink", e));
    let _ =
        k.renameat2(sys::AT_FDCWD, &p("sub/a"), sys::AT_FDCWD, &p("sub/a-renamed"), 0).map_err(|e| w.err("rename", e));
    let _ = k.sync().map_err(|e| w.err("sync", e));
}

/// What mounting a damaged image came to.
pub enum Outcome {
    /// The mount was refused with this errno.
    MountFailed(lkl::Errno),
    /// It mounted; the walk and the scribbles' results.
    Mounted(Walk),
}

impl Outcome {
    /// One line for the log.
    pub fn describe(&self) -> String {
        match self {
            Outcome::MountFailed(e) => format!("mount failed: {e}"),
            Outcome::Mounted(w) if w.errors.is_empty() => format!("mounted; {} entries walked, no errors", w.entries),
            Outcome::Mounted(w) => {
                let errs: Vec<String> = w.errors.iter().map(|(k, v)| format!("{k}x{v}")).collect();
                format!("mounted; {} entries walked; errnos: {}", w.entries, errs.join(" "))
            }
        }
    }
}

/// Mounts `disk` with `opts`, walks and scribbles on it, and unmounts (a
/// detach is the fallback: not mounted any more is the only acceptable
/// state). Errors are the kernel's failing to leave the mount, not the
/// image's damage, which the outcome records.
pub fn mount_walk_unmount(k: &Kernel, disk: &lkl::Disk, opts: &lkl::MountOptions) -> Result<Outcome, String> {
    Ok(match k.mount_disk(disk, opts) {
        Err(e) => Outcome::MountFailed(e.errno),
        Ok(m) => {
            let root = m.path.to_str().map_err(|e| format!("mount path: {e}"))?.to_string();
            let mut w = walk(k, &root);
            scribble(k, &root, &mut w);
            if let Err(e) = k.unmount(&m) {
                w.err("umount2", e);
                match k.umount2(&m.path, sys::MNT_DETACH) {
                    Ok(_) | Err(lkl::Errno::EINVAL) => {}
                    Err(e) => return Err(format!("umount2(detach) = {e}")),
                }
            }
            Outcome::Mounted(w)
        }
    })
}
