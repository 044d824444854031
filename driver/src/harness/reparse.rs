//! Test build only: the I/O manager's part of following a symbolic link.
//! A create the file system answers with STATUS_REPARSE and
//! IO_REPARSE_TAG_SYMLINK data goes on with a new name: a relative target
//! replaces the link's last component (`.` and `..` resolved, `..` at the
//! root staying there), an absolute one is taken from the volume's link
//! root (`\??\E:` standing for this volume); the bytes of the name after
//! the link (the data's Reserved field) follow either. A target outside
//! this volume is a path the harness cannot open.

use alloc::vec::Vec;

use fs_glue::layout::reparse::{FLAGS, PATH, RESERVED, SUBST_LEN, SUBST_OFF, TAG};
use fs_glue::nt::{IO_REPARSE_TAG_SYMLINK, SYMLINK_FLAG_RELATIVE};
use nt::NTSTATUS;

/// How many links one create may follow (what Windows allows before
/// STATUS_REPARSE_POINT_NOT_RESOLVED).
pub(super) const MAX_REPARSES: usize = 63;

const BACKSLASH: u16 = b'\\' as u16;
const DOT: u16 = b'.' as u16;

fn u16_at(b: &[u8], off: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes([*b.get(off)?, *b.get(off + 1)?])))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*b.get(off)?, *b.get(off + 1)?, *b.get(off + 2)?, *b.get(off + 3)?]))
}

/// The name a create of `name` (from the root) goes on with after the
/// reparse `data`; `link_root` is the volume's (`\??\E:`).
pub(super) fn follow(name: &[u16], data: &[u8], link_root: &[u16]) -> Result<Vec<u16>, NTSTATUS> {
    let bad = fs_glue::NtStatus::IO_REPARSE_DATA_INVALID.0 as NTSTATUS;
    if u32_at(data, TAG) != Some(IO_REPARSE_TAG_SYMLINK) {
        return Err(bad);
    }
    let unparsed = u16_at(data, RESERVED).ok_or(bad)? / 2;
    let (off, len) = (u16_at(data, SUBST_OFF).ok_or(bad)?, u16_at(data, SUBST_LEN).ok_or(bad)?);
    let subst: Vec<u16> = data
        .get(PATH + off..PATH + off + len)
        .ok_or(bad)?
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]))
        .collect();
    let flags = u32_at(data, FLAGS).ok_or(bad)?;
    let cut = name.len().checked_sub(unparsed).ok_or(bad)?;
    let (link, rest) = name.split_at(cut);
    let mut joined: Vec<u16> = if flags & SYMLINK_FLAG_RELATIVE != 0 {
        let parent = link.iter().rposition(|&u| u == BACKSLASH).and_then(|i| link.get(..i)).unwrap_or(&[]);
        [parent, &[BACKSLASH], &subst].concat()
    } else if !link_root.is_empty() && subst.starts_with(link_root) {
        subst.get(link_root.len()..).unwrap_or(&[]).to_vec()
    } else {
        return Err(fs_glue::NtStatus::OBJECT_PATH_NOT_FOUND.0 as NTSTATUS);
    };
    joined.extend_from_slice(rest);
    Ok(canonical(&joined))
}

/// `\`-separated components with `.` dropped and `..` taking the one
/// before it; a trailing backslash kept.
fn canonical(path: &[u16]) -> Vec<u16> {
    let mut comps: Vec<&[u16]> = Vec::new();
    for c in path.split(|&u| u == BACKSLASH) {
        match c {
            [] | [DOT] => {}
            [DOT, DOT] => {
                comps.pop();
            }
            c => comps.push(c),
        }
    }
    let mut out = Vec::new();
    for c in &comps {
        out.push(BACKSLASH);
        out.extend_from_slice(c);
    }
    if out.is_empty() || (path.last() == Some(&BACKSLASH) && !comps.is_empty()) {
        out.push(BACKSLASH);
    }
    out
}
