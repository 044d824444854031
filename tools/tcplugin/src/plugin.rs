//! What the plugin does, free of the C interface: the plugin's root lists
//! the volumes of its ini file; each is mounted on first use in the one
//! kernel of the process (booted then, never halted: Linux boots once per
//! process) and unmounted on disconnect. Names are shown with fs-glue's
//! mapping, the one Explorer shows, and mapped back for writes. Every
//! operation that changes a volume ends with a sync, so a file manager
//! killed afterwards loses nothing it was told was done.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use fs_glue::names::{linux_to_windows, windows_to_linux};
use lkl::{BlockDevice, BootConfig, Disk, Errno, Kernel, MountOptions, Mounted, sys};
use lkl_std_host::{Console, CowDevice, FileDevice, StdHost};

use crate::config::{Config, VolumeEntry};
use crate::disks;

/// Bytes per read and write call of a copy (as `lklfs`'s).
const BUF_SIZE: usize = 4 << 20;

/// Why an operation failed, as the WFX codes tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    NotFound,
    Exists,
    Read,
    Write,
    Aborted,
    NotSupported,
}

/// One directory entry as the file manager sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name, mapped for Windows (UTF-16).
    pub name: Vec<u16>,
    pub size: u64,
    /// Unix (seconds, nanoseconds).
    pub mtime: (i64, u32),
    pub atime: (i64, u32),
    /// The Unix mode, type bits included.
    pub mode: u32,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.mode & sys::S_IFMT == sys::S_IFDIR
    }
}

/// An image attached to the kernel, and what of it is mounted.
struct Open {
    /// The image file, for messages.
    image: std::path::PathBuf,
    disk: Option<Disk>,
    read_only: bool,
    /// `None` when the whole image holds the file system; else its
    /// partitions, each a folder `partition N`.
    partitions: Option<Vec<u32>>,
    /// The mounts by partition (`None`: the whole image).
    mounts: HashMap<Option<u32>, Mounted>,
}

/// The root's two entries that are commands, not volumes: opening them
/// asks for an image to add, or a volume to take off the list.
pub const ADD_IMAGE: &str = "Add image\u{2026}";
pub const REMOVE_IMAGE: &str = "Remove image\u{2026}";

/// The folder name of partition N of a partitioned image.
const PARTITION: &str = "partition ";

/// N, for a folder named `partition N`.
fn partition_number(name: &[u16]) -> Option<u32> {
    String::from_utf16_lossy(name).strip_prefix(PARTITION)?.parse().ok()
}

/// The kernel of this process, once booted.
static KERNEL: Mutex<Option<&'static Kernel>> = Mutex::new(None);

/// The kernel, booted on first use with `memory_mib`.
fn kernel(memory_mib: u64) -> Result<&'static Kernel, String> {
    let mut k = KERNEL.lock().map_err(|_| "the kernel's lock is poisoned".to_string())?;
    if let Some(k) = *k {
        return Ok(k);
    }
    let host = StdHost::leak(Console::Capture);
    let config = BootConfig { mem_size: memory_mib << 20, ..BootConfig::default() };
    let booted = Kernel::boot(host, &config).map_err(|e| format!("cannot start the kernel: {e}"))?;
    let booted: &'static Kernel = Box::leak(Box::new(booted));
    *k = Some(booted);
    Ok(booted)
}

/// The plugin's state.
#[derive(Default)]
pub struct Plugin {
    /// The plugin's ini file, where added images are kept.
    ini: Option<std::path::PathBuf>,
    config: Config,
    /// The machine's disks that hold a Linux file system (`disks.rs`),
    /// as the root last found them.
    discovered: Vec<VolumeEntry>,
    mounts: HashMap<String, Open>,
    /// What went wrong last, for the file manager's log.
    pub last_error: Option<String>,
    /// Volumes mounted since the file manager was last told (it logs a
    /// connection, and then offers to disconnect).
    pub connected: Vec<String>,
    /// Inside one user action over many files (FsStatusInfo's start and
    /// end): the changes are synced once, at its end, not file by file.
    batch: bool,
}

