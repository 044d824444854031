//! The system PATH (`Session Manager\Environment`, value `Path`): the
//! install folder added once and taken out again, with the rest of the
//! value kept exactly. The value is handled as a whole `String`: a
//! fixed-size buffer is how installers truncate a long PATH.

/// Whether two PATH entries name the same folder: Windows compares paths
/// without regard to case, and a trailing backslash changes nothing.
fn same(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('\\').eq_ignore_ascii_case(b.trim().trim_end_matches('\\'))
}

/// `path` with `dir` appended, or `None` when it is already there.
pub fn add(path: &str, dir: &str) -> Option<String> {
    if path.split(';').any(|e| same(e, dir)) {
        return None;
    }
    let body = path.trim_end_matches(';');
    Some(if body.is_empty() { dir.to_string() } else { format!("{body};{dir}") })
}

/// `path` without `dir` (every copy of it), or `None` when it is not there.
/// Empty entries elsewhere in the value are kept as they were.
pub fn remove(path: &str, dir: &str) -> Option<String> {
    if !path.split(';').any(|e| same(e, dir)) {
        return None;
    }
    Some(path.split(';').filter(|e| !same(e, dir)).collect::<Vec<_>>().join(";"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = r"C:\Program Files\lklfs";

    #[test]
    fn appends_once() {
        let p = r"%SystemRoot%\system32;%SystemRoot%";
        let added = add(p, DIR).unwrap();
        assert_eq!(added, format!("{p};{DIR}"));
        assert_eq!(add(&added, DIR), None);
        assert_eq!(add(&added.to_uppercase(), DIR), None);
        assert_eq!(add(&format!("{p};{DIR}\\"), DIR), None);
        assert_eq!(add(&format!("{p};"), DIR).unwrap(), format!("{p};{DIR}"));
        assert_eq!(add("", DIR).unwrap(), DIR);
    }

    #[test]
    fn removes_only_its_entry() {
        let p = r"C:\a;;C:\Program Files\lklfs-other;%SystemRoot%";
        let added = add(p, DIR).unwrap();
        assert_eq!(remove(&added, DIR).unwrap(), p);
        assert_eq!(remove(p, DIR), None);
        let twice = format!(r"{DIR};C:\a;{DIR}\");
        assert_eq!(remove(&twice, DIR).unwrap(), r"C:\a");
    }

    /// A PATH far past the 1024 and 2048 characters fixed buffers hold
    /// comes back whole.
    #[test]
    fn long_path_is_kept_whole() {
        let long: Vec<String> = (0..400).map(|i| format!(r"C:\Tools\package-number-{i:04}\bin")).collect();
        let p = long.join(";");
        assert!(p.len() > 12_000);
        let added = add(&p, DIR).unwrap();
        assert_eq!(added.len(), p.len() + 1 + DIR.len());
        assert!(added.starts_with(&p));
        assert_eq!(remove(&added, DIR).unwrap(), p);
    }
}
