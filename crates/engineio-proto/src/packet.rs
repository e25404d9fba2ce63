//! Engine.IO v4 packets: the seven types and their text and binary encodings.

use bytes::Bytes;
use thiserror::Error;

use crate::base64;

/// The type of an Engine.IO packet, with its one-digit wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// `0`: the handshake, server to client, carrying the [`OpenPacket`](crate::OpenPacket) JSON.
    Open,
    /// `1`: the transport is to be closed.
    Close,
    /// `2`: heartbeat request (server to client), or `2probe` during an upgrade.
    Ping,
    /// `3`: heartbeat answer (client to server), or `3probe` during an upgrade.
    Pong,
    /// `4`: an application message.
    Message,
    /// `5`: the client switches to the new transport.
    Upgrade,
    /// `6`: nothing; releases a pending long-polling request.
    Noop,
}

impl PacketType {
    /// The wire digit of this type.
    pub const fn as_char(self) -> char {
        match self {
            PacketType::Open => '0',
            PacketType::Close => '1',
            PacketType::Ping => '2',
            PacketType::Pong => '3',
            PacketType::Message => '4',
            PacketType::Upgrade => '5',
            PacketType::Noop => '6',
        }
    }

    /// The type of a wire digit, if it is one.
    pub const fn from_byte(b: u8) -> Option<PacketType> {
        Some(match b {
            b'0' => PacketType::Open,
            b'1' => PacketType::Close,
            b'2' => PacketType::Ping,
            b'3' => PacketType::Pong,
            b'4' => PacketType::Message,
            b'5' => PacketType::Upgrade,
            b'6' => PacketType::Noop,
            _ => return None,
        })
    }
}

/// What a packet carries after its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketData {
    /// Nothing (e.g. `2`, `6`).
    Empty,
    /// UTF-8 text (e.g. `probe` in `2probe`, `hello` in `4hello`).
    Text(String),
    /// Bytes: only message packets carry binary data.
    Binary(Bytes),
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The packet's type.
    pub kind: PacketType,
    /// The packet's data.
    pub data: PacketData,
}

/// Why a received packet could not be decoded. The reference answers all of these by closing
/// the session with the reason `parse error`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// An empty text packet: it has no type.
    #[error("empty packet")]
    Empty,
    /// The first character is not a packet type (`0`-`6`) nor `b` (base64 binary).
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// A `b` packet whose base64 does not decode.
    #[error("invalid base64 in binary packet: {0}")]
    Base64(#[from] base64::Base64Error),
}

impl Packet {
    /// A packet of `kind` with no data.
    pub const fn new(kind: PacketType) -> Packet {
        Packet {
            kind,
            data: PacketData::Empty,
        }
    }

    /// A packet of `kind` carrying `text`.
    pub fn with_text(kind: PacketType, text: impl Into<String>) -> Packet {
        Packet {
            kind,
            data: PacketData::Text(text.into()),
        }
    }

    /// A text message packet (`4…`).
    pub fn message(text: impl Into<String>) -> Packet {
        Packet::with_text(PacketType::Message, text)
    }

    /// A binary message packet.
    pub fn binary(data: Bytes) -> Packet {
        Packet {
            kind: PacketType::Message,
            data: PacketData::Binary(data),
        }
    }

    /// Whether this is `2probe`.
    pub fn is_probe_ping(&self) -> bool {
        self.kind == PacketType::Ping && matches!(&self.data, PacketData::Text(t) if t == "probe")
    }

    /// Decodes a text packet (a websocket text frame, or one piece of a polling payload).
    /// `b<base64>` is a binary message.
    pub fn decode_text(text: &str) -> Result<Packet, DecodeError> {
        let first = *text.as_bytes().first().ok_or(DecodeError::Empty)?;
        if first == b'b' {
            let bytes = base64::decode(&text.as_bytes()[1..])?;
            return Ok(Packet::binary(Bytes::from(bytes)));
        }
        let kind = PacketType::from_byte(first)
            .ok_or_else(|| DecodeError::UnknownType(text.chars().next().unwrap_or('\0')))?;
        let rest = &text[1..];
        let data = if rest.is_empty() {
            PacketData::Empty
        } else {
            PacketData::Text(rest.to_owned())
        };
        Ok(Packet { kind, data })
    }

