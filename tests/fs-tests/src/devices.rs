//! Block devices written for the tests: an in-memory copy of an image (so
//! mutation tests never rewrite a file on disk), a recorder that logs every
//! write and flush (to cut power afterwards), and a device that fails after
//! N writes.

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use lkl::{BlockDevice, Errno};

fn check_range(size: usize, off: u64, len: usize) -> Result<usize, Errno> {
    // The contract: whole sectors, inside the device, else EIO.
    if !off.is_multiple_of(512) || !len.is_multiple_of(512) {
        return Err(Errno::EINVAL);
    }
    let start = usize::try_from(off).map_err(|_| Errno::EIO)?;
    match start.checked_add(len) {
        Some(end) if end <= size => Ok(start),
        _ => Err(Errno::EIO),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An image held in memory; writes change only the memory copy.
pub struct MemDevice {
    data: Mutex<Vec<u8>>,
    read_only: bool,
}

impl MemDevice {
    /// A device holding `data` (length a multiple of 512).
    pub fn new(data: Vec<u8>, read_only: bool) -> MemDevice {
        MemDevice { data: Mutex::new(data), read_only }
    }

    /// A device holding a copy of the file at `path`.
    pub fn from_file(path: &Path) -> Result<MemDevice, String> {
        let data = std::fs::read(path).map_err(|e| format!("read {}: {e}", path.display()))?;
        Ok(MemDevice::new(data, false))
    }

    /// The current bytes.
    pub fn snapshot(&self) -> Vec<u8> {
        lock(&self.data).clone()
    }
}

impl BlockDevice for MemDevice {
    fn size(&self) -> u64 {
        lock(&self.data).len() as u64
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
        let d = lock(&self.data);
        let at = check_range(d.len(), offset, buf.len())?;
        buf.copy_from_slice(&d[at..at + buf.len()]);
        Ok(())
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno> {
        if self.read_only {
            return Err(Errno::EROFS);
        }
        let mut d = lock(&self.data);
        let at = check_range(d.len(), offset, buf.len())?;
        d[at..at + buf.len()].copy_from_slice(buf);
        Ok(())
    }

    fn flush(&self) -> Result<(), Errno> {
        Ok(())
    }
}

/// One request the recorder saw. The port turns a FUA write into a write
/// followed by a flush, so FUA shows up as that pair.
#[derive(Clone, Debug)]
pub enum Op {
    /// A completed write.
    Write {
        /// Byte offset.
        offset: u64,
        /// The bytes.
        data: Vec<u8>,
    },
    /// A completed flush: every earlier write is durable.
    Flush,
}

struct Recorded {
    current: Vec<u8>,
    log: Vec<Op>,
}

/// Serves reads from the image with every write applied, and logs every
/// write and flush, so that any crash state can be rebuilt afterwards.
pub struct RecordingDevice {
    base: Vec<u8>,
    state: Mutex<Recorded>,
}

impl RecordingDevice {
    /// Starts from `base`.
    pub fn new(base: Vec<u8>) -> RecordingDevice {
        let current = base.clone();
        RecordingDevice { base, state: Mutex::new(Recorded { current, log: Vec::new() }) }
    }

    /// Requests logged so far (a position in the log).
    pub fn log_len(&self) -> usize {
        lock(&self.state).log.len()
    }

    /// A copy of the log.
    pub fn log(&self) -> Vec<Op> {
        lock(&self.state).log.clone()
    }

    /// The image the device started from.
    pub fn base(&self) -> &[u8] {
        &self.base
    }
}

impl BlockDevice for RecordingDevice {
    fn size(&self) -> u64 {
        self.base.len() as u64
    }

    fn read_only(&self) -> bool {
        false
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
        let s = lock(&self.state);
        let at = check_range(s.current.len(), offset, buf.len())?;
        buf.copy_from_slice(&s.current[at..at + buf.len()]);
        Ok(())
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno> {
        let mut s = lock(&self.state);
        let at = check_range(s.current.len(), offset, buf.len())?;
        s.current[at..at + buf.len()].copy_from_slice(buf);
        s.log.push(Op::Write { offset, data: buf.to_vec() });
        Ok(())
    }

    fn flush(&self) -> Result<(), Errno> {
        lock(&self.state).log.push(Op::Flush);
        Ok(())
    }
}

/// Applies the writes of `ops` to `image`.
pub fn apply(image: &mut [u8], ops: &[Op]) {
    for op in ops {
        if let Op::Write { offset, data } = op {
            let at = *offset as usize;
            image[at..at + data.len()].copy_from_slice(data);
        }
    }
}

/// Passes everything to an in-memory image until `budget` writes have
/// succeeded; from then on every write and flush fails with EIO (a disk
/// that died). Reads keep working, as on a disk whose write path failed.
pub struct FailingDevice {
    inner: MemDevice,
    budget: AtomicU64,
    failed: AtomicBool,
    failures: AtomicU64,
    writes: AtomicU64,
}

impl FailingDevice {
    /// `budget` writes succeed.
    pub fn new(data: Vec<u8>, budget: u64) -> FailingDevice {
        FailingDevice {
            inner: MemDevice::new(data, false),
            budget: AtomicU64::new(budget),
            failed: AtomicBool::new(false),
            failures: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    /// Requests refused so far.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::SeqCst)
    }

    /// Writes that succeeded.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// What reached the medium.
    pub fn snapshot(&self) -> Vec<u8> {
        self.inner.snapshot()
    }
}

impl BlockDevice for FailingDevice {
    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn read_only(&self) -> bool {
        false
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
        self.inner.read_at(buf, offset)
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno> {
        let ok = !self.failed.load(Ordering::SeqCst)
            && self.budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1)).is_ok();
        if !ok {
            self.failed.store(true, Ordering::SeqCst);
            self.failures.fetch_add(1, Ordering::SeqCst);
            return Err(Errno::EIO);
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.write_at(buf, offset)
    }

    fn flush(&self) -> Result<(), Errno> {
        if self.failed.load(Ordering::SeqCst) {
            self.failures.fetch_add(1, Ordering::SeqCst);
            return Err(Errno::EIO);
        }
        self.inner.flush()
    }
}
