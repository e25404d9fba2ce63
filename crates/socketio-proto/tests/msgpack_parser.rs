//! The msgpack parser against golden vectors of the official `socket.io-msgpack-parser`
//! (`interop/msgpack/vectors.js` writes `msgpack_vectors.json`): what it writes sockeye writes
//! byte for byte, what it reads sockeye reads, what it refuses sockeye refuses; plus the
//! limits and the frames the JSON parser would take.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns unwrap too

use std::time::Instant;

use bytes::Bytes;
use serde_json::json;
use socketio_proto::{
    DecodeError, Decoder, DecoderLimits, MsgpackError, Packet, PacketData, Parser, Value,
    encode_event_msgpack, encode_msgpack, to_value,
};

fn vectors() -> serde_json::Value {
    serde_json::from_str(include_str!("msgpack_vectors.json")).unwrap()
}

fn unhex(s: &str) -> Bytes {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect::<Vec<u8>>()
        .into()
}

fn v(j: serde_json::Value) -> Value {
    to_value(&j).unwrap()
}

fn bin(b: &[u8]) -> Value {
    Value::Binary(Bytes::copy_from_slice(b))
}

fn event(nsp: &str, args: Vec<Value>, id: Option<u64>) -> Packet {
    Packet::new(nsp, PacketData::Event { args, id })
}

fn decode(bytes: Bytes) -> Result<Packet, DecodeError> {
    Decoder::with_parser(Parser::Msgpack, DecoderLimits::default())
        .decode_binary(bytes)
        .map(|p| p.expect("a msgpack frame is a whole packet"))
}

fn encode_cases() -> Vec<(&'static str, Packet)> {
    let nums = json!([
        "n",
        0,
        127,
        128,
        255,
        256,
        65535,
        65536,
        4_294_967_295u64,
        4_294_967_296u64,
        -1,
        -32,
        -33,
        -128,
        -129,
        -32768,
        -32769,
        -2_147_483_648i64,
        -2_147_483_649i64,
        1.5,
        -0.25,
        0.1,
        9_007_199_254_740_992u64,
        -9_007_199_254_740_992i64
    ]);
    let values = json!([
        "v", null, true, false, "", "é☃😀", "x".repeat(31), "y".repeat(32), "z".repeat(256),
        {"a": 1, "b": [1, 2], "c": {"d": null}}, [], {}
    ]);
    let mut long = vec![Value::from("l")];
    long.extend((0..16).map(Value::from));
    let mut nested = socketio_proto::Map::new();
    nested.insert("nested", bin(&[7; 300]));
    vec![
        ("connect_main", Packet::connect("/", None)),
        (
            "connect_auth",
            Packet::connect("/admin", Some(v(json!({"token": "abc"})))),
        ),
        (
            "connect_reply",
            Packet::connect("/", Some(v(json!({"sid": "abcdefghijklmnopqrst"})))),
        ),
        ("disconnect", Packet::disconnect("/chat")),
        (
            "event",
            Packet::event("/", "chat message", [v(json!("hello"))], None),
        ),
        (
            "event_ack",
            Packet::event("/", "ask", [v(json!(1)), v(json!("two"))], Some(42)),
        ),
        (
            "event_numbers",
            event("/", v(nums).as_array().unwrap().clone(), None),
        ),
        (
            "event_values",
            event("/", v(values).as_array().unwrap().clone(), None),
        ),
        ("event_long_array", event("/", long, None)),
        (
            "event_binary",
            Packet::event(
                "/files",
                "upload",
                [bin(&[1, 2, 3]), Value::Object(nested)],
                None,
            ),
        ),
        (
            "ack",
            Packet::ack("/", vec![v(json!("ok")), v(json!({"n": 1}))], 7),
        ),
        ("ack_empty", Packet::ack("/", vec![], 4_294_967_296)),
        (
            "connect_error",
            Packet::connect_error("/admin", "not authorized", Some(v(json!({"code": 3})))),
        ),
        (
            "connect_error_string",
            Packet::new(
                "/nope",
                PacketData::ConnectError(v(json!("Invalid namespace"))),
            ),
        ),
    ]
}

