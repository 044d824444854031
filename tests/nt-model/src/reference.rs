//! The reference: NT semantics stated directly over an in-memory tree.

use crate::ops::{Op, Outcome};
use fs_glue::NtStatus as S;
use fs_glue::nt::*;
use std::collections::BTreeMap;

#[derive(Debug)]
struct Node {
    dir: bool,
    data: Vec<u8>,
    delete_pending: bool,
    delete_path: String,
}

#[derive(Debug, Clone)]
struct H {
    node: usize,
    path: String,
    access: u32,
    share: u32,
    doc: bool,
    dir: bool,
}

/// The in-memory NT volume.
pub struct Model {
    nodes: Vec<Node>,
    names: BTreeMap<String, usize>,
    handles: Vec<Option<H>>,
    /// Renames to a full path first open the target's directory, as the
    /// I/O manager does before a file system sees the rename (fs-glue
    /// called directly, like Wine's ntdll, does not).
    pub open_rename_targets: bool,
}

fn st(s: S) -> u32 {
    s.0
}

fn reads(a: u32) -> bool {
    a & (FILE_READ_DATA | FILE_EXECUTE) != 0
}
fn writes(a: u32) -> bool {
    a & (FILE_WRITE_DATA | FILE_APPEND_DATA) != 0
}
fn deletes(a: u32) -> bool {
    a & DELETE != 0
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map(|(a, _)| a).unwrap_or("")
}

impl Default for Model {
    /// An empty volume: just the root directory, named "".
    fn default() -> Self {
        let root = Node { dir: true, data: Vec::new(), delete_pending: false, delete_path: String::new() };
        Model {
            nodes: vec![root],
            names: BTreeMap::from([(String::new(), 0)]),
            handles: Vec::new(),
            open_rename_targets: false,
        }
    }
}

impl Model {
    /// Slots holding open handles.
    pub fn handle_slots(&self) -> Vec<usize> {
        self.handles.iter().enumerate().filter(|(_, h)| h.is_some()).map(|(i, _)| i).collect()
    }

    fn children(&self, dir: &str) -> Vec<&String> {
        self.names.keys().filter(|k| parent(k) == dir && !k.is_empty()).collect()
    }

    /// Pairwise share rule: each side must allow what the other does.
    fn share_ok(&self, node: usize, access: u32, share: u32) -> bool {
        let part = |a: u32| reads(a) || writes(a) || deletes(a);
        if !part(access) {
            return true;
        }
        self.handles.iter().flatten().filter(|h| h.node == node && part(h.access)).all(|e| {
            !(reads(access) && e.share & FILE_SHARE_READ == 0
                || writes(access) && e.share & FILE_SHARE_WRITE == 0
                || deletes(access) && e.share & FILE_SHARE_DELETE == 0
                || reads(e.access) && share & FILE_SHARE_READ == 0
                || writes(e.access) && share & FILE_SHARE_WRITE == 0
                || deletes(e.access) && share & FILE_SHARE_DELETE == 0)
        })
    }

    fn insert_handle(&mut self, h: H) -> usize {
        if let Some(i) = self.handles.iter().position(|s| s.is_none()) {
            self.handles[i] = Some(h);
            return i;
        }
        self.handles.push(Some(h));
        self.handles.len() - 1
    }

    fn create(&mut self, name: &str, access: u32, share: u32, disp: u32, opts: u32) -> (S, u64, Option<usize>) {
        let dir_opt = opts & FILE_DIRECTORY_FILE != 0;
        let doc = opts & FILE_DELETE_ON_CLOSE != 0;
        if (dir_opt && (opts & FILE_NON_DIRECTORY_FILE != 0 || !matches!(disp, FILE_CREATE | FILE_OPEN | FILE_OPEN_IF)))
            || (doc && access & DELETE == 0)
        {
            return (S::INVALID_PARAMETER, 0, None);
        }
        let path = name.trim_start_matches('\\').replace('\\', "/");
        let par = parent(&path).to_string();
        if !par.is_empty() && !self.names.get(&par).is_some_and(|&n| self.nodes[n].dir) {
            return (S::OBJECT_PATH_NOT_FOUND, 0, None);
        }
        let overwrite = matches!(disp, FILE_SUPERSEDE | FILE_OVERWRITE | FILE_OVERWRITE_IF);
        if let Some(&node) = self.names.get(&path) {
            let is_dir = self.nodes[node].dir;
            if disp == FILE_CREATE {
                return (S::OBJECT_NAME_COLLISION, FILE_EXISTS, None);
            }
            if dir_opt && !is_dir {
                return (S::NOT_A_DIRECTORY, 0, None);
            }
            if opts & FILE_NON_DIRECTORY_FILE != 0 && is_dir {
                return (S::FILE_IS_A_DIRECTORY, 0, None);
            }
            if overwrite && is_dir {
                return (S::OBJECT_NAME_COLLISION, 0, None);
            }
            if self.nodes[node].delete_pending {
                return (S::DELETE_PENDING, 0, None);
            }
            if doc && is_dir && !self.children(&path).is_empty() {
                return (S::DIRECTORY_NOT_EMPTY, 0, None);
            }
            if !self.share_ok(node, access, share) {
                return (S::SHARING_VIOLATION, 0, None);
            }
            let info = match disp {
                FILE_SUPERSEDE => FILE_SUPERSEDED,
                FILE_OVERWRITE | FILE_OVERWRITE_IF => FILE_OVERWRITTEN,
                _ => FILE_OPENED,
            };
            if overwrite {
                self.nodes[node].data.clear();
            }
            let h = self.insert_handle(H { node, path, access, share, doc, dir: is_dir });
            return (S::SUCCESS, info, Some(h));
        }
        if matches!(disp, FILE_OPEN | FILE_OVERWRITE) {
            return (S::OBJECT_NAME_NOT_FOUND, FILE_DOES_NOT_EXIST, None);
        }
        if !par.is_empty() && self.nodes[self.names[&par]].delete_pending {
            return (S::DELETE_PENDING, 0, None);
        }
        self.nodes.push(Node { dir: dir_opt, data: Vec::new(), delete_pending: false, delete_path: String::new() });
        let node = self.nodes.len() - 1;
        self.names.insert(path.clone(), node);
        let h = self.insert_handle(H { node, path, access, share, doc, dir: dir_opt });
        (S::SUCCESS, FILE_CREATED, Some(h))
    }

