//! Builds the library kernel once per kernel configuration into a cache
//! shared by every target, profile and OUT_DIR (`<target>/kernel/<hash>`),
//! then links the resulting object. The hash covers what forces a clean
//! kernel build (the config fragment, the patches, the Linux source); changes
//! to the arch overlay are rebuilt incrementally in the same cache.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARBALL: &str = "/usr/src/linux-source-6.1.tar.xz";

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let kernel = manifest.parent().unwrap().join("kernel");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed={}", kernel.display());
    println!("cargo:rerun-if-env-changed=LKL_KERNEL_CACHE");

    let cache = cache_dir(&out).join(config_hash(&kernel));
    fs::create_dir_all(&cache).unwrap();
    // One kernel build at a time per cache, whatever cargo runs in parallel.
    let status = Command::new("flock")
        .arg(cache.join(".lock"))
        .arg(kernel.join("build.sh"))
        .arg(&cache)
        .status()
        .expect("run flock library/kernel/build.sh (util-linux)");
    if !status.success() {
        panic!("kernel build failed ({status}); run library/kernel/build.sh {} to see why", cache.display());
    }
    check_syscall_numbers(&cache.join("src/include/uapi/asm-generic/unistd.h"), &manifest);

    let object = kernel_object(&cache, &out);
    let lib = out.join("liblklkernel.a");
    let _ = fs::remove_file(&lib);
    // The host's GNU ar indexes COFF members too (binutils' pe-x86-64).
    let status = Command::new("ar").arg("crs").arg(&lib).arg(&object).status().expect("run ar");
    assert!(status.success(), "ar failed");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=lklkernel");
    println!("cargo:rustc-env=LKL_KERNEL_CACHE_DIR={}", cache.display());
}

/// The object to link: the kernel's ELF object as built, or for Windows the
/// same object rewritten to COFF (see library/lkl-coff/README.md). The kernel itself is
/// built once on Linux either way; a relocation the converter cannot carry
/// over fails the build here, never the boot.
fn kernel_object(cache: &Path, out: &Path) -> PathBuf {
    let elf = cache.join("lkl.o");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return elf;
    }
    let data = fs::read(&elf).unwrap_or_else(|e| panic!("reading {}: {e}", elf.display()));
    let converted = lkl_coff::convert(&data).unwrap_or_else(|e| panic!("converting {} to COFF: {e}", elf.display()));
    let coff = out.join("lkl.obj");
    fs::write(&coff, &converted.coff).expect("writing lkl.obj");
    fs::write(out.join("lkl-coff-report.txt"), converted.report.to_string()).expect("writing the conversion report");
    coff
}

/// `<target>/kernel`, shared by every profile and target triple, unless
/// LKL_KERNEL_CACHE says otherwise. OUT_DIR is
/// `<target>[/<triple>]/<profile>/build/<pkg>-<hash>/out`.
fn cache_dir(out: &Path) -> PathBuf {
    if let Ok(dir) = std::env::var("LKL_KERNEL_CACHE") {
        return PathBuf::from(dir);
    }
    let triple = std::env::var("TARGET").unwrap_or_default();
    let mut dir = out.ancestors().nth(4).unwrap_or(out).to_path_buf();
    if dir.file_name().is_some_and(|n| n == triple.as_str()) {
        dir = dir.parent().unwrap_or(&dir).to_path_buf();
    }
    dir.join("kernel")
}

fn config_hash(kernel: &Path) -> String {
    let mut h = DefaultHasher::new();
    fs::read(kernel.join("lkl.config")).unwrap().hash(&mut h);
    let mut patches: Vec<_> = fs::read_dir(kernel.join("patches"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    patches.sort();
    for p in patches {
        p.file_name().hash(&mut h);
        fs::read(&p).unwrap().hash(&mut h);
    }
    let meta = fs::metadata(TARBALL).unwrap_or_else(|_| panic!("{TARBALL} missing: apt-get install linux-source-6.1"));
    meta.len().hash(&mut h);
    format!("{:016x}", h.finish())
}

/// The numbers in lkl-abi are hand-written; the kernel's header decides.
fn check_syscall_numbers(header: &Path, manifest: &Path) {
    let header = fs::read_to_string(header).expect("read unistd.h");
    let abi = fs::read_to_string(manifest.parent().unwrap().join("lkl-abi/src/sys.rs")).expect("read sys.rs");
    let lookup = |name: &str| -> Option<i64> {
        for prefix in ["__NR_", "__NR3264_"] {
            let key = format!("#define {prefix}{name} ");
            if let Some(line) = header.lines().find(|l| l.starts_with(&key)) {
                let value = line[key.len()..].trim();
                if let Ok(n) = value.parse() {
                    return Some(n);
                }
            }
        }
        None
    };
    let aliases = [("NEWFSTATAT", "fstatat"), ("SENDFILE", "sendfile"), ("SYSCALLS", "syscalls")];
    let mut in_nr = false;
    for line in abi.lines() {
        let line = line.trim();
        if line.starts_with("pub mod nr") {
            in_nr = true;
            continue;
        }
        if in_nr && line == "}" {
            break;
        }
        let Some(rest) = line.strip_prefix("pub const ") else { continue };
        if !in_nr {
            continue;
        }
        let (name, value) = rest.split_once(": i64 = ").expect("nr line shape");
        let value: i64 = value.trim_end_matches(';').parse().expect("nr value");
        let kname = aliases.iter().find(|(a, _)| *a == name).map(|(_, k)| k.to_string()).unwrap_or(name.to_lowercase());
        let real = lookup(&kname).unwrap_or_else(|| panic!("syscall {kname} not in the kernel's unistd.h"));
        assert_eq!(value, real, "lkl-abi nr::{name} = {value}, the kernel says {real}");
    }
}