/// A path of the plugin split into its volume and the components inside
/// it (UTF-16, either separator: Total Commander passes `\`, Double
/// Commander on Linux `/`).
fn split(path: &[u16]) -> (Option<String>, Vec<Vec<u16>>) {
    let sep = |c: &u16| *c == u16::from(b'\\') || *c == u16::from(b'/');
    let mut parts = path.split(sep).filter(|p| !p.is_empty()).map(<[u16]>::to_vec);
    let volume = parts.next().map(|v| String::from_utf16_lossy(&v));
    (volume, parts.collect())
}

fn errno_failure(e: Errno) -> Failure {
    match e {
        Errno::ENOENT | Errno::ENOTDIR => Failure::NotFound,
        Errno::EEXIST => Failure::Exists,
        _ => Failure::Write,
    }
}

impl Plugin {
    /// The plugin configured by the ini file in `folder`.
    pub fn with_ini_in(folder: &Path) -> (Plugin, Vec<String>) {
        let ini = folder.join("lklfs.ini");
        let (config, problems) = Config::load(&ini);
        (Plugin { ini: Some(ini), config, ..Plugin::default() }, problems)
    }

    fn entry(&self, name: &str) -> Result<VolumeEntry, Failure> {
        let mut all = self.config.volumes.iter().chain(&self.discovered);
        all.find(|v| v.name.eq_ignore_ascii_case(name)).cloned().ok_or(Failure::NotFound)
    }

    /// Looks at the machine's disks again (a disk may have been plugged
    /// in): those mounted now stay as they are, as their device is locked
    /// by the mount.
    fn rediscover(&mut self) {
        let disks = self.config.disks.clone().unwrap_or_else(lkl_std_host::windisk::physical_drives);
        let kept: Vec<VolumeEntry> =
            self.discovered.iter().filter(|v| self.mounts.contains_key(&v.name)).cloned().collect();
        let configured = &self.config.volumes;
        let found = disks::discover(&disks, &|name, path| {
            configured.iter().any(|v| v.name.eq_ignore_ascii_case(name) || v.image == path)
                || kept.iter().any(|v| v.name == name)
        });
        self.discovered = kept.into_iter().chain(found).collect();
    }

    /// The volume named `name` (its name as configured), its image
    /// attached if it is not yet.
    fn attach(&mut self, name: &str) -> Result<(&'static Kernel, String), Failure> {
        let k = kernel(self.config.memory_mib).map_err(|e| self.fail(e, Failure::Read))?;
        let v = self.entry(name)?;
        if !self.mounts.contains_key(&v.name) {
            let open = attach_volume(k, &v).map_err(|e| self.fail(e, Failure::Read))?;
            self.mounts.insert(v.name.clone(), open);
            self.connected.push(v.name.clone());
        }
        Ok((k, v.name))
    }

    fn fail(&mut self, why: String, f: Failure) -> Failure {
        self.last_error = Some(why);
        f
    }

    /// Resolves `path` to (kernel, kernel path, read-only), mounting what
    /// it needs; `NotSupported` for the root and for a partitioned
    /// image's own folder, which hold no files.
    fn resolve(&mut self, path: &[u16]) -> Result<(&'static Kernel, CString, bool), Failure> {
        let (volume, comps) = split(path);
        let (k, name) = self.attach(&volume.ok_or(Failure::NotSupported)?)?;
        let open = self.mounts.get_mut(&name).ok_or(Failure::NotFound)?;
        let (part, rest) = match &open.partitions {
            None => (None, &comps[..]),
            Some(parts) => {
                let first = comps.first().ok_or(Failure::NotSupported)?;
                let n = partition_number(first).filter(|n| parts.contains(n)).ok_or(Failure::NotFound)?;
                (Some(n), comps.get(1..).unwrap_or_default())
            }
        };
        let read_only = open.read_only;
        if !open.mounts.contains_key(&part) {
            let mounted = mount_part(k, open, part).map_err(|e| self.fail(e, Failure::Read))?;
            if let Some(open) = self.mounts.get_mut(&name) {
                open.mounts.insert(part, mounted);
            }
        }
        let root = self.mounts.get(&name).and_then(|o| o.mounts.get(&part)).ok_or(Failure::NotFound)?;
        let mut p: Vec<u8> = root.path.as_bytes().to_vec();
        for c in rest {
            let linux = windows_to_linux(c).map_err(|_| Failure::NotFound)?;
            if linux == b"." || linux == b".." {
                return Err(Failure::NotFound);
            }
            p.push(b'/');
            p.extend_from_slice(&linux);
        }
        Ok((k, CString::new(p).map_err(|_| Failure::NotFound)?, read_only))
    }

