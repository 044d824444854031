//! Benchmark of the library kernel (figures, not pass/fail): boot to first
//! syscall, halt, syscall latency beside the host's own getpid, tmpfs write
//! throughput, and the peak stack use of every thread that ran Linux code.

use std::time::{Duration, Instant};

use lkl::sys;
use lkl::{BootConfig, Kernel};
use lkl_std_host::{Console, StdHost};

const CALLS: u32 = 1_000_000;

fn per_call(d: Duration, n: u32) -> f64 {
    d.as_nanos() as f64 / n as f64
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn bench() -> Result<(), String> {
    let host = StdHost::leak(Console::Capture);
    host.enable_stack_stats();

    let t0 = Instant::now();
    let k = Kernel::boot(host, &BootConfig::default()).map_err(|e| e.to_string())?;
    k.getpid().map_err(|e| e.to_string())?;
    let boot = t0.elapsed();

    let (lkl_ns, host_ns, write_mbs) = host.measure_stack(|| -> Result<(f64, f64, f64), String> {
        // Warm up both paths, then time them back to back.
        for _ in 0..10_000 {
            k.getpid().map_err(|e| e.to_string())?;
            std::hint::black_box(std::process::id());
        }
        let t = Instant::now();
        for _ in 0..CALLS {
            std::hint::black_box(k.getpid().map_err(|e| e.to_string())?);
        }
        let lkl_ns = per_call(t.elapsed(), CALLS);
        let t = Instant::now();
        for _ in 0..CALLS {
            std::hint::black_box(std::process::id());
        }
        let host_ns = per_call(t.elapsed(), CALLS);

        k.mkdir(c"/tmp", 0o755).map_err(|e| e.to_string())?;
        k.mount(c"tmpfs", c"/tmp", c"tmpfs", 0, None).map_err(|e| e.to_string())?;
        let fd = k.open(c"/tmp/big", sys::O_CREAT | sys::O_WRONLY, 0o644).map_err(|e| e.to_string())?;
        let buf = vec![0x5au8; 1 << 20];
        let t = Instant::now();
        for _ in 0..32 {
            k.write(fd, &buf).map_err(|e| e.to_string())?;
        }
        let secs = t.elapsed().as_secs_f64();
        k.close(fd).map_err(|e| e.to_string())?;
        k.unlinkat(sys::AT_FDCWD, c"/tmp/big", 0).map_err(|e| e.to_string())?;
        k.umount2(c"/tmp", 0).map_err(|e| e.to_string())?;
        Ok((lkl_ns, host_ns, 32.0 / secs))
    })?;

    let t = Instant::now();
    k.halt().map_err(|e| e.to_string())?;
    let halt = t.elapsed();

    println!("lkl benchmark (64 MiB kernel, std host, release build)");
    println!(
        "  boot to first syscall: {:8.3} ms   goal < 10 ms: {}",
        boot.as_secs_f64() * 1e3,
        verdict(boot < Duration::from_millis(10))
    );
    println!("  halt:                  {:8.3} ms", halt.as_secs_f64() * 1e3);
    println!("  getpid via lkl:        {lkl_ns:8.1} ns/call ({CALLS} calls)");
    println!("  getpid on the host:    {host_ns:8.1} ns/call ({CALLS} calls)");
    println!(
        "  lkl / host:            {:8.2}       goal <= 0.33: {}",
        lkl_ns / host_ns,
        verdict(lkl_ns * 3.0 <= host_ns)
    );
    println!("  tmpfs write, 1 MiB:    {write_mbs:8.0} MiB/s");
    println!(
        "  peak stack use:        {:8} bytes of {} (every thread that ran Linux code)",
        host.peak_stack_use(),
        lkl_abi::THREAD_STACK_SIZE
    );
    println!("  host allocations outstanding after halt: {}", lkl_abi::Host::mem_outstanding(host));
    Ok(())
}

fn main() {
    let t = std::thread::Builder::new().stack_size(lkl_abi::THREAD_STACK_SIZE).spawn(bench).expect("spawn");
    match t.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
        Err(_) => std::process::exit(1),
    }
}
