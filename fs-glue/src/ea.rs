//! Extended attributes: Linux `user.` xattrs as NT EAs (IRP_MJ_QUERY_EA,
//! IRP_MJ_SET_EA, the EaBuffer of a create, FileEaInformation).
//!
//! The xattr `user.name` is the EA `NAME`: NT shows EA names upper-cased,
//! as NTFS stores them, and finds them ignoring case. A set finds the
//! Linux name the same way and keeps its case, so a round trip through
//! Windows leaves `user.name` as it was; a new EA keeps the case its
//! caller gave. What NT cannot show stays Linux's and is not listed: other
//! namespaces, names that are not valid EA names (see [`valid_name`]),
//! values longer than an EA's 65535 bytes, and of names equal ignoring
//! case all but the first in byte order. EAs are listed in byte order of
//! their NT names (Linux keeps no creation order to follow).
//!
//! A scan without restart goes on by position: EAs changed between two
//! calls may be skipped or seen twice (NTFS answers STATUS_EA_CORRUPT_ERROR
//! there; Linux keeps no change count to tell). Directory entries report
//! EaSize 0: knowing it would cost an open and a listxattr per entry of
//! every listing, and FileEaInformation gives it per file.
//!
//! Linux has no place for FILE_NEED_EA: a set that asks for it is refused
//! (STATUS_NOT_SUPPORTED), every EA reads back with Flags 0, and so
//! FILE_NO_EA_KNOWLEDGE never finds a file it must refuse.

use crate::layout::{full_ea, get_ea};
use crate::open_table::Kind;
use crate::wire::*;
use crate::{Access, Handle, NtStatus, Vfs, Volume, Written};
use alloc::vec;
use alloc::vec::Vec;
use lkl_abi::{Errno, sys};

/// FILE_FULL_EA_INFORMATION.Flags: the file needs this EA to be understood.
pub const FILE_NEED_EA: u8 = 0x80;
/// The xattr namespace EAs live in.
const PREFIX: &[u8] = b"user.";
/// Longest EA name (EaNameLength is a UCHAR and 255 is refused).
const NAME_MAX: usize = 254;
/// Most bytes of packed EAs a file may have (FastFAT's and MS-FSA's limit:
/// the packed list with its 4-byte header fits a USHORT).
const PACKED_MAX: usize = 0xFFFF;

/// The parameters of NtQueryEaFile / IRP_MJ_QUERY_EA.
#[derive(Clone, Copy, Debug, Default)]
pub struct QueryEaParams<'a> {
    /// EaList: FILE_GET_EA_INFORMATION entries naming the EAs wanted.
    pub list: Option<&'a [u8]>,
    /// SL_INDEX_SPECIFIED: start at this 1-based EA (ignored with a list).
    pub index: Option<u32>,
    /// SL_RESTART_SCAN.
    pub restart: bool,
    /// SL_RETURN_SINGLE_ENTRY.
    pub single: bool,
}

/// One EA as NT sees it.
struct Ea {
    /// Upper-cased NT name.
    nt: Vec<u8>,
    /// The xattr's full Linux name (`user.` + its own case).
    linux: Vec<u8>,
    value: Vec<u8>,
}

/// Whether `name` is a valid EA name: 1 to 254 bytes of printable ASCII
/// without the characters FastFAT refuses (FatIsEaNameValid). ASCII only,
/// because an EA name is in the caller's OEM code page and Linux's are
/// UTF-8.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX
        && name.iter().all(|&c| (0x20..0x7F).contains(&c) && !b"\\/:*?\"<>|,+=[];".contains(&c))
}

/// The packed size of one EA (MS-FSA's EaSize term: flags, name length,
/// value length, name, NUL, value).
fn packed(name_len: usize, value_len: usize) -> usize {
    5 + name_len + value_len
}

/// The size of a FILE_FULL_EA_INFORMATION entry without padding.
fn entry_len(name_len: usize, value_len: usize) -> usize {
    full_ea::NAME + name_len + 1 + value_len
}

