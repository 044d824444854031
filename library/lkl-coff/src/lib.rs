//! Rewrites the kernel's relocatable x86-64 ELF object as a COFF object for
//! x86_64 Windows, so that one kernel build serves Linux, Windows user mode
//! and the Windows driver. Why this route and not clang's cygwin target:
//! see `README.md` beside this file.
//!
//! The input is what `library/kernel/build.sh` produces: C compiled `-fpie` by the
//! Linux gcc, linked `ld -r` with the port's linker script, every symbol
//! local except the `lkl_*` API. The calling convention does not change (the
//! Rust side calls the object `extern "sysv64"`), so the conversion is purely
//! a matter of sections, symbols and relocations:
//!
//! - every allocated ELF section becomes one COFF section, named so that
//!   mingw ld's default script collects it (`.text$lkl_NNN`,
//!   `.data$lkl_NNN`, `.bss`), in ELF section order (NNN), so that ranges
//!   bounded by linker-script symbols in different ELF sections
//!   (`__start_rodata` .. `__end_rodata`) stay contiguous in the image;
//! - relocations are re-expressed against section symbols, with the ELF
//!   addend folded into the implicit COFF addend (see [`RULES`] for each
//!   kind); a kind without a rule fails the conversion;
//! - GOT-relative loads get a GOT of the converter's own (`.data$lkl_got`),
//!   one 8-byte slot per distinct target, filled by an absolute relocation;
//! - only the global (API) symbols are exported; local function and object
//!   names are kept as static symbols for debuggers.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use object::elf;
use object::read::elf::{FileHeader, Rela, SectionHeader, Sym};
use object::write::{Object, Relocation, SectionId, Symbol, SymbolId, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, LittleEndian, RelocationFlags, SectionKind, SymbolFlags, SymbolKind,
    SymbolScope, pe,
};

/// Why a conversion failed: the object has something the converter does not
/// know how to carry over. Never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<object::read::Error> for Error {
    fn from(e: object::read::Error) -> Self {
        Error(format!("reading the ELF object: {e}"))
    }
}

impl From<object::write::Error> for Error {
    fn from(e: object::write::Error) -> Self {
        Error(format!("writing the COFF object: {e}"))
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(Error(msg.into()))
}

/// How one ELF relocation kind is carried over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// `S + A` in 64 bits: `IMAGE_REL_AMD64_ADDR64` with `A` as the implicit
    /// addend (the image's base relocations move it with the image).
    Addr64,
    /// `S + A - P` in 32 bits: `IMAGE_REL_AMD64_REL32`, whose value is
    /// `S + field - (P + 4)`, so the field holds `A + 4`. PLT32 is the same
    /// here: every target is defined in the object, there is no PLT.
    Rel32,
    /// `G + A - P` in 32 bits, `G` being a GOT slot holding `S`: a REL32 to
    /// the converter's own GOT slot for the target, and an ADDR64 in the
    /// slot. The instruction is left as it is (a load through the slot), so
    /// it does not matter whether the assembler allowed relaxation.
    GotRel32,
}

/// One accepted ELF relocation kind.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// `R_X86_64_*` value.
    pub elf: elf::RelocationType,
    /// Its name, for reports and errors.
    pub name: &'static str,
    /// What it becomes.
    pub how: How,
}

/// Every ELF relocation kind the converter accepts. Anything else — in
/// particular R_X86_64_32/32S (absolute 32-bit addresses, which cannot reach
/// a Windows image above 4 GiB: compile `-fpie`) and TLS kinds — fails.
pub const RULES: &[Rule] = &[
    Rule { elf: elf::R_X86_64_64, name: "R_X86_64_64", how: How::Addr64 },
    Rule { elf: elf::R_X86_64_PC32, name: "R_X86_64_PC32", how: How::Rel32 },
    Rule { elf: elf::R_X86_64_PLT32, name: "R_X86_64_PLT32", how: How::Rel32 },
    Rule { elf: elf::R_X86_64_GOTPCREL, name: "R_X86_64_GOTPCREL", how: How::GotRel32 },
    Rule { elf: elf::R_X86_64_GOTPCRELX, name: "R_X86_64_GOTPCRELX", how: How::GotRel32 },
    Rule { elf: elf::R_X86_64_REX_GOTPCRELX, name: "R_X86_64_REX_GOTPCRELX", how: How::GotRel32 },
];

