//! `put` and `get`: recursive copies between the host and the image,
//! through large buffers, keeping mode and modification time, with a
//! progress bar when a long copy runs on a terminal. A file whose copy fails
//! half-way is removed, so no truncated file looks like a finished one.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lkl::{Errno, sys};

use crate::commands::base_name;
use crate::error::{ErrnoContext, Error, IoContext, Kind, Result};
use crate::volume::Volume;

/// Bytes per read and write call. The kernel's block driver takes requests
/// of up to 1 MiB; a few of them per syscall keeps the per-call cost small.
pub const BUF_SIZE: usize = 4 << 20;

/// Copies at least this large get a progress bar (on a terminal).
const PROGRESS_MIN: u64 = 32 << 20;

/// A progress bar, or nothing when stderr is not a terminal.
struct Progress(Option<ProgressBar>);

impl Progress {
    fn new(total: u64) -> Progress {
        if total < PROGRESS_MIN || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress(Some(bar))
    }

    fn file(&self, name: &str) {
        if let Some(b) = &self.0 {
            b.set_message(name.to_string());
        }
    }

    fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// Bytes of regular files under a host path (for the progress bar).
fn local_total(p: &Path) -> u64 {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            std::fs::read_dir(p).map(|d| d.flatten().map(|e| local_total(&e.path())).sum()).unwrap_or(0)
        }
        Ok(m) if m.is_file() => m.len(),
        _ => 0,
    }
}

fn child(kpath: &CStr, name: &[u8]) -> Result<CString> {
    let mut b = kpath.to_bytes().to_vec();
    b.push(b'/');
    b.extend_from_slice(name);
    CString::new(b).map_err(|_| Error::new(Kind::Other, "NUL in a name"))
}

/// Bytes of regular files under a kernel path (for the progress bar).
fn image_total(v: &Volume, kpath: &CStr) -> u64 {
    let Ok(st) = v.k().fstatat(sys::AT_FDCWD, kpath, sys::AT_SYMLINK_NOFOLLOW) else {
        return 0;
    };
    match st.st_mode & sys::S_IFMT {
        sys::S_IFREG => st.st_size as u64,
        sys::S_IFDIR => v
            .k()
            .read_dir(kpath)
            .map(|es| {
                es.iter()
                    .filter(|e| e.name != b"." && e.name != b"..")
                    .filter_map(|e| child(kpath, &e.name).ok())
                    .map(|c| image_total(v, &c))
                    .sum()
            })
            .unwrap_or(0),
        _ => 0,
    }
}

#[cfg(unix)]
fn local_times(m: &std::fs::Metadata) -> (i64, i64, i64, i64) {
    use std::os::unix::fs::MetadataExt;
    (m.atime(), m.atime_nsec(), m.mtime(), m.mtime_nsec())
}

#[cfg(not(unix))]
fn local_times(m: &std::fs::Metadata) -> (i64, i64, i64, i64) {
    let secs = |t: std::io::Result<SystemTime>| {
        let d = t.ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).unwrap_or_default();
        (d.as_secs() as i64, i64::from(d.subsec_nanos()))
    };
    let (a, an) = secs(m.accessed());
    let (s, n) = secs(m.modified());
    (a, an, s, n)
}

