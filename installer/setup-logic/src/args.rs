//! The command line, in the conventions Windows setup programs share:
//! `/S` silent, `/D=DIR` the install folder (last, the rest of the line,
//! spaces and all), `/uninstall` (also chosen by the program's own name,
//! `uninstall.exe`), `/?` the help.

/// What the user asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Args {
    /// No questions, no pause at the end; the exit code tells.
    pub silent: bool,
    /// Uninstall instead of install.
    pub uninstall: bool,
    /// The install folder asked for.
    pub dir: Option<String>,
    /// Show the help.
    pub help: bool,
}

/// The help text.
pub const HELP: &str = "\
lklfs-setup [/S] [/D=FOLDER]   install lklfs, or upgrade the installed version
uninstall [/S]                 (uninstall.exe in the install folder) remove it
  /S          silent: ask nothing; the exit code tells how it went
  /D=FOLDER   the install folder (default: %ProgramFiles%\\lklfs); last on the line
  /uninstall  uninstall, whatever the program is called
exit codes: 0 done, 1 failed, 2 bad command line, 3 refused before changing
anything (volumes mounted, the service does not stop)";

/// The arguments (without the program's name); `exe_stem` is the program's
/// file name without `.exe`.
pub fn parse(args: &[String], exe_stem: &str) -> Result<Args, String> {
    let mut a = Args { uninstall: exe_stem.eq_ignore_ascii_case("uninstall"), ..Args::default() };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let lower = arg.to_ascii_lowercase();
        match lower.as_str() {
            "/s" => a.silent = true,
            "/uninstall" => a.uninstall = true,
            "/?" | "/h" | "/help" | "--help" => a.help = true,
            _ if lower.starts_with("/d=") => {
                let mut dir = arg[3..].to_string();
                for more in rest.by_ref() {
                    dir.push(' ');
                    dir.push_str(more);
                }
                let dir = dir.trim().trim_matches('"').to_string();
                if !is_absolute(&dir) {
                    return Err(format!("/D= needs a full path such as C:\\lklfs, not {dir:?}"));
                }
                a.dir = Some(dir);
            }
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }
    if a.uninstall && a.dir.is_some() {
        return Err("/D= is for installing; the uninstaller removes the installed folder".into());
    }
    Ok(a)
}

/// `X:\...`: a drive-letter path (an install folder on a share or a
/// relative one would not survive a restart of the service).
fn is_absolute(dir: &str) -> bool {
    let b = dir.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn forms() {
        assert_eq!(parse(&[], "lklfs-setup").unwrap(), Args::default());
        let a = parse(&args(&["/S", "/D=C:\\Program", "Files\\x"]), "lklfs-setup").unwrap();
        assert!(a.silent && !a.uninstall);
        assert_eq!(a.dir.as_deref(), Some("C:\\Program Files\\x"));
        let a = parse(&args(&["/s"]), "Uninstall").unwrap();
        assert!(a.silent && a.uninstall);
        assert!(parse(&args(&["/uninstall"]), "lklfs-setup").unwrap().uninstall);
        assert!(parse(&args(&["/?"]), "lklfs-setup").unwrap().help);
    }

    #[test]
    fn refusals() {
        assert!(parse(&args(&["/X"]), "lklfs-setup").is_err());
        assert!(parse(&args(&["/D=lklfs"]), "lklfs-setup").is_err());
        assert!(parse(&args(&["/D=\\\\server\\share"]), "lklfs-setup").is_err());
        assert!(parse(&args(&["/D=C:\\x"]), "uninstall").is_err());
    }
}