#[test]
fn writes_what_the_official_parser_writes() {
    let vectors = vectors();
    let cases = encode_cases();
    assert_eq!(cases.len(), vectors["encode"].as_object().unwrap().len());
    for (name, packet) in cases {
        let expected = unhex(vectors["encode"][name]["hex"].as_str().unwrap());
        assert_eq!(encode_msgpack(&packet), expected, "{name}");
        assert_eq!(decode(expected).unwrap(), packet, "{name}");
    }
}

#[test]
fn the_event_fast_path_writes_the_same_bytes() {
    let args = [v(json!({"a": [1, 2.5]})), bin(b"xyz")];
    for id in [None, Some(0), Some(u64::MAX)] {
        assert_eq!(
            encode_event_msgpack("/chat", "ev", &args, id),
            encode_msgpack(&Packet::event("/chat", "ev", args.clone(), id))
        );
    }
}

#[test]
fn reads_what_other_peers_send() {
    let vectors = vectors();
    let read = |name: &str| decode(unhex(vectors["decode"][name].as_str().unwrap())).unwrap();
    // An `undefined` property is no property.
    assert_eq!(read("client_connect"), Packet::connect("/", None));
    // socket.io-client's `options` key is ignored.
    assert_eq!(
        read("client_emit"),
        Packet::event("/", "hi", [v(json!(1))], Some(3))
    );
    // A Date reads as the string the JSON parser would carry.
    assert_eq!(
        read("date"),
        Packet::event("/", "d", [v(json!("2020-02-29T12:34:56.789Z"))], None)
    );
    assert_eq!(
        read("array_buffer"),
        Packet::event("/", "ab", [bin(&[9, 8])], None)
    );
    assert_eq!(
        read("typed_array"),
        Packet::event("/", "ta", [bin(&[1, 0, 2, 0])], None)
    );
    assert_eq!(
        read("undefined_arg"),
        Packet::event("/", "u", [Value::Null], None)
    );
}

#[test]
fn refuses_what_the_official_parser_refuses() {
    let vectors = vectors();
    let expected = [
        ("not_a_map", DecodeError::InvalidPacketType),
        ("type_missing", DecodeError::InvalidPacketType),
        ("type_string", DecodeError::InvalidPacketType),
        ("type_binary_event", DecodeError::InvalidPacketType),
        ("type_float", DecodeError::InvalidPacketType),
        ("nsp_missing", DecodeError::InvalidNamespace),
        ("nsp_number", DecodeError::InvalidNamespace),
        ("connect_array", DecodeError::InvalidPayload),
        ("connect_null", DecodeError::InvalidPayload),
        ("disconnect_data", DecodeError::InvalidPayload),
        ("connect_error_array", DecodeError::InvalidPayload),
        ("event_object", DecodeError::InvalidPayload),
        ("event_missing", DecodeError::InvalidPayload),
        ("ack_string", DecodeError::InvalidPayload),
        ("id_string", DecodeError::InvalidAckId),
        ("id_float", DecodeError::InvalidAckId),
        ("id_null", DecodeError::InvalidAckId),
        (
            "trailing",
            DecodeError::Msgpack(MsgpackError::TrailingBytes(1)),
        ),
        ("truncated", DecodeError::Msgpack(MsgpackError::Truncated)),
        (
            "reserved_marker",
            DecodeError::Msgpack(MsgpackError::Reserved),
        ),
    ];
    assert_eq!(expected.len(), vectors["reject"].as_object().unwrap().len());
    for (name, err) in expected {
        let bytes = unhex(vectors["reject"][name].as_str().unwrap());
        assert_eq!(decode(bytes), Err(err), "{name}");
    }
}

