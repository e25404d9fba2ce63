//! Golden vectors: the bytes `@socket.io/redis-adapter` 8.3 (classic and sharded) and
//! `@socket.io/redis-emitter` 5.1 publish (captured by interop/redis/vectors.js into tests/vectors/node.json) decode to what
//! Node meant, and this crate encodes the same messages to the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use socketio_proto::{Packet, PacketData, Value, write_msgpack};
use sockeye::{BroadcastFlags, BroadcastOptions};
use sockeye_redis::wire::classic::{
    Request, RequestType, Response, Target, decode_broadcast, encode_broadcast,
    encode_emitter_broadcast,
};
use sockeye_redis::wire::decode_any;

/// `value` as notepack writes it.
fn notepack(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_msgpack(&mut out, value);
    out
}

struct Vector {
    channel: String,
    bytes: Vec<u8>,
}

fn vectors() -> Vec<(String, Vector)> {
    let text = include_str!("vectors/node.json");
    let list: Vec<serde_json::Value> = serde_json::from_str(text).unwrap();
    list.into_iter()
        .map(|v| {
            let hex = v["hex"].as_str().unwrap();
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (
                v["name"].as_str().unwrap().to_owned(),
                Vector {
                    channel: v["channel"].as_str().unwrap().to_owned(),
                    bytes,
                },
            )
        })
        .collect()
}

fn vector(name: &str) -> Vector {
    vectors()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
        .1
}

fn v(json: serde_json::Value) -> Value {
    json.into()
}

fn rooms(names: &[&str]) -> HashSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn every_node_vector_decodes_and_encodes_back_to_the_same_bytes() {
    for (name, vector) in vectors() {
        if name.starts_with("sharded_") {
            continue;
        }
        let bytes = &vector.bytes;
        let again = if name.starts_with("broadcast_") {
            let msg = decode_broadcast(bytes).unwrap();
            encode_broadcast(&msg.uid, &msg.packet, &msg.opts)
        } else if name.starts_with("emitter_") && vector.channel.starts_with("socket.io#") {
            let msg = decode_broadcast(bytes).unwrap();
            assert_eq!(msg.uid, "emitter");
            encode_emitter_broadcast(&msg.packet, &msg.opts)
        } else if name.starts_with("request_") || name.starts_with("emitter_") {
            Request::decode(bytes).unwrap().encode()
        } else {
            let kind = match name.as_str() {
                "response_all_rooms" => RequestType::AllRooms,
                "response_fetch" => RequestType::RemoteFetch,
                "response_server_side_emit" => RequestType::ServerSideEmit,
                _ => RequestType::Broadcast,
            };
            Response::from_value(decode_any(bytes).unwrap(), Some(kind))
                .unwrap()
                .encode()
        };
        assert_eq!(&again, bytes, "{name}");
    }
}

#[test]
fn broadcasts_encode_as_the_adapter_does() {
    let packet = Packet::event(
        "/",
        "event",
        [
            Value::from(1u8),
            Value::from("two"),
            v(json!({"a": [1.5, -3, null], "b": true})),
        ],
        None,
    );
    let node = vector("broadcast_all");
    assert_eq!(node.channel, "socket.io#/#");
    assert_eq!(
        encode_broadcast("node01", &packet, &BroadcastOptions::default()),
        node.bytes
    );

    let packet = Packet::event("/", "event", [Value::from("héllo 🌍")], None);
    let opts = BroadcastOptions {
        rooms: rooms(&["room1"]),
        ..BroadcastOptions::default()
    };
    let node = vector("broadcast_room");
    assert_eq!(node.channel, "socket.io#/#room1#");
    assert_eq!(encode_broadcast("node01", &packet, &opts), node.bytes);

    let packet = Packet::event("/", "event", [v(json!({}))], None);
    let opts = BroadcastOptions {
        rooms: rooms(&["r1", "r2"]),
        except: rooms(&["r3"]),
        flags: BroadcastFlags {
            volatile: true,
            compress: Some(false),
            ..BroadcastFlags::default()
        },
    };
    assert_eq!(
        encode_broadcast("node01", &packet, &opts),
        vector("broadcast_rooms_except_flags").bytes
    );

    let packet = Packet::event(
        "/",
        "bin",
        [
            Value::Binary(Bytes::from_static(&[0, 1, 2, 255])),
            Value::Object(
                [
                    ("file", Value::Binary(Bytes::from(vec![7u8; 300]))),
                    ("name", Value::from("f")),
                ]
                .into_iter()
                .collect(),
            ),
        ],
        None,
    );
    assert_eq!(
        encode_broadcast("node01", &packet, &BroadcastOptions::default()),
        vector("broadcast_binary").bytes
    );
}

