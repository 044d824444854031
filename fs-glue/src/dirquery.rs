//! IRP_MN_QUERY_DIRECTORY: the six directory information classes, pattern
//! matching, and the buffer rules.
//!
//! A handle's first query (or a RestartScan) takes a snapshot of the
//! directory: `.` and `..` (except at the volume root, which has neither on
//! NTFS or FAT), then getdents64 order. FileIndex is the entry's position in
//! that snapshot, which is what SL_INDEX_SPECIFIED resumes after.
//!
//! Buffer rules: a buffer shorter than the class's fixed part fails with
//! STATUS_INFO_LENGTH_MISMATCH; a first entry that does not fit is written
//! as far as it fits (fixed part, FileNameLength of the whole name, as many
//! name characters as fit) with STATUS_BUFFER_OVERFLOW and consumed; a
//! later entry that does not fit is left for the next query. Entries are
//! 8-byte aligned and chained by NextEntryOffset (0 in the last);
//! Information is the end of the last entry's name. No match on a handle's
//! first query is STATUS_NO_SUCH_FILE, afterwards STATUS_NO_MORE_FILES.

use crate::layout;
use crate::names;
use crate::nt::*;
use crate::open_table::Kind;
use crate::path::{at_path, join};
use crate::volume::{NtInfo, STATX_MASK};
use crate::wildcard::is_name_in_expression;
use crate::wire::*;
use crate::{Access, FileAttributes, Handle, NtStatus, QueryDirParams, Vfs, Volume, Written};
use alloc::vec;
use alloc::vec::Vec;
use lkl_abi::sys::{self, DIRENT64_NAME_OFFSET};

/// One raw directory entry.
pub(crate) struct RawEntry {
    pub name: Vec<u8>,
}

/// Per-handle enumeration state (in the CCB).
pub(crate) struct DirState {
    entries: Vec<RawEntry>,
    next: usize,
    pattern: Option<Vec<u16>>,
}

/// Offsets of one directory information class.
struct ClassLayout {
    /// The structure's size with its one-unit name, 8-aligned (the DDK's
    /// sizeof).
    size: usize,
    name_off: usize,
    name_len_off: usize,
    times: bool,
    ea_off: Option<usize>,
    short: bool,
    id_off: Option<usize>,
}

fn class_layout(class: u32) -> Option<ClassLayout> {
    use layout::*;
    Some(match class {
        FILE_DIRECTORY_INFORMATION => ClassLayout {
            size: dir::SIZE,
            name_off: dir::NAME,
            name_len_off: dir::NAME_LEN,
            times: true,
            ea_off: None,
            short: false,
            id_off: None,
        },
        FILE_FULL_DIRECTORY_INFORMATION => ClassLayout {
            size: full_dir::SIZE,
            name_off: full_dir::NAME,
            name_len_off: full_dir::NAME_LEN,
            times: true,
            ea_off: Some(full_dir::EA),
            short: false,
            id_off: None,
        },
        FILE_BOTH_DIRECTORY_INFORMATION => ClassLayout {
            size: both_dir::SIZE,
            name_off: both_dir::NAME,
            name_len_off: both_dir::NAME_LEN,
            times: true,
            ea_off: Some(both_dir::EA),
            short: true,
            id_off: None,
        },
        FILE_ID_BOTH_DIRECTORY_INFORMATION => ClassLayout {
            size: id_both_dir::SIZE,
            name_off: id_both_dir::NAME,
            name_len_off: id_both_dir::NAME_LEN,
            times: true,
            ea_off: Some(id_both_dir::EA),
            short: true,
            id_off: Some(id_both_dir::ID),
        },
        FILE_ID_FULL_DIRECTORY_INFORMATION => ClassLayout {
            size: id_full_dir::SIZE,
            name_off: id_full_dir::NAME,
            name_len_off: id_full_dir::NAME_LEN,
            times: true,
            ea_off: Some(id_full_dir::EA),
            short: false,
            id_off: Some(id_full_dir::ID),
        },
        FILE_NAMES_INFORMATION => ClassLayout {
            size: names::SIZE,
            name_off: names::NAME,
            name_len_off: names::NAME_LEN,
            times: false,
            ea_off: None,
            short: false,
            id_off: None,
        },
        _ => return None,
    })
}

