//! Whatever arrives on a channel (random bytes, Node's messages with flipped bytes or cut
//! short), the decoders return an error or a value, never panic, and stay bounded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use socketio_proto::MsgpackError;
use sockeye_redis::wire::classic::{Request, RequestType, Response, decode_broadcast};
use sockeye_redis::wire::cluster::ClusterMessage;
use sockeye_redis::wire::streams::{
    StreamEntry, decode_entry, decode_published, decode_session, missed_packet,
};
use sockeye_redis::wire::{WireError, decode_any};

fn all_decoders(bytes: &[u8]) {
    let _ = decode_published(bytes);
    let _ = decode_session(bytes);
    // the same bytes as a stream entry's data, as text and as base64
    use base64::Engine;
    let text = String::from_utf8_lossy(bytes).into_owned();
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    for data in [text, b64] {
        let entry = StreamEntry {
            id: "1-1".into(),
            fields: vec![
                ("uid".into(), "x".into()),
                ("nsp".into(), "/".into()),
                ("type".into(), "3".into()),
                ("data".into(), data),
            ],
        };
        let _ = decode_entry(&entry);
        let _ = missed_packet(&entry, "/", &["r".to_owned()]);
    }
    let _ = decode_broadcast(bytes);
    let _ = Request::decode(bytes);
    let _ = ClusterMessage::decode(bytes);
    if let Ok(value) = decode_any(bytes) {
        for kind in [
            None,
            Some(RequestType::Sockets),
            Some(RequestType::AllRooms),
            Some(RequestType::RemoteFetch),
            Some(RequestType::ServerSideEmit),
            Some(RequestType::RemoteJoin),
        ] {
            let _ = Response::from_value(value.clone(), kind);
        }
    }
}

fn hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// What the Node packages write: the classic and sharded messages, and the streams
/// adapter's published messages, entry data and sessions.
fn node_vectors() -> Vec<Vec<u8>> {
    let list: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("vectors/node.json")).unwrap();
    let mut all: Vec<Vec<u8>> = list
        .iter()
        .map(|v| hex(v["hex"].as_str().unwrap()))
        .collect();
    let streams: serde_json::Value =
        serde_json::from_str(include_str!("vectors/streams.json")).unwrap();
    for v in streams["publish"].as_array().unwrap() {
        all.push(hex(v["hex"].as_str().unwrap()));
    }
    for v in streams["set"].as_array().unwrap() {
        all.push(v["value"].as_str().unwrap().as_bytes().to_vec());
    }
    for v in streams["xadd"].as_array().unwrap() {
        all.push(v["fields"][3][1].as_str().unwrap().as_bytes().to_vec());
    }
    all
}

#[test]
fn random_bytes() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..20_000 {
        let len = rng.random_range(0..64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        // often start like a real message
        match rng.random_range(0..4) {
            0 if !bytes.is_empty() => bytes[0] = b'{',
            1 if !bytes.is_empty() => bytes[0] = 0x93,
            _ => {}
        }
        all_decoders(&bytes);
    }
}

#[test]
fn node_messages_flipped_and_cut() {
    let mut rng = StdRng::seed_from_u64(11);
    for original in node_vectors() {
        for cut in 0..original.len() {
            all_decoders(&original[..cut]);
        }
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random();
            }
            all_decoders(&bytes);
        }
    }
}

#[test]
fn huge_declared_lengths_allocate_nothing() {
    // an array, a map, a string and a binary that claim 4 GiB in a few bytes
    for bytes in [
        &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
        &[0xdf, 0xff, 0xff, 0xff, 0xff],
        &[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'],
        &[0xc6, 0xff, 0xff, 0xff, 0xff, 0],
    ] {
        assert_eq!(
            decode_any(bytes),
            Err(WireError::Msgpack(MsgpackError::Truncated))
        );
    }
    // deep nesting in JSON and msgpack is refused, not a stack overflow
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(decode_any(format!("{{\"a\":{deep_json}}}").as_bytes()).is_err());
    assert_eq!(
        decode_any(&vec![0x91; 100_000]),
        Err(WireError::Msgpack(MsgpackError::TooDeep))
    );
}
