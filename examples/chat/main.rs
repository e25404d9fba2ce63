//! The sockeye chat application: `cargo run --release` serves it on http://localhost:3000.
//!
//! Options: `--port N` (or the `PORT` environment variable; 0 picks a free port),
//! `--host ADDR` (default 0.0.0.0), `--cors-origin URL` (allow a front-end served elsewhere).

mod assets;
mod chat;

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::json;
use sockeye::SocketIo;
use sockeye::engine::{CorsConfig, CorsOrigin};

struct Options {
    host: String,
    port: u16,
    cors_origin: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        host: "0.0.0.0".to_owned(),
        port: std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(3000),
        cors_origin: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port needs a number".to_owned())?
            }
            "--host" => options.host = value("--host")?,
            "--cors-origin" => options.cors_origin = Some(value("--cors-origin")?),
            "-h" | "--help" => {
                return Err(
                    "usage: sockeye-chat [--port N] [--host ADDR] [--cors-origin URL]".to_owned(),
                );
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };

    let io = SocketIo::builder()
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

    let addr = format!("{}:{}", options.host, options.port);
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {addr}: {err}");
            std::process::exit(1);
        }
    };
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or(options.port);
    println!("Chat server running on http://localhost:{port}");
    // sockeye's server loop: Node's HTTP timeouts and limits, which `axum::serve` lacks.
    if let Err(err) = sockeye::engine::serve(listener, app).await {
        eprintln!("server error: {err}");
        std::process::exit(1);
    }
}
