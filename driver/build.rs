//! Links the driver as a native-subsystem kernel image that may import from
//! ntoskrnl.exe and HAL.dll only.
//!
//! rustc appends the user-mode libraries of the windows-gnu target (msvcrt,
//! kernel32, ...) after our objects; a symbol that nothing kernel-side
//! defines would then silently become a user-mode import that Windows
//! refuses to load. So this script shadows each of those libraries with an
//! empty archive in a search directory that comes first: such a symbol stays
//! undefined and the link fails, whichever way the crate is built. The suite
//! checks the finished image's import table and subsystem as well.

use std::path::PathBuf;

/// Libraries rustc or the mingw driver may add for windows-gnu, none of which
/// a kernel image may use.
const USER_MODE_LIBS: &[&str] = &[
    "msvcrt",
    "mingwex",
    "mingw32",
    "moldname",
    "gcc_eh",
    "gcc_s",
    "pthread",
    "kernel32",
    "user32",
    "advapi32",
    "shell32",
    "ws2_32",
    "userenv",
    "bcrypt",
    "bcryptprimitives",
    "ntdll",
    "synchronization",
    "ole32",
    "oleaut32",
    "uuid",
    "unwind",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.contains("windows") {
        // The crate is empty off Windows; nothing to link.
        return;
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let poison = out.join("no-user-mode-libs");
    std::fs::create_dir_all(&poison).expect("creating the shadow library directory");
    for lib in USER_MODE_LIBS {
        // "!<arch>\n" alone is a valid, empty ar archive.
        std::fs::write(poison.join(format!("lib{lib}.a")), b"!<arch>\n").expect("writing an empty archive");
    }
    println!("cargo:rustc-link-search=native={}", poison.display());
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-Wl,--subsystem,native",
        "-Wl,--entry,DriverEntry",
        "-Wl,--dynamicbase",
        "-Wl,--nxcompat",
        "-Wl,--image-base,0x140000000",
        "-lntoskrnl",
        "-lhal",
        // libgcc is static code with no imports (stack probes, 128-bit
        // division); it is the one runtime library allowed.
        "-lgcc",
    ] {
        println!("cargo:rustc-cdylib-link-arg={arg}");
    }
}
