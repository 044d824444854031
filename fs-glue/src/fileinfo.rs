//! IRP_MJ_QUERY_INFORMATION / IRP_MJ_SET_INFORMATION.
//!
//! Buffers shorter than the class's structure fail with
//! STATUS_INFO_LENGTH_MISMATCH (the I/O manager's check); variable-length
//! names that do not fit are cut with STATUS_BUFFER_OVERFLOW.

use crate::layout;
use crate::nt::*;
use crate::open_table::Kind;
use crate::path::{at_path, join, parse};
use crate::time::nt_to_linux;
use crate::volume::NtInfo;
use crate::wire::*;
use crate::{Access, CreateOptions, DispositionFlags, FileAttributes, Handle, NtStatus, Vfs, Volume, Written};
use alloc::vec::Vec;
use lkl_abi::Errno;
use lkl_abi::sys::{self, Timespec};

/// What a rename or link asks for.
#[derive(Clone, Copy, Debug)]
pub struct RenameFlags {
    /// ReplaceIfExists / FILE_RENAME_REPLACE_IF_EXISTS.
    pub replace: bool,
    /// FILE_RENAME_POSIX_SEMANTICS: replace a target that is still open.
    pub posix: bool,
    /// FILE_RENAME_IGNORE_READONLY_ATTRIBUTE.
    pub ignore_readonly: bool,
}

fn need(buf: &[u8], size: usize) -> Result<(), NtStatus> {
    if buf.len() < size { Err(NtStatus::INFO_LENGTH_MISMATCH) } else { Ok(()) }
}

fn put_basic(buf: &mut [u8], off: usize, i: &NtInfo) {
    use layout::basic::*;
    put_i64(buf, off + CREATION, i.creation);
    put_i64(buf, off + ACCESS, i.access);
    put_i64(buf, off + WRITE, i.write);
    put_i64(buf, off + CHANGE, i.change);
    put_u32(buf, off + ATTR, i.attrs.bits());
    put_u32(buf, off + ATTR + 4, 0);
}

fn put_standard(buf: &mut [u8], off: usize, i: &NtInfo, delete_pending: bool) {
    use layout::standard::*;
    put_i64(buf, off + ALLOC, i.alloc);
    put_i64(buf, off + EOF, i.eof);
    put_u32(buf, off + LINKS, i.links);
    put_u8(buf, off + DELETE_PENDING, delete_pending as u8);
    put_u8(buf, off + DIRECTORY, i.is_dir as u8);
    put_u16(buf, off + DIRECTORY + 1, 0);
}

/// Writes FileNameLength and as much of the name as fits; returns the
/// bytes used from `off` and whether all of it fit.
fn put_name(buf: &mut [u8], off: usize, name: &[u16]) -> (usize, bool) {
    put_u32(buf, off, (name.len() * 2) as u32);
    let n = put_utf16(buf, off + 4, name);
    (4 + n, n == name.len() * 2)
}

impl<V: Vfs> Volume<V> {
    fn delete_pending(&self, ino: u64) -> bool {
        self.opens.node(ino).is_some_and(|n| n.delete_pending)
    }

