//! One random change to a metadata block, shared by the ext4 bad-input
//! and the btrfs/xfs mutation suites, so both explore the same kinds of
//! damage.

use crate::rng::Rng;

/// Changes bytes at `at` of `block`, one of five ways chosen by `rng` (a
/// bit flipped, a byte set, 4 bytes of 0xff, 16 zero bytes, 4 random bytes,
/// each cut at the block's end); what it did.
pub fn mutate(block: &mut [u8], at: usize, rng: &mut Rng) -> String {
    let n = |k: usize| k.min(block.len() - at);
    match rng.below(5) {
        0 => {
            let bit = rng.below(8);
            block[at] ^= 1 << bit;
            format!("flip bit {bit}")
        }
        1 => {
            let v = rng.below(256) as u8;
            block[at] = v;
            format!("byte = {v:#04x}")
        }
        2 => {
            let k = n(4);
            block[at..at + k].fill(0xff);
            "4 bytes = 0xff".into()
        }
        3 => {
            let k = n(16);
            block[at..at + k].fill(0);
            "16 bytes = 0".into()
        }
        _ => {
            let v = rng.next_u64().to_le_bytes();
            let k = n(4);
            block[at..at + k].copy_from_slice(&v[..k]);
            "4 random bytes".into()
        }
    }
}
