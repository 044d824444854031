//! `cargo xtask dist`: the Windows package, signed with a throw-away test
//! certificate, in `target/dist/`:
//!
//! - `lklfs-VERSION-windows-x64/`: `lklfs-setup.exe` (which carries the
//!   rest and installs it), `lklfs.sys` (the product build), `lklfs.exe`,
//!   `lklfs.inf`, `lklfs-wfx.zip` (the Total Commander plugin),
//!   `lklfs-test.cer` (the certificate to trust in test-signing mode) and
//!   `docs/`;
//! - `lklfs-VERSION-windows-x64.zip`: the same folder, zipped.
//!
//! The certificate and its key are made with openssl on first use into
//! `target/dist-cert/` (never in the repository) and kept, so a machine
//! that trusts it goes on trusting later builds. osslsigncode signs with
//! SHA-256; the driver also gets page hashes, as Windows' code integrity
//! checks pages of kernel images.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::plugin::{size, zip_files, zip_plugin};
use crate::{WINDOWS_TARGET, cargo, copy, mkdir, root, run};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The test certificate (PEM) and key, made once.
fn certificate() -> Result<(PathBuf, PathBuf), String> {
    let dir = root().join("target/dist-cert");
    let (cert, key) = (dir.join("lklfs-test.pem"), dir.join("lklfs-test.key"));
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    mkdir(&dir)?;
    run(Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:3072", "-sha256", "-nodes", "-days", "3650"])
        .args([
            "-subj",
            "/CN=lklfs test signing (throw-away)/O=lklfs test build",
            "-addext",
            "keyUsage=critical,digitalSignature",
            "-addext",
            "extendedKeyUsage=codeSigning",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert))?;
    Ok((cert, key))
}

/// Drops the DWARF the release profile keeps (`debug = 1`): Windows'
/// debuggers cannot read it, and it is most of each binary's size.
fn strip(file: &Path) -> Result<(), String> {
    run(Command::new("x86_64-w64-mingw32-strip").arg("--strip-debug").arg(file))
}

/// Signs `file` in place (SHA-256; page hashes when `pages`).
fn sign(file: &Path, cert: &Path, key: &Path, pages: bool) -> Result<(), String> {
    let signed = file.with_extension("signed");
    let _ = std::fs::remove_file(&signed);
    let mut c = Command::new("osslsigncode");
    c.args(["sign", "-h", "sha256", "-n", "lklfs", "-i", "https://github.com/lklfs"]).arg("-certs").arg(cert);
    c.arg("-key").arg(key);
    if pages {
        c.arg("-ph");
    }
    run(c.arg("-in").arg(file).arg("-out").arg(&signed))?;
    std::fs::rename(&signed, file).map_err(|e| format!("{}: {e}", file.display()))
}

/// The product driver, built where the driver suite builds it (its
/// kernel object conversion is shared).
fn driver() -> Result<PathBuf, String> {
    run(crate::nt_cargo("build", "abort").args(["-p", "driver"]))?;
    Ok(root().join(format!("target/nt/{WINDOWS_TARGET}/release/driver.dll")))
}

pub fn package() -> Result<(), String> {
    crate::windows_tools()?;
    crate::install(&["osslsigncode", "openssl", "python3"])?;
    let (cert, key) = certificate()?;
    let dist = root().join("target/dist");
    let name = format!("lklfs-{VERSION}-windows-x64");
    let out = dist.join(&name);
    let _ = std::fs::remove_dir_all(&out);
    mkdir(&out.join("docs"))?;
    let work = dist.join("work");
    mkdir(&work)?;

    let sys = out.join("lklfs.sys");
    copy(&driver()?, &sys)?;
    strip(&sys)?;
    sign(&sys, &cert, &key, true)?;
    run(cargo().args(["build", "--release", "--target", WINDOWS_TARGET, "-p", "lklfs"]))?;
    let exe = out.join("lklfs.exe");
    copy(&root().join(format!("target/{WINDOWS_TARGET}/release/lklfs.exe")), &exe)?;
    strip(&exe)?;
    sign(&exe, &cert, &key, false)?;
    let wfx = work.join("lklfs.wfx64");
    copy(&crate::plugin::build_windows()?, &wfx)?;
    strip(&wfx)?;
    sign(&wfx, &cert, &key, false)?;
    let plugin = out.join("lklfs-wfx.zip");
    zip_plugin(&plugin, &wfx)?;
    copy(&root().join("installer/lklfs.inf"), &out.join("lklfs.inf"))?;
    for doc in ["windows.md", "plugin.md"] {
        copy(&root().join("docs").join(doc), &out.join("docs").join(doc))?;
    }
    copy(&root().join("README.md"), &out.join("docs/README.md"))?;
    // The certificate as Windows' certificate tools take it (DER).
    run(Command::new("openssl")
        .args(["x509", "-outform", "der", "-in"])
        .arg(&cert)
        .arg("-out")
        .arg(out.join("lklfs-test.cer")))?;

    // What the setup program carries and installs.
    let payload = work.join("payload.zip");
    let docs = out.join("docs");
    zip_files(
        &payload,
        &[
            ("lklfs.sys", &sys),
            ("lklfs.exe", &exe),
            ("lklfs-wfx.zip", &plugin),
            ("docs/windows.md", &docs.join("windows.md")),
            ("docs/plugin.md", &docs.join("plugin.md")),
            ("docs/README.md", &docs.join("README.md")),
        ],
    )?;
    run(cargo()
        .args(["build", "--release", "--target", WINDOWS_TARGET, "-p", "lklfs-setup"])
        .env("LKLFS_SETUP_PAYLOAD", &payload))?;
    let setup = out.join("lklfs-setup.exe");
    copy(&root().join(format!("target/{WINDOWS_TARGET}/release/lklfs-setup.exe")), &setup)?;
    strip(&setup)?;
    sign(&setup, &cert, &key, false)?;

    let zip = dist.join(format!("{name}.zip"));
    let mut entries: Vec<(String, PathBuf)> = Vec::new();
    for f in ["lklfs-setup.exe", "lklfs.sys", "lklfs.exe", "lklfs.inf", "lklfs-wfx.zip", "lklfs-test.cer"] {
        entries.push((format!("{name}/{f}"), out.join(f)));
    }
    for d in ["windows.md", "plugin.md", "README.md"] {
        entries.push((format!("{name}/docs/{d}"), docs.join(d)));
    }
    let refs: Vec<(&str, &Path)> = entries.iter().map(|(n, p)| (n.as_str(), p.as_path())).collect();
    zip_files(&zip, &refs)?;
    for (n, p) in &entries {
        println!("{n}: {} bytes", size(p));
    }
    println!("{}: {} bytes", zip.display(), size(&zip));
    println!("signed with {} (the test certificate; see docs/windows.md)", cert.display());
    Ok(())
}