    /// Queries one information class into `buf`.
    pub fn query_information(&mut self, h: Handle, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let o = self.open(h)?;
        let needs_read_attrs = matches!(
            class,
            FILE_BASIC_INFORMATION
                | FILE_ALL_INFORMATION
                | FILE_NETWORK_OPEN_INFORMATION
                | FILE_ATTRIBUTE_TAG_INFORMATION
        );
        let size = match class {
            FILE_BASIC_INFORMATION => layout::basic::SIZE,
            FILE_STANDARD_INFORMATION => layout::standard::SIZE,
            FILE_INTERNAL_INFORMATION => layout::internal::SIZE,
            FILE_EA_INFORMATION => layout::ea::SIZE,
            FILE_ACCESS_INFORMATION => layout::access::SIZE,
            FILE_NAME_INFORMATION => layout::name::SIZE,
            FILE_POSITION_INFORMATION => layout::position::SIZE,
            FILE_MODE_INFORMATION => layout::mode::SIZE,
            FILE_ALIGNMENT_INFORMATION => layout::alignment::SIZE,
            FILE_ALL_INFORMATION => layout::all::SIZE,
            FILE_NETWORK_OPEN_INFORMATION => layout::network_open::SIZE,
            FILE_ATTRIBUTE_TAG_INFORMATION => layout::attribute_tag::SIZE,
            FILE_STREAM_INFORMATION => layout::stream::SIZE,
            _ => return Err(NtStatus::INVALID_INFO_CLASS),
        };
        need(buf, size)?;
        if needs_read_attrs && !o.granted.contains(Access::READ_ATTRIBUTES) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let i = self.open_info(o)?;
        let pending = self.delete_pending(o.ino);
        let name = Self::windows_path(&o.path);
        Ok(match class {
            FILE_BASIC_INFORMATION => {
                put_basic(buf, 0, &i);
                Written::ok(layout::basic::SIZE)
            }
            FILE_STANDARD_INFORMATION => {
                put_standard(buf, 0, &i, pending);
                Written::ok(layout::standard::SIZE)
            }
            FILE_INTERNAL_INFORMATION => {
                put_u64(buf, 0, i.ino);
                Written::ok(8)
            }
            FILE_EA_INFORMATION => {
                put_u32(buf, 0, self.ea_size(h)?);
                Written::ok(4)
            }
            FILE_ACCESS_INFORMATION => {
                put_u32(buf, 0, o.granted.bits());
                Written::ok(4)
            }
            FILE_NAME_INFORMATION => {
                let (n, all) = put_name(buf, 0, &name);
                if all { Written::ok(n) } else { Written::overflow(n) }
            }
            FILE_POSITION_INFORMATION => {
                put_u64(buf, 0, o.position);
                Written::ok(8)
            }
            FILE_MODE_INFORMATION => {
                put_u32(buf, 0, o.options.intersection(CreateOptions::MODE).bits());
                Written::ok(4)
            }
            FILE_ALIGNMENT_INFORMATION => {
                put_u32(buf, 0, 0);
                Written::ok(4)
            }
            FILE_ALL_INFORMATION => {
                use layout::all::*;
                put_basic(buf, BASIC, &i);
                put_standard(buf, STANDARD, &i, pending);
                put_u64(buf, INTERNAL, i.ino);
                put_u32(buf, EA, self.ea_size(h)?);
                put_u32(buf, ACCESS, o.granted.bits());
                put_u64(buf, POSITION, o.position);
                put_u32(buf, MODE, o.options.intersection(CreateOptions::MODE).bits());
                put_u32(buf, ALIGNMENT, 0);
                let (n, all) = put_name(buf, NAME, &name);
                if all { Written::ok(NAME + n) } else { Written::overflow(NAME + n) }
            }
            FILE_NETWORK_OPEN_INFORMATION => {
                use layout::network_open::*;
                put_i64(buf, CREATION, i.creation);
                put_i64(buf, ACCESS, i.access);
                put_i64(buf, WRITE, i.write);
                put_i64(buf, CHANGE, i.change);
                put_i64(buf, ALLOC, i.alloc);
                put_i64(buf, EOF, i.eof);
                put_u32(buf, ATTR, i.attrs.bits());
                put_u32(buf, ATTR + 4, 0);
                Written::ok(SIZE)
            }
            FILE_ATTRIBUTE_TAG_INFORMATION => {
                put_u32(buf, 0, i.attrs.bits());
                put_u32(buf, 4, i.reparse_tag);
                Written::ok(8)
            }
            FILE_STREAM_INFORMATION => {
                // Directories have no unnamed data stream.
                if i.is_dir && o.kind == Kind::Dir {
                    return Ok(Written::ok(0));
                }
                use layout::stream::*;
                let sname: Vec<u16> = "::$DATA".encode_utf16().collect();
                put_u32(buf, NEXT, 0);
                put_u32(buf, NAME_LEN, (sname.len() * 2) as u32);
                put_i64(buf, SIZE_, i.eof);
                put_i64(buf, ALLOC, i.alloc);
                let n = put_utf16(buf, NAME, &sname);
                if n == sname.len() * 2 { Written::ok(NAME + n) } else { Written::overflow(NAME + n) }
            }
            _ => return Err(NtStatus::INVALID_INFO_CLASS),
        })
    }

