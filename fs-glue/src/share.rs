//! The NT share-access rules (what `IoCheckShareAccess` and
//! `IoUpdateShareAccess` implement): an open that reads, writes or deletes
//! must be allowed by every existing open's share mode, and must itself
//! share whatever the existing opens already do.

use crate::NtStatus;
use crate::nt::*;

/// Counts per file, as the FCB's SHARE_ACCESS holds them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ShareAccess {
    pub open_count: u32,
    pub readers: u32,
    pub writers: u32,
    pub deleters: u32,
    pub shared_read: u32,
    pub shared_write: u32,
    pub shared_delete: u32,
}

/// The read/write/delete intent of an access mask.
pub(crate) fn intent(access: u32) -> (bool, bool, bool) {
    (
        access & (FILE_READ_DATA | FILE_EXECUTE) != 0,
        access & (FILE_WRITE_DATA | FILE_APPEND_DATA) != 0,
        access & DELETE != 0,
    )
}

/// Does an open with only these rights take part in share checks at all?
/// Opens for attributes only neither check nor count.
pub(crate) fn participates(access: u32) -> bool {
    let (r, w, d) = intent(access);
    r || w || d
}

impl ShareAccess {
    /// STATUS_SHARING_VIOLATION if an open with `access` and `share` may not
    /// join the existing opens.
    pub fn check(&self, access: u32, share: u32) -> Result<(), NtStatus> {
        if !participates(access) {
            return Ok(());
        }
        let (r, w, d) = intent(access);
        let (sr, sw, sd) =
            (share & FILE_SHARE_READ != 0, share & FILE_SHARE_WRITE != 0, share & FILE_SHARE_DELETE != 0);
        let refused = (r && self.shared_read < self.open_count)
            || (w && self.shared_write < self.open_count)
            || (d && self.shared_delete < self.open_count)
            || (self.readers != 0 && !sr)
            || (self.writers != 0 && !sw)
            || (self.deleters != 0 && !sd);
        if refused { Err(NtStatus::SHARING_VIOLATION) } else { Ok(()) }
    }

    /// Counts an admitted open.
    pub fn add(&mut self, access: u32, share: u32) {
        if !participates(access) {
            return;
        }
        self.apply(access, share, 1);
    }

    /// Uncounts a closed open.
    pub fn remove(&mut self, access: u32, share: u32) {
        if !participates(access) {
            return;
        }
        self.apply(access, share, u32::MAX);
    }

    fn apply(&mut self, access: u32, share: u32, delta: u32) {
        let (r, w, d) = intent(access);
        let add = |x: &mut u32, on: bool| {
            if on {
                *x = x.wrapping_add(delta);
            }
        };
        add(&mut self.open_count, true);
        add(&mut self.readers, r);
        add(&mut self.writers, w);
        add(&mut self.deleters, d);
        add(&mut self.shared_read, share & FILE_SHARE_READ != 0);
        add(&mut self.shared_write, share & FILE_SHARE_WRITE != 0);
        add(&mut self.shared_delete, share & FILE_SHARE_DELETE != 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_rules() {
        let mut s = ShareAccess::default();
        s.check(FILE_READ_DATA, FILE_SHARE_READ).unwrap();
        s.add(FILE_READ_DATA, FILE_SHARE_READ);
        // A writer is refused: the reader did not share write.
        assert_eq!(s.check(FILE_WRITE_DATA, 7), Err(NtStatus::SHARING_VIOLATION));
        // A second reader must share read, since a reader exists.
        assert_eq!(s.check(FILE_READ_DATA, 0), Err(NtStatus::SHARING_VIOLATION));
        s.check(FILE_READ_DATA, FILE_SHARE_READ).unwrap();
        // Attribute-only opens never conflict.
        s.check(FILE_READ_ATTRIBUTES, 0).unwrap();
        s.add(FILE_READ_ATTRIBUTES, 0);
        assert_eq!(s.open_count, 1);
        // Delete needs everyone to share delete.
        assert_eq!(s.check(DELETE, 7), Err(NtStatus::SHARING_VIOLATION));
        s.remove(FILE_READ_DATA, FILE_SHARE_READ);
        assert_eq!(s, ShareAccess::default());
        s.check(DELETE, 0).unwrap();
    }
}
