//! Operations, their outcomes, and a seeded generator.

use fs_glue::nt::*;

/// A small deterministic generator (xorshift64*), so a seed replays exactly.
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator (0 is remapped: xorshift needs a non-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Names the sequences use: few, so operations collide.
pub const NAMES: [&str; 6] = ["a", "b", "A", "d", "d\\a", "d\\b"];
/// Patterns for listings.
pub const PATTERNS: [&str; 5] = ["*", "a*", "?", "<\"*", "b"];
/// Access masks for creates.
pub const ACCESSES: [u32; 6] = [
    FILE_GENERIC_READ,
    FILE_GENERIC_WRITE,
    FILE_GENERIC_READ | FILE_GENERIC_WRITE,
    FILE_GENERIC_READ | FILE_GENERIC_WRITE | DELETE,
    DELETE | FILE_READ_ATTRIBUTES,
    FILE_READ_ATTRIBUTES,
];
/// Create options.
pub const OPTIONS: [u32; 5] =
    [0, FILE_DIRECTORY_FILE, FILE_NON_DIRECTORY_FILE, FILE_DELETE_ON_CLOSE, FILE_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE];

/// One Windows-level operation. Handles are slots in the subject's table.
#[derive(Clone, Debug)]
#[allow(missing_docs)] // fields are the operation's parameters
pub enum Op {
    /// NtCreateFile.
    Create { name: &'static str, access: u32, share: u32, disp: u32, opts: u32 },
    /// Write `len` bytes of `fill` at `off`.
    Write { h: usize, off: u64, len: usize, fill: u8 },
    /// Read up to `len` bytes at `off`.
    Read { h: usize, off: u64, len: usize },
    /// FileEndOfFileInformation.
    SetEof { h: usize, size: u64 },
    /// FileRenameInformation.
    Rename { h: usize, target: &'static str, replace: bool },
    /// FileDispositionInformation.
    Dispose { h: usize, delete: bool },
    /// Cleanup + close.
    Close { h: usize },
    /// Open the directory, list it with a pattern, close it.
    List { dir: &'static str, pattern: &'static str },
}

/// What an operation returned, in a comparable form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A create: status, Information, and the slot of the new handle.
    Created(u32, u64, Option<usize>),
    /// A status and a count (bytes read or written).
    Status(u32, usize),
    /// Bytes read.
    Data(Vec<u8>),
    /// A listing: sorted (name, size, is directory), or the failure.
    Listing(Result<Vec<(String, u64, bool)>, u32>),
    /// The operation names a handle slot that is empty: skipped on both sides.
    Skipped,
}

/// Generates an operation; `slots` are the handle slots in use.
pub fn gen_op(r: &mut Rng, slots: &[usize]) -> Op {
    let h = if slots.is_empty() { 99 } else { r.pick(slots) };
    match r.below(20) {
        0..=6 => Op::Create {
            name: r.pick(&NAMES),
            access: r.pick(&ACCESSES),
            share: r.below(8) as u32,
            disp: r.below(6) as u32,
            opts: r.pick(&OPTIONS),
        },
        7..=8 => Op::Write { h, off: r.below(64) as u64, len: 1 + r.below(32), fill: r.below(256) as u8 },
        9 => Op::Read { h, off: r.below(80) as u64, len: 1 + r.below(48) },
        10 => Op::SetEof { h, size: r.below(100) as u64 },
        11 => {
            let targets = ["a", "b", "A", "c", "\\d\\a", "\\d\\c", "\\a", "\\e"];
            Op::Rename { h, target: r.pick(&targets), replace: r.below(2) == 1 }
        }
        12 => Op::Dispose { h, delete: r.below(4) != 0 },
        13..=16 => Op::Close { h },
        _ => Op::List { dir: r.pick(&["\\", "\\d"]), pattern: r.pick(&PATTERNS) },
    }
}
