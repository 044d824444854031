//! The NT share-access rules (what `IoCheckShareAccess` and
//! `IoUpdateShareAccess` implement): an open that reads, writes or deletes
//! must be allowed by every existing open's share mode, and must itself
//! share whatever the existing opens already do.

use crate::{Access, NtStatus, ShareMode};

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
pub(crate) fn intent(access: Access) -> (bool, bool, bool) {
    (access.intersects(Access::READ_INTENT), access.intersects(Access::WRITE_INTENT), access.contains(Access::DELETE))
}

/// Does an open with only these rights take part in share checks at all?
/// Opens for attributes only neither check nor count.
pub(crate) fn participates(access: Access) -> bool {
    let (r, w, d) = intent(access);
    r || w || d
}

impl ShareAccess {
    /// STATUS_SHARING_VIOLATION if an open with `access` and `share` may not
    /// join the existing opens.
    pub fn check(&self, access: Access, share: ShareMode) -> Result<(), NtStatus> {
        if !participates(access) {
            return Ok(());
        }
        let (r, w, d) = intent(access);
        let refused = (r && self.shared_read < self.open_count)
            || (w && self.shared_write < self.open_count)
            || (d && self.shared_delete < self.open_count)
            || (self.readers != 0 && !share.contains(ShareMode::READ))
            || (self.writers != 0 && !share.contains(ShareMode::WRITE))
            || (self.deleters != 0 && !share.contains(ShareMode::DELETE));
        if refused { Err(NtStatus::SHARING_VIOLATION) } else { Ok(()) }
    }

    /// Counts an admitted open.
    pub fn add(&mut self, access: Access, share: ShareMode) {
        if !participates(access) {
            return;
        }
        self.apply(access, share, 1);
    }

    /// Uncounts a closed open.
    pub fn remove(&mut self, access: Access, share: ShareMode) {
        if !participates(access) {
            return;
        }
        self.apply(access, share, u32::MAX);
    }

    fn apply(&mut self, access: Access, share: ShareMode, delta: u32) {
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
        add(&mut self.shared_read, share.contains(ShareMode::READ));
        add(&mut self.shared_write, share.contains(ShareMode::WRITE));
        add(&mut self.shared_delete, share.contains(ShareMode::DELETE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_rules() {
        let mut s = ShareAccess::default();
        let all = ShareMode::all();
        let none = ShareMode::empty();
        s.check(Access::READ_DATA, ShareMode::READ).unwrap();
        s.add(Access::READ_DATA, ShareMode::READ);
        // A writer is refused: the reader did not share write.
        assert_eq!(s.check(Access::WRITE_DATA, all), Err(NtStatus::SHARING_VIOLATION));
        // A second reader must share read, since a reader exists.
        assert_eq!(s.check(Access::READ_DATA, none), Err(NtStatus::SHARING_VIOLATION));
        s.check(Access::READ_DATA, ShareMode::READ).unwrap();
        // Attribute-only opens never conflict.
        s.check(Access::READ_ATTRIBUTES, none).unwrap();
        s.add(Access::READ_ATTRIBUTES, none);
        assert_eq!(s.open_count, 1);
        // Delete needs everyone to share delete.
        assert_eq!(s.check(Access::DELETE, all), Err(NtStatus::SHARING_VIOLATION));
        s.remove(Access::READ_DATA, ShareMode::READ);
        assert_eq!(s, ShareAccess::default());
        s.check(Access::DELETE, none).unwrap();
    }
}
