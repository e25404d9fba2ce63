//! Connecting to namespaces: middleware runs once per namespace connection and can refuse
//! with data; unknown namespaces are refused; a connection that joins nothing is closed after
//! `connect_timeout`; the server's close disconnects everyone with `server shutting down`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use sio_support::{Raw, eventually, serve};
use sockeye::{ConnectError, DisconnectReason, Socket, SocketIo};

#[tokio::test]
async fn middleware_runs_once_even_when_connect_is_sent_twice() {
    let io = SocketIo::default();
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let io2 = io.clone();
    io.of("/admin").middleware(move |_socket: Socket| {
        let (r, io) = (r.clone(), io2.clone());
        async move {
            r.fetch_add(1, Ordering::SeqCst);
            // Still running when the second CONNECT arrives, however slow the machine: the
            // server has decoded both packets (then a little more, for it to route the second).
            while io.metrics().packets_in < 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(())
        }
    });
    let addr = serve(&io).await;
    let mut raw = Raw::connect(addr).await;
    raw.send("0/admin,").await;
    raw.send("0/admin,").await;
    let reply = raw.recv().await.unwrap();
    assert!(reply.starts_with("0/admin,{\"sid\":"), "{reply}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(io.of("/admin").socket_count(), 1);
}

#[tokio::test]
async fn middleware_refuses_with_message_and_data() {
    let io = SocketIo::default();
    io.middleware(|socket: Socket| async move {
        match socket
            .handshake()
            .auth
            .get("token")
            .and_then(|t| t.as_str())
        {
            Some("ok") => Ok(()),
            _ => Err(ConnectError::new("not authorized").with_data(&json!({ "code": 7 }))),
        }
    });
    let addr = serve(&io).await;
    let mut raw = Raw::connect(addr).await;
    raw.send(r#"0{"token":"bad"}"#).await;
    assert_eq!(
        raw.recv().await.as_deref(),
        Some(r#"4{"message":"not authorized","data":{"code":7}}"#)
    );
    raw.send(r#"0{"token":"ok"}"#).await;
    assert!(raw.recv().await.unwrap().starts_with("0{\"sid\":"));
}

#[tokio::test]
async fn an_unknown_namespace_is_refused() {
    let io = SocketIo::default();
    let addr = serve(&io).await;
    let mut raw = Raw::connect(addr).await;
    raw.send("0/nowhere,").await;
    assert_eq!(
        raw.recv().await.as_deref(),
        Some(r#"4/nowhere,{"message":"Invalid namespace"}"#)
    );
}

#[tokio::test]
async fn a_connection_that_joins_no_namespace_is_closed_after_connect_timeout() {
    let io = SocketIo::builder()
        .with_config(|c| c.connect_timeout = Duration::from_millis(100))
        .build();
    let addr = serve(&io).await;
    let mut raw = Raw::connect(addr).await;
    assert!(raw.until_closed().await.is_empty());
    eventually(|| io.engine().session_count() == 0).await;
}

#[tokio::test]
async fn closing_the_server_disconnects_with_server_shutting_down() {
    let io = SocketIo::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(reason);
                }
            });
        }
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    io.close().await;
    assert_eq!(rx.recv().await, Some(DisconnectReason::ServerShuttingDown));
    raw.until_closed().await;
    assert_eq!(io.sockets().socket_count(), 0);
}

#[tokio::test]
async fn events_of_one_socket_are_handled_in_arrival_order() {
    let io = SocketIo::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            socket.on("n", move |_s: Socket, n: u32| {
                let tx = tx.clone();
                async move {
                    // Earlier events sleep longer: a concurrent dispatch would reorder them.
                    tokio::time::sleep(Duration::from_millis(u64::from(10 - n) * 5)).await;
                    let _ = tx.send(n);
                }
            });
        }
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    for n in 0..10 {
        raw.send(&format!(r#"2["n",{n}]"#)).await;
    }
    let mut seen = Vec::new();
    for _ in 0..10 {
        seen.push(rx.recv().await.unwrap());
    }
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
}