    fn close(&mut self, slot: usize) -> S {
        let h = self.handles[slot].take().expect("valid slot");
        if h.doc {
            let n = &mut self.nodes[h.node];
            n.delete_pending = true;
            n.delete_path = h.path.clone();
        }
        let still = self.handles.iter().flatten().any(|x| x.node == h.node);
        if !still && self.nodes[h.node].delete_pending {
            let p = std::mem::take(&mut self.nodes[h.node].delete_path);
            self.nodes[h.node].delete_pending = false;
            if !self.nodes[h.node].dir || self.children(&p).is_empty() {
                self.names.remove(&p);
            }
        }
        S::SUCCESS
    }

    fn rename(&mut self, slot: usize, target: &str, replace: bool) -> S {
        let h = self.handles[slot].clone().expect("valid slot");
        if !deletes(h.access) {
            return S::ACCESS_DENIED;
        }
        let dst = if let Some(full) = target.strip_prefix('\\') {
            full.replace('\\', "/")
        } else {
            let par = parent(&h.path);
            if par.is_empty() { target.to_string() } else { format!("{par}/{target}") }
        };
        let dpar = parent(&dst).to_string();
        if self.open_rename_targets && target.starts_with('\\') {
            // IopOpenLinkOrRenameTarget: the directory, for FILE_WRITE_DATA
            // sharing read and write.
            let Some(&d) = self.names.get(&dpar).filter(|&&n| self.nodes[n].dir) else {
                return S::OBJECT_PATH_NOT_FOUND;
            };
            if self.nodes[d].delete_pending {
                return S::DELETE_PENDING;
            }
            if !self.share_ok(d, FILE_WRITE_DATA | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE) {
                return S::SHARING_VIOLATION;
            }
        }
        if dst == h.path {
            return S::SUCCESS;
        }
        let under =
            |p: &str, base: &str| p.len() > base.len() && p.starts_with(base) && p.as_bytes()[base.len()] == b'/';
        if h.dir && under(&dst, &h.path) {
            return S::INVALID_PARAMETER;
        }
        if h.dir
            && self
                .handles
                .iter()
                .enumerate()
                .any(|(i, x)| i != slot && x.as_ref().is_some_and(|x| under(&x.path, &h.path)))
        {
            return S::ACCESS_DENIED;
        }
        if !dpar.is_empty() && !self.names.get(&dpar).is_some_and(|&n| self.nodes[n].dir) {
            return S::OBJECT_PATH_NOT_FOUND;
        }
        if let Some(&t) = self.names.get(&dst) {
            if !replace {
                return S::OBJECT_NAME_COLLISION;
            }
            if self.nodes[t].dir {
                return S::ACCESS_DENIED;
            }
            if self.handles.iter().flatten().any(|x| x.node == t) {
                return S::ACCESS_DENIED;
            }
            self.names.remove(&dst);
        }
        let moved: Vec<(String, usize)> = self
            .names
            .iter()
            .filter(|(k, _)| **k == h.path || under(k, &h.path))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        for (k, v) in moved {
            self.names.remove(&k);
            self.names.insert(format!("{dst}{}", &k[h.path.len()..]), v);
        }
        for x in self.handles.iter_mut().flatten() {
            if x.path == h.path || under(&x.path, &h.path) {
                x.path = format!("{dst}{}", &x.path[h.path.len()..]);
            }
        }
        for n in &mut self.nodes {
            if n.delete_path == h.path {
                n.delete_path = dst.clone();
            }
        }
        S::SUCCESS
    }