    /// The file system of the mount `path` is on.
    fn fstype(&self, path: &[u16]) -> String {
        let (volume, comps) = split(path);
        let Some(open) = volume.and_then(|v| self.entry(&v).ok()).and_then(|v| self.mounts.get(&v.name)) else {
            return String::new();
        };
        let part = match open.partitions {
            None => None,
            Some(_) => comps.first().and_then(|c| partition_number(c)),
        };
        open.mounts.get(&part).map(|m| m.fstype.clone()).unwrap_or_default()
    }

    /// The entries of folder `path`.
    pub fn list(&mut self, path: &[u16]) -> Result<Vec<Entry>, Failure> {
        let (volume, comps) = split(path);
        let Some(volume) = volume else {
            let command = |name: &str| Entry {
                name: name.encode_utf16().collect(),
                size: 0,
                mtime: (0, 0),
                atime: (0, 0),
                mode: sys::S_IFREG | 0o644,
            };
            self.rediscover();
            let mut out: Vec<Entry> = self.config.volumes.iter().chain(&self.discovered).map(root_entry).collect();
            out.push(command(ADD_IMAGE));
            out.push(command(REMOVE_IMAGE));
            return Ok(out);
        };
        if comps.is_empty() {
            let (_, name) = self.attach(&volume)?;
            if let Some(parts) = self.mounts.get(&name).and_then(|o| o.partitions.clone()) {
                let v = self.entry(&name)?;
                let dated = root_entry(&v);
                return Ok(parts
                    .iter()
                    .map(|n| Entry { name: format!("{PARTITION}{n}").encode_utf16().collect(), ..dated.clone() })
                    .collect());
            }
        }
        let (k, dir, _) = self.resolve(path)?;
        let entries = k.read_dir(&dir).map_err(errno_failure)?;
        let fd = k.open(&dir, sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0).map_err(errno_failure)?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries.into_iter().filter(|e| e.name != b"." && e.name != b"..") {
            let Ok(name) = CString::new(e.name.clone()) else { continue };
            let Ok(st) = k.fstatat(fd, &name, sys::AT_SYMLINK_NOFOLLOW) else { continue };
            out.push(Entry {
                name: linux_to_windows(&e.name),
                // A folder's size is its blocks' on Linux: the file manager
                // shows folders without one.
                size: if st.st_mode & sys::S_IFMT == sys::S_IFDIR { 0 } else { st.st_size.max(0) as u64 },
                mtime: (st.st_mtime, st.st_mtime_nsec as u32),
                atime: (st.st_atime, st.st_atime_nsec as u32),
                mode: st.st_mode,
            });
        }
        let _ = k.close(fd);
        Ok(out)
    }

    /// Copies file `remote` out to `local` (FsGetFile). `progress(percent)`
    /// returns true to abort; a file cut short is removed.
    pub fn get(
        &mut self,
        remote: &[u16],
        local: &Path,
        overwrite: bool,
        progress: &mut dyn FnMut(i32) -> bool,
    ) -> Result<(), Failure> {
        if !overwrite && local.exists() {
            return Err(Failure::Exists);
        }
        let (k, path, _) = self.resolve(remote)?;
        let fd = k.open(&path, sys::O_RDONLY | sys::O_CLOEXEC, 0).map_err(errno_failure)?;
        let r = copy_out(k, fd, local, progress);
        let _ = k.close(fd);
        if r.is_err() {
            let _ = std::fs::remove_file(local);
        }
        r
    }

