//! The Engine.IO packet and payload decoders, protocol 4 and protocol 3.
//!
//! Input: one byte choosing the decoder (its value modulo 5, see [`run`]), then its input.
//! Text decoders get the input as UTF-8 with invalid sequences replaced, as the server only
//! hands them text.

use bytes::Bytes;
use engineio_proto::{
    Packet, decode_binary_payload_v3, decode_binary_v3, decode_packet_v3, decode_payload,
    decode_payload_v3, encode_binary_payload_v3, encode_packet_v3_into, encode_payload,
    encode_payload_v3,
};

/// 0: a protocol 4 polling payload; 1: a protocol 4 websocket text frame; 2: a protocol 3
/// text payload; 3: a protocol 3 binary payload; 4: a protocol 3 websocket frame (text and
/// binary). Whatever decodes must encode back to something that decodes to the same packets.
pub fn run(data: &[u8]) {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(input);
    match mode % 5 {
        0 => v4_payload(&text),
        1 => {
            if let Ok(p) = Packet::decode_text(&text) {
                let back = Packet::decode_text(&p.encode_text());
                assert_eq!(back.as_ref(), Ok(&p), "v4 packet {text:?}");
            }
        }
        2 => {
            if let Ok(packets) = decode_payload_v3(&text) {
                let again = encode_payload_v3(&packets);
                let back = decode_payload_v3(&again);
                assert_eq!(
                    back.as_ref(),
                    Ok(&packets),
                    "v3 payload {text:?} -> {again:?}"
                );
            }
        }
        3 => {
            if let Ok(packets) = decode_binary_payload_v3(input) {
                let again = encode_binary_payload_v3(&packets);
                let back = decode_binary_payload_v3(&again);
                assert_eq!(back.as_ref(), Ok(&packets), "v3 binary payload {input:?}");
            }
        }
        _ => {
            if let Ok(p) = decode_packet_v3(&text) {
                let mut again = String::new();
                encode_packet_v3_into(&p, &mut again);
                assert_eq!(
                    decode_packet_v3(&again).as_ref(),
                    Ok(&p),
                    "v3 packet {text:?}"
                );
            }
            let _ = decode_binary_v3(Bytes::copy_from_slice(input));
        }
    }
}

/// A payload decodes lazily and stops at the first bad packet; the packets before it are
/// kept, and re-encoded they decode to themselves.
fn v4_payload(text: &str) {
    let mut packets = Vec::new();
    let mut failed = false;
    for item in decode_payload(text) {
        assert!(!failed, "a packet came after an error");
        match item {
            Ok(p) => packets.push(p),
            Err(_) => failed = true,
        }
    }
    let again = encode_payload(&packets);
    if packets.is_empty() {
        return;
    }
    let back: Result<Vec<Packet>, _> = decode_payload(&again).collect();
    assert_eq!(
        back.as_ref(),
        Ok(&packets),
        "v4 payload {text:?} -> {again:?}"
    );
}
