//! One sockeye node of a Redis cluster, for the mixed-cluster interop tests: it joins the
//! cluster with sockeye-redis and answers the control events of `cluster_control.rs`, the same
//! as the Node node `interop/redis/node-cluster-node.js`. Prints its URL once it listens.

mod cli;
mod cluster_control;

use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::Deserialize;
use serde_json::json;
use sockeye::{Ack, Args, Socket, SocketIo, Value};
use sockeye_redis::{
    Emitter, EmitterConfig, RedisAdapter, RedisConfig, ShardedConfig, StreamsConfig,
};

/// Which adapter of sockeye-redis joins the cluster.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    /// `createAdapter` (Redis pub/sub).
    Classic,
    /// `createShardedAdapter` (Redis 7 sharded pub/sub on a Redis Cluster).
    Sharded,
    /// `createAdapter` of `@socket.io/redis-streams-adapter` (a Redis stream and pub/sub).
    Streams,
}

/// One sockeye node of a Redis cluster, answering the interop tests' control events.
#[derive(Debug, Parser)]
#[command(name = "cluster-node", version)]
struct Options {
    /// The Redis to join (for sharded mode: comma-separated nodes of the Redis Cluster).
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    redis: String,
    /// The port to listen on, on 127.0.0.1 (0 picks a free port).
    #[arg(long, env = "PORT", default_value = "0", value_parser = cli::port)]
    port: u16,
    /// What this node answers to server-side events.
    #[arg(long, env = "NODE_NAME", default_value = "sockeye")]
    name: String,
    /// The adapter.
    #[arg(long, env = "MODE", value_enum, default_value = "classic")]
    mode: Mode,
    /// How long a request to the other nodes waits, in milliseconds.
    #[arg(long, env = "REQUESTS_TIMEOUT_MS", default_value_t = 5000)]
    requests_timeout_ms: u64,
    /// Connection state recovery with its defaults (across the cluster with `--mode streams`)
    #[arg(long, env = "RECOVERY", value_parser = clap::builder::BoolishValueParser::new(), default_value = "false")]
    recovery: bool,
}

/// What `c:rust-emitter` asks the Rust emitter to send.
#[derive(Deserialize, Default)]
#[serde(default)]
struct EmitterRequest {
    rooms: Vec<String>,
    except: Vec<String>,
    event: String,
    args: Vec<Value>,
}

#[tokio::main]
async fn main() {
    let options = cli::parse::<Options>();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let timeout = Duration::from_millis(options.requests_timeout_ms);
    let adapter = match options.mode {
        Mode::Classic => {
            let mut config = RedisConfig::new(options.redis.clone());
            config.requests_timeout = timeout;
            RedisAdapter::classic(config).await
        }
        Mode::Sharded => {
            let mut config = ShardedConfig::new(options.redis.split(','));
            config.requests_timeout = timeout;
            RedisAdapter::sharded(config).await
        }
        Mode::Streams => {
            let mut config = StreamsConfig::new(options.redis.clone());
            config.requests_timeout = timeout;
            RedisAdapter::streams(config).await
        }
    };
    let adapter = match adapter {
        Ok(adapter) => adapter,
        Err(err) => {
            eprintln!("cannot join the cluster at {}: {err}", options.redis);
            std::process::exit(1);
        }
    };
    let recovery = options
        .recovery
        .then(sockeye::ConnectionStateRecovery::default);
    let io = SocketIo::builder()
        .adapter(adapter)
        .with_config(|c| c.connection_state_recovery = recovery)
        .build();
    cluster_control::install(&io, &options.name);
    if matches!(options.mode, Mode::Classic) {
        match Emitter::connect(EmitterConfig::new(options.redis.clone())).await {
            Ok(emitter) => install_emitter(&io, emitter),
            Err(err) => eprintln!("no emitter: {err}"),
        }
    }

    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await {
        Ok(l) => l,
        Err(err) => {
            eprintln!("cannot listen on 127.0.0.1:{}: {err}", options.port);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    println!(
        "cluster node {} listening on http://127.0.0.1:{port}",
        options.name
    );
    if let Err(err) = sockeye::engine::serve(listener, io.service()).await {
        eprintln!("server error: {err}");
    }
}

/// `c:rust-emitter`: sends an event through the Rust emitter, as a process without sockets.
fn install_emitter(io: &SocketIo, emitter: Emitter) {
    io.on_connection(move |socket: Socket| {
        let emitter = emitter.clone();
        async move {
            socket.on(
                "c:rust-emitter",
                move |_s: Socket, r: EmitterRequest, ack: Ack| {
                    let emitter = emitter.clone();
                    async move {
                        let result = emitter
                            .to(r.rooms)
                            .except(r.except)
                            .emit(&r.event, &Args(r.args))
                            .await;
                        ack.send(&json!({ "ok": result.is_ok() }));
                    }
                },
            );
        }
    });
}
