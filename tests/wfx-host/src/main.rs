//! `wfx-host PLUGIN DIR VOLUME...`: loads the plugin (the Windows build,
//! `lklfs.wfx64`, under Wine) as Total Commander would, with `DIR` as the
//! folder of the file manager's ini (where the plugin's `lklfs.ini` lists
//! the volumes), and runs the plugin test's scenario on each VOLUME, with
//! `DIR`'s `big.bin` and `a.txt` as the local files; then disconnects each
//! so the images are whole for the suite's checkers. Prints a TAP-like
//! line per step; exit 1 on a failure.

#[path = "../../../tools/tcplugin/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [plugin, dir, volumes @ ..] = args.as_slice() else {
        eprintln!("usage: wfx-host PLUGIN DIR VOLUME...");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let p = common::load(&PathBuf::from(plugin), &dir);
    let mut failed = 0;
    let root = p.list("\\").map(|l| l.into_iter().map(|e| e.0).collect::<Vec<_>>());
    println!("# the plugin's root: {root:?}");
    for v in volumes {
        // The scenario asserts: a failure is a panic, caught here per volume.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| common::scenario(&p, v, &dir)));
        let disconnected = p.on(p.disconnect, &format!("\\{v}")) == 1;
        if r.is_ok() && disconnected {
            println!("ok - {v}: the plugin test's scenario through lklfs.wfx64, then its disconnect");
        } else {
            failed += 1;
            println!("not ok - {v}: the plugin test's scenario through lklfs.wfx64 (disconnected: {disconnected})");
        }
    }
    std::process::exit(i32::from(failed > 0));
}
