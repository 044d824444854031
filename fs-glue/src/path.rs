//! Windows path names -> Linux paths, and lookups that tell a missing
//! directory on the way (STATUS_OBJECT_PATH_NOT_FOUND) from a missing last
//! component (STATUS_OBJECT_NAME_NOT_FOUND).

use crate::names::{self, PATH_MAX};
use crate::volume::STATX_MASK;
use crate::{NtStatus, Vfs, Volume};
use alloc::vec::Vec;
use lkl_abi::Errno;
use lkl_abi::sys::{self, Statx};
use widestring::u16str;

const BACKSLASH: u16 = b'\\' as u16;
const COLON: u16 = b':' as u16;

/// A parsed Windows name.
#[derive(Debug)]
pub(crate) struct ParsedPath {
    /// Linux components.
    pub comps: Vec<Vec<u8>>,
    /// The name ended with a backslash: it must be a directory.
    pub trailing_backslash: bool,
    /// UTF-16 units of each component as the name spelt it (for the
    /// unparsed rest of a name that meets a symbolic link).
    pub raw_lens: Vec<usize>,
}

impl ParsedPath {
    /// Bytes of the name after component `i`: each later component with
    /// its backslash, and a trailing backslash.
    pub fn bytes_after(&self, i: usize) -> usize {
        let rest: usize = self.raw_lens.iter().skip(i + 1).map(|l| l + 1).sum();
        2 * (rest + usize::from(self.trailing_backslash))
    }
}

/// Splits and converts a Windows name. `relative` names (with a related
/// handle) must not start with a backslash; others must.
pub(crate) fn parse(name: &[u16], relative: bool) -> Result<ParsedPath, NtStatus> {
    let rest = match (relative, name.first()) {
        (false, Some(&BACKSLASH)) => &name[1..],
        (false, _) => return Err(NtStatus::OBJECT_NAME_INVALID),
        (true, Some(&BACKSLASH)) => return Err(NtStatus::OBJECT_NAME_INVALID),
        (true, _) => name,
    };
    let mut comps = Vec::new();
    let mut raw_lens = Vec::new();
    let mut trailing_backslash = false;
    if !rest.is_empty() {
        let parts: Vec<&[u16]> = rest.split(|&c| c == BACKSLASH).collect();
        let last = parts.len() - 1;
        for (i, part) in parts.iter().enumerate() {
            if part.is_empty() {
                if i == last {
                    trailing_backslash = true;
                    continue;
                }
                return Err(NtStatus::OBJECT_NAME_INVALID);
            }
            raw_lens.push(part.len());
            let part = if i == last { strip_data_stream(part)? } else { part };
            comps.push(names::windows_to_linux(part)?);
        }
    }
    let total: usize = comps.iter().map(|c| c.len() + 1).sum();
    if total > PATH_MAX {
        return Err(NtStatus::NAME_TOO_LONG);
    }
    Ok(ParsedPath { comps, trailing_backslash, raw_lens })
}

/// `name::$DATA` names the default stream of `name`; any other stream
/// syntax names a named stream, which Linux file systems do not have.
fn strip_data_stream(part: &[u16]) -> Result<&[u16], NtStatus> {
    let Some(colon) = part.iter().position(|&c| c == COLON) else { return Ok(part) };
    let suffix = part[colon..].iter().map(|&c| crate::wildcard::upcase(c));
    if suffix.eq(u16str!("::$DATA").as_slice().iter().copied()) {
        Ok(&part[..colon])
    } else {
        Err(NtStatus::OBJECT_NAME_INVALID)
    }
}

/// Joins Linux path components.
pub(crate) fn join(base: &[u8], comps: &[Vec<u8>]) -> Vec<u8> {
    let mut p = base.to_vec();
    for c in comps {
        if !p.is_empty() {
            p.push(b'/');
        }
        p.extend_from_slice(c);
    }
    p
}

/// The path to hand a syscall relative to the root: `.` for the root.
pub(crate) fn at_path(p: &[u8]) -> &[u8] {
    if p.is_empty() { b"." } else { p }
}

/// Errno of a directory lookup on the way to the last component.
pub(crate) fn path_errno(e: Errno) -> NtStatus {
    match e {
        Errno::ENOENT | Errno::ENOTDIR => NtStatus::OBJECT_PATH_NOT_FOUND,
        e => e.into(),
    }
}

