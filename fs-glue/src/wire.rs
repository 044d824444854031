//! Little-endian field access on caller buffers. Every writer checks bounds
//! and fails instead of panicking: callers size buffers first, so a failure
//! here is a glue bug that must surface as a status, not a crash.

use crate::NtStatus;

pub(crate) fn put_u8(buf: &mut [u8], off: usize, v: u8) {
    if let Some(b) = buf.get_mut(off) {
        *b = v;
    }
}

pub(crate) fn put_u16(buf: &mut [u8], off: usize, v: u16) {
    put_bytes(buf, off, &v.to_le_bytes());
}

pub(crate) fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    put_bytes(buf, off, &v.to_le_bytes());
}

pub(crate) fn put_i64(buf: &mut [u8], off: usize, v: i64) {
    put_bytes(buf, off, &v.to_le_bytes());
}

pub(crate) fn put_u64(buf: &mut [u8], off: usize, v: u64) {
    put_bytes(buf, off, &v.to_le_bytes());
}

/// Writes as much of `bytes` as fits at `off`; returns how many were written.
pub(crate) fn put_bytes(buf: &mut [u8], off: usize, bytes: &[u8]) -> usize {
    let Some(dst) = buf.get_mut(off..) else { return 0 };
    let n = dst.len().min(bytes.len());
    dst[..n].copy_from_slice(&bytes[..n]);
    n
}

/// Writes UTF-16 units as little-endian bytes, as many whole units as fit.
pub(crate) fn put_utf16(buf: &mut [u8], off: usize, s: &[u16]) -> usize {
    let mut n = 0;
    for (i, u) in s.iter().enumerate() {
        let at = off + 2 * i;
        if at + 2 > buf.len() {
            break;
        }
        buf[at..at + 2].copy_from_slice(&u.to_le_bytes());
        n += 2;
    }
    n
}

pub(crate) fn get_u32(buf: &[u8], off: usize) -> Result<u32, NtStatus> {
    let b = buf.get(off..off + 4).ok_or(NtStatus::INFO_LENGTH_MISMATCH)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub(crate) fn get_i64(buf: &[u8], off: usize) -> Result<i64, NtStatus> {
    let b = buf.get(off..off + 8).ok_or(NtStatus::INFO_LENGTH_MISMATCH)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(i64::from_le_bytes(a))
}

pub(crate) fn get_u64(buf: &[u8], off: usize) -> Result<u64, NtStatus> {
    get_i64(buf, off).map(|v| v as u64)
}

pub(crate) fn get_u16(buf: &[u8], off: usize) -> Result<u16, NtStatus> {
    let b = buf.get(off..off + 2).ok_or(NtStatus::INFO_LENGTH_MISMATCH)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

/// Reads `len` bytes at `off` as UTF-16 units.
pub(crate) fn get_utf16(buf: &[u8], off: usize, len: usize) -> Result<alloc::vec::Vec<u16>, NtStatus> {
    if !len.is_multiple_of(2) {
        return Err(NtStatus::INVALID_PARAMETER);
    }
    let b =
        buf.get(off..off.checked_add(len).ok_or(NtStatus::INVALID_PARAMETER)?).ok_or(NtStatus::INFO_LENGTH_MISMATCH)?;
    Ok(b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect())
}

/// Rounds up to a multiple of 8, the alignment of chained directory entries.
pub(crate) const fn align8(n: usize) -> usize {
    (n + 7) & !7
}
