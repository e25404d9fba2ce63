//! permessage-deflate framing (RFC 7692): the RFC's examples, compressed messages both ways,
//! and the peer's bytes that must be refused (bombs, bad data, RSV1 where it has no meaning).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use bytes::BytesMut;
use websocket_proto::{
    Decoder, DeflateConfig, DeflateParams, Deflater, Error, Message, OpCode, Role, encode,
    negotiate,
};

fn params(offer: &str, config: DeflateConfig) -> DeflateParams {
    negotiate([offer], &config).unwrap()
}

const KEEP: DeflateConfig = DeflateConfig {
    server_no_context_takeover: false,
    client_no_context_takeover: false,
};

/// A client's decoder (server frames are unmasked, as in the RFC's examples).
fn client_decoder(max: usize, p: &DeflateParams) -> Decoder {
    Decoder::with_deflate(Role::Client, max, p)
}

fn decode_all(decoder: &mut Decoder, bytes: &[u8]) -> Result<Vec<Message>, Error> {
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Some(m) = decoder.decode(&mut buf)? {
        out.push(m);
    }
    assert!(buf.is_empty());
    Ok(out)
}

fn text(s: &str) -> Message {
    Message::Text(s.as_bytes().to_vec().into())
}

#[test]
fn rfc_7692_section_7_2_3_examples() {
    let p = params("permessage-deflate", KEEP);
    // 7.2.3.1: "Hello" in one compressed frame.
    let hello = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(
        decode_all(&mut client_decoder(100, &p), &hello),
        Ok(vec![text("Hello")])
    );
    // The same message in two fragments; RSV1 only on the first.
    let fragmented = [
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ];
    assert_eq!(
        decode_all(&mut client_decoder(100, &p), &fragmented),
        Ok(vec![text("Hello")])
    );
    // 7.2.3.2: the second "Hello" refers back into the first message's window.
    let mut shared = hello.to_vec();
    shared.extend_from_slice(&[0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
    assert_eq!(
        decode_all(&mut client_decoder(100, &p), &shared),
        Ok(vec![text("Hello"), text("Hello")])
    );
    // 7.2.3.3: a stored (uncompressed) deflate block.
    let stored = [
        0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    assert_eq!(
        decode_all(&mut client_decoder(100, &p), &stored),
        Ok(vec![text("Hello")])
    );
    // 7.2.3.4: a block with BFINAL set, and the padding after it.
    let fin = params("permessage-deflate", DeflateConfig::default());
    let bfinal = [0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    assert_eq!(
        decode_all(&mut client_decoder(100, &fin), &bfinal),
        Ok(vec![text("Hello")])
    );
    // With context takeover, the next message after a final block starts a new stream.
    let twice = [bfinal, bfinal].concat();
    assert_eq!(
        decode_all(&mut client_decoder(100, &p), &twice),
        Ok(vec![text("Hello"), text("Hello")])
    );
    // An uncompressed message on the same connection.
    assert_eq!(
        decode_all(&mut client_decoder(100, &p), &[0x81, 0x02, b'h', b'i']),
        Ok(vec![text("hi")])
    );
}

#[test]
fn our_hello_is_the_rfc_one() {
    let p = params("permessage-deflate", DeflateConfig::default());
    let mut out = BytesMut::new();
    assert!(Deflater::new(Role::Server, &p).encode(&mut out, OpCode::Text, b"Hello", None));
    assert_eq!(
        &out[..],
        [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    );
}

#[test]
fn round_trips_both_ways_with_and_without_context_takeover() {
    let big: Vec<u8> = (0..200_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let text_payload = "socket.io ".repeat(5000);
    for config in [KEEP, DeflateConfig::default()] {
        for offer in [
            "permessage-deflate",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        ] {
            let p = params(offer, config);
            // Server to client, unmasked; client to server, masked.
            for (sender, receiver, mask) in [
                (Role::Server, Role::Client, None),
                (Role::Client, Role::Server, Some([1, 2, 3, 4])),
            ] {
                let mut deflater = Deflater::new(sender, &p);
                let mut decoder = Decoder::with_deflate(receiver, 1 << 22, &p);
                let mut wire = BytesMut::new();
                for _ in 0..3 {
                    assert!(deflater.encode(&mut wire, OpCode::Binary, &big, mask));
                    assert!(deflater.encode(
                        &mut wire,
                        OpCode::Text,
                        text_payload.as_bytes(),
                        mask
                    ));
                    // Control frames stay as they are.
                    assert!(!deflater.encode(&mut wire, OpCode::Ping, b"p", mask));
                }
                assert!(wire.len() < 3 * (big.len() + text_payload.len()) / 2);
                let messages = decode_all(&mut decoder, &wire).unwrap();
                assert_eq!(messages.len(), 9);
                for chunk in messages.chunks(3) {
                    assert_eq!(chunk[0], Message::Binary(big.clone().into()));
                    assert_eq!(chunk[1], text(&text_payload));
                    assert_eq!(chunk[2], Message::Ping(b"p".to_vec().into()));
                }
                let no_takeover = match sender {
                    Role::Server => p.server_no_context_takeover,
                    Role::Client => p.client_no_context_takeover,
                };
                assert_eq!(deflater.holds_state(), !no_takeover, "{offer} {config:?}");
            }
        }
    }
}

#[test]
fn a_smaller_window_than_ours_only_compresses_messages_that_fit_it() {
    let p = params("permessage-deflate; server_max_window_bits=9", KEEP);
    assert_eq!(
        p.response_header(),
        "permessage-deflate; server_max_window_bits=9"
    );
    let mut deflater = Deflater::new(Role::Server, &p);
    let mut wire = BytesMut::new();
    assert!(deflater.encode(&mut wire, OpCode::Text, &[b'a'; 512], None));
    assert!(!deflater.encode(&mut wire, OpCode::Text, &[b'a'; 513], None));
    assert!(!deflater.holds_state());
    let messages = decode_all(&mut client_decoder(1000, &p), &wire).unwrap();
    assert_eq!(messages[0], text(&"a".repeat(512)));
    assert_eq!(messages[1], text(&"a".repeat(513)));
}

#[test]
fn a_bomb_is_refused_at_the_limit() {
    let p = params("permessage-deflate", DeflateConfig::default());
    let mut wire = BytesMut::new();
    // 10 MB of zeros is about 10 KB compressed.
    let zeros = vec![0u8; 10 << 20];
    Deflater::new(Role::Server, &p).encode(&mut wire, OpCode::Binary, &zeros, None);
    assert!(wire.len() < 64 * 1024);
    let mut decoder = client_decoder(1 << 20, &p);
    assert_eq!(decode_all(&mut decoder, &wire), Err(Error::TooBig));
    assert_eq!(Error::TooBig.close_code(), 1009);
    // Exactly at the limit is fine.
    let mut wire = BytesMut::new();
    Deflater::new(Role::Server, &p).encode(&mut wire, OpCode::Binary, &zeros[..1 << 20], None);
    let messages = decode_all(&mut client_decoder(1 << 20, &p), &wire).unwrap();
    assert_eq!(
        messages,
        vec![Message::Binary(zeros[..1 << 20].to_vec().into())]
    );
}

#[test]
fn peer_errors() {
    let p = params("permessage-deflate", KEEP);
    let cases: [(&[u8], Error); 7] = [
        // Not deflate data (a reserved block type).
        (&[0xc1, 0x02, 0xff, 0xff], Error::Inflate),
        // RSV1 on a ping, and on a continuation.
        (
            &[0xc9, 0x00],
            Error::Protocol("RSV1 set on a control or continuation frame"),
        ),
        (
            &[0x01, 0x01, b'a', 0xc0, 0x01, b'b'],
            Error::Protocol("RSV1 set on a control or continuation frame"),
        ),
        // RSV2 and RSV3 still mean nothing.
        (
            &[0xa1, 0x00],
            Error::Protocol("reserved bits set without an extension"),
        ),
        (
            &[0x91, 0x00],
            Error::Protocol("reserved bits set without an extension"),
        ),
        // A compressed text message that inflates to invalid UTF-8 (stored block "\xff").
        (
            &[0xc1, 0x07, 0x00, 0x01, 0x00, 0xfe, 0xff, 0xff, 0x00],
            Error::InvalidUtf8,
        ),
        // Compressed size over the limit is refused from the header.
        (&[0xc1, 0x7e, 0x01, 0x00], Error::TooBig),
    ];
    for (bytes, error) in cases {
        assert_eq!(
            decode_all(&mut client_decoder(200, &p), bytes),
            Err(error.clone()),
            "{bytes:x?}"
        );
    }
    assert_eq!(Error::Inflate.close_code(), 1007);
    // Without the extension, RSV1 is refused as before.
    assert_eq!(
        decode_all(
            &mut Decoder::new(Role::Client, 100),
            &[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
        ),
        Err(Error::Protocol("reserved bits set without an extension"))
    );
    // An empty compressed message.
    let mut wire = BytesMut::new();
    encode(&mut wire, OpCode::Text, b"", None);
    Deflater::new(Role::Server, &p).encode(&mut wire, OpCode::Text, b"", None);
    assert_eq!(
        decode_all(&mut client_decoder(200, &p), &wire),
        Ok(vec![text(""), text("")])
    );
}
