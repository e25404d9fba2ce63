//! A client that does not read fills its bounded outbox: volatile packets are dropped first,
//! then the next packet disconnects it (reason `forced close`), and the server counts it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::net::SocketAddr;

use sio_support::{Raw, eventually, serve};
use sockeye::{DisconnectReason, EmitError, Socket, SocketIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 request on its own connection; returns the body.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_client_that_does_not_poll_is_disconnected_when_its_outbox_fills() {
    let io = SocketIo::builder()
        .with_config(|c| {
            c.engine.update(|e| e.outbox_capacity(4));
        })
        .build();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Socket>();
    let (reason_tx, mut reason_rx) = tokio::sync::mpsc::unbounded_channel();
    io.on_connection(move |socket: Socket| {
        let (tx, reason_tx) = (tx.clone(), reason_tx.clone());
        async move {
            socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
                let reason_tx = reason_tx.clone();
                async move {
                    let _ = reason_tx.send(reason);
                }
            });
            let _ = tx.send(socket);
        }
    });
    let addr = serve(&io).await;

    let open = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
    let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let sid = v["sid"].as_str().unwrap().to_owned();
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &path, "40").await, "ok");
    let socket = rx.recv().await.unwrap();

    // No GET is waiting: volatile packets are dropped, not queued.
    for _ in 0..10 {
        socket.volatile().emit("tick", &()).unwrap();
    }
    assert_eq!(io.metrics().volatile_dropped, 10);

    // The CONNECT answer holds one slot of four; three events fit, the next does not.
    let mut results = Vec::new();
    for n in 0..5 {
        results.push(socket.emit("n", &n));
    }
    assert!(results[..3].iter().all(Result::is_ok), "{results:?}");
    assert_eq!(results[3], Err(EmitError::OutboxFull));
    assert_eq!(reason_rx.recv().await, Some(DisconnectReason::ForcedClose));
    assert_eq!(io.metrics().slow_consumers, 1);
    eventually(|| io.sockets().socket_count() == 0).await;
}

#[tokio::test]
async fn a_websocket_client_that_stops_reading_large_messages_is_cut_at_the_byte_bound_and_released()
 {
    const BOUND: usize = 1 << 20;
    const MESSAGE: usize = 64 * 1024;
    let io = SocketIo::builder()
        .with_config(|c| c.engine = c.engine.clone().outbox_bytes(BOUND))
        .build();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Socket>();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(socket);
        }
    });
    let addr = serve(&io).await;
    // Joins, then reads nothing more: the server's writes back up once the kernel's
    // buffers are full.
    let (mut client, _) = Raw::join(addr).await;
    let socket = rx.recv().await.unwrap();

    let big = "x".repeat(MESSAGE);
    let mut sent = 0;
    let refused = loop {
        // Never more than the bound (and one message) held, whatever the message count.
        assert!(io.engine().outbox_bytes() <= BOUND + MESSAGE + 64);
        match socket.emit("big", &big) {
            Ok(()) => sent += 1,
            Err(e) => break e,
        }
        // Lets the driver write what the kernel takes.
        tokio::task::yield_now().await;
        assert!(sent < 1000, "the byte bound never stopped the emits");
    };
    assert_eq!(refused, EmitError::OutboxFull);
    assert_eq!(io.metrics().slow_consumers, 1);
    // Released at once: the queue and the write the client was not reading, and its
    // connection, which the client sees end after the messages the kernel had taken.
    eventually(|| io.engine().outbox_bytes() == 0).await;
    eventually(|| io.engine().session_count() == 0).await;
    let received = client.until_closed().await;
    assert!(received.len() < sent, "{} of {sent}", received.len());
}
