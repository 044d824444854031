//! The plugin's own ini file, `lklfs.ini` beside the file manager's
//! (the folder `FsSetDefaultParams` names):
//!
//! ```ini
//! [lklfs]
//! MemoryMiB=128
//!
//! [volume photos]
//! Image=C:\images\photos.ext4
//! ReadOnly=1
//! ```
//!
//! Each `[volume NAME]` is a folder of the plugin's root, and so is each
//! disk of the machine that holds a Linux file system (`disks.rs`; the
//! `[lklfs]` key `Disks=` lists other disks to look at instead). `MemoryMiB` sizes
//! the kernel, whose memory (its page cache included) comes out of the file
//! manager's own process: 128 MiB by default, enough to stream copies
//! through large buffers at full speed while staying small beside a
//! desktop's memory, and what `lklfs` uses; 32..=1024 accepted.

use std::path::{Path, PathBuf};

/// The kernel's memory unless the ini says otherwise.
pub const DEFAULT_MEMORY_MIB: u64 = 128;
const MEMORY_RANGE: std::ops::RangeInclusive<u64> = 32..=1024;

/// One image the plugin shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeEntry {
    /// Its folder's name in the plugin's root.
    pub name: String,
    /// The image file (or disk).
    pub image: PathBuf,
    /// Never written.
    pub read_only: bool,
}

/// What the ini says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub memory_mib: u64,
    pub volumes: Vec<VolumeEntry>,
    /// `Disks=`: the disks whose Linux file systems the root shows
    /// (`disks.rs`); `None` for the platform's own.
    pub disks: Option<Vec<PathBuf>>,
}

impl Default for Config {
    fn default() -> Self {
        Config { memory_mib: DEFAULT_MEMORY_MIB, volumes: Vec::new(), disks: None }
    }
}

/// The section prefix of a volume.
const VOLUME: &str = "volume ";

impl Config {
    /// Reads `path`; a missing file is an empty configuration, a bad value
    /// its default (with the reason in the returned list).
    pub fn load(path: &Path) -> (Config, Vec<String>) {
        let mut c = Config::default();
        let mut problems = Vec::new();
        let ini = match ini::Ini::load_from_file_noescape(path) {
            Ok(i) => i,
            Err(ini::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return (c, problems),
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                return (c, problems);
            }
        };
        if let Some(m) = ini.get_from(Some("lklfs"), "MemoryMiB") {
            match m.trim().parse::<u64>() {
                Ok(n) if MEMORY_RANGE.contains(&n) => c.memory_mib = n,
                _ => problems.push(format!(
                    "MemoryMiB={m} is not a number in {}..={}; using {DEFAULT_MEMORY_MIB}",
                    MEMORY_RANGE.start(),
                    MEMORY_RANGE.end()
                )),
            }
        }
        if let Some(d) = ini.get_from(Some("lklfs"), "Disks") {
            c.disks = Some(d.split(';').map(str::trim).filter(|p| !p.is_empty()).map(PathBuf::from).collect());
        }
        for (section, props) in ini.iter() {
            let Some(name) = section.and_then(|s| s.strip_prefix(VOLUME)).map(str::trim) else { continue };
            let Some(image) = props.get("Image").map(str::trim).filter(|i| !i.is_empty()) else {
                problems.push(format!("[{VOLUME}{name}] has no Image"));
                continue;
            };
            if name.is_empty() || name.contains(['/', '\\']) || c.volumes.iter().any(|v| v.name == name) {
                problems.push(format!("[{VOLUME}{name}]: a name must be unique, without / or \\"));
                continue;
            }
            let read_only = props.get("ReadOnly").is_some_and(|v| v.trim() == "1");
            c.volumes.push(VolumeEntry { name: name.to_string(), image: PathBuf::from(image), read_only });
        }
        (c, problems)
    }
}

impl Config {
    /// Writes the configuration to `path` (Windows paths stay as they are:
    /// nothing is escaped).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut ini = ini::Ini::new();
        ini.with_section(Some("lklfs")).set("MemoryMiB", self.memory_mib.to_string());
        if let Some(d) = &self.disks {
            let list: Vec<String> = d.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            ini.with_section(Some("lklfs")).set("Disks", list.join(";"));
        }
        for v in &self.volumes {
            ini.with_section(Some(format!("{VOLUME}{}", v.name)))
                .set("Image", v.image.to_string_lossy())
                .set("ReadOnly", if v.read_only { "1" } else { "0" });
        }
        ini.write_to_file_policy(path, ini::EscapePolicy::Nothing)
    }

    /// Adds `image` under a name of its own (the file's name without its
    /// extension, numbered if taken); the name.
    pub fn add(&mut self, image: &Path, read_only: bool) -> String {
        // The last component with either separator (a Windows path on
        // Linux too), without its extension.
        let full = image.to_string_lossy();
        let last = full.rsplit(['/', '\\']).next().unwrap_or_default();
        let stem = last.rsplit_once('.').map_or(last, |(s, _)| s).trim();
        let stem = if stem.is_empty() { "image".to_string() } else { stem.to_string() };
        let taken = |n: &str| self.volumes.iter().any(|v| v.name.eq_ignore_ascii_case(n));
        let name = (1..).map(|i| if i == 1 { stem.clone() } else { format!("{stem} {i}") }).find(|n| !taken(n));
        let name = name.unwrap_or(stem);
        self.volumes.push(VolumeEntry { name: name.clone(), image: image.to_path_buf(), read_only });
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_and_memory_from_the_ini() {
        let dir = std::env::temp_dir().join(format!("tcplugin-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lklfs.ini");
        std::fs::write(
            &path,
            "[lklfs]\nMemoryMiB=64\n\n[volume photos]\nImage=/img/p.ext4\nReadOnly=1\n\n[volume work]\nImage=/img/w.xfs\n\n[volume broken]\nReadOnly=1\n",
        )
        .unwrap();
        let (c, problems) = Config::load(&path);
        assert_eq!(c.memory_mib, 64);
        assert_eq!(
            c.volumes,
            vec![
                VolumeEntry { name: "photos".into(), image: "/img/p.ext4".into(), read_only: true },
                VolumeEntry { name: "work".into(), image: "/img/w.xfs".into(), read_only: false },
            ]
        );
        assert_eq!(problems, vec!["[volume broken] has no Image".to_string()]);
        // Saved and read back, a Windows path and a taken name included.
        let mut c2 = c.clone();
        assert_eq!(c2.add(Path::new("C:\\img\\photos.ext4"), false), "photos 2");
        c2.save(&path).unwrap();
        assert_eq!(Config::load(&path), (c2, vec![]));
        std::fs::write(&path, "[lklfs]\nMemoryMiB=5\n").unwrap();
        let (c, problems) = Config::load(&path);
        assert_eq!((c.memory_mib, problems.len()), (DEFAULT_MEMORY_MIB, 1));
        let (c, problems) = Config::load(&dir.join("none.ini"));
        assert_eq!((c, problems.len()), (Config::default(), 0));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