/// Writes one FILE_FULL_EA_INFORMATION entry (NextEntryOffset 0) at `off`.
fn put_entry(buf: &mut [u8], off: usize, name: &[u8], value: &[u8]) {
    put_u32(buf, off + full_ea::NEXT, 0);
    put_u8(buf, off + full_ea::FLAGS, 0);
    put_u8(buf, off + full_ea::NAME_LEN, name.len() as u8);
    put_u16(buf, off + full_ea::VALUE_LEN, value.len() as u16);
    put_bytes(buf, off + full_ea::NAME, name);
    put_u8(buf, off + full_ea::NAME + name.len(), 0);
    put_bytes(buf, off + full_ea::NAME + name.len() + 1, value);
}

/// One entry of a FILE_FULL_EA_INFORMATION list: (offset, flags, name, value).
type FullEntry<'a> = (usize, u8, &'a [u8], &'a [u8]);

/// Walks a FILE_FULL_EA_INFORMATION list the way IoCheckEaBufferValidity
/// checks it: every entry inside the buffer, its name NUL-terminated, every
/// NextEntryOffset but the last 4-aligned and pointing forward.
/// STATUS_EA_LIST_INCONSISTENT with the bad entry's offset otherwise.
fn parse_full(b: &[u8]) -> Result<Vec<FullEntry<'_>>, (NtStatus, usize)> {
    let mut out = Vec::new();
    let mut off = 0usize;
    loop {
        let bad = (NtStatus::EA_LIST_INCONSISTENT, off);
        let head = b.get(off..off + full_ea::NAME).ok_or(bad)?;
        let next = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let (flags, nl, vl) = (head[4], head[5] as usize, u16::from_le_bytes([head[6], head[7]]) as usize);
        let name = b.get(off + full_ea::NAME..off + full_ea::NAME + nl).ok_or(bad)?;
        let vstart = off + full_ea::NAME + nl + 1;
        if b.get(vstart - 1) != Some(&0) {
            return Err(bad);
        }
        let value = b.get(vstart..vstart + vl).ok_or(bad)?;
        out.push((off, flags, name, value));
        if next == 0 {
            return Ok(out);
        }
        if !next.is_multiple_of(4) || next < entry_len(nl, vl) {
            return Err(bad);
        }
        off += next;
    }
}

/// One entry of a FILE_GET_EA_INFORMATION list: (offset, name).
type GetEntry<'a> = (usize, &'a [u8]);

/// Walks a FILE_GET_EA_INFORMATION list.
fn parse_get(b: &[u8]) -> Result<Vec<GetEntry<'_>>, (NtStatus, usize)> {
    let mut out = Vec::new();
    let mut off = 0usize;
    loop {
        let bad = (NtStatus::EA_LIST_INCONSISTENT, off);
        let head = b.get(off..off + get_ea::NAME).ok_or(bad)?;
        let next = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let nl = head[4] as usize;
        let name = b.get(off + get_ea::NAME..off + get_ea::NAME + nl).ok_or(bad)?;
        out.push((off, name));
        if next == 0 {
            return Ok(out);
        }
        if !next.is_multiple_of(4) || next < get_ea::NAME + nl {
            return Err(bad);
        }
        off += next;
    }
}

fn warning(status: NtStatus, offset: usize) -> Written {
    Written { status, len: offset }
}

impl<V: Vfs> Volume<V> {
    /// Runs `f` with a descriptor xattr calls may use for handle `h`: a
    /// handle without data access holds an O_PATH descriptor, which Linux
    /// refuses for xattrs, so one is opened for the call. None for what
    /// Linux keeps no user xattrs on (symbolic links, devices, FIFOs).
    fn with_xattr_fd<T>(&self, h: Handle, f: impl FnOnce(V::Fd) -> Result<T, NtStatus>) -> Result<Option<T>, NtStatus> {
        let o = self.open(h)?;
        let own = match o.kind {
            Kind::Dir => true,
            Kind::File => {
                let (r, w, _) = crate::share::intent(o.granted);
                r || w
            }
            Kind::Symlink | Kind::Other => return Ok(None),
        };
        self.with_fd(h, own, sys::O_RDONLY | sys::O_NONBLOCK, f).map(Some)
    }

