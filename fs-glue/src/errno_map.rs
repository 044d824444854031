//! The one errno -> NTSTATUS table.
//!
//! Every Linux errno is either in [`PAIRS`] or named in [`DEFAULTED`]; a test
//! proves the two lists are disjoint and together cover [`Errno::ALL`]. Call
//! sites that know more than the table (ENOENT on a parent directory means
//! STATUS_OBJECT_PATH_NOT_FOUND) decide before falling back to it.

use crate::NtStatus;
use lkl_abi::Errno;

/// Errnos with a meaning on Windows, and the status a Windows file system
/// returns for the same condition.
pub const PAIRS: &[(Errno, NtStatus)] = &[
    (Errno::EPERM, NtStatus::ACCESS_DENIED),
    (Errno::ENOENT, NtStatus::OBJECT_NAME_NOT_FOUND),
    // No signals reach file-system calls in the embedded kernel; an EINTR
    // there means the call was abandoned.
    (Errno::EINTR, NtStatus::CANCELLED),
    (Errno::EIO, NtStatus::IO_DEVICE_ERROR),
    (Errno::ENXIO, NtStatus::NO_SUCH_DEVICE),
    // xattr values and lists too large for the kernel's limits.
    (Errno::E2BIG, NtStatus::INVALID_PARAMETER),
    (Errno::EBADF, NtStatus::INVALID_HANDLE),
    (Errno::EAGAIN, NtStatus::RETRY),
    // File systems report pool exhaustion this way, not STATUS_NO_MEMORY
    // (which is about virtual memory).
    (Errno::ENOMEM, NtStatus::INSUFFICIENT_RESOURCES),
    (Errno::EACCES, NtStatus::ACCESS_DENIED),
    (Errno::EFAULT, NtStatus::INVALID_USER_BUFFER),
    // Mount points and busy directories: Windows refuses the same operations
    // on files that are in use.
    (Errno::EBUSY, NtStatus::SHARING_VIOLATION),
    (Errno::EEXIST, NtStatus::OBJECT_NAME_COLLISION),
    (Errno::EXDEV, NtStatus::NOT_SAME_DEVICE),
    (Errno::ENODEV, NtStatus::NO_SUCH_DEVICE),
    (Errno::ENOTDIR, NtStatus::NOT_A_DIRECTORY),
    (Errno::EISDIR, NtStatus::FILE_IS_A_DIRECTORY),
    (Errno::EINVAL, NtStatus::INVALID_PARAMETER),
    (Errno::ENFILE, NtStatus::TOO_MANY_OPENED_FILES),
    (Errno::EMFILE, NtStatus::TOO_MANY_OPENED_FILES),
    (Errno::ENOTTY, NtStatus::INVALID_DEVICE_REQUEST),
    (Errno::ETXTBSY, NtStatus::SHARING_VIOLATION),
    (Errno::EFBIG, NtStatus::FILE_TOO_LARGE),
    (Errno::ENOSPC, NtStatus::DISK_FULL),
    (Errno::ESPIPE, NtStatus::INVALID_PARAMETER),
    (Errno::EROFS, NtStatus::MEDIA_WRITE_PROTECTED),
    (Errno::EMLINK, NtStatus::TOO_MANY_LINKS),
    (Errno::EPIPE, NtStatus::PIPE_BROKEN),
    // getxattr/listxattr into a buffer that is too small.
    (Errno::ERANGE, NtStatus::BUFFER_TOO_SMALL),
    (Errno::EDEADLK, NtStatus::POSSIBLE_DEADLOCK),
    (Errno::ENAMETOOLONG, NtStatus::NAME_TOO_LONG),
    (Errno::ENOLCK, NtStatus::INSUFFICIENT_RESOURCES),
    (Errno::ENOSYS, NtStatus::NOT_IMPLEMENTED),
    (Errno::ENOTEMPTY, NtStatus::DIRECTORY_NOT_EMPTY),
    (Errno::ELOOP, NtStatus::REPARSE_POINT_NOT_RESOLVED),
    // ENOATTR: the extended attribute does not exist.
    (Errno::ENODATA, NtStatus::NONEXISTENT_EA_ENTRY),
    (Errno::ETIME, NtStatus::IO_TIMEOUT),
    (Errno::EOVERFLOW, NtStatus::INTEGER_OVERFLOW),
    // ext4's EFSBADCRC.
    (Errno::EBADMSG, NtStatus::FILE_CORRUPT_ERROR),
    // A name the file system's encoding (casefold, vfat) rejects.
    (Errno::EILSEQ, NtStatus::OBJECT_NAME_INVALID),
    (Errno::EOPNOTSUPP, NtStatus::NOT_SUPPORTED),
    (Errno::ETIMEDOUT, NtStatus::IO_TIMEOUT),
    (Errno::ESTALE, NtStatus::FILE_INVALID),
    // ext4's EFSCORRUPTED.
    (Errno::EUCLEAN, NtStatus::FILE_CORRUPT_ERROR),
    (Errno::EREMOTEIO, NtStatus::IO_DEVICE_ERROR),
    (Errno::EDQUOT, NtStatus::DISK_QUOTA_EXCEEDED),
    (Errno::ENOMEDIUM, NtStatus::NO_MEDIA_IN_DEVICE),
    (Errno::EMEDIUMTYPE, NtStatus::UNRECOGNIZED_MEDIA),
    (Errno::ECANCELED, NtStatus::CANCELLED),
    // fscrypt: the directory's key is not loaded.
    (Errno::ENOKEY, NtStatus::ACCESS_DENIED),
    (Errno::EHWPOISON, NtStatus::DEVICE_DATA_ERROR),
];

