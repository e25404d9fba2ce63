//! The hand-written seeds of the corpus: valid traffic of each kind, from which fuzzing
//! mutates. `cargo test -p sockeye-fuzz --test seeds -- --ignored` writes them into
//! `fuzz/corpus/`; the test that is not ignored checks that they pass their targets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::{Bytes, BytesMut};
use socketio_proto::{Packet, Value, encode_msgpack, write_msgpack};
use sockeye_fuzz::socketio_packets::{Record, seed};
use websocket_proto::{DeflateConfig, Deflater, OpCode, Role, encode, encode_close, negotiate};

const MASK: Option<[u8; 4]> = Some([1, 2, 3, 4]);

fn ws(setup: u8, build: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
    let mut wire = BytesMut::new();
    build(&mut wire);
    let mut out = vec![setup];
    out.extend_from_slice(&wire);
    out
}

fn seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut out = Vec::new();
    // websocket_frames: setup 0xf0 = server, no deflate, 16-byte limit, whole-ish pieces.
    out.push((
        "websocket_frames",
        "masked-text",
        ws(0x0c, |w| encode(w, OpCode::Text, b"4hello", MASK)),
    ));
    out.push((
        "websocket_frames",
        "fragments-and-ping",
        ws(0x3c, |w| {
            w.extend_from_slice(&[0x01, 0x83, 1, 2, 3, 4, b'a' ^ 1, b'b' ^ 2, b'c' ^ 3]);
            encode(w, OpCode::Ping, b"p", MASK);
            w.extend_from_slice(&[0x80, 0x81, 1, 2, 3, 4, b'd' ^ 1]);
            encode(w, OpCode::Binary, &[0, 255, 7], MASK);
            encode_close(w, 1000, "bye", MASK);
        }),
    ));
    out.push((
        "websocket_frames",
        "client-unmasked",
        ws(0x0d, |w| {
            encode(w, OpCode::Text, b"2probe", None);
            encode(w, OpCode::Pong, b"", None);
        }),
    ));
    out.push((
        "websocket_frames",
        "deflated",
        ws(0x0e, |w| {
            let params = negotiate(["permessage-deflate"], &DeflateConfig::default()).unwrap();
            let mut d = Deflater::new(Role::Client, &params);
            d.encode(w, OpCode::Text, b"42[\"chat\",\"hello hello hello\"]", MASK);
            d.encode(w, OpCode::Binary, &[9; 200], MASK);
        }),
    ));
    out.push((
        "websocket_frames",
        "long-length",
        ws(0x0c, |w| {
            encode(w, OpCode::Binary, &[0x5a; 300], MASK);
        }),
    ));

    // engineio_packets: the mode byte, then the input.
    let eio: [(&str, u8, &[u8]); 6] = [
        ("v4-payload", 0, b"4hello\x1ebAQIDBA==\x1e2probe\x1e6"),
        (
            "v4-frame",
            1,
            b"0{\"sid\":\"abc\",\"upgrades\":[],\"pingInterval\":25000}",
        ),
        ("v3-payload", 2, "6:4h\u{e9}llo2:2p0:".as_bytes()),
        (
            "v3-binary-payload",
            3,
            &[
                0, 6, 255, b'4', b'h', b'e', b'l', b'l', b'o', 1, 4, 255, 4, 1, 2, 3,
            ],
        ),
        ("v3-frame", 4, b"b4AQID"),
        ("v3-binary-frame", 4, &[4, 1, 2, 3]),
    ];
    for (name, mode, input) in eio {
        let mut v = vec![mode];
        v.extend_from_slice(input);
        out.push(("engineio_packets", name, v));
    }

    // socketio_packets: setup 0x16 = JSON, 3 attachments, depth 64; 0x17 the same in msgpack.
    let text = |s: &str| Record::Text(s.to_owned());
    out.push((
        "socketio_packets",
        "json-packets",
        seed(
            0x16,
            &[
                text("0"),
                text("0/admin,{\"token\":\"abc\"}"),
                text("2[\"chat\",\"hi\",{\"n\":1.5,\"a\":[null,true]}]"),
                text("2/admin,12[\"ask\"]"),
                text("312[\"answer\"]"),
                text("44{\"message\":\"no\"}"),
                text("1/admin,"),
            ],
        ),
    ));
    out.push(("socketio_packets", "json-binary", seed(0x16, &[
        text("52-[\"up\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]"),
        Record::Binary(vec![1, 2, 3]),
        Record::Binary(vec![]),
        text("61-/x,7[{\"_placeholder\":true,\"num\":0}]"),
        Record::Wait(700),
        text("51-[\"late\",{\"_placeholder\":true,\"num\":0}]"),
        Record::Wait(700),
        Record::Binary(vec![4]),
    ])));
    let bin = Value::Binary(Bytes::from_static(&[1, 2, 3]));
    let msgpack = |p: Packet| Record::Binary(encode_msgpack(&p).to_vec());
    let mut value = Vec::new();
    write_msgpack(
        &mut value,
        &Value::Array(vec![Value::from(-1), Value::from(2.5), bin.clone()]),
    );
    out.push((
        "socketio_packets",
        "msgpack-packets",
        seed(
            0x17,
            &[
                msgpack(Packet::connect("/", None)),
                msgpack(Packet::event(
                    "/",
                    "chat",
                    [Value::from("hi"), bin.clone()],
                    Some(3),
                )),
                msgpack(Packet::ack("/a", vec![bin], 3)),
                msgpack(Packet::connect_error("/a", "no", None)),
                Record::Msgpack(value),
                // A notepack date (ext -1, 8 bytes).
                Record::Msgpack(vec![0xd7, 0xff, 0, 0, 0, 0, 0x5f, 0x5e, 0x10, 0x00]),
            ],
        ),
    ));
    out
}

#[test]
#[ignore = "writes the seeds into fuzz/corpus"]
fn write_seed_corpus() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, name, data) in seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    }
}

#[test]
fn seeds_pass_their_targets() {
    for (target, name, data) in seeds() {
        let (_, run) = sockeye_fuzz::TARGETS
            .iter()
            .find(|(t, _)| *t == target)
            .unwrap();
        println!("{target}/{name}");
        run(&data);
    }
}
