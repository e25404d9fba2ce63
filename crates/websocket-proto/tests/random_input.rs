//! The decoder against input nobody wrote by hand: random bytes, valid frames with random
//! bits flipped, and random valid conversations, each fed in random splits. It never
//! panics, stays failed after an error, consumes only what it returns, and decodes every
//! valid conversation to the messages that were encoded. Deterministic: a fixed seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
// The workspace's one test generator: rand's, seeded, so every run is the same.
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use websocket_proto::{Decoder, Message, OpCode, Role, encode, encode_close};

/// `len` random bytes.
fn bytes(rng: &mut StdRng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.random::<u8>()).collect()
}

/// Feeds `wire` to a fresh decoder in random pieces; returns the messages, and the error if
/// the input was refused.
fn feed(
    rng: &mut StdRng,
    wire: &[u8],
    max: usize,
) -> (Vec<Message>, Option<websocket_proto::Error>) {
    let mut decoder = Decoder::new(Role::Server, max);
    let mut buf = BytesMut::new();
    let mut messages = Vec::new();
    let mut rest = wire;
    loop {
        let take = rest.len().min(1 + rng.random_range(0..40));
        buf.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf) {
                Ok(Some(message)) => {
                    assert!(buf.len() < before, "a message consumed nothing");
                    messages.push(message);
                }
                Ok(None) => {
                    assert!(
                        decoder.wanted(&buf) > buf.len(),
                        "wants no more but gave nothing"
                    );
                    break;
                }
                Err(e) => {
                    // Once failed, always failed.
                    assert!(decoder.decode(&mut buf).is_err());
                    return (messages, Some(e));
                }
            }
        }
        if rest.is_empty() {
            return (messages, None);
        }
    }
}

fn mask(rng: &mut StdRng) -> Option<[u8; 4]> {
    let k = rng.random::<u64>().to_le_bytes();
    Some([k[0], k[1], k[2], k[3]])
}

/// A random valid conversation from a client: data messages (some fragmented, with control
/// frames between fragments), pings, pongs; returns the wire and the expected messages.
fn conversation(rng: &mut StdRng) -> (Vec<u8>, Vec<Message>) {
    let mut wire = BytesMut::new();
    let mut expected = Vec::new();
    for _ in 0..1 + rng.random_range(0..8) {
        match rng.random_range(0..4) {
            0 | 1 => {
                let text = rng.random_range(0..2) == 0;
                let len = match rng.random_range(0..4) {
                    0 => rng.random_range(0..10),
                    1 => 120 + rng.random_range(0..20),
                    2 => 65_530 + rng.random_range(0..12),
                    _ => rng.random_range(0..3000),
                };
                let payload: Vec<u8> = if text {
                    (0..len)
                        .map(|_| b'a' + rng.random_range(0..26) as u8)
                        .collect()
                } else {
                    bytes(rng, len)
                };
                let pieces = if len > 1 {
                    1 + rng.random_range(0..3)
                } else {
                    1
                };
                if pieces == 1 {
                    let op = if text { OpCode::Text } else { OpCode::Binary };
                    encode(&mut wire, op, &payload, mask(rng));
                } else {
                    // Fragments by hand: FIN clear on all but the last, a ping in between.
                    let cut = 1 + rng.random_range(0..len - 1);
                    let first = if text { 0x01 } else { 0x02 };
                    push_frame(&mut wire, first, &payload[..cut], rng);
                    let mut ping = BytesMut::new();
                    encode(&mut ping, OpCode::Ping, b"mid", mask(rng));
                    wire.extend_from_slice(&ping);
                    expected.push(Message::Ping(b"mid".to_vec().into()));
                    push_frame(&mut wire, 0x80, &payload[cut..], rng);
                }
                expected.push(if text {
                    Message::Text(payload.into())
                } else {
                    Message::Binary(payload.into())
                });
            }
            2 => {
                let len = rng.random_range(0..126);
                let payload = bytes(rng, len);
                encode(&mut wire, OpCode::Ping, &payload, mask(rng));
                expected.push(Message::Ping(payload.into()));
            }
            _ => {
                let len = rng.random_range(0..126);
                let payload = bytes(rng, len);
                encode(&mut wire, OpCode::Pong, &payload, mask(rng));
                expected.push(Message::Pong(payload.into()));
            }
        }
    }
    (wire.to_vec(), expected)
}

/// One masked frame with the first byte `b0` (FIN and opcode) and a 7- or 16-bit length.
fn push_frame(wire: &mut BytesMut, b0: u8, payload: &[u8], rng: &mut StdRng) {
    let key = mask(rng).unwrap_or_default();
    wire.extend_from_slice(&[b0]);
    if payload.len() < 126 {
        wire.extend_from_slice(&[0x80 | payload.len() as u8]);
    } else {
        wire.extend_from_slice(&[0x80 | 126]);
        wire.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    wire.extend_from_slice(&key);
    wire.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
}

#[test]
fn random_bytes_are_refused_or_waited_for_never_a_panic() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0001);
    for _ in 0..20_000 {
        let len = rng.random_range(0..64);
        let wire = bytes(&mut rng, len);
        let _ = feed(&mut rng, &wire, 1 << 16);
    }
}

#[test]
fn valid_conversations_decode_to_what_was_sent() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0002);
    for _ in 0..500 {
        let (wire, expected) = conversation(&mut rng);
        let (messages, error) = feed(&mut rng, &wire, 1 << 20);
        assert_eq!(error, None);
        assert_eq!(messages, expected);
    }
}

#[test]
fn conversations_with_flipped_bits_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0003);
    for _ in 0..1_500 {
        let (mut wire, _) = conversation(&mut rng);
        if rng.random_range(0..4) == 0 {
            let mut close = BytesMut::new();
            encode_close(
                &mut close,
                1000 + rng.random_range(0..4000) as u16,
                "bye",
                mask(&mut rng),
            );
            wire.extend_from_slice(&close);
        }
        for _ in 0..1 + rng.random_range(0..4) {
            let at = rng.random_range(0..wire.len());
            wire[at] ^= 1 << rng.random_range(0..8);
        }
        // Small limits too, so that size checks meet odd lengths.
        let max = [16, 1000, 1 << 20][rng.random_range(0..3)];
        let _ = feed(&mut rng, &wire, max);
    }
}
