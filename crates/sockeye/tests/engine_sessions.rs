//! Sessions end to end through real sockets: close reasons as the application sees them,
//! server-side close, the bounded outbox, the upgrade, and the HTTP options (CORS, cookie,
//! header hooks).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;

use std::time::Duration;

use engine_support::*;
use futures_util::{SinkExt, StreamExt};
use sockeye::engine::{
    CloseReason, CookieConfig, CorsConfig, CorsOrigin, EngineConfig, Frame, Incoming, SendError,
    TransportKind,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn poll_path(sid: &str) -> String {
    format!("/engine.io/?EIO=4&transport=polling&sid={sid}")
}

async fn ws_session(s: &TestServer) -> (Ws, String) {
    let mut ws = ws(s.addr, "/engine.io/?EIO=4&transport=websocket").await;
    let Some(Ok(Message::Text(open))) = ws.next().await else {
        panic!("no open packet")
    };
    let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    assert_eq!(open["upgrades"], serde_json::json!([]));
    (ws, open["sid"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn handshake_carries_the_reference_keys_in_order() {
    let s = TestServer::start(EngineConfig::default()).await;
    let r = http(s.addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let sid = &r.body[9..29];
    assert_eq!(
        r.body,
        format!(
            r#"0{{"sid":"{sid}","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}}"#
        )
    );
}

#[tokio::test]
async fn client_close_packet_over_polling_is_transport_close() {
    let mut s = TestServer::start(EngineConfig::default()).await;
    let sid = handshake(s.addr).await;
    let r = http(s.addr, "POST", &poll_path(&sid), "4bye\x1e1").await;
    assert_eq!(r.body, "ok");
    // The message before the close still reaches the application, then the close.
    loop {
        match s.seen.recv().await.unwrap() {
            Seen::Message(_, m) => assert_eq!(m, Incoming::Text("bye".into())),
            Seen::Close(id, reason) => {
                assert_eq!((id, reason), (sid, CloseReason::TransportClose));
                break;
            }
            Seen::Open(_) => {}
        }
    }
}

/// A POST body is read as UTF-8 the way Node reads it: bytes that are not UTF-8 become
/// U+FFFD, and the message is delivered.
#[tokio::test]
async fn a_polling_payload_that_is_not_utf8_is_read_with_replacement_characters() {
    let mut s = TestServer::start(EngineConfig::default()).await;
    let sid = handshake(s.addr).await;
    let r = http_with(
        s.addr,
        "POST",
        &poll_path(&sid),
        &[],
        b"4a\xffb\x1e4\xc3\xa9",
    )
    .await;
    assert_eq!(r.body, "ok");
    assert_eq!(
        s.next_message().await.1,
        Incoming::Text("a\u{fffd}b".into())
    );
    assert_eq!(s.next_message().await.1, Incoming::Text("\u{e9}".into()));
}

#[tokio::test]
async fn websocket_close_and_parse_error_reasons() {
    let mut s = TestServer::start(EngineConfig::default()).await;
    let (mut ws, sid) = ws_session(&s).await;
    ws.close(None).await.unwrap();
    assert_eq!(s.next_close().await, (sid, CloseReason::TransportClose));
    let (mut ws, sid) = ws_session(&s).await;
    ws.send(Message::text("abc")).await.unwrap();
    assert_eq!(s.next_close().await, (sid, CloseReason::ParseError));
}

#[tokio::test]
async fn silent_websocket_is_a_ping_timeout() {
    let config = EngineConfig::default()
        .ping_interval(Duration::from_millis(100))
        .ping_timeout(Duration::from_millis(100));
    let mut s = TestServer::start(config).await;
    let (mut ws, sid) = ws_session(&s).await;
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("2"));
    assert_eq!(s.next_close().await, (sid, CloseReason::PingTimeout));
}

#[tokio::test]
async fn oversized_websocket_message_closes_with_1009_and_an_empty_reason() {
    let mut s = TestServer::start(EngineConfig::default().max_http_buffer_size(10)).await;
    let (mut ws, sid) = ws_session(&s).await;
    ws.send(Message::text("4".repeat(11))).await.unwrap();
    loop {
        match ws.next().await {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::Size);
                // As `ws` sends it: the code alone.
                assert_eq!(frame.reason.as_str(), "");
                break;
            }
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
    assert_eq!(s.next_close().await, (sid, CloseReason::TransportError));
}

#[tokio::test]
async fn server_close_over_polling_flushes_then_sends_close() {
    let mut s = TestServer::start(EngineConfig::default()).await;
    let sid = handshake(s.addr).await;
    let session = s.session(&sid);
    session.send(Frame::text("last")).unwrap();
    session.close(CloseReason::ForcedClose);
    assert_eq!(session.send(Frame::text("late")), Err(SendError::Closed));
    let r = http(s.addr, "GET", &poll_path(&sid), "").await;
    assert_eq!(r.body, "4last\x1e1");
    assert_eq!(s.next_close().await, (sid, CloseReason::ForcedClose));
    assert!(session.is_closed());
}

#[tokio::test]
async fn server_close_over_websocket() {
    let mut s = TestServer::start(EngineConfig::default()).await;
    let (mut ws, sid) = ws_session(&s).await;
    let session = s.session(&sid);
    session
        .send_all(&[Frame::text("a"), Frame::binary(vec![1u8, 2].into())])
        .unwrap();
    session.close(CloseReason::ForcedClose);
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("4a"));
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::binary(vec![1u8, 2])
    );
    assert!(matches!(ws.next().await, Some(Ok(Message::Close(_)))));
    assert_eq!(s.next_close().await, (sid, CloseReason::ForcedClose));
}

#[tokio::test]
async fn full_outbox_is_visible_to_the_sender() {
    let s = TestServer::start(EngineConfig::default().outbox_capacity(2)).await;
    let sid = handshake(s.addr).await;
    let session = s.session(&sid);
    assert!(!session.writable());
    session.send(Frame::text("1")).unwrap();
    assert_eq!(
        session.send_all(&[Frame::text("2"), Frame::text("3")]),
        Err(SendError::Full)
    );
    session.send(Frame::text("2")).unwrap();
    assert_eq!(session.send(Frame::text("3")), Err(SendError::Full));
    let r = http(s.addr, "GET", &poll_path(&sid), "").await;
    assert_eq!(r.body, "41\x1e42");
    session.send(Frame::text("3")).unwrap();
}

#[tokio::test]
async fn upgrade_probe_noop_and_switch() {
    let s = TestServer::start(EngineConfig::default()).await;
    let sid = handshake(s.addr).await;
    let session = s.session(&sid);
    let pending = send_request(s.addr, "GET", &poll_path(&sid), &[], b"").await;
    wait_until(Duration::from_secs(5), || session.writable()).await;
    let mut ws = ws(
        s.addr,
        &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}"),
    )
    .await;
    ws.send(Message::text("2probe")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("3probe"));
    // The waiting GET is released with a noop so the client can pause polling.
    assert_eq!(read_reply(pending).await.body, "6");
    assert_eq!(session.transport(), TransportKind::Polling);
    ws.send(Message::text("5")).await.unwrap();
    ws.send(Message::text("4hi")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("4hi"));
    assert_eq!(session.transport(), TransportKind::WebSocket);
    assert!(session.writable());
    assert_eq!(http(s.addr, "GET", &poll_path(&sid), "").await.status, 400);
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let cors = CorsConfig::any()
        .origin(CorsOrigin::List(vec!["http://ok.example".into()]))
        .credentials(true);
    let s = TestServer::start(EngineConfig::default().cors(cors)).await;
    let origin = [
        ("Origin", "http://ok.example"),
        ("Access-Control-Request-Headers", "x-a"),
    ];
    let r = http_with(
        s.addr,
        "OPTIONS",
        "/engine.io/?EIO=4&transport=polling",
        &origin,
        b"",
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://ok.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(r.header("access-control-allow-headers"), Some("x-a"));
    let r = http_with(
        s.addr,
        "GET",
        "/engine.io/?EIO=4&transport=polling",
        &origin,
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://ok.example")
    );
    // Errors carry the CORS headers too, so that browsers can read them.
    let r = http_with(s.addr, "GET", "/engine.io/?EIO=4", &origin, b"").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://ok.example")
    );
    let other = [("Origin", "http://evil.example")];
    let r = http_with(
        s.addr,
        "GET",
        "/engine.io/?EIO=4&transport=polling",
        &other,
        b"",
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn cookie_and_header_hooks() {
    let config = EngineConfig::default()
        .cookie(CookieConfig::default())
        .initial_headers(|h, _| {
            h.insert("x-initial", "1".parse().unwrap());
        })
        .headers(|h, req| {
            h.insert("x-every", req.method.as_str().parse().unwrap());
        });
    let s = TestServer::start(config).await;
    let r = http(s.addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    let sid = &r.body[9..29];
    assert_eq!(
        r.header("set-cookie"),
        Some(format!("io={sid}; Path=/; HttpOnly; SameSite=Lax").as_str())
    );
    assert_eq!(r.header("x-initial"), Some("1"));
    assert_eq!(r.header("x-every"), Some("GET"));
    let r = http(s.addr, "POST", &poll_path(sid), "4x").await;
    assert_eq!(r.header("x-every"), Some("POST"));
    assert_eq!(r.header("x-initial"), None);
    assert_eq!(r.header("set-cookie"), None);
}

#[tokio::test]
async fn handshake_request_is_kept() {
    let s = TestServer::start(EngineConfig::default()).await;
    let r = http_with(
        s.addr,
        "GET",
        "/engine.io/?EIO=4&transport=polling&x=1",
        &[("x-h", "v")],
        b"",
    )
    .await;
    let session = s.session(&r.body[9..29]);
    let req = session.request();
    assert_eq!(req.headers["x-h"], "v");
    assert_eq!(req.uri.query(), Some("EIO=4&transport=polling&x=1"));
    assert_eq!(
        req.remote_addr.map(|a| a.ip()),
        Some("127.0.0.1".parse().unwrap())
    );
}

#[tokio::test]
async fn engine_close_ends_every_session_and_refuses_handshakes() {
    let mut s = TestServer::start(EngineConfig::default()).await;
    let sid = handshake(s.addr).await;
    let (_ws, ws_sid) = ws_session(&s).await;
    s.engine.close();
    let mut closed = vec![s.next_close().await, s.next_close().await];
    closed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected = vec![
        (sid, CloseReason::ServerShuttingDown),
        (ws_sid, CloseReason::ServerShuttingDown),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(closed, expected);
    let r = http(s.addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(r.status, 503);
    wait_until(Duration::from_secs(5), || s.engine.session_count() == 0).await;
}

#[tokio::test]
async fn large_polling_answers_are_compressed_when_accepted() {
    use std::io::Read;
    let s = TestServer::start(EngineConfig::default()).await;
    let sid = handshake(s.addr).await;
    let session = s.session(&sid);
    let text = "compress me ".repeat(200);
    session.send(Frame::text(&text)).unwrap();
    let gzip = [("Accept-Encoding", "gzip, deflate")];
    let r = http_with(s.addr, "GET", &poll_path(&sid), &gzip, b"").await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    let mut body = String::new();
    flate2::read::GzDecoder::new(&r.raw_body[..])
        .read_to_string(&mut body)
        .unwrap();
    assert_eq!(body, format!("4{text}"));
    // Small answers, and clients that do not ask, get plain text.
    session.send(Frame::text("small")).unwrap();
    let r = http_with(s.addr, "GET", &poll_path(&sid), &gzip, b"").await;
    assert_eq!(
        (r.header("content-encoding"), r.body.as_str()),
        (None, "4small")
    );
    session.send(Frame::text(&text)).unwrap();
    let r = http(s.addr, "GET", &poll_path(&sid), "").await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body.len(), text.len() + 1);
}
