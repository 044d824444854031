//! Every relocation kind the converter accepts, checked by meaning: an ELF
//! object with each kind (several addends, in code and data) is converted,
//! then both objects are "linked" at the same section addresses — the ELF
//! one with the ELF formulas, the COFF one with the COFF formulas and its
//! implicit addends — and every relocated field must come out pointing at
//! the same place. Kinds without a rule, undefined symbols and the like
//! must fail the conversion.

use std::collections::HashMap;

use object::read::coff::CoffFile;
use object::read::elf::ElfFile64;
use object::write::{Object as WObject, Relocation, StandardSection, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget,
    SectionKind, SymbolFlags, SymbolKind, SymbolScope, elf, pe,
};

use lkl_coff::{How, RULES, convert};

/// Filler for the bytes the converter must overwrite or zero.
const JUNK: u8 = 0xa5;

/// One relocation placed in the test object.
struct Placed {
    section: &'static str,
    offset: u64,
    r_type: elf::RelocationType,
    how: How,
}

/// An ELF object with text, read-only and writable data, bss, a global and
/// some locals, and every kind of `RULES` with addends -4, -8, 0 and +100,
/// both in .text and in .data (so both sections carry relocations).
fn elf_with_every_kind() -> (Vec<u8>, Vec<Placed>) {
    let mut obj = WObject::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let text = obj.section_id(StandardSection::Text);
    let data = obj.section_id(StandardSection::Data);
    let rodata = obj.section_id(StandardSection::ReadOnlyData);
    let bss = obj.section_id(StandardSection::UninitializedData);
    obj.append_section_data(text, &[JUNK; 4096], 16);
    obj.append_section_data(data, &[JUNK; 4096], 32);
    obj.append_section_data(rodata, &[0x11; 512], 8);
    obj.append_section_bss(bss, 8192, 64);
    let sym = |obj: &mut WObject, name: &str, section, value, kind, scope| {
        obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value,
            size: 8,
            kind,
            scope,
            weak: false,
            section: SymbolSection::Section(section),
            flags: SymbolFlags::None,
        })
    };
    let targets = [
        sym(&mut obj, "api", text, 0x40, SymbolKind::Text, SymbolScope::Linkage),
        sym(&mut obj, "local_fn", text, 0x123, SymbolKind::Text, SymbolScope::Compilation),
        sym(&mut obj, "local_obj", data, 0x208, SymbolKind::Data, SymbolScope::Compilation),
        sym(&mut obj, "ro", rodata, 0x10, SymbolKind::Data, SymbolScope::Compilation),
        sym(&mut obj, "zeroed", bss, 0x1000, SymbolKind::Data, SymbolScope::Compilation),
        // An untyped label, as the assembler and linker scripts make them.
        sym(&mut obj, "label", data, 0x300, SymbolKind::Label, SymbolScope::Compilation),
        obj.section_symbol(rodata),
    ];
    let mut placed = Vec::new();
    let mut next = [(text, "text", 0x400u64), (data, "data", 0x400u64)];
    for rule in RULES {
        for (t, &target) in targets.iter().enumerate() {
            for addend in [-4i64, -8, 0, 100] {
                let slot = &mut next[(t + addend.unsigned_abs() as usize) % 2];
                let offset = slot.2;
                slot.2 += 8;
                obj.add_relocation(
                    slot.0,
                    Relocation { offset, symbol: target, addend, flags: RelocationFlags::Elf { r_type: rule.elf } },
                )
                .expect("ELF relocation");
                placed.push(Placed {
                    section: if slot.1 == "text" { ".text" } else { ".data" },
                    offset,
                    r_type: rule.elf,
                    how: rule.how,
                });
            }
        }
    }
    (obj.write().expect("ELF object"), placed)
}

/// Section base addresses for the simulated link, by COFF name: far apart
/// and above 4 GiB like a Windows image, yet within REL32 reach.
fn bases(names: &[String]) -> HashMap<String, u64> {
    names.iter().enumerate().map(|(i, n)| (n.clone(), 0x1_4000_0000 + (i as u64) * 0x10_0000)).collect()
}

