//! Dates in msgpack: the timestamp extension (type -1) and `notepack.io` 2's own (type 0,
//! milliseconds as a signed 64-bit integer), both read as the string `Date.toJSON` gives.
//!
//! A Rust peer has no `Date`; reading one as its ISO 8601 string gives the handler what the
//! JSON parser would have given for the same JavaScript emit.

/// `notepack.io` 2's extension type for a `Date` (in a fixext 8).
pub(super) const NOTEPACK_DATE: i8 = 0;

/// The timestamp extension type of the msgpack specification.
pub(super) const TIMESTAMP: i8 = -1;

/// The largest distance from the epoch a JavaScript `Date` holds, in milliseconds.
const MAX_MS: i64 = 8_640_000_000_000_000;

/// The ISO 8601 string of a msgpack extension's date (`kind` -1, the timestamp, or 0,
/// `notepack.io` 2's `Date` in a fixext 8), or `None` for another kind, a body of the wrong
/// size or a date outside JavaScript's range (an invalid `Date`, which `toJSON` makes `null`).
pub(super) fn timestamp_to_iso(kind: i8, body: &[u8]) -> Option<String> {
    let ms = match (kind, body.len()) {
        (NOTEPACK_DATE, 8) => i64::from_be_bytes(body.try_into().ok()?),
        (TIMESTAMP, 4) => i64::from(u32::from_be_bytes(body.try_into().ok()?)) * 1000,
        (TIMESTAMP, 8) => {
            let word = u64::from_be_bytes(body.try_into().ok()?);
            let nanos = word >> 34;
            let secs = word & 0x3_ffff_ffff;
            i64::try_from(secs * 1000 + nanos / 1_000_000).ok()?
        }
        (TIMESTAMP, 12) => {
            let nanos = u32::from_be_bytes(body.get(..4)?.try_into().ok()?);
            let secs = i64::from_be_bytes(body.get(4..)?.try_into().ok()?);
            // JavaScript truncates a fractional millisecond toward zero, as `/` on i128 does.
            let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
            i64::try_from(total / 1_000_000).ok()?
        }
        _ => return None,
    };
    if !(-MAX_MS..=MAX_MS).contains(&ms) {
        return None;
    }
    Some(iso(ms))
}

/// `Date.prototype.toISOString` of `ms` milliseconds from the epoch.
fn iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil(days);
    let (h, m, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else if year < 0 {
        format!("-{:06}", -year)
    } else {
        format!("+{year:06}")
    };
    format!("{year}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (eras of 400 years, each
/// 146 097 days, with the year starting in March so that the leap day comes last).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_javascript_writes_them() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso(MAX_MS), "+275760-09-13T00:00:00.000Z");
        assert_eq!(iso(-MAX_MS), "-271821-04-20T00:00:00.000Z");
        assert_eq!(iso(-62_198_755_200_000), "-000001-01-01T00:00:00.000Z");
    }

    #[test]
    fn timestamp_forms() {
        let ts32 = 1_700_000_000u32.to_be_bytes();
        assert_eq!(
            timestamp_to_iso(-1, &ts32).as_deref(),
            Some("2023-11-14T22:13:20.000Z")
        );
        let ts64 = ((5_000_000u64 << 34) | 1_700_000_000).to_be_bytes();
        assert_eq!(
            timestamp_to_iso(-1, &ts64).as_deref(),
            Some("2023-11-14T22:13:20.005Z")
        );
        let mut ts96 = 7_000_000u32.to_be_bytes().to_vec();
        ts96.extend((-1i64).to_be_bytes());
        assert_eq!(
            timestamp_to_iso(-1, &ts96).as_deref(),
            Some("1969-12-31T23:59:59.007Z")
        );
        assert_eq!(
            timestamp_to_iso(0, &1_000i64.to_be_bytes()).as_deref(),
            Some("1970-01-01T00:00:01.000Z")
        );
        let mut far = vec![0; 4];
        far.extend(i64::MAX.to_be_bytes());
        assert_eq!(timestamp_to_iso(-1, &far), None);
        assert_eq!(timestamp_to_iso(0, &i64::MIN.to_be_bytes()), None);
        assert_eq!(timestamp_to_iso(-1, &[0; 3]), None);
    }
}
