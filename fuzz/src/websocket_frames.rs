//! The RFC 6455 frame decoder, with and without permessage-deflate.
//!
//! Input: one setup byte (bit 0 the decoder's role, bit 1 permessage-deflate, bits 2-3 the
//! message size limit, bits 4-7 the size of the pieces the wire is fed in), then the wire.

use bytes::BytesMut;
use websocket_proto::{
    Decoder, DeflateConfig, DeflateParams, Deflater, Message, OpCode, Role, encode, encode_close,
    negotiate,
};

const LIMITS: [usize; 4] = [16, 125, 1000, 1 << 16];

/// Decodes the wire in pieces; every message decoded is encoded again by the peer's side and
/// must decode to itself.
pub fn run(data: &[u8]) {
    let Some((&setup, wire)) = data.split_first() else {
        return;
    };
    let role = if setup & 1 == 0 {
        Role::Server
    } else {
        Role::Client
    };
    let deflate = (setup & 2 != 0).then(params);
    let max = LIMITS[usize::from((setup >> 2) & 3)];
    let piece = usize::from(setup >> 4) + 1;

    let (messages, _error) = feed(role, max, deflate.as_ref(), wire, piece);
    for m in &messages {
        if let Message::Text(b) | Message::Binary(b) = m {
            assert!(b.len() <= max, "a message over the limit was accepted");
        }
    }
    let again = reencode(role, deflate.as_ref(), &messages);
    let (back, error) = feed(role, 1 << 20, deflate.as_ref(), &again, usize::MAX);
    assert_eq!(error, None, "re-encoded messages were refused");
    assert_eq!(back, messages, "messages changed through encode and decode");
}

/// The parameters of a plain `permessage-deflate` offer (context takeover both ways).
fn params() -> DeflateParams {
    negotiate(["permessage-deflate"], &DeflateConfig::default())
        .unwrap_or_else(|| unreachable!("the plain offer is always accepted"))
}

fn decoder(role: Role, max: usize, deflate: Option<&DeflateParams>) -> Decoder {
    match deflate {
        Some(p) => Decoder::with_deflate(role, max, p),
        None => Decoder::new(role, max),
    }
}

/// Feeds `wire` `piece` bytes at a time, checking the decoder's contract at every step.
fn feed(
    role: Role,
    max: usize,
    deflate: Option<&DeflateParams>,
    wire: &[u8],
    piece: usize,
) -> (Vec<Message>, Option<websocket_proto::Error>) {
    let mut decoder = decoder(role, max, deflate);
    let mut buf = BytesMut::new();
    let mut messages = Vec::new();
    for chunk in wire.chunks(piece.max(1)) {
        buf.extend_from_slice(chunk);
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf) {
                Ok(Some(m)) => {
                    assert!(buf.len() < before, "a message consumed no bytes");
                    messages.push(m);
                }
                Ok(None) => {
                    assert!(
                        decoder.wanted(&buf) > buf.len(),
                        "waits for more but says it needs no more"
                    );
                    break;
                }
                Err(e) => {
                    assert!(decoder.decode(&mut buf).is_err(), "decodes after an error");
                    return (messages, Some(e));
                }
            }
        }
    }
    (messages, None)
}

/// The wire the peer of `role` would send for `messages`.
fn reencode(role: Role, deflate: Option<&DeflateParams>, messages: &[Message]) -> BytesMut {
    let peer = match role {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    };
    let mask = (peer == Role::Client).then_some([0x11, 0x22, 0x33, 0x44]);
    let mut deflater = deflate.map(|p| Deflater::new(peer, p));
    let mut wire = BytesMut::new();
    for m in messages {
        let (op, payload) = match m {
            Message::Text(b) => (OpCode::Text, b),
            Message::Binary(b) => (OpCode::Binary, b),
            Message::Ping(b) => (OpCode::Ping, b),
            Message::Pong(b) => (OpCode::Pong, b),
            Message::Close(Some(frame)) => {
                encode_close(&mut wire, frame.code, &frame.reason, mask);
                continue;
            }
            Message::Close(None) => {
                encode(&mut wire, OpCode::Close, b"", mask);
                continue;
            }
        };
        match deflater.as_mut() {
            Some(d) => {
                d.encode(&mut wire, op, payload, mask);
            }
            None => encode(&mut wire, op, payload, mask),
        }
    }
    wire
}
