//! A recording fake of Windows' Cache Manager and memory manager for the
//! common routines' tests: it keeps its own 4 KiB pages of each file,
//! fills them through the file system's pager as CcCopyRead's page faults
//! do, writes dirty ones back through it on a flush and on the last
//! uninitialize (the lazy writer's last pass while it still holds a file
//! object), drops them on purge and truncation, and records every call.
//! The tests set which files have a mapped view or an image in use. Built
//! for the tests and, with the `fake` feature, for the layering benchmark
//! (`examples/cachebench.rs`).

// Test support, never built into the driver (which has no `fake`): its
// indexing stays within the pages it made.
#![allow(clippy::indexing_slicing)]

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

use fs_glue::NtStatus;

use crate::Services;
use crate::cache::{CacheManager, FileSizes, Pager};

const PAGE: u64 = 4096;
/// Pages one transfer of the fake moves at most (64 KiB).
const CLUSTER: u64 = 16;

/// One call the common routines made, or one page the fake moved.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // each variant is the call of its name, its fields the call's arguments
pub enum Call {
    Initialize {
        fo: u64,
        file: u64,
        size: u64,
    },
    CopyRead {
        fo: u64,
        offset: u64,
        len: usize,
    },
    CopyWrite {
        fo: u64,
        offset: u64,
        len: usize,
    },
    MdlRead {
        fo: u64,
        offset: u64,
        len: usize,
    },
    PrepareMdlWrite {
        fo: u64,
        offset: u64,
        len: usize,
    },
    SetFileSizes {
        file: u64,
        size: u64,
    },
    Flush {
        file: u64,
        range: Option<(u64, u64)>,
    },
    Purge {
        file: u64,
        range: Option<(u64, u64)>,
    },
    Uninitialize {
        fo: u64,
        truncate: Option<u64>,
    },
    CanBeTruncated {
        file: u64,
        size: u64,
    },
    FlushImage {
        file: u64,
        for_delete: bool,
    },
    /// The pager asked for pages (CcCopyRead's or CcCopyWrite's fault,
    /// with read-ahead): `len` bytes at `offset`.
    PageIn {
        offset: u64,
        len: u64,
    },
    /// A run of dirty pages written through the pager.
    PageOut {
        offset: u64,
        len: u64,
    },
}

#[derive(Default)]
struct File {
    size: u64,
    /// Page number -> (bytes, dirty).
    pages: BTreeMap<u64, (Vec<u8>, bool)>,
}

/// The fake: its pages, its cache maps and the calls it saw.
#[derive(Default)]
pub struct RecordingCache {
    /// Every call and page move, in order.
    pub calls: Vec<Call>,
    maps: BTreeMap<u64, u64>,
    files: BTreeMap<u64, File>,
    /// Files with a mapped view (MmCanFileBeTruncated says no).
    pub mapped: BTreeSet<u64>,
    /// Files with an image section in use (MmFlushImageSection says no).
    pub images: BTreeSet<u64>,
}

impl RecordingCache {
    /// The bytes of the pages it holds now (the benchmark's memory figure).
    pub fn resident_bytes(&self) -> usize {
        self.files.values().map(|f| f.pages.len()).sum::<usize>() * PAGE as usize
    }
}

/// The pages `offset..offset + len` touch.
fn pages(offset: u64, len: u64) -> core::ops::Range<u64> {
    offset / PAGE..(offset + len).div_ceil(PAGE)
}

/// `len` bytes at `offset` page by page: (page, where in it, where in the
/// transfer, how many bytes).
fn spans(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize, usize)> {
    let mut done = 0usize;
    core::iter::from_fn(move || {
        (done < len).then(|| {
            let at = offset + done as u64;
            let within = (at % PAGE) as usize;
            let take = (PAGE as usize - within).min(len - done);
            let span = (at / PAGE, within, done, take);
            done += take;
            span
        })
    })
}

fn overlaps(page: u64, range: Option<(u64, u64)>) -> bool {
    range.is_none_or(|(at, len)| pages(at, len).contains(&page))
}