    /// Copies `local` in as file `remote` (FsPutFile), then syncs.
    pub fn put(
        &mut self,
        local: &Path,
        remote: &[u16],
        overwrite: bool,
        progress: &mut dyn FnMut(i32) -> bool,
    ) -> Result<(), Failure> {
        let mut src = File::open(local).map_err(|_| Failure::Read)?;
        let meta = src.metadata().map_err(|_| Failure::Read)?;
        // A place that holds no files (the root, a partitioned image's own
        // folder, a missing folder) cannot be written.
        let (k, path, ro) = self.resolve(remote).map_err(|f| match f {
            Failure::NotFound | Failure::NotSupported => Failure::Write,
            f => f,
        })?;
        if ro {
            return Err(Failure::Write);
        }
        let exclusive = if overwrite { 0 } else { sys::O_EXCL };
        let flags = sys::O_WRONLY | sys::O_CREAT | sys::O_TRUNC | sys::O_CLOEXEC | exclusive;
        let fd = k.open(&path, flags, 0o644).map_err(errno_failure)?;
        let r = copy_in(k, fd, &mut src, meta.len(), progress);
        // The copy keeps the local file's modification time.
        let r =
            r.and_then(|()| match meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()) {
                Some(d) => {
                    let keep = sys::Timespec { tv_sec: 0, tv_nsec: sys::UTIME_OMIT };
                    let t = sys::Timespec { tv_sec: d.as_secs() as i64, tv_nsec: i64::from(d.subsec_nanos()) };
                    k.utimensat(sys::AT_FDCWD, &path, Some(&[keep, t]), 0).map_err(|_| Failure::Write)
                }
                None => Ok(()),
            });
        let r = if self.batch { r } else { r.and_then(|()| k.fsync(fd).map_err(|_| Failure::Write)) };
        let _ = k.close(fd);
        if r.is_err() {
            let _ = k.unlinkat(sys::AT_FDCWD, &path, 0);
        }
        r?;
        self.sync(k)
    }

    /// The sync that ends a change: now, or at the end of the batch.
    fn sync(&self, k: &Kernel) -> Result<(), Failure> {
        if self.batch { Ok(()) } else { k.sync().map_err(|_| Failure::Write) }
    }

    /// FsStatusInfo: a user action over many files starts (`true`) or
    /// ends; at its end everything it changed is synced.
    pub fn batch(&mut self, start: bool) -> Result<(), Failure> {
        self.batch = start;
        if start || self.mounts.is_empty() {
            return Ok(());
        }
        let k = kernel(self.config.memory_mib).map_err(|e| self.fail(e, Failure::Write))?;
        k.sync().map_err(|_| Failure::Write)
    }

    /// A change (mkdir, delete, rmdir) on `path`, then a sync.
    fn change(&mut self, path: &[u16], f: impl FnOnce(&Kernel, &CString) -> Result<(), Errno>) -> Result<(), Failure> {
        let (k, p, ro) = self.resolve(path)?;
        if ro {
            return Err(Failure::Write);
        }
        f(k, &p).map_err(errno_failure)?;
        self.sync(k)
    }

    pub fn mkdir(&mut self, path: &[u16]) -> Result<(), Failure> {
        self.change(path, |k, p| k.mkdir(p, 0o755))
    }

    pub fn delete(&mut self, path: &[u16]) -> Result<(), Failure> {
        self.change(path, |k, p| k.unlinkat(sys::AT_FDCWD, p, 0))
    }

    pub fn rmdir(&mut self, path: &[u16]) -> Result<(), Failure> {
        self.change(path, |k, p| k.unlinkat(sys::AT_FDCWD, p, sys::AT_REMOVEDIR))
    }

    /// Renames or moves `old` to `new` (FsRenMovFile): inside one volume a
    /// rename (`!overwrite` never replaces, FS_FILE_EXISTS), a copy when
    /// not moving; between two volumes a copy, then the source's delete
    /// when moving.
    pub fn rename(&mut self, old: &[u16], new: &[u16], moving: bool, overwrite: bool) -> Result<(), Failure> {
        let (k, from, ro_from) = self.resolve(old)?;
        let (_, to, ro_to) = self.resolve(new)?;
        let same_volume = split(old).0.map(|v| v.to_lowercase()) == split(new).0.map(|v| v.to_lowercase());
        if ro_to || (moving && ro_from) {
            return Err(Failure::Write);
        }
        if moving && same_volume {
            let flags = if overwrite { 0 } else { sys::RENAME_NOREPLACE };
            k.renameat2(sys::AT_FDCWD, &from, sys::AT_FDCWD, &to, flags).map_err(errno_failure)?;
            return self.sync(k);
        }
        let src = k.open(&from, sys::O_RDONLY | sys::O_CLOEXEC, 0).map_err(errno_failure)?;
        let exclusive = if overwrite { 0 } else { sys::O_EXCL };
        let dst = k.open(&to, sys::O_WRONLY | sys::O_CREAT | sys::O_TRUNC | sys::O_CLOEXEC | exclusive, 0o644);
        let r = match dst {
            Ok(dst) => {
                let r = copy_fd(k, src, dst).and_then(|()| k.fsync(dst).map_err(|_| Failure::Write));
                let _ = k.close(dst);
                if r.is_err() {
                    let _ = k.unlinkat(sys::AT_FDCWD, &to, 0);
                }
                r
            }
            Err(e) => Err(errno_failure(e)),
        };
        let _ = k.close(src);
        r?;
        if moving {
            k.unlinkat(sys::AT_FDCWD, &from, 0).map_err(errno_failure)?;
        }
        self.sync(k)
    }

    /// FsSetAttr: the read-only attribute as the owner's write permission.
    pub fn set_read_only(&mut self, path: &[u16], read_only: bool) -> Result<(), Failure> {
        self.change(path, |k, p| {
            let mode = k.fstatat(sys::AT_FDCWD, p, 0)?.st_mode & 0o7777;
            let mode = if read_only { mode & !0o222 } else { mode | 0o200 };
            k.fchmodat(sys::AT_FDCWD, p, mode)
        })
    }

    /// FsSetTime: the times given (Unix seconds, nanoseconds), the others
    /// kept; Linux has no creation time to set.
    pub fn set_times(
        &mut self,
        path: &[u16],
        access: Option<(i64, u32)>,
        write: Option<(i64, u32)>,
    ) -> Result<(), Failure> {
        let ts = |t: Option<(i64, u32)>| match t {
            Some((s, n)) => sys::Timespec { tv_sec: s, tv_nsec: i64::from(n) },
            None => sys::Timespec { tv_sec: 0, tv_nsec: sys::UTIME_OMIT },
        };
        let times = [ts(access), ts(write)];
        self.change(path, |k, p| k.utimensat(sys::AT_FDCWD, p, Some(&times), sys::AT_SYMLINK_NOFOLLOW))
    }

    /// chmod with an octal mode (the file manager's `chmod 755` verb).
    pub fn chmod(&mut self, path: &[u16], mode: u32) -> Result<(), Failure> {
        self.change(path, |k, p| k.fchmodat(sys::AT_FDCWD, p, mode & 0o7777))
    }

    /// What `path` is, for FsExecuteFile's "open" and the content fields.
    pub fn stat(&mut self, path: &[u16]) -> Result<Stat, Failure> {
        let (k, p, _) = self.resolve(path)?;
        let st = k.fstatat(sys::AT_FDCWD, &p, sys::AT_SYMLINK_NOFOLLOW).map_err(errno_failure)?;
        let link = if st.st_mode & sys::S_IFMT == sys::S_IFLNK { k.readlinkat(sys::AT_FDCWD, &p).ok() } else { None };
        let link_is_dir =
            link.is_some() && k.fstatat(sys::AT_FDCWD, &p, 0).is_ok_and(|t| t.st_mode & sys::S_IFMT == sys::S_IFDIR);
        let fstype = self.fstype(path);
        Ok(Stat {
            mode: st.st_mode,
            uid: st.st_uid,
            gid: st.st_gid,
            ino: st.st_ino,
            nlink: st.st_nlink,
            link,
            link_is_dir,
            fstype,
        })
    }

    /// Adds `image` to the root (and to the ini file); its folder's name.
    pub fn add_image(&mut self, image: &Path, read_only: bool) -> Result<String, Failure> {
        if !image.exists() {
            return Err(self.fail(format!("{}: no such file", image.display()), Failure::NotFound));
        }
        let name = self.config.add(image, read_only);
        self.save()?;
        Ok(name)
    }

    /// Takes volume `name` off the root (and the ini file), unmounting it;
    /// its image is left as it is.
    pub fn remove_image(&mut self, name: &str) -> Result<(), Failure> {
        // A disk the plugin found by itself is not on the list to remove.
        let v = self.config.volumes.iter().find(|v| v.name.eq_ignore_ascii_case(name)).cloned();
        let v = v.ok_or(Failure::NotFound)?;
        if self.mounts.contains_key(&v.name) {
            let root: Vec<u16> = format!("\\{}", v.name).encode_utf16().collect();
            self.disconnect(&root)?;
        }
        self.config.volumes.retain(|x| x.name != v.name);
        self.save()
    }

    fn save(&mut self) -> Result<(), Failure> {
        let Some(ini) = self.ini.clone() else { return Err(Failure::Write) };
        self.config.save(&ini).map_err(|e| self.fail(format!("{}: {e}", ini.display()), Failure::Write))
    }

    /// Unmounts the volume `root` names (FsDisconnect): every block on the
    /// image, the disk removed; the next use mounts it again.
    pub fn disconnect(&mut self, root: &[u16]) -> Result<(), Failure> {
        let (volume, _) = split(root);
        let v = self.entry(&volume.ok_or(Failure::NotFound)?)?;
        let mut open = self.mounts.remove(&v.name).ok_or(Failure::NotFound)?;
        let k = kernel(self.config.memory_mib).map_err(|e| self.fail(e, Failure::Write))?;
        let mut result = Ok(());
        for m in open.mounts.values() {
            if k.unmount(m).is_err() {
                result = Err(Failure::Write);
            }
        }
        if let Some(d) = open.disk.take() {
            k.remove_disk(d).map_err(|_| Failure::Write)?;
        }
        result
    }
}

