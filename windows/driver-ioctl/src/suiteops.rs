//! Linux's view of a mounted test volume ([`crate::fsops::Op::Linux`], test
//! build only): the semantic suite holds it beside what the IRPs answered,
//! as it does when it calls fs-glue directly.

use alloc::vec::Vec;

/// `Op::Linux` arg0: what to do on the mounted volume's tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinuxOp {
    /// lstat(data): the payload is a [`Stat`] record.
    Lstat = 1,
    /// chmod(data, arg1).
    Chmod = 2,
    /// symlink(target, path): data = path, NUL, target.
    Symlink = 3,
    /// readlink(data): the payload holds the target, information its length.
    Readlink = 4,
    /// statfs of the volume: the payload is a [`StatFs`] record.
    Statfs = 5,
    /// Creates the empty regular file data (O_EXCL).
    MakeFile = 6,
    /// The handles fs-glue holds on the volume: information.
    OpenHandles = 7,
    /// The file system's label (FS_IOC_GETFSLABEL): the payload holds it,
    /// information its length.
    Label = 8,
    /// getxattr: data = path, NUL, name; the payload holds the value,
    /// information its length.
    GetXattr = 9,
    /// setxattr: data = path, NUL, name, NUL, value (the rest).
    SetXattr = 10,
    /// listxattr(data): the payload holds the NUL-separated names,
    /// information their length.
    ListXattr = 11,
}

impl LinuxOp {
    /// The operation of arg0, if it names one.
    pub fn from_u32(v: u32) -> Option<LinuxOp> {
        Some(match v {
            1 => LinuxOp::Lstat,
            2 => LinuxOp::Chmod,
            3 => LinuxOp::Symlink,
            4 => LinuxOp::Readlink,
            5 => LinuxOp::Statfs,
            6 => LinuxOp::MakeFile,
            7 => LinuxOp::OpenHandles,
            8 => LinuxOp::Label,
            9 => LinuxOp::GetXattr,
            10 => LinuxOp::SetXattr,
            11 => LinuxOp::ListXattr,
            _ => return None,
        })
    }
}

/// The reply status of a Linux operation that failed; information is the
/// errno.
pub const LINUX_ERRNO: u32 = 0xC000_0001;

/// The fields of `struct statx` the suite reads, in a fixed record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    /// stx_mask, stx_nlink, stx_uid, stx_gid, stx_mode.
    pub mask: u32,
    /// Link count.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Type and permission bits.
    pub mode: u32,
    /// Inode number.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// 512-byte blocks.
    pub blocks: u64,
    /// atime, btime, ctime, mtime as (seconds, nanoseconds).
    pub times: [(i64, u32); 4],
}

/// Bytes of a [`Stat`] record.
pub const STAT_SIZE: usize = 5 * 4 + 4 + 3 * 8 + 4 * 16;

fn take<const N: usize>(b: &[u8], at: &mut usize) -> [u8; N] {
    let mut a = [0u8; N];
    if let Some(s) = b.get(*at..*at + N) {
        a.copy_from_slice(s);
    }
    *at += N;
    a
}

impl Stat {
    /// Wire bytes.
    pub fn encode(&self) -> [u8; STAT_SIZE] {
        let mut b = [0u8; STAT_SIZE];
        let mut v = Vec::with_capacity(STAT_SIZE);
        for w in [self.mask, self.nlink, self.uid, self.gid, self.mode, 0] {
            v.extend_from_slice(&w.to_le_bytes());
        }
        for w in [self.ino, self.size, self.blocks] {
            v.extend_from_slice(&w.to_le_bytes());
        }
        for (s, ns) in self.times {
            v.extend_from_slice(&s.to_le_bytes());
            v.extend_from_slice(&u64::from(ns).to_le_bytes());
        }
        b.copy_from_slice(&v);
        b
    }

    /// Parses a record (`None` when it is not one).
    pub fn decode(b: &[u8]) -> Option<Stat> {
        if b.len() != STAT_SIZE {
            return None;
        }
        let at = &mut 0;
        let mut w = || u32::from_le_bytes(take(b, at));
        let (mask, nlink, uid, gid, mode, _) = (w(), w(), w(), w(), w(), w());
        let mut q = || u64::from_le_bytes(take(b, at));
        let (ino, size, blocks) = (q(), q(), q());
        let mut times = [(0i64, 0u32); 4];
        for t in &mut times {
            let s = i64::from_le_bytes(take(b, at));
            let ns = u64::from_le_bytes(take(b, at));
            *t = (s, u32::try_from(ns).ok()?);
        }
        Some(Stat { mask, nlink, uid, gid, mode, ino, size, blocks, times })
    }
}

/// The fields of `struct statfs` the suite reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatFs {
    /// Block size.
    pub bsize: i64,
    /// Blocks in all, free, free to users.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Free blocks for unprivileged users.
    pub bavail: u64,
}

/// Bytes of a [`StatFs`] record.
pub const STATFS_SIZE: usize = 32;

impl StatFs {
    /// Wire bytes.
    pub fn encode(&self) -> [u8; STATFS_SIZE] {
        let mut b = [0u8; STATFS_SIZE];
        for (i, w) in [self.bsize as u64, self.blocks, self.bfree, self.bavail].into_iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        b
    }

    /// Parses a record.
    pub fn decode(b: &[u8]) -> Option<StatFs> {
        if b.len() != STATFS_SIZE {
            return None;
        }
        let at = &mut 0;
        let mut q = || u64::from_le_bytes(take(b, at));
        Some(StatFs { bsize: q() as i64, blocks: q(), bfree: q(), bavail: q() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let st = Stat {
            mask: 0x7ff,
            nlink: 2,
            uid: 3,
            gid: 4,
            mode: 0o100644,
            ino: 12,
            size: 1 << 40,
            blocks: 8,
            times: [(1, 2), (-3, 999_999_999), (5, 0), (i64::MAX, 7)],
        };
        assert_eq!(Stat::decode(&st.encode()), Some(st));
        assert_eq!(Stat::decode(&st.encode()[1..]), None);
        let mut bad = st.encode();
        bad[STAT_SIZE - 1] = 1;
        assert_eq!(Stat::decode(&bad), None, "nanoseconds past u32");
        let fs = StatFs { bsize: 4096, blocks: 100, bfree: 50, bavail: 40 };
        assert_eq!(StatFs::decode(&fs.encode()), Some(fs));
        assert_eq!(StatFs::decode(&[0; STATFS_SIZE + 1]), None);
        for v in 1..=11 {
            assert_eq!(LinuxOp::from_u32(v).map(|o| o as u32), Some(v));
        }
        assert_eq!(LinuxOp::from_u32(0), None);
        assert_eq!(LinuxOp::from_u32(12), None);
    }
}
