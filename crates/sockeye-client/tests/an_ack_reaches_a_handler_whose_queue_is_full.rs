//! A handler awaiting an acknowledgement gets it while the socket's queue is full of the
//! events that came after its own: ACK packets are answered as they are read, never queued
//! behind the handler that waits for them. Events beyond the queue pause reading and all
//! arrive, in order, once the handler returns. An answer behind more events than the client
//! holds is not read: the wait ends when the paused connection goes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use sockeye::{Ack, SocketIo};
use sockeye_client::{Manager, Options, Socket, Transport};
use support::scripted::{Conn, open};
use support::{bind, next};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The events that fill the client's queue: the server sends them before the answer.
const QUEUE: u32 = 3;

/// The client's queue, in bytes: room for `QUEUE` events `e` (8 bytes each, `2["e",1]`),
/// not one more.
const QUEUE_BYTES: usize = 30;

/// Registers the handlers: `first` asks the server `ask` and reports the answer; `e` and
/// `disconnect` report themselves.
fn record(socket: &Socket) -> mpsc::UnboundedReceiver<String> {
    let (seen_tx, seen) = mpsc::unbounded_channel::<String>();
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
    let tx = seen_tx.clone();
    socket.on("e", move |_: Socket, i: u32| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(format!("e{i}"));
        }
    });
    socket.on_disconnect(move |_: Socket, reason| {
        let tx = seen_tx.clone();
        async move {
            let _ = tx.send(reason.to_string());
        }
    });
    seen
}

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
    let mut seen = record(&socket);
    socket.connect();

    assert_eq!(next(&mut seen).await, r#"Ok("answer")"#);
    for i in 1..=QUEUE + 2 {
        assert_eq!(next(&mut seen).await, format!("e{i}"));
    }
    socket.disconnect();
}

#[tokio::test]
async fn an_answer_behind_more_than_the_client_holds_fails_when_the_connection_goes() {
    // Far more events than the queue and what the transport hands over before the pause.
    const COUNT: u32 = 500;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let options = Options::default()
        .transports([Transport::WebSocket])
        .reconnection(false)
        .max_queued_bytes(QUEUE_BYTES);
    let socket = sockeye_client::io_with(&url, options).unwrap();
    let mut seen = record(&socket);
    socket.connect();

    // No pings come (the script sends none, and reading pauses anyway): the connection goes
    // after 2 x 200 ms.
    let mut c = Conn::accept_with(&listener, &open(200)).await;
    c.connect_auth().await;
    c.send(r#"40{"sid":"s"}"#).await;
    c.send(r#"42["first"]"#).await;
    let ask = c.next_text().await;
    let id = ask
        .strip_prefix("42")
        .and_then(|rest| rest.strip_suffix(r#"["ask"]"#))
        .expect("the handler's ask, with an ack id");
    for i in 0..COUNT {
        c.send(&format!(r#"42["e",{i}]"#)).await;
    }
    c.send(&format!(r#"43{id}["late"]"#)).await;

    assert_eq!(next(&mut seen).await, "Err(Disconnected)");
    // What was read before the connection went reaches the handlers, in order, then the
    // disconnection; the rest went with the connection (a recovering server replays it).
    let mut read = 0;
    loop {
        let seen = next(&mut seen).await;
        if seen == "ping timeout" {
            break;
        }
        assert_eq!(seen, format!("e{read}"));
        read += 1;
    }
    assert!((1..COUNT).contains(&read), "{read} events read");
    drop(c);
}
