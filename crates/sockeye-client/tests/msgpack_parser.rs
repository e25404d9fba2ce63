//! `Options::parser(Parser::Msgpack)` against the Node reference server configured with
//! `socket.io-msgpack-parser`, and against sockeye with `Parser::Msgpack`: events, acks both
//! ways, binary, namespaces and a refused namespace, over each transport set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use sockeye_client::{Ack, DisconnectReason, Manager, Options, Parser, Socket, Transport};
use support::{Kind, Server, next};
use tokio::sync::mpsc;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Upload {
    name: String,
    body: Bytes,
    parts: Vec<Bytes>,
}

fn watch(socket: &Socket) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    let t = tx.clone();
    socket.on_connect(move |_s: Socket| {
        let t = t.clone();
        async move {
            let _ = t.send("connect".to_owned());
        }
    });
    let t = tx.clone();
    socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
        let t = t.clone();
        async move {
            let _ = t.send(format!("disconnect: {reason}"));
        }
    });
    socket.on_connect_error(move |_s: Socket, err| {
        let t = tx.clone();
        async move {
            let _ = t.send(format!("connect_error: {} {:?}", err.message, err.data));
        }
    });
    socket.connect();
    rx
}

async fn scenario(kind: Kind) {
    let server = Server::start_with(kind, 0, Parser::Msgpack).await;
    for setup in [
        || Options::default().upgrade(false),
        || Options::default().transports([Transport::WebSocket]),
        Options::default,
    ] {
        let options = || setup().parser(Parser::Msgpack);
        let manager = Manager::new(&server.url(), options()).unwrap();
        let socket = manager.socket("/");
        let mut events = watch(&socket);
        assert_eq!(next(&mut events).await, "connect");

        // An ack with mixed values (integers, floats, unicode, null, nesting).
        let sent =
            json!({"i": -7, "f": 0.5, "big": 4_294_967_296u64, "s": "é😀", "n": null, "a": [[]]});
        let back: (Json, u32) = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack("echo", &(&sent, 3))
            .await
            .unwrap();
        assert_eq!(back, (sent, 3));

        // Binary, inline in the msgpack packet, both ways.
        let upload = Upload {
            name: "a.bin".into(),
            body: Bytes::from_static(&[0, 1, 255]),
            parts: vec![Bytes::new(), Bytes::from(vec![7; 300])],
        };
        let (echoed,): (Upload,) = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack("echo", &(&upload,))
            .await
            .unwrap();
        assert_eq!(echoed, upload);

        // The server asks, the client answers through an ack.
        socket.on("question", |_s: Socket, q: String, ack: Ack| async move {
            ack.send(&format!("re: {q}"));
        });
        let answer: Json = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack("ask", &"why")
            .await
            .unwrap();
        assert_eq!(answer, json!({"answer": "re: why"}));

        // A plain emit, answered by an emit.
        let (tx, mut rx) = mpsc::unbounded_channel();
        socket.on("echo", move |_s: Socket, got: (String, Bytes)| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(got);
            }
        });
        socket
            .emit("echo", &("plain", Bytes::from_static(b"\x01")))
            .unwrap();
        assert_eq!(
            next(&mut rx).await,
            ("plain".to_owned(), Bytes::from_static(b"\x01"))
        );

        // A second namespace on the same connection, and one that refuses.
        let admin = manager.socket("/admin");
        let mut admin_events = watch(&admin);
        assert_eq!(next(&mut admin_events).await, "connect");
        let n: u8 = admin
            .timeout(Duration::from_secs(5))
            .emit_with_ack("echo", &1)
            .await
            .unwrap();
        assert_eq!(n, 1);
        let other = Manager::new(&server.url(), options().auth(&json!({"token": "bad"}))).unwrap();
        let mut refused_events = watch(&other.socket("/admin"));
        let got = next(&mut refused_events).await;
        assert!(got.starts_with("connect_error: not authorized"), "{got}");
        assert!(got.contains("code"), "{got}");

        socket.disconnect();
        assert_eq!(next(&mut events).await, "disconnect: io client disconnect");
    }
    server.stop().await;
}

#[tokio::test]
async fn msgpack_against_node() {
    scenario(Kind::Node).await;
}

#[tokio::test]
async fn msgpack_against_sockeye() {
    scenario(Kind::Sockeye).await;
}
