//! The package the setup program carries: a zip that `cargo xtask dist`
//! builds (the driver as `lklfs.sys`, `lklfs.exe`, the plugin's zip, the
//! documentation under `docs/`). Read whole into memory: it is a few
//! megabytes.

use std::io::{Cursor, Read};

use crate::Error;

/// One file of the package: its name in the zip (`/`-separated) and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The name, relative, `/`-separated.
    pub name: String,
    /// The contents.
    pub bytes: Vec<u8>,
}

/// The files of a package zip. An empty input (a setup program built
/// without a package) is an empty list; the install then refuses.
pub fn read(zip: &[u8]) -> Result<Vec<File>, Error> {
    if zip.is_empty() {
        return Ok(Vec::new());
    }
    let bad = |e: &dyn std::fmt::Display| Error::failed(format!("the setup program's package is damaged ({e})"));
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|e| bad(&e))?;
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| bad(&e))?;
        if entry.is_dir() {
            continue;
        }
        // A name that climbs out of the install folder, or is absolute,
        // never comes from our own build: refuse the whole package.
        let name = entry.name().to_string();
        if entry.enclosed_name().is_none() || name.contains('\\') || name.contains(':') {
            return Err(bad(&format!("bad name {name:?}")));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry.read_to_end(&mut bytes).map_err(|e| bad(&e))?;
        files.push(File { name, bytes });
    }
    Ok(files)
}
