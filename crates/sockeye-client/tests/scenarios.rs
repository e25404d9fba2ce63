//! The client against the Node reference server and against sockeye: the same scenarios,
//! one test per scenario and server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use sockeye_client::{Ack, AckError, DisconnectReason, Manager, Options, Socket, Transport};
use support::{Kind, Server, next, nothing_for};
use tokio::sync::mpsc;

/// Registers a connect and a disconnect listener and connects.
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

async fn whoami(socket: &Socket) -> Json {
    socket
        .timeout(Duration::from_secs(5))
        .emit_with_ack("whoami", &())
        .await
        .unwrap()
}

fn fast() -> Options {
    Options::default()
        .reconnection_delay(Duration::from_millis(100))
        .reconnection_delay_max(Duration::from_millis(300))
}

async fn transports(kind: Kind) {
    let server = Server::start(kind).await;
    for (options, expect) in [
        (fast().upgrade(false), "polling"),
        (fast().transports([Transport::WebSocket]), "websocket"),
        (fast(), "websocket"),
    ] {
        let manager = Manager::new(&server.url(), options).unwrap();
        let socket = manager.socket("/");
        let mut events = watch(&socket);
        assert_eq!(next(&mut events).await, "connect");
        let back: (String, u32) = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack("echo", &("hi", 7))
            .await
            .unwrap();
        assert_eq!(back, ("hi".to_owned(), 7));
        // The upgrade completes in the background: wait for it to be seen by the server.
        let mut seen = String::new();
        for _ in 0..100 {
            seen = whoami(&socket).await["transport"]
                .as_str()
                .unwrap()
                .to_owned();
            if seen == expect {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(seen, expect);
        let back: String = socket
            .timeout(Duration::from_secs(5))
            .emit_with_ack("echo", "after")
            .await
            .unwrap();
        assert_eq!(back, "after");
        socket.disconnect();
        assert_eq!(next(&mut events).await, "disconnect: io client disconnect");
    }
    server.stop().await;
}

async fn two_namespaces_share_one_session(kind: Kind) {
    let server = Server::start(kind).await;
    let manager = Manager::new(&server.url(), fast()).unwrap();
    let main = manager.socket("/");
    let admin = manager.socket("/admin");
    let mut a = watch(&main);
    let mut b = watch(&admin);
    assert_eq!(next(&mut a).await, "connect");
    assert_eq!(next(&mut b).await, "connect");
    let (x, y) = (whoami(&main).await, whoami(&admin).await);
    assert_eq!(x["engine"], y["engine"]);
    assert_eq!(x["engine"].as_str(), manager.engine_id().as_deref());
    assert_ne!(main.id(), admin.id());
    // Leaving one namespace keeps the other's connection.
    admin.disconnect();
    assert_eq!(next(&mut b).await, "disconnect: io client disconnect");
    assert_eq!(whoami(&main).await["engine"], x["engine"]);
    server.stop().await;
}

async fn acks_both_ways(kind: Kind) {
    let server = Server::start(kind).await;
    let socket = sockeye_client::io_with(&server.url(), fast()).unwrap();
    socket.on("question", |_s: Socket, n: u32, ack: Ack| async move {
        assert!(ack.requested());
        ack.send(&(n * 2));
    });
    let mut events = watch(&socket);
    assert_eq!(next(&mut events).await, "connect");
    let answer: Json = socket
        .timeout(Duration::from_secs(5))
        .emit_with_ack("ask", &21)
        .await
        .unwrap();
    assert_eq!(answer, json!({ "answer": 42 }));
    let late: Result<Json, _> = socket
        .timeout(Duration::from_millis(200))
        .emit_with_ack("ignore", &())
        .await;
    assert_eq!(late, Err(AckError::Timeout));
    server.stop().await;
}

async fn ack_timeout_and_retries(kind: Kind) {
    let server = Server::start(kind).await;
    let options = fast().ack_timeout(Duration::from_millis(300)).retries(2);
    let socket = sockeye_client::io_with(&server.url(), options).unwrap();
    let mut events = watch(&socket);
    assert_eq!(next(&mut events).await, "connect");
    // The first try is not acknowledged; the second is.
    let n: u32 = socket.emit_with_ack("flaky", &()).await.unwrap();
    assert_eq!(n, 2);
    // Never acknowledged: three tries, then the timeout.
    let started = tokio::time::Instant::now();
    let r: Result<Json, _> = socket.emit_with_ack("ignore", &()).await;
    assert_eq!(r, Err(AckError::Timeout));
    assert!(started.elapsed() >= Duration::from_millis(900));
    server.stop().await;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Files {
    name: String,
    parts: Vec<Bytes>,
    nested: Nested,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Nested {
    thumb: Bytes,
    meta: Option<Bytes>,
}

async fn binary_both_ways(kind: Kind) {
    let server = Server::start(kind).await;
    let socket = sockeye_client::io_with(&server.url(), fast()).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    socket.on("echo", move |_s: Socket, (files, extra): (Files, Bytes)| {
        let tx = tx.clone();
        async move {
            let _ = tx.send((files, extra));
        }
    });
    let mut events = watch(&socket);
    assert_eq!(next(&mut events).await, "connect");
    let files = Files {
        name: "x".into(),
        parts: vec![Bytes::from_static(&[1, 2, 3]), Bytes::from_static(&[])],
        nested: Nested {
            thumb: Bytes::from(vec![0xff; 1000]),
            meta: Some(Bytes::from_static(b"meta")),
        },
    };
    let extra = Bytes::from_static(&[9; 17]);
    let back: (Files, Bytes) = socket
        .timeout(Duration::from_secs(5))
        .emit_with_ack("echo", &(files.clone(), extra.clone()))
        .await
        .unwrap();
    assert_eq!(back, (files.clone(), extra.clone()));
    // Without an ack the server emits it back: binary from server to client.
    socket
        .emit("echo", &(files.clone(), extra.clone()))
        .unwrap();
    assert_eq!(next(&mut rx).await, (files, extra));
    server.stop().await;
}

async fn middleware_rejection_with_data(kind: Kind) {
    let server = Server::start(kind).await;
    let socket =
        sockeye_client::io_with(&server.url(), fast().auth(&json!({ "token": "bad" }))).unwrap();
    let mut events = watch(&socket);
    let event = next(&mut events).await;
    assert!(
        event.starts_with("connect_error: not authorized"),
        "{event}"
    );
    assert!(event.contains("code"), "{event}");
    assert!(!socket.connected());
    // An auth callback is asked again on each connection.
    let socket = sockeye_client::io_with(
        &server.url(),
        fast().auth_with(|| async { sockeye_client::Value::from(json!({ "token": "good" })) }),
    )
    .unwrap();
    let mut events = watch(&socket);
    assert_eq!(next(&mut events).await, "connect");
    assert_eq!(whoami(&socket).await["auth"], json!({ "token": "good" }));
    server.stop().await;
}

async fn restart_reconnects_and_delivers_buffered_emits_once(kind: Kind) {
    let server = Server::start(kind).await;
    let port = server.port();
    let manager = Manager::new(&server.url(), fast()).unwrap();
    let (rtx, mut reconnects) = mpsc::unbounded_channel();
    let t = rtx.clone();
    manager.on_reconnect_attempt(move |n| {
        let _ = t.send(format!("attempt {n}"));
    });
    manager.on_reconnect(move |n| {
        let _ = rtx.send(format!("reconnect {n}"));
    });
    let socket = manager.socket("/");
    let (tx, mut echoes) = mpsc::unbounded_channel();
    socket.on("echo", move |_s: Socket, text: String| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(text);
        }
    });
    let mut events = watch(&socket);
    assert_eq!(next(&mut events).await, "connect");
    let first_id = socket.id();
    server.stop().await;
    let event = next(&mut events).await;
    assert!(event.starts_with("disconnect: transport"), "{event}");
    socket.emit("echo", "buffered").unwrap();
    socket.volatile().emit("echo", "volatile").unwrap();
    assert_eq!(next(&mut reconnects).await, "attempt 1");
    let server = Server::start_on(kind, port).await;
    // Attempts go on until the server is back.
    loop {
        let e = next(&mut reconnects).await;
        if e.starts_with("reconnect") {
            break;
        }
    }
    // Each failed attempt was a connect_error, as in the reference.
    loop {
        let e = next(&mut events).await;
        if e == "connect" {
            break;
        }
        assert!(e.starts_with("connect_error"), "{e}");
    }
    assert_ne!(socket.id(), first_id);
    assert_eq!(next(&mut echoes).await, "buffered");
    nothing_for(&mut echoes, Duration::from_millis(300)).await;
    server.stop().await;
}

async fn server_disconnect_and_client_disconnect_do_not_reconnect(kind: Kind) {
    let server = Server::start(kind).await;
    for by_server in [true, false] {
        let manager = Manager::new(&server.url(), fast()).unwrap();
        let (tx, mut attempts) = mpsc::unbounded_channel();
        manager.on_reconnect_attempt(move |n| {
            let _ = tx.send(n);
        });
        let socket = manager.socket("/");
        let mut events = watch(&socket);
        assert_eq!(next(&mut events).await, "connect");
        if by_server {
            socket.emit("kick", &()).unwrap();
            assert_eq!(next(&mut events).await, "disconnect: io server disconnect");
        } else {
            socket.disconnect();
            assert_eq!(next(&mut events).await, "disconnect: io client disconnect");
        }
        nothing_for(&mut attempts, Duration::from_millis(600)).await;
        nothing_for(&mut events, Duration::from_millis(1)).await;
        assert!(!socket.connected());
        assert_eq!(manager.engine_id(), None);
    }
    server.stop().await;
}

macro_rules! against_both {
    ($($name:ident),* $(,)?) => {
        mod node {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                support::trace();
                super::$name(super::Kind::Node).await;
            })*
            use super::support;
        }
        mod sockeye {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                support::trace();
                super::$name(super::Kind::Sockeye).await;
            })*
            use super::support;
        }
    };
}

against_both!(
    transports,
    two_namespaces_share_one_session,
    acks_both_ways,
    ack_timeout_and_retries,
    binary_both_ways,
    middleware_rejection_with_data,
    restart_reconnects_and_delivers_buffered_emits_once,
    server_disconnect_and_client_disconnect_do_not_reconnect,
);