#[cfg(unix)]
fn local_mode(m: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn local_mode(m: &std::fs::Metadata) -> u32 {
    let base = if m.permissions().readonly() { 0o444 } else { 0o644 };
    base | if m.is_dir() { 0o111 } else { 0 }
}

/// Sets mode and times of a copied entry. FAT keeps neither owner bits nor
/// most mode bits, so there a refused chmod is not an error.
fn set_meta(v: &Volume, kpath: &CStr, shown: &str, meta: &std::fs::Metadata, symlink: bool) -> Result<()> {
    if !symlink {
        match v.k().fchmodat(sys::AT_FDCWD, kpath, local_mode(meta)) {
            Ok(()) => {}
            Err(Errno::EPERM | Errno::EOPNOTSUPP) if v.m.fstype == "vfat" => {}
            Err(e) => return Err(Error::errno(format!("chmod {shown}"), e)),
        }
    }
    let (a, an, m, mn) = local_times(meta);
    let times = [sys::Timespec { tv_sec: a, tv_nsec: an }, sys::Timespec { tv_sec: m, tv_nsec: mn }];
    match v.k().utimensat(sys::AT_FDCWD, kpath, Some(&times), sys::AT_SYMLINK_NOFOLLOW) {
        Ok(()) => Ok(()),
        Err(Errno::EOPNOTSUPP | Errno::EPERM) if symlink => Ok(()),
        Err(e) => Err(Error::errno(format!("set times of {shown}"), e)),
    }
}

/// Reads until `buf` is full or the end of the file.
fn fill(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

struct Copier<'a> {
    v: &'a Volume,
    buf: Vec<u8>,
    progress: Progress,
    /// Files copied, for the summary line.
    files: u64,
    bytes: u64,
}

impl Copier<'_> {
    fn put_file(&mut self, local: &Path, kdest: &CStr, shown: &str, meta: &std::fs::Metadata) -> Result<()> {
        let mut src = File::open(local).io_ctx(local.display())?;
        let fd =
            self.v.k().open(kdest, sys::O_CREAT | sys::O_WRONLY | sys::O_TRUNC | sys::O_CLOEXEC, 0o600).ctx(shown)?;
        self.progress.file(shown);
        let r = (|| loop {
            let n = fill(&mut src, &mut self.buf).io_ctx(local.display())?;
            if n == 0 {
                return Ok(());
            }
            let mut done = 0;
            while done < n {
                let w = self.v.k().write(fd, &self.buf[done..n]).ctx(format!("write {shown}"))?;
                if w == 0 {
                    return Err(Error::errno(format!("write {shown}"), Errno::ENOSPC));
                }
                done += w;
            }
            self.bytes += n as u64;
            self.progress.inc(n as u64);
        })();
        let closed = self.v.k().close(fd).ctx(format!("close {shown}"));
        if let Err(e) = r.and(closed) {
            // Leave no truncated copy behind.
            let _ = self.v.k().unlinkat(sys::AT_FDCWD, kdest, 0);
            return Err(e);
        }
        self.files += 1;
        set_meta(self.v, kdest, shown, meta, false)
    }

    fn put(&mut self, local: &Path, kdest: &CStr, shown: &str) -> Result<()> {
        let meta = std::fs::symlink_metadata(local).io_ctx(local.display())?;
        let ft = meta.file_type();
        if ft.is_dir() {
            match self.v.k().mkdir(kdest, 0o700) {
                Ok(()) => {}
                Err(Errno::EEXIST) if self.v.k().stat(kdest).is_ok_and(|s| s.st_mode & sys::S_IFMT == sys::S_IFDIR) => {
                }
                Err(e) => return Err(Error::errno(format!("mkdir {shown}"), e)),
            }
            let mut entries: Vec<PathBuf> =
                std::fs::read_dir(local).io_ctx(local.display())?.flatten().map(|e| e.path()).collect();
            entries.sort();
            for e in entries {
                let name = e.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                self.put(&e, &child(kdest, name.as_bytes())?, &format!("{}/{name}", shown.trim_end_matches('/')))?;
            }
            // After the children, whose creation changed the directory's mtime.
            set_meta(self.v, kdest, shown, &meta, false)
        } else if ft.is_symlink() {
            let target = std::fs::read_link(local).io_ctx(local.display())?;
            let t = CString::new(target.to_string_lossy().into_owned())
                .map_err(|_| Error::new(Kind::Other, "NUL in a link"))?;
            match self.v.k().symlinkat(&t, sys::AT_FDCWD, kdest) {
                Err(Errno::EEXIST) => {
                    self.v.k().unlinkat(sys::AT_FDCWD, kdest, 0).ctx(format!("replace {shown}"))?;
                    self.v.k().symlinkat(&t, sys::AT_FDCWD, kdest).ctx(format!("symlink {shown}"))?;
                }
                r => r.ctx(format!("symlink {shown}"))?,
            }
            set_meta(self.v, kdest, shown, &meta, true)
        } else if ft.is_file() {
            self.put_file(local, kdest, shown, &meta)
        } else {
            eprintln!("lklfs: skipping {} (not a file, directory or symbolic link)", local.display());
            Ok(())
        }
    }

    fn get_file(&mut self, kpath: &CStr, shown: &str, local: &Path) -> Result<()> {
        let fd = self.v.k().open(kpath, sys::O_RDONLY | sys::O_CLOEXEC, 0).ctx(shown)?;
        self.progress.file(shown);
        let r = (|| {
            let mut out = File::create(local).io_ctx(local.display())?;
            loop {
                let n = self.v.k().read(fd, &mut self.buf).ctx(format!("read {shown}"))?;
                if n == 0 {
                    return out.flush().io_ctx(local.display());
                }
                out.write_all(&self.buf[..n]).io_ctx(local.display())?;
                self.bytes += n as u64;
                self.progress.inc(n as u64);
            }
        })();
        let _ = self.v.k().close(fd);
        if let Err(e) = r {
            let _ = std::fs::remove_file(local);
            return Err(e);
        }
        self.files += 1;
        Ok(())
    }

    fn get(&mut self, kpath: &CStr, shown: &str, local: &Path) -> Result<()> {
        let st = self.v.k().fstatat(sys::AT_FDCWD, kpath, sys::AT_SYMLINK_NOFOLLOW).ctx(shown)?;
        match st.st_mode & sys::S_IFMT {
            sys::S_IFDIR => {
                match std::fs::create_dir(local) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && local.is_dir() => {}
                    Err(e) => return Err(Error::io(local.display(), &e)),
                }
                let mut entries = self.v.k().read_dir(kpath).ctx(shown)?;
                entries.retain(|e| e.name != b"." && e.name != b"..");
                entries.sort_by(|a, b| a.name.cmp(&b.name));
                for e in entries {
                    let name = String::from_utf8_lossy(&e.name).into_owned();
                    self.get(
                        &child(kpath, &e.name)?,
                        &format!("{}/{name}", shown.trim_end_matches('/')),
                        &local.join(&name),
                    )?;
                }
            }
            sys::S_IFLNK => {
                let target = self.v.k().readlinkat(sys::AT_FDCWD, kpath).ctx(shown)?;
                make_symlink(&String::from_utf8_lossy(&target), local)?;
                return Ok(());
            }
            sys::S_IFREG => self.get_file(kpath, shown, local)?,
            _ => {
                eprintln!("lklfs: skipping {shown} (not a file, directory or symbolic link)");
                return Ok(());
            }
        }
        set_local_meta(local, st.st_mode & 0o7777, st.st_mtime, st.st_mtime_nsec as u32)
    }
}

