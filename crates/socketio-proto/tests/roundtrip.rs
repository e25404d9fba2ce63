//! `decode(encode(p)) == p` for every packet kind, hand-picked and generated.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns unwrap too

use std::time::Instant;

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use socketio_proto::{
    Decoder, DecoderLimits, Encoded, Map, Packet, PacketData, PacketType, Value, encode,
    encode_event,
};

fn decode_all(encoded: &Encoded, decoder: &mut Decoder) -> Packet {
    let now = Instant::now();
    let mut out = decoder.decode_text(&encoded.text, now).unwrap();
    for a in &encoded.attachments {
        assert!(out.is_none());
        out = decoder.decode_binary(a.clone()).unwrap();
    }
    out.unwrap()
}

fn roundtrip(p: &Packet) {
    let mut decoder = Decoder::new(DecoderLimits::default().max_attachments(1000));
    let encoded = encode(p);
    assert_eq!(encoded.is_binary(), p.packet_type().is_binary());
    assert_eq!(
        encoded.text.chars().next(),
        Some(p.packet_type().as_char()),
        "{}",
        encoded.text
    );
    assert_eq!(&decode_all(&encoded, &mut decoder), p, "{}", encoded.text);
}

fn obj(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(entries.into_iter().collect())
}

#[test]
fn every_packet_type() {
    let sid = obj(vec![("sid", Value::from("abc"))]);
    for nsp in ["/", "/admin", "/a/b", "/ünï", "/with space"] {
        roundtrip(&Packet::connect(nsp, None));
        roundtrip(&Packet::connect(nsp, Some(sid.clone())));
        roundtrip(&Packet::connect(nsp, Some(obj(vec![]))));
        roundtrip(&Packet::disconnect(nsp));
        roundtrip(&Packet::event(nsp, "e", [], None));
        roundtrip(&Packet::event(nsp, "e", [Value::from(1.5)], Some(0)));
        roundtrip(&Packet::event(nsp, "e", [Value::Null], Some(u64::MAX)));
        roundtrip(&Packet::ack(nsp, vec![], 0));
        roundtrip(&Packet::ack(nsp, vec![Value::from(true)], 42));
        roundtrip(&Packet::connect_error(nsp, "nope", None));
        roundtrip(&Packet::connect_error(nsp, "nope", Some(sid.clone())));
        roundtrip(&Packet::new(
            nsp,
            PacketData::ConnectError(Value::from("plain")),
        ));
    }
}

#[test]
fn binary_nested_and_several_attachments() {
    let b = |n: u8| Value::Binary(Bytes::from(vec![n; usize::from(n)]));
    let nested = obj(vec![
        ("x", b(1)),
        (
            "list",
            Value::Array(vec![b(2), Value::from("s"), obj(vec![("deep", b(3))])]),
        ),
        ("empty", Value::Binary(Bytes::new())),
    ]);
    let p = Packet::event("/bin", "upload", [nested.clone(), b(4)], Some(9));
    assert_eq!(p.packet_type(), PacketType::BinaryEvent);
    assert_eq!(encode(&p).attachments.len(), 5);
    roundtrip(&p);
    let ack = Packet::ack("/", vec![b(5), nested], 3);
    assert_eq!(ack.packet_type(), PacketType::BinaryAck);
    roundtrip(&ack);
}

