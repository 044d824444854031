//! Two scenarios around the `fs` one: `cycle IMAGE N`, one of the suite's
//! repeated service lifetimes (boot, mount, write a file named after the
//! cycle, read it back, unmount, halt with nothing outstanding), and
//! `bench IMAGE`, the figures the Windows benchmark prints (sequential
//! write and cold read of a 256 MiB file through the IOCTL interface).

use std::time::Instant;

use driver_ioctl::fsops::Op;

use crate::fsclient::{
    FILE_NON_DIRECTORY_FILE, FILE_OPEN, FILE_OPEN_IF, handle_op, mount, open, read_up_to, unmount, write_all,
};
use crate::status::STATUS_SUCCESS;
use crate::win::{Handle, Report};

/// What cycle `n` writes: its number, repeated, so a later cycle or the
/// Linux side can tell every cycle's file apart.
pub(crate) fn cycle_content(n: u32) -> Vec<u8> {
    format!("cycle {n}\n").repeat(1000).into_bytes()
}

fn mounted(dev: Handle, image: &str) -> Result<(), String> {
    match mount(dev, image, false)? {
        (STATUS_SUCCESS, _, _) => Ok(()),
        (s, _, _) => Err(format!("mount {image}: status {s:#010x}")),
    }
}

fn write_file(dev: Handle, path: &str, data: &[u8], chunk: usize) -> Result<(), String> {
    let h = open(dev, path, FILE_OPEN_IF, FILE_NON_DIRECTORY_FILE)?;
    write_all(dev, h, data, chunk)?;
    handle_op(dev, Op::Close, h)
}

fn read_file(dev: Handle, path: &str, len: usize, chunk: usize) -> Result<Vec<u8>, String> {
    let h = open(dev, path, FILE_OPEN, FILE_NON_DIRECTORY_FILE)?;
    let got = read_up_to(dev, h, len, chunk)?;
    handle_op(dev, Op::Close, h)?;
    Ok(got)
}

fn unmounted(dev: Handle) -> Result<(), String> {
    match unmount(dev)? {
        (STATUS_SUCCESS, _, _) => Ok(()),
        (s, _, _) => Err(format!("unmount: status {s:#010x}")),
    }
}

/// Mount, write `\cycle-N.txt`, read it back, and for N > 1 check that the
/// previous cycle's file survived its lifetime; unmount. The caller boots
/// and halts.
pub(crate) fn cycle(dev: Handle, r: &mut Report, image: &str, n: u32) {
    let res = (|| {
        mounted(dev, image)?;
        let data = cycle_content(n);
        write_file(dev, &format!("\\cycle-{n}.txt"), &data, 1 << 16)?;
        if read_file(dev, &format!("\\cycle-{n}.txt"), data.len(), 1 << 16)? != data {
            return Err(format!("cycle-{n}.txt read back different bytes"));
        }
        if n > 1 {
            let prev = cycle_content(n - 1);
            if read_file(dev, &format!("\\cycle-{}.txt", n - 1), prev.len(), 1 << 16)? != prev {
                return Err(format!("cycle-{}.txt did not survive the previous service lifetime", n - 1));
            }
        }
        unmounted(dev)
    })();
    r.check(
        &format!("cycle {n}: mount, write and read back cycle-{n}.txt, previous cycle's file intact, unmount"),
        res,
    );
}

/// Bytes of the benchmark file.
const BENCH_BYTES: usize = 256 << 20;
/// Bytes per write/read request: the largest the interface takes.
const BENCH_CHUNK: usize = driver_ioctl::fsops::DATA_MAX;

fn mbs(bytes: usize, t: Instant) -> f64 {
    bytes as f64 / 1e6 / t.elapsed().as_secs_f64()
}

/// Writes the benchmark file (timed up to the unmount that makes it
/// durable), remounts so the read is cold, reads it back (timed) and checks
/// the bytes; prints `bench: ...` lines for the suite's benchmark table.
pub(crate) fn bench(dev: Handle, r: &mut Report, image: &str) {
    let res = (|| {
        let mut data = vec![0u8; BENCH_BYTES];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for b in data.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 56) as u8;
        }
        mounted(dev, image)?;
        let t = Instant::now();
        write_file(dev, "\\bench.bin", &data, BENCH_CHUNK)?;
        unmounted(dev)?;
        println!("bench: write_mbs={:.0}", mbs(BENCH_BYTES, t));
        mounted(dev, image)?;
        let t = Instant::now();
        let got = read_file(dev, "\\bench.bin", BENCH_BYTES, BENCH_CHUNK)?;
        println!("bench: cold_read_mbs={:.0}", mbs(BENCH_BYTES, t));
        unmounted(dev)?;
        if got != data {
            return Err("bench.bin read back different bytes".into());
        }
        // 10,000 creates, then 10,000 deletes (delete on close), each a
        // create and a close as IRPs; timed up to the unmount that makes
        // them durable, as the library's own step syncs.
        mounted(dev, image)?;
        let t = Instant::now();
        let (s, _, d) = crate::fsclient::create(dev, "\\many", 2, 1)?;
        if s != STATUS_SUCCESS {
            return Err(format!("mkdir \\many: {s:#x}"));
        }
        handle_op(dev, Op::Close, d)?;
        for i in 0..BENCH_FILES {
            let h = open(dev, &format!("\\many\\f{i:05}"), 2, FILE_NON_DIRECTORY_FILE)?;
            handle_op(dev, Op::Close, h)?;
        }
        unmounted(dev)?;
        println!("bench: create_s={:.3}", t.elapsed().as_secs_f64());
        mounted(dev, image)?;
        let t = Instant::now();
        for i in 0..BENCH_FILES {
            let h = open(dev, &format!("\\many\\f{i:05}"), FILE_OPEN, FILE_NON_DIRECTORY_FILE | 0x1000)?;
            handle_op(dev, Op::Close, h)?;
        }
        unmounted(dev)?;
        println!("bench: delete_s={:.3}", t.elapsed().as_secs_f64());
        Ok(())
    })();
    r.check("benchmark: 256 MiB written, read back cold and compared; 10,000 files created and deleted", res);
}

/// Files the create/delete benchmark makes.
const BENCH_FILES: usize = 10_000;
