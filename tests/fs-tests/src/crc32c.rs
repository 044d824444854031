//! CRC-32C (Castagnoli), the checksum btrfs (csum_type crc32c) and xfs v5
//! put on their metadata: the mutation suites recompute it after changing a
//! block, so that the change reaches the parsers instead of stopping at
//! the checksum check.

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82f6_3b78;

const fn table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u32; 256] = table();

/// Continues a CRC-32C over `data` from the raw state `crc` (no final
/// inversion).
fn update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

/// The standard CRC-32C of `data` (initial value and final xor all ones).
pub fn crc32c(data: &[u8]) -> u32 {
    !update(!0, data)
}

/// The CRC-32C of `data` as if the 4 bytes at `field` were zero — how xfs
/// checksums a structure that holds its own CRC.
pub fn crc32c_skipping(data: &[u8], field: usize) -> u32 {
    let crc = update(!0, &data[..field]);
    let crc = update(crc, &[0; 4]);
    !update(crc, &data[field + 4..])
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