impl RecordingCache {
    /// The page, read in through the pager when the cache lacks it, with
    /// the uncached pages after it up to a [`CLUSTER`] and the end of the
    /// file (the Cache Manager's fault clustering and read-ahead).
    fn page<'a>(
        calls: &mut Vec<Call>,
        file: &'a mut File,
        n: u64,
        pager: &mut dyn Pager,
    ) -> Result<&'a mut (Vec<u8>, bool), NtStatus> {
        if !file.pages.contains_key(&n) {
            let last = file.size.div_ceil(PAGE).max(n + 1);
            let mut end = n + 1;
            while end < (n + CLUSTER).min(last) && !file.pages.contains_key(&end) {
                end += 1;
            }
            let mut b = vec![0u8; ((end - n) * PAGE) as usize];
            calls.push(Call::PageIn { offset: n * PAGE, len: (end - n) * PAGE });
            pager.page_in(n * PAGE, &mut b)?;
            for (i, c) in b.chunks_exact(PAGE as usize).enumerate() {
                file.pages.insert(n + i as u64, (c.to_vec(), false));
            }
        }
        file.pages.get_mut(&n).ok_or(NtStatus::UNSUCCESSFUL)
    }

    /// Writes the dirty pages in `range` through the pager, runs of
    /// adjacent pages together up to a [`CLUSTER`] (as the lazy writer
    /// and CcFlushCache write).
    fn write_back(
        calls: &mut Vec<Call>,
        file: &mut File,
        range: Option<(u64, u64)>,
        pager: &mut dyn Pager,
    ) -> Result<(), NtStatus> {
        let dirty: Vec<u64> = file.pages.iter().filter(|(n, p)| p.1 && overlaps(**n, range)).map(|(n, _)| *n).collect();
        let mut i = 0;
        while i < dirty.len() {
            let start = dirty[i];
            let mut j = i + 1;
            while j < dirty.len() && dirty[j] == dirty[j - 1] + 1 && dirty[j] - start < CLUSTER {
                j += 1;
            }
            let mut run = Vec::with_capacity((j - i) * PAGE as usize);
            for n in &dirty[i..j] {
                if let Some(p) = file.pages.get(n) {
                    run.extend_from_slice(&p.0);
                }
            }
            calls.push(Call::PageOut { offset: start * PAGE, len: run.len() as u64 });
            pager.page_out(start * PAGE, &run)?;
            for n in &dirty[i..j] {
                if let Some(p) = file.pages.get_mut(n) {
                    p.1 = false;
                }
            }
            i = j;
        }
        Ok(())
    }

    fn file_of(&mut self, fo: u64) -> Result<(u64, &mut File), NtStatus> {
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        Ok((file, self.files.entry(file).or_default()))
    }

    /// The bytes the cache holds for `file` at `offset` (dirty or not).
    pub fn cached(&self, file: u64, offset: u64) -> Option<u8> {
        let f = self.files.get(&file)?;
        f.pages.get(&(offset / PAGE)).map(|(b, _)| b[(offset % PAGE) as usize])
    }

    /// Whether any page of `file` is dirty.
    pub fn dirty(&self, file: u64) -> bool {
        self.files.get(&file).is_some_and(|f| f.pages.values().any(|(_, d)| *d))
    }
}

impl CacheManager for RecordingCache {
    fn is_cached(&self, fo: u64) -> bool {
        self.maps.contains_key(&fo)
    }

    fn has_data_section(&self, file: u64) -> bool {
        self.files.contains_key(&file) || self.mapped.contains(&file)
    }

    fn initialize(&mut self, fo: u64, file: u64, sizes: FileSizes) -> Result<(), NtStatus> {
        self.calls.push(Call::Initialize { fo, file, size: sizes.file_size });
        self.maps.insert(fo, file);
        self.files.entry(file).or_default().size = sizes.file_size;
        Ok(())
    }

    fn copy_read(&mut self, fo: u64, offset: u64, buf: &mut [u8], pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.calls.push(Call::CopyRead { fo, offset, len: buf.len() });
        let calls = &mut self.calls;
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        let f = self.files.entry(file).or_default();
        assert!(offset + buf.len() as u64 <= f.size, "CcCopyRead past FileSize");
        for (n, within, done, take) in spans(offset, buf.len()) {
            let page = Self::page(calls, f, n, pager)?;
            buf[done..done + take].copy_from_slice(&page.0[within..within + take]);
        }
        Ok(())
    }

