//! Connection state recovery against the Node reference server
//! (`interop/lib/recovery-server.js`, `connectionStateRecovery: {}`) and against sockeye's
//! twin of it (`support::start_sockeye_recovery`), with the connection cut under the client
//! by a TCP proxy (`interop/lib/cut-proxy.js`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use std::time::Duration;

use serde_json::{Value as Json, json};
use sockeye_client::{Args, DisconnectReason, Options, Socket, Transport};
use support::cut_proxy::CutProxy;
use support::{next, nothing_for, start_node_script};
use tokio::sync::mpsc;

/// What the client saw, in the order its handlers ran.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Connect { id: String, recovered: bool },
    Disconnect,
    Room(u64),
    Direct(u64),
}

/// Messages the server sends from its `disconnect` handler (`GAP` in the script).
const GAP: u64 = 2;

fn options() -> Options {
    // Websocket only: a cut is then seen by both ends at once. Over long-polling the server
    // notices only when a request is pending, which a test cannot choose.
    Options::default()
        .transports([Transport::WebSocket])
        .reconnection_delay(Duration::from_millis(100))
        .reconnection_delay_max(Duration::from_millis(300))
}

/// A socket through `url` whose handlers report to the returned channel; connected.
fn watched(url: &str) -> (Socket, mpsc::UnboundedReceiver<Seen>) {
    let socket = sockeye_client::io_with(url, options()).unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let t = tx.clone();
    socket.on_connect(move |s: Socket| {
        let t = t.clone();
        async move {
            let _ = t.send(Seen::Connect {
                id: s.id().unwrap(),
                recovered: s.recovered(),
            });
        }
    });
    let t = tx.clone();
    socket.on_disconnect(move |_s: Socket, _reason: DisconnectReason| {
        let t = t.clone();
        async move {
            let _ = t.send(Seen::Disconnect);
        }
    });
    // One parameter: the trailing offset is an extra argument, ignored.
    let t = tx.clone();
    socket.on("room", move |_s: Socket, n: u64| {
        let t = t.clone();
        async move {
            let _ = t.send(Seen::Room(n));
        }
    });
    socket.on("direct", move |_s: Socket, n: u64| {
        let t = tx.clone();
        async move {
            let _ = t.send(Seen::Direct(n));
        }
    });
    socket.connect();
    (socket, rx)
}

async fn ask<T: serde::de::DeserializeOwned + Send + 'static>(
    socket: &Socket,
    event: &str,
    data: &Json,
) -> T {
    socket
        .timeout(Duration::from_secs(5))
        .emit_with_ack(event, data)
        .await
        .unwrap()
}

