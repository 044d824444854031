//! File names: Linux bytes <-> Windows UTF-16, per path component.
//!
//! Linux names may hold anything but `/` and NUL; Windows names may not
//! hold `\ / : * ? " < > |` or control characters, and must be valid UTF-16.
//! As WSL does, a Linux name character Windows forbids is shown as the
//! private-use character U+F000 + its code. This crate extends that to make
//! every Linux name reachable and the mapping a bijection:
//!
//! - a byte that is not part of valid UTF-8 is shown as U+F000 + byte
//!   (U+F080..U+F0FF);
//! - a Linux name that really contains a character in U+F000..U+F0FF shows
//!   it as its three UTF-8 bytes, each escaped as above, so that no Windows
//!   name maps to two Linux names;
//! - a Windows name is accepted only if mapping the result back gives the
//!   same Windows name (so U+F041, which no Linux name produces, is refused
//!   rather than silently becoming some other file).
//!
//! Names stay `[u16]`/`Vec<u16>` with the conversion written here, not
//! `widestring`'s: its UTF-16 <-> UTF-8 conversions are lossy or fail on
//! exactly the names this bijection must carry.

use crate::NtStatus;
use alloc::vec::Vec;

/// Longest Linux name component, in bytes (`NAME_MAX`).
pub const NAME_MAX: usize = 255;
/// Longest Linux path handed to one syscall, in bytes, without the NUL
/// (`PATH_MAX` - 1).
pub const PATH_MAX: usize = 4095;
/// Base of the private-use range that carries forbidden characters and
/// stray bytes.
pub const PUA_BASE: u32 = 0xF000;

/// Characters a Windows name may not contain but a Linux name may: the
/// ones WSL maps into the private-use range.
pub fn is_forbidden_on_windows(c: u32) -> bool {
    matches!(c, 0x01..=0x1F) || matches!(c, 0x5C | 0x3A | 0x2A | 0x3F | 0x22 | 0x3C | 0x3E | 0x7C)
}

/// A byte value the private-use escape may carry: a forbidden ASCII
/// character or a byte that cannot start/continue ASCII.
fn is_escapable(b: u32) -> bool {
    b >= 0x80 || is_forbidden_on_windows(b)
}

