//! The host-conformance cases on the std host, one result line per case.

use lkl_std_host::{Console, StdHost};

fn main() {
    let host = StdHost::leak(Console::Capture);
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mut failed = 0;
    let cases = host_conformance::all::<StdHost>();
    let mut ran = 0;
    for case in cases {
        if filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
            continue;
        }
        ran += 1;
        match (case.run)(host) {
            Ok(()) => println!("test host_conformance::{} ... ok", case.name),
            Err(e) => {
                failed += 1;
                println!("test host_conformance::{} ... FAILED: {}", case.name, e.0);
            }
        }
    }
    println!("host conformance on the std host: {} passed, {failed} failed", ran - failed);
    if failed > 0 {
        std::process::exit(1);
    }
}