    /// As [`decode_text`](Self::decode_text), from a websocket text frame's payload: when the
    /// payload owns its buffer (a frame read on its own), that buffer becomes the packet's
    /// text, moved once, not copied. Text that is not UTF-8 (the framing layer refuses it
    /// before) is read with replacement characters.
    pub fn decode_text_frame(mut payload: Bytes) -> Result<Packet, DecodeError> {
        let first = *payload.first().ok_or(DecodeError::Empty)?;
        let kind = match PacketType::from_byte(first) {
            Some(kind) => kind,
            None => return Packet::decode_text(&String::from_utf8_lossy(&payload)),
        };
        // The type is one ASCII byte.
        bytes::Buf::advance(&mut payload, 1);
        if payload.is_empty() {
            return Ok(Packet::new(kind));
        }
        let text = String::from_utf8(Vec::from(payload))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Packet {
            kind,
            data: PacketData::Text(text),
        })
    }

    /// Decodes a binary packet (a websocket binary frame): always a binary message.
    pub fn decode_binary(data: Bytes) -> Packet {
        Packet::binary(data)
    }

    /// Appends the text encoding to `out`; binary data becomes `b<base64>` as in a polling
    /// payload.
    pub fn encode_text_into(&self, out: &mut String) {
        match &self.data {
            PacketData::Binary(b) => {
                out.push('b');
                base64::encode_into(b, out);
            }
            PacketData::Text(t) => {
                out.push(self.kind.as_char());
                out.push_str(t);
            }
            PacketData::Empty => out.push(self.kind.as_char()),
        }
    }

    /// The text encoding (binary data as `b<base64>`).
    pub fn encode_text(&self) -> String {
        let mut out = String::with_capacity(self.encoded_len_hint());
        self.encode_text_into(&mut out);
        out
    }

    /// The encoding for a websocket frame: text packets as a text frame, binary messages as
    /// the raw bytes of a binary frame.
    pub fn encode_ws(&self) -> WsFrame {
        match &self.data {
            PacketData::Binary(b) => WsFrame::Binary(b.clone()),
            _ => WsFrame::Text(self.encode_text()),
        }
    }

    fn encoded_len_hint(&self) -> usize {
        match &self.data {
            PacketData::Empty => 1,
            PacketData::Text(t) => 1 + t.len(),
            PacketData::Binary(b) => 1 + base64::encoded_len(b.len()),
        }
    }
}

/// A packet encoded for a websocket frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsFrame {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Bytes),
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from the engine.io-parser test suite.
    #[test]
    fn encodes_and_decodes_a_string() {
        let p = Packet::message("test");
        assert_eq!(p.encode_text(), "4test");
        assert_eq!(Packet::decode_text("4test").unwrap(), p);
    }

    #[test]
    fn fails_to_decode_malformed_packets() {
        assert_eq!(Packet::decode_text(""), Err(DecodeError::Empty));
        assert_eq!(
            Packet::decode_text("a123"),
            Err(DecodeError::UnknownType('a'))
        );
    }

    #[test]
    fn encodes_a_buffer_raw_for_websocket_and_base64_for_polling() {
        let p = Packet::binary(Bytes::from_static(&[1, 2, 3, 4]));
        assert_eq!(
            p.encode_ws(),
            WsFrame::Binary(Bytes::from_static(&[1, 2, 3, 4]))
        );
        assert_eq!(p.encode_text(), "bAQIDBA==");
        assert_eq!(Packet::decode_text("bAQIDBA==").unwrap(), p);
        assert_eq!(Packet::decode_binary(Bytes::from_static(&[1, 2, 3, 4])), p);
    }

    #[test]
    fn every_type_round_trips() {
        for b in b'0'..=b'6' {
            let kind = PacketType::from_byte(b).unwrap();
            let empty = Packet::new(kind);
            assert_eq!(Packet::decode_text(&empty.encode_text()).unwrap(), empty);
            let text = Packet::with_text(kind, "probe €");
            assert_eq!(Packet::decode_text(&text.encode_text()).unwrap(), text);
        }
    }

    #[test]
    fn non_ascii_first_char_is_an_error_not_a_panic() {
        assert_eq!(
            Packet::decode_text("€4"),
            Err(DecodeError::UnknownType('€'))
        );
        assert!(matches!(
            Packet::decode_text("b!!"),
            Err(DecodeError::Base64(_))
        ));
    }

    /// The frame decoder gives what the text decoder gives, on every input of the tests
    /// above, and keeps the frame's buffer for the data.
    #[test]
    fn decoding_a_frame_agrees_and_reuses_its_buffer() {
        let inputs = [
            "",
            "a123",
            "€4",
            "b!!",
            "bAQIDBA==",
            "4",
            "4test",
            "2probe",
            "6",
            "4€ ok",
            "7x",
        ];
        for input in inputs {
            assert_eq!(
                Packet::decode_text_frame(Bytes::from(input.to_owned())),
                Packet::decode_text(input),
                "{input:?}"
            );
        }
        assert_eq!(
            Packet::decode_text_frame(Bytes::from_static(b"4a\xffb")),
            Ok(Packet::message("a\u{fffd}b"))
        );
        let frame = Bytes::from(b"4hello".to_vec());
        let at = frame.as_ptr();
        let Ok(Packet {
            data: PacketData::Text(data),
            ..
        }) = Packet::decode_text_frame(frame)
        else {
            panic!("not a text message");
        };
        assert_eq!((data.as_str(), data.as_ptr()), ("hello", at));
    }

    #[test]
    fn probe_detection() {
        assert!(Packet::with_text(PacketType::Ping, "probe").is_probe_ping());
        assert!(!Packet::new(PacketType::Ping).is_probe_ping());
    }
}
