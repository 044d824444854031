//! Proves the declarations of the `nt` crate against mingw-w64's DDK headers.
//!
//! The C probe is generated from `nt::STRUCTS` / `nt::CONSTS`, the tables the
//! declaring macros emit, so nothing is listed by hand; a source scan proves
//! that every `pub struct`, `pub union` and `pub const` went through those
//! macros, and every imported function and variable is checked against the
//! import libraries' symbols.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const GCC: &str = "x86_64-w64-mingw32-gcc";
const NM: &str = "x86_64-w64-mingw32-nm";
const MINGW_ROOT: &str = "/usr/x86_64-w64-mingw32";

fn structs() -> impl Iterator<Item = &'static nt::layout::Struct> {
    nt::STRUCTS.iter().flat_map(|m| m.iter())
}

fn consts() -> impl Iterator<Item = &'static nt::layout::Const> {
    nt::CONSTS.iter().flat_map(|m| m.iter())
}

/// The C source of the probe: one `_Static_assert` per fact, each message
/// naming the Rust item and the value Rust has.
fn probe_source(mutate: bool) -> (String, usize) {
    let mut c = String::from(
        "#include <ntifs.h>\n#include <ntdddisk.h>\n#include <ntddstor.h>\n#include <mountmgr.h>\n#include <mountdev.h>\n#include <stddef.h>\n\n",
    );
    let check = |c: &mut String, expr: String, what: String| {
        writeln!(c, "_Static_assert({expr}, \"{what}\");").unwrap();
    };
    for (i, s) in structs().enumerate() {
        let (size_expr, align_expr, base) = if s.c_member.is_empty() {
            (format!("sizeof({})", s.c_type), format!("_Alignof({})", s.c_type), String::new())
        } else {
            (
                format!("sizeof((({}*)0)->{})", s.c_type, s.c_member),
                format!("__alignof__((({}*)0)->{})", s.c_type, s.c_member),
                format!("{}.", s.c_member),
            )
        };
        // The mutated probe claims one size one byte too large, to prove that
        // a mismatch really fails the compile.
        let size = if mutate && i == 0 { s.size + 1 } else { s.size };
        check(&mut c, format!("{size_expr} == {size}"), format!("size of {} is {size} in Rust", s.rust_name));
        check(
            &mut c,
            format!("{align_expr} == {}", s.align),
            format!("alignment of {} is {} in Rust", s.rust_name, s.align),
        );
        for f in s.fields.iter().filter(|f| !f.rust_name.starts_with('_')) {
            let off = if base.is_empty() {
                format!("offsetof({}, {})", s.c_type, f.c_path)
            } else {
                format!(
                    "(offsetof({t}, {b}{p}) - offsetof({t}, {m}))",
                    t = s.c_type,
                    b = base,
                    p = f.c_path,
                    m = s.c_member
                )
            };
            check(
                &mut c,
                format!("{off} == {}", f.offset),
                format!("offset of {}.{} is {} in Rust", s.rust_name, f.rust_name, f.offset),
            );
            check(
                &mut c,
                format!("sizeof((({}*)0)->{}{}) == {}", s.c_type, base, f.c_path, f.size),
                format!("size of {}.{} is {} in Rust", s.rust_name, f.rust_name, f.size),
            );
        }
    }
    for k in consts() {
        check(
            &mut c,
            format!("(long long)({}) == {}LL", k.c_expr, k.value),
            format!("{} is {} in Rust", k.rust_name, k.value),
        );
    }
    let n = c.matches("_Static_assert(").count();
    (c, n)
}

fn compile(source: &str, name: &str) -> std::process::Output {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    Command::new(GCC)
        .args(["-fsyntax-only", "-std=gnu11", "-fmax-errors=0", "-I"])
        .arg(format!("{MINGW_ROOT}/include/ddk"))
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("running {GCC}: {e} (install gcc-mingw-w64-x86-64)"))
}

#[test]
#[ignore = "needs x86_64-w64-mingw32-gcc; run by tests/suites/20-nt-driver.sh"]
fn layouts_and_constants_match_the_ddk_headers() {
    let (source, checks) = probe_source(false);
    assert!(checks > 300, "only {checks} checks generated");
    let out = compile(&source, "ddk_probe.c");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the DDK disagrees with the Rust declarations:\n{stderr}");
    println!(
        "ddk probe: {checks} static assertions hold ({} structs, {} constants)",
        structs().count(),
        consts().count()
    );
}

