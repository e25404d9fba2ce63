//! Golden vectors of `@socket.io/redis-streams-adapter` 0.3.1 (captured by
//! interop/redis/streams-vectors.js into tests/vectors/streams.json): its stream entries,
//! published messages and sessions decode to what Node meant and encode back to the same
//! fields and bytes; restoring a session picks the same missed packets; several streams are
//! named as the reference names them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use bytes::Bytes;
use serde_json::json;
use socketio_proto::{Packet, Value};
use sockeye::{BroadcastFlags, BroadcastOptions, SessionState};
use sockeye_redis::wire::cluster::{Body, ClusterMessage};
use sockeye_redis::wire::streams::{
    StreamEntry, decode_entry, decode_published, decode_session, encode_published, encode_session,
    entry_fields, is_ephemeral, missed_packet, next_offset, stream_name,
};

fn vectors() -> serde_json::Value {
    serde_json::from_str(include_str!("vectors/streams.json")).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The XADD entries, with the ids the stand-in gave them.
fn entries() -> Vec<(String, StreamEntry)> {
    vectors()["xadd"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let fields = v["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f[0].as_str().unwrap().to_owned(),
                        f[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (
                v["name"].as_str().unwrap().to_owned(),
                StreamEntry {
                    id: format!("1700000000000-{}", i + 1),
                    fields,
                },
            )
        })
        .collect()
}

fn entry(name: &str) -> StreamEntry {
    entries().into_iter().find(|(n, _)| n == name).unwrap().1
}

fn fields_of(message: &ClusterMessage) -> Vec<(String, String)> {
    entry_fields(message, false)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

fn rooms(names: &[&str]) -> HashSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_stream_entry_decodes_and_encodes_back_to_the_same_fields() {
    let all = vectors();
    for v in all["xadd"].as_array().unwrap() {
        assert_eq!(v["stream"], "socket.io");
        assert_eq!(
            v["trim"],
            json!({"strategy": "MAXLEN", "strategyModifier": "~", "threshold": 10000})
        );
    }
    for (name, entry) in entries() {
        let message = decode_entry(&entry).unwrap();
        assert!(!is_ephemeral(&message.body), "{name}");
        assert_eq!(fields_of(&message), entry.fields, "{name}");
    }
}

#[test]
fn stream_entries_are_written_as_the_adapter_writes_them() {
    let packet = Packet::event(
        "/",
        "event",
        [
            Value::from(1u8),
            Value::from("two"),
            json!({"a": [1.5, -3, null], "b": true}).into(),
        ],
        None,
    );
    let message = ClusterMessage {
        uid: "node01".into(),
        nsp: "/".into(),
        body: Body::Broadcast {
            packet,
            request_id: None,
            opts: BroadcastOptions::default(),
        },
    };
    assert_eq!(fields_of(&message), entry("broadcast_all").fields);

    let message = ClusterMessage {
        uid: "node01".into(),
        nsp: "/".into(),
        body: Body::Broadcast {
            packet: Packet::event("/", "event", [json!({}).into()], None),
            request_id: None,
            opts: BroadcastOptions {
                rooms: rooms(&["r2", "r1"]),
                except: rooms(&["r3"]),
                flags: BroadcastFlags {
                    volatile: true,
                    compress: Some(false),
                    ..BroadcastFlags::default()
                },
            },
        },
    };
    assert_eq!(
        fields_of(&message),
        entry("broadcast_rooms_except_flags").fields
    );

    let message = ClusterMessage {
        uid: "node01".into(),
        nsp: "/".into(),
        body: Body::SocketsJoin {
            opts: BroadcastOptions {
                rooms: rooms(&["r1"]),
                ..BroadcastOptions::default()
            },
            rooms: vec!["r2".into(), "r3".into()],
        },
    };
    assert_eq!(fields_of(&message), entry("join").fields);

    // binary: base64 of @msgpack/msgpack, and it decodes to the buffers Node sent
    let bin = decode_entry(&entry("broadcast_binary")).unwrap();
    let Body::Broadcast { packet, .. } = &bin.body else {
        panic!("{bin:?}")
    };
    let socketio_proto::PacketData::Event { args, .. } = &packet.data else {
        panic!()
    };
    assert_eq!(args[1], Value::Binary(Bytes::from_static(&[0, 1, 2, 255])));
    assert_eq!(
        args[2].get("file"),
        Some(&Value::Binary(Bytes::from(vec![7u8; 300])))
    );
}

#[test]
fn only_plaintext_writes_binary_as_json() {
    let message = decode_entry(&entry("broadcast_binary")).unwrap();
    let fields = entry_fields(&message, true);
    assert!(fields[3].1.starts_with('{'), "{fields:?}");
}

#[test]
fn every_published_message_decodes_and_encodes_back_to_the_same_bytes() {
    let all = vectors();
    for v in all["publish"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let bytes = hex(v["hex"].as_str().unwrap());
        let message = decode_published(&bytes).unwrap();
        if name.starts_with("response_") {
            assert_eq!(v["channel"], "socket.io#/#other1#", "{name}");
        } else {
            assert_eq!(v["channel"], "socket.io#/#", "{name}");
            assert!(is_ephemeral(&message.body), "{name}");
        }
        assert_eq!(encode_published(&message), bytes, "{name}");
    }
}

#[test]
fn published_numbers_take_msgpack_js_forms() {
    let v = &vectors()["publish"];
    let node = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "server_side_emit_numbers")
        .unwrap();
    let numbers: Vec<Value> = [
        json!(0),
        json!(1),
        json!(127),
        json!(128),
        json!(255),
        json!(256),
        json!(65535),
        json!(65536),
        json!(4294967295u64),
        json!(4294967296u64),
        json!(9007199254740991u64),
        json!(-1),
        json!(-32),
        json!(-33),
        json!(-128),
        json!(-129),
        json!(-32768),
        json!(-32769),
        json!(-2147483648i64),
        json!(-2147483649i64),
        json!(1.5),
        json!(-0.25),
        json!(1u64 << 60),
        json!(-(1i64 << 60)),
        json!(3.0),
        json!(1e300),
    ]
    .into_iter()
    .map(Into::into)
    .collect();
    let message = ClusterMessage {
        uid: "node01".into(),
        nsp: "/".into(),
        body: Body::ServerSideEmit {
            request_id: None,
            packet: vec![
                Value::from("numbers"),
                Value::Array(numbers),
                Value::Binary(Bytes::from_static(&[7])),
            ],
        },
    };
    assert_eq!(
        encode_published(&message),
        hex(node["hex"].as_str().unwrap())
    );
}

#[test]
fn an_answer_without_a_value_keeps_its_key() {
    let v = &vectors()["publish"];
    let node = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "response_server_side_emit_empty")
        .unwrap();
    let message = ClusterMessage {
        uid: "node01".into(),
        nsp: "/".into(),
        body: Body::ServerSideEmitResponse {
            request_id: "req005".into(),
            packet: None,
        },
    };
    assert_eq!(
        encode_published(&message),
        hex(node["hex"].as_str().unwrap())
    );
}

#[test]
fn sessions_are_stored_as_the_adapter_stores_them() {
    let all = vectors();
    let set = all["set"].as_array().unwrap();
    assert_eq!(set[0]["key"], "sio:session:pid1");
    assert_eq!(set[0]["px"], 60000);
    let ours = SessionState {
        sid: "sid1".into(),
        pid: "pid1".into(),
        rooms: vec!["sid1".into(), "room1".into()],
        data: json!({"user": "a"}).into(),
    };
    let mut ours = ours;
    if let Some(map) = ours.data.as_object_mut() {
        map.insert("bin", Value::Binary(Bytes::from_static(&[1])));
    }
    assert_eq!(encode_session(&ours), set[0]["value"].as_str().unwrap());
    for s in set {
        let value = s["value"].as_str().unwrap();
        let session = decode_session(value.as_bytes()).unwrap();
        assert_eq!(encode_session(&session), value);
    }
    assert!(decode_session(b"not base64!").is_err());
    assert!(decode_session(b"kA==").is_err()); // an array
    assert!(decode_session(b"").is_err());
}

/// Node's JSON of a value: a buffer as `{"type": "Buffer", "data": [...]}`.
fn node_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Binary(b) => json!({"type": "Buffer", "data": b.to_vec()}),
        Value::Array(items) => items.iter().map(node_json).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), node_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => serde_json::from_str(&other.to_json_string()).unwrap(),
    }
}

