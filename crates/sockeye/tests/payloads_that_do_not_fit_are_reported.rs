//! A payload that does not fit a handler's types reaches the `on_args_error` hook (event name,
//! argument index, serde's message, the unanswered ack), or is logged once per event name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use sio_support::{Raw, serve};
use sockeye::{Ack, ArgsError, Socket, SocketIo};
use tokio::sync::mpsc;

type Seen = (String, usize, String);

fn record(tx: &mpsc::UnboundedSender<Seen>, err: &ArgsError) {
    let _ = tx.send((err.event.clone(), err.index, err.message.clone()));
}

/// A server whose "rename" takes a string and an ack, "pair" a string and a number, and
/// "ok" answers its ack; `setup` adds hooks.
fn server(setup: impl Fn(&Socket) + Send + Sync + 'static) -> SocketIo {
    let io = SocketIo::default();
    let setup = Arc::new(setup);
    io.on_connection(move |socket: Socket| {
        let setup = setup.clone();
        async move {
            setup(&socket);
            socket.on("rename", |_: Socket, name: String, ack: Ack| async move {
                ack.send(&name);
            });
            socket.on("pair", |_: Socket, _: (String, u32), ack: Ack| async move {
                ack.send(&"paired");
            });
            socket.on("ok", |_: Socket, ack: Ack| async move {
                ack.send(&"ok");
            });
        }
    });
    io
}

#[tokio::test]
async fn the_socket_hook_gets_the_event_the_index_and_the_message_and_may_answer() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let io = server(move |socket| {
        let tx = tx.clone();
        socket.on_args_error(move |_: &Socket, err: &ArgsError, ack: Ack| {
            record(&tx, err);
            ack.send(&serde_json::json!({ "error": err.message }));
        });
    });
    let (mut raw, _) = Raw::join(serve(&io).await).await;

    raw.send(r#"21["rename",{"not":"a string"}]"#).await;
    let (event, index, message) = rx.recv().await.unwrap();
    assert_eq!((event.as_str(), index), ("rename", 0));
    assert!(message.contains("expected a string"), "{message}");
    let answer = raw.recv().await.unwrap();
    assert!(
        answer.starts_with(r#"31[{"error":"invalid type: map"#),
        "{answer}"
    );

    // A missing argument of a tuple: its index, and no answer from the handler.
    raw.send(r#"22["pair","a"]"#).await;
    let (event, index, message) = rx.recv().await.unwrap();
    assert_eq!((event.as_str(), index), ("pair", 1));
    assert!(message.starts_with("missing argument"), "{message}");
    assert!(raw.recv().await.unwrap().starts_with("32["));

    // A wrong type in a later position.
    raw.send(r#"23["pair","a","b"]"#).await;
    let (_, index, message) = rx.recv().await.unwrap();
    assert_eq!(index, 1);
    assert!(message.contains("expected u32"), "{message}");
    raw.recv().await.unwrap();

    // What fits still runs, extra arguments ignored as in JavaScript.
    raw.send(r#"24["pair","a",1,"extra"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"34["paired"]"#);
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn the_namespace_hook_serves_sockets_without_their_own() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let io = server(|_| {});
    io.of("/")
        .on_args_error(move |_: &Socket, err: &ArgsError, _ack: Ack| {
            record(&tx, err);
        });
    let (mut raw, _) = Raw::join(serve(&io).await).await;
    raw.send(r#"2["rename",42]"#).await;
    let (event, index, _) = rx.recv().await.unwrap();
    assert_eq!((event.as_str(), index), ("rename", 0));
}

#[tokio::test]
async fn the_socket_hook_takes_precedence_over_the_namespace_hook() {
    let (tx, mut rx) = mpsc::unbounded_channel::<&'static str>();
    let socket_tx = tx.clone();
    let io = server(move |socket| {
        let tx = socket_tx.clone();
        socket.on_args_error(move |_: &Socket, _: &ArgsError, _: Ack| {
            let _ = tx.send("socket");
        });
    });
    io.of("/")
        .on_args_error(move |_: &Socket, _: &ArgsError, _: Ack| {
            let _ = tx.send("namespace");
        });
    let (mut raw, _) = Raw::join(serve(&io).await).await;
    raw.send(r#"2["rename",42]"#).await;
    assert_eq!(rx.recv().await, Some("socket"));
}

/// Collects what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// A current-thread runtime: the server's tasks run on this thread, under its subscriber.
#[tokio::test(flavor = "current_thread")]
async fn without_a_hook_each_event_name_is_logged_once_and_the_ack_is_not_answered() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let io = server(|_| {});
    let (mut raw, _) = Raw::join(serve(&io).await).await;
    raw.send(r#"21["rename",{"not":"a string"}]"#).await;
    raw.send(r#"22["rename",[]]"#).await;
    raw.send(r#"23["pair",1]"#).await;
    // Events are handled in order: the first answer is the last event's, so the failed
    // ones were not answered.
    raw.send(r#"24["ok"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), r#"34["ok"]"#);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("do not fit")).collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains("WARN"), "{log}");
    assert!(lines[0].contains("event=rename"), "{log}");
    assert!(lines[0].contains("index=0"), "{log}");
    assert!(lines[0].contains("expected a string"), "{log}");
    assert!(lines[1].contains("event=pair"), "{log}");
}
