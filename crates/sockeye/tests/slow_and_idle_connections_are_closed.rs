//! The HTTP edge's timeouts and limits (`ServeConfig`), as Node's `http.Server` applies them:
//! a request head that does not arrive in time is answered 408 and closed (slowloris), an
//! idle keep-alive connection is closed, a POST body that trickles is answered 408, a head
//! above 16 KiB is answered 431, connections beyond `max_connections` are closed at once;
//! and none of it touches a long-polling GET in progress or a websocket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use engine_support::{Recorder, handshake, read_reply, send_request, ws};
use futures_util::{SinkExt, StreamExt};
use sockeye::engine::{Engine, EngineConfig, EngineService, ServeConfig, ServeStats, serve_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

async fn start(engine: EngineConfig, serve: ServeConfig) -> (SocketAddr, Arc<ServeStats>) {
    let (tx, _seen) = tokio::sync::mpsc::unbounded_channel();
    // The receiver is dropped: the recorder's reports go nowhere, its echo still works.
    let engine = Engine::new(
        engine,
        Arc::new(Recorder {
            seen: tx,
            sessions: Default::default(),
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = serve.stats();
    tokio::spawn(serve_with(listener, EngineService::new(engine), serve));
    (addr, stats)
}

fn short() -> ServeConfig {
    ServeConfig::default()
        .header_timeout(Some(Duration::from_millis(200)))
        .keep_alive_timeout(Some(Duration::from_millis(100)))
}

/// Everything the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test]
async fn a_request_head_that_trickles_is_answered_408_and_closed() {
    let (addr, stats) = start(EngineConfig::default(), short()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(b"GET /engine.io/?EIO=4").await.unwrap();
    let answer = until_closed(&mut stream).await;
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer:?}"
    );
    assert!(answer.contains("Connection: close"), "{answer:?}");
    assert_eq!(stats.timed_out_connections(), 1);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_answered_408_and_closed() {
    let (addr, _) = start(EngineConfig::default(), short()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
}

#[tokio::test]
async fn a_second_request_that_trickles_after_a_keep_alive_answer_is_answered_408() {
    let (addr, _) = start(
        EngineConfig::default(),
        short().keep_alive_timeout(Some(Duration::from_secs(3600))),
    )
    .await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = vec![0u8; 4096];
    let n = stream.read(&mut first).await.unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200 OK"));
    stream.write_all(b"GET /eng").await.unwrap();
    let answer = until_closed(&mut stream).await;
    assert!(answer.contains("HTTP/1.1 408 "), "{answer:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_without_an_answer() {
    let (addr, stats) = start(
        EngineConfig::default(),
        short().header_timeout(Some(Duration::from_secs(3600))),
    )
    .await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer:?}");
    assert_eq!(answer.matches("HTTP/1.1").count(), 1, "{answer:?}");
    assert_eq!(stats.timed_out_connections(), 1);
    assert_eq!(stats.open_connections(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_long_polling_get_outlives_both_timeouts() {
    // The paused clock runs ahead whenever the server waits: the GET is held far past both
    // timeouts (100 and 200 ms), until the ping that answers it 5 s later.
    let engine = EngineConfig::default()
        .ping_interval(Duration::from_secs(5))
        .ping_timeout(Duration::from_secs(5));
    let (addr, stats) = start(engine, short()).await;
    let sid = handshake(addr).await;
    let get = send_request(
        addr,
        "GET",
        &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"),
        &[],
        b"",
    )
    .await;
    let reply = read_reply(get).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "2"), "{reply:?}");
    assert_eq!(stats.timed_out_connections(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_websocket_is_not_an_idle_connection() {
    let engine = EngineConfig::default()
        .ping_interval(Duration::from_secs(600))
        .ping_timeout(Duration::from_secs(600));
    let (addr, stats) = start(engine, short()).await;
    let mut socket = ws(addr, "/engine.io/?EIO=4&transport=websocket").await;
    let open = socket.next().await.unwrap().unwrap();
    assert!(open.to_text().unwrap().starts_with('0'));
    tokio::time::sleep(Duration::from_secs(300)).await;
    socket.send(Message::text("4still here")).await.unwrap();
    let echo = socket.next().await.unwrap().unwrap();
    assert_eq!(echo.to_text().unwrap(), "4still here");
    assert_eq!(stats.timed_out_connections(), 0);
    assert_eq!(stats.open_connections(), 1, "the websocket counts as open");
}

#[tokio::test]
async fn a_post_body_that_trickles_is_answered_408_and_its_session_closed() {
    let engine = EngineConfig::default().request_timeout(Some(Duration::from_millis(200)));
    let (addr, _) = start(engine, ServeConfig::default()).await;
    let sid = handshake(addr).await;
    let mut post = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n4he"
    );
    post.write_all(head.as_bytes()).await.unwrap();
    let answer = until_closed(&mut post).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer:?}");
    // The session is gone: "data request connection closed prematurely".
    let get = send_request(
        addr,
        "GET",
        &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(read_reply(get).await.status, 400);
}

#[tokio::test]
async fn a_request_head_above_16_kib_is_answered_431() {
    let (addr, _) = start(EngineConfig::default(), ServeConfig::default()).await;
    let big = "a".repeat(17 * 1024);
    let stream = send_request(
        addr,
        "GET",
        "/engine.io/?EIO=4&transport=polling",
        &[("x-big", &big)],
        b"",
    )
    .await;
    assert_eq!(read_reply(stream).await.status, 431);
    // Under the limit, the same request is served.
    let fits = "a".repeat(12 * 1024);
    let stream = send_request(
        addr,
        "GET",
        "/engine.io/?EIO=4&transport=polling",
        &[("x-big", &fits)],
        b"",
    )
    .await;
    assert_eq!(read_reply(stream).await.status, 200);
}

#[tokio::test]
async fn connections_beyond_max_connections_are_closed_at_once_and_counted() {
    let serve = ServeConfig::default().max_connections(Some(2));
    let (addr, stats) = start(EngineConfig::default(), serve).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        // A request in progress: the server has surely accepted the connection.
        s.write_all(b"GET /eng").await.unwrap();
        held.push(s);
    }
    engine_support::wait_until(Duration::from_secs(10), || stats.open_connections() == 2).await;
    let mut extra = TcpStream::connect(addr).await.unwrap();
    assert_eq!(until_closed(&mut extra).await, "");
    assert_eq!(stats.refused_connections(), 1);
    // Once one of them goes, a new client is served again.
    drop(held.pop());
    engine_support::wait_until(Duration::from_secs(10), || stats.open_connections() == 1).await;
    let stream = send_request(addr, "GET", "/engine.io/?EIO=4&transport=polling", &[], b"").await;
    assert_eq!(read_reply(stream).await.status, 200);
}
