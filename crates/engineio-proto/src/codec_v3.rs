//! Engine.IO protocol 3 encodings, for `allowEIO3` clients: text polling payloads with each
//! packet as `<length>:<packet>`, the length counted in UTF-16 code units (a JavaScript
//! string's `length`), binary as `b<type><base64>`, the empty payload `0:`; and websocket
//! binary frames that start with the packet type as a byte (`4` is `0x04`).

use thiserror::Error;

use crate::base64;
use crate::packet::{DecodeError, Packet, PacketData, PacketType};

/// Why a protocol 3 payload could not be decoded. The reference drops the whole payload and
/// closes the session with `parse error` for any of these.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum V3PayloadError {
    /// The payload is empty (`0:` is the empty payload, `""` is an error).
    #[error("empty payload")]
    Empty,
    /// A length prefix is missing, not a decimal number, or not followed by `:`.
    #[error("invalid length prefix")]
    BadLength,
    /// A length runs past the end of the payload or splits a surrogate pair.
    #[error("length does not match the data")]
    Truncated,
    /// A packet inside the payload does not decode.
    #[error(transparent)]
    Packet(#[from] DecodeError),
}

/// Appends the protocol 3 text encoding of `p` to `out`: `<type><data>`, binary as
/// `b<type><base64>`.
pub fn encode_packet_v3_into(p: &Packet, out: &mut String) {
    match &p.data {
        PacketData::Binary(b) => {
            out.push('b');
            out.push(p.kind.as_char());
            base64::encode_into(b, out);
        }
        PacketData::Text(t) => {
            out.push(p.kind.as_char());
            out.push_str(t);
        }
        PacketData::Empty => out.push(p.kind.as_char()),
    }
}

/// Decodes one protocol 3 text packet (a piece of a payload, or a websocket text frame).
pub fn decode_packet_v3(text: &str) -> Result<Packet, DecodeError> {
    let bytes = text.as_bytes();
    let first = *bytes.first().ok_or(DecodeError::Empty)?;
    if first == b'b' {
        let kind_byte = *bytes.get(1).ok_or(DecodeError::Empty)?;
        let kind = PacketType::from_byte(kind_byte)
            .ok_or_else(|| DecodeError::UnknownType(text[1..].chars().next().unwrap_or('\0')))?;
        let data = base64::decode(&bytes[2..])?;
        return Ok(Packet {
            kind,
            data: PacketData::Binary(data.into()),
        });
    }
    // Same shape as protocol 4 for text packets.
    Packet::decode_text(text)
}

/// Decodes a protocol 3 websocket binary frame: the first byte is the packet type.
pub fn decode_binary_v3(data: bytes::Bytes) -> Result<Packet, DecodeError> {
    let first = *data.first().ok_or(DecodeError::Empty)?;
    let kind = first
        .checked_add(b'0')
        .and_then(PacketType::from_byte)
        .ok_or(DecodeError::UnknownType(char::from(first)))?;
    Ok(Packet {
        kind,
        data: PacketData::Binary(data.slice(1..)),
    })
}

/// The one-byte prefix of a protocol 3 websocket binary frame carrying a packet of `kind`.
pub const fn binary_prefix_v3(kind: PacketType) -> u8 {
    kind.as_char() as u8 - b'0'
}

/// Encodes `packets` as one protocol 3 binary payload (the answer to a polling client that
/// did not ask for `b64`, when the batch holds binary data): per packet a `0` (text) or `1`
/// (binary) byte, the decimal digits of the length as bytes `0`-`9`, `0xff`, then the
/// packet: text as UTF-8 `<type><data>`, binary as the type byte and the data.
pub fn encode_binary_payload_v3<'a>(packets: impl IntoIterator<Item = &'a Packet>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut text = String::new();
    for p in packets {
        let (marker, body): (u8, &[u8]) = match &p.data {
            PacketData::Binary(b) => {
                text.clear();
                (1, b)
            }
            _ => {
                text.clear();
                encode_packet_v3_into(p, &mut text);
                (0, text.as_bytes())
            }
        };
        let len = body.len() + usize::from(marker);
        out.push(marker);
        out.extend(len.to_string().bytes().map(|d| d - b'0'));
        out.push(0xff);
        if marker == 1 {
            out.push(binary_prefix_v3(p.kind));
        }
        out.extend_from_slice(body);
    }
    out
}

