//! Encoding then decoding, and decoding a byte stream however the transport splits it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::{Bytes, BytesMut};
use websocket_proto::{CloseFrame, Decoder, Message, OpCode, Role, encode, encode_close};

const MAX: usize = 1 << 20;

fn key(seed: usize) -> [u8; 4] {
    let s = seed as u8;
    [
        s ^ 0x5a,
        s.wrapping_mul(3) ^ 0xc3,
        s.wrapping_add(17),
        0x99 ^ s,
    ]
}

fn text_payload(len: usize) -> Vec<u8> {
    // ASCII plus a 2-byte char when it fits, so validation sees more than ASCII.
    let mut out: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    if len >= 2 {
        out[len - 2..].copy_from_slice("é".as_bytes());
    }
    out
}

#[test]
fn round_trip_client_to_server() {
    for (i, len) in [0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 100_000]
        .into_iter()
        .enumerate()
    {
        let binary: Vec<u8> = (0..len).map(|j| (j * 31 + 7) as u8).collect();
        let text = text_payload(len);
        let mut wire = BytesMut::new();
        encode(&mut wire, OpCode::Binary, &binary, Some(key(i)));
        encode(&mut wire, OpCode::Text, &text, Some(key(i + 100)));
        assert_eq!(
            wire.len(),
            2 * (websocket_proto::header_len(len, true) + len)
        );

        let mut decoder = Decoder::new(Role::Server, MAX);
        assert_eq!(
            decoder.decode(&mut wire).unwrap(),
            Some(Message::Binary(binary.into())),
            "{len}"
        );
        assert_eq!(
            decoder.decode(&mut wire).unwrap(),
            Some(Message::Text(text.into())),
            "{len}"
        );
        assert_eq!(decoder.decode(&mut wire).unwrap(), None);
        assert!(wire.is_empty());
    }
}

#[test]
fn round_trip_server_to_client() {
    for len in [0, 125, 126, 65536] {
        let payload = vec![0x42; len];
        let mut wire = BytesMut::new();
        encode(&mut wire, OpCode::Binary, &payload, None);
        let mut decoder = Decoder::new(Role::Client, MAX);
        assert_eq!(
            decoder.decode(&mut wire).unwrap(),
            Some(Message::Binary(payload.into()))
        );
    }
}

#[test]
fn unfragmented_payload_is_not_copied() {
    let mut wire = BytesMut::new();
    encode(&mut wire, OpCode::Binary, &[1; 1000], Some([1, 2, 3, 4]));
    let start = wire.as_ptr() as usize;
    let end = start + wire.len();
    let mut decoder = Decoder::new(Role::Server, MAX);
    let Some(Message::Binary(payload)) = decoder.decode(&mut wire).unwrap() else {
        panic!("expected binary");
    };
    let at = payload.as_ptr() as usize;
    assert!(start < at && at + payload.len() <= end);
}

#[test]
fn decoder_is_small() {
    assert!(std::mem::size_of::<Decoder>() <= 8 * std::mem::size_of::<usize>());
}

/// A masked frame, final or not, with any opcode (continuations included).
fn frame(wire: &mut BytesMut, fin: bool, opcode: u8, payload: &[u8], seed: usize) {
    let mut one = BytesMut::new();
    let op = match opcode {
        0 => OpCode::Continuation,
        1 => OpCode::Text,
        2 => OpCode::Binary,
        9 => OpCode::Ping,
        _ => OpCode::Pong,
    };
    encode(&mut one, op, payload, Some(key(seed)));
    if !fin {
        one[0] &= 0x7f;
    }
    wire.extend_from_slice(&one);
}