#[test]
fn numbers_take_notepacks_forms() {
    let numbers: Vec<Value> = [
        0i64,
        1,
        127,
        128,
        255,
        256,
        65535,
        65536,
        4294967295,
        4294967296,
        9007199254740991,
        -1,
        -32,
        -33,
        -128,
        -129,
        -32768,
        -32769,
        -2147483648,
        -2147483649,
    ]
    .into_iter()
    .map(Value::from)
    .chain([
        Value::from(1.5f64),
        Value::from(-0.25f64),
        Value::from(1_152_921_504_606_846_976u64),
        Value::from(-1_152_921_504_606_846_976i64),
        // a float that holds an integer is an integer, in JavaScript as here
        Value::from(3.0f64),
    ])
    .collect();
    let packet = Packet::event("/", "numbers", [Value::Array(numbers.clone())], None);
    let node = vector("broadcast_numbers");
    assert_eq!(
        encode_broadcast("node01", &packet, &BroadcastOptions::default()),
        node.bytes
    );
    let decoded = decode_broadcast(&node.bytes).unwrap();
    let PacketData::Event { args, .. } = decoded.packet.data else {
        panic!()
    };
    let mut expected = numbers;
    assert_eq!(expected.len(), 25);
    expected[24] = Value::from(3u8);
    assert_eq!(args[1], Value::Array(expected));
}

#[test]
fn node_broadcasts_decode_to_what_node_meant() {
    let msg = decode_broadcast(&vector("broadcast_namespace").bytes).unwrap();
    assert_eq!(msg.uid, "node02");
    assert_eq!(msg.packet, Packet::event("/chat", "hi", [], None));
    assert_eq!(msg.opts.rooms, rooms(&["room1"]));
    assert_eq!(msg.opts.except, rooms(&["room2"]));

    let msg = decode_broadcast(&vector("broadcast_nested").bytes).unwrap();
    let PacketData::Event { args, .. } = msg.packet.data else {
        panic!()
    };
    let nested = &args[1];
    assert_eq!(
        nested.get("long").and_then(Value::as_str).map(str::len),
        Some(300)
    );
    assert_eq!(
        nested.get("many").and_then(Value::as_array).map(Vec::len),
        Some(20)
    );
    assert_eq!(
        nested
            .get("map")
            .and_then(Value::as_object)
            .map(|m| m.len()),
        Some(17)
    );
    assert_eq!(
        nested.get("deep"),
        Some(&v(json!({"a": {"b": {"c": [{"d": null}]}}})))
    );

    let msg = decode_broadcast(&vector("broadcast_rooms_except_flags").bytes).unwrap();
    assert!(msg.opts.flags.volatile);
    assert_eq!(msg.opts.flags.compress, Some(false));
}

#[test]
fn requests_encode_as_the_adapter_does() {
    let opts = BroadcastOptions {
        rooms: rooms(&["r1"]),
        except: rooms(&["r2"]),
        ..BroadcastOptions::default()
    };
    // request ids are random: take Node's
    let node = vector("request_fetch");
    let Request::Fetch { request_id, .. } = Request::decode(&node.bytes).unwrap() else {
        panic!()
    };
    let ours = Request::Fetch {
        uid: Some("node01".into()),
        request_id,
        opts,
    };
    assert_eq!(ours.encode(), node.bytes);

    let ours = Request::Join {
        uid: Some("node01".into()),
        request_id: None,
        target: Target::Opts(BroadcastOptions {
            rooms: rooms(&["r1"]),
            ..BroadcastOptions::default()
        }),
        rooms: vec!["r2".into(), "r3".into()],
    };
    assert_eq!(ours.encode(), vector("request_join").bytes);

    let ours = Request::Disconnect {
        uid: Some("node01".into()),
        request_id: None,
        target: Target::Opts(BroadcastOptions {
            rooms: rooms(&["r1"]),
            ..BroadcastOptions::default()
        }),
        close: true,
    };
    assert_eq!(ours.encode(), vector("request_disconnect").bytes);

    let ours = Request::ServerSideEmit {
        uid: Some("node01".into()),
        request_id: None,
        data: vec![Value::from("hello"), Value::from(1u8), v(json!({"a": "b"}))],
    };
    assert_eq!(ours.encode(), vector("request_server_side_emit").bytes);

    let node = vector("request_broadcast_ack");
    let Request::Broadcast {
        request_id, opts, ..
    } = Request::decode(&node.bytes).unwrap()
    else {
        panic!()
    };
    assert_eq!(opts.flags.timeout, Some(Duration::from_millis(1000)));
    let ours = Request::Broadcast {
        uid: Some("node01".into()),
        request_id,
        packet: Packet::event("/", "ask", [Value::from(1u8)], None),
        opts: BroadcastOptions {
            flags: BroadcastFlags {
                timeout: Some(Duration::from_millis(1000)),
                ..BroadcastFlags::default()
            },
            ..BroadcastOptions::default()
        },
    };
    assert_eq!(ours.encode(), node.bytes);
}

