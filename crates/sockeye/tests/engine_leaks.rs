//! Abandoned sessions never leak: whatever state a client leaves a session in, it is gone
//! after pingInterval + pingTimeout.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use engine_support::*;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Empty};
use sockeye::engine::{Engine, EngineConfig};
use tokio_tungstenite::tungstenite::Message;

fn short(config: EngineConfig) -> EngineConfig {
    config
        .ping_interval(Duration::from_millis(1500))
        .ping_timeout(Duration::from_millis(1000))
        .upgrade_timeout(Duration::from_millis(500))
}

fn get(query: &str) -> http::Request<Empty<Bytes>> {
    http::Request::get(format!("/engine.io/?{query}"))
        .body(Empty::new())
        .unwrap()
}

async fn body_text(r: http::Response<sockeye::engine::EngineBody>) -> String {
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// No sockets, tokio's paused clock: 1000 sessions left silent after the handshake, and 1000
/// whose pending GET is dropped (the client went away mid-poll).
#[tokio::test(start_paused = true)]
async fn silent_and_dropped_poll_sessions_are_reaped_on_a_paused_clock() {
    let (tx, _seen) = tokio::sync::mpsc::unbounded_channel();
    let sessions = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let handler = Recorder {
        seen: tx,
        sessions: sessions.clone(),
    };
    let config = EngineConfig::default();
    let limit = config.ping_interval + config.ping_timeout;
    let engine = Engine::new(config, Arc::new(handler));
    let mut polls = Vec::new();
    let opened = tokio::time::Instant::now();
    for i in 0..2000 {
        let open = body_text(engine.handle(get("EIO=4&transport=polling")).await).await;
        let sid = serde_json::from_str::<serde_json::Value>(&open[1..]).unwrap()["sid"]
            .as_str()
            .unwrap()
            .to_owned();
        if i % 2 == 0 {
            let engine = engine.clone();
            let q = format!("EIO=4&transport=polling&sid={sid}");
            polls.push(tokio::spawn(async move { engine.handle(get(&q)).await }));
        }
    }
    assert_eq!(engine.session_count(), 2000);
    let parked = || {
        sessions
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.writable())
            .count()
    };
    wait_until(Duration::from_secs(1), || parked() == 1000).await;
    for p in &polls {
        p.abort();
    }
    // A dropped GET closes its session at once (`transport error`).
    wait_until(Duration::from_millis(100), || {
        engine.session_count() == 1000
    })
    .await;
    wait_until(limit + Duration::from_secs(1), || {
        engine.session_count() == 0
    })
    .await;
    assert!(
        opened.elapsed() >= limit,
        "a silent session outlives pingInterval + pingTimeout"
    );
}

/// Real sockets held open and silent: 500 sessions with a GET pending and 500 stuck halfway
/// through an upgrade (websocket opened and probed, no `5`, no further polls).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_abandoned_mid_poll_and_mid_upgrade_are_reaped() {
    let s = TestServer::start(short(EngineConfig::default())).await;
    let n = 1000;
    let mut tasks = Vec::new();
    for i in 0..n {
        let addr = s.addr;
        tasks.push(tokio::spawn(async move {
            let sid = handshake(addr).await;
            let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
            if i % 2 == 0 {
                // Parked GET on a connection nobody reads.
                Held::Http(send_request(addr, "GET", &path, &[], b"").await)
            } else {
                // On a loaded machine the session may be reaped before its upgrade is set up
                // (the timers are short): then there is nothing left to hold.
                let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket&sid={sid}");
                let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                let Ok((mut ws, _)) = tokio_tungstenite::client_async(url, stream).await else {
                    return Held::Reaped;
                };
                if ws.send(Message::text("2probe")).await.is_err() {
                    return Held::Reaped;
                }
                match ws.next().await {
                    Some(Ok(m)) if m == Message::text("3probe") => Held::Ws(Box::new(ws)),
                    _ => Held::Reaped,
                }
            }
        }));
    }
    // What counts is that sessions were open at all, in both states.
    let mut open_at_some_point = 0;
    let mut held = Vec::new();
    for t in tasks {
        held.push(t.await.unwrap());
        open_at_some_point = open_at_some_point.max(s.engine.session_count());
    }
    assert!(open_at_some_point > 0);
    assert!(held.iter().any(|h| matches!(h, Held::Http(_))));
    assert!(held.iter().any(|h| matches!(h, Held::Ws(_))));
    wait_until(Duration::from_secs(10), || s.engine.session_count() == 0).await;
    drop(held);
}

#[allow(dead_code)]
enum Held {
    Http(tokio::net::TcpStream),
    Ws(Box<Ws>),
    /// Reaped before its upgrade was set up.
    Reaped,
}

/// Keeps every session's incoming stream without reading it.
struct Stalled(std::sync::Mutex<Vec<sockeye::engine::EngineIncoming>>);

impl sockeye::engine::EngineHandler for Stalled {
    fn on_open(
        &self,
        _: sockeye::engine::EngineSession,
        incoming: sockeye::engine::EngineIncoming,
    ) {
        self.0.lock().unwrap().push(incoming);
    }
}

/// An application that stops reading slows the peer down, but the session's timers go on:
/// a silent peer is still reaped, and the stream still ends with the close.
#[tokio::test]
async fn a_stalled_application_does_not_keep_sessions_alive() {
    let handler = Arc::new(Stalled(Default::default()));
    let config = EngineConfig::default()
        .ping_interval(Duration::from_millis(100))
        .ping_timeout(Duration::from_millis(100))
        .incoming_capacity(4);
    let engine = Engine::new(config, handler.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(sockeye::engine::serve(
        listener,
        sockeye::engine::EngineService::new(engine.clone()),
    ));
    let mut ws = ws(addr, "/engine.io/?EIO=4&transport=websocket").await;
    for i in 0..100 {
        ws.send(Message::text(format!("4m{i}"))).await.unwrap();
    }
    wait_until(Duration::from_secs(5), || engine.session_count() == 0).await;
    let mut incoming = handler.0.lock().unwrap().pop().unwrap();
    let mut messages = 0;
    loop {
        match incoming.recv().await {
            sockeye::engine::Incoming::Text(t) => {
                assert_eq!(t, format!("m{messages}"));
                messages += 1;
            }
            sockeye::engine::Incoming::Close(reason) => {
                assert_eq!(reason, sockeye::engine::CloseReason::PingTimeout);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(messages <= 5, "the queue is bounded, got {messages}");
    drop(ws);
}