/// What `Plugin::stat` tells of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub ino: u64,
    pub nlink: u32,
    /// A symlink's target, as stored.
    pub link: Option<Vec<u8>>,
    /// The symlink leads to a folder.
    pub link_is_dir: bool,
    /// The volume's file system (ext4, btrfs, xfs, vfat).
    pub fstype: String,
}

/// A volume of the root, shown as a folder dated as its image.
fn root_entry(v: &VolumeEntry) -> Entry {
    let mtime = std::fs::metadata(&v.image)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos()));
    Entry { name: v.name.encode_utf16().collect(), size: 0, mtime, atime: mtime, mode: sys::S_IFDIR | 0o755 }
}

/// Attaches `v`'s image and finds where its file systems are: the whole
/// image, or its partitions. A read-only volume goes through an in-memory
/// overlay, so a journal that needs recovery is replayed there.
fn attach_volume(k: &Kernel, v: &VolumeEntry) -> Result<Open, String> {
    let shown = v.image.display();
    let file = FileDevice::open(&v.image, v.read_only).map_err(|e| format!("{shown}: {e:?}"))?;
    let dev: Arc<dyn BlockDevice> = if v.read_only { Arc::new(CowDevice::new(Arc::new(file))) } else { Arc::new(file) };
    let disk = k.add_disk(dev).map_err(|e| format!("{shown}: cannot attach: {e:?}"))?;
    let whole = k.device_path(&disk, None);
    let head = k.read_device_head(&whole, fs_probe::HEAD_LEN).unwrap_or_default();
    let partitions = if fs_probe::identify(&head).is_some() {
        None
    } else {
        match k.partitions(&disk) {
            Ok(p) if !p.is_empty() => Some(p),
            // Mounted whole anyway: the mount's error tells why.
            _ => None,
        }
    };
    Ok(Open { image: v.image.clone(), disk: Some(disk), read_only: v.read_only, partitions, mounts: HashMap::new() })
}