#[test]
#[ignore = "needs x86_64-w64-mingw32-gcc; run by tests/suites/20-nt-driver.sh"]
fn a_wrong_layout_fails_the_probe() {
    let (source, _) = probe_source(true);
    let out = compile(&source, "ddk_probe_mutated.c");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a probe with a wrong size compiled");
    assert!(stderr.contains("static assertion failed"), "unexpected failure:\n{stderr}");
}

fn import_symbols() -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for lib in ["libntoskrnl.a", "libhal.a"] {
        let out = Command::new(NM).arg(format!("{MINGW_ROOT}/lib/{lib}")).output().expect("running nm");
        assert!(out.status.success());
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some(sym) = line.split_whitespace().last() {
                set.insert(sym.to_string());
            }
        }
    }
    set
}

#[test]
#[ignore = "needs mingw-w64's import libraries; run by tests/suites/20-nt-driver.sh"]
fn every_declared_import_exists_in_the_import_libraries() {
    let symbols = import_symbols();
    let decls = scan_sources();
    assert!(decls.functions.len() > 40, "only {} functions found", decls.functions.len());
    for f in &decls.functions {
        assert!(
            symbols.contains(&format!("__imp_{f}")),
            "{f} is declared but neither ntoskrnl nor HAL exports it in mingw's import libraries"
        );
    }
    for s in &decls.statics {
        assert!(s.starts_with("__imp_") && symbols.contains(s), "{s} is not an import slot of ntoskrnl or HAL");
    }
    for r in nt::RUNTIME_RESOLVED {
        assert!(
            !symbols.contains(&format!("__imp_{r}")),
            "{r} is in the import library: import it instead of resolving it"
        );
        assert!(!decls.functions.contains(*r), "{r} is resolved at run time and must not be declared as an import");
    }
}

struct Decls {
    structs: BTreeSet<String>,
    consts: BTreeSet<String>,
    functions: BTreeSet<String>,
    statics: BTreeSet<String>,
}

/// Reads `src/*.rs` (except the macro definitions) for public items.
fn scan_sources() -> Decls {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut d = Decls {
        structs: BTreeSet::new(),
        consts: BTreeSet::new(),
        functions: BTreeSet::new(),
        statics: BTreeSet::new(),
    };
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The macros live in layout.rs; lib.rs only chains the tables.
        if path.file_name().unwrap() == "layout.rs" || path.file_name().unwrap() == "lib.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            let t = line.trim_start();
            let word =
                |rest: &str| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap().to_string();
            if let Some(rest) = t.strip_prefix("pub struct ").or_else(|| t.strip_prefix("pub union ")) {
                d.structs.insert(word(rest));
            } else if let Some(rest) = t.strip_prefix("pub const ") {
                if !rest.starts_with("fn ") {
                    d.consts.insert(word(rest));
                }
            } else if let Some(rest) = t.strip_prefix("pub fn ") {
                // Only extern declarations are indented and end in `;`-terminated
                // signatures; free functions here are `const fn` or `unsafe fn`.
                d.functions.insert(word(rest));
            } else if let Some(rest) = t.strip_prefix("pub static ") {
                d.statics.insert(word(rest));
            }
        }
    }
    d
}

#[test]
fn every_public_struct_and_constant_is_in_the_probe_tables() {
    let d = scan_sources();
    let tabled_structs: BTreeSet<String> = structs().map(|s| s.rust_name.to_string()).collect();
    let tabled_consts: BTreeSet<String> = consts().map(|c| c.rust_name.to_string()).collect();
    let missing_s: Vec<_> = d.structs.difference(&tabled_structs).collect();
    let missing_c: Vec<_> = d.consts.difference(&tabled_consts).collect();
    assert!(missing_s.is_empty(), "structs declared outside nt_structs! (not probed): {missing_s:?}");
    assert!(missing_c.is_empty(), "constants declared outside nt_consts! (not probed): {missing_c:?}");
    assert_eq!(tabled_structs.len(), structs().count(), "a struct name is declared twice");
    assert_eq!(tabled_consts.len(), consts().count(), "a constant name is declared twice");
    assert!(
        d.structs.len() >= 20 && d.consts.len() >= 60,
        "scan found too little: {} structs, {} consts",
        d.structs.len(),
        d.consts.len()
    );
}

#[test]
fn member_specs_split_into_type_and_path() {
    let p = structs().find(|s| s.rust_name == "DEVICE_IO_CONTROL_PARAMETERS").unwrap();
    assert_eq!((p.c_type, p.c_member), ("IO_STACK_LOCATION", "Parameters.DeviceIoControl"));
    let irp = structs().find(|s| s.rust_name == "IRP").unwrap();
    assert_eq!((irp.c_type, irp.c_member), ("IRP", ""));
}
