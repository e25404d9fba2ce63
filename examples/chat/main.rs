//! The sockeye chat application: `cargo run --release` serves it on http://localhost:3000.
//!
//! `sockeye-chat --help` lists the options: `--port N` (or `PORT`; 0 picks a free port),
//! `--host ADDR` (or `HOST`, default 0.0.0.0), `--cors-origin URL` (allow a front-end served
//! elsewhere), `--redis URL` (or `REDIS_URL`: one node of a cluster on that Redis; see
//! docs/deployment.md; `--redis-adapter streams` for recovery on any node),
//! `--recovery-window SECONDS` (connection state recovery, 120 by
//! default, 0 off), `--admin` (the official Admin UI on `/admin`: user `SOCKEYE_ADMIN_USER`,
//! default `admin`, password `SOCKEYE_ADMIN_PASSWORD`; `--admin-no-auth` without a password).

mod admin;
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
use sockeye_redis::{RedisAdapter, RedisConfig, StreamsConfig};

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
    /// How the nodes share the cluster on Redis: `classic` (pub/sub, as @socket.io/redis-adapter)
    /// or `streams` (a Redis stream, as @socket.io/redis-streams-adapter: a user whose connection
    /// drops recovers on any node, not only the one it was on)
    #[arg(long, value_enum, default_value = "classic", requires = "redis")]
    redis_adapter: RedisAdapterKind,
    /// How long a user whose connection drops keeps their place: reconnecting within it
    /// brings back the same session and the messages sent meanwhile, without "left" and
    /// "joined" messages (connection state recovery). 0 turns it off
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = seconds)]
    recovery_window: u64,
    /// Serve the official Admin UI's namespace, /admin: open https://admin.socket.io and
    /// connect to this server. Logs in as SOCKEYE_ADMIN_USER (default admin) with the password
    /// in SOCKEYE_ADMIN_PASSWORD; refuses to start without one unless --admin-no-auth
    #[arg(long)]
    admin: bool,
    /// With --admin: no login at all (anyone who reaches the server may watch and act on it)
    #[arg(long, requires = "admin")]
    admin_no_auth: bool,
}

/// The sockeye-redis adapter the chat joins its cluster with.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RedisAdapterKind {
    Classic,
    Streams,
}

fn seconds(value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|s| *s <= 24 * 3600)
        .ok_or_else(|| "expected a whole number of seconds, at most 86400 (a day)".to_owned())
}

#[tokio::main]
async fn main() {
    let options = cli::parse::<Options>();
    // Checked before anything starts: a missing password is a usage error.
    let admin_login = match options
        .admin
        .then(|| admin::auth_from_env(options.admin_no_auth))
    {
        Some(Ok(login)) => Some(login),
        Some(Err(line)) => {
            eprintln!("error: {line}");
            std::process::exit(2);
        }
        None => None,
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();

    let mut builder = SocketIo::builder();
    if let Some(url) = &options.redis {
        let adapter = match options.redis_adapter {
            RedisAdapterKind::Classic => RedisAdapter::classic(RedisConfig::new(url.clone())).await,
            RedisAdapterKind::Streams => {
                RedisAdapter::streams(StreamsConfig::new(url.clone())).await
            }
        };
        match adapter {
            Ok(adapter) => builder = builder.adapter(adapter),
            Err(err) => {
                eprintln!("cannot join the cluster on Redis at {url}: {err}");
                std::process::exit(1);
            }
        }
    }
    let recovery_window = (options.recovery_window > 0)
        .then(|| std::time::Duration::from_secs(options.recovery_window));
    let io = builder
        .with_config(|config| {
            config.connection_state_recovery =
                recovery_window.map(|window| sockeye::ConnectionStateRecovery {
                    max_disconnection_duration: window,
                    ..Default::default()
                });
            if options.admin {
                config.engine.cors = Some(admin::cors(options.cors_origin.as_deref()));
            } else if let Some(origin) = &options.cors_origin {
                config.engine.cors = Some(
                    CorsConfig::default()
                        .origin(CorsOrigin::Exact(origin.clone()))
                        .credentials(true),
                );
            }
        })
        .build();
    chat::install(&io, recovery_window);
    let io2 = io.clone();

    let app = Router::new()
        .route("/api/health", get(move || health(io2.clone())))
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
    if let Some(login) = admin_login {
        admin::install(&io, login, port, options.redis.as_deref()).await;
    }
    if let Some(url) = &options.redis {
        println!("One node of a cluster on Redis at {url}");
    }
    // sockeye's server loop: Node's HTTP timeouts and limits, which `axum::serve` lacks; it
    // stops accepting on SIGTERM or Ctrl-C.
    let served =
        sockeye::engine::serve_until(listener, app, Default::default(), stop_signal()).await;
    if let Err(err) = served {
        eprintln!("server error: {err}");
        std::process::exit(1);
    }
    // Everyone is told to reconnect (to another node, behind a load balancer), with what was
    // queued for them delivered first, and their sessions kept for recovery.
    let clients = io.connection_count();
    println!("Shutting down: closing {clients} connection(s) within {SHUTDOWN_SECS} s");
    io.close_within(std::time::Duration::from_secs(SHUTDOWN_SECS))
        .await;
}

/// `/api/health`: that the server answers, and what it holds (for monitoring and the soak
/// benchmark): connections, sockets, tokio tasks alive, recovery sessions and log bytes.
async fn health(io: SocketIo) -> Json<serde_json::Value> {
    let m = io.metrics();
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    Json(json!({
        "status": "ok",
        "connections": m.connections,
        "sockets": m.sockets,
        "tasks": tasks,
        "recoverySessions": m.recovery_sessions,
        "recoveryBytes": m.recovery_bytes,
    }))
}

/// How long a stop may take before what is left is closed at once.
const SHUTDOWN_SECS: u64 = 10;

/// Resolves on SIGTERM (what service managers and orchestrators send) or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
