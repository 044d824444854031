//! FsExecuteFile's verbs, as plain logic: "open", "properties" and
//! "chmod NNN" (Double Commander sends it to set a Unix mode).

use fs_glue::names::linux_to_windows;

use crate::plugin::{ADD_IMAGE, Plugin, REMOVE_IMAGE};

/// How the plugin asks the user (the file manager's request callback): a
/// line of text, or yes/no.
pub trait Ask {
    fn text(&mut self, question: &str) -> Option<String>;
    fn yes(&mut self, question: &str) -> bool;
}

/// What the file manager is told to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exec {
    /// Fetch the file and open it itself (FS_EXEC_YOURSELF).
    Yourself,
    /// Go to this plugin path instead: a symlink's folder.
    Symlink(Vec<u16>),
    Ok,
    Error,
}

pub fn execute(p: &mut Plugin, remote: &[u16], verb: &str, ask: &mut dyn Ask) -> Exec {
    let verb = verb.trim();
    let command = String::from_utf16_lossy(remote);
    let command = command.trim_start_matches(['\\', '/']);
    if verb.eq_ignore_ascii_case("open") && command == ADD_IMAGE {
        let Some(path) = ask.text("The image file (or disk) to add:").filter(|p| !p.trim().is_empty()) else {
            return Exec::Ok;
        };
        let read_only = ask.yes("Open it read-only (never written)?");
        return if p.add_image(std::path::Path::new(path.trim()), read_only).is_ok() { Exec::Ok } else { Exec::Error };
    }
    if verb.eq_ignore_ascii_case("open") && command == REMOVE_IMAGE {
        let Some(name) = ask.text("The volume to take off the list (its image is left as it is):") else {
            return Exec::Ok;
        };
        return if p.remove_image(name.trim()).is_ok() { Exec::Ok } else { Exec::Error };
    }
    if verb.eq_ignore_ascii_case("open") {
        return match p.stat(remote) {
            Ok(st) if st.link_is_dir => match st.link.and_then(|t| link_path(remote, &t)) {
                Some(path) => Exec::Symlink(path),
                None => Exec::Error,
            },
            Ok(_) => Exec::Yourself,
            Err(_) => Exec::Error,
        };
    }
    if verb.eq_ignore_ascii_case("properties") {
        // Everything there is to show is in the content fields.
        return Exec::Ok;
    }
    if let Some(mode) = verb.strip_prefix("chmod ").and_then(|m| u32::from_str_radix(m.trim(), 8).ok()) {
        return if p.chmod(remote, mode).is_ok() { Exec::Ok } else { Exec::Error };
    }
    Exec::Error
}

/// The plugin path a symlink at `remote` (`\volume\...\link`) leads to:
/// a relative target from the link's folder, an absolute one from the
/// volume's root (the image's own `/`); `None` if it climbs out of the
/// volume.
fn link_path(remote: &[u16], target: &[u8]) -> Option<Vec<u16>> {
    let sep = |c: &u16| *c == u16::from(b'\\') || *c == u16::from(b'/');
    let mut parts: Vec<Vec<u16>> = remote.split(sep).filter(|p| !p.is_empty()).map(<[u16]>::to_vec).collect();
    parts.first()?;
    parts.pop();
    if target.first() == Some(&b'/') {
        parts.truncate(1);
    }
    for c in target.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".") {
        if c == b".." {
            if parts.len() <= 1 {
                return None;
            }
            parts.pop();
        } else {
            parts.push(linux_to_windows(c));
        }
    }
    let mut out = Vec::new();
    for p in parts {
        out.push(u16::from(b'\\'));
        out.extend_from_slice(&p);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn symlinks_lead_inside_their_volume() {
        assert_eq!(link_path(&w("\\v\\a\\l"), b"b/c"), Some(w("\\v\\a\\b\\c")));
        assert_eq!(link_path(&w("\\v\\a\\l"), b"../x/./y"), Some(w("\\v\\x\\y")));
        assert_eq!(link_path(&w("\\v\\a\\l"), b"/etc"), Some(w("\\v\\etc")));
        assert_eq!(link_path(&w("/v/a/l"), b"../../.."), None);
        // A name Windows cannot show comes back mapped.
        assert_eq!(link_path(&w("\\v\\l"), b"a:b"), Some(w("\\v\\a\u{f03a}b")));
    }
}
