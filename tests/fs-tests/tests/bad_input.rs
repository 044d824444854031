//! Bad input: truncated images, a zeroed superblock, garbage, and 400
//! deterministic mutations of small ext4 images at metadata offsets taken
//! from dumpe2fs/debugfs — half with metadata_csum off, so the corruption
//! reaches the parsers instead of the checksum checks. Each image must
//! either fail to mount with an errno, or mount and survive a full read
//! walk (and a few writes) with errnos: no crash, no hang (the runner's
//! per-case timeout), no Linux BUG, and the kernel still alive.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use fs_tests::devices::MemDevice;
use fs_tests::host::{Class, ExtLayout, HostMount};
use fs_tests::mutation::mutate;
use fs_tests::rng::Rng;
use fs_tests::walk::{Outcome, mount_walk_unmount};
use fs_tests::{R, Scratch, boot, es, kernel_healthy, mkfs};
use lkl::{Kernel, MountOptions};
use lkl_std_host::{Console, StdHost};
use lkl_test_runner::{Case, check, ensure};

/// Mounts `image` as ext4 (or `fstype`) in the running kernel, walks it,
/// unmounts, removes the disk, and checks the kernel is still healthy.
fn try_image(k: &Kernel, host: &StdHost, image: Vec<u8>, fstype: Option<&str>) -> R<Outcome> {
    let before = host.console_text().len();
    let disk = check!(k.add_disk(Arc::new(MemDevice::new(image, false))), "add_disk");
    let opts = MountOptions { fstype: fstype.map(String::from), ..MountOptions::default() };
    let outcome = mount_walk_unmount(k, &disk, &opts)?;
    check!(k.remove_disk(disk), "remove_disk");
    let text = host.console_text();
    ensure!(text.len() < (1 << 20) - 4096, "console capture is full; make the batches smaller");
    kernel_healthy(k, &text[before..])?;
    kernel_healthy(k, &lkl::console_tail())?;
    Ok(outcome)
}

/// A small populated ext4 image: nested and big (htree) directories,
/// files, a sparse file whose extents need an extent-tree block, symlinks
/// and xattrs — written by the host kernel.
fn base_image(s: &Scratch, csum: bool) -> R<(Vec<u8>, ExtLayout)> {
    let img = s.path("base.img");
    let features = if csum { "metadata_csum" } else { "^metadata_csum" };
    mkfs(&img, 8, &["mkfs.ext4", "-q", "-F", "-b", "1024", "-O", features])?;
    {
        let mnt = HostMount::new(&img, &s.path("mnt"), false)?;
        let r = mnt.path();
        let mut rng = Rng::new(77);
        std::fs::create_dir_all(r.join("sub/deeper/deepest")).map_err(es("mkdir"))?;
        std::fs::create_dir(r.join("big")).map_err(es("mkdir"))?;
        for i in 0..300 {
            std::fs::write(r.join(format!("big/n-{i:04}")), rng.bytes(i % 50)).map_err(es("write"))?;
        }
        for (i, size) in [0usize, 100, 5000, 70_000, 300_000].iter().enumerate() {
            std::fs::write(r.join(format!("sub/f{i}")), rng.bytes(*size)).map_err(es("write"))?;
        }
        std::fs::write(r.join("sub/a"), b"a").map_err(es("write"))?;
        std::fs::write(r.join("sub/deeper/deepest/leaf"), rng.bytes(3000)).map_err(es("write"))?;
        // Every other 1 KiB block: one extent each, more than the inode's
        // four, so the file needs an extent-tree block.
        let f = std::fs::File::create(r.join("sparse")).map_err(es("create"))?;
        for i in 0..40u64 {
            std::os::unix::fs::FileExt::write_all_at(&f, &rng.bytes(1024), i * 2048).map_err(es("pwrite"))?;
        }
        drop(f);
        std::os::unix::fs::symlink("sub/f1", r.join("link")).map_err(es("symlink"))?;
        std::os::unix::fs::symlink("t/".repeat(50), r.join("longlink")).map_err(es("symlink"))?;
        rustix::fs::lsetxattr(r.join("sub/f2"), "user.x", &rng.bytes(300), rustix::fs::XattrFlags::empty())
            .map_err(es("setxattr"))?;
        mnt.unmount()?;
    }
    let layout = ExtLayout::read(&img, &["/sparse"], &["/", "/big", "/sub"])?;
    let data = std::fs::read(&img).map_err(es("read image"))?;
    Ok((data, layout))
}

