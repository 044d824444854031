//! Two things go into the program at build time:
//! - the package it installs, a zip named by `LKLFS_SETUP_PAYLOAD`
//!   (`cargo xtask dist` sets it); without it the program carries an
//!   empty package and refuses to install, saying how to build one;
//! - on Windows, the manifest that has Windows ask for administrator
//!   rights when the program starts (setup.rc, setup.manifest).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=LKLFS_SETUP_PAYLOAD");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("payload.zip");
    match std::env::var_os("LKLFS_SETUP_PAYLOAD") {
        Some(p) => {
            println!("cargo:rerun-if-changed={}", PathBuf::from(&p).display());
            if let Err(e) = std::fs::copy(&p, &out) {
                panic!("LKLFS_SETUP_PAYLOAD={}: {e}", PathBuf::from(&p).display());
            }
        }
        None => {
            if let Err(e) = std::fs::write(&out, []) {
                panic!("{}: {e}", out.display());
            }
        }
    }
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        println!("cargo:rerun-if-changed=setup.manifest");
        embed_resource::compile("setup.rc", embed_resource::NONE).manifest_required().unwrap_or_else(|e| panic!("{e}"));
    }
}
