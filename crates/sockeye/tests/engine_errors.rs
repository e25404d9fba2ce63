//! The reference's error table: each malformed request gets engine.io's status and body, and
//! nothing a client sends makes the server panic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;

use engine_support::*;
use sockeye::engine::{CloseReason, EngineConfig, TransportKind};

async fn server() -> TestServer {
    TestServer::start(EngineConfig::default().allow_request(|parts| {
        let refuse = parts.headers.contains_key("x-refuse");
        async move {
            if refuse {
                Err("go away".to_owned())
            } else {
                Ok(())
            }
        }
    }))
    .await
}

async fn assert_error(s: &TestServer, method: &str, query: &str, status: u16, body: &str) {
    let r = http(s.addr, method, &s.url(query), "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (status, body),
        "{method} {query}"
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn unknown_or_missing_transport_is_code_0() {
    let s = server().await;
    let body = r#"{"code":0,"message":"Transport unknown"}"#;
    assert_error(&s, "GET", "EIO=4", 400, body).await;
    assert_error(&s, "GET", "EIO=4&transport=abc", 400, body).await;
    assert_error(&s, "GET", "EIO=4&transport=webtransport", 400, body).await;
    assert_error(&s, "GET", "", 400, body).await;
}

#[tokio::test]
async fn disabled_transport_is_code_0() {
    let s = TestServer::start(EngineConfig::default().transports([TransportKind::Polling])).await;
    let r = http(s.addr, "GET", "/engine.io/?EIO=4&transport=websocket", "").await;
    assert_eq!(r.body, r#"{"code":0,"message":"Transport unknown"}"#);
}

#[tokio::test]
async fn unknown_sid_is_code_1() {
    let s = server().await;
    let body = r#"{"code":1,"message":"Session ID unknown"}"#;
    assert_error(&s, "GET", "EIO=4&transport=polling&sid=nope", 400, body).await;
    assert_error(&s, "POST", "EIO=4&transport=polling&sid=nope", 400, body).await;
}

#[tokio::test]
async fn handshake_other_than_get_is_code_2() {
    let s = server().await;
    let body = r#"{"code":2,"message":"Bad handshake method"}"#;
    assert_error(&s, "POST", "EIO=4&transport=polling", 400, body).await;
    assert_error(&s, "PUT", "EIO=4&transport=polling", 400, body).await;
}

#[tokio::test]
async fn bad_requests_are_code_3() {
    let s = server().await;
    let body = r#"{"code":3,"message":"Bad request"}"#;
    // A websocket handshake without the Upgrade header.
    assert_error(&s, "GET", "EIO=4&transport=websocket", 400, body).await;
    // The session polls; asking for websocket without upgrading is a mismatch.
    let sid = handshake(s.addr).await;
    assert_error(
        &s,
        "GET",
        &format!("EIO=4&transport=websocket&sid={sid}"),
        400,
        body,
    )
    .await;
}

#[tokio::test]
async fn refused_handshake_is_code_4_with_403() {
    let s = server().await;
    let r = http_with(
        s.addr,
        "GET",
        &s.url("EIO=4&transport=polling"),
        &[("x-refuse", "1")],
        b"",
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body, r#"{"code":4,"message":"go away"}"#);
}

#[tokio::test]
async fn protocol_other_than_4_is_code_5() {
    let s = server().await;
    let body = r#"{"code":5,"message":"Unsupported protocol version"}"#;
    assert_error(&s, "GET", "transport=polling", 400, body).await;
    assert_error(&s, "GET", "EIO=3&transport=polling", 400, body).await;
    assert_error(&s, "GET", "EIO=abc&transport=polling", 400, body).await;
}

#[tokio::test]
async fn refused_websocket_handshake_is_400_text() {
    let s = server().await;
    let headers = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    let r = http_with(
        s.addr,
        "GET",
        &s.url("EIO=3&transport=websocket"),
        &headers,
        b"",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(r.body, "Unsupported protocol version");
    let r = http_with(
        s.addr,
        "GET",
        &s.url("EIO=4&transport=websocket&sid=x"),
        &headers,
        b"",
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (400, "Session ID unknown"));
}

#[tokio::test]
async fn other_methods_on_a_session_get_500() {
    let s = server().await;
    let sid = handshake(s.addr).await;
    let r = http(
        s.addr,
        "PUT",
        &s.url(&format!("EIO=4&transport=polling&sid={sid}")),
        "",
    )
    .await;
    assert_eq!(r.status, 500);
}

#[tokio::test]
async fn octet_stream_post_is_refused_and_closes_the_session() {
    let mut s = server().await;
    let sid = handshake(s.addr).await;
    let path = s.url(&format!("EIO=4&transport=polling&sid={sid}"));
    let ct = [("Content-Type", "application/octet-stream")];
    let r = http_with(s.addr, "POST", &path, &ct, b"4hello").await;
    assert_eq!(r.status, 400);
    assert_eq!(s.next_close().await, (sid, CloseReason::TransportError));
}

#[tokio::test]
async fn post_above_max_http_buffer_size_is_413_and_the_session_goes_on() {
    let s = TestServer::start(EngineConfig::default().max_http_buffer_size(100)).await;
    let sid = handshake(s.addr).await;
    let path = s.url(&format!("EIO=4&transport=polling&sid={sid}"));
    let r = http(s.addr, "POST", &path, &format!("4{}", "x".repeat(100))).await;
    assert_eq!(r.status, 413);
    let r = http(s.addr, "POST", &path, &format!("4{}", "x".repeat(99))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn undecodable_payload_is_400_and_a_parse_error() {
    let mut s = server().await;
    let sid = handshake(s.addr).await;
    let path = s.url(&format!("EIO=4&transport=polling&sid={sid}"));
    let r = http(s.addr, "POST", &path, "abc").await;
    assert_eq!(r.status, 400);
    assert_eq!(s.next_close().await, (sid.clone(), CloseReason::ParseError));
    let r = http(s.addr, "GET", &path, "").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn second_get_is_400_and_the_first_gets_close() {
    let mut s = server().await;
    let sid = handshake(s.addr).await;
    let path = s.url(&format!("EIO=4&transport=polling&sid={sid}"));
    let first = send_request(s.addr, "GET", &path, &[], b"").await;
    // The first GET must be parked before the second arrives.
    let session = s.session(&sid);
    wait_until(std::time::Duration::from_secs(5), || session.writable()).await;
    let second = http(s.addr, "GET", &path, "").await;
    assert_eq!(second.status, 400);
    let first = read_reply(first).await;
    assert_eq!((first.status, first.body.as_str()), (200, "1"));
    assert_eq!(s.next_close().await, (sid, CloseReason::TransportError));
}

#[tokio::test]
async fn garbage_requests_never_panic() {
    let s = server().await;
    let queries = [
        "EIO=4&transport=polling&sid=%",
        "EIO=4&transport=polling&sid=%ff%fe",
        "EIO=%00&transport=polling",
        "EIO=4&&&transport=&transport=polling",
        "EIO=4&transport=polling&sid=&sid=",
        "=&=&=",
        "EIO=4&transport=polling&sid=\u{20ac}",
    ];
    for q in queries {
        let r = http(s.addr, "GET", &s.url(q), "").await;
        assert!(r.status == 200 || r.status == 400, "{q}: {r:?}");
    }
    for body in ["", "\x1e", "b", "b====", "4\x1e\x1e", "\u{ff}\u{fe}", "9"] {
        let sid = handshake(s.addr).await;
        let path = s.url(&format!("EIO=4&transport=polling&sid={sid}"));
        let r = http(s.addr, "POST", &path, body).await;
        assert!(r.status == 200 || r.status == 400, "{body:?}: {r:?}");
    }
    // Still serving.
    handshake(s.addr).await;
}
