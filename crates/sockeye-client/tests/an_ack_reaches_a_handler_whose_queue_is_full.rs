//! A handler awaiting an acknowledgement gets it while the socket's queue is full of the
//! events that came after its own: ACK packets are answered as they are read, never queued
//! behind the handler that waits for them. Events beyond the queue pause reading and all
//! arrive, in order, once the handler returns.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use sockeye::{Ack, SocketIo};
use sockeye_client::{Manager, Options, Socket};
use support::{bind, next};
use tokio::sync::mpsc;

/// The events that fill the client's queue: the server sends them before the answer.
const QUEUE: u32 = 3;

/// The client's queue, in bytes: room for `QUEUE` events `e` (8 bytes each, `2["e",1]`),
/// not one more.
const QUEUE_BYTES: usize = 30;

/// On connection sends `first`; answers `ask` after sending `QUEUE` events `e`, then two more.
async fn server() -> String {
    let io = SocketIo::default();
    io.on_connection(|socket: sockeye::Socket| async move {
        socket.on("ask", |socket: sockeye::Socket, ack: Ack| async move {
            for i in 1..=QUEUE {
                socket.emit("e", &i).unwrap();
            }
            ack.send(&"answer");
            for i in QUEUE + 1..=QUEUE + 2 {
                socket.emit("e", &i).unwrap();
            }
        });
        socket.emit("first", &()).unwrap();
    });
    let listener = bind(0).await;
    let url = format!("http://{}", listener.local_addr().unwrap());
    let service = io.service();
    tokio::spawn(async move {
        let _ = sockeye::engine::serve(listener, service).await;
    });
    url
}

#[tokio::test]
async fn the_answer_passes_the_events_queued_behind_its_handler() {
    let url = server().await;
    let options = Options::default().max_queued_bytes(QUEUE_BYTES);
    let manager = Manager::new(&url, options).unwrap();
    let socket = manager.socket("/");
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<String>();
    let tx = seen_tx.clone();
    socket.on("first", move |socket: Socket| {
        let tx = tx.clone();
        async move {
            // The server sends the events only once it has this request: by then this
            // handler has left the queue, which the events then fill.
            let answer = socket.emit_with_ack::<_, String>("ask", &()).await;
            let _ = tx.send(format!("{answer:?}"));
        }
    });
    socket.on("e", move |_: Socket, i: u32| {
        let tx = seen_tx.clone();
        async move {
            let _ = tx.send(format!("e{i}"));
        }
    });
    socket.connect();

    assert_eq!(next(&mut seen).await, r#"Ok("answer")"#);
    for i in 1..=QUEUE + 2 {
        assert_eq!(next(&mut seen).await, format!("e{i}"));
    }
    socket.disconnect();
}