#[cfg(unix)]
fn make_symlink(target: &str, local: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, local).io_ctx(local.display())
}

#[cfg(not(unix))]
fn make_symlink(_target: &str, local: &Path) -> Result<()> {
    eprintln!("lklfs: skipping symbolic link {}", local.display());
    Ok(())
}

fn set_local_meta(local: &Path, mode: u32, mtime: i64, nsec: u32) -> Result<()> {
    let when = if mtime >= 0 {
        UNIX_EPOCH + Duration::new(mtime as u64, nsec)
    } else {
        UNIX_EPOCH - Duration::from_secs(mtime.unsigned_abs())
    };
    set_mtime(local, when)?;
    set_mode(local, mode)
}

fn set_mtime(local: &Path, when: SystemTime) -> Result<()> {
    let f = open_for_times(local).io_ctx(local.display())?;
    f.set_modified(when).io_ctx(format!("set time of {}", local.display()))
}

#[cfg(not(windows))]
fn open_for_times(local: &Path) -> std::io::Result<File> {
    File::open(local)
}

/// Windows needs FILE_WRITE_ATTRIBUTES to set times (a read-only open is
/// refused with "Access denied") and FILE_FLAG_BACKUP_SEMANTICS to open a
/// directory at all.
#[cfg(windows)]
fn open_for_times(local: &Path) -> std::io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_WRITE_ATTRIBUTES: u32 = 0x100;
    const FILE_FLAG_BACKUP_SEMANTICS: u32 = 0x0200_0000;
    std::fs::OpenOptions::new().access_mode(FILE_WRITE_ATTRIBUTES).custom_flags(FILE_FLAG_BACKUP_SEMANTICS).open(local)
}

#[cfg(unix)]
fn set_mode(local: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(local, std::fs::Permissions::from_mode(mode)).io_ctx(format!("chmod {}", local.display()))
}

#[cfg(not(unix))]
fn set_mode(_local: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

fn summary(verb: &str, c: &Copier<'_>, secs: f64) {
    let mbs = c.bytes as f64 / 1e6 / secs.max(1e-9);
    eprintln!("lklfs: {verb} {} file(s), {} bytes in {secs:.2} s ({mbs:.0} MB/s)", c.files, c.bytes);
}

/// `put LOCAL DEST`: copies a host file or tree into the image; into DEST
/// when DEST is an existing directory.
pub fn put(v: &Volume, local: &Path, dest: &str, quiet: bool) -> Result<()> {
    std::fs::symlink_metadata(local).io_ctx(local.display())?;
    let mut kdest = v.path(dest)?;
    let mut shown = dest.to_string();
    if v.k().stat(&kdest).is_ok_and(|s| s.st_mode & sys::S_IFMT == sys::S_IFDIR) {
        let name = local.file_name().map(|n| n.to_string_lossy().into_owned()).ok_or_else(|| {
            Error::new(Kind::Other, format!("{}: has no file name to copy into {dest}", local.display()))
        })?;
        kdest = child(&kdest, name.as_bytes())?;
        shown = format!("{}/{name}", dest.trim_end_matches('/'));
    }
    let started = std::time::Instant::now();
    let mut c = Copier { v, buf: vec![0u8; BUF_SIZE], progress: Progress::new(local_total(local)), files: 0, bytes: 0 };
    let r = c.put(local, &kdest, &shown);
    c.progress.finish();
    r?;
    if !quiet {
        summary("put", &c, started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// `get SRC LOCAL`: copies a file or tree out of the image; into LOCAL when
/// LOCAL is an existing directory.
pub fn get(v: &Volume, src: &str, local: &Path, quiet: bool) -> Result<()> {
    let ksrc = v.path(src)?;
    v.k().fstatat(sys::AT_FDCWD, &ksrc, sys::AT_SYMLINK_NOFOLLOW).ctx(src)?;
    let mut target = local.to_path_buf();
    if local.is_dir() {
        let name = base_name(src);
        let name = if name.is_empty() { "root" } else { name };
        target = local.join(name);
    }
    let started = std::time::Instant::now();
    let mut c =
        Copier { v, buf: vec![0u8; BUF_SIZE], progress: Progress::new(image_total(v, &ksrc)), files: 0, bytes: 0 };
    let r = c.get(&ksrc, src, &target);
    c.progress.finish();
    r?;
    if !quiet {
        summary("got", &c, started.elapsed().as_secs_f64());
    }
    Ok(())
}
