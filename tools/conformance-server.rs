//! Serves what the official protocol test suites expect.
//!
//! `--port`/`PORT` (default 3000, `0` for any free port) is printed as
//! `http://localhost:<port>` once listening. Mounts:
//! - `/engine.io/`: a bare Engine.IO echo server (every message back as it came) with the
//!   settings of the engine.io-protocol v4 test suite: pingInterval 300 ms, pingTimeout
//!   200 ms, maxHttpBufferSize 1e6, CORS for any origin;
//! - `/engine-test/`: the same echo for sockeye's own interop tests, plus commands the
//!   official suite never sends: the text message `close` makes the server close the session.
//!
//! - `/socket.io/`: what the socket.io-protocol v5 test suite expects (see
//!   `conformance_socketio.rs`).

#[path = "cli.rs"]
mod cli;
#[path = "conformance_socketio.rs"]
mod conformance_socketio;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use clap::Parser;
use sockeye::engine::{
    CloseReason, CorsConfig, Engine, EngineConfig, EngineHandler, EngineIncoming, EngineLayer,
    EngineSession, Frame, Incoming,
};

/// The server of the official Engine.IO and Socket.IO protocol test suites: /engine.io/ (an
/// echo), /engine-test/ (the echo plus test commands) and /socket.io/. Prints its URL once
/// listening.
#[derive(Parser)]
#[command(name = "conformance-server", version)]
struct Options {
    /// Port to listen on, on every interface (0 picks a free port)
    #[arg(long, env = "PORT", default_value = "3000", value_parser = cli::port)]
    port: u16,
}

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
    let Options { port } = cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    let port = listener.local_addr()?.port();
    println!("conformance server listening on http://localhost:{port}");
    sockeye::engine::serve(listener, app()).await
}
