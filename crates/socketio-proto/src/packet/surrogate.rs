//! Lone UTF-16 surrogates in JSON string escapes.
//!
//! JavaScript strings may hold unpaired surrogates (slicing an emoji in half is enough), and
//! `JSON.stringify` writes them as `\ud83d`-style escapes. `serde_json` rejects those, which
//! would turn one odd chat message into a closed connection; Rust strings cannot hold them, so
//! they become U+FFFD, the usual lossy replacement.

use std::borrow::Cow;

const REPLACEMENT: &str = "\\ufffd";

/// Returns `json` with every unpaired `\uD800`..`\uDFFF` escape replaced by `\ufffd`;
/// borrows when there is none (the common case: one scan, no allocation).
pub(crate) fn replace_lone_surrogates(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(pos) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\\'))
    {
        let at = i + pos;
        let Some(unit) = escaped_unit(bytes, at) else {
            // Any other escape is two bytes; skipping both keeps `\\u...` from looking like one.
            i = at + 2;
            continue;
        };
        let lone = match unit {
            0xD800..=0xDBFF => match escaped_unit(bytes, at + 6) {
                Some(0xDC00..=0xDFFF) => {
                    i = at + 12;
                    continue;
                }
                _ => true,
            },
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            let buf = out.get_or_insert_with(|| String::with_capacity(json.len()));
            // `at` and `at + 6` sit on ASCII bytes, so these are char boundaries.
            buf.push_str(json.get(copied..at).unwrap_or_default());
            buf.push_str(REPLACEMENT);
            copied = at + 6;
        }
        i = at + 6;
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut buf) => {
            buf.push_str(json.get(copied..).unwrap_or_default());
            Cow::Owned(buf)
        }
    }
}

/// The code unit of a `\uXXXX` escape starting at `at`, if there is one.
fn escaped_unit(bytes: &[u8], at: usize) -> Option<u16> {
    let esc = bytes.get(at..at + 6)?;
    if esc.first() != Some(&b'\\') || esc.get(1) != Some(&b'u') {
        return None;
    }
    let hex = std::str::from_utf8(esc.get(2..)?).ok()?;
    u16::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::replace_lone_surrogates as fix;

    #[test]
    fn serde_json_needs_it() {
        assert!(serde_json::from_str::<String>(r#""\ud83d""#).is_err());
    }

    #[test]
    fn replaces_only_unpaired_surrogates() {
        assert_eq!(fix(r#"["a"]"#), r#"["a"]"#);
        assert_eq!(fix(r#"["\ud83d\ude00"]"#), r#"["\ud83d\ude00"]"#);
        assert_eq!(fix(r#"["\ud83d"]"#), r#"["\ufffd"]"#);
        assert_eq!(fix(r#"["\ude00x"]"#), r#"["\ufffdx"]"#);
        assert_eq!(
            fix(r#"["\ud83d\ud83d\ude00"]"#),
            r#"["\ufffd\ud83d\ude00"]"#
        );
        assert_eq!(fix(r#"["\\ud83d"]"#), r#"["\\ud83d"]"#);
        assert_eq!(fix(r#"["é\uD83Dé","\n"]"#), r#"["é\ufffdé","\n"]"#);
        assert_eq!(fix(r#"["\ud83"]"#), r#"["\ud83"]"#);
        assert_eq!(fix(r#"["\"#), r#"["\"#);
        assert_eq!(fix(r#"\ud83d\u00"#), r#"\ufffd\u00"#);
    }
}
