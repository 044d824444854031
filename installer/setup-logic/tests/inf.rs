//! `installer/lklfs.inf` against the rules Windows 10 1903 and later set
//! for a primitive driver's INF, against what Wine 8's setupapi needs, and
//! against the service the setup program installs (one service, two ways
//! to install it).

use std::collections::BTreeMap;

use driver_ioctl::service;
use setup_logic::setup;

/// Sections by lower-case name, each its lines without comments.
fn sections() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../lklfs.inf")).unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut at = String::new();
    for line in text.lines() {
        let line = line.split(';').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            at = name.to_ascii_lowercase();
            out.entry(at.clone()).or_default();
        } else {
            out.entry(at.clone()).or_default().push(line.to_string());
        }
    }
    out
}

/// `key = value` of a section, the value without quotes.
fn value(s: &BTreeMap<String, Vec<String>>, section: &str, key: &str) -> Option<String> {
    s.get(section)?.iter().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// `%Name%` resolved through [Strings].
fn resolved(s: &BTreeMap<String, Vec<String>>, v: &str) -> String {
    match v.strip_prefix('%').and_then(|v| v.strip_suffix('%')) {
        Some(name) => value(s, "strings", name).unwrap_or_default(),
        None => v.to_string(),
    }
}

#[test]
fn primitive_driver_rules() {
    let s = sections();
    for key in ["Signature", "Class", "ClassGuid", "Provider", "DriverVer"] {
        assert!(value(&s, "version", key).is_some(), "[Version] {key}");
    }
    // Only decorated install and uninstall sections, the uninstall one
    // marked as a legacy (primitive) uninstall.
    assert!(s.contains_key("defaultinstall.ntamd64"));
    assert!(s.contains_key("defaultuninstall.ntamd64"));
    for undecorated in ["defaultinstall", "defaultuninstall", "defaultinstall.services", "defaultuninstall.services"] {
        assert!(!s.contains_key(undecorated), "[{undecorated}] must not exist");
    }
    assert_eq!(value(&s, "defaultuninstall.ntamd64", "LegacyUninstall").as_deref(), Some("1"));
    // The copy's source for Windows (decorated) and for Wine 8, whose
    // setupapi ignores the decorated one and then retries forever.
    for section in ["sourcedisksnames", "sourcedisksfiles"] {
        assert!(s.contains_key(&format!("{section}.amd64")), "[{section}.amd64]");
        assert_eq!(s.get(section), s.get(&format!("{section}.amd64")), "[{section}] for Wine");
    }
}

#[test]
fn same_service_as_the_setup_program() {
    let s = sections();
    let add =
        s["defaultinstall.ntamd64.services"].iter().find(|l| l.to_ascii_lowercase().starts_with("addservice")).unwrap();
    let fields: Vec<&str> = add.split_once('=').unwrap().1.split(',').map(str::trim).collect();
    assert_eq!(resolved(&s, fields[0]), service::NAME);
    let section = fields[2].to_ascii_lowercase();
    let spec = setup::service_spec();
    let num = |k: &str| value(&s, &section, k).and_then(|v| v.parse::<u32>().ok());
    assert_eq!(num("ServiceType"), Some(spec.service_type));
    assert_eq!(num("StartType"), Some(spec.start_type));
    assert_eq!(num("ErrorControl"), Some(spec.error_control));
    assert_eq!(value(&s, &section, "LoadOrderGroup").as_deref(), Some(spec.group.as_str()));
    assert_eq!(value(&s, &section, "ServiceBinary").as_deref(), Some(r"%12%\lklfs.sys"));
    assert_eq!(resolved(&s, &value(&s, &section, "DisplayName").unwrap()), spec.display_name);
    // The parameters: the defaults of driver_ioctl::service, written only
    // where absent (FLG_ADDREG_NOCLOBBER, 0x2), so an upgrade keeps them.
    let addreg = value(&s, &section, "AddReg").unwrap().to_ascii_lowercase();
    let lines = &s[&addreg];
    let param = |name: &str| -> (u32, String) {
        let l = lines.iter().find(|l| l.split(',').nth(2).map(str::trim) == Some(name)).unwrap();
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        assert_eq!((f[0], f[1]), ("HKR", "Parameters"), "{l}");
        let flags = u32::from_str_radix(f[3].trim_start_matches("0x"), 16).unwrap();
        (flags, f[4..].join(",").trim_matches('"').to_string())
    };
    let (flags, v) = param(service::MEMORY_MIB);
    assert_eq!((flags & 0xffff_0000, flags & 2, v), (0x0001_0000, 2, service::DEFAULT_MEMORY_MIB.to_string()));
    let (flags, v) = param(service::WRITE_OFFERED);
    assert_eq!((flags & 0xffff_0000, flags & 2, v), (0x0001_0000, 2, service::DEFAULT_WRITE_OFFERED.to_string()));
    let (flags, v) = param(service::FILE_SYSTEMS);
    assert_eq!((flags & 0xffff_0000, flags & 2, v.as_str()), (0, 2, service::DEFAULT_FILE_SYSTEMS));
}
