//! Base64 as engine.io uses it: the standard alphabet with padding for binary packets in a
//! polling payload, and the URL-safe alphabet without padding for session ids.

use thiserror::Error;

use std::borrow::Cow;

use ::base64::Engine as _;
use ::base64::engine::DecodePaddingMode;
use ::base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
};

/// Decoding as Node's `Buffer.from(s, "base64")` does for well-formed input: padding
/// optional, bits past the last whole byte ignored.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &::base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// A base64 text that could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Base64Error {
    /// A byte outside both alphabets (or misplaced `=` padding) at this offset.
    #[error("invalid base64 byte at offset {0}")]
    InvalidByte(usize),
    /// The text ends with a single dangling character, which encodes no whole byte.
    #[error("invalid base64 length")]
    InvalidLength,
}

/// Appends the standard, padded base64 encoding of `input` to `out`.
pub fn encode_into(input: &[u8], out: &mut String) {
    STANDARD.encode_string(input, out);
}

/// The standard, padded base64 encoding of `input`.
pub fn encode(input: &[u8]) -> String {
    STANDARD.encode(input)
}

/// The URL-safe, unpadded base64 encoding of `input` (used for session ids).
pub(crate) fn encode_url_safe(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(input)
}

/// Length of the padded encoding of `n` bytes.
pub(crate) fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Decodes base64 in either alphabet, padded or not (as Node's `Buffer.from(s, "base64")`
/// does for well-formed input); anything else is an error rather than silently skipped.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, Base64Error> {
    // Node takes the URL-safe alphabet too: map it onto the standard one, copying only then.
    let input: Cow<'_, [u8]> = if input.iter().any(|b| matches!(b, b'-' | b'_')) {
        Cow::Owned(
            input
                .iter()
                .map(|&b| match b {
                    b'-' => b'+',
                    b'_' => b'/',
                    b => b,
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(input)
    };
    LENIENT.decode(&input).map_err(|e| match e {
        ::base64::DecodeError::InvalidByte(at, _)
        | ::base64::DecodeError::InvalidLastSymbol(at, _) => Base64Error::InvalidByte(at),
        ::base64::DecodeError::InvalidLength(_) => Base64Error::InvalidLength,
        ::base64::DecodeError::InvalidPadding => {
            Base64Error::InvalidByte(input.len().saturating_sub(1))
        }
    })
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
