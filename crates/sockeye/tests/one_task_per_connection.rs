//! A connection runs in one task, its sockets and their handlers included, and keeps what
//! separate tasks gave: handlers of a socket run in arrival order, a handler awaiting its
//! client's acknowledgement is answered while later events wait, a slow handler pauses only
//! its own connection's reading, and a panicking handler costs only its socket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use sio_support::{Raw, eventually, serve};
use sockeye::{Socket, SocketIo, Value};
use tokio::sync::{Semaphore, mpsc};

fn echo(socket: &Socket) {
    socket.on("echo", |socket: Socket, value: Value| async move {
        let _ = socket.emit("echo", &value);
    });
}

#[tokio::test]
async fn a_connection_is_one_task_whatever_its_namespaces() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move { echo(&socket) });
    io.of("/chat")
        .on_connection(|socket: Socket| async move { echo(&socket) });
    let addr = serve(&io).await;
    let tasks = tokio::runtime::Handle::current().metrics();
    let idle = tasks.num_alive_tasks();
    let mut clients = Vec::new();
    for _ in 0..5 {
        let (mut raw, _) = Raw::join(addr).await;
        raw.send("0/chat,").await;
        assert!(raw.recv().await.unwrap().starts_with("0/chat,{"));
        raw.send(r#"2["echo",1]"#).await;
        assert_eq!(raw.recv().await.unwrap(), r#"2["echo",1]"#);
        raw.send(r#"2/chat,["echo",null]"#).await;
        assert_eq!(raw.recv().await.unwrap(), r#"2/chat,["echo",null]"#);
        clients.push(raw);
    }
    assert_eq!(io.sockets().socket_count(), 5);
    eventually(|| tasks.num_alive_tasks() == idle + 5).await;
    drop(clients);
    eventually(|| tasks.num_alive_tasks() == idle).await;
    assert_eq!(io.connection_count(), 0);
}

#[tokio::test]
async fn a_handler_awaiting_its_clients_ack_is_answered_while_later_events_wait() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on("ask", |socket: Socket| async move {
            let answer = socket.emit_with_ack::<_, Value>("question", &()).await;
            let _ = socket.emit("answered", &answer.ok());
        });
        socket.on("later", |socket: Socket| async move {
            let _ = socket.emit("later", &());
        });
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(r#"2["ask"]"#).await;
    raw.send(r#"2["later"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"20["question"]"#);
    raw.send("30[42]").await;
    assert_eq!(raw.recv().await.unwrap(), r#"2["answered",42]"#);
    assert_eq!(raw.recv().await.unwrap(), r#"2["later"]"#);
}

#[tokio::test]
async fn a_slow_handler_pauses_only_its_own_connections_reading() {
    const EVENTS: u32 = 300;
    let io = SocketIo::builder()
        .with_config(|c| c.socket_queue = 2)
        .build();
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<u32>();
    io.on_connection(move |socket: Socket| {
        let seen_tx = seen_tx.clone();
        async move {
            echo(&socket);
            socket.on("block", |_: Socket| async move {
                let _ = GATE.acquire().await;
            });
            socket.on("n", move |_: Socket, n: u32| {
                let seen_tx = seen_tx.clone();
                async move {
                    let _ = seen_tx.send(n);
                }
            });
        }
    });
    let addr = serve(&io).await;
    let _slow = {
        let (mut slow, _) = Raw::join(addr).await;
        slow.send(r#"2["block"]"#).await;
        for n in 0..EVENTS {
            slow.send(&format!(r#"2["n",{n}]"#)).await;
        }
        // Another client is served meanwhile.
        let (mut other, _) = Raw::join(addr).await;
        for i in 0..10 {
            other.send(&format!(r#"2["echo",{i}]"#)).await;
            assert_eq!(other.recv().await.unwrap(), format!(r#"2["echo",{i}]"#));
        }
        // The slow connection's packets wait in the transport, not in the server: its
        // socket's queue (2) and the engine's (64) bound what was read.
        let read = io.metrics().packets_in;
        assert!(
            read < 100,
            "{read} packets read while the handler was blocked"
        );
        assert!(seen.try_recv().is_err());
        slow
    };
    // Released: every event is handled, in order.
    GATE.add_permits(1);
    for n in 0..EVENTS {
        assert_eq!(seen.recv().await, Some(n));
    }
}

/// What the `block` handler waits for.
static GATE: Semaphore = Semaphore::const_new(0);

#[tokio::test]
async fn a_panicking_handler_costs_only_its_socket() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on("boom", |_: Socket| async move {
            panic!("a handler's bug");
        });
    });
    io.of("/chat")
        .on_connection(|socket: Socket| async move { echo(&socket) });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send("0/chat,").await;
    assert!(raw.recv().await.unwrap().starts_with("0/chat,{"));
    raw.send(r#"2["boom"]"#).await;
    // The main namespace's socket is disconnected, as by `socket.disconnect()`.
    assert_eq!(raw.recv().await.unwrap(), "1");
    eventually(|| io.sockets().socket_count() == 0).await;
    // The connection and its other socket go on, and so does the server.
    raw.send(r#"2/chat,["echo","still here"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"2/chat,["echo","still here"]"#);
    let (mut other, _) = Raw::join(addr).await;
    other.send("0/chat,").await;
    assert!(other.recv().await.unwrap().starts_with("0/chat,{"));
}
