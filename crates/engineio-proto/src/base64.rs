//! Base64 as engine.io uses it: the standard alphabet with padding for binary packets in a
//! polling payload, and the URL-safe alphabet without padding for session ids.

use thiserror::Error;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A base64 text that could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Base64Error {
    /// A byte outside both alphabets (and not `=` padding) at this offset.
    #[error("invalid base64 byte at offset {0}")]
    InvalidByte(usize),
    /// The text ends with a single dangling character, which encodes no whole byte.
    #[error("invalid base64 length")]
    InvalidLength,
}

/// Appends the standard, padded base64 encoding of `input` to `out`.
pub fn encode_into(input: &[u8], out: &mut String) {
    encode_with(input, STANDARD, true, out);
}

/// The standard, padded base64 encoding of `input`.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(input.len()));
    encode_into(input, &mut out);
    out
}

/// The URL-safe, unpadded base64 encoding of `input` (used for session ids).
pub(crate) fn encode_url_safe(input: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(input.len()));
    encode_with(input, URL_SAFE, false, &mut out);
    out
}

/// Length of the padded encoding of `n` bytes.
pub(crate) fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

fn encode_with(input: &[u8], alphabet: &[u8; 64], pad: bool, out: &mut String) {
    out.reserve(encoded_len(input.len()));
    let sym = |i: u32| char::from(alphabet[(i & 63) as usize]);
    let mut chunks = input.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        out.extend([sym(n >> 18), sym(n >> 12), sym(n >> 6), sym(n)]);
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend([sym(n >> 18), sym(n >> 12)]);
            if pad {
                out.push_str("==");
            }
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend([sym(n >> 18), sym(n >> 12), sym(n >> 6)]);
            if pad {
                out.push('=');
            }
        }
        _ => {}
    }
}

fn value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        // Node's decoder accepts both alphabets, and so do we.
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64 in either alphabet, padded or not (as Node's `Buffer.from(s, "base64")`
/// does for well-formed input); anything else is an error rather than silently skipped.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let body = match input.iter().rposition(|&b| b != b'=') {
        Some(last) if input.len() - last - 1 <= 2 => &input[..=last],
        Some(_) => return Err(Base64Error::InvalidByte(input.len() - 1)),
        None if input.is_empty() => input,
        None => return Err(Base64Error::InvalidByte(0)),
    };
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for (i, &b) in body.iter().enumerate() {
        let v = value(b).ok_or(Base64Error::InvalidByte(i))?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if body.len() % 4 == 1 {
        return Err(Base64Error::InvalidLength);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors_round_trip() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded.as_bytes()).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn decodes_unpadded_and_url_safe() {
        assert_eq!(decode(b"Zm8").unwrap(), b"fo");
        assert_eq!(decode(b"-_8").unwrap(), decode(b"+/8=").unwrap());
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode(b"Zm9v!").is_err());
        assert!(decode(b"Z").is_err());
        assert!(decode(b"Zm===").is_err());
        assert!(decode(b"==").is_err());
    }

    #[test]
    fn url_safe_has_no_padding() {
        assert_eq!(encode_url_safe(&[0xfb, 0xff]), "-_8");
        assert_eq!(encode_url_safe(&[0u8; 15]).len(), 20);
    }
}
