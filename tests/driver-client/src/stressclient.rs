//! The `stress DIR THREADS FILES` scenario: ext4, btrfs, xfs and vfat (a
//! disk given as vfat) mounted at once, with IRPs from THREADS threads
//! interleaved over all of them (the driver's harness, `Op::Stress`), and
//! a fifth volume pulled out with a write in flight meanwhile
//! (`removal.rs`); the suite then checks each image.

use driver_ioctl::fsops::{FsRequest, Op};

use crate::fsclient::{call, want, wide_bytes};
use crate::status::STATUS_SUCCESS;
use crate::win::{Handle, Report};

pub(crate) fn run(dev: Handle, r: &mut Report, dir: &str, threads: u32, files: u32) {
    let types = ["ext4", "btrfs", "xfs", "vfat"];
    let mut lines: String = types.iter().map(|t| format!("{t}:\\??\\{dir}\\stress-{t}.img\n")).collect();
    // Pulled out with a write in flight while the threads work.
    lines.push_str(&format!("ext4:\\??\\{dir}\\stress-pulled.img\n"));
    let name = wide_bytes(&lines);
    let mut req = FsRequest::new(Op::Stress);
    req.name = &name;
    req.args = [threads, files, driver_ioctl::fsops::STRESS_PULL_LAST];
    let started = std::time::Instant::now();
    let res = call(dev, &req).and_then(|x| want(x, STATUS_SUCCESS, "stress")).map(|(_, irps, _)| {
        let secs = started.elapsed().as_secs_f64();
        println!("# stress: {irps} IRPs over {} volumes from {threads} threads in {secs:.1} s", types.len());
    });
    r.check(
        &format!("{} volumes (ext4, btrfs, xfs, vfat) mounted at once, IRPs from {threads} threads interleaved, every byte read back; meanwhile a fifth volume's disk pulled out with a write in flight: the write fails, a later request finds the volume dismounted, the others go on", types.len()),
        res,
    );
}
