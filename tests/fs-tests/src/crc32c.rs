//! CRC-32C (Castagnoli), the checksum btrfs (csum_type crc32c) and xfs v5
//! put on their metadata: the mutation suites recompute it after changing a
//! block, so that the change reaches the parsers instead of stopping at
//! the checksum check. The arithmetic is the `crc32c` crate's.

pub use crc32c::crc32c;

/// The CRC-32C of `data` as if the 4 bytes at `field` were zero — how xfs
/// checksums a structure that holds its own CRC.
pub fn crc32c_skipping(data: &[u8], field: usize) -> u32 {
    let crc = crc32c::crc32c(&data[..field]);
    let crc = crc32c::crc32c_append(crc, &[0; 4]);
    crc32c::crc32c_append(crc, &data[field + 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The catalogued check value of CRC-32C.
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        let mut d = b"12345678____9".to_vec();
        assert_eq!(crc32c_skipping(&d, 8), {
            d[8..12].fill(0);
            crc32c(&d)
        });
    }
}
