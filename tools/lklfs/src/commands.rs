//! The commands that do not copy data in bulk: ls, cat, mkdir, rm, mv,
//! stat, df and info.

use std::ffi::{CStr, CString};
use std::io::Write;

use lkl::{Errno, sys};

use crate::error::{ErrnoContext, Error, IoContext, Kind, Result, describe};
use crate::superblock;
use crate::volume::{Session, Volume};

/// `ls -l`-style mode string (`drwxr-xr-x`).
pub fn mode_string(mode: u32) -> String {
    let kind = match mode & sys::S_IFMT {
        sys::S_IFDIR => 'd',
        sys::S_IFLNK => 'l',
        sys::S_IFCHR => 'c',
        sys::S_IFBLK => 'b',
        sys::S_IFIFO => 'p',
        sys::S_IFSOCK => 's',
        _ => '-',
    };
    let mut s = String::from(kind);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

fn type_name(mode: u32) -> &'static str {
    match mode & sys::S_IFMT {
        sys::S_IFDIR => "directory",
        sys::S_IFLNK => "symbolic link",
        sys::S_IFREG => "regular file",
        sys::S_IFCHR => "character device",
        sys::S_IFBLK => "block device",
        sys::S_IFIFO => "fifo",
        sys::S_IFSOCK => "socket",
        _ => "unknown",
    }
}

/// UTC `YYYY-MM-DD HH:MM:SS` of a Unix time (days-to-civil conversion of the
/// proleptic Gregorian calendar).
pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Bytes with a binary unit, for humans.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{bytes} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

fn lstat(v: &Volume, kpath: &CStr, shown: &str) -> Result<sys::Stat> {
    v.k().fstatat(sys::AT_FDCWD, kpath, sys::AT_SYMLINK_NOFOLLOW).ctx(shown)
}

fn child(kpath: &CStr, name: &[u8]) -> Result<CString> {
    let mut b = kpath.to_bytes().to_vec();
    b.push(b'/');
    b.extend_from_slice(name);
    CString::new(b).map_err(|_| Error::new(Kind::Other, "NUL in a name"))
}

fn ls_line(v: &Volume, kpath: &CStr, name: &str, st: &sys::Stat, out: &mut impl Write) -> Result<()> {
    let mut line = format!(
        "{} {:>3} {:>5} {:>5} {:>12} {} {name}",
        mode_string(st.st_mode),
        st.st_nlink,
        st.st_uid,
        st.st_gid,
        st.st_size,
        utc(st.st_mtime)
    );
    if st.st_mode & sys::S_IFMT == sys::S_IFLNK {
        let target = v.k().readlinkat(sys::AT_FDCWD, kpath).ctx(name)?;
        line.push_str(" -> ");
        line.push_str(&String::from_utf8_lossy(&target));
    }
    writeln!(out, "{line}").io_ctx("stdout")
}

/// `ls PATH`: one `ls -l` line per entry of a directory (sorted by name,
/// without `.` and `..`), or the line of a single file.
pub fn ls(v: &Volume, path: &str) -> Result<()> {
    let kpath = v.path(path)?;
    let st = lstat(v, &kpath, path)?;
    let mut out = std::io::stdout().lock();
    if st.st_mode & sys::S_IFMT != sys::S_IFDIR {
        return ls_line(v, &kpath, path, &st, &mut out);
    }
    let mut entries = v.k().read_dir(&kpath).ctx(path)?;
    entries.retain(|e| e.name != b"." && e.name != b"..");
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for e in entries {
        let cp = child(&kpath, &e.name)?;
        let name = String::from_utf8_lossy(&e.name).into_owned();
        let st = lstat(v, &cp, &format!("{path}/{name}"))?;
        ls_line(v, &cp, &name, &st, &mut out)?;
    }
    Ok(())
}

