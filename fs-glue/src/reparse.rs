//! Symbolic links as IO_REPARSE_TAG_SYMLINK reparse data
//! (FSCTL_GET_REPARSE_POINT / FSCTL_SET_REPARSE_POINT).
//!
//! A relative Linux target `../a/b` becomes the relative NT target
//! `..\a\b` (SYMLINK_FLAG_RELATIVE); an absolute target `/x/y` becomes
//! [`crate::MountOptions::link_root`] + `\x\y`. Names are mapped per
//! component like every other name. The substitute name comes first in
//! PathBuffer, then the print name (the same path, without a `\??\`
//! prefix).

use crate::layout::reparse::*;
use crate::names;
use crate::nt::*;
use crate::open_table::Kind;
use crate::path::at_path;
use crate::wire::*;
use crate::{Access, CreateResult, Handle, NtStatus, Vfs, Volume, Written};
use alloc::vec;
use alloc::vec::Vec;
use lkl_abi::sys;

/// ReparseTag + ReparseDataLength + Reserved.
pub const HEADER_SIZE: usize = 8;

/// Linux symlink target -> (substitute name, print name, flags).
pub fn target_to_nt(target: &[u8], link_root: &str) -> (Vec<u16>, Vec<u16>, u32) {
    let mut path = Vec::new();
    let absolute = target.first() == Some(&b'/');
    for (i, c) in target.split(|&b| b == b'/').filter(|c| !c.is_empty()).enumerate() {
        if i > 0 || absolute {
            path.push(b'\\' as u16);
        }
        match c {
            b"." | b".." => path.extend(c.iter().map(|&b| b as u16)),
            c => path.extend(names::linux_to_windows(c)),
        }
    }
    if absolute {
        if path.is_empty() {
            path.push(b'\\' as u16);
        }
        let mut subst: Vec<u16> = link_root.encode_utf16().collect();
        subst.extend_from_slice(&path);
        let print_root = link_root.strip_prefix("\\??\\").unwrap_or(link_root);
        let mut print: Vec<u16> = print_root.encode_utf16().collect();
        print.extend_from_slice(&path);
        (subst, print, 0)
    } else {
        (path.clone(), path, SYMLINK_FLAG_RELATIVE)
    }
}

/// NT symlink substitute name -> Linux target.
pub fn target_from_nt(subst: &[u16], flags: u32, link_root: &str) -> Result<Vec<u8>, NtStatus> {
    let root: Vec<u16> = link_root.encode_utf16().collect();
    let (rel, absolute) = if flags & SYMLINK_FLAG_RELATIVE != 0 {
        (subst, false)
    } else if !root.is_empty() && subst.starts_with(&root) {
        (&subst[root.len()..], true)
    } else if root.is_empty() && subst.first() == Some(&(b'\\' as u16)) {
        (subst, true)
    } else {
        // Points outside this volume: Linux cannot follow it.
        return Err(NtStatus::IO_REPARSE_DATA_INVALID);
    };
    let mut out = Vec::new();
    if absolute {
        out.push(b'/');
    }
    for (i, c) in rel.split(|&u| u == b'\\' as u16).filter(|c| !c.is_empty()).enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        match c {
            [0x2E] => out.push(b'.'),
            [0x2E, 0x2E] => out.extend_from_slice(b".."),
            c => out.extend(names::windows_to_linux(c).map_err(|_| NtStatus::IO_REPARSE_DATA_INVALID)?),
        }
    }
    if out.is_empty() {
        return Err(NtStatus::IO_REPARSE_DATA_INVALID);
    }
    Ok(out)
}

/// Builds a complete IO_REPARSE_TAG_SYMLINK buffer.
pub fn build(subst: &[u16], print: &[u16], flags: u32) -> Vec<u8> {
    let (sl, pl) = (subst.len() * 2, print.len() * 2);
    let mut b = vec![0u8; PATH + sl + pl];
    put_u32(&mut b, TAG, IO_REPARSE_TAG_SYMLINK);
    put_u16(&mut b, DATA_LEN, (PATH - HEADER_SIZE + sl + pl) as u16);
    put_u16(&mut b, SUBST_OFF, 0);
    put_u16(&mut b, SUBST_LEN, sl as u16);
    put_u16(&mut b, PRINT_OFF, sl as u16);
    put_u16(&mut b, PRINT_LEN, pl as u16);
    put_u32(&mut b, FLAGS, flags);
    put_utf16(&mut b, PATH, subst);
    put_utf16(&mut b, PATH + sl, print);
    b
}