/// Several frames: a plain text, a binary in three fragments with a ping and a pong between,
/// a 300-byte binary (16-bit length), a text in two fragments and a close.
fn stream() -> (Bytes, Vec<Message>) {
    let mut wire = BytesMut::new();
    frame(&mut wire, true, 1, b"hello", 1);
    frame(&mut wire, false, 2, &[1, 2, 3], 2);
    frame(&mut wire, true, 9, b"ping", 3);
    frame(&mut wire, false, 0, &[], 4);
    frame(&mut wire, true, 10, b"", 5);
    frame(&mut wire, true, 0, &[4, 5], 6);
    frame(&mut wire, true, 2, &[7; 300], 7);
    frame(&mut wire, false, 1, "ca".as_bytes(), 8);
    frame(&mut wire, true, 0, "fé".as_bytes(), 9);
    encode_close(&mut wire, 1000, "done", Some(key(10)));
    let expected = vec![
        Message::Text(Bytes::from_static(b"hello")),
        Message::Ping(Bytes::from_static(b"ping")),
        Message::Pong(Bytes::new()),
        Message::Binary(Bytes::from_static(&[1, 2, 3, 4, 5])),
        Message::Binary(vec![7; 300].into()),
        Message::Text(Bytes::from_static("café".as_bytes())),
        Message::Close(Some(CloseFrame {
            code: 1000,
            reason: "done".into(),
        })),
    ];
    (wire.freeze(), expected)
}

/// Decodes everything `buf` holds, checking `wanted` whenever the decoder asks for more.
fn drain(decoder: &mut Decoder, buf: &mut BytesMut, out: &mut Vec<Message>) {
    loop {
        match decoder.decode(buf).unwrap() {
            Some(message) => out.push(message),
            None => {
                let wanted = decoder.wanted(buf);
                assert!(wanted > buf.len(), "wanted {wanted} of {} bytes", buf.len());
                assert!(wanted >= 2);
                return;
            }
        }
    }
}

#[test]
fn whole_stream() {
    let (wire, expected) = stream();
    let mut decoder = Decoder::new(Role::Server, MAX);
    let mut buf = BytesMut::from(&wire[..]);
    let mut out = Vec::new();
    drain(&mut decoder, &mut buf, &mut out);
    assert_eq!(out, expected);
    assert!(buf.is_empty());
}

#[test]
fn stream_split_at_every_boundary() {
    let (wire, expected) = stream();
    for cut in 0..=wire.len() {
        let mut decoder = Decoder::new(Role::Server, MAX);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        buf.extend_from_slice(&wire[..cut]);
        drain(&mut decoder, &mut buf, &mut out);
        buf.extend_from_slice(&wire[cut..]);
        drain(&mut decoder, &mut buf, &mut out);
        assert_eq!(out, expected, "cut at {cut}");
        assert!(buf.is_empty());
        assert!(!decoder.in_message());
    }
}

#[test]
fn stream_one_byte_at_a_time() {
    let (wire, expected) = stream();
    let mut decoder = Decoder::new(Role::Server, MAX);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for byte in wire.iter() {
        buf.extend_from_slice(&[*byte]);
        drain(&mut decoder, &mut buf, &mut out);
    }
    assert_eq!(out, expected);
    assert!(buf.is_empty());
}

#[test]
fn stream_read_by_wanted() {
    // A reader that reads exactly what `wanted` asks for never overshoots a frame.
    let (wire, expected) = stream();
    let mut decoder = Decoder::new(Role::Server, MAX);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut read = 0;
    while read < wire.len() {
        let more = decoder.wanted(&buf) - buf.len();
        buf.extend_from_slice(&wire[read..read + more]);
        read += more;
        drain(&mut decoder, &mut buf, &mut out);
    }
    assert_eq!(out, expected);
    assert!(buf.is_empty());
}

#[test]
fn wanted_from_partial_headers() {
    let decoder = Decoder::new(Role::Server, MAX);
    assert_eq!(decoder.wanted(&[]), 2);
    assert_eq!(decoder.wanted(&[0x82]), 2);
    assert_eq!(decoder.wanted(&[0x82, 0x85]), 2 + 4 + 5);
    assert_eq!(decoder.wanted(&[0x82, 0xfe]), 8);
    assert_eq!(decoder.wanted(&[0x82, 0xfe, 0x01, 0x00]), 8);
    assert_eq!(
        decoder.wanted(&[0x82, 0xfe, 0x01, 0x00, 0, 0, 0, 0]),
        8 + 256
    );
    assert_eq!(decoder.wanted(&[0x82, 0xff, 0]), 14);
    let mut huge = vec![0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    huge.extend_from_slice(&[0; 4]);
    assert!(decoder.wanted(&huge) > huge.len());
}
