//! `EngineLayer` in an axum app served by `axum::serve`: the engine's path goes to the engine
//! (websocket upgrades included), everything else to the app untouched.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use engine_support::*;
use futures_util::{SinkExt, StreamExt};
use sockeye::engine::{Engine, EngineConfig, EngineLayer};
use tokio_tungstenite::tungstenite::Message;

async fn app_server() -> std::net::SocketAddr {
    // Nobody listens: the recorder ignores failed reports.
    let (tx, _) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::new(
        EngineConfig::default(),
        Arc::new(Recorder {
            seen: tx,
            sessions: Default::default(),
        }),
    );
    let app = Router::new()
        .route("/", get(|| async { "app root" }))
        .route(
            "/engine.io",
            get(|| async { "app, not engine (no trailing slash)" }),
        )
        .layer(EngineLayer::new(engine));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn other_paths_reach_the_app() {
    let addr = app_server().await;
    let r = http(addr, "GET", "/", "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "app root"));
    let r = http(addr, "GET", "/engine.io", "").await;
    assert_eq!(r.body, "app, not engine (no trailing slash)");
    assert_eq!(http(addr, "GET", "/nowhere", "").await.status, 404);
}

#[tokio::test]
async fn polling_and_websocket_through_the_layer() {
    let addr = app_server().await;
    let sid = handshake(addr).await;
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &path, "4hello").await.body, "ok");
    assert_eq!(http(addr, "GET", &path, "").await.body, "4hello");

    let mut ws = ws(addr, "/engine.io/?EIO=4&transport=websocket").await;
    assert!(matches!(ws.next().await, Some(Ok(Message::Text(t))) if t.starts_with("0{")));
    ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::binary(vec![1u8, 2, 3])
    );
}