    fn copy_write(&mut self, fo: u64, offset: u64, data: &[u8], pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.calls.push(Call::CopyWrite { fo, offset, len: data.len() });
        let calls = &mut self.calls;
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        let f = self.files.entry(file).or_default();
        assert!(offset + data.len() as u64 <= f.size, "CcCopyWrite past FileSize");
        for (n, within, done, take) in spans(offset, data.len()) {
            // A page the write covers whole is not read in first.
            if take == PAGE as usize {
                f.pages.entry(n).or_insert_with(|| (vec![0; PAGE as usize], false));
            }
            let page = Self::page(calls, f, n, pager)?;
            page.0[within..within + take].copy_from_slice(&data[done..done + take]);
            page.1 = true;
        }
        Ok(())
    }

    fn mdl_read(&mut self, fo: u64, offset: u64, len: usize, pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.calls.push(Call::MdlRead { fo, offset, len });
        // The pages come in as for a copy; the requester reads them in
        // place.
        let calls = &mut self.calls;
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        let f = self.files.entry(file).or_default();
        assert!(offset + len as u64 <= f.size, "CcMdlRead past FileSize");
        for (n, ..) in spans(offset, len) {
            Self::page(calls, f, n, pager)?;
        }
        Ok(())
    }

    fn prepare_mdl_write(&mut self, fo: u64, offset: u64, len: usize, pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.calls.push(Call::PrepareMdlWrite { fo, offset, len });
        // Pages it covers whole are not read in; all are dirty once the
        // requester has filled them (the fake has no data to put there).
        let calls = &mut self.calls;
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        let f = self.files.entry(file).or_default();
        assert!(offset + len as u64 <= f.size, "CcPrepareMdlWrite past FileSize");
        for (n, _, _, take) in spans(offset, len) {
            if take == PAGE as usize {
                f.pages.entry(n).or_insert_with(|| (vec![0; PAGE as usize], false));
            }
            Self::page(calls, f, n, pager)?.1 = true;
        }
        Ok(())
    }

    fn set_file_sizes(&mut self, file: u64, sizes: FileSizes) {
        self.calls.push(Call::SetFileSizes { file, size: sizes.file_size });
        let f = self.files.entry(file).or_default();
        f.size = sizes.file_size;
        // Pages past the end go; the tail of the last one reads as zeros.
        f.pages.retain(|n, _| n * PAGE < sizes.file_size);
        if let Some((b, _)) = f.pages.get_mut(&(sizes.file_size / PAGE)) {
            b[(sizes.file_size % PAGE) as usize..].fill(0);
        }
    }

    fn flush(&mut self, file: u64, range: Option<(u64, u64)>, pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.calls.push(Call::Flush { file, range });
        let calls = &mut self.calls;
        match self.files.get_mut(&file) {
            Some(f) => Self::write_back(calls, f, range, pager),
            None => Ok(()),
        }
    }

    fn purge(&mut self, file: u64, range: Option<(u64, u64)>) -> bool {
        self.calls.push(Call::Purge { file, range });
        if self.mapped.contains(&file) {
            return false;
        }
        if let Some(f) = self.files.get_mut(&file) {
            f.pages.retain(|n, _| !overlaps(*n, range));
        }
        true
    }

    fn uninitialize(&mut self, fo: u64, truncate: Option<u64>, pager: &mut dyn Pager) {
        self.calls.push(Call::Uninitialize { fo, truncate });
        let Ok((file, f)) = self.file_of(fo) else { return };
        if let Some(size) = truncate {
            f.size = size;
            f.pages.retain(|n, _| n * PAGE < size);
        }
        self.maps.remove(&fo);
        if !self.maps.values().any(|&x| x == file)
            && let Some(mut f) = self.files.remove(&file)
        {
            // The lazy writer's last pass; a write error here is the
            // lazy writer's to report, as on Windows.
            let _ = Self::write_back(&mut self.calls, &mut f, None, pager);
        }
    }

    fn can_be_truncated(&mut self, file: u64, size: u64) -> bool {
        self.calls.push(Call::CanBeTruncated { file, size });
        !self.mapped.contains(&file)
    }

    fn flush_image(&mut self, file: u64, for_delete: bool) -> bool {
        self.calls.push(Call::FlushImage { file, for_delete });
        !self.images.contains(&file)
    }
}

/// The services of a build with this cache.
pub struct Cached<'a>(pub &'a mut RecordingCache);

impl Services for Cached<'_> {
    fn share_open(&mut self, _file: u64, _access: u32, _share: u32) -> Result<(), NtStatus> {
        Ok(())
    }

    fn share_close(&mut self, _file: u64) {}

    fn cache(&mut self) -> Option<&mut dyn CacheManager> {
        Some(self.0)
    }
}