const CLASSES: [Class; 7] = [
    Class::Superblock,
    Class::GroupDesc,
    Class::BlockBitmap,
    Class::InodeBitmap,
    Class::InodeTable,
    Class::ExtentBlock,
    Class::DirBlock,
];

/// Mutations per process: each has its own disk (removed before the next),
/// and the per-case timeout still catches a hang in any one of them.
const BATCH: usize = 50;

fn mutations(csum: bool, batch: u64) -> R {
    let s = Scratch::new(&format!("mut-{csum}-{batch}"))?;
    let (base, layout) = base_image(&s, csum)?;
    // FS_TESTS_MUTATION=N runs mutation N alone with the console on stderr
    // (to reproduce a failure).
    let only: Option<u64> = std::env::var("FS_TESTS_MUTATION").ok().and_then(|v| v.parse().ok());
    let (k, host) = boot(if only.is_some() { Console::Stderr } else { Console::Capture }, 64)?;
    // The unmutated image must mount and walk clean, or the test means nothing.
    match try_image(&k, host, base.clone(), Some("ext4"))? {
        Outcome::Mounted(w) if w.errors.is_empty() && w.entries > 300 => {}
        o => return Err(format!("the base image: {}", o.describe())),
    }
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..BATCH as u64 {
        let mut rng = Rng::new((u64::from(csum) << 32) ^ (batch << 16) ^ i ^ 0xbad);
        let class = CLASSES[((batch * BATCH as u64 + i) % CLASSES.len() as u64) as usize];
        let regions = layout.of(class);
        ensure!(!regions.is_empty(), "dumpe2fs/debugfs gave no {class:?}");
        let (start, end) = regions[rng.below(regions.len() as u64) as usize];
        // The superblock's interesting fields are in its first 0x200 bytes.
        let end = if class == Class::Superblock { start + 0x200 } else { end };
        let at = (start + rng.below(end - start)) as usize;
        let mut image = base.clone();
        let what = mutate(&mut image, at, &mut rng);
        if only.is_some_and(|n| n != i) {
            continue;
        }
        let label = format!("#{i} {class:?} at {at:#x} ({what})");
        // Printed first, so a hang names the mutation that caused it.
        println!("{label} ...");
        let o = try_image(&k, host, image, Some("ext4")).map_err(|e| format!("{label}: {e}"))?;
        println!("    {}", o.describe());
        let key = match &o {
            Outcome::MountFailed(e) => format!("mount failed {}", e.name().unwrap_or("?")),
            Outcome::Mounted(w) if w.errors.is_empty() => "mounted, clean walk".into(),
            Outcome::Mounted(_) => "mounted, walk met errnos".into(),
        };
        *tally.entry(key).or_default() += 1;
    }
    println!("summary (metadata_csum {}): {tally:?}", if csum { "on" } else { "off" });
    check!(k.halt(), "halt");
    Ok(())
}

macro_rules! batches {
    ($($name:ident = ($csum:expr, $batch:expr);)*) => {
        $(fn $name() -> R { mutations($csum, $batch) })*
        const MUTATIONS: &[(&str, fn() -> R)] = &[$((stringify!($name), $name)),*];
    };
}