/// Parses an IO_REPARSE_TAG_SYMLINK buffer into (substitute name, flags).
pub fn parse(b: &[u8]) -> Result<(Vec<u16>, u32), NtStatus> {
    if b.len() < HEADER_SIZE {
        return Err(NtStatus::IO_REPARSE_DATA_INVALID);
    }
    if get_u32(b, TAG)? != IO_REPARSE_TAG_SYMLINK {
        return Err(NtStatus::NOT_SUPPORTED);
    }
    let data_len = get_u16(b, DATA_LEN)? as usize;
    if b.len() < PATH || HEADER_SIZE + data_len != b.len() {
        return Err(NtStatus::IO_REPARSE_DATA_INVALID);
    }
    let so = get_u16(b, SUBST_OFF)? as usize;
    let sl = get_u16(b, SUBST_LEN)? as usize;
    let bad = |_| NtStatus::IO_REPARSE_DATA_INVALID;
    let subst = get_utf16(&b[PATH..], so, sl).map_err(bad)?;
    // The print name must be in bounds even though the target comes from
    // the substitute name.
    get_utf16(&b[PATH..], get_u16(b, PRINT_OFF)? as usize, get_u16(b, PRINT_LEN)? as usize).map_err(bad)?;
    Ok((subst, get_u32(b, FLAGS)?))
}

impl<V: Vfs> Volume<V> {
    /// The reparse data of the create that was just answered with
    /// STATUS_REPARSE: an IO_REPARSE_TAG_SYMLINK buffer whose Reserved
    /// field holds the bytes of the name left unparsed after the link (what
    /// NTFS hands the I/O manager in Irp->Tail.Overlay.AuxiliaryBuffer).
    pub fn take_reparse(&mut self) -> Option<Vec<u8>> {
        self.reparse.take()
    }

    /// The answer to a create whose name met the symbolic link at `path`
    /// with `unparsed` bytes of the name after it. An absolute target
    /// needs the mount's link root to say where Linux's `/` is.
    pub(crate) fn reparse_at(&mut self, path: &[u8], unparsed: usize) -> Result<CreateResult, NtStatus> {
        let mut t = vec![0u8; 4096];
        let n = self.vfs.readlinkat(self.vfs.root(), at_path(path), &mut t)?;
        let target = t.get(..n).unwrap_or(&[]);
        if target.first() == Some(&b'/') && self.opts.link_root.is_empty() {
            return Err(NtStatus::REPARSE_POINT_NOT_RESOLVED);
        }
        let (subst, print, flags) = target_to_nt(target, &self.opts.link_root);
        let mut data = build(&subst, &print, flags);
        put_u16(&mut data, RESERVED, unparsed as u16);
        self.reparse = Some(data);
        Ok(CreateResult { status: NtStatus::REPARSE, information: u64::from(IO_REPARSE_TAG_SYMLINK), handle: None })
    }

    /// FSCTL_GET_REPARSE_POINT on a handle opened with
    /// FILE_OPEN_REPARSE_POINT. STATUS_BUFFER_TOO_SMALL below the header,
    /// STATUS_BUFFER_OVERFLOW with what fits when the data is cut.
    pub fn get_reparse_point(&mut self, h: Handle, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let o = self.open(h)?;
        if o.kind != Kind::Symlink {
            return Err(NtStatus::NOT_A_REPARSE_POINT);
        }
        if buf.len() < HEADER_SIZE {
            return Err(NtStatus::BUFFER_TOO_SMALL);
        }
        let mut t = vec![0u8; 4096];
        let n = self.vfs.readlinkat(self.vfs.root(), at_path(&o.path), &mut t)?;
        let (subst, print, flags) = target_to_nt(&t[..n], &self.opts.link_root);
        let data = build(&subst, &print, flags);
        let n = put_bytes(buf, 0, &data);
        Ok(if n == data.len() { Written::ok(n) } else { Written::overflow(n) })
    }

