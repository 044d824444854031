//! Proves every size and offset fs-glue writes (`fs_glue::layout::ALL`),
//! every NT constant it interprets (`fs_glue::nt::ALL`) and every NTSTATUS
//! it returns (`NtStatus::ALL`) against mingw-w64's DDK headers, by
//! compiling a generated C probe of `_Static_assert`s with
//! x86_64-w64-mingw32-gcc.
//!
//! Three structures are missing from mingw-w64 here; the probe declares
//! them from Microsoft's documentation (the WDK pages of
//! FILE_DISPOSITION_INFORMATION_EX, FILE_RENAME_INFORMATION (whose `_EX`
//! form has a ULONG Flags where ReplaceIfExists was) and
//! FILE_FS_SECTOR_SIZE_INFORMATION). Constants that mingw-w64 does not
//! define are listed in [`DOCUMENTED_ONLY`]; the test fails if that list
//! and the headers disagree, so it stays exact.

use fs_glue::NtStatus;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

const GCC: &str = "x86_64-w64-mingw32-gcc";
const DDK: &str = "/usr/x86_64-w64-mingw32/include/ddk";

/// Declarations from Microsoft's documentation for what mingw-w64 lacks.
const MISSING_STRUCTS: &str = r#"
typedef struct _FILE_DISPOSITION_INFORMATION_EX {
    ULONG Flags;
} FILE_DISPOSITION_INFORMATION_EX;
typedef struct _FILE_RENAME_INFORMATION_EX {
    ULONG Flags;
    HANDLE RootDirectory;
    ULONG FileNameLength;
    WCHAR FileName[1];
} FILE_RENAME_INFORMATION_EX;
typedef struct _FILE_FS_SECTOR_SIZE_INFORMATION {
    ULONG LogicalBytesPerSector;
    ULONG PhysicalBytesPerSectorForAtomicity;
    ULONG PhysicalBytesPerSectorForPerformance;
    ULONG FileSystemEffectivePhysicalBytesPerSectorForAtomicity;
    ULONG Flags;
    ULONG ByteOffsetForSectorAlignment;
    ULONG ByteOffsetForPartitionAlignment;
} FILE_FS_SECTOR_SIZE_INFORMATION;
"#;

/// Constants fs-glue takes from Microsoft's documentation because
/// mingw-w64's headers do not define them (Windows 10 additions), plus the
/// glue's own WRITE_RIGHTS-style helpers that are not NT names.
const DOCUMENTED_ONLY: &[&str] = &[
    "FILE_DISPOSITION_DELETE",
    "FILE_DISPOSITION_POSIX_SEMANTICS",
    "FILE_DISPOSITION_FORCE_IMAGE_SECTION_CHECK",
    "FILE_DISPOSITION_ON_CLOSE",
    "FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE",
    "FILE_RENAME_REPLACE_IF_EXISTS",
    "FILE_RENAME_POSIX_SEMANTICS",
    "FILE_RENAME_IGNORE_READONLY_ATTRIBUTE",
    "FILE_SUPPORTS_POSIX_UNLINK_RENAME",
    "SSINFO_FLAGS_ALIGNED_DEVICE",
    "SSINFO_FLAGS_PARTITION_ALIGNED_ON_DEVICE",
];

fn probe_source(mutate: bool) -> String {
    let mut c = String::from("#include <ntifs.h>\n#include <stddef.h>\n");
    c.push_str(MISSING_STRUCTS);
    for (i, l) in fs_glue::layout::ALL.iter().enumerate() {
        let size = if mutate && i == 0 { l.size + 1 } else { l.size };
        writeln!(c, "_Static_assert(sizeof({t}) == {size}, \"sizeof {t} is {size} in fs-glue\");", t = l.c_name)
            .unwrap();
        for (f, off) in l.fields {
            writeln!(
                c,
                "_Static_assert(offsetof({t}, {f}) == {off}, \"{t}.{f} is at {off} in fs-glue\");",
                t = l.c_name
            )
            .unwrap();
        }
    }
    for (name, spelling, value) in fs_glue::nt::ALL {
        let check = |c: &mut String, expr: &str| {
            writeln!(
                c,
                "_Static_assert((unsigned long long)({expr}) == {value}ULL, \"{name} is {value:#x} in fs-glue\");"
            )
            .unwrap();
        };
        if let Some(e) = spelling.strip_prefix("enum ") {
            check(&mut c, e);
        } else {
            writeln!(c, "#ifndef {spelling}\n#pragma message \"undefined: {spelling}\"\n#else").unwrap();
            check(&mut c, spelling);
            c.push_str("#endif\n");
        }
    }
    for (name, s) in NtStatus::ALL {
        writeln!(c, "_Static_assert((ULONG)STATUS_{name} == {v}UL, \"STATUS_{name} is {v:#x} in fs-glue\");", v = s.0)
            .unwrap();
    }
    c
}

fn compile(source: &str, name: &str) -> std::process::Output {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, source).unwrap();
    Command::new(GCC)
        .args(["-fsyntax-only", "-std=gnu11", "-fmax-errors=0", "-I", DDK])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("running {GCC}: {e} (install gcc-mingw-w64-x86-64)"))
}

#[test]
#[ignore = "needs x86_64-w64-mingw32-gcc; run by tests/suites/30-fs-glue.sh"]
fn layouts_constants_and_statuses_match_mingw_headers() {
    let out = compile(&probe_source(false), "fs_glue_probe.c");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "probe failed:\n{stderr}");
    let mut undefined: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.split("undefined: ").nth(1))
        .map(|s| s.trim_end_matches(['"', '\u{2019}']).trim())
        .collect();
    undefined.sort();
    // gcc quotes the pragma both as it appears and as a note.
    undefined.dedup();
    let mut documented = DOCUMENTED_ONLY.to_vec();
    documented.sort();
    assert_eq!(undefined, documented, "constants missing from mingw-w64 must be exactly the documented-only list");
    let checks = probe_source(false).matches("_Static_assert(").count();
    let n_fields: usize = fs_glue::layout::ALL.iter().map(|l| l.fields.len() + 1).sum();
    assert!(checks >= n_fields + NtStatus::ALL.len(), "{checks} checks");
    eprintln!("{checks} facts checked against mingw-w64 ({} structures)", fs_glue::layout::ALL.len());
}

#[test]
#[ignore = "needs x86_64-w64-mingw32-gcc; run by tests/suites/30-fs-glue.sh"]
fn a_wrong_layout_fails_the_probe() {
    let out = compile(&probe_source(true), "fs_glue_probe_mutated.c");
    assert!(!out.status.success(), "a size one byte off must fail the probe");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("sizeof {} is", fs_glue::layout::ALL[0].c_name)), "{stderr}");
}

#[test]
fn missing_structures_are_exactly_the_declared_ones() {
    let declared: Vec<&str> = fs_glue::layout::ALL.iter().filter(|l| !l.in_mingw).map(|l| l.c_name).collect();
    for d in &declared {
        assert!(MISSING_STRUCTS.contains(&format!("}} {d};")), "{d} is not declared in the probe");
    }
    assert_eq!(MISSING_STRUCTS.matches("typedef struct").count(), declared.len());
}
