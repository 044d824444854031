//! IRP_MJ_QUERY_INFORMATION and IRP_MJ_SET_INFORMATION.

use alloc::vec::Vec;
use fs_glue::layout::rename;
use fs_glue::nt::{
    FILE_LINK_INFORMATION, FILE_POSITION_INFORMATION, FILE_RENAME_IGNORE_READONLY_ATTRIBUTE, FILE_RENAME_INFORMATION,
    FILE_RENAME_INFORMATION_EX, FILE_RENAME_POSIX_SEMANTICS, FILE_RENAME_REPLACE_IF_EXISTS,
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
        let h = match self.synced(&f, NtStatus::INVALID_PARAMETER) {
            Ok(h) => h,
            Err(s) => return Reply::err(s),
        };
        let is_rename = matches!(class, FILE_RENAME_INFORMATION | FILE_LINK_INFORMATION | FILE_RENAME_INFORMATION_EX);
        if let (true, Some(t)) = (is_rename, target) {
            return self.rename_into(h, class, buf, t).into();
        }
        let r = self.volume.set_information(h, class, buf);
        if r.is_ok()
            && class == FILE_POSITION_INFORMATION
            && let Ok(p) = self.volume.position(h)
        {
            *f.position = p;
        }
        r.into()
    }

    fn rename_into(&mut self, h: fs_glue::Handle, class: u32, buf: &[u8], t: RenameTarget<'_>) -> Result<(), NtStatus> {
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
        if class == FILE_LINK_INFORMATION { self.volume.link(h, &full, f) } else { self.volume.rename(h, &full, f) }
    }
}
