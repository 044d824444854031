//! The content plugin part: the columns a file manager can show for each
//! file of a volume (Unix mode, owner, group, inode, link count, symlink
//! target, file system). `fields` and `value` are the logic; the two
//! exports below are their C edge.

#![allow(unsafe_code, non_snake_case)]

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::plugin::{Plugin, Stat};

/// Field types (contentplug.h).
const FT_NOMOREFIELDS: i32 = 0;
const FT_NUMERIC_32: i32 = 1;
const FT_NUMERIC_64: i32 = 2;
const FT_STRING: i32 = 8;
const FT_STRINGW: i32 = 11;
/// Answers of FsContentGetValue besides a field type.
const FT_NOSUCHFIELD: i32 = -1;
const FT_FILEERROR: i32 = -2;
const FT_FIELDEMPTY: i32 = -3;

/// The fields, by index: name and type.
const FIELDS: [(&str, i32); 7] = [
    ("Unix mode", FT_STRING),
    ("Owner", FT_NUMERIC_32),
    ("Group", FT_NUMERIC_32),
    ("Inode", FT_NUMERIC_64),
    ("Links", FT_NUMERIC_32),
    ("Symlink target", FT_STRINGW),
    ("File system", FT_STRING),
];

/// A field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Number(i64),
    Text(String),
    Empty,
}

/// `ls -l`'s mode column: the type, then rwx three times with set-id and
/// sticky bits.
pub fn mode_text(mode: u32) -> String {
    let kind = match mode & lkl::sys::S_IFMT {
        lkl::sys::S_IFDIR => 'd',
        lkl::sys::S_IFLNK => 'l',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        0o140000 => 's',
        _ => '-',
    };
    let mut s = String::from(kind);
    for (shift, special, set, unset) in [(6, 0o4000, 's', 'S'), (3, 0o2000, 's', 'S'), (0, 0o1000, 't', 'T')] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => set,
            (false, true) => unset,
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// Field `index` of a file whose stat is `st`.
pub fn value(st: &Stat, index: usize) -> Option<Value> {
    Some(match index {
        0 => Value::Text(format!("{} ({:04o})", mode_text(st.mode), st.mode & 0o7777)),
        1 => Value::Number(i64::from(st.uid)),
        2 => Value::Number(i64::from(st.gid)),
        3 => Value::Number(st.ino as i64),
        4 => Value::Number(i64::from(st.nlink)),
        5 => match &st.link {
            Some(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            None => Value::Empty,
        },
        6 => Value::Text(st.fstype.clone()),
        _ => return None,
    })
}

/// FsContentGetSupportedField: field `index`'s name (ANSI) and type; no
/// units.
///
/// # Safety
/// `name` and `units` are writable for `maxlen` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsContentGetSupportedField(
    index: i32,
    name: *mut u8,
    units: *mut u8,
    maxlen: i32,
) -> i32 {
    let Some(&(field, kind)) = usize::try_from(index).ok().and_then(|i| FIELDS.get(i)) else { return FT_NOMOREFIELDS };
    let max = usize::try_from(maxlen).unwrap_or(0);
    if name.is_null() || field.len() >= max {
        return FT_NOMOREFIELDS;
    }
    // SAFETY: the caller's contract; the name and its NUL fit in `max`.
    unsafe {
        std::ptr::copy_nonoverlapping(field.as_ptr(), name, field.len());
        *name.add(field.len()) = 0;
        if !units.is_null() && max > 0 {
            *units = 0;
        }
    }
    kind
}

/// FsContentGetValueW: field `index` of `path`, written to `out` as its
/// type wants (`maxlen` bytes at most).
///
/// # Safety
/// `path` is a NUL-terminated UTF-16 string; `out` is writable for
/// `maxlen` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn FsContentGetValueW(
    path: *const u16,
    index: i32,
    _unit: i32,
    out: *mut c_void,
    maxlen: i32,
    _flags: i32,
) -> i32 {
    let Some(&(_, kind)) = usize::try_from(index).ok().and_then(|i| FIELDS.get(i)) else { return FT_NOSUCHFIELD };
    // SAFETY: the caller's contract.
    let path = unsafe { crate::exports::wide(path) };
    let st = crate::exports::with_plugin(Err(()), |p: &mut Plugin| p.stat(&path).map_err(|_| ()));
    let Ok(st) = st else { return FT_FILEERROR };
    let max = usize::try_from(maxlen).unwrap_or(0);
    let written = catch_unwind(AssertUnwindSafe(|| {
        match value(&st, index as usize) {
            Some(Value::Number(n)) if kind == FT_NUMERIC_64 && max >= 8 => {
                // SAFETY: `out` holds at least 8 bytes; unaligned write.
                unsafe { out.cast::<i64>().write_unaligned(n) };
                kind
            }
            Some(Value::Number(n)) if kind == FT_NUMERIC_32 && max >= 4 => {
                // SAFETY: as above, 4 bytes.
                unsafe { out.cast::<i32>().write_unaligned(n as i32) };
                kind
            }
            Some(Value::Text(t)) if kind == FT_STRING => {
                let b = t.as_bytes();
                let n = b.len().min(max.saturating_sub(1));
                // SAFETY: `n` bytes and the NUL fit in `max`.
                unsafe {
                    std::ptr::copy_nonoverlapping(b.as_ptr(), out.cast::<u8>(), n);
                    *out.cast::<u8>().add(n) = 0;
                }
                kind
            }
            Some(Value::Text(t)) if kind == FT_STRINGW => {
                let w: Vec<u16> = t.encode_utf16().collect();
                let n = w.len().min((max / 2).saturating_sub(1));
                // SAFETY: `n` units and the NUL fit in `max` bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(w.as_ptr(), out.cast::<u16>(), n);
                    out.cast::<u16>().add(n).write_unaligned(0);
                }
                kind
            }
            Some(Value::Empty) => FT_FIELDEMPTY,
            _ => FT_FILEERROR,
        }
    }));
    written.unwrap_or(FT_FILEERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_ls_shows_them() {
        assert_eq!(mode_text(0o100644), "-rw-r--r--");
        assert_eq!(mode_text(0o040755), "drwxr-xr-x");
        assert_eq!(mode_text(0o104755), "-rwsr-xr-x");
        assert_eq!(mode_text(0o041777), "drwxrwxrwt");
        assert_eq!(mode_text(0o120777), "lrwxrwxrwx");
        assert_eq!(mode_text(0o102644), "-rw-r-Sr--");
    }
}