/// `cat PATH`: the file's bytes on standard output.
pub fn cat(v: &Volume, path: &str) -> Result<()> {
    let kpath = v.path(path)?;
    let fd = v.k().open(&kpath, sys::O_RDONLY | sys::O_CLOEXEC, 0).ctx(path)?;
    let mut buf = vec![0u8; crate::copy::BUF_SIZE];
    let mut out = std::io::stdout().lock();
    let r = (|| loop {
        let n = v.k().read(fd, &mut buf).ctx(path)?;
        if n == 0 {
            return out.flush().or_else(quiet_pipe).io_ctx("stdout");
        }
        match out.write_all(&buf[..n]) {
            Ok(()) => {}
            // A reader that went away (`| head`) is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(Error::io("stdout", &e)),
        }
    })();
    let _ = v.k().close(fd);
    r
}

fn quiet_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(e) }
}

/// `mkdir [-p] PATH...`.
pub fn mkdir(v: &Volume, paths: &[String], parents: bool) -> Result<()> {
    for path in paths {
        if !parents {
            v.k().mkdir(&v.path(path)?, 0o755).ctx(format!("mkdir {path}"))?;
            continue;
        }
        let mut sofar = String::new();
        for c in path.split('/').filter(|c| !c.is_empty()) {
            sofar.push('/');
            sofar.push_str(c);
            let kp = v.path(&sofar)?;
            match v.k().mkdir(&kp, 0o755) {
                Ok(()) => {}
                Err(Errno::EEXIST) => {
                    let st = v.k().stat(&kp).ctx(&sofar)?;
                    if st.st_mode & sys::S_IFMT != sys::S_IFDIR {
                        return Err(Error::errno(format!("mkdir {sofar}"), Errno::ENOTDIR));
                    }
                }
                Err(e) => return Err(Error::errno(format!("mkdir {sofar}"), e)),
            }
        }
    }
    Ok(())
}

fn remove_tree(v: &Volume, kpath: &CStr, shown: &str) -> Result<()> {
    let st = lstat(v, kpath, shown)?;
    if st.st_mode & sys::S_IFMT == sys::S_IFDIR {
        for e in v.k().read_dir(kpath).ctx(shown)? {
            if e.name == b"." || e.name == b".." {
                continue;
            }
            let name = String::from_utf8_lossy(&e.name).into_owned();
            remove_tree(v, &child(kpath, &e.name)?, &format!("{shown}/{name}"))?;
        }
        v.k().unlinkat(sys::AT_FDCWD, kpath, sys::AT_REMOVEDIR).ctx(format!("rm {shown}"))
    } else {
        v.k().unlinkat(sys::AT_FDCWD, kpath, 0).ctx(format!("rm {shown}"))
    }
}

/// `rm [-r] PATH...`.
pub fn rm(v: &Volume, paths: &[String], recursive: bool) -> Result<()> {
    for path in paths {
        let kpath = v.path(path)?;
        if kpath.as_c_str() == v.m.path.as_c_str() {
            return Err(Error::new(Kind::Other, format!("rm {path}: refusing to remove the root directory")));
        }
        let st = lstat(v, &kpath, path)?;
        if st.st_mode & sys::S_IFMT == sys::S_IFDIR && !recursive {
            return Err(Error::new(Kind::Other, format!("rm {path}: {} (use rm -r)", describe(Errno::EISDIR))));
        }
        remove_tree(v, &kpath, path)?;
    }
    Ok(())
}