batches! {
    mutate_csum_0 = (true, 0);
    mutate_csum_1 = (true, 1);
    mutate_csum_2 = (true, 2);
    mutate_csum_3 = (true, 3);
    mutate_nocsum_0 = (false, 0);
    mutate_nocsum_1 = (false, 1);
    mutate_nocsum_2 = (false, 2);
    mutate_nocsum_3 = (false, 3);
}

fn expect_mount_error(k: &Kernel, host: &StdHost, what: &str, image: Vec<u8>, fstype: Option<&str>) -> R {
    match try_image(k, host, image, fstype)? {
        Outcome::MountFailed(e) => {
            println!("{what} as {}: {e}", fstype.unwrap_or("detected"));
            Ok(())
        }
        // A mount is acceptable only if the walk survived, which it did.
        o => {
            println!("{what} as {}: {}", fstype.unwrap_or("detected"), o.describe());
            Ok(())
        }
    }
}

fn made(s: &Scratch, name: &str, args: &[&str]) -> R<Vec<u8>> {
    let img = s.path(name);
    mkfs(&img, 16, args)?;
    std::fs::read(&img).map_err(es("read image"))
}

fn truncated_images() -> R {
    let s = Scratch::new("trunc")?;
    let ext4 = made(&s, "ext4.img", &["mkfs.ext4", "-q", "-F", "-b", "1024"])?;
    let vfat = made(&s, "vfat.img", &["mkfs.vfat"])?;
    let (k, host) = boot(Console::Capture, 64)?;
    for (name, img, fstype) in [("ext4", &ext4, "ext4"), ("vfat", &vfat, "vfat")] {
        for keep in [img.len() * 2 / 5, 64 * 1024, 4096] {
            let cut = img[..keep].to_vec();
            let o = try_image(&k, host, cut, Some(fstype))?;
            println!("{name} truncated to {keep} bytes: {}", o.describe());
            // ext4 checks the block count against the device size.
            if fstype == "ext4" {
                ensure!(matches!(o, Outcome::MountFailed(_)), "{name} truncated to {keep} bytes mounted");
            }
        }
    }
    check!(k.halt(), "halt");
    Ok(())
}

fn zeroed_superblock() -> R {
    let s = Scratch::new("zsb")?;
    let mut ext4 = made(&s, "ext4.img", &["mkfs.ext4", "-q", "-F"])?;
    ext4[1024..2048].fill(0);
    let mut vfat = made(&s, "vfat.img", &["mkfs.vfat"])?;
    vfat[..512].fill(0);
    let (k, host) = boot(Console::Capture, 64)?;
    for (what, img, fstype) in
        [("ext4", &ext4, Some("ext4")), ("ext4", &ext4, None), ("vfat", &vfat, Some("vfat")), ("vfat", &vfat, None)]
    {
        let o = try_image(&k, host, img.clone(), fstype)?;
        println!("{what} with a zeroed superblock as {}: {}", fstype.unwrap_or("detected"), o.describe());
        ensure!(matches!(o, Outcome::MountFailed(_)), "{what} with a zeroed superblock mounted");
    }
    check!(k.halt(), "halt");
    Ok(())
}

fn garbage() -> R {
    let (k, host) = boot(Console::Capture, 64)?;
    for seed in 0..4u64 {
        let img = Rng::new(seed).bytes(8 << 20);
        for fstype in [None, Some("ext4"), Some("vfat")] {
            expect_mount_error(&k, host, &format!("garbage #{seed}"), img.clone(), fstype)?;
        }
    }
    check!(k.halt(), "halt");
    Ok(())
}

fn main() {
    let mut cases = vec![
        Case { name: "truncated_images", timeout: Duration::from_secs(60), run: truncated_images },
        Case { name: "zeroed_superblock", timeout: Duration::from_secs(60), run: zeroed_superblock },
        Case { name: "garbage", timeout: Duration::from_secs(60), run: garbage },
    ];
    cases.extend(MUTATIONS.iter().map(|&(name, run)| Case { name, timeout: Duration::from_secs(120), run }));
    lkl_test_runner::main("bad_input", &cases)
}
