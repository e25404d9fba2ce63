//! Outgoing messages encoded once and shared by every session they go to.

use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::{BufMut, Bytes, BytesMut};
use engineio_proto::{Outgoing, PacketType, base64_encode_into, encode_packet_v3_into};
use websocket_proto::OpCode;

/// An encoded Engine.IO message packet. Cloning is cheap (reference counted): a broadcast
/// encodes its frame once and hands clones to every session.
#[derive(Clone)]
pub struct Frame {
    repr: Repr,
    /// Whether permessage-deflate may compress it (the emit's `compress` flag).
    compress: bool,
}

#[derive(Clone)]
enum Repr {
    /// `4<text>` (UTF-8): both the websocket text frame and the polling payload piece.
    Text(Bytes),
    Binary(Arc<BinaryFrame>),
}

struct BinaryFrame {
    raw: Bytes,
    /// `b<base64>` for polling, made on first use and then shared.
    polling: OnceLock<Bytes>,
}

impl Frame {
    fn new(repr: Repr) -> Frame {
        Frame {
            repr,
            compress: true,
        }
    }

    /// The same message, never compressed on a websocket (`socket.compress(false)`).
    pub(crate) fn uncompressed(mut self) -> Frame {
        self.compress = false;
        self
    }

    /// Whether permessage-deflate may compress it.
    pub(crate) fn compressible(&self) -> bool {
        self.compress
    }

    /// A text message.
    pub fn text(text: impl AsRef<str>) -> Frame {
        let text = text.as_ref();
        let mut s = String::with_capacity(text.len() + 1);
        s.push(PacketType::Message.as_char());
        s.push_str(text);
        Frame::new(Repr::Text(Bytes::from(s)))
    }

    /// A text message from a string the caller gives up: the packet type is inserted in
    /// place (without a copy when the string has a spare byte), and the bytes become shared
    /// at once, so that queueing clones of the frame allocates nothing more.
    pub(crate) fn text_owned(mut text: String) -> Frame {
        text.insert(0, PacketType::Message.as_char());
        Frame::new(Repr::Text(Bytes::from(text)))
    }

    /// A binary message.
    pub fn binary(data: Bytes) -> Frame {
        Frame::new(Repr::Binary(Arc::new(BinaryFrame {
            raw: data,
            polling: OnceLock::new(),
        })))
    }

    /// Whether this is a binary message.
    pub fn is_binary(&self) -> bool {
        matches!(self.repr, Repr::Binary(_))
    }

    /// The message's payload without the packet type: the text's bytes, or the binary data.
    pub fn payload(&self) -> Bytes {
        match &self.repr {
            Repr::Text(t) => t.slice(1..),
            Repr::Binary(b) => b.raw.clone(),
        }
    }

    /// The message's size on a websocket: what it counts for in the outbox's byte bound.
    pub(crate) fn wire_len(&self) -> usize {
        match &self.repr {
            Repr::Text(t) => t.len(),
            Repr::Binary(b) => b.raw.len(),
        }
    }

    /// The websocket frame's opcode and payload.
    pub(crate) fn ws_parts(&self) -> (OpCode, &[u8]) {
        match &self.repr {
            Repr::Text(t) => (OpCode::Text, t),
            Repr::Binary(b) => (OpCode::Binary, &b.raw),
        }
    }

    pub(crate) fn polling_bytes(&self) -> Bytes {
        match &self.repr {
            Repr::Text(t) => t.clone(),
            Repr::Binary(b) => b
                .polling
                .get_or_init(|| {
                    let mut s = String::with_capacity(1 + b.raw.len().div_ceil(3) * 4);
                    s.push('b');
                    base64_encode_into(&b.raw, &mut s);
                    Bytes::from(s)
                })
                .clone(),
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Text(t) => f
                .debug_tuple("Frame::Text")
                .field(&String::from_utf8_lossy(t))
                .finish(),
            Repr::Binary(b) => f.debug_tuple("Frame::Binary").field(&b.raw.len()).finish(),
        }
    }
}

/// A protocol 3 polling payload: each packet behind its length in UTF-16 units, binary as
/// `b4<base64>`. Only `allowEIO3` sessions take this path, so nothing is cached for it.
pub(crate) fn payload_v3(items: Vec<Outgoing<Frame>>) -> Bytes {
    let mut out = String::new();
    let mut piece = String::new();
    for item in &items {
        piece.clear();
        match item {
            Outgoing::Frame(f) => match &f.repr {
                Repr::Text(t) => piece.push_str(&String::from_utf8_lossy(t)),
                Repr::Binary(b) => {
                    piece.push('b');
                    piece.push(PacketType::Message.as_char());
                    base64_encode_into(&b.raw, &mut piece);
                }
            },
            Outgoing::Packet(p) => encode_packet_v3_into(p, &mut piece),
        }
        let units: usize = piece.chars().map(char::len_utf16).sum();
        out.push_str(&units.to_string());
        out.push(':');
        out.push_str(&piece);
    }
    if out.is_empty() {
        out.push_str("0:");
    }
    Bytes::from(out)
}

/// Joins polling payload pieces with the record separator into one body.
pub(crate) fn join_payload(pieces: impl IntoIterator<Item = Bytes>) -> Bytes {
    let mut iter = pieces.into_iter();
    let Some(first) = iter.next() else {
        return Bytes::new();
    };
    let Some(second) = iter.next() else {
        // The common single-packet answer goes out without a copy.
        return first;
    };
    let mut out = BytesMut::with_capacity(first.len() + second.len() + 1);
    out.put(first);
    for piece in std::iter::once(second).chain(iter) {
        out.put_u8(0x1e);
        out.put(piece);
    }
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_encodings() {
        let t = Frame::text("hello");
        assert_eq!(t.polling_bytes(), "4hello");
        assert_eq!(t.payload(), "hello");
        let b = Frame::binary(Bytes::from_static(&[1, 2, 3, 4]));
        assert_eq!(b.polling_bytes(), "bAQIDBA==");
        assert_eq!(b.ws_parts(), (OpCode::Binary, &[1u8, 2, 3, 4][..]));
        assert_eq!(t.ws_parts(), (OpCode::Text, &b"4hello"[..]));
    }

    #[test]
    fn payload_join() {
        let joined = join_payload([Bytes::from("4a"), Bytes::from("4b"), Bytes::from("2")]);
        assert_eq!(joined, "4a\x1e4b\x1e2");
        assert_eq!(join_payload([Bytes::from("6")]), "6");
    }
}