    /// Sets one information class from `buf`.
    pub fn set_information(&mut self, h: Handle, class: u32, buf: &[u8]) -> Result<(), NtStatus> {
        self.open(h)?;
        match class {
            FILE_BASIC_INFORMATION => {
                need(buf, layout::basic::SIZE)?;
                use layout::basic::*;
                let times =
                    [get_i64(buf, CREATION)?, get_i64(buf, ACCESS)?, get_i64(buf, WRITE)?, get_i64(buf, CHANGE)?];
                self.set_basic(h, times, get_u32(buf, ATTR)?)
            }
            FILE_POSITION_INFORMATION => {
                need(buf, layout::position::SIZE)?;
                let pos = get_i64(buf, 0)?;
                if pos < 0 {
                    return Err(NtStatus::INVALID_PARAMETER);
                }
                self.open_mut(h)?.position = pos as u64;
                Ok(())
            }
            FILE_END_OF_FILE_INFORMATION => {
                need(buf, layout::end_of_file::SIZE)?;
                self.set_end_of_file(h, get_i64(buf, 0)?)
            }
            FILE_ALLOCATION_INFORMATION => {
                need(buf, layout::allocation::SIZE)?;
                self.set_allocation(h, get_i64(buf, 0)?)
            }
            FILE_DISPOSITION_INFORMATION => {
                need(buf, layout::disposition::SIZE)?;
                let flags = if buf[0] != 0 { FILE_DISPOSITION_DELETE } else { 0 };
                self.set_disposition(h, flags)
            }
            FILE_DISPOSITION_INFORMATION_EX => {
                need(buf, layout::disposition_ex::SIZE)?;
                self.set_disposition(h, get_u32(buf, 0)?)
            }
            FILE_RENAME_INFORMATION | FILE_LINK_INFORMATION | FILE_RENAME_INFORMATION_EX => {
                use layout::rename::*;
                need(buf, NAME)?;
                let flags = if class == FILE_RENAME_INFORMATION_EX {
                    get_u32(buf, 0)?
                } else if buf[0] != 0 {
                    FILE_RENAME_REPLACE_IF_EXISTS
                } else {
                    0
                };
                // The driver resolves RootDirectory (a kernel handle) into a
                // full name before calling; a raw one cannot be used here.
                if get_u64(buf, ROOT)? != 0 {
                    return Err(NtStatus::INVALID_PARAMETER);
                }
                let len = get_u32(buf, NAME_LEN)? as usize;
                let name = get_utf16(buf, NAME, len).map_err(|_| NtStatus::INVALID_PARAMETER)?;
                let f = RenameFlags {
                    replace: flags & FILE_RENAME_REPLACE_IF_EXISTS != 0,
                    posix: flags & FILE_RENAME_POSIX_SEMANTICS != 0,
                    ignore_readonly: flags & FILE_RENAME_IGNORE_READONLY_ATTRIBUTE != 0,
                };
                if class == FILE_LINK_INFORMATION { self.link(h, &name, f) } else { self.rename(h, &name, f) }
            }
            _ => Err(NtStatus::INVALID_INFO_CLASS),
        }
    }

