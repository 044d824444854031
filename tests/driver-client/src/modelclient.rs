//! The `model DIR N STEPS` scenario: the randomized model test (the
//! `nt-model` crate, also run against fs-glue directly on Linux) as IRPs.
//! Seed k (1..=N) runs STEPS operations on DIR\model-k.img, a fresh ext4:
//! each operation becomes the file IOCTL's requests, which the driver's
//! harness turns into the IRPs a Windows program's call would make, and the
//! outcome is compared step by step with the NT reference model (which
//! starts from an empty volume: mkfs's lost+found is deleted first). Then every
//! handle is closed, the tree is listed through IRPs as manifest lines
//! (`model-k: PATH SIZE FNV64`), and the volume is unmounted; the suite
//! holds the images against e2fsck and the host kernel's view of the same
//! tree.

use driver_ioctl as proto;
use fs_glue::layout::dir as entry;
use fs_glue::nt::*;
use nt_model::{Op, Outcome, Subject, run_seed};
use proto::fsops::{CREATE_SHARE_GIVEN, FsRequest, Op as Req};

use crate::fsclient::{call, mount, unmount, want, wide_bytes};
use crate::status::STATUS_SUCCESS;
use crate::win::{Handle, Report};

/// The model's operations as file IOCTL requests to the driver.
struct IrpSubject {
    dev: Handle,
    /// Model slot -> the harness's handle.
    slots: Vec<Option<u32>>,
}

impl IrpSubject {
    fn req(&self, r: &FsRequest<'_>) -> (u32, u64, Vec<u8>) {
        // An IOCTL failure is the harness's, not a file-system answer: it
        // shows as a status no NT call returns.
        call(self.dev, r).unwrap_or((u32::MAX, 0, Vec::new()))
    }

    fn create(&self, name: &str, access: u32, share: u32, disp: u32, opts: u32) -> (u32, u64, Option<u32>) {
        let path = if name.starts_with('\\') { name.to_string() } else { format!("\\{name}") };
        let n = wide_bytes(&path);
        let mut r = FsRequest::new(Req::Create);
        r.name = &n;
        r.out_len = 4;
        r.offset = CREATE_SHARE_GIVEN | u64::from(share);
        r.args = [disp, opts, access];
        let (s, info, p) = self.req(&r);
        let h = p.get(..4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
        (s, info, if s == STATUS_SUCCESS { h } else { None })
    }

    fn on(&self, op: Req, h: u32) -> FsRequest<'static> {
        let mut r = FsRequest::new(op);
        r.handle = h;
        r
    }

    fn set(&self, h: u32, class: u32, data: &[u8]) -> Outcome {
        let mut r = self.on(Req::SetInformation, h);
        r.args[0] = class;
        r.data = data;
        Outcome::Status(self.req(&r).0, 0)
    }

    /// Every entry of `dir` matching `pattern`: sorted (name, size,
    /// attributes), or the failing status.
    fn list(&self, dir: &str, pattern: &str) -> Result<Vec<(String, u64, u32)>, u32> {
        let share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
        let (s, _, h) = self.create(dir, FILE_LIST_DIRECTORY, share, FILE_OPEN, FILE_DIRECTORY_FILE);
        let Some(h) = h else { return Err(s) };
        let pat = wide_bytes(pattern);
        let mut out = Vec::new();
        let mut first = true;
        let res = loop {
            let mut r = self.on(Req::QueryDirectory, h);
            r.name = &pat;
            r.out_len = 512;
            r.args[0] = FILE_DIRECTORY_INFORMATION;
            let (s, n, buf) = self.req(&r);
            match s {
                STATUS_SUCCESS => parse(&buf[..n as usize], &mut out),
                s if s == fs_glue::NtStatus::NO_MORE_FILES.0 && !first => break Ok(()),
                s => break Err(s),
            }
            first = false;
        };
        self.req(&self.on(Req::Close, h));
        out.sort();
        res.map(|()| out)
    }
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    b.get(o..o + 4).and_then(|x| x.try_into().ok()).map_or(0, u32::from_le_bytes)
}

/// The FILE_DIRECTORY_INFORMATION records of one reply.
fn parse(buf: &[u8], out: &mut Vec<(String, u64, u32)>) {
    let mut off = 0;
    while off < buf.len() {
        let nl = u32_at(buf, off + entry::NAME_LEN) as usize;
        let name: Vec<u16> = buf
            .get(off + entry::NAME..off + entry::NAME + nl)
            .unwrap_or(&[])
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let size = buf
            .get(off + entry::EOF..off + entry::EOF + 8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes);
        out.push((String::from_utf16_lossy(&name), size, u32_at(buf, off + entry::ATTR)));
        match u32_at(buf, off) as usize {
            0 => break,
            next => off += next,
        }
    }
}