impl<V: Vfs> Volume<V> {
    /// Reads a whole directory (a Linux path from the root) with getdents64.
    pub(crate) fn read_dir_entries(&self, path: &[u8]) -> Result<Vec<RawEntry>, NtStatus> {
        let fd = self.vfs.openat(self.vfs.root(), at_path(path), sys::O_RDONLY | sys::O_DIRECTORY, 0)?;
        let r = self.read_dir_fd(fd);
        let _ = self.vfs.close(fd);
        r
    }

    fn read_dir_fd(&self, fd: V::Fd) -> Result<Vec<RawEntry>, NtStatus> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            let n = self.vfs.getdents64(fd, &mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            let mut off = 0;
            while off + DIRENT64_NAME_OFFSET <= n {
                let reclen = get_u16(&buf, off + 16)? as usize;
                if reclen < DIRENT64_NAME_OFFSET || off + reclen > n {
                    return Err(NtStatus::FILE_CORRUPT_ERROR);
                }
                let rec = &buf[off + DIRENT64_NAME_OFFSET..off + reclen];
                let len = rec.iter().position(|&b| b == 0).unwrap_or(rec.len());
                out.push(RawEntry { name: rec[..len].to_vec() });
                off += reclen;
            }
        }
    }

    /// Queries directory entries into `buf`, as IRP_MN_QUERY_DIRECTORY.
    pub fn query_directory(&mut self, h: Handle, p: &QueryDirParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let o = self.open(h)?;
        if o.kind != Kind::Dir {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        let Some(cl) = class_layout(p.class) else { return Err(NtStatus::INVALID_INFO_CLASS) };
        // The I/O manager refuses a buffer shorter than the class's whole
        // structure (IopQueryOperationLength) before a file system sees it;
        // the glue holds the same line for every caller.
        if buf.len() < cl.size {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        if !o.granted.contains(Access::LIST_DIRECTORY) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let dir_path = o.path.clone();
        let first_query = o.dir.is_none();
        if first_query || p.restart {
            let mut entries = Vec::new();
            if !dir_path.is_empty() {
                entries.push(RawEntry { name: b".".to_vec() });
                entries.push(RawEntry { name: b"..".to_vec() });
            }
            entries.extend(self.read_dir_entries(&dir_path)?.into_iter().filter(|e| e.name != b"." && e.name != b".."));
            let o = self.open_mut(h)?;
            let pattern = match &o.dir {
                Some(d) => d.pattern.clone(),
                None => p.pattern.filter(|pat| !pat.is_empty() && *pat != [b'*' as u16]).map(|pat| pat.to_vec()),
            };
            o.dir = Some(DirState { entries, next: 0, pattern });
        }
        let ignore_case = self.opts.case_insensitive;
        let mut st = self.open_mut(h)?.dir.take().ok_or(NtStatus::INVALID_HANDLE)?;
        if let Some(i) = p.index {
            st.next = (i as usize).saturating_add(1);
        }
        let r = self.fill_entries(&dir_path, &mut st, &cl, p, buf, ignore_case);
        self.open_mut(h)?.dir = Some(st);
        match r {
            Ok(w) if w.len == 0 => Err(if first_query { NtStatus::NO_SUCH_FILE } else { NtStatus::NO_MORE_FILES }),
            r => r,
        }
    }

    fn fill_entries(
        &self,
        dir_path: &[u8],
        st: &mut DirState,
        cl: &ClassLayout,
        p: &QueryDirParams<'_>,
        buf: &mut [u8],
        ignore_case: bool,
    ) -> Result<Written, NtStatus> {
        let root = self.vfs.root();
        let mut off = 0usize; // where the next entry goes
        let mut last: Option<usize> = None; // offset of the previous entry
        let mut end = 0usize;
        while st.next < st.entries.len() {
            let index = st.next;
            let e = &st.entries[index];
            let wname = names::linux_to_windows(&e.name);
            if let Some(pat) = &st.pattern
                && !is_name_in_expression(pat, &wname, ignore_case)
            {
                st.next += 1;
                continue;
            }
            let target: Vec<u8> = match e.name.as_slice() {
                b"." => dir_path.to_vec(),
                b".." => dir_path.rsplit_once_slash(),
                n => join(dir_path, &[n.to_vec()]),
            };
            let stx = match self.vfs.statx(root, at_path(&target), sys::AT_SYMLINK_NOFOLLOW, STATX_MASK) {
                Ok(s) => s,
                // Gone since the snapshot: not an entry any more.
                Err(lkl_abi::Errno::ENOENT) => {
                    st.next += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let info = self.nt_info(&stx, &e.name, root, at_path(&target));
            let name_bytes = wname.len() * 2;
            let need = cl.name_off + name_bytes;
            let room = buf.len() - off;
            if need > room {
                if last.is_some() {
                    break;
                }
                // The first entry: as much as fits, and say so.
                write_entry(buf, 0, cl, index as u32, &info, &wname);
                st.next += 1;
                return Ok(Written::overflow(buf.len()));
            }
            if let Some(prev) = last {
                put_u32(buf, prev, (off - prev) as u32);
                // Zero the alignment padding so no stale bytes leak out;
                // after the last entry the caller's bytes stay untouched.
                buf[end..off].fill(0);
            }
            write_entry(buf, off, cl, index as u32, &info, &wname);
            end = off + need;
            last = Some(off);
            st.next += 1;
            if p.single {
                break;
            }
            let next_off = align8(end);
            if next_off >= buf.len() {
                break;
            }
            off = next_off;
        }
        Ok(Written::ok(end))
    }
}

/// Writes one entry at `off`; the name is cut to what fits in `buf`.
fn write_entry(buf: &mut [u8], off: usize, cl: &ClassLayout, index: u32, info: &NtInfo, name: &[u16]) {
    let fixed_end = off + cl.name_off;
    for b in &mut buf[off..fixed_end] {
        *b = 0;
    }
    put_u32(buf, off, 0);
    put_u32(buf, off + 4, index);
    if cl.times {
        use layout::dir;
        put_i64(buf, off + dir::CREATION, info.creation);
        put_i64(buf, off + dir::ACCESS, info.access);
        put_i64(buf, off + dir::WRITE, info.write);
        put_i64(buf, off + dir::CHANGE, info.change);
        put_i64(buf, off + dir::EOF, info.eof);
        put_i64(buf, off + dir::ALLOC, info.alloc);
        put_u32(buf, off + dir::ATTR, info.attrs.bits());
    }
    put_u32(buf, off + cl.name_len_off, (name.len() * 2) as u32);
    if let Some(ea) = cl.ea_off {
        // With FILE_ATTRIBUTE_REPARSE_POINT, EaSize holds the reparse tag.
        put_u32(buf, off + ea, if info.attrs.contains(FileAttributes::REPARSE_POINT) { info.reparse_tag } else { 0 });
    }
    if cl.short {
        // No 8.3 names: ShortNameLength 0, ShortName zeroed above.
        put_u8(buf, off + layout::both_dir::SHORT_LEN, 0);
    }
    if let Some(id) = cl.id_off {
        put_u64(buf, off + id, info.ino);
    }
    put_utf16(buf, fixed_end, name);
}

trait ParentPath {
    fn rsplit_once_slash(&self) -> Vec<u8>;
}

impl ParentPath for [u8] {
    /// The parent of a Linux path from the root (`""` is the root).
    fn rsplit_once_slash(&self) -> Vec<u8> {
        match self.iter().rposition(|&b| b == b'/') {
            Some(i) => self[..i].to_vec(),
            None => Vec::new(),
        }
    }
}