/// Names of the kinds the converter refuses, for error messages.
fn refused_name(r_type: elf::RelocationType) -> String {
    let name = match r_type {
        elf::R_X86_64_NONE => "R_X86_64_NONE",
        elf::R_X86_64_32 => "R_X86_64_32 (absolute 32-bit: compile -fpie)",
        elf::R_X86_64_32S => "R_X86_64_32S (absolute 32-bit: compile -fpie)",
        elf::R_X86_64_16 => "R_X86_64_16",
        elf::R_X86_64_PC16 => "R_X86_64_PC16",
        elf::R_X86_64_8 => "R_X86_64_8",
        elf::R_X86_64_PC8 => "R_X86_64_PC8",
        elf::R_X86_64_PC64 => "R_X86_64_PC64 (COFF has no 64-bit relative kind)",
        elf::R_X86_64_GOT32 => "R_X86_64_GOT32",
        elf::R_X86_64_GOTPC32 => "R_X86_64_GOTPC32",
        elf::R_X86_64_GOTOFF64 => "R_X86_64_GOTOFF64",
        elf::R_X86_64_TPOFF32 | elf::R_X86_64_TPOFF64 | elf::R_X86_64_DTPOFF32 | elf::R_X86_64_DTPOFF64 => {
            "a TLS relocation (the kernel must not use thread-local storage)"
        }
        elf::R_X86_64_GOTTPOFF | elf::R_X86_64_TLSGD | elf::R_X86_64_TLSLD => {
            "a TLS relocation (the kernel must not use thread-local storage)"
        }
        elf::R_X86_64_SIZE32 | elf::R_X86_64_SIZE64 => "R_X86_64_SIZE32/64",
        _ => "",
    };
    if name.is_empty() { format!("ELF relocation type {}", r_type.0) } else { name.to_string() }
}

/// The ELF section a COFF section came from.
#[derive(Clone, Debug)]
pub struct SectionMap {
    /// ELF section index.
    pub elf_index: usize,
    /// ELF section name.
    pub elf_name: String,
    /// COFF section name.
    pub coff_name: String,
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes.
    pub align: u64,
}

/// What a conversion did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Relocations converted, by ELF kind name.
    pub relocations: BTreeMap<&'static str, usize>,
    /// GOT slots created (one per distinct GOT target).
    pub got_slots: usize,
    /// Sections carried over, in ELF order (the GOT is not listed).
    pub sections: Vec<SectionMap>,
    /// Global symbols exported.
    pub exported: Vec<String>,
    /// Local symbols kept for debuggers.
    pub local_names: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.sections {
            writeln!(f, "section {:<20} -> {:<16} {:>9} bytes, align {}", s.elf_name, s.coff_name, s.size, s.align)?;
        }
        for (name, n) in &self.relocations {
            let how = RULES.iter().find(|r| r.name == *name).map(|r| r.how);
            let how = match how {
                Some(How::Addr64) => "IMAGE_REL_AMD64_ADDR64",
                Some(How::Rel32) => "IMAGE_REL_AMD64_REL32",
                Some(How::GotRel32) => "IMAGE_REL_AMD64_REL32 to own GOT slot",
                None => "?",
            };
            writeln!(f, "relocation {name:<24} -> {how:<38} {n:>7}")?;
        }
        writeln!(f, "GOT slots: {}", self.got_slots)?;
        writeln!(f, "exported: {}", self.exported.join(", "))?;
        write!(f, "local names kept: {}", self.local_names)
    }
}

/// A converted object.
pub struct Converted {
    /// The COFF object file.
    pub coff: Vec<u8>,
    /// What was done.
    pub report: Report,
}

/// The largest section alignment COFF can express.
const MAX_ALIGN: u64 = 8192;

/// The one symbol `-fpie` code may leave undefined: gas declares it whenever
/// a GOT relocation is assembled. It must not be the target of a relocation.
const GOT_SYMBOL: &[u8] = b"_GLOBAL_OFFSET_TABLE_";

