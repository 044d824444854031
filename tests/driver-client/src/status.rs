//! The NTSTATUS values the client expects, as the `u32` the replies carry.
//! Each is the `nt` crate's constant of the same name, which the DDK probe
//! (`nt/tests/ddk_probe.rs`, step 2 of `tests/suites/20-nt-driver.sh`) holds
//! against mingw-w64's headers, so no value is typed here.

macro_rules! wire_statuses {
    ($($name:ident),+ $(,)?) => {
        $(pub(crate) const $name: u32 = nt::$name as u32;)+
    };
}

wire_statuses! {
    STATUS_SUCCESS,
    STATUS_END_OF_FILE,
    STATUS_NO_SUCH_DEVICE,
    STATUS_OBJECT_NAME_NOT_FOUND,
    STATUS_OBJECT_NAME_COLLISION,
    STATUS_MEDIA_WRITE_PROTECTED,
    STATUS_UNRECOGNIZED_VOLUME,
    STATUS_INVALID_DEVICE_STATE,
    STATUS_INVALID_DEVICE_REQUEST,
    STATUS_INVALID_PARAMETER,
    STATUS_ACCESS_DENIED,
    STATUS_NOT_LOCKED,
    STATUS_VOLUME_DISMOUNTED,
    STATUS_WRONG_VOLUME,
}

/// A status as the test wants it, or what it was instead.
pub(crate) fn expect(what: &str, got: u32, want: u32) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: status {got:#010x}, want {want:#010x}")) }
}