/// The next `count` messages, from `from`, each to the room then directly.
async fn expect_messages(rx: &mut mpsc::UnboundedReceiver<Seen>, from: u64, count: u64) {
    for n in from..from + count {
        assert_eq!(next(rx).await, Seen::Room(n));
        assert_eq!(next(rx).await, Seen::Direct(n));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuts_lose_no_message_and_keep_the_session() {
    support::trace();
    cuts_scenario(start_node_script("lib/recovery-server.js", 0, &[]).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuts_lose_no_message_and_keep_the_session_on_sockeye() {
    support::trace();
    cuts_scenario(support::start_sockeye_recovery(0).await).await;
}

async fn cuts_scenario(server: support::Server) {
    let mut proxy = CutProxy::start(server.port()).await;
    let (socket, mut seen) = watched(&proxy.url());
    let Seen::Connect { id, recovered } = next(&mut seen).await else {
        panic!("connect first");
    };
    assert!(!recovered, "a first connection is a new session");
    assert_eq!(socket.last_offset(), None);
    let joined: String = ask(&socket, "join", &json!("r")).await;
    assert_eq!(joined, id);

    let mut sent = 0;
    for cut in 0..3 {
        let () = ask(&socket, "burst", &json!(3)).await;
        expect_messages(&mut seen, sent, 3).await;
        sent += 3;
        let offset = socket.last_offset();
        assert!(offset.is_some(), "messages carry offsets");

        assert_eq!(proxy.cut().await, 1, "cut {cut}: one websocket");
        assert_eq!(next(&mut seen).await, Seen::Disconnect);
        // What the server sent while the client was away comes first, then `connect`.
        expect_messages(&mut seen, sent, GAP).await;
        sent += GAP;
        assert_eq!(
            next(&mut seen).await,
            Seen::Connect {
                id: id.clone(),
                recovered: true
            },
            "cut {cut}"
        );
        assert!(socket.recovered());
        assert_eq!(socket.id().as_deref(), Some(id.as_str()));
        assert_ne!(socket.last_offset(), offset, "the replayed events moved it");
        // The reconnection carried the pid and the offset the client had then.
        let me: Json = ask(&socket, "whoami", &json!(null)).await;
        assert_eq!(me["recovered"], json!(true));
        assert_eq!(me["id"], json!(id));
        assert_eq!(me["auth"]["offset"], json!(offset));
        assert!(me["auth"]["pid"].is_string(), "{me}");
    }
    // Still in the room, numbering on: nothing lost, nothing twice.
    let () = ask(&socket, "burst", &json!(2)).await;
    expect_messages(&mut seen, sent, 2).await;
    nothing_for(&mut seen, Duration::from_millis(100)).await;
    assert_eq!(proxy.count().await, 4, "one connection per (re)connection");
    socket.disconnect();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_forgot_the_session_starts_a_new_one() {
    support::trace();
    let server = start_node_script("lib/recovery-server.js", 0, &[]).await;
    let port = server.port();
    let proxy = CutProxy::start(port).await;
    let (socket, mut seen) = watched(&proxy.url());
    let Seen::Connect { id, .. } = next(&mut seen).await else {
        panic!("connect first");
    };
    let _: String = ask(&socket, "join", &json!("r")).await;
    let () = ask(&socket, "burst", &json!(1)).await;
    expect_messages(&mut seen, 0, 1).await;
    let offset = socket.last_offset();
    assert!(offset.is_some());

    // A restart forgets every session: the client's pid and offset mean nothing now.
    server.stop().await;
    assert_eq!(next(&mut seen).await, Seen::Disconnect);
    let server = start_node_script("lib/recovery-server.js", port, &[]).await;
    let Seen::Connect {
        id: new_id,
        recovered,
    } = next(&mut seen).await
    else {
        panic!("connect again");
    };
    assert!(!recovered);
    assert!(!socket.recovered());
    assert_ne!(new_id, id);
    let me: Json = ask(&socket, "whoami", &json!(null)).await;
    assert_eq!(me["recovered"], json!(false));
    assert_eq!(
        me["auth"]["offset"],
        json!(offset),
        "it was asked all the same"
    );
    // Not in the room any more: a join starts the numbering again.
    let _: String = ask(&socket, "join", &json!("r")).await;
    let () = ask(&socket, "burst", &json!(1)).await;
    expect_messages(&mut seen, 0, 1).await;
    socket.disconnect();
    server.stop().await;
}

/// Which handler ran, with what.
#[derive(Debug, PartialEq)]
enum Ran {
    NoneSocketOnly,
    NoneUnit,
    NoneOption(Option<u64>),
    Null(Option<u64>),
    NullJson(Json),
    Empty(String),
    PairTuple(u64, String),
    PairFirst(u64),
    PairAll(usize, bool),
    Done,
}

/// Handlers that take fewer arguments than the event has ignore the trailing offset, as a
/// JavaScript listener would; one that reads the offset's position as its data sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_ignore_the_trailing_offset() {
    support::trace();
    let server = start_node_script("lib/recovery-server.js", 0, &[]).await;
    let (socket, mut seen) = watched(&server.url());
    assert!(matches!(next(&mut seen).await, Seen::Connect { .. }));
    let (tx, mut ran) = mpsc::unbounded_channel();
    macro_rules! on {
        ($event:literal $(, $p:ident: $t:ty)* => $ran:expr) => {{
            let tx = tx.clone();
            socket.on($event, move |_s: Socket, $($p: $t),*| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send($ran);
                }
            });
        }};
    }
    // ["none", offset]
    on!("none" => Ran::NoneSocketOnly);
    on!("none", _u: () => Ran::NoneUnit);
    // The offset is the event's only argument here: it does not fit a number (logged at
    // warn, the handler does not run), as `(n) => ...` would see a string in JavaScript.
    on!("none", n: Option<u64> => Ran::NoneOption(n));
    // ["null", null, offset]
    on!("null", n: Option<u64> => Ran::Null(n));
    on!("null", v: Json => Ran::NullJson(v));
    // ["empty", "", offset]
    on!("empty", s: String => Ran::Empty(s));
    // ["pair", 1, "two", offset]
    on!("pair", p: (u64, String) => Ran::PairTuple(p.0, p.1));
    on!("pair", n: u64 => Ran::PairFirst(n));
    on!("pair", a: Args => Ran::PairAll(
        a.0.len(),
        a.0.last()
            .and_then(|v| v.as_str())
            .is_some_and(|o| !o.is_empty())
    ));
    on!("done" => Ran::Done);
    let () = ask(&socket, "shapes", &json!(null)).await;
    let mut got = Vec::new();
    loop {
        let r = next(&mut ran).await;
        if r == Ran::Done {
            break;
        }
        got.push(r);
    }
    assert_eq!(
        got,
        [
            Ran::NoneSocketOnly,
            Ran::NoneUnit,
            Ran::Null(None),
            Ran::NullJson(Json::Null),
            Ran::Empty(String::new()),
            Ran::PairTuple(1, "two".into()),
            Ran::PairFirst(1),
            Ran::PairAll(3, true),
        ]
    );
    socket.disconnect();
    server.stop().await;
}
