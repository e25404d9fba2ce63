//! A server with the msgpack parser: packets are binary msgpack frames both ways, and whatever
//! the msgpack decoder refuses closes the connection (reason `forced close`), as a malformed
//! JSON packet does with the default parser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sio_support::{Raw, eventually, serve};
use socketio_proto::{Packet, encode_msgpack};
use sockeye::{DisconnectReason, Parser, Socket, SocketIo, Value};

async fn server() -> (
    SocketIo,
    std::net::SocketAddr,
    Arc<Mutex<Vec<DisconnectReason>>>,
) {
    let io = SocketIo::builder()
        .with_config(|config| config.parser = Parser::Msgpack)
        .build();
    let reasons = Arc::new(Mutex::new(Vec::new()));
    let r = reasons.clone();
    io.on_connection(move |socket: Socket| {
        let r = r.clone();
        async move {
            socket.on("ping", |socket: Socket, data: Bytes| async move {
                let _ = socket.emit("pong", &data);
            });
            socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
                let r = r.clone();
                async move { r.lock().unwrap().push(reason) }
            });
        }
    });
    let addr = serve(&io).await;
    (io, addr, reasons)
}

async fn join(addr: std::net::SocketAddr) -> Raw {
    let mut raw = Raw::connect(addr).await;
    raw.send_binary(&encode_msgpack(&Packet::connect("/", None)))
        .await;
    let reply = raw.recv().await.unwrap();
    assert!(reply.starts_with("<binary"), "{reply}");
    raw
}

#[tokio::test]
async fn events_travel_as_msgpack_frames() {
    let (_io, addr, _) = server().await;
    let mut raw = join(addr).await;
    let ping = Packet::event(
        "/",
        "ping",
        [Value::Binary(Bytes::from_static(&[1; 40]))],
        None,
    );
    raw.send_binary(&encode_msgpack(&ping)).await;
    let pong = Packet::event(
        "/",
        "pong",
        [Value::Binary(Bytes::from_static(&[1; 40]))],
        None,
    );
    let expected = format!("<binary {}>", encode_msgpack(&pong).len());
    assert_eq!(raw.recv().await, Some(expected));
}

#[tokio::test]
async fn refused_frames_close_the_connection() {
    let mut deep = Value::Null;
    for _ in 0..200 {
        deep = Value::Array(vec![deep]);
    }
    let many: Vec<Value> = (0..11).map(|_| Value::Binary(Bytes::new())).collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("garbage", vec![0xc1]),
        (
            "truncated",
            encode_msgpack(&Packet::event("/", "e", [], None))[..9].to_vec(),
        ),
        ("not a packet", vec![0x92, 0x02, 0xa1, b'/']),
        (
            "too deep",
            encode_msgpack(&Packet::event("/", "e", [deep], None)).to_vec(),
        ),
        (
            "too many binaries",
            encode_msgpack(&Packet::event("/", "e", many, None)).to_vec(),
        ),
        (
            "reserved name",
            encode_msgpack(&Packet::event("/", "connect", [], None)).to_vec(),
        ),
    ];
    for (name, frame) in cases {
        let (io, addr, reasons) = server().await;
        let mut raw = join(addr).await;
        raw.send_binary(&frame).await;
        raw.until_closed().await;
        eventually(|| io.sockets().socket_count() == 0).await;
        eventually(|| !reasons.lock().unwrap().is_empty()).await;
        assert_eq!(
            *reasons.lock().unwrap(),
            vec![DisconnectReason::ForcedClose],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_text_packet_closes_the_connection() {
    let (io, addr, reasons) = server().await;
    let mut raw = join(addr).await;
    raw.send(r#"2["ping"]"#).await;
    raw.until_closed().await;
    eventually(|| io.sockets().socket_count() == 0).await;
    eventually(|| !reasons.lock().unwrap().is_empty()).await;
    assert_eq!(
        *reasons.lock().unwrap(),
        vec![DisconnectReason::ForcedClose]
    );
}
