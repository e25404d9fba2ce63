//! The client's end of a websocket: what it sends is masked with the key it picks per frame,
//! what the server sends must not be masked, and the close handshake runs both ways.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
use websocket_proto::{
    CloseFrame, Decoder, Error, Message, OpCode, Role, client_key, encode, encode_close,
    is_accept_for,
};

const MAX: usize = 1 << 20;

fn decode_one(decoder: &mut Decoder, wire: &[u8]) -> Result<Option<Message>, Error> {
    let mut buf = BytesMut::from(wire);
    let message = decoder.decode(&mut buf);
    if matches!(message, Ok(Some(_))) {
        assert!(buf.is_empty(), "{} bytes left", buf.len());
    }
    message
}

#[test]
fn what_the_client_sends_is_masked_with_its_key() {
    let key = [0xde, 0xad, 0xbe, 0xef];
    let mut wire = Vec::new();
    encode(&mut wire, OpCode::Text, b"42[\"hello\"]", Some(key));
    // The mask bit is set, the key follows the length, and the payload is not sent in clear.
    assert_eq!(wire[0], 0x81);
    assert_eq!(wire[1], 0x80 | 11);
    assert_eq!(wire[2..6], key);
    let sent: Vec<u8> = wire[6..].to_vec();
    assert_ne!(sent, b"42[\"hello\"]");
    let unmasked: Vec<u8> = sent
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % 4])
        .collect();
    assert_eq!(unmasked, b"42[\"hello\"]");

    let mut server = Decoder::new(Role::Server, MAX);
    assert_eq!(
        decode_one(&mut server, &wire).unwrap(),
        Some(Message::Text("42[\"hello\"]".into()))
    );
}

#[test]
fn the_same_payload_under_two_keys_differs_on_the_wire() {
    let payload = vec![0x5a; 300];
    let (mut a, mut b) = (Vec::new(), Vec::new());
    encode(&mut a, OpCode::Binary, &payload, Some([1, 2, 3, 4]));
    encode(&mut b, OpCode::Binary, &payload, Some([9, 8, 7, 6]));
    assert_ne!(a, b);
    let mut server = Decoder::new(Role::Server, MAX);
    for wire in [a, b] {
        assert_eq!(
            decode_one(&mut server, &wire).unwrap(),
            Some(Message::Binary(payload.clone().into()))
        );
    }
}

#[test]
fn unmasked_server_frames_are_accepted() {
    let mut client = Decoder::new(Role::Client, MAX);
    for (opcode, payload) in [
        (OpCode::Text, &b"0{\"sid\":\"x\"}"[..]),
        (OpCode::Binary, &[0, 1, 2, 255][..]),
        (OpCode::Ping, &b"p"[..]),
        (OpCode::Pong, &b""[..]),
    ] {
        let mut wire = Vec::new();
        encode(&mut wire, opcode, payload, None);
        let message = decode_one(&mut client, &wire).unwrap().unwrap();
        let expected = match opcode {
            OpCode::Text => Message::Text(payload.to_vec().into()),
            OpCode::Binary => Message::Binary(payload.to_vec().into()),
            OpCode::Ping => Message::Ping(payload.to_vec().into()),
            _ => Message::Pong(payload.to_vec().into()),
        };
        assert_eq!(message, expected);
    }
}

/// RFC 6455 section 5.1: a client closes the connection when it receives a masked frame.
#[test]
fn masked_server_frames_are_refused() {
    for opcode in [OpCode::Text, OpCode::Binary, OpCode::Ping, OpCode::Close] {
        let mut wire = Vec::new();
        encode(&mut wire, opcode, b"", Some([1, 2, 3, 4]));
        let mut client = Decoder::new(Role::Client, MAX);
        let error = decode_one(&mut client, &wire).unwrap_err();
        assert_eq!(error, Error::Protocol("masked frame from a server"));
        assert_eq!(error.close_code(), 1002);
        // The decoder stays failed: nothing after the bad frame is trusted.
        let mut ok = Vec::new();
        encode(&mut ok, OpCode::Text, b"x", None);
        assert!(decode_one(&mut client, &ok).is_err());
    }
}

/// Either end may start the close: the other answers with a close frame echoing the code,
/// each masked or not by its role.
#[test]
fn close_handshake_both_ways() {
    for (initiator, key) in [(Role::Client, Some([4, 3, 2, 1])), (Role::Server, None)] {
        let (answerer, answer_key) = match initiator {
            Role::Client => (Role::Server, None),
            Role::Server => (Role::Client, Some([7, 7, 7, 7])),
        };
        let mut wire = Vec::new();
        encode_close(&mut wire, 1000, "bye", key);
        let mut at_answerer = Decoder::new(answerer, MAX);
        let Some(Message::Close(Some(CloseFrame { code, reason }))) =
            decode_one(&mut at_answerer, &wire).unwrap()
        else {
            panic!("no close frame");
        };
        assert_eq!((code, reason.as_str()), (1000, "bye"));

        let mut answer = Vec::new();
        encode_close(&mut answer, code, "", answer_key);
        let mut at_initiator = Decoder::new(initiator, MAX);
        assert_eq!(
            decode_one(&mut at_initiator, &answer).unwrap(),
            Some(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: String::new()
            })))
        );
    }
}

/// A close with no payload is answered the same way and decodes as `Close(None)`.
#[test]
fn empty_close_from_the_server() {
    let mut wire = Vec::new();
    encode(&mut wire, OpCode::Close, b"", None);
    let mut client = Decoder::new(Role::Client, MAX);
    assert_eq!(
        decode_one(&mut client, &wire).unwrap(),
        Some(Message::Close(None))
    );
}

#[test]
fn opening_handshake_keys() {
    let key = client_key(*b"the sample nonce");
    assert_eq!(key, "dGhlIHNhbXBsZSBub25jZQ==");
    assert!(is_accept_for(&key, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    // A server that echoes the key, or answers another client's key, is refused.
    assert!(!is_accept_for(&key, key.as_bytes()));
    let other = client_key([7; 16]);
    assert!(!is_accept_for(&other, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}
