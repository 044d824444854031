//! IRP_MJ_QUERY_INFORMATION and IRP_MJ_SET_INFORMATION.

use alloc::vec::Vec;
use fs_glue::layout::rename;
use fs_glue::nt::{
    FILE_ACTION_ADDED, FILE_ACTION_MODIFIED, FILE_ACTION_RENAMED_NEW_NAME, FILE_ACTION_RENAMED_OLD_NAME,
    FILE_ALLOCATION_INFORMATION, FILE_BASIC_INFORMATION, FILE_END_OF_FILE_INFORMATION, FILE_LINK_INFORMATION,
    FILE_NOTIFY_CHANGE_ATTRIBUTES, FILE_NOTIFY_CHANGE_CREATION, FILE_NOTIFY_CHANGE_LAST_ACCESS,
    FILE_NOTIFY_CHANGE_LAST_WRITE, FILE_NOTIFY_CHANGE_SIZE, FILE_POSITION_INFORMATION,
    FILE_RENAME_IGNORE_READONLY_ATTRIBUTE, FILE_RENAME_INFORMATION, FILE_RENAME_INFORMATION_EX,
    FILE_RENAME_POSIX_SEMANTICS, FILE_RENAME_REPLACE_IF_EXISTS,
};
use fs_glue::{NtStatus, RenameFlags, Vfs};

use crate::Reply;
use crate::vcb::{Ccb, FileRef, Vcb};

