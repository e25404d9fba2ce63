//! The sockeye chat application: `cargo run --release` serves it on http://localhost:3000.
//!
//! `sockeye-chat --help` lists the options: `--port N` (or `PORT`; 0 picks a free port),
//! `--host ADDR` (or `HOST`, default 0.0.0.0), `--cors-origin URL` (allow a front-end served
//! elsewhere), `--redis URL` (or `REDIS_URL`: one node of a cluster on that Redis; see
//! docs/deployment.md).

#[path = "../../tools/allocator.rs"]
mod allocator;
mod assets;
mod chat;
#[path = "../../tools/cli.rs"]
mod cli;

use axum::Json;
use axum::Router;
use axum::routing::get;
use clap::Parser;
use serde_json::json;
use sockeye::SocketIo;
use sockeye::engine::{CorsConfig, CorsOrigin};
use sockeye_redis::{RedisAdapter, RedisConfig};

/// The sockeye chat: serves the chat page and its Socket.IO server. Open
/// http://localhost:3000 in two tabs and chat.
#[derive(Parser)]
#[command(name = "sockeye-chat", version)]
struct Options {
    /// Port to listen on (0 picks a free port)
    #[arg(long, env = "PORT", default_value = "3000", value_parser = cli::port)]
    port: u16,
    /// Address to listen on
    #[arg(long, env = "HOST", default_value = "0.0.0.0")]
    host: String,
    /// Let a front-end served from this origin connect (CORS), e.g. http://localhost:5173
    #[arg(long, value_name = "URL", value_parser = cli::http_url)]
    cors_origin: Option<String>,
    /// Join a cluster of chat nodes on this Redis, e.g. redis://127.0.0.1:6379 (without it the
    /// chat is a single node)
    #[arg(long, env = "REDIS_URL", value_name = "URL", value_parser = cli::redis_url)]
    redis: Option<String>,
}

#[tokio::main]
async fn main() {
    let options = cli::parse::<Options>();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();

    let mut builder = SocketIo::builder();
    if let Some(url) = &options.redis {
        match RedisAdapter::classic(RedisConfig::new(url.clone())).await {
            Ok(adapter) => builder = builder.adapter(adapter),
            Err(err) => {
                eprintln!("cannot join the cluster on Redis at {url}: {err}");
                std::process::exit(1);
            }
        }
    }
    let io = builder
        .with_config(|config| {
            if let Some(origin) = &options.cors_origin {
                config.engine.cors = Some(
                    CorsConfig::default()
                        .origin(CorsOrigin::Exact(origin.clone()))
                        .credentials(true),
                );
            }
        })
        .build();
    chat::install(&io);

    let app = Router::new()
        .route(
            "/api/health",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .fallback(assets::serve)
        .layer(io.layer());

    let listener = match tokio::net::TcpListener::bind((options.host.as_str(), options.port)).await
    {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {}:{}: {err}", options.host, options.port);
            std::process::exit(1);
        }
    };
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(options.port);
    println!("Chat server running on http://localhost:{port}");
    if let Some(url) = &options.redis {
        println!("One node of a cluster on Redis at {url}");
    }
    // sockeye's server loop: Node's HTTP timeouts and limits, which `axum::serve` lacks.
    if let Err(err) = sockeye::engine::serve(listener, app).await {
        eprintln!("server error: {err}");
        std::process::exit(1);
    }
}
