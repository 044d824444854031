//! The tool's one error type: a kind (which decides the exit code) and a
//! message for the user.

use std::fmt;

use lkl::Errno;

/// What went wrong, as far as the exit code is concerned. Each kind has its
/// own code so scripts can tell them apart; `--help` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Anything not listed below.
    Other,
    /// A path inside the image or on the host does not exist (ENOENT, ENOTDIR).
    NotFound,
    /// The image (or partition) holds no file system the tool knows.
    NotAFileSystem,
    /// The file system is damaged: the mount failed (EUCLEAN, EIO, ...) or
    /// reading it gave a corruption error.
    Corrupt,
    /// The file system is full (ENOSPC, EDQUOT).
    NoSpace,
    /// A write on a read-only image: `--ro`, a write-protected image file,
    /// or a file system the kernel mounts read-only (EROFS).
    ReadOnly,
    /// Another program holds the image's lock (another lklfs).
    InUse,
    /// The host has the image or device mounted.
    MountedOnHost,
    /// A command line clap accepts but the tool cannot use (a bad drive
    /// letter or type).
    #[cfg(windows)]
    Usage,
    /// Windows: the lklfs driver is not running, or the caller may not ask
    /// it (mount, unmount, list).
    #[cfg(windows)]
    NoDriver,
}

impl Kind {
    /// The process exit code (2 is clap's code for a usage error).
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Other => 1,
            Kind::NotFound => 3,
            Kind::NotAFileSystem => 4,
            Kind::Corrupt => 5,
            Kind::NoSpace => 6,
            Kind::ReadOnly => 7,
            Kind::InUse => 8,
            Kind::MountedOnHost => 9,
            #[cfg(windows)]
            Kind::Usage => 2,
            #[cfg(windows)]
            Kind::NoDriver => 10,
        }
    }

    /// The kind an errno from Linux (or from the host) stands for.
    pub fn of_errno(e: Errno) -> Kind {
        match e {
            Errno::ENOENT | Errno::ENOTDIR => Kind::NotFound,
            Errno::ENOSPC | Errno::EDQUOT => Kind::NoSpace,
            Errno::EROFS => Kind::ReadOnly,
            // EUCLEAN is the kernel's EFSCORRUPTED, EBADMSG its EFSBADCRC.
            Errno::EUCLEAN | Errno::EBADMSG | Errno::EIO => Kind::Corrupt,
            _ => Kind::Other,
        }
    }
}

/// Help text for the exit codes (shown by `lklfs --help`).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  other error
  2  usage error
  3  path not found (in the image or on the host)
  4  not a file system (no ext2/3/4, btrfs, xfs or FAT superblock, or --part/--type wrong)
  5  corrupt image (the mount failed or the file system reported damage;
     the kernel's own log lines are shown)
  6  no space left in the file system
  7  read-only (--ro, a write-protected image file, or a read-only mount)
  8  image in use by another lklfs (Windows: or the drive letter is taken,
     or the volume is in use at unmount)
  9  image mounted on the host
 10  Windows: the lklfs driver is not running, or the prompt is not elevated";

/// An error for the user.
#[derive(Debug)]
pub struct Error {
    /// Decides the exit code.
    pub kind: Kind,
    /// What to print after `lklfs: `.
    pub msg: String,
}

impl Error {
    /// An error of `kind`.
    pub fn new(kind: Kind, msg: impl Into<String>) -> Error {
        Error { kind, msg: msg.into() }
    }

    /// `what: description (NAME)` for an errno from Linux.
    pub fn errno(what: impl fmt::Display, e: Errno) -> Error {
        Error::new(Kind::of_errno(e), format!("{what}: {}", describe(e)))
    }

    /// `what: description` for a host I/O error.
    pub fn io(what: impl fmt::Display, e: &std::io::Error) -> Error {
        let kind = match e.raw_os_error() {
            Some(n) => Kind::of_errno(Errno(n)),
            None => Kind::Other,
        };
        Error::new(kind, format!("{what}: {e}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

/// Shorthand used everywhere in the tool.
pub type Result<T> = std::result::Result<T, Error>;

/// Adds context to a kernel errno.
pub trait ErrnoContext<T> {
    /// Turns an errno into an [`Error`] that names `what`.
    fn ctx(self, what: impl fmt::Display) -> Result<T>;
}

impl<T> ErrnoContext<T> for std::result::Result<T, Errno> {
    fn ctx(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::errno(what, e))
    }
}

/// Adds context to a host I/O error.
pub trait IoContext<T> {
    /// Turns an I/O error into an [`Error`] that names `what`.
    fn io_ctx(self, what: impl fmt::Display) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn io_ctx(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::io(what, &e))
    }
}

/// The strerror text of the errnos users meet, with the errno's name.
pub fn describe(e: Errno) -> String {
    let text = match e {
        Errno::EPERM => "Operation not permitted",
        Errno::ENOENT => "No such file or directory",
        Errno::EIO => "Input/output error",
        Errno::ENOMEM => "Cannot allocate memory",
        Errno::EACCES => "Permission denied",
        Errno::EBUSY => "Device or resource busy",
        Errno::EEXIST => "File exists",
        Errno::EXDEV => "Invalid cross-device link",
        Errno::ENODEV => "No such device (file-system type not supported)",
        Errno::ENOTDIR => "Not a directory",
        Errno::EISDIR => "Is a directory",
        Errno::EINVAL => "Invalid argument",
        Errno::EFBIG => "File too large",
        Errno::ENOSPC => "No space left on device",
        Errno::EROFS => "Read-only file system",
        Errno::EMLINK => "Too many links",
        Errno::ENAMETOOLONG => "File name too long",
        Errno::ENOTEMPTY => "Directory not empty",
        Errno::ELOOP => "Too many levels of symbolic links",
        Errno::EBADMSG => "Bad message (checksum error)",
        Errno::EUCLEAN => "Structure needs cleaning (file system corrupt)",
        Errno::EDQUOT => "Disk quota exceeded",
        Errno::EOPNOTSUPP => "Operation not supported",
        _ => "",
    };
    let name = e.name().map(str::to_string).unwrap_or_else(|| format!("errno {}", e.0));
    if text.is_empty() { name } else { format!("{text} ({name})") }
}
