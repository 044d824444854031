//! A writable view of a device whose writes stay in memory. A read-only
//! mount of a file system whose journal needs recovery (a Linux that
//! hibernated or crashed) replays the journal here: the kernel shows the
//! current data, and the device's bytes never change. The command-line
//! tool's `--ro` and the driver's read-only volumes both use it.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use crate::{BlockDevice, Errno};

/// Sectors of the overlay.
const SECTOR: u64 = 512;

/// A device with an in-memory overlay of the sectors written to it.
pub struct CowDevice {
    inner: Arc<dyn BlockDevice>,
    /// Overwritten sectors, by sector number.
    overlay: spin::Mutex<BTreeMap<u64, Box<[u8; 512]>>>,
}

impl CowDevice {
    /// Wraps `inner` (which may be read-only).
    pub fn new(inner: Arc<dyn BlockDevice>) -> CowDevice {
        CowDevice { inner, overlay: spin::Mutex::new(BTreeMap::new()) }
    }

    /// Sectors written so far (kept in memory).
    pub fn dirty_sectors(&self) -> usize {
        self.overlay.lock().len()
    }
}

/// A whole-sector range inside the device, or EINVAL/EIO.
fn check(size: u64, offset: u64, len: usize) -> Result<(), Errno> {
    if !offset.is_multiple_of(SECTOR) || !(len as u64).is_multiple_of(SECTOR) {
        return Err(Errno::EINVAL);
    }
    crate::block::in_range(size, offset, len)
}

impl BlockDevice for CowDevice {
    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn sector_size(&self) -> u32 {
        self.inner.sector_size()
    }

    fn read_only(&self) -> bool {
        false
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
        check(self.size(), offset, buf.len())?;
        self.inner.read_at(buf, offset)?;
        let overlay = self.overlay.lock();
        let first = offset / SECTOR;
        let count = buf.len() as u64 / SECTOR;
        for (&sector, data) in overlay.range(first..first + count) {
            let at = ((sector - first) * SECTOR) as usize;
            if let Some(dst) = buf.get_mut(at..at + SECTOR as usize) {
                dst.copy_from_slice(&data[..]);
            }
        }
        Ok(())
    }

    fn write_at(&self, buf: &[u8], offset: u64) -> Result<(), Errno> {
        check(self.size(), offset, buf.len())?;
        let mut overlay = self.overlay.lock();
        for (i, chunk) in buf.chunks_exact(SECTOR as usize).enumerate() {
            let mut s = Box::new([0u8; 512]);
            s.copy_from_slice(chunk);
            overlay.insert(offset / SECTOR + i as u64, s);
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), Errno> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read-only device of `n` sectors, sector `i` filled with `i`.
    struct Plain(u64);

    impl BlockDevice for Plain {
        fn size(&self) -> u64 {
            self.0 * SECTOR
        }
        fn read_only(&self) -> bool {
            true
        }
        fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), Errno> {
            for (i, s) in buf.chunks_exact_mut(512).enumerate() {
                s.fill((offset / SECTOR + i as u64) as u8);
            }
            Ok(())
        }
        fn write_at(&self, _: &[u8], _: u64) -> Result<(), Errno> {
            Err(Errno::EROFS)
        }
        fn flush(&self) -> Result<(), Errno> {
            Ok(())
        }
    }

    #[test]
    fn writes_stay_in_the_overlay() {
        let inner: Arc<dyn BlockDevice> = Arc::new(Plain(8));
        let cow = CowDevice::new(inner.clone());
        assert!(!cow.read_only());
        cow.write_at(&[0xAA; 1024], 2 * SECTOR).unwrap();
        let mut buf = [0u8; 2048];
        cow.read_at(&mut buf, SECTOR).unwrap();
        let firsts: Vec<u8> = buf.chunks(512).map(|s| s[0]).collect();
        assert_eq!(firsts, [1, 0xAA, 0xAA, 4]);
        assert_eq!(cow.dirty_sectors(), 2);
        // The device under it is as it was.
        inner.read_at(&mut buf[..512], 2 * SECTOR).unwrap();
        assert_eq!(buf[0], 2);
        assert_eq!(cow.write_at(&[0; 100], 0), Err(Errno::EINVAL));
        assert_eq!(cow.write_at(&[0; 512], 8 * SECTOR), Err(Errno::EIO));
        assert_eq!(cow.read_at(&mut [0; 512], 3), Err(Errno::EINVAL));
    }
}
