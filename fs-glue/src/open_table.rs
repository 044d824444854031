//! Open handles and the per-file state they share (the FCB of a Windows
//! file system): share-access counts and the delete disposition.

use crate::dirquery::DirState;
use crate::share::ShareAccess;
use crate::{Access, CreateOptions, Handle, ShareMode};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// What a handle is open on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    /// Opened with FILE_OPEN_REPARSE_POINT: the link itself.
    Symlink,
    /// Device nodes, FIFOs, sockets: opened O_PATH, no data access.
    Other,
}

/// One handle (the CCB).
pub(crate) struct Open<Fd> {
    pub fd: Fd,
    /// Linux path from the volume root, components joined by `/`; empty
    /// for the root.
    pub path: Vec<u8>,
    pub ino: u64,
    pub kind: Kind,
    pub granted: Access,
    pub share: ShareMode,
    pub options: CreateOptions,
    /// FILE_DELETE_ON_CLOSE: marks the file delete-pending at cleanup.
    pub delete_on_close: bool,
    /// FILE_DISPOSITION_POSIX_SEMANTICS delete: unlink at this handle's
    /// cleanup, whoever else still has the file open.
    pub posix_delete: bool,
    /// CurrentByteOffset.
    pub position: u64,
    pub dir: Option<DirState>,
    /// Where a QUERY_EA scan without restart or index goes on (0-based).
    pub ea_position: u32,
}

/// State shared by the handles of one file (keyed by inode number).
#[derive(Default)]
pub(crate) struct Node {
    pub share: ShareAccess,
    /// The file is deleted when its last handle closes; new opens fail.
    pub delete_pending: bool,
    /// Which name goes when the file is deleted.
    pub delete_path: Vec<u8>,
    pub delete_is_dir: bool,
}

pub(crate) struct OpenTable<Fd> {
    slots: Vec<Option<Open<Fd>>>,
    nodes: BTreeMap<u64, Node>,
    count: usize,
}

impl<Fd> OpenTable<Fd> {
    pub fn new() -> Self {
        OpenTable { slots: Vec::new(), nodes: BTreeMap::new(), count: 0 }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn insert(&mut self, o: Open<Fd>) -> Handle {
        self.count += 1;
        if let Some(i) = self.slots.iter().position(|s| s.is_none()) {
            self.slots[i] = Some(o);
            return Handle(i as u32);
        }
        self.slots.push(Some(o));
        Handle((self.slots.len() - 1) as u32)
    }

    pub fn remove(&mut self, h: Handle) -> Option<Open<Fd>> {
        let o = self.slots.get_mut(h.0 as usize)?.take();
        if o.is_some() {
            self.count -= 1;
        }
        o
    }

    pub fn get(&self, h: Handle) -> Option<&Open<Fd>> {
        self.slots.get(h.0 as usize)?.as_ref()
    }

    pub fn get_mut(&mut self, h: Handle) -> Option<&mut Open<Fd>> {
        self.slots.get_mut(h.0 as usize)?.as_mut()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Handle, &Open<Fd>)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|o| (Handle(i as u32), o)))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Open<Fd>> {
        self.slots.iter_mut().filter_map(|s| s.as_mut())
    }

    pub fn node(&self, ino: u64) -> Option<&Node> {
        self.nodes.get(&ino)
    }

    pub fn node_mut(&mut self, ino: u64) -> &mut Node {
        self.nodes.entry(ino).or_default()
    }

    /// Forgets a node no handle refers to (after a refused open).
    pub fn drop_node_if_unused(&mut self, ino: u64) {
        if !self.iter().any(|(_, o)| o.ino == ino) {
            self.nodes.remove(&ino);
        }
    }

    /// Handles open on `path` or below it.
    pub fn any_open_under(&self, path: &[u8], except: Handle) -> bool {
        self.iter().any(|(h, o)| {
            h != except && o.path.len() > path.len() && o.path.starts_with(path) && o.path[path.len()] == b'/'
        })
    }
}

impl<Fd> OpenTable<Fd> {
    pub fn remove_node(&mut self, ino: u64) {
        self.nodes.remove(&ino);
    }
}
