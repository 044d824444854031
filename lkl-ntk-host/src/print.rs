//! Debug output and the bugcheck for broken invariants.

use core::fmt::{self, Write};

/// The bugcheck code of a Rust panic in the driver's own code. Parameters:
/// address and length of the file name, line, column.
pub const BUGCHECK_RUST_PANIC: u32 = 0x4C4B_0001;

/// Prints bytes through DbgPrintEx (error level, so Windows shows it by
/// default; Wine with WINEDEBUG=warn+debugstr). Any IRQL <= DIRQL.
pub fn print(text: &[u8]) {
    // DbgPrintEx truncates very long strings; chunk to stay far below that.
    for chunk in text.chunks(400) {
        // SAFETY: "%.*s" reads exactly `len` bytes from `ptr`, which are valid.
        unsafe {
            nt::DbgPrintEx(
                nt::DPFLTR_IHVDRIVER_ID,
                nt::DPFLTR_ERROR_LEVEL,
                c"%.*s".as_ptr(),
                chunk.len() as i32,
                chunk.as_ptr(),
            )
        };
    }
}

/// Formats a line on the stack and prints it ([`print`]); text past 256
/// bytes is cut. Any IRQL <= DIRQL.
pub fn print_fmt(args: fmt::Arguments<'_>) {
    let mut text = StackText::<256>::new();
    let _ = text.write_fmt(args);
    print(text.as_bytes());
}

/// A fixed buffer for formatting without allocation (for panics, where
/// the heap may be what broke).
pub struct StackText<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    /// Empty.
    pub const fn new() -> Self {
        StackText { buf: [0; N], len: 0 }
    }

    /// The text so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl<const N: usize> Default for StackText<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Write for StackText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Text past the buffer is cut, never an error: this is the panic
        // path's printer.
        let room = self.buf.get_mut(self.len..).unwrap_or_default();
        let n = s.len().min(room.len());
        if let (Some(dst), Some(src)) = (room.get_mut(..n), s.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
            self.len += n;
        }
        Ok(())
    }
}

/// What the driver's `#[panic_handler]` calls: prints the panic and stops
/// the machine with [`BUGCHECK_RUST_PANIC`] and the location. A Rust panic
/// in our code means one of our invariants broke; continuing could corrupt
/// a volume.
pub fn bugcheck_on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut text = StackText::<512>::new();
    let _ = writeln!(text, "lklfs: Rust panic: {info}");
    print(text.as_bytes());
    let (file, line, col) = match info.location() {
        Some(l) => (l.file(), l.line(), l.column()),
        None => ("?", 0, 0),
    };
    // SAFETY: KeBugCheckEx never returns; the file name is static data the
    // debugger can read from the parameters.
    unsafe { nt::KeBugCheckEx(BUGCHECK_RUST_PANIC, file.as_ptr() as usize, file.len(), line as usize, col as usize) }
}

/// A broken invariant found without a panic (for example a routine that must
/// be unreachable): prints `what` and bugchecks like [`bugcheck_on_panic`],
/// with `file` and `line` as the parameters.
pub fn bugcheck_here(what: &str, file: &'static str, line: u32) -> ! {
    let mut text = StackText::<256>::new();
    let _ = writeln!(text, "lklfs: {what} at {file}:{line}");
    print(text.as_bytes());
    // SAFETY: KeBugCheckEx never returns; the file name is static data the
    // debugger can read from the parameters.
    unsafe { nt::KeBugCheckEx(BUGCHECK_RUST_PANIC, file.as_ptr() as usize, file.len(), line as usize, 0) }
}