/// Mounts partition `part` (or the whole image) of an attached image.
fn mount_part(k: &Kernel, open: &Open, part: Option<u32>) -> Result<Mounted, String> {
    let disk = open.disk.as_ref().ok_or("the image is not attached")?;
    let opts = MountOptions { partition: part, fstype: None, read_only: open.read_only, options: String::new() };
    k.mount_disk(disk, &opts).map_err(|e| {
        let what = part.map_or(String::new(), |n| format!(" (partition {n})"));
        format!("{}{what}: the mount failed ({:?}): {}", open.image.display(), e.errno, e.log.trim())
    })
}

/// The buffer a copy of `total` bytes reads through: the whole file when
/// small (a fresh 4 MiB buffer per small file costs more than its copy),
/// [`BUF_SIZE`] at most; one byte more, so the end is seen in one read.
fn buffer_for(total: u64) -> usize {
    usize::try_from(total).map_or(BUF_SIZE, |t| t.saturating_add(1).clamp(4096, BUF_SIZE))
}

/// The percentage `done` of `total` is (100 for an empty file).
fn percent(done: u64, total: u64) -> i32 {
    done.saturating_mul(100).checked_div(total).map_or(100, |p| p.min(100) as i32)
}

fn copy_out(k: &Kernel, fd: lkl::Fd, local: &Path, progress: &mut dyn FnMut(i32) -> bool) -> Result<(), Failure> {
    let st = k.fstat(fd).map_err(|_| Failure::Read)?;
    let total = st.st_size.max(0) as u64;
    let mut out = File::create(local).map_err(|_| Failure::Write)?;
    if progress(0) {
        return Err(Failure::Aborted);
    }
    let mut buf = vec![0u8; buffer_for(total)];
    let mut done = 0u64;
    loop {
        let n = k.read(fd, &mut buf).map_err(|_| Failure::Read)?;
        if n == 0 {
            break;
        }
        out.write_all(buf.get(..n).unwrap_or_default()).map_err(|_| Failure::Write)?;
        done += n as u64;
        if progress(percent(done, total)) {
            return Err(Failure::Aborted);
        }
    }
    // The copy keeps the file's modification time, as a local copy does.
    let mtime = u64::try_from(st.st_mtime)
        .ok()
        .map(|s| std::time::UNIX_EPOCH + std::time::Duration::new(s, st.st_mtime_nsec as u32));
    if let Some(t) = mtime {
        out.set_modified(t).map_err(|_| Failure::Write)?;
    }
    // The local copy's durability is the file manager's, as for any copy
    // it makes: no flush of it here.
    if total == 0 && progress(100) {
        return Err(Failure::Aborted);
    }
    Ok(())
}

