//! With CORS naming the allowed origins, a handshake (polling or websocket) from a page of
//! another origin is refused with 403 and the reference's error body, unless `check_origin`
//! is turned off; clients that send no `Origin` (not browsers) are served. And RFC 6455's
//! answer to a websocket version other than 13.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use engine_support::{TestServer, http_with, read_reply, send_request};
use sockeye::engine::{CorsConfig, CorsOrigin, EngineConfig};

const HANDSHAKE: &str = "/engine.io/?EIO=4&transport=polling";
const WS_HANDSHAKE: &str = "/engine.io/?EIO=4&transport=websocket";

fn restricted() -> EngineConfig {
    EngineConfig::default()
        .cors(CorsConfig::any().origin(CorsOrigin::List(vec!["https://chat.example".into()])))
}

fn ws_headers(origin: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    let mut h = vec![
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
    ];
    if let Some(o) = origin {
        h.push(("Origin", o));
    }
    h
}

#[tokio::test]
async fn a_polling_handshake_from_another_origin_gets_403_with_the_error_body() {
    let server = TestServer::start(restricted()).await;
    let r = http_with(
        server.addr,
        "GET",
        HANDSHAKE,
        &[("Origin", "https://evil.example")],
        b"",
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"code": 4, "message": "Origin not allowed"})
    );
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test]
async fn a_websocket_handshake_from_another_origin_gets_403() {
    let server = TestServer::start(restricted()).await;
    let stream = send_request(
        server.addr,
        "GET",
        WS_HANDSHAKE,
        &ws_headers(Some("https://evil.example")),
        b"",
    )
    .await;
    let r = read_reply(stream).await;
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.body.contains("\"code\":4"), "{r:?}");
    assert_eq!(server.engine.session_count(), 0);
}

#[tokio::test]
async fn the_allowed_origin_and_clients_without_an_origin_are_served() {
    let server = TestServer::start(restricted()).await;
    let r = http_with(
        server.addr,
        "GET",
        HANDSHAKE,
        &[("Origin", "https://chat.example")],
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://chat.example")
    );
    let r = http_with(server.addr, "GET", HANDSHAKE, &[], b"").await;
    assert_eq!(r.status, 200, "{r:?}");
    // A page of the server's own origin is not cross-site (the test client sends
    // `Host: localhost`).
    let r = http_with(
        server.addr,
        "GET",
        HANDSHAKE,
        &[("Origin", "http://localhost")],
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let stream = send_request(
        server.addr,
        "GET",
        WS_HANDSHAKE,
        &ws_headers(Some("https://chat.example")),
        b"",
    )
    .await;
    let mut head = vec![0u8; 12];
    use tokio::io::AsyncReadExt;
    let mut stream = stream;
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");
}

#[tokio::test]
async fn check_origin_off_or_cors_for_any_origin_accepts_every_origin_as_the_reference() {
    for config in [
        restricted().check_origin(false),
        EngineConfig::default().cors(CorsConfig::any()),
        EngineConfig::default().cors(CorsConfig::any().origin(CorsOrigin::Reflect)),
        EngineConfig::default(),
    ] {
        let server = TestServer::start(config).await;
        let r = http_with(
            server.addr,
            "GET",
            HANDSHAKE,
            &[("Origin", "https://evil.example")],
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
}

#[tokio::test]
async fn a_websocket_version_other_than_13_gets_426_naming_13() {
    let server = TestServer::start(EngineConfig::default()).await;
    for version in ["8", "14", "", "thirteen"] {
        let mut headers = ws_headers(None);
        headers.retain(|(n, _)| *n != "Sec-WebSocket-Version");
        headers.push(("Sec-WebSocket-Version", version));
        let stream = send_request(server.addr, "GET", WS_HANDSHAKE, &headers, b"").await;
        let r = read_reply(stream).await;
        assert_eq!(r.status, 426, "{version:?}: {r:?}");
        assert_eq!(r.header("sec-websocket-version"), Some("13"), "{r:?}");
    }
    // Without the header it is a malformed handshake, as before.
    let mut headers = ws_headers(None);
    headers.retain(|(n, _)| *n != "Sec-WebSocket-Version");
    let r = read_reply(send_request(server.addr, "GET", WS_HANDSHAKE, &headers, b"").await).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(server.engine.session_count(), 0);
}
