//! The record every declaration leaves behind, so that the layout probe is
//! generated from the declarations themselves and cannot drift from them.
//!
//! Structs and constants of this crate are only ever declared through
//! [`nt_structs!`](crate::nt_structs) and [`nt_consts!`](crate::nt_consts);
//! each invocation also emits a table (`STRUCTS` / `CONSTS`) for its module,
//! and [`crate::STRUCTS`] / [`crate::CONSTS`] chain the tables of all modules.
//! The probe test also parses the sources to prove that no `pub struct`,
//! `pub union` or `pub const` escaped the macros.

/// One struct or union and how to find its C twin.
#[derive(Debug)]
pub struct Struct {
    /// The Rust name.
    pub rust_name: &'static str,
    /// The C type that holds it (`IRP`).
    pub c_type: &'static str,
    /// Member path inside `c_type` for anonymous C structs and unions
    /// (`Parameters.DeviceIoControl`); empty for the whole type.
    pub c_member: &'static str,
    /// `size_of` on the Rust side.
    pub size: usize,
    /// `align_of` on the Rust side.
    pub align: usize,
    /// Named fields (fields starting with `_` are padding and not checked).
    pub fields: &'static [Field],
}

/// One field of a [`Struct`].
#[derive(Debug)]
pub struct Field {
    /// The Rust field name.
    pub rust_name: &'static str,
    /// The C member designator relative to the struct (`Tail.Overlay.Thread`).
    pub c_path: &'static str,
    /// `offset_of!` on the Rust side.
    pub offset: usize,
    /// `size_of` of the field type.
    pub size: usize,
}

/// One integer constant and the C expression it must equal.
#[derive(Debug)]
pub struct Const {
    /// The Rust name.
    pub rust_name: &'static str,
    /// The C expression (usually the same name).
    pub c_expr: &'static str,
    /// The Rust value, widened.
    pub value: i128,
}

/// Declares `#[repr(C)]` structs or unions and records their layout in a
/// module-level `STRUCTS` table.
///
/// `pub struct NAME = "CTYPE" { .. }` names the C type when it differs;
/// `= "CTYPE::member.path"` addresses an anonymous C struct or union inside
/// `CTYPE`. A field may be followed by `=> "c.member.path"`.
#[macro_export]
macro_rules! nt_structs {
    ($(
        $(#[doc = $doc:literal])*
        pub $kind:ident $name:ident $(= $cname:literal)? {
            $( $(#[doc = $fdoc:literal])* $fvis:vis $f:ident : $t:ty $(=> $cpath:literal)? ),* $(,)?
        }
    )*) => {
        $(
            $(#[doc = $doc])*
            #[repr(C)]
            #[derive(Clone, Copy)]
            #[allow(non_snake_case, non_camel_case_types, missing_docs)] // DDK field names
            pub $kind $name { $( $(#[doc = $fdoc])* $fvis $f : $t ),* }
        )*

        /// Layouts of the structs declared in this module.
        pub(crate) const STRUCTS: &[$crate::layout::Struct] = &[$(
            $crate::layout::Struct {
                rust_name: stringify!($name),
                c_type: $crate::layout::c_type($crate::nt_structs!(@name $name $($cname)?)),
                c_member: $crate::layout::c_member($crate::nt_structs!(@name $name $($cname)?)),
                size: ::core::mem::size_of::<$name>(),
                align: ::core::mem::align_of::<$name>(),
                fields: &[$(
                    $crate::layout::Field {
                        rust_name: stringify!($f),
                        c_path: $crate::nt_structs!(@name $f $($cpath)?),
                        offset: ::core::mem::offset_of!($name, $f),
                        size: ::core::mem::size_of::<$t>(),
                    }
                ),*],
            }
        ),*];
    };
    (@name $n:ident) => { stringify!($n) };
    (@name $n:ident $c:literal) => { $c };
}

/// Declares integer constants and records them in a module-level `CONSTS`
/// table. `=> "C_EXPR"` names the C expression when it differs.
#[macro_export]
macro_rules! nt_consts {
    ($(
        $(#[doc = $doc:literal])*
        pub const $name:ident : $t:ty = $v:expr $(=> $c:literal)?;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[allow(non_upper_case_globals)] // DDK enumerator names
            pub const $name: $t = $v;
        )*

        /// Constants declared in this module.
        pub(crate) const CONSTS: &[$crate::layout::Const] = &[$(
            $crate::layout::Const {
                rust_name: stringify!($name),
                c_expr: $crate::nt_structs!(@name $name $($c)?),
                value: $name as i128,
            }
        ),*];
    };
}

/// The C type part of `"TYPE"` or `"TYPE::member"`.
pub const fn c_type(spec: &'static str) -> &'static str {
    match split(spec) {
        Some(i) => sub(spec, 0, i),
        None => spec,
    }
}

/// The member part of `"TYPE::member"`, empty for `"TYPE"`.
pub const fn c_member(spec: &'static str) -> &'static str {
    match split(spec) {
        Some(i) => sub(spec, i + 2, spec.len()),
        None => "",
    }
}

const fn split(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b':' && b[i + 1] == b':' {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn sub(s: &'static str, from: usize, to: usize) -> &'static str {
    let (head, _) = s.as_bytes().split_at(to);
    let (_, mid) = head.split_at(from);
    match core::str::from_utf8(mid) {
        Ok(m) => m,
        Err(_) => panic!("C type spec is not UTF-8 at a `::` boundary"),
    }
}
