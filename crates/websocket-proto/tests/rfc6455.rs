//! The examples of RFC 6455 section 5.7, and every framing rule the decoder enforces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::{Bytes, BytesMut};
use websocket_proto::{CloseFrame, Decoder, Error, Message, OpCode, Role, encode, encode_close};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
const MAX: usize = 1 << 20;

/// A frame with first byte `b0` (FIN, RSV, opcode as given) and `payload`, masked with `KEY`
/// when `masked`, the length in its shortest encoding.
fn raw(b0: u8, payload: &[u8], masked: bool) -> Vec<u8> {
    let mask_bit = if masked { 0x80 } else { 0 };
    let mut out = vec![b0];
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n @ 126..=65535 => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if masked {
        out.extend_from_slice(&KEY);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ KEY[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// Decodes all of `bytes` as `role`, expecting every byte to be consumed.
fn decode_all(role: Role, bytes: &[u8]) -> Result<Vec<Message>, Error> {
    let mut decoder = Decoder::new(role, MAX);
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Some(message) = decoder.decode(&mut buf)? {
        out.push(message);
    }
    assert!(buf.is_empty(), "{} bytes left", buf.len());
    assert!(!decoder.in_message());
    Ok(out)
}

/// The error decoding `bytes` as a server yields (frames masked unless built otherwise).
fn server_error(bytes: &[u8]) -> Error {
    let mut decoder = Decoder::new(Role::Server, MAX);
    let mut buf = BytesMut::from(bytes);
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("no error"),
            Err(error) => {
                // The decoder stays failed.
                assert!(decoder.decode(&mut BytesMut::new()).is_err());
                return error;
            }
        }
    }
}

fn protocol(error: Error) {
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    assert_eq!(error.close_code(), 1002);
}

#[test]
fn unmasked_hello_as_client() {
    let frame = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let messages = decode_all(Role::Client, &frame).unwrap();
    assert_eq!(messages, [Message::Text(Bytes::from_static(b"Hello"))]);
}

#[test]
fn masked_hello_as_server() {
    let frame = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let messages = decode_all(Role::Server, &frame).unwrap();
    assert_eq!(messages, [Message::Text(Bytes::from_static(b"Hello"))]);
}

#[test]
fn fragmented_hello() {
    let frames = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    let mut decoder = Decoder::new(Role::Client, MAX);
    let mut buf = BytesMut::from(&frames[..5]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
    assert!(decoder.in_message());
    buf.extend_from_slice(&frames[5..]);
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Some(Message::Text(Bytes::from_static(b"Hello")))
    );
    assert!(!decoder.in_message());
}

#[test]
fn ping_and_pong_hello() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    assert_eq!(
        decode_all(Role::Client, &ping).unwrap(),
        [Message::Ping(Bytes::from_static(b"Hello"))]
    );
    let pong = [
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    assert_eq!(
        decode_all(Role::Server, &pong).unwrap(),
        [Message::Pong(Bytes::from_static(b"Hello"))]
    );
}

#[test]
fn binary_256_bytes() {
    let payload: Vec<u8> = (0..=255).collect();
    let mut frame = vec![0x82, 0x7e, 0x01, 0x00];
    frame.extend_from_slice(&payload);
    assert_eq!(
        decode_all(Role::Client, &frame).unwrap(),
        [Message::Binary(payload.into())]
    );
}

#[test]
fn binary_64_kib() {
    let payload: Vec<u8> = (0..65536u32).map(|i| (i % 251) as u8).collect();
    let mut frame = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0];
    frame.extend_from_slice(&payload);
    assert_eq!(
        decode_all(Role::Client, &frame).unwrap(),
        [Message::Binary(payload.into())]
    );
}

#[test]
fn non_minimal_lengths_accepted() {
    let mut frame = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3];
    assert_eq!(
        decode_all(Role::Client, &frame).unwrap(),
        [Message::Binary(Bytes::from_static(&[1, 2, 3]))]
    );
    frame = vec![0x82, 0x7e, 0, 2, 1, 2];
    assert_eq!(
        decode_all(Role::Client, &frame).unwrap(),
        [Message::Binary(Bytes::from_static(&[1, 2]))]
    );
}

#[test]
fn reserved_bits_rejected() {
    for rsv in [0x40, 0x20, 0x10] {
        protocol(server_error(&raw(0x81 | rsv, b"hi", true)));
    }
}

#[test]
fn reserved_opcodes_rejected() {
    for opcode in (3..=7).chain(11..=15) {
        protocol(server_error(&raw(0x80 | opcode, b"", true)));
    }
}

#[test]
fn masking_must_match_role() {
    protocol(server_error(&raw(0x81, b"hi", false)));
    let mut decoder = Decoder::new(Role::Client, MAX);
    protocol(
        decoder
            .decode(&mut BytesMut::from(&raw(0x81, b"hi", true)[..]))
            .unwrap_err(),
    );
}

#[test]
fn control_frames_must_be_final_and_short() {
    for opcode in [0x8, 0x9, 0xa] {
        protocol(server_error(&raw(opcode, b"", true)));
        protocol(server_error(&raw(0x80 | opcode, &[b'a'; 126], true)));
        // Rejected from the first two bytes.
        protocol(server_error(&[0x80 | opcode, 0x80 | 126]));
        protocol(server_error(&[opcode, 0x80]));
    }
    assert_eq!(
        decode_all(Role::Server, &raw(0x89, &[7; 125], true)).unwrap(),
        [Message::Ping(vec![7; 125].into())]
    );
}