/// Every number as a float: JavaScript has no other (2^60 is an integer in JSON, a float64
/// in msgpack).
fn as_floats(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Number(n) => json!(n.as_f64()),
        serde_json::Value::Array(items) => items.iter().map(as_floats).collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), as_floats(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        other => other.clone(),
    }
}

#[test]
fn restoring_picks_the_packets_node_picks() {
    let all = vectors();
    let entries = entries();
    for restore in all["restore"].as_array().unwrap() {
        let name = restore["name"].as_str().unwrap();
        let Some(session) = restore.get("session") else {
            continue;
        };
        let rooms: Vec<String> = session["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect();
        let offset = restore["offset"].as_str().unwrap();
        let from = next_offset(offset).unwrap();
        let seq = |id: &str| id.split_once('-').unwrap().1.parse::<u64>().unwrap();
        let missed: Vec<serde_json::Value> = entries
            .iter()
            .filter(|(_, e)| seq(&e.id) >= seq(&from))
            .filter_map(|(_, e)| missed_packet(e, "/", &rooms))
            .map(|args| node_json(&Value::Array(args)))
            .collect();
        let node: Vec<serde_json::Value> = session["missedPackets"].as_array().unwrap().clone();
        assert_eq!(missed.len(), node.len(), "{name}");
        for (ours, theirs) in missed.iter().zip(&node) {
            assert_eq!(as_floats(ours), as_floats(theirs), "{name}");
        }
        let ids = |list: &[serde_json::Value]| {
            list.iter()
                .map(|p| p.as_array().unwrap().last().cloned().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&missed), ids(&node), "{name}");
    }
    let errors: Vec<(&str, &str)> = all["restore"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| Some((r["name"].as_str()?, r["error"].as_str()?)))
        .collect();
    assert!(errors.contains(&("restore_bad_offset", "invalid offset")));
    assert!(errors.contains(&("restore_gone", "session or offset not found")));
}

#[test]
fn several_streams_are_named_by_the_namespace_hash() {
    for s in vectors()["streams"].as_array().unwrap() {
        let nsp = s["nsp"].as_str().unwrap();
        let count = s["count"].as_u64().unwrap() as usize;
        assert_eq!(
            stream_name("socket.io", count, nsp),
            s["stream"].as_str().unwrap(),
            "{nsp} over {count}"
        );
    }
    assert_eq!(stream_name("socket.io", 1, "/anything"), "socket.io");
}

#[test]
fn malformed_entries_and_messages_are_errors_not_panics() {
    let bad = |fields: &[(&str, &str)]| StreamEntry {
        id: "1-1".into(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    for fields in [
        &[][..],
        &[("type", "x")],
        &[("type", "3")],
        &[("type", "3"), ("data", "{")],
        &[("type", "3"), ("data", "!!notbase64")],
        &[("type", "3"), ("data", "kA==")],
        &[("type", "4"), ("data", "{\"opts\":5}")],
        &[("type", "99"), ("nsp", "/")],
        &[("type", "7"), ("data", "{}")],
    ] {
        assert!(decode_entry(&bad(fields)).is_err(), "{fields:?}");
        assert_eq!(missed_packet(&bad(fields), "/", &[]), None);
    }
    // a type without data is fine
    assert!(decode_entry(&bad(&[("type", "2"), ("uid", "x"), ("nsp", "/")])).is_ok());
    for bytes in [
        &[][..],
        &[0xc1],
        &[0x80],
        &[0x81, 0xa4, b't', b'y', b'p', b'e', 0x63],
    ] {
        assert!(decode_published(bytes).is_err(), "{bytes:?}");
    }
}
