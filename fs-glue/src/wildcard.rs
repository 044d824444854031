//! Directory-query patterns, matched as Windows' `FsRtlIsNameInExpression`
//! does: `*` any run, `?` one character, and the DOS forms the Win32 layer
//! produces: DOS_STAR `<` (any run "until encountering and matching the final
//! `.`": it may take the name's last period as its last character, never a
//! character after it), DOS_QM `>` (one character, or nothing at a period or
//! at the end of the name), DOS_DOT `"` (a period, or nothing at the end of
//! the name). An empty name matches only the empty expression (`*` does not
//! match it). The unit tests hold vectors checked on Windows (ReactOS's
//! kernel-mode tests of FsRtlIsNameInExpression ran them there).
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
    if name.is_empty() {
        return expr.is_empty();
    }
    let elen = expr.len();
    let nlen = name.len();
    // The last period of the name: DOS_STAR may take it, not what follows.
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
                DOS_STAR => last_dot.is_none_or(|d| n <= d).then_some(e),
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
        assert!(!m("*", ""), "an empty name matches only the empty expression");
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
        assert!(m("<", "foo."), "< may take the final period itself");
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

    /// Facts checked on Windows: each (expression, name, ignore case,
    /// FsRtlIsNameInExpression's answer) was run against the real routine by
    /// ReactOS's kernel-mode test suite; the cases here are chosen from those
    /// facts to cover each rule (with `ignore_case` the expression is already
    /// upper case, as the routine requires).
    #[test]
    fn windows_vectors() {
        let facts: &[(&str, &str, bool, bool)] = &[
            // Empty names and expressions.
            ("", "", false, true),
            ("", "x", false, false),
            ("*", "", false, false),
            ("**", "", false, false),
            (".*", "", false, false),
            ("*?", "", false, false),
            // * and ?.
            ("**", "x", false, true),
            ("*", ".", false, true),
            ("*", "..", false, true),
            ("*?", "x", false, true),
            ("?*?", "x", false, false),
            ("?*?", "xy", false, true),
            ("ker??l.???", "kernel.sys", false, true),
            ("x*z", "xyyz", false, true),
            ("x*z", "xz", false, true),
            ("x*z", "xyz1", false, false),
            (".*", ".", false, true),
            (".*", ".cfg", false, true),
            (".*", "a.cfg", false, false),
            ("*.b.c", "a.x.b.c", false, true),
            ("p.q.??.r", "p.q.s.r", false, false),
            ("p.q.*??.r", "p.q.st.r", false, true),
            ("p.q.*??.r", "p.q.s.r", false, false),
            ("*?*?*?*", "9.8.7.6", false, true),
            ("*k*kl*klm", "kklkklmnknkllklm", false, true),
            // A plain period matches only a period.
            ("G1_*.*", "G1_", false, false),
            ("G1_*.*", "G1_.", false, true),
            ("G1_*.*", "G1_042", false, false),
            ("G1_*.*", "G1_042.", false, true),
            ("G1_*.*", "g1_042.dat", true, true),
            ("G1_*.", "G1_042", false, false),
            ("G1_*.", "G1_042.", false, true),
            ("G1_*.", "G1_042.dat", true, false),
            // DOS_STAR: up to and including the final period, never past it.
            ("cd<bin", "cdxy.bin", false, true),
            ("cd<bin", "cd.bin", false, true),
            ("cd<bin", "cdxybin", false, true),
            ("cd<bin", "cxy.bin", false, false),
            ("c.d<bin", "c.dxy.bin", false, true),
            ("c<d.bin", "c.dxy.bin", false, false),
            ("<.bin", "tool.bin", false, true),
            ("<.BIN", "tool.bin", true, true),
            ("G1_<\"*", "G1_", false, true),
            ("G1_<\"*", "G1_.", false, true),
            ("G1_<\"*", "G1_042", false, true),
            ("G1_<\"*", "g1_042", false, false),
            ("G1_<\"*", "g1_042", true, true),
            ("G1_<\"*", "G1_042.dat", false, true),
            ("G1_<\"*", "..", false, false),
            // DOS_QM: one character, or nothing at a period or the end.
            ("c>e.bin", "cde.bin", false, true),
            ("c>e.bin", "ce.bin", false, false),
            ("c>>>bin", "cde.bin", false, false),
            // DOS_DOT: a period, or nothing past the end.
            ("\"kernel.sys", "kernel.sys", false, false),
            ("kernel\"sys", "kernel.sys", false, true),
            ("kerne\".sys", "kernel.sys", false, false),
            ("kernel.\"sys", "kernel.sys", false, false),
            ("kernel.sys\"", "kernel.sys", false, true),
        ];
        for &(expr, name, ignore_case, want) in facts {
            let e: Vec<u16> = expr.encode_utf16().collect();
            let n: Vec<u16> = name.encode_utf16().collect();
            assert_eq!(is_name_in_expression(&e, &n, ignore_case), want, "{expr:?} against {name:?}");
        }
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
