//! `cargo xtask plugin`: the Total Commander plugin's packages, in
//! `target/plugin/`:
//!
//! - `lklfs-wfx.zip`: `pluginst.inf` and `lklfs.wfx64` (the Windows build),
//!   which Total Commander installs when the user opens the zip (its 64-bit
//!   edition reads `file=lklfs.wfx` as `lklfs.wfx64`; there is no 32-bit
//!   `.wfx`, which would need a 32-bit kernel build);
//! - `lklfs.wfx`: the Linux build, for Double Commander.
//!
//! The zip is written by Python's zipfile (python3 is on every machine the
//! project supports), with fixed times, so the same build gives the same
//! bytes.

use std::path::Path;
use std::process::Command;

use crate::{cargo, root, run};

const WINDOWS_TARGET: &str = crate::WINDOWS_TARGET;

pub fn package() -> Result<(), String> {
    crate::windows_tools()?;
    run(cargo().args(["build", "--release", "-p", "tcplugin"]))?;
    run(cargo().args(["build", "--release", "--target", WINDOWS_TARGET, "-p", "tcplugin"]))?;
    let out = root().join("target/plugin");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let linux = root().join("target/release/libtcplugin.so");
    let windows = root().join(format!("target/{WINDOWS_TARGET}/release/tcplugin.dll"));
    let wfx = out.join("lklfs.wfx");
    std::fs::copy(&linux, &wfx).map_err(|e| format!("{}: {e}", linux.display()))?;
    let zip = out.join("lklfs-wfx.zip");
    let inf = root().join("tools/tcplugin/pluginst.inf");
    let script = "import sys, zipfile\n\
        out, inf, dll = sys.argv[1:4]\n\
        with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n\
        \x20   for name, path in (('pluginst.inf', inf), ('lklfs.wfx64', dll)):\n\
        \x20       info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))\n\
        \x20       info.compress_type = zipfile.ZIP_DEFLATED\n\
        \x20       z.writestr(info, open(path, 'rb').read())\n";
    run(Command::new("python3").arg("-c").arg(script).arg(&zip).arg(&inf).arg(&windows))?;
    for f in [&zip, &wfx] {
        println!("{}: {} bytes", f.display(), size(f));
    }
    Ok(())
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}