impl<V: Vfs> Volume<V> {
    /// Resolves `base` + `comps` to an existing directory, walking with
    /// case-insensitive matching when the volume asks for it. Returns the
    /// canonical Linux path (exact on-disk case).
    pub(crate) fn resolve_dir(&self, base: &[u8], comps: &[Vec<u8>]) -> Result<Vec<u8>, NtStatus> {
        if !self.opts.case_insensitive {
            let p = join(base, comps);
            let st = self.vfs.statx(self.vfs.root(), at_path(&p), 0, sys::STATX_BASIC_STATS).map_err(path_errno)?;
            if crate::volume::kind_of(st.stx_mode) != crate::open_table::Kind::Dir {
                return Err(NtStatus::OBJECT_PATH_NOT_FOUND);
            }
            return Ok(p);
        }
        let mut p = base.to_vec();
        for c in comps {
            let (name, st) = match self.lookup(&p, c) {
                Ok(x) => x,
                Err(NtStatus::OBJECT_NAME_NOT_FOUND) => return Err(NtStatus::OBJECT_PATH_NOT_FOUND),
                Err(e) => return Err(e),
            };
            let full = join(&p, core::slice::from_ref(&name));
            let kind = crate::volume::kind_of(st.stx_mode);
            let is_dir = kind == crate::open_table::Kind::Dir
                || (kind == crate::open_table::Kind::Symlink
                    && self
                        .vfs
                        .statx(self.vfs.root(), &full, 0, sys::STATX_BASIC_STATS)
                        .is_ok_and(|t| crate::volume::kind_of(t.stx_mode) == crate::open_table::Kind::Dir));
            if !is_dir {
                return Err(NtStatus::OBJECT_PATH_NOT_FOUND);
            }
            p = full;
        }
        Ok(p)
    }

    /// Looks `name` up in directory `dir` (a Linux path from the root)
    /// without following a final symlink. With case-insensitive lookup and
    /// no exact match, the first name in byte order that equals `name`
    /// ignoring case wins. Returns the on-disk name and its statx.
    pub(crate) fn lookup(&self, dir: &[u8], name: &[u8]) -> Result<(Vec<u8>, Statx), NtStatus> {
        let full = join(dir, &[name.to_vec()]);
        match self.vfs.statx(self.vfs.root(), &full, sys::AT_SYMLINK_NOFOLLOW, STATX_MASK) {
            Ok(st) => return Ok((name.to_vec(), st)),
            Err(Errno::ENOENT) if self.opts.case_insensitive => {}
            Err(Errno::ENOENT) => return Err(NtStatus::OBJECT_NAME_NOT_FOUND),
            Err(Errno::ENOTDIR) => return Err(NtStatus::OBJECT_PATH_NOT_FOUND),
            Err(e) => return Err(e.into()),
        }
        let want = names::linux_to_windows(name);
        let mut found: Option<Vec<u8>> = None;
        for e in self.read_dir_entries(dir)? {
            if e.name == b"." || e.name == b".." {
                continue;
            }
            if names::eq_ignore_case(&names::linux_to_windows(&e.name), &want)
                && found.as_ref().is_none_or(|f| e.name < *f)
            {
                found = Some(e.name);
            }
        }
        let Some(actual) = found else { return Err(NtStatus::OBJECT_NAME_NOT_FOUND) };
        let full = join(dir, core::slice::from_ref(&actual));
        let st = self.vfs.statx(self.vfs.root(), &full, sys::AT_SYMLINK_NOFOLLOW, STATX_MASK)?;
        Ok((actual, st))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn parsing() {
        let p = parse(&w("\\a\\b"), false).unwrap();
        assert_eq!(p.comps, [b"a".to_vec(), b"b".to_vec()]);
        assert!(!p.trailing_backslash);
        let p = parse(&w("\\"), false).unwrap();
        assert!(p.comps.is_empty());
        let p = parse(&w("\\d\\"), false).unwrap();
        assert!(p.trailing_backslash);
        assert_eq!(parse(&w("a"), false).unwrap_err(), NtStatus::OBJECT_NAME_INVALID);
        assert_eq!(parse(&w("\\a"), true).unwrap_err(), NtStatus::OBJECT_NAME_INVALID);
        assert_eq!(parse(&w("\\a\\\\b"), false).unwrap_err(), NtStatus::OBJECT_NAME_INVALID);
        assert_eq!(parse(&w("\\a\\..\\b"), false).unwrap_err(), NtStatus::OBJECT_NAME_INVALID);
        assert_eq!(parse(&w("\\f::$DATA"), false).unwrap().comps, [b"f".to_vec()]);
        assert_eq!(parse(&w("\\f::$data"), false).unwrap().comps, [b"f".to_vec()]);
        assert_eq!(parse(&w("\\f:s"), false).unwrap_err(), NtStatus::OBJECT_NAME_INVALID);
        assert_eq!(parse(&w("\\d:x\\f"), false).unwrap_err(), NtStatus::OBJECT_NAME_INVALID);
        assert!(parse(&w(""), true).unwrap().comps.is_empty());
        let p = parse(&w("\\ab\\c\\def::$DATA\\"), false);
        assert_eq!(p.unwrap_err(), NtStatus::OBJECT_NAME_INVALID);
        let p = parse(&w("\\ab\\c\\def\\"), false).unwrap();
        assert_eq!((p.bytes_after(0), p.bytes_after(1), p.bytes_after(2)), (2 * 7, 2 * 5, 2));
        let p = parse(&w("\\ab\\f::$DATA"), false).unwrap();
        assert_eq!((p.bytes_after(0), p.bytes_after(1)), (2 * 9, 0));
        let long = alloc::format!("\\{}", alloc::vec!["x".repeat(200); 21].join("\\"));
        assert_eq!(parse(&w(&long), false).unwrap_err(), NtStatus::NAME_TOO_LONG);
    }
}
