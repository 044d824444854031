//! Directory-query patterns, matched exactly as `FsRtlIsNameInExpression`
//! documents: `*` any run, `?` one character, and the DOS forms the Win32
//! layer produces: DOS_STAR `<` (any run that does not consume the name's
//! last period), DOS_QM `>` (one character, or nothing at a period or at the
//! end of the name), DOS_DOT `"` (a period, or nothing at the end of the
//! name).
//!
//! The matcher runs the expression as an NFA over the name, one set of
//! expression positions per name position: no recursion (the NT kernel stack
//! is small) and time O(expression x name).

use alloc::vec;

/// `DOS_STAR`.
pub const DOS_STAR: u16 = b'<' as u16;
/// `DOS_QM`.
pub const DOS_QM: u16 = b'>' as u16;
/// `DOS_DOT`.
pub const DOS_DOT: u16 = b'"' as u16;
const STAR: u16 = b'*' as u16;
const QM: u16 = b'?' as u16;
const DOT: u16 = b'.' as u16;

/// True if `expr` contains any wildcard, as `FsRtlDoesNameContainWildCards`.
pub fn has_wildcards(expr: &[u16]) -> bool {
    expr.iter().any(|&c| matches!(c, STAR | QM | DOS_STAR | DOS_QM | DOS_DOT))
}

/// Upcases one UTF-16 unit where the upper case is a single BMP unit, the
/// way `RtlUpcaseUnicodeChar` works per unit (surrogates are left alone).
pub fn upcase(u: u16) -> u16 {
    match char::from_u32(u as u32) {
        Some(c) => {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(x), None) if (x as u32) <= 0xFFFF => x as u16,
                _ => u,
            }
        }
        None => u,
    }
}

/// Does `name` match `expr`? With `ignore_case`, both are upcased first
/// (FsRtl requires an already-upcased expression; this does it for you).
pub fn is_name_in_expression(expr: &[u16], name: &[u16], ignore_case: bool) -> bool {
    let fold = |c: u16| if ignore_case { upcase(c) } else { c };
    let elen = expr.len();
    let nlen = name.len();
    // The last period of the name: DOS_STAR may not consume it.
    let last_dot = name.iter().rposition(|&c| c == DOT);

    let mut cur = vec![false; elen + 1];
    let mut next = vec![false; elen + 1];
    cur[0] = true;
    closure(expr, name, 0, &mut cur);
    for n in 0..nlen {
        next.iter_mut().for_each(|s| *s = false);
        let c = name[n];
        let mut any = false;
        for e in 0..elen {
            if !cur[e] {
                continue;
            }
            let target = match expr[e] {
                STAR => Some(e),
                DOS_STAR => (c != DOT || last_dot != Some(n)).then_some(e),
                QM => Some(e + 1),
                DOS_QM => (c != DOT).then_some(e + 1),
                DOS_DOT => (c == DOT).then_some(e + 1),
                x => (fold(x) == fold(c)).then_some(e + 1),
            };
            if let Some(t) = target {
                next[t] = true;
                any = true;
            }
        }
        if !any {
            return false;
        }
        closure(expr, name, n + 1, &mut next);
        core::mem::swap(&mut cur, &mut next);
    }
    cur[elen]
}

/// Adds the expression positions reachable without consuming a character
/// at name position `n`.
fn closure(expr: &[u16], name: &[u16], n: usize, set: &mut [bool]) {
    let at_end = n == name.len();
    let at_dot = !at_end && name[n] == DOT;
    // Epsilon moves only go forward, so one pass in order is a fixpoint.
    for e in 0..expr.len() {
        if !set[e] {
            continue;
        }
        let skip = match expr[e] {
            STAR | DOS_STAR => true,
            DOS_QM => at_end || at_dot,
            DOS_DOT => at_end,
            _ => false,
        };
        if skip {
            set[e + 1] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(expr: &str, name: &str) -> bool {
        let e: Vec<u16> = expr.encode_utf16().collect();
        let n: Vec<u16> = name.encode_utf16().collect();
        is_name_in_expression(&e, &n, false)
    }

    #[test]
    fn star_and_question_mark() {
        assert!(m("*", ""));
        assert!(m("*", "abc"));
        assert!(m("*", "."));
        assert!(m("a*", "a"));
        assert!(m("a*c", "abbbc"));
        assert!(!m("a*c", "abbbd"));
        assert!(m("*.txt", "x.txt"));
        assert!(m("*.txt", "a.b.txt"));
        assert!(!m("*.txt", "txt"));
        assert!(m("?", "a"));
        assert!(!m("?", ""));
        assert!(!m("?", "ab"));
        assert!(m("??", "ab"));
        assert!(!m("a?", "a"), "? never matches the end of the name");
        assert!(m("*.*", "a.b"));
        assert!(!m("*.*", "ab"), "at the NT level *.* needs a period");
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("**a", "a"));
    }

    #[test]
    fn dos_forms() {
        // Win32 turns "*.*" into <"* : it also matches names without a period.
        assert!(m("<\"*", "foo"));
        assert!(m("<\"*", "foo.txt"));
        assert!(m("<\"*", "a.b.c"));
        // "<" alone cannot consume the last period.
        assert!(m("<", "foo"));
        assert!(!m("<", "foo.txt"));
        assert!(!m("<", "a.b.c"));
        assert!(m("<.c", "a.b.c"), "< eats earlier periods");
        assert!(m("<.txt", "x.y.txt"));
        // Win32 "*." becomes <" : names without an extension.
        assert!(m("<\"", "foo"));
        assert!(!m("<\"", "foo.txt"));
        assert!(m("<\"", "foo."));
        // ">" is one character, or nothing at a period or the end.
        assert!(m(">>>", "ab"));
        assert!(m(">>>", "abc"));
        assert!(!m(">>>", "abcd"));
        assert!(m(">>>.txt", "ab.txt"));
        assert!(!m(">>>.txt", "abcd.txt"));
        assert!(!m(">", "."));
        assert!(m(">\"", "a"));
        // DOS_DOT: a period, or nothing at the end of the name.
        assert!(m("a\"", "a"));
        assert!(m("a\"", "a."));
        assert!(!m("a\"", "ab"));
        assert!(m("a\"b", "a.b"));
        assert!(!m("a\"b", "ab"));
        // 8.3 style "????????.???" as Win32 produces it.
        assert!(m(">>>>>>>>\">>>", "readme.txt"));
        assert!(m(">>>>>>>>\">>>", "readme"));
        assert!(!m(">>>>>>>>\">>>", "toolongname.txt"));
    }

    #[test]
    fn case_folding() {
        let e: Vec<u16> = "*.TXT".encode_utf16().collect();
        let n: Vec<u16> = "a.txt".encode_utf16().collect();
        assert!(is_name_in_expression(&e, &n, true));
        assert!(!is_name_in_expression(&e, &n, false));
        let e: Vec<u16> = "ÄB*".encode_utf16().collect();
        let n: Vec<u16> = "äbc".encode_utf16().collect();
        assert!(is_name_in_expression(&e, &n, true));
        assert_eq!(upcase(0xD800), 0xD800);
        assert_eq!(upcase('ß' as u16), 'ß' as u16, "multi-character upper cases stay");
        assert!(has_wildcards(&"a<".encode_utf16().collect::<Vec<_>>()));
        assert!(!has_wildcards(&"abc".encode_utf16().collect::<Vec<_>>()));
    }
}
