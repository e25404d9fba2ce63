//! HTTP long-polling payloads: packets joined by the record separator `0x1e`, binary messages
//! as `b<base64>`.

use crate::packet::{DecodeError, Packet};

/// The separator between the packets of a polling payload.
pub const SEPARATOR: char = '\u{1e}';

/// Encodes `packets` as one polling payload.
pub fn encode_payload<'a>(packets: impl IntoIterator<Item = &'a Packet>) -> String {
    let mut out = String::new();
    for (i, p) in packets.into_iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        p.encode_text_into(&mut out);
    }
    out
}

/// Decodes a polling payload lazily. Like the reference, decoding stops at the first packet
/// that fails: the iterator yields that error and then ends.
pub fn decode_payload(payload: &str) -> PayloadDecoder<'_> {
    PayloadDecoder {
        pieces: payload.split(SEPARATOR),
        failed: false,
    }
}

/// Iterator over the packets of a payload; see [`decode_payload`].
#[derive(Debug)]
pub struct PayloadDecoder<'a> {
    pieces: std::str::Split<'a, char>,
    failed: bool,
}

impl Iterator for PayloadDecoder<'_> {
    type Item = Result<Packet, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let r = Packet::decode_text(self.pieces.next()?);
        self.failed = r.is_err();
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::PacketType;
    use bytes::Bytes;

    // Vectors from the engine.io-parser test suite.
    #[test]
    fn encodes_and_decodes_all_packet_types() {
        let packets = vec![
            Packet::new(PacketType::Open),
            Packet::new(PacketType::Close),
            Packet::with_text(PacketType::Ping, "probe"),
            Packet::with_text(PacketType::Pong, "probe"),
            Packet::message("test"),
        ];
        let payload = encode_payload(&packets);
        assert_eq!(payload, "0\x1e1\x1e2probe\x1e3probe\x1e4test");
        let back: Vec<_> = decode_payload(&payload).map(Result::unwrap).collect();
        assert_eq!(back, packets);
    }

    #[test]
    fn encodes_and_decodes_mixed_text_and_binary() {
        let packets = vec![
            Packet::binary(Bytes::from_static(&[1, 2, 3, 4])),
            Packet::message("hello"),
            Packet::binary(Bytes::from_static(&[5, 6, 7, 8])),
        ];
        let payload = encode_payload(&packets);
        assert_eq!(payload, "bAQIDBA==\x1e4hello\x1ebBQYHCA==");
        let back: Vec<_> = decode_payload(&payload).map(Result::unwrap).collect();
        assert_eq!(back, packets);
    }

    #[test]
    fn fails_to_decode_malformed_payloads() {
        for bad in ["{", "{}", "[\"a123\", \"a456\"]"] {
            let out: Vec<_> = decode_payload(bad).collect();
            assert_eq!(out.len(), 1);
            assert!(out[0].is_err());
        }
    }

    #[test]
    fn stops_after_the_first_error() {
        let out: Vec<_> = decode_payload("4a\x1ex\x1e4b").collect();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0], Ok(Packet::message("a")));
        assert!(out[1].is_err());
    }

    #[test]
    fn empty_message_is_kept() {
        let out: Vec<_> = decode_payload("4\x1e4").map(Result::unwrap).collect();
        assert_eq!(
            out,
            vec![
                Packet::new(PacketType::Message),
                Packet::new(PacketType::Message)
            ]
        );
    }
}
