//! IRP_MJ_CREATE: opens of the volume, of files and directories, and of a
//! rename's target directory.

use fs_glue::nt::{
    FILE_ACTION_ADDED, FILE_ACTION_MODIFIED, FILE_CREATED, FILE_DELETE_ON_CLOSE, FILE_DIRECTORY_FILE,
    FILE_DOES_NOT_EXIST, FILE_EXISTS, FILE_NOTIFY_CHANGE_ATTRIBUTES, FILE_NOTIFY_CHANGE_LAST_WRITE,
    FILE_NOTIFY_CHANGE_SIZE, FILE_OPEN, FILE_OPEN_IF, FILE_OPEN_REPARSE_POINT, FILE_OPENED, FILE_OVERWRITTEN,
    FILE_READ_ATTRIBUTES, FILE_SUPERSEDED,
};
use fs_glue::{CreateParams, Handle, NtStatus, Vfs};

use crate::services::Services;
use crate::vcb::{Ccb, Open, Vcb};

/// The parameters of a create, as the I/O manager passes them.
pub struct Create<'a> {
    /// `FileObject->FileName`: from the root, or relative to `related`.
    pub name: &'a [u16],
    /// `FileObject->RelatedFileObject`'s CCB.
    pub related: Option<&'a Ccb>,
    /// `SecurityContext->DesiredAccess`.
    pub access: u32,
    /// `Parameters.Create.FileAttributes`.
    pub attributes: u32,
    /// `Parameters.Create.ShareAccess`.
    pub share: u32,
    /// The high byte of `Parameters.Create.Options`.
    pub disposition: u32,
    /// The low 24 bits of `Parameters.Create.Options`.
    pub options: u32,
    /// The EaBuffer: `AssociatedIrp.SystemBuffer`, `Parameters.Create.
    /// EaLength` bytes (empty for none).
    pub ea: &'a [u8],
    /// `SL_OPEN_TARGET_DIRECTORY`: open the directory that holds `name`
    /// (the I/O manager's first step of a rename to a full path).
    pub open_target_directory: bool,
}

/// What a create returns.
#[derive(Debug)]
pub struct Created {
    /// The final status.
    pub status: NtStatus,
    /// `IoStatus.Information`: FILE_OPENED, FILE_CREATED, ...
    pub information: u64,
    /// The new file object's CCB on success.
    pub ccb: Option<Ccb>,
    /// For an open of the target directory: how many UTF-16 units at the
    /// end of the name are its final component, which `FileObject->FileName`
    /// must be cut to (the rename that follows reads it there).
    pub final_component: Option<usize>,
    /// With STATUS_REPARSE: the reparse data the I/O manager follows
    /// (`Irp->Tail.Overlay.AuxiliaryBuffer`), its Reserved field the bytes
    /// of `FileObject->FileName` after the link.
    pub reparse: Option<alloc::vec::Vec<u8>>,
}

impl Created {
    fn failed(status: NtStatus) -> Created {
        Created { status, information: 0, ccb: None, final_component: None, reparse: None }
    }
}

const BACKSLASH: u16 = b'\\' as u16;

impl<V: Vfs> Vcb<V> {
    /// IRP_MJ_CREATE. `svc` joins a new file open to the file's Windows
    /// share-access record.
    pub fn create(&mut self, svc: &mut dyn Services, c: &Create<'_>) -> Created {
        if self.dismounted {
            return Created::failed(NtStatus::VOLUME_DISMOUNTED);
        }
        let related = match c.related {
            None => None,
            Some(r) => match self.handle(r) {
                Ok(Some(h)) => Some(h),
                // A relative open needs a directory, not the volume (fastfat
                // answers the same).
                Ok(None) => return Created::failed(NtStatus::INVALID_PARAMETER),
                Err(s) => return Created::failed(s),
            },
        };
        if c.name.is_empty() && related.is_none() {
            return self.open_volume(c);
        }
        // A locked volume admits no other open.
        if self.locked_by.is_some() {
            return Created::failed(NtStatus::ACCESS_DENIED);
        }
        if c.open_target_directory {
            return self.open_target_directory(c, related, svc);
        }
        let p = params(c, related, c.name);
        // With Windows' cache, the memory manager has its say first.
        let overwritten = match svc.cache().map(|cache| self.before_create(&p, cache)) {
            Some(Err(s)) => return Created::failed(s),
            Some(Ok(file)) => file,
            None => None,
        };
        let r = self.volume.create(&p);
        if let Some(h) = r.handle.filter(|_| r.status == NtStatus::SUCCESS) {
            self.report_created(h, r.information);
            if let (Some(file), Some(cache)) = (overwritten, svc.cache())
                && matches!(r.information, FILE_SUPERSEDED | FILE_OVERWRITTEN)
            {
                self.after_overwrite(file, cache);
            }
        }
        self.admit(r.status, r.information, r.handle, None, c.share, svc)
    }

    /// A create that made a file, or replaced one's contents.
    fn report_created(&mut self, h: Handle, information: u64) {
        if !self.watched() {
            return;
        }
        let is_dir = self.volume.is_directory(h).unwrap_or(false);
        match information {
            FILE_CREATED => self.report_handle(h, FILE_ACTION_ADDED, Self::name_filter(is_dir)),
            FILE_SUPERSEDED | FILE_OVERWRITTEN => self.report_handle(
                h,
                FILE_ACTION_MODIFIED,
                FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_ATTRIBUTES,
            ),
            _ => {}
        }
    }