/// Linux name component -> Windows name (UTF-16). Never fails: every Linux
/// name has a Windows spelling.
pub fn linux_to_windows(name: &[u8]) -> Vec<u16> {
    let mut out = Vec::with_capacity(name.len());
    let mut rest = name;
    while !rest.is_empty() {
        match core::str::from_utf8(rest) {
            Ok(s) => {
                push_str(&mut out, s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                // valid_up_to guarantees this prefix is UTF-8.
                push_str(&mut out, core::str::from_utf8(good).unwrap_or(""));
                let n = e.error_len().unwrap_or(bad.len()).max(1);
                for &b in &bad[..n] {
                    out.push((PUA_BASE + b as u32) as u16);
                }
                rest = &bad[n..];
            }
        }
    }
    out
}

fn push_str(out: &mut Vec<u16>, s: &str) {
    for c in s.chars() {
        let v = c as u32;
        if is_forbidden_on_windows(v) {
            out.push((PUA_BASE + v) as u16);
        } else if (PUA_BASE..PUA_BASE + 0x100).contains(&v) {
            let mut b = [0u8; 4];
            for &x in c.encode_utf8(&mut b).as_bytes() {
                out.push((PUA_BASE + x as u32) as u16);
            }
        } else {
            let mut u = [0u16; 2];
            out.extend_from_slice(c.encode_utf16(&mut u));
        }
    }
}

/// Windows name component -> Linux bytes.
///
/// Fails with STATUS_OBJECT_NAME_INVALID for an empty name, `.` or `..`,
/// a lone surrogate, a character Windows forbids, a private-use escape that
/// does not map back to itself, or more than [`NAME_MAX`] bytes.
pub fn windows_to_linux(name: &[u16]) -> Result<Vec<u8>, NtStatus> {
    let mut out = Vec::with_capacity(name.len());
    for c in char::decode_utf16(name.iter().copied()) {
        let c = c.map_err(|_| NtStatus::OBJECT_NAME_INVALID)?;
        let v = c as u32;
        if v == 0 || v == '/' as u32 || is_forbidden_on_windows(v) {
            return Err(NtStatus::OBJECT_NAME_INVALID);
        }
        if (PUA_BASE..PUA_BASE + 0x100).contains(&v) && is_escapable(v - PUA_BASE) {
            out.push((v - PUA_BASE) as u8);
        } else {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
        }
    }
    if out.is_empty() || out == b"." || out == b".." || out.len() > NAME_MAX {
        return Err(NtStatus::OBJECT_NAME_INVALID);
    }
    if linux_to_windows(&out) != name {
        return Err(NtStatus::OBJECT_NAME_INVALID);
    }
    Ok(out)
}

/// Case-insensitive equality of two Windows names, unit by unit as NT's
/// upcase table compares them.
pub fn eq_ignore_case(a: &[u16], b: &[u16]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| crate::wildcard::upcase(x) == crate::wildcard::upcase(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn plain_names_are_unchanged() {
        assert_eq!(linux_to_windows(b"hello.txt"), w("hello.txt"));
        assert_eq!(windows_to_linux(&w("hello.txt")).unwrap(), b"hello.txt");
        assert_eq!(windows_to_linux(&w("Grüße 😀")).unwrap(), "Grüße 😀".as_bytes());
        assert_eq!(linux_to_windows("Grüße 😀".as_bytes()), w("Grüße 😀"));
    }

    #[test]
    fn forbidden_characters_use_the_private_use_range() {
        assert_eq!(linux_to_windows(b"a:b"), vec![0x61, 0xF03A, 0x62]);
        assert_eq!(
            linux_to_windows(b"x\\y*?\"<>|\x01\x1f"),
            vec![0x78, 0xF05C, 0x79, 0xF02A, 0xF03F, 0xF022, 0xF03C, 0xF03E, 0xF07C, 0xF001, 0xF01F]
        );
        assert_eq!(windows_to_linux(&[0x61, 0xF03A, 0x62]).unwrap(), b"a:b");
        for bad in ["a:b", "a*", "a?", "a\"", "a<", "a>", "a|", "a\\b", "a/b", "a\u{1}"] {
            assert_eq!(windows_to_linux(&w(bad)), Err(NtStatus::OBJECT_NAME_INVALID), "{bad}");
        }
    }

    #[test]
    fn invalid_utf8_round_trips() {
        let raw = b"caf\xe9\xff\xc3";
        let win = linux_to_windows(raw);
        assert_eq!(win, vec![0x63, 0x61, 0x66, 0xF0E9, 0xF0FF, 0xF0C3]);
        assert_eq!(windows_to_linux(&win).unwrap(), raw);
    }

    #[test]
    fn real_private_use_characters_round_trip() {
        let raw = "a\u{F03A}b".as_bytes();
        let win = linux_to_windows(raw);
        assert_eq!(win, vec![0x61, 0xF0EF, 0xF080, 0xF0BA, 0x62]);
        assert_eq!(windows_to_linux(&win).unwrap(), raw);
        // U+F041 is not something any Linux name shows as: refused.
        assert_eq!(windows_to_linux(&[0xF041]), Err(NtStatus::OBJECT_NAME_INVALID));
        // Escaped bytes that form valid UTF-8 would come back unescaped: refused.
        assert_eq!(windows_to_linux(&[0xF0C3, 0xF0A9]), Err(NtStatus::OBJECT_NAME_INVALID));
        // Private-use characters outside the escape block pass through.
        assert_eq!(windows_to_linux(&[0xE000]).unwrap(), "\u{E000}".as_bytes());
    }

    #[test]
    fn bad_names() {
        assert_eq!(windows_to_linux(&[0xD800]), Err(NtStatus::OBJECT_NAME_INVALID));
        assert_eq!(windows_to_linux(&[0x61, 0xDC00]), Err(NtStatus::OBJECT_NAME_INVALID));
        assert_eq!(windows_to_linux(&[]), Err(NtStatus::OBJECT_NAME_INVALID));
        assert_eq!(windows_to_linux(&w(".")), Err(NtStatus::OBJECT_NAME_INVALID));
        assert_eq!(windows_to_linux(&w("..")), Err(NtStatus::OBJECT_NAME_INVALID));
        assert_eq!(windows_to_linux(&[0]), Err(NtStatus::OBJECT_NAME_INVALID));
        let max = "x".repeat(255);
        assert!(windows_to_linux(&w(&max)).is_ok());
        assert_eq!(windows_to_linux(&w(&(max + "x"))), Err(NtStatus::OBJECT_NAME_INVALID));
        // 128 two-byte characters are 256 bytes on Linux.
        assert_eq!(windows_to_linux(&w(&"é".repeat(128))), Err(NtStatus::OBJECT_NAME_INVALID));
    }

    #[test]
    fn every_byte_pair_round_trips() {
        for a in 1..=255u8 {
            for b in [b'x', 0x80, 0xC3, 0xA9, 0xEF, b':'] {
                let raw = [a, b];
                if raw.contains(&b'/') || &raw == b".." {
                    continue;
                }
                let win = linux_to_windows(&raw);
                assert_eq!(windows_to_linux(&win).as_deref(), Ok(&raw[..]), "{raw:?}");
            }
        }
    }

    #[test]
    fn case_insensitive_equality() {
        assert!(eq_ignore_case(&w("ReadMe.TXT"), &w("readme.txt")));
        assert!(!eq_ignore_case(&w("a"), &w("b")));
    }
}
