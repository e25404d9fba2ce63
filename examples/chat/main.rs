//! The sockeye chat application: `cargo run --release` serves it on http://localhost:3000.
//!
//! `sockeye-chat --help` lists the options: `--port N` (or `PORT`; 0 picks a free port),
//! `--host ADDR` (or `HOST`, default 0.0.0.0), `--cors-origin URL` (allow a front-end served
//! elsewhere), `--redis URL` (or `REDIS_URL`: one node of a cluster on that Redis; see
//! docs/deployment.md; `--redis-adapter streams` for recovery on any node),
//! `--recovery-window SECONDS` (connection state recovery, 120 by
//! default, 0 off), `--cluster-secret S` (or `SOCKEYE_CLUSTER_SECRET`, with `--redis`: the
//! nodes forward each other the requests of sessions they do not own, so the load balancer
//! needs no sticky sessions; `--cluster-listen ADDR` and `--cluster-advertise HOST:PORT` say
//! where the other nodes reach this one), `--metrics` (Prometheus metrics at `/metrics`, off
//! by default). Logs go to standard output at `info` (refused requests, disconnections and
//! their reasons); `RUST_LOG` changes that, e.g. `RUST_LOG=sockeye=debug`. `--admin` (the
//! official Admin UI on `/admin`: user `SOCKEYE_ADMIN_USER`, default `admin`, password
//! `SOCKEYE_ADMIN_PASSWORD`; `--admin-no-auth` without a password).

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
use sockeye::engine::{ClusterConfig, ClusterSecret, CorsConfig, CorsOrigin};
use sockeye_redis::{NodeRegistry, NodeRegistryConfig, RedisAdapter, RedisConfig, StreamsConfig};

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
    /// Let the load balancer send any request to any node (no sticky sessions): a node
    /// forwards the requests of a session it does not own to the node that does, signing them
    /// with this secret, which every node of the cluster shares (at least 16 characters;
    /// needs --redis, where the nodes find each other)
    #[arg(
        long,
        env = "SOCKEYE_CLUSTER_SECRET",
        value_name = "SECRET",
        requires = "redis",
        hide_env_values = true
    )]
    cluster_secret: Option<String>,
    /// Where this node listens for the requests the other nodes forward to it: keep it
    /// reachable by them only, never by clients
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:0",
        requires = "cluster_secret"
    )]
    cluster_listen: std::net::SocketAddr,
    /// The address the other nodes connect to for --cluster-listen, when it is not that
    /// address itself (a 0.0.0.0 listener, a container's name)
    #[arg(long, value_name = "HOST:PORT", value_parser = host_port, requires = "cluster_secret")]
    cluster_advertise: Option<String>,
    /// Serve Prometheus metrics at /metrics beside the chat (off by default: /metrics is 404)
    #[arg(long)]
    metrics: bool,
    /// Serve the official Admin UI's namespace, /admin: open https://admin.socket.io and
    /// connect to this server. Logs in as SOCKEYE_ADMIN_USER (default admin) with the password
    /// in SOCKEYE_ADMIN_PASSWORD; refuses to start without one unless --admin-no-auth
    // This doc is the --help text, which shows markdown as it is: no <> around the address.
    #[allow(rustdoc::bare_urls)]
    #[arg(long)]
    admin: bool,
    /// With --admin: no login at all (anyone who reaches the server may watch and act on it)
    #[arg(long, requires = "admin")]
    admin_no_auth: bool,
}

/// The cluster secret, checked after parsing so that no error message repeats it.
fn cluster_secret(options: &Options) -> Option<ClusterSecret> {
    let value = options.cluster_secret.as_ref()?;
    let refuse = |why: String| -> ! {
        eprintln!("error: {why} (--cluster-secret or SOCKEYE_CLUSTER_SECRET)");
        std::process::exit(2);
    };
    if value.is_empty() {
        refuse("the cluster secret is empty".to_owned());
    }
    match ClusterSecret::new(value) {
        Some(secret) => Some(secret),
        None => refuse(format!(
            "the cluster secret must have at least {} characters: the nodes sign the requests \
             they forward to each other with it",
            ClusterSecret::MIN_LEN
        )),
    }
}

fn host_port(value: &str) -> Result<String, String> {
    match value.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(value.to_owned())
        }
        _ => Err(format!(
            "expected HOST:PORT, such as 10.0.0.2:4000, not {value:?}"
        )),
    }
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
    let secret = cluster_secret(&options);
    if secret.is_some()
        && options.cluster_advertise.is_none()
        && options.cluster_listen.ip().is_unspecified()
    {
        eprintln!(
            "error: --cluster-listen {} needs --cluster-advertise HOST:PORT: the other nodes \
             cannot connect to an unspecified address",
            options.cluster_listen
        );
        std::process::exit(2);
    }
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
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        // Colours for a terminal only: not into a file or a service manager's journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
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
    // Forwarding between nodes: the internal listener first, as its address is what the
    // registry tells the other nodes.
    let mut internal = None;
    let mut cluster = None;
    if let (Some(secret), Some(url)) = (secret, &options.redis) {
        let listener = match tokio::net::TcpListener::bind(options.cluster_listen).await {
            Ok(l) => l,
            Err(err) => {
                eprintln!(
                    "cannot listen on {} (--cluster-listen): {err}",
                    options.cluster_listen
                );
                std::process::exit(1);
            }
        };
        let bound = listener.local_addr().unwrap_or(options.cluster_listen);
        let address = options
            .cluster_advertise
            .clone()
            .unwrap_or_else(|| bound.to_string());
        let registry =
            match NodeRegistry::register(NodeRegistryConfig::new(url.clone(), address.clone()))
                .await
            {
                Ok(r) => r,
                Err(err) => {
                    eprintln!("cannot join the node registry on Redis at {url}: {err}");
                    std::process::exit(1);
                }
            };
        cluster = Some((
            ClusterConfig::new(std::sync::Arc::new(registry.clone()), secret),
            registry,
            address,
        ));
        internal = Some(listener);
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
            config.engine.cluster = cluster.as_ref().map(|(c, _, _)| c.clone());
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

    let mut app = Router::new().route("/api/health", get(move || health(io2.clone())));
    if options.metrics {
        app = with_metrics(app, &io);
    }
    let app = app.fallback(assets::serve).layer(io.layer());

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
    if let (Some(listener), Some((_, registry, address))) = (internal, &cluster) {
        println!(
            "No sticky sessions needed: node {} takes forwarded requests at {address}",
            registry.node_id()
        );
        // Other nodes only: what it answers is signed requests for this node's sessions.
        let service = io.engine().internal_service();
        tokio::spawn(async move {
            if let Err(err) = sockeye::engine::serve(listener, service).await {
                eprintln!("internal listener error: {err}");
            }
        });
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
    // After the sessions are closed (their last answers may still be forwarded here), the
    // other nodes stop forwarding to this one.
    if let Some((_, registry, _)) = &cluster {
        registry.deregister().await;
    }
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

/// `--metrics`: `/metrics` in the Prometheus text format, encoded when scraped.
fn with_metrics(app: Router, io: &SocketIo) -> Router {
    let io = io.clone();
    app.route(
        "/metrics",
        get(move || {
            let io = io.clone();
            async move { sockeye::metrics::response(&io) }
        }),
    )
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