    fn admit(
        &mut self,
        status: NtStatus,
        information: u64,
        h: Option<Handle>,
        last: Option<usize>,
        share: u32,
        svc: &mut dyn Services,
    ) -> Created {
        if status == NtStatus::REPARSE {
            let reparse = self.volume.take_reparse();
            return Created { status, information, ccb: None, final_component: None, reparse };
        }
        let Some(h) = h.filter(|_| status.is_success()) else {
            return Created { status, information, ccb: None, final_component: None, reparse: None };
        };
        let joined = self
            .volume
            .file_id(h)
            .and_then(|id| Ok((id, self.volume.granted_access(h)?)))
            .and_then(|(id, access)| svc.share_open(id, access, share).map(|()| id));
        match joined {
            Ok(id) => {
                self.ccbs += 1;
                Created {
                    status,
                    information,
                    ccb: Some(Ccb { id: self.ccb_id(), open: Open::File(h, id), cleaned_up: false }),
                    final_component: last,
                    reparse: None,
                }
            }
            Err(s) => {
                let _ = self.volume.close(h);
                Created::failed(s)
            }
        }
    }

    /// An open of the volume itself (direct access to the volume, and the
    /// handle the lock and dismount FSCTLs need).
    fn open_volume(&mut self, c: &Create<'_>) -> Created {
        if c.options & FILE_DIRECTORY_FILE != 0 {
            return Created::failed(NtStatus::NOT_A_DIRECTORY);
        }
        if c.options & FILE_DELETE_ON_CLOSE != 0 {
            return Created::failed(NtStatus::CANNOT_DELETE);
        }
        if c.disposition != FILE_OPEN && c.disposition != FILE_OPEN_IF {
            return Created::failed(NtStatus::ACCESS_DENIED);
        }
        if self.locked_by.is_some() {
            return Created::failed(NtStatus::ACCESS_DENIED);
        }
        let id = self.next_volume_id;
        self.next_volume_id = self.next_volume_id.wrapping_add(1);
        self.volume_opens += 1;
        self.ccbs += 1;
        Created {
            status: NtStatus::SUCCESS,
            information: FILE_OPENED,
            ccb: Some(Ccb { id: self.ccb_id(), open: Open::Volume(id), cleaned_up: false }),
            final_component: None,
            reparse: None,
        }
    }

    /// SL_OPEN_TARGET_DIRECTORY: opens the parent of `name` as a directory
    /// with the caller's access, and says in Information whether the final
    /// component exists (FILE_EXISTS) or not (FILE_DOES_NOT_EXIST).
    fn open_target_directory(&mut self, c: &Create<'_>, related: Option<Handle>, svc: &mut dyn Services) -> Created {
        let name = trim_trailing(c.name);
        let cut = name.iter().rposition(|&u| u == BACKSLASH);
        let (parent, last) = match cut {
            Some(i) => {
                let (parent, rest) = name.split_at(i);
                (parent, rest.get(1..).unwrap_or(&[]))
            }
            None => (&[][..], name),
        };
        if last.is_empty() {
            return Created::failed(NtStatus::OBJECT_NAME_INVALID);
        }
        // `\file` has the root as its parent; `file` relative to `related`
        // has `related` itself.
        let root = [BACKSLASH];
        let parent: &[u16] = if parent.is_empty() && cut.is_some() { &root } else { parent };
        let probe = CreateParams {
            related,
            name,
            desired_access: FILE_READ_ATTRIBUTES,
            file_attributes: 0,
            share_access: 7,
            disposition: FILE_OPEN,
            // The existence probe sees a symlink itself.
            options: FILE_OPEN_REPARSE_POINT,
            ea: &[],
        };
        let exists = {
            let r = self.volume.create(&probe);
            if let Some(h) = r.handle {
                let _ = self.volume.close(h);
            }
            r.status.is_success()
        };
        let mut p = params(c, related, parent);
        p.disposition = FILE_OPEN;
        p.options = (c.options | FILE_DIRECTORY_FILE) & !FILE_DELETE_ON_CLOSE;
        let r = self.volume.create(&p);
        // The parent is on the target's path: a missing one, or a file in
        // its place, is a path not found, as on a walk to any name below.
        if matches!(r.status, NtStatus::OBJECT_NAME_NOT_FOUND | NtStatus::NOT_A_DIRECTORY) {
            return Created::failed(NtStatus::OBJECT_PATH_NOT_FOUND);
        }
        let information = if exists { FILE_EXISTS } else { FILE_DOES_NOT_EXIST };
        self.admit(r.status, information, r.handle, Some(last.len()), c.share, svc)
    }
}

fn params<'a>(c: &Create<'a>, related: Option<Handle>, name: &'a [u16]) -> CreateParams<'a> {
    CreateParams {
        related,
        name,
        desired_access: c.access,
        file_attributes: c.attributes,
        share_access: c.share,
        disposition: c.disposition,
        options: c.options,
        ea: c.ea,
    }
}

/// The name without trailing backslashes (but `\` stays the root).
fn trim_trailing(name: &[u16]) -> &[u16] {
    let mut end = name.len();
    while end > 1 && name.get(end - 1) == Some(&BACKSLASH) {
        end -= 1;
    }
    name.get(..end).unwrap_or(name)
}