#[test]
fn fragment_order_enforced() {
    protocol(server_error(&raw(0x80, b"lo", true)));
    protocol(server_error(&raw(0x00, b"lo", true)));
    let mut text_then_binary = raw(0x01, b"Hel", true);
    text_then_binary.extend(raw(0x82, b"lo", true));
    protocol(server_error(&text_then_binary));
    let mut text_then_text = raw(0x02, b"Hel", true);
    text_then_text.extend(raw(0x01, b"lo", true));
    protocol(server_error(&text_then_text));
}

#[test]
fn control_frames_between_fragments() {
    let mut frames = raw(0x01, b"Hel", true);
    frames.extend(raw(0x89, b"p", true));
    frames.extend(raw(0x00, b"l", true));
    frames.extend(raw(0x8a, b"q", true));
    frames.extend(raw(0x80, b"o", true));
    assert_eq!(
        decode_all(Role::Server, &frames).unwrap(),
        [
            Message::Ping(Bytes::from_static(b"p")),
            Message::Pong(Bytes::from_static(b"q")),
            Message::Text(Bytes::from_static(b"Hello")),
        ]
    );
}

#[test]
fn length_top_bit_rejected() {
    let frame = [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4];
    protocol(server_error(&frame));
}

#[test]
fn too_big_from_header_alone() {
    let mut decoder = Decoder::new(Role::Server, 1000);
    // A 2^40-byte frame: only its header is given.
    let mut buf = BytesMut::from(&[0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4][..]);
    let error = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(error, Error::TooBig);
    assert_eq!(error.close_code(), 1009);

    let mut decoder = Decoder::new(Role::Server, 1000);
    let mut buf = BytesMut::from(&[0x82, 0xfe, 0x03, 0xe9, 1, 2, 3, 4][..]);
    assert_eq!(decoder.decode(&mut buf).unwrap_err(), Error::TooBig);

    // Exactly the limit is accepted.
    let mut decoder = Decoder::new(Role::Server, 1000);
    let mut buf = BytesMut::from(&raw(0x82, &[0; 1000], true)[..]);
    assert!(matches!(decoder.decode(&mut buf), Ok(Some(Message::Binary(b))) if b.len() == 1000));
}

#[test]
fn too_big_counts_assembled_fragments() {
    let mut decoder = Decoder::new(Role::Server, 10);
    let mut buf = BytesMut::from(&raw(0x02, &[0; 6], true)[..]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    // Header of a 5-byte continuation only: 6 + 5 > 10.
    buf.extend_from_slice(&[0x80, 0x85]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    buf.extend_from_slice(&KEY);
    assert_eq!(decoder.decode(&mut buf).unwrap_err(), Error::TooBig);

    // 6 + 4 fits.
    let mut decoder = Decoder::new(Role::Server, 10);
    let mut frames = raw(0x02, &[1; 6], true);
    frames.extend(raw(0x80, &[2; 4], true));
    let mut buf = BytesMut::from(&frames[..]);
    assert_eq!(
        decoder.decode(&mut buf).unwrap(),
        Some(Message::Binary(vec![1, 1, 1, 1, 1, 1, 2, 2, 2, 2].into()))
    );
}

#[test]
fn invalid_utf8_rejected() {
    let error = server_error(&raw(0x81, &[0xff, 0xfe], true));
    assert_eq!(error, Error::InvalidUtf8);
    assert_eq!(error.close_code(), 1007);

    // A character split across fragments is fine; an unfinished one at the end is not.
    let euro = "€".as_bytes();
    let mut frames = raw(0x01, &euro[..1], true);
    frames.extend(raw(0x80, &euro[1..], true));
    assert_eq!(
        decode_all(Role::Server, &frames).unwrap(),
        [Message::Text(Bytes::from_static("€".as_bytes()))]
    );
    let mut frames = raw(0x01, b"a", true);
    frames.extend(raw(0x80, &euro[..2], true));
    assert_eq!(server_error(&frames), Error::InvalidUtf8);
}

#[test]
fn close_payloads() {
    assert_eq!(
        decode_all(Role::Server, &raw(0x88, b"", true)).unwrap(),
        [Message::Close(None)]
    );
    protocol(server_error(&raw(0x88, &[0x03], true)));
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
        protocol(server_error(&raw(0x88, &code.to_be_bytes(), true)));
    }
    for code in [1000u16, 1003, 1007, 1014, 3000, 4999] {
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice("bye ✓".as_bytes());
        assert_eq!(
            decode_all(Role::Server, &raw(0x88, &payload, true)).unwrap(),
            [Message::Close(Some(CloseFrame {
                code,
                reason: "bye ✓".into()
            }))]
        );
    }
    let error = server_error(&raw(0x88, &[0x03, 0xe8, 0xc3], true));
    assert_eq!(error, Error::InvalidUtf8);
}

#[test]
fn encode_close_decodes() {
    let mut wire = BytesMut::new();
    encode_close(&mut wire, 4001, "going away", Some([5, 6, 7, 8]));
    encode(&mut wire, OpCode::Close, b"", Some([5, 6, 7, 8]));
    assert_eq!(
        decode_all(Role::Server, &wire).unwrap(),
        [
            Message::Close(Some(CloseFrame {
                code: 4001,
                reason: "going away".into()
            })),
            Message::Close(None),
        ]
    );
}

#[test]
fn error_display() {
    assert_eq!(
        Error::TooBig.to_string(),
        "websocket message larger than the limit"
    );
    let _: &dyn std::error::Error = &Error::InvalidUtf8;
}
