//! Several volumes at once, with IRPs from several threads interleaved:
//! each image is mounted through the file-system device on a disk of its
//! own, then every thread works on every volume in its own directory
//! (`\tN`): files created, written with a pattern of their own, read back
//! and compared, some renamed to a full path, some deleted. The workers
//! interleave the threads' IRPs as they come. Then every volume is
//! unmounted; the suite checks each image with its own checker and the
//! host kernel's view of the tree (`files` below says what it must hold).

use alloc::vec::Vec;
use core::ptr;

use super::irp::{call, close, create};
use super::ops::{rename_info, rename_or_link, set_info};
use super::{ATTRIBUTE_NORMAL, HFile, Handed, Mounted, SHARE_ALL, mount_disk, unmount_mounted};
use crate::{HOST, disk};
use fs_glue::nt::{
    DELETE, FILE_CREATE, FILE_DIRECTORY_FILE, FILE_DISPOSITION_INFORMATION, FILE_GENERIC_READ, FILE_GENERIC_WRITE,
    FILE_NON_DIRECTORY_FILE, FILE_OVERWRITE_IF, FILE_RENAME_INFORMATION,
};
use lkl_abi::Host;
use nt::{DEVICE_OBJECT, NTSTATUS, VPB};

/// What each thread's opens ask for.
const ACCESS: u32 = FILE_GENERIC_READ | FILE_GENERIC_WRITE | DELETE;

/// The bytes thread `t` writes to its file `i` (the suite computes the
/// same).
fn content(t: u32, i: u32) -> Vec<u8> {
    (0..1000 + 37 * i).map(|k| ((t * 31 + i * 7 + k) % 251) as u8).collect()
}

pub(super) fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// One volume as the threads see it.
#[derive(Clone, Copy)]
struct Target {
    volume: usize,
    vpb: usize,
    real: usize,
}

/// A READ or WRITE IRP at `at` on `fo` to the volume; the status and the
/// bytes moved.
pub(super) fn transfer(
    v: *mut DEVICE_OBJECT,
    fo: *mut nt::FILE_OBJECT,
    write: bool,
    at: u64,
    buf: &mut [u8],
) -> (NTSTATUS, usize) {
    let (p, len) = (buf.as_mut_ptr(), buf.len());
    let major = if write { nt::IRP_MJ_WRITE } else { nt::IRP_MJ_READ };
    // SAFETY: the live volume, an open harness file object, and a buffer
    // that outlives the call.
    unsafe {
        call(v, major, 0, fo, 0, None, Some((p, len)), |sp| {
            sp.Parameters.Read.Length = len as u32;
            sp.Parameters.Read.ByteOffset = at as i64;
        })
    }
}

/// Thread `t`'s work on one volume; the IRPs it sent.
fn work(t: u32, target: Target, files: u32) -> Result<u64, (NTSTATUS, u32)> {
    let (v, vpb, real) =
        (target.volume as *mut DEVICE_OBJECT, target.vpb as *mut VPB, target.real as *mut DEVICE_OBJECT);
    let check = |s: NTSTATUS, step: u32| if nt::nt_success(s) { Ok(()) } else { Err((s, step)) };
    let mut irps = 0u64;
    let dir = alloc::format!("\\t{t}");
    let mut d = HFile::new(&utf16(&dir), vpb, real);
    // SAFETY: the live volume and our file objects, each used by this
    // thread only.
    unsafe {
        check(create(v, &mut d, ACCESS, FILE_CREATE, FILE_DIRECTORY_FILE, SHARE_ALL, 0, ATTRIBUTE_NORMAL).0, 0)?;
        close(v, &mut d);
    }
    irps += 3;
    for i in 0..files {
        let step = 1 + i;
        let mut f = HFile::new(&utf16(&alloc::format!("{dir}\\f{i}")), vpb, real);
        // SAFETY: as above.
        unsafe {
            check(
                create(v, &mut f, ACCESS, FILE_OVERWRITE_IF, FILE_NON_DIRECTORY_FILE, SHARE_ALL, 0, ATTRIBUTE_NORMAL).0,
                step,
            )?;
        }
        let fo = f.ptr();
        let mut data = content(t, i);
        let (s, n) = transfer(v, fo, true, 0, &mut data);
        check(s, step)?;
        let mut back = alloc::vec![0u8; data.len()];
        let (s, m) = transfer(v, fo, false, 0, &mut back);
        check(s, step)?;
        irps += 3;
        if n != data.len() || m != data.len() || back != data {
            // SAFETY: as above.
            unsafe { close(v, &mut f) };
            return Err((nt::STATUS_UNSUCCESSFUL, step));
        }
        if i % 3 == 0 {
            let target = utf16(&alloc::format!("{dir}\\g{i}"));
            // SAFETY: as above.
            let info = rename_info(&target, false);
            // SAFETY: as above.
            let (s, _) = unsafe { rename_or_link(v, vpb, real, fo, f.access, FILE_RENAME_INFORMATION, &info) };
            check(s as NTSTATUS, step)?;
            irps += 4;
        }
        if i % 5 == 0 {
            // SAFETY: as above.
            let (s, _) = unsafe { set_info(v, fo, FILE_DISPOSITION_INFORMATION, &[1], ptr::null_mut(), 0, 0) };
            check(s as NTSTATUS, step)?;
            irps += 1;
        }
        // SAFETY: as above.
        check(unsafe { close(v, &mut f) }, step)?;
        irps += 2;
    }
    Ok(irps)
}

