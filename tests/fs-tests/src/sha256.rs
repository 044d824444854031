//! SHA-256 (FIPS 180-4), for the manifests' content hashes.
//!
//! Test binaries are built unoptimised, where a Rust hash runs at a few tens
//! of MB/s; large files are therefore streamed through the host's
//! `sha256sum` instead (same function, so both paths give the same digest —
//! the `sha256_matches_coreutils` unit test checks that).

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

/// Incremental SHA-256 in Rust.
#[derive(Clone)]
pub struct Sha256 {
    h: [u32; 8],
    block: [u8; 64],
    used: usize,
    total: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256 {
            h: [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19],
            block: [0; 64],
            used: 0,
            total: 0,
        }
    }
}

impl Sha256 {
    fn compress(h: &mut [u32; 8], block: &[u8; 64]) {
        let mut w = [0u32; 64];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }

    /// Adds bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        while !data.is_empty() {
            let n = (64 - self.used).min(data.len());
            self.block[self.used..self.used + n].copy_from_slice(&data[..n]);
            self.used += n;
            data = &data[n..];
            if self.used == 64 {
                Self::compress(&mut self.h, &self.block);
                self.used = 0;
            }
        }
    }

    /// The digest.
    pub fn finish(mut self) -> [u8; 32] {
        let bits = self.total * 8;
        self.update(&[0x80]);
        while self.used != 56 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 32];
        for (i, v) in self.h.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
        }
        out
    }
}

/// Files up to this size are hashed in Rust, larger ones by `sha256sum`.
pub const RUST_HASH_LIMIT: u64 = 1 << 20;

/// A hash of a stream whose length is known up front.
pub enum Hasher {
    /// Small: in Rust.
    Rust(Sha256),
    /// Large: piped through the host's `sha256sum`.
    Pipe(Child),
}

impl Hasher {
    /// A hasher for `size` bytes.
    pub fn for_size(size: u64) -> Result<Hasher, String> {
        if size <= RUST_HASH_LIMIT {
            return Ok(Hasher::Rust(Sha256::default()));
        }
        let child = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("sha256sum: {e}"))?;
        Ok(Hasher::Pipe(child))
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) -> Result<(), String> {
        match self {
            Hasher::Rust(h) => {
                h.update(data);
                Ok(())
            }
            Hasher::Pipe(c) => {
                c.stdin.as_mut().ok_or("sha256sum stdin")?.write_all(data).map_err(|e| format!("sha256sum: {e}"))
            }
        }
    }

    /// The digest.
    pub fn finish(self) -> Result<[u8; 32], String> {
        match self {
            Hasher::Rust(h) => Ok(h.finish()),
            Hasher::Pipe(mut c) => {
                drop(c.stdin.take());
                let mut out = String::new();
                c.stdout.take().ok_or("sha256sum stdout")?.read_to_string(&mut out).map_err(|e| e.to_string())?;
                let st = c.wait().map_err(|e| e.to_string())?;
                if !st.success() {
                    return Err(format!("sha256sum: {st}"));
                }
                parse_hex(out.split_whitespace().next().unwrap_or(""))
            }
        }
    }
}

fn parse_hex(s: &str) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return Err(format!("bad sha256sum output {s:?}"));
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Hex of a digest.
pub fn hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a byte slice (by the same size rule as [`Hasher`]).
pub fn digest(data: &[u8]) -> Result<[u8; 32], String> {
    let mut h = Hasher::for_size(data.len() as u64)?;
    h.update(data)?;
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex(&Sha256::default().finish()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut h = Sha256::default();
        h.update(b"abc");
        assert_eq!(hex(&h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn sha256_matches_coreutils() {
        let data: Vec<u8> = (0..RUST_HASH_LIMIT as usize + 4099).map(|i| (i * 31 % 251) as u8).collect();
        let mut rust = Sha256::default();
        rust.update(&data);
        assert_eq!(digest(&data).unwrap(), rust.finish());
    }
}