impl Subject for IrpSubject {
    fn apply(&mut self, op: &Op) -> Outcome {
        let get = |slot: usize| self.slots.get(slot).copied().flatten();
        match *op {
            Op::Create { name, access, share, disp, opts } => {
                let (s, info, h) = self.create(name, access, share, disp, opts);
                let slot = h.map(|h| match self.slots.iter().position(Option::is_none) {
                    Some(i) => {
                        self.slots[i] = Some(h);
                        i
                    }
                    None => {
                        self.slots.push(Some(h));
                        self.slots.len() - 1
                    }
                });
                Outcome::Created(s, info, slot)
            }
            Op::Write { h, off, len, fill } => {
                let Some(h) = get(h) else { return Outcome::Skipped };
                let data = vec![fill; len];
                let mut r = self.on(Req::Write, h);
                r.offset = off;
                r.data = &data;
                let (s, n, _) = self.req(&r);
                Outcome::Status(s, if s == STATUS_SUCCESS { n as usize } else { 0 })
            }
            Op::Read { h, off, len } => {
                let Some(h) = get(h) else { return Outcome::Skipped };
                let mut r = self.on(Req::Read, h);
                r.offset = off;
                r.out_len = len as u32;
                match self.req(&r) {
                    (STATUS_SUCCESS, n, mut p) => {
                        p.truncate(n as usize);
                        Outcome::Data(p)
                    }
                    (s, _, _) => Outcome::Status(s, 0),
                }
            }
            Op::SetEof { h, size } => {
                let Some(h) = get(h) else { return Outcome::Skipped };
                self.set(h, FILE_END_OF_FILE_INFORMATION, &size.to_le_bytes())
            }
            Op::Rename { h, target, replace } => {
                let Some(h) = get(h) else { return Outcome::Skipped };
                let t = wide_bytes(target);
                let mut r = self.on(Req::Rename, h);
                r.name = &t;
                r.args[0] = u32::from(replace);
                Outcome::Status(self.req(&r).0, 0)
            }
            Op::Dispose { h, delete } => {
                let Some(h) = get(h) else { return Outcome::Skipped };
                self.set(h, FILE_DISPOSITION_INFORMATION, &[u8::from(delete)])
            }
            Op::Close { h: slot } => {
                let Some(h) = get(slot) else { return Outcome::Skipped };
                self.slots[slot] = None;
                Outcome::Status(self.req(&self.on(Req::Close, h)).0, 0)
            }
            Op::List { dir, pattern } => Outcome::Listing(
                self.list(dir, pattern)
                    .map(|l| l.into_iter().map(|(n, size, a)| (n, size, a & FILE_ATTRIBUTE_DIRECTORY != 0)).collect()),
            ),
        }
    }

    fn opens_rename_targets(&self) -> bool {
        true
    }

    fn close_all(&mut self) {
        for h in core::mem::take(&mut self.slots).into_iter().flatten() {
            self.req(&self.on(Req::Close, h));
        }
    }
}

/// FNV-1a 64 of a file's bytes, read through IRPs.
fn fnv(s: &IrpSubject, path: &str) -> Result<u64, String> {
    let (st, _, h) = s.create(path, FILE_GENERIC_READ, 7, FILE_OPEN, FILE_NON_DIRECTORY_FILE);
    let h = h.ok_or(format!("open {path}: {st:#x}"))?;
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut off = 0u64;
    loop {
        let mut r = s.on(Req::Read, h);
        r.offset = off;
        r.out_len = 4096;
        match s.req(&r) {
            (STATUS_SUCCESS, n, p) => {
                for b in &p[..n as usize] {
                    hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
                }
                off += n;
            }
            _ => break,
        }
    }
    s.req(&s.on(Req::Close, h));
    Ok(hash)
}

/// The tree as manifest lines, depth first.
fn manifest(s: &IrpSubject, dir: &str, tag: &str, out: &mut Vec<String>) -> Result<(), String> {
    let list = s.list(dir, "*").map_err(|e| format!("list {dir}: {e:#x}"))?;
    for (name, size, attrs) in list {
        if name == "." || name == ".." {
            continue;
        }
        let path = if dir == "\\" { format!("\\{name}") } else { format!("{dir}\\{name}") };
        if attrs & FILE_ATTRIBUTE_DIRECTORY != 0 {
            out.push(format!("{tag}: {} dir", &path[1..].replace('\\', "/")));
            manifest(s, &path, tag, out)?;
        } else {
            out.push(format!("{tag}: {} {size} {:016x}", &path[1..].replace('\\', "/"), fnv(s, &path)?));
        }
    }
    Ok(())
}

pub(crate) fn run(dev: Handle, r: &mut Report, dir: &str, seeds: u64, steps: usize) {
    for seed in 1..=seeds {
        let image = format!("{dir}\\model-{seed}.img");
        let res = (|| {
            want(mount(dev, &image, false)?, STATUS_SUCCESS, "mount")?;
            let mut s = IrpSubject { dev, slots: Vec::new() };
            // The model starts from an empty volume: mkfs's lost+found goes
            // first, through IRPs (a directory deleted on close).
            let (st, _, h) = s.create("\\lost+found", DELETE, 0, FILE_OPEN, FILE_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE);
            let h = h.ok_or(format!("open lost+found for deletion: {st:#x}"))?;
            s.req(&s.on(Req::Close, h));
            let started = std::time::Instant::now();
            let outcome = run_seed(seed, steps, &mut s);
            let secs = started.elapsed().as_secs_f64();
            // After a mismatch too, so the volume can be unmounted.
            s.close_all();
            let mut lines = Vec::new();
            let listed = manifest(&s, "\\", &format!("model-{seed}"), &mut lines);
            let unmounted = unmount(dev).and_then(|x| want(x, STATUS_SUCCESS, "unmount"));
            outcome?;
            listed?;
            unmounted?;
            println!(
                "# seed {seed}: {steps} operations as IRPs in {secs:.1} s ({:.0} per second)",
                steps as f64 / secs
            );
            for l in lines {
                println!("manifest: {l}");
            }
            Ok::<(), String>(())
        })();
        r.check(&format!("model seed {seed}: {steps} operations as IRPs match the NT reference model"), res);
    }
}
