//! Writes a [`Value`] as JSON text straight into the packet's `String`.
//!
//! A hand-written writer (rather than `serde_json::to_writer`) appends to the one output
//! `String` without a byte buffer and UTF-8 re-check, and swaps binary for placeholders in the
//! same pass. Escaping matches `JSON.stringify`: quote, backslash and control characters only.

use std::fmt::Write as _;

use bytes::Bytes;

use crate::Value;

/// What to write for a [`Value::Binary`].
pub(crate) enum BinaryMode<'a> {
    /// `{"_placeholder":true,"num":N}`, pushing the bytes as attachment `N` (EVENT and ACK).
    Placeholder(&'a mut Vec<Bytes>),
    /// Node's `Buffer#toJSON` form, `{"type":"Buffer","data":[..]}`, which is what the
    /// reference sends when binary sits in a packet type that has no attachments.
    Inline,
}

/// Appends `value` as JSON to `out`.
pub(crate) fn write_value(out: &mut String, value: &Value, mode: &mut BinaryMode<'_>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        // Writing to a String cannot fail.
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => {
                let _ = write!(out, "{u}");
            }
            (None, Some(i), _) => {
                let _ = write!(out, "{i}");
            }
            (None, None, Some(f)) => write_js_number(out, f),
            (None, None, None) => out.push_str("null"),
        },
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, mode);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, v, mode);
            }
            out.push('}');
        }
        Value::Binary(bytes) => match mode {
            BinaryMode::Placeholder(attachments) => {
                let _ = write!(
                    out,
                    "{{\"_placeholder\":true,\"num\":{}}}",
                    attachments.len()
                );
                attachments.push(bytes.clone());
            }
            BinaryMode::Inline => {
                out.push_str("{\"type\":\"Buffer\",\"data\":[");
                for (i, b) in bytes.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{b}");
                }
                out.push_str("]}");
            }
        },
    }
}

/// Appends a float the way JavaScript's `Number#toString` does (so `3.0` is `3` and `1e21`
/// is `1e+21`), from Rust's shortest round-trip digits.
fn write_js_number(out: &mut String, f: f64) {
    if f == 0.0 || !f.is_finite() {
        // -0 prints as 0; non-finite numbers cannot occur in a `serde_json::Number`.
        out.push_str(if f == 0.0 { "0" } else { "null" });
        return;
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    // ECMAScript's layout: the value is 0.d1d2..dk * 10^n.
    let k = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let n = exp + 1;
    if f < 0.0 {
        out.push('-');
    }
    let zeros = |count: i32| "0".repeat(usize::try_from(count).unwrap_or(0));
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.push_str(&zeros(n - k));
    } else if 0 < n && n <= 21 {
        let split = usize::try_from(n).unwrap_or(0);
        let (int, frac) = digits.split_at_checked(split).unwrap_or((&digits, ""));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.push_str(&zeros(-n));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at_checked(1).unwrap_or((&digits, ""));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(out, "e{}{}", if n > 0 { "+" } else { "-" }, (n - 1).abs());
    }
}

/// Appends `s` as a JSON string literal.
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none needs an escape (most text has none).
        if let Some(word) = bytes
            .get(i..i + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
        {
            if !may_need_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(bytes.len());
        for (j, &b) in bytes.iter().enumerate().take(end).skip(i) {
            let escape: Option<&str> = match b {
                b'"' => Some("\\\""),
                b'\\' => Some("\\\\"),
                b'\n' => Some("\\n"),
                b'\r' => Some("\\r"),
                b'\t' => Some("\\t"),
                0x08 => Some("\\b"),
                0x0c => Some("\\f"),
                0x00..=0x1f => None,
                _ => continue,
            };
            // Only ASCII bytes reach here, so `j` is a char boundary.
            out.push_str(s.get(start..j).unwrap_or_default());
            match escape {
                Some(e) => out.push_str(e),
                None => {
                    let _ = write!(out, "\\u{b:04x}");
                }
            }
            start = j + 1;
        }
        i = end;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// Whether one of the eight bytes of `word` may be a control character, `"` or `\\` (never
/// false when one is; sometimes true when none is, which only costs a closer look).
fn may_need_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    below_space
        | zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(s: &str) -> String {
        let mut out = String::new();
        write_str(&mut out, s);
        out
    }

    #[test]
    fn strings_are_escaped_as_json_says_at_every_position() {
        // Every ASCII byte and a few wider characters, at every offset of the eight-byte
        // steps, in strings of every length around them.
        let mut samples: Vec<char> = (0u8..0x80).map(char::from).collect();
        samples.extend(['é', '€', '😀', '\u{7f}', '\u{2028}']);
        for &c in &samples {
            for before in 0..10 {
                for after in 0..10 {
                    let s = format!("{}{c}{}", "a".repeat(before), "b".repeat(after));
                    let expected = serde_json::to_string(&s).unwrap_or_default();
                    assert_eq!(written(&s), expected, "{s:?}");
                }
            }
        }
        assert_eq!(written(""), "\"\"");
        let long = "x\"y\\z\n".repeat(100);
        assert_eq!(
            written(&long),
            serde_json::to_string(&long).unwrap_or_default()
        );
    }

    #[test]
    fn the_word_test_never_misses_a_byte_that_needs_an_escape() {
        for b in 0u8..=255 {
            let needs = b < 0x20 || b == b'"' || b == b'\\';
            for at in 0..8 {
                let mut word = [b'a'; 8];
                word[at] = b;
                if needs {
                    assert!(may_need_escape(u64::from_le_bytes(word)), "{b:#x} at {at}");
                }
            }
        }
        assert!(!may_need_escape(u64::from_le_bytes(*b"plain ok")));
    }
}
