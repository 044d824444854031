//! IRP_MN_NOTIFY_CHANGE_DIRECTORY: directory watches and the changes made
//! through this volume that complete them.
//!
//! Windows' rules (FsRtlNotifyFullChangeDirectory's documentation and what
//! Wine's ntdll tests assert for NtNotifyChangeDirectoryFile):
//! - the first request on a handle sets the watch: its filter, whether it
//!   watches the subtree, and the size of the buffer changes wait in while
//!   no request is pending; later requests on the handle wait on it;
//! - a change completes the oldest waiting request with FILE_NOTIFY_INFORMATION
//!   records (names relative to the watched directory, entries 4-aligned,
//!   Information the end of the last name); records that do not fit the
//!   request's buffer (a zero-length one included) complete it with
//!   STATUS_NOTIFY_ENUM_DIR and nothing, and so do changes that overflowed
//!   while nobody waited;
//! - the watching handle's cleanup completes its requests with
//!   STATUS_NOTIFY_CLEANUP; a cancelled request ends with STATUS_CANCELLED.
//!
//! Decided: the changes of one request are delivered together (a rename's
//! old and new name in one completion); a dismount ends every request with
//! STATUS_NOTIFY_CLEANUP. Changes Linux makes by itself (an orphan cleanup,
//! another mount of the same disk) are not reported: only what reaches the
//! volume through its IRPs.

use alloc::vec::Vec;

use fs_glue::nt::*;
use fs_glue::{Handle, NtStatus, Vfs};

use crate::Reply;
use crate::pending::{Finished, Pending};
use crate::vcb::{Ccb, Open, Vcb};

/// What IRP_MN_NOTIFY_CHANGE_DIRECTORY asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotifyRequest {
    /// `CompletionFilter`.
    pub filter: u32,
    /// SL_WATCH_TREE.
    pub watch_tree: bool,
    /// `Length`: the buffer the records go to.
    pub length: usize,
}

/// One directory watch: a handle's.
#[derive(Debug)]
struct Watch {
    ccb: u64,
    /// The watched directory's NT path (`\` for the root).
    dir: Vec<u16>,
    tree: bool,
    filter: u32,
    /// Bytes of records kept while no request waits.
    capacity: usize,
    /// Waiting requests: (token, buffer length), oldest first.
    waiting: Vec<(u64, usize)>,
    /// Changes not yet delivered: (action, name relative to `dir`).
    records: Vec<(u32, Vec<u16>)>,
    /// More changes came than `capacity` holds.
    overflow: bool,
}

/// The volume's directory watches.
#[derive(Debug, Default)]
pub struct Watches {
    list: Vec<Watch>,
}

/// FILE_NOTIFY_INFORMATION records for `records`, if they fit `len` bytes.
fn encode(records: &[(u32, Vec<u16>)], len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for (i, (action, name)) in records.iter().enumerate() {
        let start = out.len();
        let size = 12 + 2 * name.len();
        let next = if i + 1 == records.len() { 0 } else { (size + 3) & !3 };
        out.extend_from_slice(&(next as u32).to_le_bytes());
        out.extend_from_slice(&action.to_le_bytes());
        out.extend_from_slice(&((2 * name.len()) as u32).to_le_bytes());
        out.extend(name.iter().flat_map(|u| u.to_le_bytes()));
        if next != 0 {
            out.resize(start + next, 0);
        }
    }
    (out.len() <= len).then_some(out)
}

/// `path` relative to the watched `dir`, if a change of `path` concerns a
/// watch of `dir` (its own entries, or with `tree` the whole subtree).
fn relative(dir: &[u16], tree: bool, path: &[u16]) -> Option<Vec<u16>> {
    let sep = u16::from(b'\\');
    let rest = if dir == [sep] { path.strip_prefix(&[sep])? } else { path.strip_prefix(dir)?.strip_prefix(&[sep])? };
    (!rest.is_empty() && (tree || !rest.contains(&sep))).then(|| rest.to_vec())
}

impl Watch {
    /// Hands what waits to the oldest waiting request.
    fn deliver(&mut self, finished: &mut Vec<Finished>) {
        if self.records.is_empty() && !self.overflow || self.waiting.is_empty() {
            return;
        }
        let (token, len) = self.waiting.remove(0);
        let data = if self.overflow { None } else { encode(&self.records, len) };
        self.records.clear();
        self.overflow = false;
        finished.push(match data {
            Some(data) => Finished { token, status: NtStatus::SUCCESS, data },
            None => Finished::status(token, NtStatus::NOTIFY_ENUM_DIR),
        });
    }
}

