//! Linux user-space ABI of the embedded kernel: syscall numbers (the generic
//! table, `include/uapi/asm-generic/unistd.h`), flags and structures as a
//! 64-bit generic architecture defines them. The `lkl` build checks the
//! numbers against the kernel headers it compiles with.

#![allow(missing_docs)] // the names are Linux's own; see the man pages

/// Syscall numbers.
pub mod nr {
    pub const SETXATTR: i64 = 5;
    pub const LSETXATTR: i64 = 6;
    pub const FSETXATTR: i64 = 7;
    pub const GETXATTR: i64 = 8;
    pub const LGETXATTR: i64 = 9;
    pub const FGETXATTR: i64 = 10;
    pub const LISTXATTR: i64 = 11;
    pub const LLISTXATTR: i64 = 12;
    pub const FLISTXATTR: i64 = 13;
    pub const REMOVEXATTR: i64 = 14;
    pub const LREMOVEXATTR: i64 = 15;
    pub const FREMOVEXATTR: i64 = 16;
    pub const GETCWD: i64 = 17;
    pub const DUP: i64 = 23;
    pub const DUP3: i64 = 24;
    pub const FCNTL: i64 = 25;
    pub const IOCTL: i64 = 29;
    pub const MKNODAT: i64 = 33;
    pub const MKDIRAT: i64 = 34;
    pub const UNLINKAT: i64 = 35;
    pub const SYMLINKAT: i64 = 36;
    pub const LINKAT: i64 = 37;
    pub const UMOUNT2: i64 = 39;
    pub const MOUNT: i64 = 40;
    pub const STATFS: i64 = 43;
    pub const FSTATFS: i64 = 44;
    pub const TRUNCATE: i64 = 45;
    pub const FTRUNCATE: i64 = 46;
    pub const FALLOCATE: i64 = 47;
    pub const FACCESSAT: i64 = 48;
    pub const CHDIR: i64 = 49;
    pub const FCHDIR: i64 = 50;
    pub const FCHMOD: i64 = 52;
    pub const FCHMODAT: i64 = 53;
    pub const FCHOWNAT: i64 = 54;
    pub const FCHOWN: i64 = 55;
    pub const OPENAT: i64 = 56;
    pub const CLOSE: i64 = 57;
    pub const PIPE2: i64 = 59;
    pub const GETDENTS64: i64 = 61;
    pub const LSEEK: i64 = 62;
    pub const READ: i64 = 63;
    pub const WRITE: i64 = 64;
    pub const READV: i64 = 65;
    pub const WRITEV: i64 = 66;
    pub const PREAD64: i64 = 67;
    pub const PWRITE64: i64 = 68;
    pub const SENDFILE: i64 = 71;
    pub const READLINKAT: i64 = 78;
    pub const NEWFSTATAT: i64 = 79;
    pub const FSTAT: i64 = 80;
    pub const SYNC: i64 = 81;
    pub const FSYNC: i64 = 82;
    pub const FDATASYNC: i64 = 83;
    pub const UTIMENSAT: i64 = 88;
    pub const EXIT: i64 = 93;
    pub const NANOSLEEP: i64 = 101;
    pub const CLOCK_GETTIME: i64 = 113;
    pub const KILL: i64 = 129;
    pub const REBOOT: i64 = 142;
    pub const UNAME: i64 = 160;
    pub const UMASK: i64 = 166;
    pub const GETPID: i64 = 172;
    pub const GETTID: i64 = 178;
    pub const SYSINFO: i64 = 179;
    pub const SYNCFS: i64 = 267;
    pub const RENAMEAT2: i64 = 276;
    pub const STATX: i64 = 291;
    /// One past the highest syscall number.
    pub const SYSCALLS: i64 = 451;
}

pub const AT_FDCWD: i32 = -100;
pub const AT_SYMLINK_NOFOLLOW: i32 = 0x100;
pub const AT_REMOVEDIR: i32 = 0x200;
pub const AT_SYMLINK_FOLLOW: i32 = 0x400;
pub const AT_EMPTY_PATH: i32 = 0x1000;