    /// Applies one operation.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        let slot_ok = |s: &Model, h: usize| s.handles.get(h).is_some_and(|x| x.is_some());
        match *op {
            Op::Create { name, access, share, disp, opts } => {
                let (s, info, h) = self.create(name, access, share, disp, opts);
                Outcome::Created(st(s), info, h)
            }
            Op::Write { h, off, len, fill } => {
                if !slot_ok(self, h) {
                    return Outcome::Skipped;
                }
                let x = self.handles[h].clone().unwrap();
                if x.access & FILE_WRITE_DATA == 0 {
                    return Outcome::Status(st(S::ACCESS_DENIED), 0);
                }
                if x.dir {
                    return Outcome::Status(st(S::INVALID_DEVICE_REQUEST), 0);
                }
                let d = &mut self.nodes[x.node].data;
                let end = off as usize + len;
                if d.len() < end {
                    d.resize(end, 0);
                }
                d[off as usize..end].fill(fill);
                Outcome::Status(0, len)
            }
            Op::Read { h, off, len } => {
                if !slot_ok(self, h) {
                    return Outcome::Skipped;
                }
                let x = self.handles[h].clone().unwrap();
                if x.access & FILE_READ_DATA == 0 {
                    return Outcome::Status(st(S::ACCESS_DENIED), 0);
                }
                if x.dir {
                    return Outcome::Status(st(S::INVALID_DEVICE_REQUEST), 0);
                }
                let d = &self.nodes[x.node].data;
                if off as usize >= d.len() {
                    return Outcome::Status(st(S::END_OF_FILE), 0);
                }
                Outcome::Data(d[off as usize..(off as usize + len).min(d.len())].to_vec())
            }
            Op::SetEof { h, size } => {
                if !slot_ok(self, h) {
                    return Outcome::Skipped;
                }
                let x = self.handles[h].clone().unwrap();
                if x.dir {
                    return Outcome::Status(st(S::INVALID_PARAMETER), 0);
                }
                if x.access & FILE_WRITE_DATA == 0 {
                    return Outcome::Status(st(S::ACCESS_DENIED), 0);
                }
                self.nodes[x.node].data.resize(size as usize, 0);
                Outcome::Status(0, 0)
            }
            Op::Rename { h, target, replace } => {
                if !slot_ok(self, h) {
                    return Outcome::Skipped;
                }
                Outcome::Status(st(self.rename(h, target, replace)), 0)
            }
            Op::Dispose { h, delete } => {
                if !slot_ok(self, h) {
                    return Outcome::Skipped;
                }
                let x = self.handles[h].clone().unwrap();
                if !deletes(x.access) {
                    return Outcome::Status(st(S::ACCESS_DENIED), 0);
                }
                if !delete {
                    self.nodes[x.node].delete_pending = false;
                    return Outcome::Status(0, 0);
                }
                if x.dir && !self.children(&x.path).is_empty() {
                    return Outcome::Status(st(S::DIRECTORY_NOT_EMPTY), 0);
                }
                let n = &mut self.nodes[x.node];
                n.delete_pending = true;
                n.delete_path = x.path.clone();
                Outcome::Status(0, 0)
            }
            Op::Close { h } => {
                if !slot_ok(self, h) {
                    return Outcome::Skipped;
                }
                Outcome::Status(st(self.close(h)), 0)
            }
            Op::List { dir, pattern } => {
                let (s, _, h) = self.create(
                    dir,
                    FILE_LIST_DIRECTORY,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    FILE_OPEN,
                    FILE_DIRECTORY_FILE,
                );
                let Some(h) = h else { return Outcome::Listing(Err(st(s))) };
                let path = dir.trim_start_matches('\\').to_string();
                let mut out: Vec<(String, u64, bool)> = Vec::new();
                if !path.is_empty() {
                    out.push((".".into(), 0, true));
                    out.push(("..".into(), 0, true));
                }
                for k in self.children(&path) {
                    let n = &self.nodes[self.names[k]];
                    let leaf = k.rsplit('/').next().unwrap().to_string();
                    out.push((leaf, if n.dir { 0 } else { n.data.len() as u64 }, n.dir));
                }
                out.retain(|(name, _, _)| match pattern {
                    "*" | "<\"*" => true,
                    "a*" => name.starts_with('a'),
                    "?" => name.chars().count() == 1,
                    p => name == p,
                });
                out.sort();
                let r = if out.is_empty() { Err(st(S::NO_SUCH_FILE)) } else { Ok(out) };
                let c = self.close(h);
                assert_eq!(c, S::SUCCESS);
                Outcome::Listing(r)
            }
        }
    }
}
