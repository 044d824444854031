//! A recording fake of Windows' Cache Manager and memory manager for the
//! common routines' tests: it keeps its own 4 KiB pages of each file,
//! fills them through the file system's pager as CcCopyRead's page faults
//! do, writes dirty ones back through it on a flush and on the last
//! uninitialize (the lazy writer's last pass while it still holds a file
//! object), drops them on purge and truncation, and records every call.
//! The tests set which files have a mapped view or an image in use.

use std::collections::{BTreeMap, BTreeSet};

use fs_glue::NtStatus;

use crate::Services;
use crate::cache::{CacheManager, FileSizes, Pager};

const PAGE: u64 = 4096;

/// One call the common routines made, or one page the fake moved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Call {
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
    /// The pager asked for a page (CcCopyRead's or CcCopyWrite's fault).
    PageIn {
        offset: u64,
    },
    /// A dirty page written through the pager.
    PageOut {
        offset: u64,
    },
}

#[derive(Default)]
struct File {
    size: u64,
    /// Page number -> (bytes, dirty).
    pages: BTreeMap<u64, (Vec<u8>, bool)>,
}

#[derive(Default)]
pub(crate) struct RecordingCache {
    pub(crate) calls: Vec<Call>,
    maps: BTreeMap<u64, u64>,
    files: BTreeMap<u64, File>,
    /// Files with a mapped view (MmCanFileBeTruncated says no).
    pub(crate) mapped: BTreeSet<u64>,
    /// Files with an image section in use (MmFlushImageSection says no).
    pub(crate) images: BTreeSet<u64>,
}

/// The pages `offset..offset + len` touch.
fn pages(offset: u64, len: u64) -> core::ops::Range<u64> {
    offset / PAGE..(offset + len).div_ceil(PAGE)
}

fn overlaps(page: u64, range: Option<(u64, u64)>) -> bool {
    range.is_none_or(|(at, len)| pages(at, len).contains(&page))
}

impl RecordingCache {
    /// The page, read in through the pager when the cache lacks it.
    fn page<'a>(
        calls: &mut Vec<Call>,
        file: &'a mut File,
        n: u64,
        pager: &mut dyn Pager,
    ) -> Result<&'a mut (Vec<u8>, bool), NtStatus> {
        match file.pages.entry(n) {
            std::collections::btree_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::btree_map::Entry::Vacant(e) => {
                let mut b = vec![0u8; PAGE as usize];
                calls.push(Call::PageIn { offset: n * PAGE });
                pager.page_in(n * PAGE, &mut b)?;
                Ok(e.insert((b, false)))
            }
        }
    }

    fn write_back(
        calls: &mut Vec<Call>,
        file: &mut File,
        range: Option<(u64, u64)>,
        pager: &mut dyn Pager,
    ) -> Result<(), NtStatus> {
        for (n, (bytes, dirty)) in file.pages.iter_mut() {
            if *dirty && overlaps(*n, range) {
                calls.push(Call::PageOut { offset: n * PAGE });
                pager.page_out(n * PAGE, bytes)?;
                *dirty = false;
            }
        }
        Ok(())
    }

    fn file_of(&mut self, fo: u64) -> Result<(u64, &mut File), NtStatus> {
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        Ok((file, self.files.entry(file).or_default()))
    }

    /// The bytes the cache holds for `file` at `offset` (dirty or not).
    pub(crate) fn cached(&self, file: u64, offset: u64) -> Option<u8> {
        let f = self.files.get(&file)?;
        f.pages.get(&(offset / PAGE)).map(|(b, _)| b[(offset % PAGE) as usize])
    }

    /// Whether any page of `file` is dirty.
    pub(crate) fn dirty(&self, file: u64) -> bool {
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

    fn initialize(&mut self, fo: u64, file: u64, sizes: FileSizes) {
        self.calls.push(Call::Initialize { fo, file, size: sizes.file_size });
        self.maps.insert(fo, file);
        self.files.entry(file).or_default().size = sizes.file_size;
    }

    fn copy_read(&mut self, fo: u64, offset: u64, buf: &mut [u8], pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.calls.push(Call::CopyRead { fo, offset, len: buf.len() });
        let calls = &mut self.calls;
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        let f = self.files.entry(file).or_default();
        assert!(offset + buf.len() as u64 <= f.size, "CcCopyRead past FileSize");
        for (i, b) in buf.iter_mut().enumerate() {
            let at = offset + i as u64;
            let page = Self::page(calls, f, at / PAGE, pager)?;
            *b = page.0[(at % PAGE) as usize];
        }
        Ok(())
    }

    fn copy_write(&mut self, fo: u64, offset: u64, data: &[u8], pager: &mut dyn Pager) -> Result<(), NtStatus> {
        self.calls.push(Call::CopyWrite { fo, offset, len: data.len() });
        let calls = &mut self.calls;
        let file = *self.maps.get(&fo).ok_or(NtStatus::INVALID_PARAMETER)?;
        let f = self.files.entry(file).or_default();
        assert!(offset + data.len() as u64 <= f.size, "CcCopyWrite past FileSize");
        for n in pages(offset, data.len() as u64) {
            let whole = n * PAGE >= offset && (n + 1) * PAGE <= offset + data.len() as u64;
            if whole {
                f.pages.entry(n).or_insert_with(|| (vec![0; PAGE as usize], false));
            }
            let page = Self::page(calls, f, n, pager)?;
            for i in 0..PAGE {
                let at = n * PAGE + i;
                if at >= offset && at < offset + data.len() as u64 {
                    page.0[i as usize] = data[(at - offset) as usize];
                }
            }
            page.1 = true;
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
pub(crate) struct Cached<'a>(pub(crate) &'a mut RecordingCache);

impl Services for Cached<'_> {
    fn share_open(&mut self, _file: u64, _access: u32, _share: u32) -> Result<(), NtStatus> {
        Ok(())
    }

    fn share_close(&mut self, _file: u64) {}

    fn cache(&mut self) -> Option<&mut dyn CacheManager> {
        Some(self.0)
    }
}