impl<V: Vfs> Vcb<V> {
    /// IRP_MN_NOTIFY_CHANGE_DIRECTORY on `ccb`.
    pub fn notify_change_directory(&mut self, ccb: &Ccb, r: NotifyRequest) -> Pending {
        let now = |s| Pending::Now(Reply::err(s));
        let h = match (self.handle(ccb), ccb.open) {
            (Err(s), _) => return now(s),
            (Ok(Some(h)), Open::File(..)) => h,
            _ => return now(NtStatus::INVALID_PARAMETER),
        };
        if r.filter == 0 || r.filter & !FILE_NOTIFY_VALID_MASK != 0 || self.volume.is_directory(h) != Ok(true) {
            return now(NtStatus::INVALID_PARAMETER);
        }
        let token = self.token();
        let watch = match self.watches.list.iter_mut().find(|w| w.ccb == ccb.id) {
            Some(w) => w,
            None => {
                let dir = match self.volume.name_of(h) {
                    Ok(d) => d,
                    Err(s) => return now(s),
                };
                self.watches.list.push(Watch {
                    ccb: ccb.id,
                    dir,
                    tree: r.watch_tree,
                    filter: r.filter,
                    capacity: r.length,
                    waiting: Vec::new(),
                    records: Vec::new(),
                    overflow: false,
                });
                let Some(w) = self.watches.list.last_mut() else { return now(NtStatus::INSUFFICIENT_RESOURCES) };
                w
            }
        };
        watch.waiting.push((token, r.length));
        // Changes kept while nobody waited go out at once.
        let mut done = Vec::new();
        watch.deliver(&mut done);
        match done.pop() {
            Some(f) => Pending::Output(f.status, f.data),
            None => Pending::Waiting(token),
        }
    }

    /// Whether any directory is watched (the routines skip reporting
    /// otherwise).
    pub(crate) fn watched(&self) -> bool {
        !self.watches.list.is_empty()
    }

    /// Reports a change of `path` (an NT path from the root) to the watches
    /// whose filter has any of `filter`; delivered at the end of the
    /// request ([`Vcb::take_finished`]).
    pub(crate) fn report(&mut self, path: &[u16], action: u32, filter: u32) {
        for w in self.watches.list.iter_mut().filter(|w| w.filter & filter != 0) {
            let Some(name) = relative(&w.dir, w.tree, path) else { continue };
            if w.overflow {
                continue;
            }
            w.records.push((action, name));
            // Kept for nobody yet: bounded by the watch's buffer.
            if w.waiting.is_empty() && encode(&w.records, w.capacity).is_none() {
                w.records.clear();
                w.overflow = true;
            }
        }
    }

    /// Reports a change of the file open as `h`.
    pub(crate) fn report_handle(&mut self, h: Handle, action: u32, filter: u32) {
        if !self.watched() {
            return;
        }
        if let Ok(path) = self.volume.name_of(h) {
            self.report(&path, action, filter);
        }
    }

    /// The writes a file object made past the IRPs (fast I/O), reported at
    /// its cleanup as fastfat reports them (FO_FILE_MODIFIED): the IRP
    /// path reports each write as it comes.
    pub fn report_modified(&mut self, ccb: &Ccb) {
        if let Ok(Some(h)) = self.handle(ccb) {
            self.report_handle(h, FILE_ACTION_MODIFIED, FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_SIZE);
        }
    }

    /// A name was added or removed: the file-name or dir-name filter.
    pub(crate) fn name_filter(is_dir: bool) -> u32 {
        if is_dir { FILE_NOTIFY_CHANGE_DIR_NAME } else { FILE_NOTIFY_CHANGE_FILE_NAME }
    }

    /// Pairs the changes of the request that just ran with waiting
    /// requests (called by [`Vcb::take_finished`]).
    pub(crate) fn deliver_notifications(&mut self) {
        for w in self.watches.list.iter_mut() {
            w.deliver(&mut self.finished);
        }
    }

    /// At CLEANUP of `ccb`: its watch ends, its requests with
    /// STATUS_NOTIFY_CLEANUP.
    pub(crate) fn end_watch(&mut self, ccb: &Ccb) {
        let (id, finished) = (ccb.id, &mut self.finished);
        self.watches.list.retain(|w| {
            if w.ccb != id {
                return true;
            }
            for &(token, _) in &w.waiting {
                finished.push(Finished::status(token, NtStatus::NOTIFY_CLEANUP));
            }
            false
        });
    }

    /// At a dismount: every watch ends.
    pub(crate) fn end_all_watches(&mut self) {
        for w in core::mem::take(&mut self.watches.list) {
            for (token, _) in w.waiting {
                self.finished.push(Finished::status(token, NtStatus::NOTIFY_CLEANUP));
            }
        }
    }

    /// Takes a waiting notification out; whether it was waiting.
    pub(crate) fn cancel_notify_waiter(&mut self, token: u64) -> bool {
        for w in self.watches.list.iter_mut() {
            if let Some(i) = w.waiting.iter().position(|&(t, _)| t == token) {
                w.waiting.remove(i);
                return true;
            }
        }
        false
    }

    /// Requests waiting for a change.
    pub fn waiting_notifications(&self) -> usize {
        self.watches.list.iter().map(|w| w.waiting.len()).sum()
    }
}