/// Mounts every image (type, NT path) on an image disk of its own, runs
/// `threads` threads over all of them, unmounts them; the status and the
/// IRPs sent. Call on the requesting thread (the images open in its
/// context).
/// With `pull_last`, the last image is not the threads': its disk is
/// pulled out with a write in flight while they work (`removal.rs`).
pub fn stress(
    images: &[(Option<&'static str>, Vec<u16>)],
    threads: u32,
    files: u32,
    pull_last: bool,
) -> (NTSTATUS, u64) {
    if super::is_mounted() {
        return (crate::linux::STATUS_WRONG_STATE, 0);
    }
    let mut mounted: Vec<Mounted> = Vec::new();
    let mut status = nt::STATUS_SUCCESS;
    for (given, path) in images {
        let spec = disk::ImageSpec {
            path,
            read_only: false,
            given_type: *given,
            settings: None,
            letter: None,
            partition: None,
        };
        let (index, claim) = match disk::create_image_disk(spec) {
            Ok(c) => c,
            Err(s) => {
                status = s;
                break;
            }
        };
        match mount_disk(claim, false, Some(index)) {
            Ok(m) => mounted.push(m),
            Err(s) => {
                disk::delete_image_disk(index);
                status = s;
                break;
            }
        }
    }
    let mut irps = 0;
    let mut pulled = None;
    if nt::nt_success(status) && pull_last {
        pulled = mounted.pop();
        if mounted.is_empty() {
            status = nt::STATUS_INVALID_PARAMETER;
        }
    }
    let mut writer = None;
    if let Some(m) = pulled.as_mut().filter(|_| nt::nt_success(status)) {
        match super::removal::start(m) {
            Ok(w) => writer = Some(w),
            Err(s) => status = s,
        }
    }
    if nt::nt_success(status) {
        let targets: Vec<Target> = mounted
            .iter_mut()
            .map(|m| Target { volume: m.volume, vpb: &mut *m.vpb as *mut VPB as usize, real: m.real })
            .collect();
        let mut running = Vec::new();
        for t in 0..threads {
            let slot = alloc::sync::Arc::new(spin::Mutex::new(None));
            let out = slot.clone();
            let mine = Handed(targets.clone());
            let body = move || {
                let mine = mine;
                let n = mine.0.len();
                // Each thread starts on a different volume.
                let mut result = Ok(0);
                for k in 0..n {
                    let Some(&target) = mine.0.get((t as usize + k) % n) else { continue };
                    result = work(t, target, files).and_then(|a| result.map(|b| a + b));
                    if result.is_err() {
                        break;
                    }
                }
                *out.lock() = Some(result);
            };
            match HOST.thread_spawn(alloc::boxed::Box::new(body)) {
                Ok(h) => running.push((h, slot)),
                Err(_) => status = nt::STATUS_INSUFFICIENT_RESOURCES,
            }
        }
        // The removal, while the threads work on the other volumes.
        if let (Some(m), Some(w)) = (pulled.as_mut(), writer.take()) {
            match super::removal::pull(m, w) {
                Ok((writes, ended)) => lkl_ntk_host::print::print_fmt(format_args!(
                    "lklfs: removal: the disk was pulled after {writes} writes; the write in flight ended with {ended:#x}\n"
                )),
                Err(s) => status = s,
            }
        }
        for (h, slot) in running {
            let _ = HOST.thread_join(h);
            let result = slot.lock().take();
            match result {
                Some(Ok(n)) => irps += n,
                Some(Err((s, step))) => {
                    if nt::nt_success(status) {
                        status = s;
                    }
                    lkl_ntk_host::print::print_fmt(format_args!("lklfs: stress: step {step}: {s:#x}\n"));
                }
                None => status = nt::STATUS_UNSUCCESSFUL,
            }
        }
    }
    if let (Some(m), Some(w)) = (pulled.as_mut(), writer.take()) {
        // The threads never started: the writer still ends with the pull.
        let _ = super::removal::pull(m, w);
    }
    for m in mounted.into_iter().chain(pulled) {
        let s = unmount_mounted(m);
        if nt::nt_success(status) && !nt::nt_success(s) {
            status = s;
        }
    }
    (status, irps)
}
