//! Serves what the official protocol test suites expect.
//!
//! `PORT` (default 3000, `0` for any free port) is printed as `http://localhost:<port>` once
//! listening. Mounts:
//! - `/engine.io/`: a bare Engine.IO echo server (every message back as it came) with the
//!   settings of the engine.io-protocol v4 test suite: pingInterval 300 ms, pingTimeout
//!   200 ms, maxHttpBufferSize 1e6, CORS for any origin;
//! - `/engine-test/`: the same echo for sockeye's own interop tests, plus commands the
//!   official suite never sends: the text message `close` makes the server close the session.
//!
//! - `/socket.io/`: what the socket.io-protocol v5 test suite expects (see
//!   `conformance_socketio.rs`).

#[path = "conformance_socketio.rs"]
mod conformance_socketio;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use sockeye::engine::{
    CloseReason, CorsConfig, Engine, EngineConfig, EngineHandler, EngineIncoming, EngineLayer,
    EngineSession, Frame, Incoming,
};

/// Echoes every message; with `commands`, also obeys the test commands.
struct Echo {
    commands: bool,
}

impl EngineHandler for Echo {
    fn on_open(&self, session: EngineSession, mut incoming: EngineIncoming) {
        let commands = self.commands;
        tokio::spawn(async move {
            loop {
                let sent = match incoming.recv().await {
                    Incoming::Text(t) if commands && t == "close" => {
                        session.close(CloseReason::ForcedClose);
                        Ok(())
                    }
                    Incoming::Text(t) => session.send(Frame::text(t)),
                    Incoming::Binary(b) => session.send(Frame::binary(b)),
                    Incoming::Close(reason) => {
                        tracing::debug!(sid = session.id(), reason = reason.as_str(), "closed");
                        break;
                    }
                };
                if let Err(e) = sent {
                    tracing::debug!(sid = session.id(), error = %e, "echo dropped");
                }
            }
        });
    }
}

fn engine_config(path: &str) -> EngineConfig {
    EngineConfig::default()
        .path(path)
        .ping_interval(Duration::from_millis(300))
        .ping_timeout(Duration::from_millis(200))
        .max_http_buffer_size(1_000_000)
        .cors(CorsConfig::any())
}

fn app() -> Router {
    let echo = Engine::new(
        engine_config("/engine.io/"),
        Arc::new(Echo { commands: false }),
    );
    let test = Engine::new(
        engine_config("/engine-test/"),
        Arc::new(Echo { commands: true }),
    );
    Router::new()
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .layer(EngineLayer::new(test))
        .layer(EngineLayer::new(echo))
        .layer(conformance_socketio::server().layer())
}

// One thread, like Node: requests on different connections are handled in the order they
// arrive, which the suite's concurrent cases (a GET racing a POST `1`, a GET racing the
// websocket's `5`) assume. The library itself runs the same on a multi-thread runtime.
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| std::io::Error::other(format!("invalid PORT {p:?}")))?,
        Err(_) => 3000,
    };
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    let port = listener.local_addr()?.port();
    println!("conformance server listening on http://localhost:{port}");
    sockeye::engine::serve(listener, app()).await
}