    /// FSCTL_SET_REPARSE_POINT with IO_REPARSE_TAG_SYMLINK: the handle's
    /// file (an empty file or directory that no other handle has open)
    /// becomes a symbolic link; the handle then refers to the link.
    pub fn set_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus> {
        let (subst, flags) = parse(data)?;
        let target = target_from_nt(&subst, flags, &self.opts.link_root)?;
        let o = self.open(h)?;
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if !o.granted.intersects(Access::WRITE_DATA | Access::WRITE_ATTRIBUTES) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if o.path.is_empty() {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if self.opens.iter().any(|(x, other)| x != h && other.ino == o.ino) {
            return Err(NtStatus::SHARING_VIOLATION);
        }
        let st = self.stat_open(o)?;
        let (kind, path, fd, ino) = (o.kind, o.path.clone(), o.fd, o.ino);
        let rmflag = match kind {
            Kind::Dir if self.dir_is_empty(&path)? => sys::AT_REMOVEDIR,
            Kind::Dir => return Err(NtStatus::DIRECTORY_NOT_EMPTY),
            Kind::File if st.stx_size == 0 => 0,
            // NTFS keeps data beside a reparse point; a Linux symlink has none.
            Kind::File => return Err(NtStatus::IO_REPARSE_DATA_INVALID),
            Kind::Symlink => 0,
            Kind::Other => return Err(NtStatus::INVALID_PARAMETER),
        };
        let root = self.vfs.root();
        self.vfs.unlinkat(root, &path, rmflag)?;
        self.vfs.symlinkat(&target, root, &path)?;
        self.retarget(h, fd, ino, Kind::Symlink, &path)
    }

    /// FSCTL_DELETE_REPARSE_POINT: `data` is a reparse header naming the
    /// tag, with no data. The handle's symbolic link becomes what NTFS
    /// leaves when a link's reparse point goes: an empty directory where
    /// Windows showed a directory link, else an empty file.
    pub fn delete_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus> {
        if data.len() != HEADER_SIZE || get_u16(data, DATA_LEN)? != 0 {
            return Err(NtStatus::IO_REPARSE_DATA_INVALID);
        }
        let o = self.open(h)?;
        if o.kind != Kind::Symlink {
            return Err(NtStatus::NOT_A_REPARSE_POINT);
        }
        if get_u32(data, TAG)? != IO_REPARSE_TAG_SYMLINK {
            return Err(NtStatus::IO_REPARSE_TAG_MISMATCH);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if !o.granted.intersects(Access::WRITE_DATA | Access::WRITE_ATTRIBUTES) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if self.opens.iter().any(|(x, other)| x != h && other.ino == o.ino) {
            return Err(NtStatus::SHARING_VIOLATION);
        }
        let (path, fd, ino) = (o.path.clone(), o.fd, o.ino);
        let root = self.vfs.root();
        let is_dir = self
            .vfs
            .statx(root, at_path(&path), 0, sys::STATX_BASIC_STATS)
            .is_ok_and(|t| crate::volume::kind_of(t.stx_mode) == Kind::Dir);
        self.vfs.unlinkat(root, &path, 0)?;
        let umask = self.opts.umask & 0o777;
        let kind = if is_dir {
            self.vfs.mkdirat(root, &path, 0o777 & !umask)?;
            Kind::Dir
        } else {
            let f = self.vfs.openat(root, &path, sys::O_CREAT | sys::O_EXCL | sys::O_WRONLY, 0o666 & !umask)?;
            let _ = self.vfs.close(f);
            Kind::File
        };
        self.retarget(h, fd, ino, kind, &path)
    }

    /// Points handle `h` (whose descriptor `old_fd` and inode `old_ino`
    /// are gone) at the new `kind` of file at `path`, moving its share
    /// access along.
    fn retarget(&mut self, h: Handle, old_fd: V::Fd, old_ino: u64, kind: Kind, path: &[u8]) -> Result<(), NtStatus> {
        let root = self.vfs.root();
        let _ = self.vfs.close(old_fd);
        let granted = self.open(h)?.granted;
        let nfd = self.vfs.openat(root, path, crate::create::open_flags(kind, granted), 0)?;
        let nst = self.vfs.statx(nfd, b"", sys::AT_EMPTY_PATH, sys::STATX_BASIC_STATS)?;
        let (granted, share) = {
            let o = self.open_mut(h)?;
            o.fd = nfd;
            o.kind = kind;
            o.ino = nst.stx_ino;
            (o.granted, o.share)
        };
        self.opens.node_mut(old_ino).share.remove(granted, share);
        self.opens.remove_node(old_ino);
        self.opens.node_mut(nst.stx_ino).share.add(granted, share);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn targets_round_trip() {
        let (s, p, f) = target_to_nt(b"../a/b:c", "\\??\\E:");
        assert_eq!(s, w("..\\a\\b\u{F03A}c"));
        assert_eq!(p, s);
        assert_eq!(f, SYMLINK_FLAG_RELATIVE);
        assert_eq!(target_from_nt(&s, f, "\\??\\E:").unwrap(), b"../a/b:c");
        let (s, p, f) = target_to_nt(b"/x/y", "\\??\\E:");
        assert_eq!(s, w("\\??\\E:\\x\\y"));
        assert_eq!(p, w("E:\\x\\y"));
        assert_eq!(f, 0);
        assert_eq!(target_from_nt(&s, f, "\\??\\E:").unwrap(), b"/x/y");
        assert_eq!(target_from_nt(&w("\\??\\C:\\x"), 0, "\\??\\E:"), Err(NtStatus::IO_REPARSE_DATA_INVALID));
    }

    #[test]
    fn buffers_round_trip() {
        let b = build(&w("a\\b"), &w("a\\b"), 1);
        assert_eq!(b.len(), 20 + 12);
        assert_eq!(get_u16(&b, 4).unwrap() as usize, b.len() - 8);
        assert_eq!(parse(&b).unwrap(), (w("a\\b"), 1));
        for n in 0..b.len() {
            assert!(parse(&b[..n]).is_err(), "{n}");
        }
        let mut bad = b.clone();
        put_u16(&mut bad, SUBST_LEN, 200);
        assert_eq!(parse(&bad), Err(NtStatus::IO_REPARSE_DATA_INVALID));
    }
}