    /// The EAs NT sees on `fd`, in byte order of their NT names.
    fn list_eas(&self, fd: V::Fd) -> Result<Vec<Ea>, NtStatus> {
        let mut names = vec![0u8; 0];
        loop {
            let need = self.vfs.flistxattr(fd, &mut [])?;
            names.resize(need, 0);
            match self.vfs.flistxattr(fd, &mut names) {
                Ok(n) => {
                    names.truncate(n);
                    break;
                }
                // The list grew between the two calls.
                Err(Errno::ERANGE) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        let mut out: Vec<Ea> = Vec::new();
        let mut linux_names: Vec<&[u8]> = names.split(|&c| c == 0).filter(|n| n.starts_with(PREFIX)).collect();
        linux_names.sort_unstable();
        for linux in linux_names {
            let short = &linux[PREFIX.len()..];
            if !valid_name(short) {
                continue;
            }
            let nt = short.to_ascii_uppercase();
            if out.iter().any(|e| e.nt == nt) {
                continue;
            }
            let Some(value) = self.get_value(fd, linux)? else { continue };
            if value.len() > u16::MAX as usize {
                continue;
            }
            out.push(Ea { nt, linux: linux.to_vec(), value });
        }
        out.sort_by(|a, b| a.nt.cmp(&b.nt));
        Ok(out)
    }

    /// An xattr's value; None when it went away meanwhile.
    fn get_value(&self, fd: V::Fd, name: &[u8]) -> Result<Option<Vec<u8>>, NtStatus> {
        loop {
            let len = match self.vfs.fgetxattr(fd, name, &mut []) {
                Ok(n) => n,
                Err(Errno::ENODATA) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let mut v = vec![0u8; len];
            match self.vfs.fgetxattr(fd, name, &mut v) {
                Ok(n) => {
                    v.truncate(n);
                    return Ok(Some(v));
                }
                Err(Errno::ERANGE) => continue,
                Err(Errno::ENODATA) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// FileEaInformation's EaSize: 0 without EAs, else the packed size of
    /// them all plus the list's 4-byte header (MS-FSA; what NTFS reports).
    pub fn ea_size(&self, h: Handle) -> Result<u32, NtStatus> {
        let eas = self.with_xattr_fd(h, |fd| self.list_eas(fd))?.unwrap_or_default();
        if eas.is_empty() {
            return Ok(0);
        }
        Ok((4 + eas.iter().map(|e| packed(e.nt.len(), e.value.len())).sum::<usize>()) as u32)
    }

    /// IRP_MJ_QUERY_EA into `buf`. Information (the `len` of the result) is
    /// the bytes written, or with STATUS_INVALID_EA_NAME the offset of the
    /// bad name in the list.
    pub fn query_ea(&mut self, h: Handle, p: &QueryEaParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let o = self.open(h)?;
        if !o.granted.contains(Access::READ_EA) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        let start_pos = o.ea_position;
        let eas = self.with_xattr_fd(h, |fd| self.list_eas(fd))?.unwrap_or_default();
        if eas.is_empty() {
            return Err(NtStatus::NO_EAS_ON_FILE);
        }
        if let Some(list) = p.list.filter(|l| !l.is_empty()) {
            return query_list(&eas, list, p.single, buf);
        }
        let start = match p.index {
            Some(0) => return Err(NtStatus::NONEXISTENT_EA_ENTRY),
            Some(i) if i as usize == eas.len() + 1 => return Ok(warning(NtStatus::NO_MORE_EAS, 0)),
            Some(i) if i as usize > eas.len() + 1 => return Err(NtStatus::NONEXISTENT_EA_ENTRY),
            Some(i) => i as usize - 1,
            None if p.restart => 0,
            None => start_pos as usize,
        };
        if start >= eas.len() {
            return Ok(warning(NtStatus::NO_MORE_EAS, 0));
        }
        // Whole entries while they fit; every one but the last padded to 4.
        let mut w = Packer::default();
        for e in &eas[start..] {
            if !w.push(buf, &e.nt, &e.value) || p.single {
                break;
            }
        }
        let (count, last_end) = (w.count, w.end);
        if count == 0 {
            return Err(NtStatus::BUFFER_TOO_SMALL);
        }
        self.open_mut(h)?.ea_position = (start + count) as u32;
        Ok(if start + count < eas.len() && !p.single { Written::overflow(last_end) } else { Written::ok(last_end) })
    }

    /// IRP_MJ_SET_EA from a FILE_FULL_EA_INFORMATION list: each entry
    /// replaces the EA of its name, or with an empty value removes it (a
    /// missing one is no error). All or nothing: the list is checked
    /// whole first, and what was changed is put back if Linux refuses an
    /// entry. STATUS_INVALID_EA_NAME carries the bad entry's offset.
    pub fn set_ea(&mut self, h: Handle, buf: &[u8]) -> Result<Written, NtStatus> {
        let o = self.open(h)?;
        if !o.granted.contains(Access::WRITE_EA) {
            return Err(NtStatus::ACCESS_DENIED);
        }
        if self.opts.read_only {
            return Err(NtStatus::MEDIA_WRITE_PROTECTED);
        }
        // A warning: Information is the bad entry's offset, as
        // IoCheckEaBufferValidity's ErrorOffset.
        let entries = match parse_full(buf) {
            Ok(e) => e,
            Err((s, off)) => return Ok(warning(s, off)),
        };
        if let Some(w) = check_entries(&entries) {
            return w;
        }
        let done = self.with_xattr_fd(h, |fd| self.apply_eas(fd, &entries))?;
        match done {
            // MS-FSA: EAs on a reparse point are refused.
            None => Err(NtStatus::EAS_NOT_SUPPORTED),
            Some(()) => Ok(Written::ok(0)),
        }
    }

    /// The EaBuffer of a create, on the new (or overwritten) file of `h`:
    /// an overwrite first drops the EAs NT saw, as FastFAT does.
    pub(crate) fn create_eas(&mut self, h: Handle, buf: &[u8], overwrite: bool) -> Result<(), NtStatus> {
        if buf.is_empty() && !overwrite {
            return Ok(());
        }
        // check_buffer() passed it.
        let entries = if buf.is_empty() { Vec::new() } else { parse_full(buf).map_err(|(s, _)| s)? };
        let r = self.with_xattr_fd(h, |fd| {
            if overwrite {
                for e in self.list_eas(fd)? {
                    self.vfs.fremovexattr(fd, &e.linux)?;
                }
            }
            self.apply_eas(fd, &entries)
        })?;
        match r {
            None if !entries.is_empty() => Err(NtStatus::EAS_NOT_SUPPORTED),
            _ => Ok(()),
        }
    }

    /// Applies checked entries, undoing them all if one fails.
    fn apply_eas(&self, fd: V::Fd, entries: &[FullEntry<'_>]) -> Result<(), NtStatus> {
        let existing = self.list_eas(fd)?;
        // The packed size afterwards must stay within an EA list's limit.
        let mut after: Vec<(Vec<u8>, usize)> = existing.iter().map(|e| (e.nt.clone(), e.value.len())).collect();
        for &(_, _, name, value) in entries {
            let up = name.to_ascii_uppercase();
            after.retain(|(n, _)| *n != up);
            if !value.is_empty() {
                after.push((up, value.len()));
            }
        }
        if !after.is_empty() && 4 + after.iter().map(|(n, v)| packed(n.len(), *v)).sum::<usize>() > PACKED_MAX {
            return Err(NtStatus::EA_TOO_LARGE);
        }
        let mut undo: Vec<(Vec<u8>, Option<Vec<u8>>)> = Vec::new();
        for &(_, _, name, value) in entries {
            let up = name.to_ascii_uppercase();
            // The Linux name this EA already has (its case kept), else the
            // caller's.
            let (linux, old) = match existing.iter().find(|e| e.nt == up) {
                Some(e) => (e.linux.clone(), self.get_value(fd, &e.linux)?),
                None => ([PREFIX, name].concat(), None),
            };
            let r = if value.is_empty() {
                match self.vfs.fremovexattr(fd, &linux) {
                    Err(Errno::ENODATA) => Ok(()),
                    r => r,
                }
            } else {
                self.vfs.fsetxattr(fd, &linux, value, 0)
            };
            if let Err(e) = r {
                for (n, v) in undo.into_iter().rev() {
                    let _ = match v {
                        Some(v) => self.vfs.fsetxattr(fd, &n, &v, 0),
                        None => self.vfs.fremovexattr(fd, &n),
                    };
                }
                return Err(match e {
                    // The file system's own room for xattrs is full.
                    Errno::ENOSPC | Errno::E2BIG | Errno::ERANGE => NtStatus::EA_TOO_LARGE,
                    e => e.into(),
                });
            }
            undo.push((linux, old));
        }
        Ok(())
    }
}

/// A create's EaBuffer (empty for none) checked as SET_EA checks its list.
pub(crate) fn check_buffer(b: &[u8]) -> Result<(), NtStatus> {
    if b.is_empty() {
        return Ok(());
    }
    let entries = parse_full(b).map_err(|(s, _)| s)?;
    match check_entries(&entries) {
        None => Ok(()),
        Some(Ok(w)) => Err(w.status),
        Some(Err(s)) => Err(s),
    }
}

/// The checks of a whole list before anything changes: names, flags.
/// `Some` is the answer to give instead of applying it.
fn check_entries(entries: &[FullEntry<'_>]) -> Option<Result<Written, NtStatus>> {
    for &(off, flags, name, _) in entries {
        if flags & !FILE_NEED_EA != 0 || !valid_name(name) {
            return Some(Ok(warning(NtStatus::INVALID_EA_NAME, off)));
        }
        if flags & FILE_NEED_EA != 0 {
            return Some(Err(NtStatus::NOT_SUPPORTED));
        }
    }
    None
}

/// Writes FILE_FULL_EA_INFORMATION entries back to back, each after the
/// first at a 4-aligned offset with zeroed padding, and chains them.
#[derive(Default)]
struct Packer {
    prev: Option<usize>,
    end: usize,
    count: usize,
}

impl Packer {
    /// Appends an entry if it fits in `buf`.
    fn push(&mut self, buf: &mut [u8], name: &[u8], value: &[u8]) -> bool {
        let off = if self.prev.is_some() { (self.end + 3) & !3 } else { 0 };
        if off + entry_len(name.len(), value.len()) > buf.len() {
            return false;
        }
        if let Some(p) = self.prev {
            put_bytes(buf, self.end, &[0; 3][..off - self.end]);
            put_u32(buf, p + full_ea::NEXT, (off - p) as u32);
        }
        put_entry(buf, off, name, value);
        self.prev = Some(off);
        self.end = off + entry_len(name.len(), value.len());
        self.count += 1;
        true
    }
}

/// QUERY_EA with an EaList: one entry per name asked for, in the list's
/// order (a name asked twice once), a missing EA as an entry with no value.
fn query_list(eas: &[Ea], list: &[u8], single: bool, buf: &mut [u8]) -> Result<Written, NtStatus> {
    let names = match parse_get(list) {
        Ok(n) => n,
        Err((s, off)) => return Ok(warning(s, off)),
    };
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut w = Packer::default();
    for (loff, name) in names {
        if !valid_name(name) {
            return Ok(warning(NtStatus::INVALID_EA_NAME, loff));
        }
        let up = name.to_ascii_uppercase();
        if seen.contains(&up) {
            continue;
        }
        let value: &[u8] = eas.iter().find(|e| e.nt == up).map_or(&[], |e| &e.value);
        // What WinFsp's tests see NTFS answer: an entry that does not fit
        // is an overflow with nothing reported.
        if !w.push(buf, &up, value) {
            return Ok(Written::overflow(0));
        }
        seen.push(up);
        if single {
            break;
        }
    }
    Ok(Written::ok(w.end))
}