/// Where an ELF symbol lives in the COFF object.
#[derive(Clone, Copy)]
enum Target {
    /// COFF section and offset in it.
    At(SectionId, u64),
    /// Not something a relocation may refer to; the string says why.
    Invalid(&'static str),
}

/// Converts a relocatable x86-64 ELF object to a COFF object for
/// x86_64-pc-windows-gnu (or -msvc). Fails on anything it cannot carry over
/// exactly.
pub fn convert(data: &[u8]) -> Result<Converted, Error> {
    let header = elf::FileHeader64::<LittleEndian>::parse(data)?;
    let e = header.endian()?;
    if header.e_type(e) != elf::ET_REL {
        return err("not a relocatable object (ET_REL)");
    }
    if header.e_machine(e) != elf::EM_X86_64 {
        return err("not an x86-64 object");
    }
    let sections = header.sections(e, data)?;
    let symbols = sections.symbols(e, data, elf::SHT_SYMTAB)?;

    let mut obj = Object::new(BinaryFormat::Coff, Architecture::X86_64, Endianness::Little);
    let mut report = Report::default();

    // Sections. Index = ELF section index.
    let mut map: Vec<Option<SectionId>> = vec![None; sections.len()];
    let mut nobits: Vec<bool> = vec![false; sections.len()];
    for (index, s) in sections.enumerate() {
        let flags = s.sh_flags(e);
        // ld -r leaves an empty output section of the linker script without
        // SHF_ALLOC, yet the script's symbols (__start___ex_table, ...) stay
        // defined in it and code refers to them: keep such sections (empty).
        let empty_script_section = s.sh_type(e) == elf::SHT_PROGBITS
            && s.sh_size(e) == 0
            && flags.0 & (elf::SHF_WRITE.0 | elf::SHF_EXECINSTR.0) != 0;
        if flags.0 & elf::SHF_ALLOC.0 == 0 && !empty_script_section {
            continue;
        }
        let name = String::from_utf8_lossy(sections.section_name(e, s)?).into_owned();
        let sh_type = s.sh_type(e);
        if flags.0 & elf::SHF_TLS.0 != 0 {
            return err(format!("section {name}: thread-local storage is not supported"));
        }
        if !matches!(sh_type, elf::SHT_PROGBITS | elf::SHT_NOBITS | elf::SHT_NOTE) {
            return err(format!("section {name}: allocated section of type {} is not supported", sh_type.0));
        }
        let align = s.sh_addralign(e).max(1);
        if !align.is_power_of_two() || align > MAX_ALIGN {
            return err(format!("section {name}: alignment {align} cannot be expressed in COFF"));
        }
        let (coff_name, kind) = if sh_type == elf::SHT_NOBITS {
            // mingw ld's script puts only sections named .bss (and COMMON)
            // into the image's bss.
            (".bss".to_string(), SectionKind::UninitializedData)
        } else if flags.0 & elf::SHF_EXECINSTR.0 != 0 {
            (format!(".text$lkl_{:03}", index.0), SectionKind::Text)
        } else {
            // Read-only data goes to .data too: the port's .rodata is
            // writable (ro_after_init), and keeping every data section in
            // one output section keeps them in ELF order.
            (format!(".data$lkl_{:03}", index.0), SectionKind::Data)
        };
        let id = obj.add_section(Vec::new(), coff_name.clone().into_bytes(), kind);
        let size = s.sh_size(e);
        if sh_type == elf::SHT_NOBITS {
            obj.append_section_bss(id, size, align);
            nobits[index.0] = true;
        } else {
            let bytes = s.data(e, data)?;
            obj.set_section_data(id, bytes.to_vec(), align);
        }
        map[index.0] = Some(id);
        report.sections.push(SectionMap { elf_index: index.0, elf_name: name, coff_name, size, align });
    }

    // Symbols: where each one lives, and which names the COFF object carries.
    let mut targets: Vec<Target> = Vec::with_capacity(symbols.len());
    for (index, sym) in symbols.enumerate() {
        let name = symbols.symbol_name(e, sym)?;
        let shndx = sym.st_shndx(e);
        let st_type = sym.st_type();
        let bind = sym.st_bind();
        let target = if index.0 == 0 || st_type == elf::STT_FILE {
            Target::Invalid("a null or file symbol")
        } else if shndx == elf::SHN_UNDEF {
            if name != GOT_SYMBOL {
                return err(format!(
                    "undefined symbol {}: the kernel object must be self-contained",
                    String::from_utf8_lossy(name)
                ));
            }
            Target::Invalid("_GLOBAL_OFFSET_TABLE_ (GOT-base relocations are not supported)")
        } else if shndx == elf::SHN_ABS {
            if bind != elf::STB_LOCAL {
                return err(format!("global absolute symbol {} is not supported", String::from_utf8_lossy(name)));
            }
            Target::Invalid("an absolute symbol")
        } else if shndx == elf::SHN_COMMON {
            return err(format!(
                "common symbol {} is not supported (link with ld -r first)",
                String::from_utf8_lossy(name)
            ));
        } else if shndx.is_reserved() {
            return err(format!("symbol {} has reserved section index {:#x}", String::from_utf8_lossy(name), shndx.0));
        } else {
            match map.get(usize::from(shndx.0)).copied().flatten() {
                Some(id) => Target::At(id, sym.st_value(e)),
                None => {
                    if bind != elf::STB_LOCAL {
                        return err(format!(
                            "global symbol {} is in a section that is not loaded",
                            String::from_utf8_lossy(name)
                        ));
                    }
                    Target::Invalid("a symbol in a section that is not loaded")
                }
            }
        };
        if let Target::At(section, value) = target {
            let exec =
                sections.section(object::SectionIndex(usize::from(shndx.0)))?.sh_flags(e).0 & elf::SHF_EXECINSTR.0 != 0;
            // ELF symbols without a type (assembler labels, linker-script
            // symbols) still need a COFF kind: take the section's.
            let kind = if exec { SymbolKind::Text } else { SymbolKind::Data };
            match bind {
                elf::STB_GLOBAL => {
                    obj.add_symbol(Symbol {
                        name: name.to_vec(),
                        value,
                        size: sym.st_size(e),
                        kind,
                        scope: SymbolScope::Linkage,
                        weak: false,
                        section: SymbolSection::Section(section),
                        flags: SymbolFlags::None,
                    });
                    report.exported.push(String::from_utf8_lossy(name).into_owned());
                }
                elf::STB_WEAK => {
                    return err(format!(
                        "weak symbol {}: COFF weak externals are not supported; the kernel object exports strong API symbols only",
                        String::from_utf8_lossy(name)
                    ));
                }
                _ if matches!(st_type, elf::STT_FUNC | elf::STT_OBJECT) && !name.is_empty() => {
                    obj.add_symbol(Symbol {
                        name: name.to_vec(),
                        value,
                        size: sym.st_size(e),
                        kind,
                        scope: SymbolScope::Compilation,
                        weak: false,
                        section: SymbolSection::Section(section),
                        flags: SymbolFlags::None,
                    });
                    report.local_names += 1;
                }
                _ => {}
            }
        }
        targets.push(target);
    }

    // Relocations.
    let mut got = Got::default();
    for s in sections.iter() {
        let Some((relas, link)) = s.rela(e, data)? else {
            if s.sh_type(e) == elf::SHT_REL {
                return err("REL (implicit-addend) relocation sections are not supported on x86-64");
            }
            continue;
        };
        if link != symbols.section() {
            return err("a relocation section refers to a symbol table other than .symtab");
        }
        let applies_to = s.sh_info(e) as usize;
        let Some(section) = map.get(applies_to).copied().flatten() else {
            // Relocations of sections that are not loaded (debug info).
            continue;
        };
        let section_name =
            report.sections.iter().find(|m| m.elf_index == applies_to).map(|m| m.elf_name.clone()).unwrap_or_default();
        if nobits[applies_to] {
            return err(format!("relocations in the no-bits section {section_name}"));
        }
        for rela in relas {
            let r_type = rela.r_type(e, false);
            let offset = rela.r_offset(e);
            let addend = rela.r_addend(e);
            let sym_index = rela.r_sym(e, false) as usize;
            let place = || format!("{section_name}+{offset:#x}");
            let Some(rule) = RULES.iter().find(|r| r.elf == r_type) else {
                return err(format!("unconverted relocation {} at {}", refused_name(r_type), place()));
            };
            let (target_section, target_offset) = match targets.get(sym_index) {
                Some(Target::At(id, off)) => (*id, *off),
                Some(Target::Invalid(why)) => {
                    let name = symbols
                        .symbol(object::SymbolIndex(sym_index))
                        .map(|s| symbols.symbol_name(e, s).unwrap_or(b"?"));
                    return err(format!(
                        "{} at {} refers to {} ({why})",
                        rule.name,
                        place(),
                        String::from_utf8_lossy(name.unwrap_or(b"?"))
                    ));
                }
                None => return err(format!("{} at {}: symbol index {sym_index} out of range", rule.name, place())),
            };
            let relocation = match rule.how {
                How::Addr64 => {
                    let target_sym = obj.section_symbol(target_section);
                    coff_relocation(
                        offset,
                        target_sym,
                        offset_addend(target_offset, addend)?,
                        pe::IMAGE_REL_AMD64_ADDR64,
                    )
                }
                How::Rel32 => {
                    let target_sym = obj.section_symbol(target_section);
                    coff_relocation(
                        offset,
                        target_sym,
                        rel32_addend(offset_addend(target_offset, addend)?, &place)?,
                        pe::IMAGE_REL_AMD64_REL32,
                    )
                }
                How::GotRel32 => {
                    let (got_sym, slot) = got.slot(&mut obj, target_section, target_offset);
                    coff_relocation(
                        offset,
                        got_sym,
                        rel32_addend(offset_addend(slot, addend)?, &place)?,
                        pe::IMAGE_REL_AMD64_REL32,
                    )
                }
            };
            let size = if rule.how == How::Addr64 { 8 } else { 4 };
            zero_field(&mut obj, section, offset, size)
                .ok_or_else(|| Error(format!("{} at {} lies outside its section", rule.name, place())))?;
            obj.add_relocation(section, relocation)?;
            *report.relocations.entry(rule.name).or_default() += 1;
        }
    }
    report.got_slots = got.finish(&mut obj)?;
    Ok(Converted { coff: obj.write()?, report })
}

fn coff_relocation(offset: u64, symbol: SymbolId, addend: i64, typ: pe::RelocationType) -> Relocation {
    Relocation { offset, symbol, addend, flags: RelocationFlags::Coff { typ } }
}

/// The addend relative to the section symbol: the target's offset in its
/// section plus the ELF addend.
fn offset_addend(target_offset: u64, addend: i64) -> Result<i64, Error> {
    i64::try_from(target_offset)
        .ok()
        .and_then(|o| o.checked_add(addend))
        .ok_or_else(|| Error(format!("addend overflow ({target_offset:#x} + {addend})")))
}

/// The object writer stores `addend + 4` in a REL32 field (COFF measures
/// from the end of the field); it must fit in 32 bits.
fn rel32_addend(addend: i64, place: &dyn Fn() -> String) -> Result<i64, Error> {
    if i32::try_from(addend + 4).is_err() {
        return err(format!("32-bit relative addend {addend} out of range at {}", place()));
    }
    Ok(addend)
}

/// The COFF writer stores a non-zero implicit addend by overwriting the
/// field but leaves it alone when the addend is zero, so the field must not
/// keep whatever the ELF object had there.
fn zero_field(obj: &mut Object<'_>, section: SectionId, offset: u64, size: usize) -> Option<()> {
    let data = obj.section_mut(section).data_mut();
    let start = usize::try_from(offset).ok()?;
    data.get_mut(start..start.checked_add(size)?)?.fill(0);
    Some(())
}

/// The converter's own GOT: one 8-byte slot per distinct (section, offset)
/// target, in the order first needed.
#[derive(Default)]
struct Got {
    section: Option<(SectionId, SymbolId)>,
    slots: HashMap<(SectionId, u64), u64>,
    order: Vec<(SectionId, u64)>,
}

impl Got {
    /// The GOT's section symbol and the slot's offset in it.
    fn slot(&mut self, obj: &mut Object<'_>, section: SectionId, offset: u64) -> (SymbolId, u64) {
        let (_, sym) = *self.section.get_or_insert_with(|| {
            // Sorts after every numbered .data$lkl_NNN section.
            let id = obj.add_section(Vec::new(), b".data$lkl_got".to_vec(), SectionKind::Data);
            (id, obj.section_symbol(id))
        });
        let next = self.order.len() as u64 * 8;
        let slot = *self.slots.entry((section, offset)).or_insert_with(|| {
            self.order.push((section, offset));
            next
        });
        (sym, slot)
    }

    /// Fills the slots; returns how many there are.
    fn finish(self, obj: &mut Object<'_>) -> Result<usize, Error> {
        let Some((got, _)) = self.section else { return Ok(0) };
        obj.set_section_data(got, vec![0u8; self.order.len() * 8], 8);
        for (i, (section, offset)) in self.order.iter().enumerate() {
            let target = obj.section_symbol(*section);
            let addend = offset_addend(*offset, 0)?;
            obj.add_relocation(got, coff_relocation(i as u64 * 8, target, addend, pe::IMAGE_REL_AMD64_ADDR64))?;
        }
        Ok(self.order.len())
    }
}