/// The directory a rename or link goes to, as the I/O manager resolved it:
/// `Parameters.SetFile.FileObject` (opened with SL_OPEN_TARGET_DIRECTORY)
/// and its `FileName`, cut to the new final component.
pub struct RenameTarget<'a> {
    /// The target directory's CCB.
    pub directory: &'a Ccb,
    /// The new name inside it.
    pub name: &'a [u16],
}

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_QUERY_INFORMATION of `class` into `buf` (the system buffer).
    pub fn query_information(&mut self, f: FileRef<'_>, class: u32, buf: &mut [u8]) -> Reply {
        match self.synced(&f, NtStatus::INVALID_PARAMETER) {
            Ok(h) => self.volume.query_information(h, class, buf).into(),
            Err(s) => Reply::err(s),
        }
    }

    /// IRP_MJ_SET_INFORMATION of `class` from `buf` (the system buffer).
    /// A rename or link with a `target` goes there; without one, the
    /// buffer's name is used as fs-glue reads it (a name in the same
    /// directory, or a full path from the root).
    pub fn set_information(
        &mut self,
        f: FileRef<'_>,
        class: u32,
        buf: &[u8],
        target: Option<RenameTarget<'_>>,
    ) -> Reply {
        self.set_information_with(f, class, buf, target, &mut crate::OwnServices)
    }

    /// [`Vcb::set_information`] with the build's services: with Windows'
    /// cache, the memory manager's checks come first and the cache learns
    /// a new size after (`cache_rules.rs`).
    pub fn set_information_with(
        &mut self,
        f: FileRef<'_>,
        class: u32,
        buf: &[u8],
        target: Option<RenameTarget<'_>>,
        svc: &mut dyn crate::Services,
    ) -> Reply {
        let h = match self.synced(&f, NtStatus::INVALID_PARAMETER) {
            Ok(h) => h,
            Err(s) => return Reply::err(s),
        };
        let file = f.ccb.file();
        if let (Some(file), Some(cache)) = (file, svc.cache())
            && let Err(s) = self.before_set(h, file, class, buf, cache)
        {
            return Reply::err(s);
        }
        let is_rename = matches!(class, FILE_RENAME_INFORMATION | FILE_LINK_INFORMATION | FILE_RENAME_INFORMATION_EX);
        // Names before a rename or link, for change notification.
        let before = if self.watched() { self.volume.name_of(h).ok() } else { None };
        let r = match (is_rename, target) {
            (true, Some(t)) => self.rename_into(h, class, buf, t).map(Some),
            _ => self.volume.set_information(h, class, buf).map(|()| None),
        };
        if let (Ok(full), Some(before)) = (&r, before) {
            self.report_set(h, class, buf, before, full.clone());
        }
        let r = r.map(|_| ());
        if let (true, Some(file), Some(cache)) = (r.is_ok(), file, svc.cache()) {
            self.after_set(h, file, class, cache);
        }
        if r.is_ok()
            && class == FILE_POSITION_INFORMATION
            && let Ok(p) = self.volume.position(h)
        {
            *f.position = p;
        }
        r.into()
    }

    /// Reports what a SET_INFORMATION changed: a rename's old and new name,
    /// a link's new name (`full` when the I/O manager opened its directory,
    /// else the plain name beside the file), times and attributes, the size.
    fn report_set(&mut self, h: fs_glue::Handle, class: u32, buf: &[u8], before: Vec<u16>, full: Option<Vec<u16>>) {
        let is_dir = self.volume.is_directory(h).unwrap_or(false);
        match class {
            FILE_RENAME_INFORMATION | FILE_RENAME_INFORMATION_EX => {
                let Ok(after) = self.volume.name_of(h) else { return };
                if after != before {
                    let f = Self::name_filter(is_dir);
                    self.report(&before, FILE_ACTION_RENAMED_OLD_NAME, f);
                    self.report(&after, FILE_ACTION_RENAMED_NEW_NAME, f);
                }
            }
            FILE_LINK_INFORMATION => {
                let sep = b'\\' as u16;
                let path = full.unwrap_or_else(|| {
                    let len = buf.get(16..20).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes) as usize;
                    let name = buf.get(20..20 + len).unwrap_or(&[]);
                    let parent = before.iter().rposition(|&u| u == sep).unwrap_or(0);
                    let mut p: Vec<u16> = before.get(..parent.max(1)).unwrap_or(&[]).to_vec();
                    if p.last() != Some(&sep) {
                        p.push(sep);
                    }
                    p.extend(name.chunks_exact(2).filter_map(|c| c.try_into().ok()).map(u16::from_le_bytes));
                    p
                });
                self.report(&path, FILE_ACTION_ADDED, Self::name_filter(is_dir));
            }
            FILE_BASIC_INFORMATION => self.report(
                &before,
                FILE_ACTION_MODIFIED,
                FILE_NOTIFY_CHANGE_ATTRIBUTES
                    | FILE_NOTIFY_CHANGE_LAST_WRITE
                    | FILE_NOTIFY_CHANGE_LAST_ACCESS
                    | FILE_NOTIFY_CHANGE_CREATION,
            ),
            FILE_END_OF_FILE_INFORMATION | FILE_ALLOCATION_INFORMATION => {
                self.report(&before, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_SIZE)
            }
            _ => {}
        }
    }

    /// A rename or link into the I/O manager's target directory; the full
    /// new path.
    fn rename_into(
        &mut self,
        h: fs_glue::Handle,
        class: u32,
        buf: &[u8],
        t: RenameTarget<'_>,
    ) -> Result<Vec<u16>, NtStatus> {
        if buf.len() < rename::SIZE {
            return Err(NtStatus::INFO_LENGTH_MISMATCH);
        }
        let first = buf.first().copied().unwrap_or(0);
        let flags = if class == FILE_RENAME_INFORMATION_EX {
            buf.get(..4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes)
        } else if first != 0 {
            FILE_RENAME_REPLACE_IF_EXISTS
        } else {
            0
        };
        let dir = self.file_handle(t.directory, NtStatus::INVALID_PARAMETER)?;
        if !self.volume.is_directory(dir)? {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        let mut full: Vec<u16> = self.volume.name_of(dir)?;
        if full.last() != Some(&(b'\\' as u16)) {
            full.push(b'\\' as u16);
        }
        full.extend_from_slice(t.name);
        let f = RenameFlags {
            replace: flags & FILE_RENAME_REPLACE_IF_EXISTS != 0,
            posix: flags & FILE_RENAME_POSIX_SEMANTICS != 0,
            ignore_readonly: flags & FILE_RENAME_IGNORE_READONLY_ATTRIBUTE != 0,
        };
        if class == FILE_LINK_INFORMATION {
            self.volume.link(h, &full, f)?;
        } else {
            self.volume.rename(h, &full, f)?;
        }
        Ok(full)
    }
}
