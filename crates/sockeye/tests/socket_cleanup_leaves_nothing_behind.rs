//! A socket that disconnects, and an acknowledgement that times out, leave no room entry, no
//! pending ack and no socket behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::time::Duration;

use sio_support::{Raw, eventually, serve};
use sockeye::{AckError, Socket, SocketIo, Value};

fn rooms_of(io: &SocketIo) -> usize {
    io.sockets().rooms().len()
}

#[tokio::test]
async fn a_disconnected_socket_leaves_no_room_and_no_pending_ack() {
    let io = SocketIo::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Socket>();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            socket.join(["a", "b"]);
            let _ = tx.send(socket);
        }
    });
    let addr = serve(&io).await;
    let tasks = tokio::runtime::Handle::current().metrics();
    let idle_tasks = tasks.num_alive_tasks();
    let (mut raw, _id) = Raw::join(addr).await;
    let socket = rx.recv().await.unwrap();
    assert_eq!(socket.rooms().len(), 3);
    let connected_tasks = tasks.num_alive_tasks();
    // An ack the client never answers, pending when the client leaves.
    let pending = tokio::spawn(socket.emit_with_ack::<_, Value>("question", &1));
    assert!(raw.recv().await.unwrap().starts_with("20[\"question\""));
    assert_eq!(socket.pending_acks(), 1);

    raw.send("1").await; // DISCONNECT from the main namespace
    assert_eq!(pending.await.unwrap(), Err(AckError::Disconnected));
    eventually(|| io.sockets().socket_count() == 0).await;
    assert_eq!(socket.pending_acks(), 0);
    assert!(socket.rooms().is_empty());
    assert_eq!(rooms_of(&io), 0);
    // One task per connection (its sockets run in it), until the transport closes.
    assert_eq!(connected_tasks, idle_tasks + 1);
    assert_eq!(tasks.num_alive_tasks(), connected_tasks);
    drop(raw);
    eventually(|| tasks.num_alive_tasks() == idle_tasks).await;
    assert_eq!(io.connection_count(), 0);
}

#[tokio::test]
async fn a_timed_out_ack_leaves_nothing_behind() {
    sio_support::trace();
    let io = SocketIo::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Socket>();
    io.on_connection(move |socket: Socket| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(socket);
        }
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    let socket = rx.recv().await.unwrap();
    let answer = socket
        .timeout(Duration::from_millis(50))
        .emit_with_ack::<_, Value>("question", &())
        .await;
    assert_eq!(answer, Err(AckError::Timeout));
    assert_eq!(socket.pending_acks(), 0);
    assert_eq!(io.metrics().acks_timed_out, 1);
    // A late answer for the forgotten id is ignored and the connection stays.
    raw.send("30[1]").await;
    let broadcast = io
        .timeout(Duration::from_millis(50))
        .emit_with_ack::<_, Value>("all", &())
        .await;
    assert!(broadcast.is_err());
    assert_eq!(socket.pending_acks(), 0);
    assert_eq!(io.metrics().acks_timed_out, 2);
    assert_eq!(io.metrics().sockets, 1);
    assert!(socket.connected());
}