/// Errnos a file-system call has no business returning (process, network,
/// STREAMS, IPC errors). They map to [`DEFAULT`]; naming them here keeps the
/// default a decision, not an accident.
pub const DEFAULTED: &[Errno] = &[
    Errno::ESRCH,
    Errno::ENOEXEC,
    Errno::ECHILD,
    Errno::ENOTBLK,
    Errno::EDOM,
    Errno::ENOMSG,
    Errno::EIDRM,
    Errno::ECHRNG,
    Errno::EL2NSYNC,
    Errno::EL3HLT,
    Errno::EL3RST,
    Errno::ELNRNG,
    Errno::EUNATCH,
    Errno::ENOCSI,
    Errno::EL2HLT,
    Errno::EBADE,
    Errno::EBADR,
    Errno::EXFULL,
    Errno::ENOANO,
    Errno::EBADRQC,
    Errno::EBADSLT,
    Errno::EBFONT,
    Errno::ENOSTR,
    Errno::ENOSR,
    Errno::ENONET,
    Errno::ENOPKG,
    Errno::EREMOTE,
    Errno::ENOLINK,
    Errno::EADV,
    Errno::ESRMNT,
    Errno::ECOMM,
    Errno::EPROTO,
    Errno::EMULTIHOP,
    Errno::EDOTDOT,
    Errno::ENOTUNIQ,
    Errno::EBADFD,
    Errno::EREMCHG,
    Errno::ELIBACC,
    Errno::ELIBBAD,
    Errno::ELIBSCN,
    Errno::ELIBMAX,
    Errno::ELIBEXEC,
    Errno::ERESTART,
    Errno::ESTRPIPE,
    Errno::EUSERS,
    Errno::ENOTSOCK,
    Errno::EDESTADDRREQ,
    Errno::EMSGSIZE,
    Errno::EPROTOTYPE,
    Errno::ENOPROTOOPT,
    Errno::EPROTONOSUPPORT,
    Errno::ESOCKTNOSUPPORT,
    Errno::EPFNOSUPPORT,
    Errno::EAFNOSUPPORT,
    Errno::EADDRINUSE,
    Errno::EADDRNOTAVAIL,
    Errno::ENETDOWN,
    Errno::ENETUNREACH,
    Errno::ENETRESET,
    Errno::ECONNABORTED,
    Errno::ECONNRESET,
    Errno::ENOBUFS,
    Errno::EISCONN,
    Errno::ENOTCONN,
    Errno::ESHUTDOWN,
    Errno::ETOOMANYREFS,
    Errno::ECONNREFUSED,
    Errno::EHOSTDOWN,
    Errno::EHOSTUNREACH,
    Errno::EALREADY,
    Errno::EINPROGRESS,
    Errno::ENOTNAM,
    Errno::ENAVAIL,
    Errno::EISNAM,
    Errno::EKEYEXPIRED,
    Errno::EKEYREVOKED,
    Errno::EKEYREJECTED,
    Errno::EOWNERDEAD,
    Errno::ENOTRECOVERABLE,
    Errno::ERFKILL,
];

/// The status for a defaulted errno and for values Linux does not define.
pub const DEFAULT: NtStatus = NtStatus::UNEXPECTED_IO_ERROR;

/// Maps an errno through [`PAIRS`], or to [`DEFAULT`].
pub fn errno_to_status(e: Errno) -> NtStatus {
    match PAIRS.iter().find(|(k, _)| *k == e) {
        Some((_, s)) => *s,
        None => DEFAULT,
    }
}

impl From<Errno> for NtStatus {
    fn from(e: Errno) -> NtStatus {
        errno_to_status(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_errno_is_mapped_or_named_as_defaulted() {
        for e in Errno::ALL {
            let mapped = PAIRS.iter().filter(|(k, _)| k == e).count();
            let defaulted = DEFAULTED.iter().filter(|k| *k == e).count();
            assert_eq!(mapped + defaulted, 1, "{e:?}: mapped {mapped} times, defaulted {defaulted} times");
        }
        assert_eq!(PAIRS.len() + DEFAULTED.len(), Errno::ALL.len(), "entries outside Errno::ALL");
        for (e, s) in PAIRS {
            assert!(s.is_error(), "{e:?} maps to a non-error {s:?}");
            assert!(s.name().is_some());
        }
        assert_eq!(errno_to_status(Errno::ENOENT), NtStatus::OBJECT_NAME_NOT_FOUND);
        assert_eq!(errno_to_status(Errno::ESRCH), DEFAULT);
        assert_eq!(errno_to_status(Errno(41)), DEFAULT);
        assert_eq!(errno_to_status(Errno(4000)), DEFAULT);
    }
}
