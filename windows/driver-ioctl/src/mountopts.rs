//! The mount options of a volume that are the user's to choose (the Mount
//! request's data; `lklfs.exe mount` will send the same): case rules,
//! hidden dot files, the owner and mode of new files, where absolute
//! symlinks point. The volume's identity (label, UUID) is the disk's.

use alloc::vec::Vec;

/// Mount data flag: look names up ignoring case.
pub const OPT_CASE_INSENSITIVE: u32 = 1;
/// Mount data flag: names starting with `.` are hidden.
pub const OPT_HIDE_DOT_FILES: u32 = 2;
/// Mount data flag: `uid` is given.
pub const OPT_UID: u32 = 4;
/// Mount data flag: `gid` is given.
pub const OPT_GID: u32 = 8;
const OPT_ALL: u32 = OPT_CASE_INSENSITIVE | OPT_HIDE_DOT_FILES | OPT_UID | OPT_GID;
/// Bytes of the fixed part of the mount data.
pub const SETTINGS_FIXED: usize = 16;
/// Longest link root (UTF-16 units).
pub const LINK_ROOT_MAX: usize = 260;

/// The user's mount options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountSettings {
    /// `OPT_*` flags.
    pub flags: u32,
    /// Owner of new files (with [`OPT_UID`]).
    pub uid: u32,
    /// Group of new files (with [`OPT_GID`]).
    pub gid: u32,
    /// Permission bits removed from new files and directories.
    pub umask: u32,
    /// NT path that Linux `/` stands for in absolute symlink targets.
    pub link_root: Vec<u16>,
}

impl MountSettings {
    /// Wire bytes: flags, uid, gid, umask (u32 each), then the link root
    /// as UTF-16LE.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(SETTINGS_FIXED + 2 * self.link_root.len());
        for v in [self.flags, self.uid, self.gid, self.umask] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend(self.link_root.iter().flat_map(|u| u.to_le_bytes()));
        b
    }

    /// Parses and validates mount data: known flags, a umask of
    /// permission bits, a bounded link root.
    pub fn decode(b: &[u8]) -> Option<MountSettings> {
        let fixed = b.get(..SETTINGS_FIXED)?;
        let word = |i: usize| u32::from_le_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        let rest = &b[SETTINGS_FIXED..];
        let s = MountSettings {
            flags: word(0),
            uid: word(4),
            gid: word(8),
            umask: word(12),
            link_root: rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect(),
        };
        let valid = s.flags & !OPT_ALL == 0
            && s.umask & !0o777 == 0
            && rest.len().is_multiple_of(2)
            && s.link_root.len() <= LINK_ROOT_MAX;
        valid.then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_validation() {
        let s = MountSettings {
            flags: OPT_CASE_INSENSITIVE | OPT_UID,
            uid: 1234,
            gid: 0,
            umask: 0o027,
            link_root: "\\??\\E:".encode_utf16().collect(),
        };
        assert_eq!(MountSettings::decode(&s.encode()), Some(s.clone()));
        assert_eq!(MountSettings::decode(&MountSettings::default().encode()), Some(MountSettings::default()));
        assert_eq!(MountSettings::decode(&[0; SETTINGS_FIXED - 1]), None, "short");
        let mut odd = s.encode();
        odd.push(0);
        assert_eq!(MountSettings::decode(&odd), None, "half a unit");
        assert_eq!(MountSettings::decode(&MountSettings { flags: 16, ..s.clone() }.encode()), None, "flag");
        assert_eq!(MountSettings::decode(&MountSettings { umask: 0o1000, ..s.clone() }.encode()), None, "umask");
        let long = MountSettings { link_root: alloc::vec![b'x' as u16; LINK_ROOT_MAX + 1], ..s };
        assert_eq!(MountSettings::decode(&long.encode()), None, "link root");
    }
}
