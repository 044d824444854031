//! IRP_MJ_CREATE: dispositions, directory/non-directory options,
//! delete-on-close, reparse points, access and share checks.
//!
//! Checks run in this order, the order a Windows file system meets them:
//! parameter validation (the I/O manager's), name syntax, the path, then
//! for an existing file the disposition's collision, file type, delete
//! pending, access against the file and the volume, share access; for a
//! missing file the disposition, the volume, and the creation itself.

use crate::nt::*;
use crate::open_table::{Kind, Open};
use crate::path::{at_path, join, parse};
use crate::volume::kind_of;
use crate::{
    Access, CreateOptions, CreateParams, CreateResult, FileAttributes, Handle, NtStatus, ShareMode, Vfs, Volume,
};
use alloc::vec::Vec;
use lkl_abi::Errno;
use lkl_abi::sys::{self, Statx};

fn fail(status: NtStatus) -> CreateResult {
    CreateResult { status, information: 0, handle: None }
}

fn fail_info(status: NtStatus, information: u64) -> CreateResult {
    CreateResult { status, information, handle: None }
}

impl<V: Vfs> Volume<V> {
    /// Opens or creates a file, as IRP_MJ_CREATE.
    pub fn create(&mut self, p: &CreateParams<'_>) -> CreateResult {
        // The EaBuffer is checked whole before anything is created.
        if let Err(s) = crate::ea::check_buffer(p.ea) {
            return fail(s);
        }
        let r = match self.create_inner(p) {
            Ok(r) => r,
            Err(s) => return fail(s),
        };
        // A new or overwritten file takes the EaBuffer's EAs (an open
        // ignores them, as NTFS does).
        let overwrite = matches!(r.information, FILE_SUPERSEDED | FILE_OVERWRITTEN);
        if let Some(h) = r.handle.filter(|_| overwrite || r.information == FILE_CREATED)
            && let Err(s) = self.create_eas(h, p.ea, overwrite)
        {
            let _ = self.close(h);
            return fail(s);
        }
        r
    }