/// Writes all of `chunk` to `fd` (a write may take less).
fn write_all(k: &Kernel, fd: lkl::Fd, mut chunk: &[u8]) -> Result<(), Failure> {
    while !chunk.is_empty() {
        let w = k.write(fd, chunk).map_err(|_| Failure::Write)?;
        chunk = chunk.get(w..).unwrap_or_default();
    }
    Ok(())
}

/// Copies descriptor `src` to `dst` inside the kernel.
fn copy_fd(k: &Kernel, src: lkl::Fd, dst: lkl::Fd) -> Result<(), Failure> {
    let total = k.fstat(src).map_or(BUF_SIZE as u64, |st| st.st_size.max(0) as u64);
    let mut buf = vec![0u8; buffer_for(total)];
    loop {
        let n = k.read(src, &mut buf).map_err(|_| Failure::Read)?;
        if n == 0 {
            return Ok(());
        }
        write_all(k, dst, buf.get(..n).unwrap_or_default())?;
    }
}

fn copy_in(
    k: &Kernel,
    fd: lkl::Fd,
    src: &mut File,
    total: u64,
    progress: &mut dyn FnMut(i32) -> bool,
) -> Result<(), Failure> {
    if progress(0) {
        return Err(Failure::Aborted);
    }
    let mut buf = vec![0u8; buffer_for(total)];
    let mut done = 0u64;
    loop {
        let n = src.read(&mut buf).map_err(|_| Failure::Read)?;
        if n == 0 {
            break;
        }
        write_all(k, fd, buf.get(..n).unwrap_or_default())?;
        done += n as u64;
        if progress(percent(done, total)) {
            return Err(Failure::Aborted);
        }
    }
    if total == 0 && progress(100) {
        return Err(Failure::Aborted);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_on_either_separator() {
        let w = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
        assert_eq!(split(&w("\\")), (None, vec![]));
        assert_eq!(split(&w("\\photos\\2024\\a.jpg")), (Some("photos".into()), vec![w("2024"), w("a.jpg")]));
        assert_eq!(split(&w("/photos/2024/")), (Some("photos".into()), vec![w("2024")]));
    }

    #[test]
    fn percentages_end_at_100() {
        assert_eq!((percent(0, 10), percent(5, 10), percent(10, 10), percent(0, 0)), (0, 50, 100, 100));
    }
}
