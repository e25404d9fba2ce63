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
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
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
        // Only ASCII bytes reach here, so `i` is a char boundary.
        out.push_str(s.get(start..i).unwrap_or_default());
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}