/// Decodes a protocol 3 binary payload (a polling POST sent as `application/octet-stream`);
/// see [`encode_binary_payload_v3`].
pub fn decode_binary_payload_v3(payload: &[u8]) -> Result<Vec<Packet>, V3PayloadError> {
    let mut packets = Vec::new();
    let mut rest = payload;
    while let Some((&marker, tail)) = rest.split_first() {
        let end = tail
            .iter()
            .position(|&b| b == 0xff)
            .ok_or(V3PayloadError::BadLength)?;
        let digits = &tail[..end];
        // 310 digits is where the reference gives up too; any real length is far shorter.
        if digits.is_empty() || digits.len() > 20 || digits.iter().any(|&d| d > 9) {
            return Err(V3PayloadError::BadLength);
        }
        let len = digits
            .iter()
            .try_fold(0usize, |n, &d| {
                n.checked_mul(10)?.checked_add(usize::from(d))
            })
            .ok_or(V3PayloadError::BadLength)?;
        let body_and_rest = &tail[end + 1..];
        if body_and_rest.len() < len {
            return Err(V3PayloadError::Truncated);
        }
        let (body, next) = body_and_rest.split_at(len);
        let packet = match marker {
            0 => {
                let text = std::str::from_utf8(body).map_err(|_| V3PayloadError::BadLength)?;
                decode_packet_v3(text)?
            }
            1 => decode_binary_v3(bytes::Bytes::copy_from_slice(body))?,
            _ => return Err(V3PayloadError::BadLength),
        };
        packets.push(packet);
        rest = next;
    }
    Ok(packets)
}

/// Encodes `packets` as one protocol 3 text payload.
pub fn encode_payload_v3<'a>(packets: impl IntoIterator<Item = &'a Packet>) -> String {
    let mut out = String::new();
    let mut one = String::new();
    for p in packets {
        one.clear();
        encode_packet_v3_into(p, &mut one);
        let units: usize = one.chars().map(char::len_utf16).sum();
        out.push_str(&units.to_string());
        out.push(':');
        out.push_str(&one);
    }
    if out.is_empty() {
        out.push_str("0:");
    }
    out
}

/// Decodes a protocol 3 text payload. As in the reference, one bad packet fails the whole
/// payload; zero-length entries (`0:`) are skipped.
pub fn decode_payload_v3(payload: &str) -> Result<Vec<Packet>, V3PayloadError> {
    if payload.is_empty() {
        return Err(V3PayloadError::Empty);
    }
    let mut packets = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let colon = rest.find(':').ok_or(V3PayloadError::BadLength)?;
        let digits = &rest[..colon];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(V3PayloadError::BadLength);
        }
        let units: usize = digits.parse().map_err(|_| V3PayloadError::BadLength)?;
        let body = &rest[colon + 1..];
        let end = utf16_prefix_len(body, units).ok_or(V3PayloadError::Truncated)?;
        if end > 0 {
            packets.push(decode_packet_v3(&body[..end])?);
        }
        rest = &body[end..];
    }
    Ok(packets)
}