    fn create_inner(&mut self, p: &CreateParams<'_>) -> Result<CreateResult, NtStatus> {
        let disp = p.disposition;
        let opts = p.create_options();
        if disp > FILE_MAXIMUM_DISPOSITION
            || ShareMode::from_bits(p.share_access).is_none()
            || !CreateOptions::VALID.contains(opts)
            || opts.contains(CreateOptions::DIRECTORY_FILE | CreateOptions::NON_DIRECTORY_FILE)
            || (opts.contains(CreateOptions::DIRECTORY_FILE) && !matches!(disp, FILE_CREATE | FILE_OPEN | FILE_OPEN_IF))
            || opts.contains(CreateOptions::OPEN_BY_FILE_ID)
        {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        let mut want = Access::from_bits_retain(p.desired_access).map_generic();
        let delete_on_close = opts.contains(CreateOptions::DELETE_ON_CLOSE);
        if delete_on_close && !want.intersects(Access::DELETE | Access::MAXIMUM_ALLOWED) {
            return Err(NtStatus::INVALID_PARAMETER);
        }

        let base = match p.related {
            Some(h) => {
                let o = self.open(h)?;
                if o.kind != Kind::Dir && !p.name.is_empty() {
                    return Err(NtStatus::INVALID_PARAMETER);
                }
                o.path.clone()
            }
            None => Vec::new(),
        };
        let parsed = parse(p.name, p.related.is_some())?;
        self.reparse = None;
        if self.opts.reparse_links
            && let Some(r) = self.link_on_the_way(&base, &parsed, opts.contains(CreateOptions::OPEN_REPARSE_POINT))?
        {
            return Ok(r);
        }

        // The root (or the related directory itself).
        let Some((last, parents)) = parsed.comps.split_last() else {
            let st = self.vfs.statx(self.vfs.root(), at_path(&base), 0, crate::volume::STATX_MASK)?;
            return self.open_existing(p, want, base, st, false);
        };
        let dir = self.resolve_dir(&base, parents)?;
        match self.lookup(&dir, last) {
            Ok((name, st)) => {
                let path = join(&dir, &[name]);
                if disp == FILE_CREATE {
                    return Ok(fail_info(NtStatus::OBJECT_NAME_COLLISION, FILE_EXISTS));
                }
                self.open_existing(p, want, path, st, parsed.trailing_backslash)
            }
            Err(NtStatus::OBJECT_NAME_NOT_FOUND) => {
                if matches!(disp, FILE_OPEN | FILE_OVERWRITE) {
                    return Ok(fail_info(NtStatus::OBJECT_NAME_NOT_FOUND, FILE_DOES_NOT_EXIST));
                }
                if parsed.trailing_backslash && !opts.contains(CreateOptions::DIRECTORY_FILE) {
                    return Err(NtStatus::OBJECT_NAME_INVALID);
                }
                if self.opts.read_only {
                    return Err(NtStatus::MEDIA_WRITE_PROTECTED);
                }
                if want.contains(Access::MAXIMUM_ALLOWED) {
                    want = want.difference(Access::MAXIMUM_ALLOWED) | Access::ALL_ACCESS;
                }
                let parent_st = self.vfs.statx(self.vfs.root(), at_path(&dir), 0, sys::STATX_BASIC_STATS)?;
                if self.opens.node(parent_st.stx_ino).is_some_and(|n| n.delete_pending) {
                    return Err(NtStatus::DELETE_PENDING);
                }
                let path = join(&dir, core::slice::from_ref(last));
                self.create_new(p, want, path)
            }
            Err(e) => Err(e),
        }
    }

    /// With [`crate::MountOptions::reparse_links`]: the first symbolic link
    /// the name meets, component by component (its last one only without
    /// FILE_OPEN_REPARSE_POINT), answered with STATUS_REPARSE. Anything
    /// else the walk meets (a missing name, a file on the way) is left to
    /// the create to report.
    fn link_on_the_way(
        &mut self,
        base: &[u8],
        parsed: &crate::path::ParsedPath,
        open_link: bool,
    ) -> Result<Option<CreateResult>, NtStatus> {
        let mut dir = base.to_vec();
        let last = parsed.comps.len().saturating_sub(1);
        for (i, c) in parsed.comps.iter().enumerate() {
            let Ok((name, st)) = self.lookup(&dir, c) else { return Ok(None) };
            let path = join(&dir, &[name]);
            match kind_of(st.stx_mode) {
                Kind::Symlink if i < last || !open_link => {
                    return self.reparse_at(&path, parsed.bytes_after(i)).map(Some);
                }
                Kind::Dir if i < last => dir = path,
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// The file exists (`st` is its lstat).
    fn open_existing(
        &mut self,
        p: &CreateParams<'_>,
        mut want: Access,
        path: Vec<u8>,
        st: Statx,
        trailing_backslash: bool,
    ) -> Result<CreateResult, NtStatus> {
        let opts = p.create_options();
        let disp = p.disposition;
        let root = self.vfs.root();
        let mut kind = kind_of(st.stx_mode);
        let mut st = st;
        if kind == Kind::Symlink && !opts.contains(CreateOptions::OPEN_REPARSE_POINT) {
            // Without FILE_OPEN_REPARSE_POINT the link is followed, as the
            // I/O manager would after STATUS_REPARSE.
            st = match self.vfs.statx(root, at_path(&path), 0, crate::volume::STATX_MASK) {
                Ok(t) => t,
                Err(Errno::ENOENT) => return Ok(fail_info(NtStatus::OBJECT_NAME_NOT_FOUND, FILE_DOES_NOT_EXIST)),
                Err(e) => return Err(e.into()),
            };
            kind = kind_of(st.stx_mode);
        }
        let is_dir = kind == Kind::Dir;
        if opts.contains(CreateOptions::DIRECTORY_FILE) && !is_dir {
            return Err(NtStatus::NOT_A_DIRECTORY);
        }
        if opts.contains(CreateOptions::NON_DIRECTORY_FILE) && is_dir {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        if trailing_backslash && !is_dir {
            return Err(NtStatus::OBJECT_NAME_INVALID);
        }
        let overwrite = matches!(disp, FILE_SUPERSEDE | FILE_OVERWRITE | FILE_OVERWRITE_IF);
        // An existing directory answers every disposition but open with a
        // collision (Wine agrees, and so does the fastfat sample).
        if overwrite && is_dir {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        if overwrite && kind != Kind::File {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if self.opens.node(st.stx_ino).is_some_and(|n| n.delete_pending) {
            return Err(NtStatus::DELETE_PENDING);
        }
        let readonly_file = st.stx_mode as u32 & 0o222 == 0;
        if want.contains(Access::MAXIMUM_ALLOWED) {
            let mut max = Access::ALL_ACCESS;
            if readonly_file && kind == Kind::File {
                max.remove(Access::WRITE_INTENT);
            }
            if self.opts.read_only {
                max.remove(Access::WRITE_RIGHTS);
            }
            want = want.difference(Access::MAXIMUM_ALLOWED) | max;
        }
        if self.opts.read_only && (want.intersects(Access::WRITE_RIGHTS) || overwrite) {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if readonly_file && kind == Kind::File && (want.intersects(Access::WRITE_INTENT) || overwrite) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let delete_on_close = opts.contains(CreateOptions::DELETE_ON_CLOSE);
        if delete_on_close && (readonly_file || path.is_empty()) {
            return Err(NtStatus::CANNOT_DELETE);
        }
        if delete_on_close && is_dir && !self.dir_is_empty(&path)? {
            return Err(NtStatus::DIRECTORY_NOT_EMPTY);
        }
        let share = &self.opens.node_mut(st.stx_ino).share;
        if let Err(e) = share.check(want, p.share_mode()) {
            self.opens.drop_node_if_unused(st.stx_ino);
            return Err(e);
        }

        let information = if overwrite {
            let fd = self.vfs.openat(root, at_path(&path), sys::O_WRONLY | sys::O_TRUNC, 0)?;
            let _ = self.vfs.close(fd);
            if p.attributes().contains(FileAttributes::READONLY) {
                self.vfs.fchmodat(root, at_path(&path), st.stx_mode as u32 & 0o7777 & !0o222)?;
            }
            if disp == FILE_SUPERSEDE { FILE_SUPERSEDED } else { FILE_OVERWRITTEN }
        } else {
            FILE_OPENED
        };
        let fd = self.vfs.openat(root, at_path(&path), open_flags(kind, want), 0);
        let fd = match fd {
            Ok(fd) => fd,
            Err(e) => {
                self.opens.drop_node_if_unused(st.stx_ino);
                return Err(e.into());
            }
        };
        Ok(self.admit(p, want, path, st.stx_ino, kind, fd, information))
    }

    fn create_new(&mut self, p: &CreateParams<'_>, want: Access, path: Vec<u8>) -> Result<CreateResult, NtStatus> {
        let root = self.vfs.root();
        let directory = p.create_options().contains(CreateOptions::DIRECTORY_FILE);
        let umask = self.opts.umask & 0o777;
        let kind;
        let fd;
        if directory {
            kind = Kind::Dir;
            self.vfs.mkdirat(root, &path, 0o777 & !umask).map_err(collision)?;
            self.chown_new(&path)?;
            fd = self.vfs.openat(root, &path, open_flags(kind, want), 0)?;
        } else {
            kind = Kind::File;
            let mut mode = 0o666 & !umask;
            if p.attributes().contains(FileAttributes::READONLY) {
                mode &= !0o222;
            }
            let flags = open_flags(kind, want);
            if flags & sys::O_PATH != 0 {
                let f = self
                    .vfs
                    .openat(root, &path, sys::O_CREAT | sys::O_EXCL | sys::O_WRONLY, mode)
                    .map_err(collision)?;
                let _ = self.vfs.close(f);
                self.chown_new(&path)?;
                fd = self.vfs.openat(root, &path, flags, 0)?;
            } else {
                fd = self.vfs.openat(root, &path, flags | sys::O_CREAT | sys::O_EXCL, mode).map_err(collision)?;
                self.chown_new(&path)?;
            }
        }
        let st = self.vfs.statx(fd, b"", sys::AT_EMPTY_PATH, sys::STATX_BASIC_STATS)?;
        self.opens.node_mut(st.stx_ino);
        Ok(self.admit(p, want, path, st.stx_ino, kind, fd, FILE_CREATED))
    }

    fn chown_new(&self, path: &[u8]) -> Result<(), NtStatus> {
        if self.opts.uid.is_some() || self.opts.gid.is_some() {
            let (u, g) = (self.opts.uid.unwrap_or(u32::MAX), self.opts.gid.unwrap_or(u32::MAX));
            self.vfs.fchownat(self.vfs.root(), path, u, g, sys::AT_SYMLINK_NOFOLLOW)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn admit(
        &mut self,
        p: &CreateParams<'_>,
        want: Access,
        path: Vec<u8>,
        ino: u64,
        kind: Kind,
        fd: V::Fd,
        information: u64,
    ) -> CreateResult {
        let (share, options) = (p.share_mode(), p.create_options());
        self.opens.node_mut(ino).share.add(want, share);
        let h = self.opens.insert(Open {
            fd,
            path,
            ino,
            kind,
            granted: want,
            share,
            options,
            delete_on_close: options.contains(CreateOptions::DELETE_ON_CLOSE),
            posix_delete: false,
            position: 0,
            dir: None,
            ea_position: 0,
        });
        CreateResult { status: NtStatus::SUCCESS, information, handle: Some(h) }
    }

    /// IRP_MJ_CLEANUP + IRP_MJ_CLOSE: the handle goes away; a delete
    /// disposition takes effect when the file's last handle closes. Fails
    /// only for an unknown handle.
    pub fn close(&mut self, h: Handle) -> Result<(), NtStatus> {
        self.close_reporting(h).map(|_| ())
    }

    /// Whether closing `h` now deletes its file: a POSIX delete through it,
    /// or the last handle of a file whose delete is pending or asked for.
    pub fn close_deletes(&self, h: Handle) -> Result<bool, NtStatus> {
        let o = self.open(h)?;
        if o.posix_delete {
            return Ok(true);
        }
        let last = !self.opens.iter().any(|(x, other)| x != h && other.ino == o.ino);
        let pending = o.delete_on_close || self.opens.node(o.ino).is_some_and(|n| n.delete_pending);
        Ok(last && pending)
    }

    /// [`Volume::close`], saying what the close deleted, if it deleted
    /// anything: its NT path and whether it was a directory (for change
    /// notification).
    pub fn close_reporting(&mut self, h: Handle) -> Result<Option<(Vec<u16>, bool)>, NtStatus> {
        let o = self.opens.remove(h).ok_or(NtStatus::INVALID_HANDLE)?;
        let _ = self.vfs.close(o.fd);
        let root = self.vfs.root();
        let mut deleted = None;
        if o.posix_delete {
            let dir = o.kind == Kind::Dir;
            let flags = if dir { sys::AT_REMOVEDIR } else { 0 };
            if self.vfs.unlinkat(root, &o.path, flags).is_ok() {
                deleted = Some((Self::windows_path(&o.path), dir));
            }
        }
        let node = self.opens.node_mut(o.ino);
        if o.delete_on_close && !o.posix_delete {
            node.delete_pending = true;
            node.delete_path = o.path.clone();
            node.delete_is_dir = o.kind == Kind::Dir;
        }
        node.share.remove(o.granted, o.share);
        // Share counts skip attribute-only opens; the handle table does not.
        let still_open = self.opens.iter().any(|(_, x)| x.ino == o.ino);
        let node = self.opens.node_mut(o.ino);
        if !still_open {
            let pending = node.delete_pending;
            let (dpath, dir) = (core::mem::take(&mut node.delete_path), node.delete_is_dir);
            self.opens.remove_node(o.ino);
            if pending {
                // Closing cannot fail on Windows: a directory that gained
                // entries since its delete disposition simply stays.
                let flags = if dir { sys::AT_REMOVEDIR } else { 0 };
                if self.vfs.unlinkat(root, &dpath, flags).is_ok() {
                    deleted = Some((Self::windows_path(&dpath), dir));
                }
            }
        }
        Ok(deleted)
    }

    pub(crate) fn dir_is_empty(&self, path: &[u8]) -> Result<bool, NtStatus> {
        Ok(self.read_dir_entries(path)?.iter().all(|e| e.name == b"." || e.name == b".."))
    }
}

fn collision(e: Errno) -> NtStatus {
    if e == Errno::EEXIST { NtStatus::OBJECT_NAME_COLLISION } else { e.into() }
}

/// Linux open flags for a handle of `kind` with rights `want`: the data
/// access the rights need, or O_PATH when they need none (so a mode-000
/// file can still be opened for its attributes).
pub(crate) fn open_flags(kind: Kind, want: Access) -> i32 {
    let (r, w, _) = crate::share::intent(want);
    match kind {
        Kind::Dir => sys::O_RDONLY | sys::O_DIRECTORY,
        Kind::Symlink => sys::O_PATH | sys::O_NOFOLLOW,
        Kind::Other => sys::O_PATH,
        Kind::File => match (r, w) {
            (true, true) => sys::O_RDWR,
            (false, true) => sys::O_WRONLY,
            (true, false) => sys::O_RDONLY,
            (false, false) => sys::O_PATH,
        },
    }
}