#[test]
fn events_follow_the_json_parsers_rules_too() {
    // The server routes on the name, so the JSON parser's event rules apply as well.
    for data in [
        json!([]),
        json!([null]),
        json!(["connect"]),
        json!([{"a": 1}]),
    ] {
        let packet = encode_msgpack(&event(
            "/",
            v(data.clone()).as_array().unwrap().clone(),
            None,
        ));
        assert_eq!(decode(packet), Err(DecodeError::InvalidPayload), "{data}");
    }
    // An ACK needs an id to answer anything; a negative id is no id.
    let mut ack = encode_msgpack(&Packet::ack("/", vec![], 0)).to_vec();
    ack[0] = 0x83;
    ack.truncate(ack.len() - 4); // drop `"id": 0`
    assert_eq!(decode(ack.into()), Err(DecodeError::MissingAckId));
    let mut neg = encode_msgpack(&Packet::ack("/", vec![], 0)).to_vec();
    *neg.last_mut().unwrap() = 0xff; // -1
    assert_eq!(decode(neg.into()), Err(DecodeError::InvalidAckId));
    // A number as event name is allowed, as by the JSON parser.
    let numbered = encode_msgpack(&event("/", vec![v(json!(1))], None));
    assert!(decode(numbered).is_ok());
}

#[test]
fn text_frames_are_refused() {
    let mut decoder = Decoder::with_parser(Parser::Msgpack, DecoderLimits::default());
    assert_eq!(
        decoder.decode_text("2[\"a\"]", Instant::now()),
        Err(DecodeError::TextWithMsgpack)
    );
    assert_eq!(decoder.parser(), Parser::Msgpack);
    assert_eq!(Decoder::default().parser(), Parser::Json);
}

#[test]
fn binaries_obey_the_attachment_limits() {
    let limits = DecoderLimits::default()
        .max_attachments(2)
        .max_attachment_bytes(10);
    let mut decoder = Decoder::with_parser(Parser::Msgpack, limits);
    let ok = encode_msgpack(&Packet::event("/", "b", [bin(&[0; 5]), bin(&[0; 5])], None));
    assert!(decoder.decode_binary(ok).unwrap().is_some());
    let many = encode_msgpack(&Packet::event(
        "/",
        "b",
        [bin(&[]), bin(&[]), bin(&[])],
        None,
    ));
    assert_eq!(
        decoder.decode_binary(many),
        Err(DecodeError::Msgpack(MsgpackError::TooMuchBinary))
    );
    let large = encode_msgpack(&Packet::event("/", "b", [bin(&[0; 11])], None));
    assert_eq!(
        decoder.decode_binary(large),
        Err(DecodeError::Msgpack(MsgpackError::TooMuchBinary))
    );
    assert!(!decoder.is_pending());
}

#[test]
fn deep_nesting_is_refused() {
    let mut deep = Value::Null;
    for _ in 0..200 {
        deep = Value::Array(vec![deep]);
    }
    let frame = encode_msgpack(&Packet::event("/", "deep", [deep], None));
    assert_eq!(
        decode(frame),
        Err(DecodeError::Msgpack(MsgpackError::TooDeep))
    );
}

#[test]
fn garbage_never_panics() {
    // A deterministic sweep of truncations and byte flips of a real packet.
    let frame = encode_msgpack(&Packet::event(
        "/x",
        "e",
        [v(json!({"a": [1, -2, 3.5, "s", null, true]})), bin(&[1, 2])],
        Some(9),
    ));
    for cut in 0..frame.len() {
        assert!(decode(frame.slice(..cut)).is_err(), "prefix {cut}");
    }
    for i in 0..frame.len() {
        for byte in [0x00, 0x7f, 0x80, 0x9f, 0xc1, 0xc4, 0xd4, 0xdc, 0xdf, 0xff] {
            let mut bad = frame.to_vec();
            bad[i] = byte;
            let _ = decode(bad.into());
        }
    }
}