/// The COFF object linked at `bases`: section contents after relocation.
fn link_coff(coff: &[u8], bases: &HashMap<String, u64>) -> HashMap<String, Vec<u8>> {
    let file = CoffFile::<&[u8]>::parse(coff).expect("COFF parses");
    let mut out = HashMap::new();
    for s in file.sections() {
        let name = s.name().unwrap().to_string();
        let mut bytes = if s.kind() == SectionKind::UninitializedData {
            vec![0; s.size() as usize]
        } else {
            s.data().unwrap().to_vec()
        };
        let base = bases[&name];
        for (offset, r) in s.relocations() {
            let RelocationTarget::Symbol(si) = r.target() else { panic!("relocation without a symbol") };
            let sym = file.symbol_by_index(si).unwrap();
            let target_section = file.section_by_index(sym.section_index().expect("defined")).unwrap();
            let s_addr = bases[target_section.name().unwrap()] + sym.address();
            let at = offset as usize;
            let p = base + offset;
            match r.flags() {
                RelocationFlags::Coff { typ } if typ == pe::IMAGE_REL_AMD64_ADDR64 => {
                    let field = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
                    bytes[at..at + 8].copy_from_slice(&s_addr.wrapping_add(field).to_le_bytes());
                }
                RelocationFlags::Coff { typ } if typ == pe::IMAGE_REL_AMD64_REL32 => {
                    let field = i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as i64;
                    let v = s_addr as i64 + field - (p as i64 + 4);
                    bytes[at..at + 4].copy_from_slice(&i32::try_from(v).expect("REL32 in range").to_le_bytes());
                }
                other => panic!("unexpected COFF relocation {other:?}"),
            }
        }
        out.insert(name, bytes);
    }
    out
}

#[test]
fn every_kind_resolves_to_the_same_place_as_in_elf() {
    let (elf_bytes, placed) = elf_with_every_kind();
    let converted = convert(&elf_bytes).expect("conversion");
    let report = &converted.report;
    let coff_names: Vec<String> =
        CoffFile::<&[u8]>::parse(&*converted.coff).unwrap().sections().map(|s| s.name().unwrap().to_string()).collect();
    let bases = bases(&coff_names);
    let linked = link_coff(&converted.coff, &bases);
    let coff_of = |elf_index: usize| {
        report
            .sections
            .iter()
            .find(|m| m.elf_index == elf_index)
            .map(|m| m.coff_name.clone())
            .expect("section carried over")
    };

    let elf = ElfFile64::<Endianness>::parse(&*elf_bytes).unwrap();
    let mut checked = HashMap::<&'static str, usize>::new();
    for s in elf.sections() {
        for (offset, r) in s.relocations() {
            let RelocationFlags::Elf { r_type } = r.flags() else { unreachable!() };
            let RelocationTarget::Symbol(si) = r.target() else { panic!() };
            let sym = elf.symbol_by_index(si).unwrap();
            let s_addr = bases[&coff_of(sym.section_index().unwrap().0)] + sym.address();
            let coff_name = coff_of(s.index().0);
            let p = bases[&coff_name] + offset;
            let bytes = &linked[&coff_name];
            let at = offset as usize;
            let a = r.addend();
            let rule = RULES.iter().find(|k| k.elf == r_type).unwrap();
            let what = format!(
                "{} at {}+{offset:#x}, addend {a}, target {}",
                rule.name,
                s.name().unwrap(),
                sym.name().unwrap()
            );
            match rule.how {
                How::Addr64 => {
                    let got = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
                    assert_eq!(got, s_addr.wrapping_add(a as u64), "{what}");
                }
                How::Rel32 => {
                    let got = i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as i64;
                    assert_eq!(got, s_addr as i64 + a - p as i64, "{what}");
                    // The 4 bytes after a 32-bit field are untouched junk or
                    // the next relocation: no 64-bit write happened.
                }
                How::GotRel32 => {
                    // G + A - P: the slot address is P + field - A, and the
                    // slot must hold S once linked.
                    let field = i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as i64;
                    let slot = (p as i64 + field - a) as u64;
                    let got_base = bases[".data$lkl_got"];
                    assert!(
                        slot >= got_base && (slot - got_base).is_multiple_of(8),
                        "{what}: slot {slot:#x} not in the GOT"
                    );
                    let got = &linked[".data$lkl_got"];
                    let i = (slot - got_base) as usize;
                    let held = u64::from_le_bytes(got[i..i + 8].try_into().unwrap());
                    assert_eq!(held, s_addr, "{what}: GOT slot holds {held:#x}");
                }
            }
            *checked.entry(rule.name).or_default() += 1;
        }
    }
    for rule in RULES {
        assert_eq!(checked.get(rule.name), Some(&28), "{} not checked 28 times", rule.name);
        assert_eq!(report.relocations.get(rule.name), Some(&28), "{} count in the report", rule.name);
    }
    assert_eq!(placed.len(), RULES.len() * 28);
    assert!(placed.iter().all(|p| p.offset >= 0x400 && (p.section == ".text" || p.section == ".data")));
    assert!(placed.iter().any(|p| p.how == How::GotRel32 && p.r_type == elf::R_X86_64_REX_GOTPCRELX));
    // One slot per distinct target (7), however many loads use it.
    assert_eq!(report.got_slots, 7);
}