/// Last component of an image path.
pub fn base_name(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// `mv SRC DST`: rename; into DST when DST is a directory.
pub fn mv(v: &Volume, src: &str, dst: &str) -> Result<()> {
    let ks = v.path(src)?;
    lstat(v, &ks, src)?;
    let mut kd = v.path(dst)?;
    if let Ok(st) = v.k().stat(&kd)
        && st.st_mode & sys::S_IFMT == sys::S_IFDIR
    {
        kd = child(&kd, base_name(src).as_bytes())?;
    }
    v.k().renameat2(sys::AT_FDCWD, &ks, sys::AT_FDCWD, &kd, 0).ctx(format!("mv {src} {dst}"))
}

/// `stat PATH`: every statx field, one `name: value` per line.
pub fn stat(v: &Volume, path: &str) -> Result<()> {
    let kpath = v.path(path)?;
    let st = v
        .k()
        .statx(sys::AT_FDCWD, &kpath, sys::AT_SYMLINK_NOFOLLOW, sys::STATX_BASIC_STATS | sys::STATX_BTIME)
        .ctx(path)?;
    let mode = u32::from(st.stx_mode);
    let mut o = String::new();
    o += &format!("path: {path}\n");
    o += &format!("type: {}\n", type_name(mode));
    if mode & sys::S_IFMT == sys::S_IFLNK {
        let t = v.k().readlinkat(sys::AT_FDCWD, &kpath).ctx(path)?;
        o += &format!("target: {}\n", String::from_utf8_lossy(&t));
    }
    o += &format!("size: {}\n", st.stx_size);
    o += &format!("blocks: {} (512-byte)\n", st.stx_blocks);
    o += &format!("io block: {}\n", st.stx_blksize);
    o += &format!("inode: {}\n", st.stx_ino);
    o += &format!("links: {}\n", st.stx_nlink);
    o += &format!("mode: {:04o} ({})\n", mode & 0o7777, mode_string(mode));
    o += &format!("uid: {}\ngid: {}\n", st.stx_uid, st.stx_gid);
    let t = |ts: &sys::StatxTimestamp| format!("{}.{:09} UTC", utc(ts.tv_sec), ts.tv_nsec);
    o += &format!("access: {}\n", t(&st.stx_atime));
    o += &format!("modify: {}\n", t(&st.stx_mtime));
    o += &format!("change: {}\n", t(&st.stx_ctime));
    if st.stx_mask & sys::STATX_BTIME != 0 {
        o += &format!("birth: {}\n", t(&st.stx_btime));
    }
    print!("{o}");
    Ok(())
}

/// `df`: size, use and inodes of the mounted file system.
pub fn df(v: &Volume) -> Result<()> {
    let st = v.k().statfs(&v.m.path).ctx("statfs")?;
    let bs = st.f_bsize as u64;
    let (total, free, avail) = (st.f_blocks * bs, st.f_bfree * bs, st.f_bavail * bs);
    let used = total - free;
    let pct = if total == 0 { 0.0 } else { used as f64 * 100.0 / total as f64 };
    println!("file system: {} on {} of {}", v.m.fstype, v.s.device, v.s.image.display());
    println!("block size: {bs}");
    println!("size: {total} ({})", human(total));
    println!("used: {used} ({}, {pct:.1}%)", human(used));
    println!("available: {avail} ({})", human(avail));
    if st.f_files > 0 {
        println!("inodes: {} total, {} used, {} free", st.f_files, st.f_files - st.f_ffree, st.f_ffree);
    }
    Ok(())
}

/// `info`: the superblock's view, without mounting.
pub fn info(s: &Session) -> Result<()> {
    let shown = s.image.display();
    let head = s.read_device(&s.device, 0, superblock::HEAD_LEN)?;
    let Some(i) = superblock::identify(&head) else {
        return Err(Error::new(
            Kind::NotAFileSystem,
            format!(
                "{shown}: not a file system: no ext2/3/4, btrfs or xfs superblock or FAT boot sector found on {}",
                s.device
            ),
        ));
    };
    let typ = match i.variant {
        Some(v) => format!("{} ({v})", i.fstype),
        None => i.fstype.to_string(),
    };
    println!("image: {shown}");
    println!("device: {}", s.device);
    println!("type: {typ}");
    println!("features: {}", i.features.join(" "));
    println!("label: {}", i.label.as_deref().unwrap_or("(none)"));
    println!("uuid: {}", i.uuid);
    println!("size: {} ({})", i.size, human(i.size));
    println!("block size: {}", i.block_size);
    println!("state: {}", i.state);
    for (name, value) in &i.extra {
        println!("{name}: {value}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(utc(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn modes() {
        assert_eq!(mode_string(sys::S_IFDIR | 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(sys::S_IFREG | 0o640), "-rw-r-----");
        assert_eq!(mode_string(sys::S_IFLNK | 0o777), "lrwxrwxrwx");
    }
}