/// The byte length of the prefix of `s` that is exactly `units` UTF-16 code units long, if
/// `s` is long enough and the prefix does not end inside a surrogate pair.
fn utf16_prefix_len(s: &str, units: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, c) in s.char_indices() {
        if seen == units {
            return Some(i);
        }
        seen += c.len_utf16();
        if seen > units {
            return None;
        }
    }
    (seen == units).then_some(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn encodes_and_decodes_text_packets() {
        let packets = vec![
            Packet::new(PacketType::Open),
            Packet::with_text(PacketType::Ping, "probe"),
            Packet::message("hello world"),
        ];
        let payload = encode_payload_v3(&packets);
        assert_eq!(payload, "1:06:2probe12:4hello world");
        assert_eq!(decode_payload_v3(&payload).unwrap(), packets);
    }

    #[test]
    fn empty_payload_is_0_colon() {
        assert_eq!(encode_payload_v3(&[]), "0:");
        assert_eq!(decode_payload_v3("0:").unwrap(), vec![]);
        assert_eq!(decode_payload_v3(""), Err(V3PayloadError::Empty));
    }

    #[test]
    fn lengths_count_utf16_units_not_bytes() {
        // "€" is one UTF-16 unit (three bytes); "😀" is two units (four bytes).
        let packets = vec![Packet::message("€"), Packet::message("a😀")];
        let payload = encode_payload_v3(&packets);
        assert_eq!(payload, "2:4€4:4a😀");
        assert_eq!(decode_payload_v3(&payload).unwrap(), packets);
    }

    #[test]
    fn a_length_that_splits_a_surrogate_pair_is_an_error() {
        assert_eq!(decode_payload_v3("2:4😀"), Err(V3PayloadError::Truncated));
    }

    #[test]
    fn binary_is_b_type_base64() {
        let packets = vec![
            Packet::binary(Bytes::from_static(&[1, 2, 3, 4])),
            Packet::message("x"),
        ];
        let payload = encode_payload_v3(&packets);
        assert_eq!(payload, "10:b4AQIDBA==2:4x");
        assert_eq!(decode_payload_v3(&payload).unwrap(), packets);
    }

    #[test]
    fn malformed_payloads_are_errors_not_panics() {
        for bad in [
            "abc",
            ":4a",
            "x:4a",
            "5:4a",
            "2:4a3",
            "1:9",
            "2:b9",
            "3:b4!",
            "99999999999999999999999:4",
            "-1:4",
            "2:€",
        ] {
            assert!(decode_payload_v3(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn websocket_binary_frames_carry_the_type_byte() {
        let p = decode_binary_v3(Bytes::from_static(&[4, 1, 2, 3])).unwrap();
        assert_eq!(p, Packet::binary(Bytes::from_static(&[1, 2, 3])));
        assert_eq!(binary_prefix_v3(PacketType::Message), 4);
        assert_eq!(decode_binary_v3(Bytes::new()), Err(DecodeError::Empty));
        assert!(decode_binary_v3(Bytes::from_static(&[7])).is_err());
        assert!(decode_binary_v3(Bytes::from_static(&[255])).is_err());
    }

    #[test]
    fn binary_payloads_round_trip() {
        let packets = vec![
            Packet::message("é"),
            Packet::binary(Bytes::from_static(&[1, 2, 3])),
        ];
        let encoded = encode_binary_payload_v3(&packets);
        assert_eq!(
            encoded,
            [
                &[0, 3, 0xff, b'4', 0xc3, 0xa9][..],
                &[1, 4, 0xff, 4, 1, 2, 3]
            ]
            .concat()
        );
        assert_eq!(decode_binary_payload_v3(&encoded).unwrap(), packets);
        assert_eq!(decode_binary_payload_v3(&[]).unwrap(), vec![]);
    }

    #[test]
    fn malformed_binary_payloads_are_errors_not_panics() {
        for bad in [
            &[0u8][..],
            &[0, 0xff],
            &[0, 5, 0xff, b'4'],
            &[0, 10, 0xff, b'4'],
            &[2, 1, 0xff, b'4'],
            &[0, 2, 0xff, 0xc3, 0x28],
            &[1, 0, 0xff],
            &[0; 40],
        ] {
            assert!(decode_binary_payload_v3(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn one_bad_packet_fails_the_payload() {
        assert!(decode_payload_v3("2:4a1:x2:4b").is_err());
    }

    #[test]
    fn zero_length_entries_are_skipped() {
        assert_eq!(
            decode_payload_v3("0:2:4a").unwrap(),
            vec![Packet::message("a")]
        );
    }
}
