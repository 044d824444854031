//! Linux timestamps (seconds and nanoseconds since 1970) <-> NT times
//! (100 ns intervals since 1601-01-01 UTC).

/// Seconds from 1601-01-01 to 1970-01-01.
pub const EPOCH_DIFF_SECS: i64 = 11_644_473_600;
const TICKS_PER_SEC: i128 = 10_000_000;

/// Linux time -> NT time. Times before 1601 clamp to 0 and times past the
/// NT range (year 30828) clamp to `i64::MAX`: NT has no value for them, and
/// a negative NT time would mean "do not change" to whoever sets it back.
pub fn linux_to_nt(sec: i64, nsec: u32) -> i64 {
    let t = (sec as i128 + EPOCH_DIFF_SECS as i128) * TICKS_PER_SEC + (nsec as i128 / 100);
    t.clamp(0, i64::MAX as i128) as i64
}

/// NT time (must be >= 0) -> Linux `(seconds, nanoseconds)`.
pub fn nt_to_linux(t: i64) -> (i64, u32) {
    let t = t as i128;
    let sec = t.div_euclid(TICKS_PER_SEC) - EPOCH_DIFF_SECS as i128;
    let nsec = (t.rem_euclid(TICKS_PER_SEC) * 100) as u32;
    (sec as i64, nsec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_and_edges() {
        assert_eq!(linux_to_nt(0, 0), 116_444_736_000_000_000);
        assert_eq!(nt_to_linux(116_444_736_000_000_000), (0, 0));
        // One tick before 1970.
        assert_eq!(nt_to_linux(116_444_735_999_999_999), (-1, 999_999_900));
        assert_eq!(linux_to_nt(-1, 999_999_900), 116_444_735_999_999_999);
        // 1601 itself and before.
        assert_eq!(linux_to_nt(-EPOCH_DIFF_SECS, 0), 0);
        assert_eq!(linux_to_nt(-EPOCH_DIFF_SECS - 1, 0), 0);
        assert_eq!(linux_to_nt(i64::MIN, 0), 0);
        assert_eq!(nt_to_linux(0), (-EPOCH_DIFF_SECS, 0));
        // Far future: ext4's 2446 limit round-trips, i64 seconds clamp.
        let y2446 = 15_032_385_535;
        assert_eq!(nt_to_linux(linux_to_nt(y2446, 123_456_700)), (y2446, 123_456_700));
        assert_eq!(linux_to_nt(i64::MAX, 999_999_999), i64::MAX);
        assert_eq!(nt_to_linux(i64::MAX), (910_692_730_085, 477_580_700));
        // Sub-100ns precision is dropped, never rounded up into the next tick.
        assert_eq!(linux_to_nt(0, 99), linux_to_nt(0, 0));
    }
}
