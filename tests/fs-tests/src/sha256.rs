//! SHA-256 for the manifests' content hashes: the `sha2` crate, plus the
//! hex form the manifests print.
//!
//! Test binaries are unoptimised, but the workspace builds `sha2` at
//! opt-level 3 in every profile (`[profile.dev.package.sha2]`), so even
//! multi-hundred-MiB files hash in-process; the old detour through the
//! host's `sha256sum` for large files is gone (speed: see the root
//! Cargo.toml).

use sha2::Digest as _;
pub use sha2::Sha256;

/// SHA-256 of a byte slice.
pub fn digest(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Hex of a digest.
pub fn hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    #[test]
    fn known_vectors() {
        assert_eq!(hex(&digest(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(hex(&digest(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    /// The shell suites compare against `sha256sum`; both must agree on a
    /// stream longer than one block and fed in uneven pieces.
    #[test]
    fn sha256_matches_coreutils() {
        let data: Vec<u8> = (0..(1 << 20) + 4099).map(|i| (i * 31 % 251) as u8).collect();
        let mut h = Sha256::default();
        for piece in data.chunks(4093) {
            sha2::Digest::update(&mut h, piece);
        }
        let ours = hex(&h.finalize().into());
        let mut child = Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(&data).unwrap();
        let out = child.wait_with_output().unwrap();
        let theirs = String::from_utf8(out.stdout).unwrap();
        assert_eq!(Some(ours.as_str()), theirs.split_whitespace().next());
    }
}