#[test]
fn responses_encode_as_the_adapter_does() {
    let ours = Response::AllRooms {
        request_id: "req001".into(),
        rooms: vec!["sid1".into(), "room1".into()],
    };
    assert_eq!(ours.encode(), vector("response_all_rooms").bytes);
    let ours = Response::ServerSideEmit {
        request_id: "req003".into(),
        data: Value::Object(
            [("ok", Value::Bool(true)), ("n", Value::from(5u8))]
                .into_iter()
                .collect(),
        ),
    };
    let node = vector("response_server_side_emit");
    assert_eq!(ours.encode(), node.bytes);
    let decoded = Response::from_value(
        decode_any(&node.bytes).unwrap(),
        Some(RequestType::ServerSideEmit),
    )
    .unwrap();
    assert_eq!(decoded, ours);
    let ours = Response::BroadcastClientCount {
        request_id: "req004".into(),
        client_count: 0,
    };
    assert_eq!(
        ours.encode(),
        vector("response_broadcast_client_count").bytes
    );
    let ours = Response::BroadcastAck {
        request_id: "req004".into(),
        packet: Some(Value::Object(
            [(
                "answer",
                Value::Array(vec![
                    Value::from(1u8),
                    Value::Binary(Bytes::from_static(&[9])),
                ]),
            )]
            .into_iter()
            .collect(),
        )),
    };
    assert_eq!(ours.encode(), vector("response_broadcast_ack").bytes);
    let ours = Response::BroadcastAck {
        request_id: "req004".into(),
        packet: None,
    };
    assert_eq!(ours.encode(), vector("response_broadcast_ack_empty").bytes);
}

#[test]
fn emitter_messages_encode_as_the_emitter_does() {
    let packet = Packet::event("/", "event", [Value::from(1u8), Value::from("two")], None);
    assert_eq!(
        encode_emitter_broadcast(&packet, &BroadcastOptions::default()),
        vector("emitter_all").bytes
    );
    let packet = Packet::event("/", "event", [v(json!({"a": 1}))], None);
    let opts = BroadcastOptions {
        rooms: rooms(&["room1"]),
        except: rooms(&["room2"]),
        flags: BroadcastFlags {
            volatile: true,
            compress: Some(true),
            ..BroadcastFlags::default()
        },
    };
    let node = vector("emitter_room_flags");
    assert_eq!(node.channel, "socket.io#/#room1#");
    assert_eq!(encode_emitter_broadcast(&packet, &opts), node.bytes);
    let packet = Packet::event(
        "/",
        "bin",
        [Value::Binary(Bytes::from_static(&[1, 2, 3]))],
        None,
    );
    assert_eq!(
        encode_emitter_broadcast(&packet, &BroadcastOptions::default()),
        vector("emitter_binary").bytes
    );
    let join = Request::Join {
        uid: None,
        request_id: None,
        target: Target::Opts(BroadcastOptions {
            rooms: rooms(&["r1"]),
            ..BroadcastOptions::default()
        }),
        rooms: vec!["r2".into(), "r3".into()],
    };
    assert_eq!(join.encode(), vector("emitter_join").bytes);
    let emit = Request::ServerSideEmit {
        uid: Some("emitter".into()),
        request_id: None,
        data: vec![Value::from("hello"), v(json!({"a": 1}))],
    };
    assert_eq!(emit.encode(), vector("emitter_server_side_emit").bytes);
}