pub const O_RDONLY: i32 = 0;
pub const O_WRONLY: i32 = 1;
pub const O_RDWR: i32 = 2;
pub const O_CREAT: i32 = 0o100;
pub const O_EXCL: i32 = 0o200;
pub const O_NOCTTY: i32 = 0o400;
pub const O_TRUNC: i32 = 0o1000;
pub const O_APPEND: i32 = 0o2000;
pub const O_NONBLOCK: i32 = 0o4000;
pub const O_DIRECTORY: i32 = 0o200000;
pub const O_NOFOLLOW: i32 = 0o400000;
pub const O_CLOEXEC: i32 = 0o2000000;
pub const O_PATH: i32 = 0o10000000;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

pub const SEEK_SET: i32 = 0;
pub const SEEK_CUR: i32 = 1;
pub const SEEK_END: i32 = 2;

pub const RENAME_NOREPLACE: u32 = 1;
pub const RENAME_EXCHANGE: u32 = 2;

pub const MS_RDONLY: u64 = 1;
pub const MS_NOSUID: u64 = 2;
pub const MS_NODEV: u64 = 4;
pub const MS_NOEXEC: u64 = 8;
pub const MS_REMOUNT: u64 = 32;
pub const MNT_FORCE: i32 = 1;
pub const MNT_DETACH: i32 = 2;

pub const FALLOC_FL_KEEP_SIZE: i32 = 1;
pub const FALLOC_FL_PUNCH_HOLE: i32 = 2;

pub const XATTR_CREATE: i32 = 1;
pub const XATTR_REPLACE: i32 = 2;

/// Bytes of the label buffer of the label ioctls (the label plus its NUL).
pub const FSLABEL_MAX: usize = 256;
/// `_IOR(0x94, 49, char[FSLABEL_MAX])`.
pub const FS_IOC_GETFSLABEL: u32 = 0x8100_9431;
/// `_IOW(0x94, 50, char[FSLABEL_MAX])`.
pub const FS_IOC_SETFSLABEL: u32 = 0x4100_9432;

pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

pub const STATX_BASIC_STATS: u32 = 0x7ff;
pub const STATX_BTIME: u32 = 0x800;

pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;

pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;

/// `struct timespec` (64-bit).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// `struct stat` of the generic 64-bit ABI (`asm-generic/stat.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_mode: u32,
    pub st_nlink: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub st_rdev: u64,
    pub __pad1: u64,
    pub st_size: i64,
    pub st_blksize: i32,
    pub __pad2: i32,
    pub st_blocks: i64,
    pub st_atime: i64,
    pub st_atime_nsec: u64,
    pub st_mtime: i64,
    pub st_mtime_nsec: u64,
    pub st_ctime: i64,
    pub st_ctime_nsec: u64,
    pub __unused4: u32,
    pub __unused5: u32,
}

/// `struct statx_timestamp`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub __reserved: i32,
}

/// `struct statx`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub __spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub stx_dio_mem_align: u32,
    pub stx_dio_offset_align: u32,
    pub __spare3: [u64; 12],
}

/// `struct statfs` of the generic 64-bit ABI (`asm-generic/statfs.h`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}

/// `struct sysinfo` of the generic 64-bit ABI (`linux/sysinfo.h`): the
/// kernel's memory, in units of `mem_unit` bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Sysinfo {
    pub uptime: i64,
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub totalhigh: u64,
    pub freehigh: u64,
    pub mem_unit: u32,
    pub _f: [u8; 4],
}

/// The fixed head of `struct linux_dirent64`; the NUL-terminated name follows.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Dirent64Head {
    pub d_ino: u64,
    pub d_off: i64,
    pub d_reclen: u16,
    pub d_type: u8,
}

/// Offset of the name in a `linux_dirent64` record.
pub const DIRENT64_NAME_OFFSET: usize = 19;

/// `struct new_utsname`: six fields of 65 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}

const _: () = assert!(core::mem::size_of::<Stat>() == 128);
const _: () = assert!(core::mem::size_of::<Statx>() == 256);
const _: () = assert!(core::mem::size_of::<Statfs>() == 120);
const _: () = assert!(core::mem::size_of::<Sysinfo>() == 112);
const _: () =
    assert!(core::mem::offset_of!(Sysinfo, totalram) == 32 && core::mem::offset_of!(Sysinfo, mem_unit) == 104);
