//! The reference parser's test vectors (`socket.io-parser/test/*.js` and the protocol
//! document's examples): exact encodings, and the inputs it rejects.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns unwrap too

use std::time::Instant;

use bytes::Bytes;
use socketio_proto::{
    DecodeError, Decoder, DecoderLimits, Map, Packet, PacketData, PacketType, Value, encode,
};

fn obj(entries: &[(&str, Value)]) -> Value {
    Value::Object(entries.iter().map(|(k, v)| (*k, v.clone())).collect())
}

fn bin(b: &'static [u8]) -> Value {
    Value::Binary(Bytes::from_static(b))
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn event(nsp: &str, args: Vec<Value>, id: Option<u64>) -> Packet {
    Packet::new(nsp, PacketData::Event { args, id })
}

/// Encodes, checks the text and attachments, then checks the decoder gives the packet back.
fn check(packet: &Packet, text: &str, attachments: &[&[u8]]) {
    let encoded = encode(packet);
    assert_eq!(encoded.text, text);
    let got: Vec<&[u8]> = encoded.attachments.iter().map(|b| b.as_ref()).collect();
    assert_eq!(got, attachments);

    let mut decoder = Decoder::default();
    let now = Instant::now();
    let mut decoded = decoder.decode_text(text, now).unwrap();
    for (i, a) in encoded.attachments.iter().enumerate() {
        assert!(decoded.is_none(), "complete before attachment {i}");
        decoded = decoder.decode_binary(a.clone()).unwrap();
    }
    assert_eq!(decoded.as_ref(), Some(packet));
    assert!(!decoder.is_pending());
}

#[test]
fn exposes_types() {
    assert_eq!(PacketType::Connect as u8, 0);
    assert_eq!(PacketType::Disconnect as u8, 1);
    assert_eq!(PacketType::Event as u8, 2);
    assert_eq!(PacketType::Ack as u8, 3);
    assert_eq!(PacketType::ConnectError as u8, 4);
    assert_eq!(PacketType::BinaryEvent as u8, 5);
    assert_eq!(PacketType::BinaryAck as u8, 6);
    for d in 0..=6 {
        assert_eq!(PacketType::from_digit(d).map(|t| t as u8), Some(d));
    }
    assert_eq!(PacketType::from_digit(7), None);
}

#[test]
fn encodes_connection() {
    let p = Packet::connect("/woot", Some(obj(&[("token", s("123"))])));
    check(&p, r#"0/woot,{"token":"123"}"#, &[]);
}

#[test]
fn encodes_disconnection() {
    check(&Packet::disconnect("/woot"), "1/woot,", &[]);
}

#[test]
fn encodes_an_event() {
    let p = event("/", vec![s("a"), Value::from(1), obj(&[])], None);
    check(&p, r#"2["a",1,{}]"#, &[]);
}

#[test]
fn encodes_an_event_with_an_integer_name() {
    let p = event("/", vec![Value::from(1), s("a"), obj(&[])], None);
    check(&p, r#"2[1,"a",{}]"#, &[]);
}

#[test]
fn encodes_an_event_with_ack() {
    let p = event("/test", vec![s("a"), Value::from(1), obj(&[])], Some(1));
    check(&p, r#"2/test,1["a",1,{}]"#, &[]);
}

#[test]
fn encodes_an_ack() {
    let p = Packet::ack("/", vec![s("a"), Value::from(1), obj(&[])], 123);
    check(&p, r#"3123["a",1,{}]"#, &[]);
}

#[test]
fn encodes_a_connect_error() {
    let p = Packet::new("/", PacketData::ConnectError(s("Unauthorized")));
    check(&p, r#"4"Unauthorized""#, &[]);
}

#[test]
fn encodes_a_connect_error_with_object() {
    let p = Packet::connect_error("/", "Unauthorized", None);
    check(&p, r#"4{"message":"Unauthorized"}"#, &[]);
    let p = Packet::connect_error("/", "no", Some(obj(&[("retry", Value::Bool(false))])));
    check(&p, r#"4{"message":"no","data":{"retry":false}}"#, &[]);
}

#[test]
fn encodes_a_buffer() {
    let p = event("/cool", vec![s("a"), bin(b"abc")], Some(23));
    check(
        &p,
        r#"51-/cool,23["a",{"_placeholder":true,"num":0}]"#,
        &[b"abc"],
    );
}

#[test]
fn encodes_a_nested_buffer() {
    let inner = obj(&[("b", Value::Array(vec![s("c"), bin(b"abc")]))]);
    let p = event("/cool", vec![s("a"), inner], Some(23));
    check(
        &p,
        r#"51-/cool,23["a",{"b":["c",{"_placeholder":true,"num":0}]}]"#,
        &[b"abc"],
    );
}

#[test]
fn encodes_a_binary_ack() {
    let p = Packet::ack("/back", vec![s("a"), bin(b"xxx"), obj(&[])], 127);
    check(
        &p,
        r#"61-/back,127["a",{"_placeholder":true,"num":0},{}]"#,
        &[b"xxx"],
    );
}

#[test]
fn encodes_an_array_buffer() {
    let p = event("/", vec![s("a"), bin(&[0, 0])], Some(0));
    check(&p, r#"51-0["a",{"_placeholder":true,"num":0}]"#, &[&[0, 0]]);
}

#[test]
fn encodes_an_array_buffer_inside_an_object() {
    let p = event("/", vec![s("a"), obj(&[("array", bin(&[0, 0]))])], Some(0));
    check(
        &p,
        r#"51-0["a",{"array":{"_placeholder":true,"num":0}}]"#,
        &[&[0, 0]],
    );
}

#[test]
fn encodes_a_typed_array() {
    let p = event("/", vec![s("a"), bin(&[0, 1, 2, 3, 4])], Some(0));
    check(
        &p,
        r#"51-0["a",{"_placeholder":true,"num":0}]"#,
        &[&[0, 1, 2, 3, 4]],
    );
}

#[test]
fn encodes_array_buffers_deep_in_json() {
    let data = obj(&[
        ("a", s("hi")),
        ("b", obj(&[("why", bin(&[0; 3]))])),
        (
            "c",
            obj(&[("a", s("bye")), ("b", obj(&[("a", bin(&[0; 6]))]))]),
        ),
    ]);
    let p = event("/deep", vec![s("a"), data], Some(999));
    check(
        &p,
        concat!(
            r#"52-/deep,999["a",{"a":"hi","b":{"why":{"_placeholder":true,"num":0}},"#,
            r#""c":{"a":"bye","b":{"a":{"_placeholder":true,"num":1}}}}]"#
        ),
        &[&[0; 3], &[0; 6]],
    );
}

#[test]
fn encodes_deep_binary_json_with_null_values() {
    let data = obj(&[
        ("a", s("b")),
        ("c", Value::from(4)),
        ("e", obj(&[("g", Value::Null)])),
        ("h", bin(&[0; 9])),
    ]);
    let p = event("/", vec![s("a"), data], Some(600));
    check(
        &p,
        r#"51-600["a",{"a":"b","c":4,"e":{"g":null},"h":{"_placeholder":true,"num":0}}]"#,
        &[&[0; 9]],
    );
}

#[test]
fn does_not_modify_the_input_packet() {
    let p = event("/", vec![s("a"), bin(&[1, 2, 3]), bin(&[4, 5, 6])], None);
    let before = p.clone();
    let encoded = encode(&p);
    assert_eq!(p, before);
    check(
        &p,
        r#"52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
        &[&[1, 2, 3], &[4, 5, 6]],
    );
    assert_eq!(encoded.attachments.len(), 2);
}

#[test]
fn protocol_document_examples() {
    check(&Packet::connect("/", None), "0", &[]);
    let sid = obj(&[("sid", s("oSO0OpakMV_3jnilAAAA"))]);
    check(
        &Packet::connect("/admin", Some(sid)),
        r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
        &[],
    );
    check(
        &Packet::connect_error("/", "Not authorized", None),
        r#"4{"message":"Not authorized"}"#,
        &[],
    );
    check(&event("/", vec![s("foo")], None), r#"2["foo"]"#, &[]);
    check(
        &event("/admin", vec![s("bar")], None),
        r#"2/admin,["bar"]"#,
        &[],
    );
    check(
        &event("/", vec![s("baz"), bin(b"\x01")], None),
        r#"51-["baz",{"_placeholder":true,"num":0}]"#,
        &[b"\x01"],
    );
    check(
        &event("/admin", vec![s("baz"), bin(b"\x01"), bin(b"\x02")], None),
        r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
        &[b"\x01", b"\x02"],
    );
    check(&event("/", vec![s("foo")], Some(12)), r#"212["foo"]"#, &[]);
    check(
        &Packet::ack("/admin", vec![s("bar")], 13),
        r#"3/admin,13["bar"]"#,
        &[],
    );
    check(
        &Packet::ack("/", vec![s("bar"), bin(b"\x03")], 15),
        r#"61-15["bar",{"_placeholder":true,"num":0}]"#,
        &[b"\x03"],
    );
    check(&Packet::disconnect("/"), "1", &[]);
    check(&Packet::disconnect("/admin"), "1/admin,", &[]);
}

fn decode_err(text: &str) -> DecodeError {
    Decoder::default()
        .decode_text(text, Instant::now())
        .expect_err(text)
}

#[test]
fn rejects_invalid_payloads() {
    for text in [
        r#"442["some","data""#,
        r#"0/admin,"invalid""#,
        "0[]",
        "1/admin,{}",
        r#"2/admin,"invalid"#,
        "2/admin,{}",
        r#"2[{"toString":"foo"}]"#,
        r#"2[true,"foo"]"#,
        r#"2[null,"bar"]"#,
        r#"2["connect"]"#,
        r#"2["disconnect","123"]"#,
    ] {
        assert_eq!(decode_err(text), DecodeError::InvalidPayload, "{text}");
    }
}

#[test]
fn rejects_every_reserved_event_name() {
    for name in socketio_proto::RESERVED_EVENTS {
        assert_eq!(
            decode_err(&format!(r#"2["{name}"]"#)),
            DecodeError::InvalidPayload
        );
    }
}

#[test]
fn rejects_illegal_attachment_counts() {
    for text in [
        "5",
        "51",
        "5a-",
        "51.23-",
        "5-1-[\"a\"]",
        "6-",
        "50-[\"a\"]",
        "60-1[]",
    ] {
        assert_eq!(decode_err(text), DecodeError::IllegalAttachments, "{text}");
    }
}

#[test]
fn rejects_unknown_packet_types() {
    assert_eq!(decode_err("999"), DecodeError::UnknownPacketType('9'));
    assert_eq!(decode_err("7"), DecodeError::UnknownPacketType('7'));
    assert_eq!(decode_err("a"), DecodeError::UnknownPacketType('a'));
    assert_eq!(decode_err("é"), DecodeError::UnknownPacketType('é'));
    assert_eq!(decode_err(""), DecodeError::Empty);
}

#[test]
fn rejects_too_many_attachments() {
    let mut decoder = Decoder::new(DecoderLimits::default().max_attachments(2));
    let err = decoder
        .decode_text(
            r#"53-["hello",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#,
            Instant::now(),
        )
        .unwrap_err();
    assert_eq!(err, DecodeError::TooManyAttachments);
    assert_eq!(err.to_string(), "too many attachments");
    assert_eq!(
        decode_err("599999999999999999999999-[\"a\"]"),
        DecodeError::TooManyAttachments
    );
}

#[test]
fn resumes_after_reset() {
    let mut decoder = Decoder::default();
    let now = Instant::now();
    assert_eq!(
        decoder.decode_text(r#"51-["hello"]"#, now),
        Err(DecodeError::IllegalPlaceholder)
    );
    assert_eq!(
        decoder.decode_text(r#"51-["hello",{"_placeholder":true,"num":0}]"#, now),
        Ok(None)
    );
    decoder.reset();
    let p = decoder.decode_text(r#"2["hello"]"#, now).unwrap().unwrap();
    assert_eq!(p.event_name(), Some("hello"));
}

#[test]
fn rejects_placeholder_with_string_num() {
    assert_eq!(
        decode_err(r#"51-["hello",{"_placeholder":true,"num":"splice"}]"#),
        DecodeError::IllegalPlaceholder
    );
}

#[test]
fn rejects_placeholder_out_of_bounds() {
    assert_eq!(
        decode_err(r#"51-["hello",{"_placeholder":true,"num":1}]"#),
        DecodeError::IllegalPlaceholder
    );
    assert_eq!(
        decode_err(r#"51-["hello",{"_placeholder":true,"num":-1}]"#),
        DecodeError::IllegalPlaceholder
    );
    assert_eq!(
        decode_err(r#"51-["hello",{"_placeholder":true,"num":0.5}]"#),
        DecodeError::IllegalPlaceholder
    );
    assert_eq!(
        DecodeError::IllegalPlaceholder.to_string(),
        "illegal attachments"
    );
}

#[test]
fn rejects_attachment_without_header() {
    let err = Decoder::default()
        .decode_binary(Bytes::from_static(b"world"))
        .unwrap_err();
    assert_eq!(err, DecodeError::UnexpectedBinary);
    assert_eq!(
        err.to_string(),
        "got binary data when not reconstructing a packet"
    );
}

#[test]
fn rejects_text_while_reconstructing() {
    let mut decoder = Decoder::default();
    let now = Instant::now();
    decoder
        .decode_text(r#"51-["hello",{"_placeholder":true,"num":0}]"#, now)
        .unwrap();
    let err = decoder.decode_text(r#"2["hello"]"#, now).unwrap_err();
    assert_eq!(err, DecodeError::UnexpectedText);
    assert_eq!(
        err.to_string(),
        "got plaintext data when reconstructing a packet"
    );
    // The partial packet survives the stray text frame.
    let p = decoder
        .decode_binary(Bytes::from_static(b"x"))
        .unwrap()
        .unwrap();
    assert_eq!(
        p.data,
        PacketData::Event {
            args: vec![s("hello"), bin(b"x")],
            id: None
        }
    );
}

#[test]
fn placeholder_in_plain_event_stays_an_object() {
    let text = r#"2["a",{"_placeholder":true,"num":0}]"#;
    let p = Decoder::default()
        .decode_text(text, Instant::now())
        .unwrap()
        .unwrap();
    let mut m = Map::new();
    m.insert("_placeholder", Value::Bool(true));
    m.insert("num", Value::from(0));
    assert_eq!(
        p.data,
        PacketData::Event {
            args: vec![s("a"), Value::Object(m)],
            id: None
        }
    );
}