#[test]
fn malformed_messages_are_errors_not_panics() {
    for bytes in [
        &b""[..],
        b"{",
        b"{\"type\":99}",
        b"{\"type\":5}",
        b"{\"type\":6,\"data\":[]}",
        b"{\"type\":2,\"rooms\":[]}",
        &[0x93, 0xa1, b'x', 0xc0, 0xc0],
        &[0xc1],
    ] {
        assert!(Request::decode(bytes).is_err(), "{bytes:?}");
        let _ = decode_broadcast(bytes);
    }
    // a packet that is not an EVENT, a missing event name
    let not_event = notepack(&v(json!(["u", {"type": 3, "data": ["x"]}, {}])));
    assert!(decode_broadcast(&not_event).is_err());
    let no_name = notepack(&v(json!(["u", {"type": 2, "data": []}, {}])));
    assert!(decode_broadcast(&no_name).is_err());
    // rooms that are numbers are room names; missing opts are empty
    let msg = decode_broadcast(&notepack(&v(
        json!(["u", {"type": 2, "data": ["x"]}, {"rooms": [1, "a"], "except": null}]),
    )))
    .unwrap();
    assert_eq!(msg.opts.rooms, rooms(&["1", "a"]));
    assert_eq!(msg.packet.nsp, "/");
}

#[test]
fn every_sharded_node_vector_decodes_and_encodes_back_to_the_same_bytes() {
    use sockeye_redis::wire::cluster::ClusterMessage;
    let mut seen = 0;
    for (name, vector) in vectors() {
        if !name.starts_with("sharded_") {
            continue;
        }
        let message =
            ClusterMessage::decode(&vector.bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(message.encode(), vector.bytes, "{name}");
        seen += 1;
    }
    assert_eq!(seen, 15);
}

#[test]
fn sharded_messages_encode_as_the_cluster_adapter_does() {
    use sockeye_redis::wire::cluster::{Body, ClusterMessage};
    let message = |body| ClusterMessage {
        uid: "node01".into(),
        nsp: "/".into(),
        body,
    };
    let ours = message(Body::Broadcast {
        packet: Packet::event(
            "/",
            "event",
            [
                Value::from(1u8),
                Value::from("two"),
                v(json!({"a": [1.5, null]})),
            ],
            None,
        ),
        request_id: None,
        opts: BroadcastOptions::default(),
    });
    assert_eq!(ours.encode(), vector("sharded_broadcast_all").bytes);

    // binary inside: msgpack
    let ours = message(Body::Broadcast {
        packet: Packet::event(
            "/",
            "bin",
            [
                Value::Binary(Bytes::from_static(&[0, 1, 2, 255])),
                v(json!({"n": -5})),
            ],
            None,
        ),
        request_id: None,
        opts: BroadcastOptions::default(),
    });
    assert_eq!(ours.encode(), vector("sharded_broadcast_binary").bytes);

    let ours = message(Body::SocketsJoin {
        opts: BroadcastOptions {
            rooms: rooms(&["r1"]),
            ..BroadcastOptions::default()
        },
        rooms: vec!["r2".into(), "r3".into()],
    });
    assert_eq!(ours.encode(), vector("sharded_join").bytes);

    let ours = message(Body::ServerSideEmitResponse {
        request_id: "req003".into(),
        packet: Some(Value::Object(
            [
                ("ok", Value::Bool(true)),
                ("bin", Value::Binary(Bytes::from_static(&[5]))),
            ]
            .into_iter()
            .collect(),
        )),
    });
    assert_eq!(
        ours.encode(),
        vector("sharded_response_server_side_emit").bytes
    );

    let node = ClusterMessage::decode(&vector("sharded_broadcast_ack").bytes).unwrap();
    let Body::Broadcast {
        packet,
        request_id,
        opts,
    } = node.body
    else {
        panic!()
    };
    assert_eq!(packet, Packet::event("/", "ask", [Value::from(1u8)], None));
    assert!(request_id.is_some());
    assert_eq!(opts.flags.timeout, Some(Duration::from_millis(1000)));
}

#[test]
fn malformed_sharded_messages_are_errors_not_panics() {
    use sockeye_redis::wire::cluster::ClusterMessage;
    for bytes in [
        &b""[..],
        b"{}",
        b"{\"type\":3}",
        b"{\"type\":3,\"data\":{\"packet\":{\"type\":2,\"data\":[]}}}",
        b"{\"type\":7,\"data\":{}}",
        b"{\"type\":9,\"data\":{\"packet\":[1]}}",
        b"{\"type\":42,\"data\":{}}",
        &[0x84, 0xc1],
    ] {
        assert!(ClusterMessage::decode(bytes).is_err(), "{bytes:?}");
    }
    // a heartbeat has no data
    assert!(ClusterMessage::decode(b"{\"type\":2,\"uid\":\"x\",\"nsp\":\"/\"}").is_ok());
}