#[test]
fn strings_needing_escapes() {
    let tricky = "quote\" backslash\\ nl\n cr\r tab\t bs\u{8} ff\u{c} nul\0 us\u{1f} del\u{7f} \u{2028} é 😀 </script>";
    let p = Packet::event(
        "/",
        tricky,
        [Value::from(tricky), obj(vec![(tricky, Value::Null)])],
        None,
    );
    roundtrip(&p);
    let text = encode(&Packet::event("/", "a\u{1}\"", [], None)).text;
    assert_eq!(text, r#"2["a\u0001\""]"#);
}

#[test]
fn numbers() {
    for n in [
        Value::from(0),
        Value::from(-1),
        Value::from(i64::MIN),
        Value::from(u64::MAX),
        Value::from(0.1),
        Value::from(-2.5e-300),
        Value::from(1e300),
    ] {
        roundtrip(&Packet::event("/", "n", [n], None));
    }
    assert_eq!(Value::from(f64::NAN), Value::Null);
}

#[test]
fn numeric_event_name() {
    roundtrip(&Packet::new(
        "/",
        PacketData::Event {
            args: vec![Value::from(7), Value::from("x")],
            id: None,
        },
    ));
}

#[test]
fn object_key_order_is_kept() {
    let p = Packet::event(
        "/",
        "o",
        [obj(vec![
            ("z", Value::from(1)),
            ("a", Value::from(2)),
            ("m", Value::from(3)),
        ])],
        None,
    );
    assert_eq!(encode(&p).text, r#"2["o",{"z":1,"a":2,"m":3}]"#);
    roundtrip(&p);
}

#[test]
fn duplicate_keys_keep_last_value_at_first_position() {
    let text = r#"2["o",{"a":1,"b":2,"a":3}]"#;
    let p = Decoder::default()
        .decode_text(text, Instant::now())
        .unwrap()
        .unwrap();
    assert_eq!(encode(&p).text, r#"2["o",{"a":3,"b":2}]"#);
}

#[test]
fn encode_event_matches_encode() {
    let args = vec![
        Value::from("x"),
        Value::Binary(Bytes::from_static(b"raw")),
        obj(vec![("k", Value::Binary(Bytes::from_static(b"k")))]),
    ];
    for (nsp, id) in [("/", None), ("/chat", Some(5))] {
        let fast = encode_event(nsp, "msg", &args, id);
        let slow = encode(&Packet::event(nsp, "msg", args.clone(), id));
        assert_eq!(fast, slow);
        assert_eq!(fast.attachments.len(), 2);
    }
    let plain = encode_event("/", "hi", &[], None);
    assert_eq!(plain.text, r#"2["hi"]"#);
    assert!(!plain.is_binary());
}

#[test]
fn binary_in_connect_payload_is_written_like_node() {
    let p = Packet::connect(
        "/",
        Some(obj(vec![("b", Value::Binary(Bytes::from_static(&[1, 2])))])),
    );
    let e = encode(&p);
    assert_eq!(e.text, r#"0{"b":{"type":"Buffer","data":[1,2]}}"#);
    assert!(e.attachments.is_empty());
}

#[test]
fn decoder_is_reusable_across_packets() {
    let mut decoder = Decoder::default();
    for i in 0..5u8 {
        let p = Packet::event(
            "/",
            "e",
            [Value::Binary(Bytes::from(vec![i]))],
            Some(u64::from(i)),
        );
        assert_eq!(decode_all(&encode(&p), &mut decoder), p);
        let q = Packet::event("/", "plain", [Value::from(i)], None);
        assert_eq!(decode_all(&encode(&q), &mut decoder), q);
    }
}

/// Random packets from the workspace's one test generator (rand's, seeded), standing in for
/// a property-testing crate.
struct Gen(StdRng);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0.random()
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0.random_range(0..n)
    }
    fn string(&mut self) -> String {
        const CHARS: &[char] = &[
            'a', 'Z', '0', '"', '\\', '\n', '\u{1}', 'é', '😀', ' ', '/', ',',
        ];
        (0..self.below(6))
            .map(|_| CHARS[self.below(CHARS.len() as u64) as usize])
            .collect()
    }
    fn value(&mut self, depth: u32) -> Value {
        let kinds = if depth == 0 { 5 } else { 7 };
        match self.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 1),
            2 => match self.below(3) {
                0 => Value::from(self.next()),
                1 => Value::from(-(self.below(1 << 40) as i64)),
                // Never integral: JSON does not keep `3.0` apart from `3`.
                _ => Value::from(self.below(1000) as f64 + 0.125),
            },
            3 => Value::String(self.string()),
            4 => Value::Binary(Bytes::from(self.string().into_bytes())),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            _ => {
                let mut m = Map::new();
                for _ in 0..self.below(4) {
                    let k = self.string();
                    let v = self.value(depth - 1);
                    m.insert(k, v);
                }
                Value::Object(m)
            }
        }
    }
}

#[test]
fn generated_packets_roundtrip() {
    let mut g = Gen(StdRng::seed_from_u64(0x9e37_79b9_7f4a_7c15));
    for _ in 0..3000 {
        let nsp = match g.below(3) {
            0 => "/".to_owned(),
            1 => "/admin".to_owned(),
            _ => format!("/{}", g.string().replace(',', "")),
        };
        let args: Vec<Value> = (0..g.below(4)).map(|_| g.value(3)).collect();
        let id = (g.below(2) == 1).then(|| g.next());
        let p = match g.below(5) {
            0 => Packet::event(nsp, g.string(), args, id),
            1 => Packet::ack(nsp, args, g.next()),
            2 => Packet::connect(
                nsp,
                (g.below(2) == 1).then(|| obj(vec![("k", Value::from(g.string()))])),
            ),
            3 => Packet::disconnect(nsp),
            _ => Packet::connect_error(nsp, &g.string(), None),
        };
        if p.event_name()
            .is_some_and(|n| socketio_proto::RESERVED_EVENTS.contains(&n))
        {
            continue;
        }
        roundtrip(&p);
    }
}

#[test]
fn floats_are_written_like_javascript() {
    let cases: [(f64, &str); 16] = [
        (3.0, "3"),
        (-3.0, "-3"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (123.456, "123.456"),
        (-1.5, "-1.5"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e300, "1.5e+300"),
        (0.000001, "0.000001"),
        (1.25e-6, "0.00000125"),
        (1e-7, "1e-7"),
        (-2.5e-300, "-2.5e-300"),
        (5e-324, "5e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
        (9007199254740993.0, "9007199254740992"),
    ];
    for (f, js) in cases {
        let text = encode(&Packet::event("/", "n", [Value::from(f)], None)).text;
        assert_eq!(text, format!(r#"2["n",{js}]"#), "{f:e}");
        // Decoding gives the same number, though an integral float comes back as an integer.
        let p = Decoder::default()
            .decode_text(&text, Instant::now())
            .unwrap()
            .unwrap();
        let PacketData::Event { args, .. } = p.data else {
            panic!()
        };
        assert_eq!(args[1].as_f64(), Some(if f == 0.0 { 0.0 } else { f }));
    }
}

#[test]
fn lone_surrogates_from_javascript_become_replacement_chars() {
    // What `JSON.stringify` writes for a string cut in the middle of an emoji.
    let text = r#"2["msg","cut \ud83d","pair \ud83d\ude00"]"#;
    let p = Decoder::default()
        .decode_text(text, Instant::now())
        .unwrap()
        .unwrap();
    assert_eq!(
        p,
        Packet::event(
            "/",
            "msg",
            [Value::from("cut \u{fffd}"), Value::from("pair 😀")],
            None
        )
    );
}
