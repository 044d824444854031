//! Linux error numbers as one type, shared by every layer.

use core::fmt;

/// A Linux error number (the positive value; syscalls return its negation).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

/// Declares every errno from one list of `NAME = number` pairs, in ascending
/// order: the constants, [`Errno::ALL`] and [`Errno::name`] all come from it,
/// so the three can no longer drift apart.
macro_rules! errnos {
    ($($name:ident = $val:literal),+ $(,)?) => {
        impl Errno {
            $(
                #[doc = concat!("Linux `", stringify!($name), "` (", stringify!($val), ").")]
                pub const $name: Errno = Errno($val);
            )+

            /// Every error number Linux defines for user space, in ascending order.
            pub const ALL: &'static [Errno] = &[$(Errno::$name),+];

            /// The symbolic name (`"ENOENT"`), or `None` for a value Linux does not define.
            pub const fn name(self) -> Option<&'static str> {
                Some(match self.0 {
                    $($val => stringify!($name),)+
                    _ => return None,
                })
            }
        }
    };
}

errnos! {
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    E2BIG = 7,
    ENOEXEC = 8,
    EBADF = 9,
    ECHILD = 10,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    ENOTBLK = 15,
    EBUSY = 16,
    EEXIST = 17,
    EXDEV = 18,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOTTY = 25,
    ETXTBSY = 26,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EROFS = 30,
    EMLINK = 31,
    EPIPE = 32,
    EDOM = 33,
    ERANGE = 34,
    EDEADLK = 35,
    ENAMETOOLONG = 36,
    ENOLCK = 37,
    ENOSYS = 38,
    ENOTEMPTY = 39,
    ELOOP = 40,
    ENOMSG = 42,
    EIDRM = 43,
    ECHRNG = 44,
    EL2NSYNC = 45,
    EL3HLT = 46,
    EL3RST = 47,
    ELNRNG = 48,
    EUNATCH = 49,
    ENOCSI = 50,
    EL2HLT = 51,
    EBADE = 52,
    EBADR = 53,
    EXFULL = 54,
    ENOANO = 55,
    EBADRQC = 56,
    EBADSLT = 57,
    EBFONT = 59,
    ENOSTR = 60,
    ENODATA = 61,
    ETIME = 62,
    ENOSR = 63,
    ENONET = 64,
    ENOPKG = 65,
    EREMOTE = 66,
    ENOLINK = 67,
    EADV = 68,
    ESRMNT = 69,
    ECOMM = 70,
    EPROTO = 71,
    EMULTIHOP = 72,
    EDOTDOT = 73,
    EBADMSG = 74,
    EOVERFLOW = 75,
    ENOTUNIQ = 76,
    EBADFD = 77,
    EREMCHG = 78,
    ELIBACC = 79,
    ELIBBAD = 80,
    ELIBSCN = 81,
    ELIBMAX = 82,
    ELIBEXEC = 83,
    EILSEQ = 84,
    ERESTART = 85,
    ESTRPIPE = 86,
    EUSERS = 87,
    ENOTSOCK = 88,
    EDESTADDRREQ = 89,
    EMSGSIZE = 90,
    EPROTOTYPE = 91,
    ENOPROTOOPT = 92,
    EPROTONOSUPPORT = 93,
    ESOCKTNOSUPPORT = 94,
    EOPNOTSUPP = 95,
    EPFNOSUPPORT = 96,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETDOWN = 100,
    ENETUNREACH = 101,
    ENETRESET = 102,
    ECONNABORTED = 103,
    ECONNRESET = 104,
    ENOBUFS = 105,
    EISCONN = 106,
    ENOTCONN = 107,
    ESHUTDOWN = 108,
    ETOOMANYREFS = 109,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    EHOSTDOWN = 112,
    EHOSTUNREACH = 113,
    EALREADY = 114,
    EINPROGRESS = 115,
    ESTALE = 116,
    EUCLEAN = 117,
    ENOTNAM = 118,
    ENAVAIL = 119,
    EISNAM = 120,
    EREMOTEIO = 121,
    EDQUOT = 122,
    ENOMEDIUM = 123,
    EMEDIUMTYPE = 124,
    ECANCELED = 125,
    ENOKEY = 126,
    EKEYEXPIRED = 127,
    EKEYREVOKED = 128,
    EKEYREJECTED = 129,
    EOWNERDEAD = 130,
    ENOTRECOVERABLE = 131,
    ERFKILL = 132,
    EHWPOISON = 133,
}

impl Errno {
    /// Linux `EWOULDBLOCK`, an alias of `EAGAIN`.
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// Linux `EDEADLOCK`, an alias of `EDEADLK`.
    pub const EDEADLOCK: Errno = Errno::EDEADLK;

    /// Splits a raw syscall return value: negative values in the errno range
    /// are errors, everything else is a result.
    pub const fn from_ret(ret: i64) -> Result<i64, Errno> {
        if ret < 0 && ret >= -4095 { Err(Errno(-ret as i32)) } else { Ok(ret) }
    }

    /// The negative value a syscall returns for this error.
    pub const fn to_ret(self) -> i64 {
        -(self.0 as i64)
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} ({})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl core::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut prev = 0;
        for e in Errno::ALL {
            assert!(e.0 > prev, "{e:?} out of order or repeated");
            prev = e.0;
        }
        // 1..=133 is Linux 6.1's range (EPERM..EHWPOISON); 41 and 58 are unused.
        assert_eq!(Errno::ALL.first(), Some(&Errno::EPERM));
        assert_eq!(Errno::ALL.last(), Some(&Errno(133)));
        assert_eq!(Errno::ALL.len(), 131);
        // A name exists exactly for the listed values, across the whole range
        // from_ret treats as errors.
        for v in 0..=4096 {
            let listed = Errno::ALL.contains(&Errno(v));
            assert_eq!(Errno(v).name().is_some(), listed, "errno {v}");
        }
        assert_eq!(Errno::EHWPOISON.name(), Some("EHWPOISON"));
        assert_eq!(Errno::from_ret(-2), Err(Errno::ENOENT));
        assert_eq!(Errno::from_ret(7), Ok(7));
        assert_eq!(Errno::from_ret(-5000), Ok(-5000));
        assert_eq!(format!("{}", Errno::EIO), "EIO (5)");
    }

    /// The list against Linux's own uapi headers (Debian's linux-libc-dev,
    /// 6.1 like the embedded kernel), when the machine has them: every
    /// numeric `#define E...` there is a constant here with the same value
    /// and name, and nothing here is missing there.
    #[test]
    fn list_matches_linux_uapi_headers() {
        let dir = std::path::Path::new("/usr/include/asm-generic");
        let mut from_headers = Vec::new();
        for file in ["errno-base.h", "errno.h"] {
            let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
                eprintln!("skipped: no {file} under {} (apt install linux-libc-dev)", dir.display());
                return;
            };
            for line in text.lines() {
                let mut words = line.split_whitespace();
                if let (Some("#define"), Some(name), Some(value)) = (words.next(), words.next(), words.next())
                    && let Ok(value) = value.parse::<i32>()
                {
                    from_headers.push((value, name.to_string()));
                }
            }
        }
        from_headers.sort();
        let ours: Vec<(i32, String)> =
            Errno::ALL.iter().map(|e| (e.0, e.name().unwrap_or_default().to_string())).collect();
        assert_eq!(ours, from_headers);
    }
}