    /// FileBasicInformation: 0 leaves a time alone, as do -1 and -2 (which
    /// on Windows also pause or resume automatic updates; Linux cannot);
    /// CreationTime and ChangeTime cannot be set on Linux and are ignored.
    /// Of the attributes only FILE_ATTRIBUTE_READONLY has a Linux meaning:
    /// set, it clears every write bit; clear, it restores the owner's (and
    /// the umask's) write bits. 0 leaves the attributes alone.
    pub fn set_basic(&mut self, h: Handle, times: [i64; 4], attrs: u32) -> Result<(), NtStatus> {
        let o = self.open(h)?;
        if !o.granted.contains(Access::WRITE_ATTRIBUTES) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if times.iter().any(|&t| t < -2) {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        let root = self.vfs.root();
        let path = at_path(&o.path).to_vec();
        let nofollow = if o.kind == Kind::Symlink { sys::AT_SYMLINK_NOFOLLOW } else { 0 };
        let ts = |t: i64| {
            if t <= 0 {
                Timespec { tv_sec: 0, tv_nsec: sys::UTIME_OMIT }
            } else {
                let (s, n) = nt_to_linux(t);
                Timespec { tv_sec: s, tv_nsec: n as i64 }
            }
        };
        if times[1] > 0 || times[2] > 0 {
            self.vfs.utimensat(root, &path, &[ts(times[1]), ts(times[2])], nofollow)?;
        }
        if attrs != 0 && o.kind != Kind::Symlink {
            let st = self.stat_open(o)?;
            let mode = st.stx_mode as u32 & 0o7777;
            let new = if FileAttributes::from_bits_retain(attrs).contains(FileAttributes::READONLY) {
                mode & !0o222
            } else if mode & 0o222 == 0 {
                mode | (0o222 & !self.opts.umask) | 0o200
            } else {
                mode
            };
            if new != mode {
                self.vfs.fchmodat(root, &path, new)?;
            }
        }
        Ok(())
    }

    /// FileEndOfFileInformation.
    pub fn set_end_of_file(&mut self, h: Handle, eof: i64) -> Result<(), NtStatus> {
        let fd = self.writable_file(h)?;
        if eof < 0 {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        Ok(self.vfs.ftruncate(fd, eof as u64)?)
    }

    /// FileAllocationInformation: below the end of file it truncates (as
    /// NTFS does); above, it preallocates without changing the size where
    /// the file system can.
    pub fn set_allocation(&mut self, h: Handle, alloc: i64) -> Result<(), NtStatus> {
        let fd = self.writable_file(h)?;
        if alloc < 0 {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        let size = self.vfs.statx(fd, b"", sys::AT_EMPTY_PATH, sys::STATX_BASIC_STATS)?.stx_size;
        if (alloc as u64) < size {
            return Ok(self.vfs.ftruncate(fd, alloc as u64)?);
        }
        if alloc > 0 {
            match self.vfs.fallocate(fd, sys::FALLOC_FL_KEEP_SIZE, 0, alloc as u64) {
                Ok(()) | Err(Errno::EOPNOTSUPP) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn writable_file(&self, h: Handle) -> Result<V::Fd, NtStatus> {
        let o = self.open(h)?;
        if o.kind == Kind::Dir {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if !o.granted.contains(Access::WRITE_DATA) || o.kind != Kind::File {
            return Err(NtStatus::ACCESS_DENIED);
        }
        Ok(o.fd)
    }

    /// FileDispositionInformation(Ex): FILE_DISPOSITION_DELETE marks the
    /// file delete-pending (or, with POSIX semantics, unlinks it when this
    /// handle closes); without it, clears the mark.
    pub fn set_disposition(&mut self, h: Handle, flags: u32) -> Result<(), NtStatus> {
        let o = self.open(h)?;
        if !o.granted.contains(Access::DELETE) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let flags = DispositionFlags::from_bits_retain(flags);
        let ino = o.ino;
        if !flags.contains(DispositionFlags::DELETE) {
            if let Some(n) = self.opens.node(ino)
                && n.delete_pending
            {
                self.opens.node_mut(ino).delete_pending = false;
            }
            self.open_mut(h)?.posix_delete = false;
            return Ok(());
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if o.path.is_empty() {
            return Err(NtStatus::CANNOT_DELETE);
        }
        let st = self.stat_open(o)?;
        if st.stx_mode as u32 & 0o222 == 0
            && o.kind != Kind::Symlink
            && !flags.contains(DispositionFlags::IGNORE_READONLY_ATTRIBUTE)
        {
            return Err(NtStatus::CANNOT_DELETE);
        }
        let is_dir = o.kind == Kind::Dir;
        let path = o.path.clone();
        if is_dir && !self.dir_is_empty(&path)? {
            return Err(NtStatus::DIRECTORY_NOT_EMPTY);
        }
        if flags.contains(DispositionFlags::POSIX_SEMANTICS) {
            self.open_mut(h)?.posix_delete = true;
            return Ok(());
        }
        let n = self.opens.node_mut(ino);
        n.delete_pending = true;
        n.delete_path = path;
        n.delete_is_dir = is_dir;
        Ok(())
    }

    /// Resolves a rename/link target: a full name from the root, or a bare
    /// name in the source's directory. Returns the Linux path.
    fn target_path(&self, src: &[u8], name: &[u16]) -> Result<Vec<u8>, NtStatus> {
        let backslash = b'\\' as u16;
        if name.first() == Some(&backslash) {
            let parsed = parse(name, false)?;
            let Some((last, parents)) = parsed.comps.split_last() else {
                return Err(NtStatus::OBJECT_NAME_INVALID);
            };
            let dir = self.resolve_dir(b"", parents)?;
            return Ok(join(&dir, core::slice::from_ref(last)));
        }
        if name.contains(&backslash) {
            return Err(NtStatus::OBJECT_NAME_INVALID);
        }
        let last = crate::names::windows_to_linux(name)?;
        let dir = match src.iter().rposition(|&b| b == b'/') {
            Some(i) => &src[..i],
            None => b"",
        };
        Ok(join(dir, &[last]))
    }

    /// Checks the rules for replacing an existing target; returns whether
    /// the target exists.
    fn check_target(&self, target: &[u8], f: RenameFlags, src_ino: u64) -> Result<bool, NtStatus> {
        let root = self.vfs.root();
        let st = match self.vfs.statx(root, target, sys::AT_SYMLINK_NOFOLLOW, sys::STATX_BASIC_STATS) {
            Ok(st) => st,
            Err(Errno::ENOENT) => return Ok(false),
            Err(e) => return Err(crate::path::path_errno(e)),
        };
        if st.stx_ino == src_ino {
            return Ok(true);
        }
        if !f.replace {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        if crate::volume::kind_of(st.stx_mode) == Kind::Dir {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if st.stx_mode as u32 & 0o222 == 0 && !f.ignore_readonly {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if let Some(n) = self.opens.node(st.stx_ino)
            && self.opens.iter().any(|(_, o)| o.ino == st.stx_ino)
        {
            // POSIX semantics replace an open target if every opener
            // shares delete; classic semantics never replace an open file.
            if !f.posix || n.share.shared_delete < n.share.open_count {
                return Err(NtStatus::ACCESS_DENIED);
            }
        }
        Ok(true)
    }

    /// FileRenameInformation(Ex).
    pub fn rename(&mut self, h: Handle, name: &[u16], f: RenameFlags) -> Result<(), NtStatus> {
        let o = self.open(h)?;
        if !o.granted.contains(Access::DELETE) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if o.path.is_empty() {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let src = o.path.clone();
        let src_ino = o.ino;
        let target = self.target_path(&src, name)?;
        if target == src {
            return Ok(());
        }
        if o.kind == Kind::Dir && target.starts_with(&src) && target.get(src.len()) == Some(&b'/') {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if o.kind == Kind::Dir && self.opens.any_open_under(&src, h) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let exists = self.check_target(&target, f, src_ino)?;
        let root = self.vfs.root();
        let mut flags = if exists { 0 } else { sys::RENAME_NOREPLACE };
        if exists && o.kind == Kind::Dir {
            // NT lets a directory replace a file; Linux rename(2) does not
            // (ENOTDIR), so the file goes first. Not atomic, unlike the rest.
            self.vfs.unlinkat(root, &target, 0)?;
            flags = sys::RENAME_NOREPLACE;
        }
        self.vfs.renameat2(root, &src, root, &target, flags).map_err(|e| match e {
            Errno::EEXIST => NtStatus::OBJECT_NAME_COLLISION,
            e => e.into(),
        })?;
        for x in self.opens.iter_mut() {
            if x.path == src {
                x.path = target.clone();
            } else if x.path.starts_with(&src) && x.path.get(src.len()) == Some(&b'/') {
                let mut p = target.clone();
                p.extend_from_slice(&x.path[src.len()..]);
                x.path = p;
            }
        }
        let n = self.opens.node_mut(src_ino);
        if n.delete_path == src {
            n.delete_path = target;
        }
        Ok(())
    }

    /// FileLinkInformation: a new hard link to the file.
    pub fn link(&mut self, h: Handle, name: &[u16], f: RenameFlags) -> Result<(), NtStatus> {
        let o = self.open(h)?;
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        if o.kind == Kind::Dir {
            return Err(NtStatus::FILE_IS_A_DIRECTORY);
        }
        let src = o.path.clone();
        let target = self.target_path(&src, name)?;
        if target == src {
            return Err(NtStatus::OBJECT_NAME_COLLISION);
        }
        let exists = self.check_target(&target, f, o.ino)?;
        let root = self.vfs.root();
        if exists {
            self.vfs.unlinkat(root, &target, 0)?;
        }
        self.vfs.linkat(root, &src, root, &target, 0).map_err(|e| match e {
            Errno::EEXIST => NtStatus::OBJECT_NAME_COLLISION,
            e => e.into(),
        })?;
        Ok(())
    }
}