#[test]
fn sections_symbols_and_names() {
    let (elf_bytes, _) = elf_with_every_kind();
    let converted = convert(&elf_bytes).unwrap();
    let file = CoffFile::<&[u8]>::parse(&*converted.coff).unwrap();
    let names: Vec<&str> = file.sections().map(|s| s.name().unwrap()).collect();
    // What mingw ld's default script collects.
    for n in &names {
        assert!(n.starts_with(".text$lkl_") || n.starts_with(".data$lkl_") || *n == ".bss", "section {n}");
    }
    let text = file.section_by_name(names.iter().find(|n| n.starts_with(".text$")).unwrap()).unwrap();
    assert_eq!(text.kind(), SectionKind::Text);
    assert_eq!(text.align(), 16);
    let bss = file.section_by_name(".bss").unwrap();
    assert_eq!((bss.kind(), bss.size(), bss.align()), (SectionKind::UninitializedData, 8192, 64));
    // Only the global is exported; named locals stay static.
    let globals: Vec<String> =
        file.symbols().filter(|s| s.is_global()).map(|s| s.name().unwrap().to_string()).collect();
    assert_eq!(globals, ["api"]);
    assert_eq!(converted.report.exported, ["api"]);
    let api = file.symbol_by_name("api").unwrap();
    assert_eq!((api.kind(), api.address()), (SymbolKind::Text, 0x40));
    assert!(file.symbol_by_name("local_fn").is_some_and(|s| s.is_local()));
}

/// A one-relocation ELF object of kind `r_type` against `target`.
fn elf_with(r_type: elf::RelocationType, undefined_target: Option<&str>) -> Vec<u8> {
    let mut obj = WObject::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let text = obj.section_id(StandardSection::Text);
    obj.append_section_data(text, &[0; 64], 16);
    let symbol = match undefined_target {
        Some(name) => obj.add_symbol(Symbol {
            name: name.as_bytes().to_vec(),
            value: 0,
            size: 0,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Undefined,
            flags: SymbolFlags::None,
        }),
        None => obj.section_symbol(text),
    };
    obj.add_relocation(text, Relocation { offset: 8, symbol, addend: 0, flags: RelocationFlags::Elf { r_type } })
        .unwrap();
    obj.write().unwrap()
}

#[test]
fn kinds_without_a_rule_fail() {
    for (r_type, want) in [
        (elf::R_X86_64_32, "R_X86_64_32 (absolute 32-bit"),
        (elf::R_X86_64_32S, "R_X86_64_32S"),
        (elf::R_X86_64_PC64, "R_X86_64_PC64"),
        (elf::R_X86_64_TPOFF32, "TLS"),
        (elf::R_X86_64_GOTOFF64, "R_X86_64_GOTOFF64"),
        (elf::R_X86_64_16, "R_X86_64_16"),
    ] {
        let e = convert(&elf_with(r_type, None)).err().unwrap_or_else(|| panic!("{want} converted"));
        assert!(e.0.contains("unconverted relocation") && e.0.contains(want), "{want}: {e}");
        assert!(e.0.contains(".text+0x8"), "the error names the place: {e}");
    }
}

#[test]
fn undefined_symbols_fail() {
    let e = convert(&elf_with(elf::R_X86_64_PLT32, Some("memcpy"))).err().expect("an undefined memcpy must fail");
    assert!(e.0.contains("undefined symbol memcpy"), "{e}");
    // gas's _GLOBAL_OFFSET_TABLE_ may exist, but not as a relocation target.
    let e = convert(&elf_with(elf::R_X86_64_PC32, Some("_GLOBAL_OFFSET_TABLE_")))
        .err()
        .expect("a GOT-base reference must fail");
    assert!(e.0.contains("_GLOBAL_OFFSET_TABLE_"), "{e}");
}

#[test]
fn not_an_x86_64_relocatable_object_fails() {
    assert!(convert(b"not an object").is_err());
    let obj = WObject::new(BinaryFormat::Elf, Architecture::Aarch64, Endianness::Little);
    let e = convert(&obj.write().unwrap()).err().unwrap();
    assert!(e.0.contains("x86-64"), "{e}");
}

/// The real kernel object, when it has been built in this tree: every
/// relocation in it converts (the Windows build of `lkl` does the same and
/// fails on anything unconverted).
#[test]
fn the_built_kernel_object_converts() {
    let cache = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/kernel");
    let objects: Vec<_> = std::fs::read_dir(&cache)
        .map(|d| d.flatten().map(|e| e.path().join("lkl.o")).filter(|p| p.exists()).collect())
        .unwrap_or_default();
    if objects.is_empty() {
        eprintln!("no kernel object under {} yet; the lkl build for Windows converts it", cache.display());
        return;
    }
    for path in objects {
        let data = std::fs::read(&path).unwrap();
        let c = convert(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("{}:\n{}", path.display(), c.report);
        for name in ["lkl_start_kernel", "lkl_syscall", "lkl_halt"] {
            assert!(c.report.exported.iter().any(|n| n == name), "{name} not exported");
        }
        assert_eq!(c.report.exported.len(), 3, "only the API is exported: {:?}", c.report.exported);
    }
}
