//! The benchmark server: the same four handlers as every peer in `bench/peers/`, so that
//! `sockeye-loadgen` measures the servers and not the applications.
//!
//! - `echo` (data): emits `echo` back to the sender with the same argument;
//! - `ack` (data, ack): acknowledges with the same argument;
//! - `join` (room, ack): joins the room, then acknowledges;
//! - `leave` (room, ack): leaves the room, then acknowledges;
//! - `bcast` (room, data): emits `b` with the data to everyone in the room.
//!
//! Listens on `--host`/`HOST` and `--port`/`PORT` (defaults 127.0.0.1 and 3000; port 0 picks
//! a free port) and prints its URL once it accepts connections. With `--redis`/`REDIS_URL` it
//! joins a cluster through sockeye-redis's classic adapter (as the Node peer does with
//! `@socket.io/redis-adapter`), so that `bcast` reaches the room's members on every node.
//! With `--recovery`/`RECOVERY=1` it turns on connection state recovery with its defaults
//! (as the Node peer does with `connectionStateRecovery: {}`), to measure what it costs.

#[path = "cli.rs"]
mod cli;

use clap::Parser;
use sockeye::{Ack, ConnectionStateRecovery, Socket, SocketIo, Value};
use sockeye_redis::{RedisAdapter, RedisConfig};

/// The sockeye benchmark server: the handlers echo, ack, join, leave and bcast, as in every peer
/// of bench/peers; prints its URL once listening.
#[derive(Parser)]
#[command(name = "bench-server", version)]
struct Options {
    /// Port to listen on (0 picks a free port)
    #[arg(long, env = "PORT", default_value = "3000", value_parser = cli::port)]
    port: u16,
    /// Address to listen on
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    host: String,
    /// Join the cluster on this Redis (redis://host:port) with the classic Redis adapter
    #[arg(long, env = "REDIS_URL", value_parser = cli::redis_url)]
    redis: Option<String>,
    /// Turn on connection state recovery (its defaults): every event gets an offset
    #[arg(long, env = "RECOVERY", value_parser = clap::builder::FalseyValueParser::new())]
    recovery: bool,
}

fn install(io: &SocketIo) {
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let io = io2.clone();
        async move {
            socket.on("echo", |socket: Socket, data: Value| async move {
                let _ = socket.emit("echo", &data);
            });
            socket.on("ack", |_socket: Socket, data: Value, ack: Ack| async move {
                ack.send(&data);
            });
            socket.on(
                "join",
                |socket: Socket, room: String, ack: Ack| async move {
                    socket.join(room);
                    ack.send(&());
                },
            );
            socket.on(
                "leave",
                |socket: Socket, room: String, ack: Ack| async move {
                    socket.leave(room);
                    ack.send(&());
                },
            );
            socket.on(
                "bcast",
                move |_socket: Socket, (room, data): (String, Value)| {
                    let io = io.clone();
                    async move {
                        let _ = io.to(room).emit("b", &data);
                    }
                },
            );
        }
    });
}

#[tokio::main]
async fn main() {
    let Options {
        port,
        host,
        redis,
        recovery,
    } = cli::parse();
    let builder = SocketIo::builder().with_config(|c| {
        if recovery {
            c.connection_state_recovery = Some(ConnectionStateRecovery::default());
        }
    });
    let io = match redis {
        None => builder.build(),
        Some(url) => match RedisAdapter::classic(RedisConfig::new(url.clone())).await {
            Ok(adapter) => builder.adapter(adapter).build(),
            Err(err) => {
                eprintln!("cannot join the cluster on Redis at {url}: {err}");
                std::process::exit(1);
            }
        },
    };
    install(&io);
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(err) => {
            eprintln!("cannot listen on {host}:{port}: {err}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("bench server listening on http://{host}:{port}");
    if let Err(err) = sockeye::engine::serve(listener, io.service()).await {
        eprintln!("server error: {err}");
        std::process::exit(1);
    }
}
