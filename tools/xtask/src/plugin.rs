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

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, copy, mkdir, root, run};

const WINDOWS_TARGET: &str = crate::WINDOWS_TARGET;

pub fn package() -> Result<(), String> {
    crate::windows_tools()?;
    run(cargo().args(["build", "--release", "-p", "tcplugin"]))?;
    let windows = build_windows()?;
    let out = root().join("target/plugin");
    mkdir(&out)?;
    let wfx = out.join("lklfs.wfx");
    copy(&root().join("target/release/libtcplugin.so"), &wfx)?;
    let zip = out.join("lklfs-wfx.zip");
    zip_plugin(&zip, &windows)?;
    for f in [&zip, &wfx] {
        println!("{}: {} bytes", f.display(), size(f));
    }
    Ok(())
}

/// The Windows build of the plugin (`tcplugin.dll`).
pub fn build_windows() -> Result<PathBuf, String> {
    run(cargo().args(["build", "--release", "--target", WINDOWS_TARGET, "-p", "tcplugin"]))?;
    Ok(root().join(format!("target/{WINDOWS_TARGET}/release/tcplugin.dll")))
}

/// The installable zip of the Windows build `dll`.
pub fn zip_plugin(zip: &Path, dll: &Path) -> Result<(), String> {
    let inf = root().join("tools/tcplugin/pluginst.inf");
    zip_files(zip, &[("pluginst.inf", &inf), ("lklfs.wfx64", dll)])
}

/// Writes `entries` (name in the zip, file) into a new zip at `out`.
pub fn zip_files(out: &Path, entries: &[(&str, &Path)]) -> Result<(), String> {
    let script = "import sys, zipfile\n\
        out, pairs = sys.argv[1], sys.argv[2:]\n\
        with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n\
        \x20   for name, path in zip(pairs[0::2], pairs[1::2]):\n\
        \x20       info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))\n\
        \x20       info.compress_type = zipfile.ZIP_DEFLATED\n\
        \x20       info.external_attr = 0o644 << 16\n\
        \x20       z.writestr(info, open(path, 'rb').read())\n";
    let mut c = Command::new("python3");
    c.arg("-c").arg(script).arg(out);
    for (name, path) in entries {
        c.arg(name).arg(path);
    }
    run(&mut c)
}

pub fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}
