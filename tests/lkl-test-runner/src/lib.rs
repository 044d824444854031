//! A `harness = false` test runner that re-executes the test binary once per
//! case, so every case that boots a kernel gets a fresh process (one kernel
//! per process), a timeout, and its console output shown only on failure.
//!
//! In the child the case body runs on a thread with the library's stack size
//! ([`lkl_abi::THREAD_STACK_SIZE`]), never on the main thread, so deep Linux
//! call chains overflow here before they would in the Windows driver.

pub mod rng;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `tests/mkfs-fixed`: every test image is made through it, so that an
/// image's UUID, hash seed and times are the same on every run.
pub const MKFS_FIXED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../mkfs-fixed");

/// `mkfs` (program and arguments) run through [`MKFS_FIXED`]; the caller
/// appends the image path.
pub fn mkfs_command(mkfs: &[&str]) -> Command {
    let mut c = Command::new(MKFS_FIXED);
    c.args(mkfs);
    c
}

/// Environment variable naming the case a child process runs.
const CASE_ENV: &str = "LKL_RUNNER_CASE";

/// A test case.
pub struct Case {
    /// Unique name, used for filtering.
    pub name: &'static str,
    /// The child is killed after this long.
    pub timeout: Duration,
    /// The body; Err carries the failure message.
    pub run: fn() -> Result<(), String>,
}

impl Case {
    /// A case with the default timeout (60 s).
    pub const fn new(name: &'static str, run: fn() -> Result<(), String>) -> Case {
        Case { name, timeout: Duration::from_secs(60), run }
    }
}

/// Runs `cases`: as the parent, each in a child process; as a child, the one
/// named by the environment. Never returns.
pub fn main(suite: &str, cases: &[Case]) -> ! {
    if let Ok(name) = std::env::var(CASE_ENV) {
        child(cases, &name)
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for c in cases {
            println!("{}: test", c.name);
        }
        std::process::exit(0);
    }
    // libtest-style flags (--nocapture, --test-threads=1, ...) are accepted
    // and ignored; the first free argument filters by substring.
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let verbose = args.iter().any(|a| a == "--nocapture");
    let selected: Vec<&Case> = cases.iter().filter(|c| filter.as_deref().is_none_or(|f| c.name.contains(f))).collect();
    println!("\nrunning {} {suite} cases", selected.len());
    let mut failed = Vec::new();
    for c in &selected {
        let started = Instant::now();
        let (ok, output, why) = run_child(c);
        let ms = started.elapsed().as_millis();
        if ok {
            println!("test {suite}::{} ... ok ({ms} ms)", c.name);
            if verbose {
                print!("{output}");
            }
        } else {
            println!("test {suite}::{} ... FAILED ({why}, {ms} ms)", c.name);
            println!("---- {} output ----\n{output}---- end of {} ----", c.name, c.name);
            failed.push(c.name);
        }
    }
    println!("\n{suite}: {} passed; {} failed", selected.len() - failed.len(), failed.len());
    if !failed.is_empty() {
        println!("failures: {}", failed.join(", "));
        std::process::exit(101);
    }
    std::process::exit(0);
}

fn run_child(c: &Case) -> (bool, String, String) {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return (false, String::new(), format!("current_exe: {e}")),
    };
    let mut child = match Command::new(exe)
        .env(CASE_ENV, c.name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(ch) => ch,
        Err(e) => return (false, String::new(), format!("spawn: {e}")),
    };
    // Drain both pipes on threads so a chatty child never blocks on them.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + c.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Ok(st),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("timed out after {} s", c.timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => break Err(format!("wait: {e}")),
        }
    };
    let mut output = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    output.push_str(&String::from_utf8_lossy(&t_err.join().unwrap_or_default()));
    match status {
        Ok(st) if st.success() => (true, output, String::new()),
        Ok(st) => (false, output, format!("child {st}")),
        Err(why) => (false, output, why),
    }
}

fn child(cases: &[Case], name: &str) -> ! {
    let Some(case) = cases.iter().find(|c| c.name == name) else {
        eprintln!("no case named {name}");
        std::process::exit(2);
    };
    let run = case.run;
    let result = std::thread::Builder::new()
        .name(name.into())
        .stack_size(lkl_abi::THREAD_STACK_SIZE)
        .spawn(run)
        .map_err(|e| format!("spawn: {e}"))
        .and_then(|t| t.join().map_err(|_| "the case panicked".to_string()))
        .and_then(|r| r);
    match result {
        Ok(()) => std::process::exit(0),
        Err(msg) => {
            eprintln!("FAILED: {msg}");
            std::process::exit(1);
        }
    }
}

/// Formats a failed call the way every suite reports it:
/// `call(args) = ret (ERRNO)`.
#[macro_export]
macro_rules! check {
    ($call:expr, $($what:tt)+) => {
        match $call {
            Ok(v) => v,
            Err(e) => return Err(format!("{} = -{} ({})", format!($($what)+), e.0, e.name().unwrap_or("?"))),
        }
    };
}

/// Fails the case with a message unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}
