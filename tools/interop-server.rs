//! The server the Socket.IO interop tests drive with the official `socket.io-client`: each
//! event exercises one feature of the server API, so that a test can provoke it from the
//! client and see the result. Listens on `--port`/`PORT` (0 picks a free port) and prints
//! its URL.

#[path = "cli.rs"]
mod cli;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use serde::Deserialize;
use serde_json::json;
use sockeye::engine::{CorsConfig, CorsOrigin, PerMessageDeflate};
use sockeye::{Ack, Args, ConnectError, DisconnectReason, Socket, SocketIo, Value};

/// The server of sockeye's Socket.IO interop tests: each event exercises one feature of the
/// server API. Listens on 127.0.0.1 and prints its URL once listening.
#[derive(Parser)]
#[command(name = "interop-server", version)]
struct Options {
    /// Port to listen on (0 picks a free port)
    #[arg(long, env = "PORT", default_value = "3000", value_parser = cli::port)]
    port: u16,
    /// Engine.IO pingInterval in milliseconds [default: 25000]
    #[arg(long, env = "PING_INTERVAL", value_name = "MS", value_parser = millis)]
    ping_interval: Option<u64>,
    /// Engine.IO pingTimeout in milliseconds [default: 20000]
    #[arg(long, env = "PING_TIMEOUT", value_name = "MS", value_parser = millis)]
    ping_timeout: Option<u64>,
}

fn millis(value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| "expected a whole number of milliseconds".to_owned())
}

#[derive(Deserialize)]
struct RoomMessage {
    #[serde(default)]
    room: String,
    #[serde(default)]
    rooms: Vec<String>,
    data: Value,
}

#[derive(Deserialize)]
struct AckRequest {
    timeout: u64,
}

type Log = Arc<Mutex<Vec<String>>>;

fn install(io: &SocketIo, log: Log) {
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let io = io2.clone();
        let log = log.clone();
        async move { on_connection(io, log, socket) }
    });

    // A namespace whose middleware refuses clients without the right token.
    io.of("/private")
        .middleware(|socket: Socket| async move {
            let token = socket.handshake().auth.get("token").and_then(Value::as_str);
            if token == Some("secret") {
                Ok(())
            } else {
                Err(ConnectError::new("not authorized").with_data(&json!({ "code": 42 })))
            }
        })
        .on_connection(|socket: Socket| async move {
            let _ = socket.emit("welcome", "private");
        });

    // Every namespace created after the main one, in order, for the `namespaces` event.
    let created: Log = Arc::default();
    let c = created.clone();
    io.on_new_namespace(move |ns| {
        if let Ok(mut created) = c.lock() {
            created.push(ns.name().to_owned());
        }
    });
    let io2 = io.clone();
    io.sockets().on_connection(move |socket: Socket| {
        let (io, created) = (io2.clone(), created.clone());
        async move {
            socket.on("namespaces", move |_s: Socket, ack: Ack| {
                let (io, created) = (io.clone(), created.clone());
                async move {
                    let mut live: Vec<String> = io
                        .namespaces()
                        .iter()
                        .map(|n| n.name().to_owned())
                        .collect();
                    live.sort();
                    let created = created.lock().map(|c| c.clone()).unwrap_or_default();
                    ack.send(&json!({ "created": created, "live": live }));
                }
            });
        }
    });

    // A dynamic namespace decided by a lookup that takes time: /async-<anything>, for clients
    // whose auth says `allow: true`.
    io.of_dynamic_async(|name: String, auth: Value| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        name.starts_with("/async-") && auth.get("allow").and_then(Value::as_bool) == Some(true)
    })
    .on_connection(|socket: Socket| async move {
        let name = socket.namespace().name().to_owned();
        let _ = socket.emit("welcome", &name);
    });

    // Dynamic namespaces: /dyn-<digits> are created on demand.
    if let Ok(pattern) = regex_lite::Regex::new(r"^/dyn-\d+$") {
        io.of_regex(pattern)
            .on_connection(|socket: Socket| async move {
                let name = socket.namespace().name().to_owned();
                let _ = socket.emit("welcome", &name);
            });
    }
}

fn on_connection(io: SocketIo, log: Log, socket: Socket) {
    let (l, s) = (log.clone(), socket.id().to_owned());
    socket.on_disconnect(move |_socket: Socket, reason: DisconnectReason| {
        let (log, id) = (l.clone(), s.clone());
        async move {
            if let Ok(mut log) = log.lock() {
                log.push(format!("{id} {reason}"));
            }
        }
    });
    let l = log.clone();
    socket.on("disconnect-log", move |_s: Socket, _d: Value, ack: Ack| {
        let log = l.clone();
        async move {
            let entries = log.lock().map(|l| l.clone()).unwrap_or_default();
            ack.send(&entries);
        }
    });

    socket.on("handshake-object", |socket: Socket, ack: Ack| async move {
        ack.send(socket.handshake());
    });

    socket.on(
        "handshake",
        |socket: Socket, _d: Value, ack: Ack| async move {
            let h = socket.handshake();
            ack.send(&json!({
                "auth": h.auth,
                "query": h.query,
                "header": h.headers.get("x-test").and_then(|v| v.to_str().ok()),
                "url": h.url,
                "secure": h.secure,
                "xdomain": h.xdomain,
                "id": socket.id(),
            }));
        },
    );

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
    socket.on("recovered", |socket: Socket, ack: Ack| async move {
        ack.send(&socket.recovered());
    });
    let i = io.clone();
    socket.on("recovery-sessions", move |_s: Socket, ack: Ack| {
        let io = i.clone();
        async move { ack.send(&io.metrics().recovery_sessions) }
    });
    socket.on("rooms", |socket: Socket, _d: Value, ack: Ack| async move {
        let mut rooms: Vec<String> = socket.rooms().into_iter().collect();
        rooms.sort();
        ack.send(&rooms);
    });

    // The reference's emit cheatsheet.
    socket.on("to-self", |socket: Socket, data: Value| async move {
        let _ = socket.emit("msg", &data);
    });
    let i = io.clone();
    socket.on("to-all", move |_s: Socket, data: Value| {
        let io = i.clone();
        async move {
            let _ = io.emit("msg", &data);
        }
    });
    socket.on(
        "to-all-but-sender",
        |socket: Socket, data: Value| async move {
            let _ = socket.broadcast().emit("msg", &data);
        },
    );
    let i = io.clone();
    socket.on("to-room", move |_s: Socket, m: RoomMessage| {
        let io = i.clone();
        async move {
            let _ = io.to(m.room).emit("msg", &m.data);
        }
    });
    socket.on(
        "to-room-but-sender",
        |socket: Socket, m: RoomMessage| async move {
            let _ = socket.to(m.room).emit("msg", &m.data);
        },
    );
    let i = io.clone();
    socket.on("to-rooms", move |_s: Socket, m: RoomMessage| {
        let io = i.clone();
        async move {
            let mut op = io.to(Vec::<String>::new());
            for room in m.rooms {
                op = op.to(room);
            }
            let _ = op.emit("msg", &m.data);
        }
    });
    let i = io.clone();
    socket.on("to-socket", move |_s: Socket, m: RoomMessage| {
        let io = i.clone();
        async move {
            let _ = io.to(m.room).emit("msg", &m.data);
        }
    });
    let i = io.clone();
    socket.on("except-room", move |_s: Socket, m: RoomMessage| {
        let io = i.clone();
        async move {
            let _ = io.except(m.room).emit("msg", &m.data);
        }
    });

    // Acknowledgements.
    socket.on("echo-ack", |_s: Socket, args: Args, ack: Ack| async move {
        ack.send(&args);
    });
    // One parameter takes the first argument, as `(a, cb) => cb(a)`; null is sent as null.
    socket.on(
        "first-ack",
        |_s: Socket, first: Value, ack: Ack| async move {
            ack.send(&first);
        },
    );
    // A payload that does not fit: the hook answers with what went wrong.
    socket.on("typed-ack", |_s: Socket, n: u32, ack: Ack| async move {
        ack.send(&(n + 1));
    });
    socket.on_args_error(|_s: &Socket, err: &sockeye::ArgsError, ack: Ack| {
        ack.send(&json!({ "event": err.event, "index": err.index, "error": err.message }));
    });
    socket.on("echo", |socket: Socket, args: Args| async move {
        let _ = socket.emit("echo-back", &args);
    });
    socket.on(
        "server-ack",
        |socket: Socket, req: AckRequest, ack: Ack| async move {
            let answer = socket
                .timeout(Duration::from_millis(req.timeout))
                .emit_with_ack::<_, Value>("ack-me", "question")
                .await;
            match answer {
                Ok(value) => ack.send(&json!({ "answer": value })),
                Err(err) => ack.send(&json!({ "error": err.to_string() })),
            };
        },
    );
    let i = io.clone();
    socket.on(
        "broadcast-ack",
        move |_s: Socket, req: AckRequest, ack: Ack| {
            let io = i.clone();
            async move {
                let result = io
                    .timeout(Duration::from_millis(req.timeout))
                    .emit_with_ack::<_, Value>("ack-me", "broadcast")
                    .await;
                match result {
                    Ok(mut answers) => {
                        answers.sort_by_key(|v| format!("{v:?}"));
                        ack.send(&json!({ "answers": answers }))
                    }
                    Err(sockeye::BroadcastAckError::Timeout(t)) => ack.send(&json!({
                        "error": "timeout",
                        "answered": t.responses.len(),
                        "missing": t.missing.len(),
                    })),
                    Err(err) => ack.send(&json!({ "error": err.to_string() })),
                };
            }
        },
    );

    // Ordering: a slow handler must not be overtaken by the next event of the same socket.
    let order: Log = Arc::new(Mutex::new(Vec::new()));
    let o = order.clone();
    socket.on("slow", move |_s: Socket, tag: String| {
        let order = o.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if let Ok(mut order) = order.lock() {
                order.push(tag);
            }
        }
    });
    let o = order.clone();
    socket.on("fast", move |_s: Socket, tag: String| {
        let order = o.clone();
        async move {
            if let Ok(mut order) = order.lock() {
                order.push(tag);
            }
        }
    });
    socket.on("order", move |_s: Socket, _d: Value, ack: Ack| {
        let order = order.clone();
        async move {
            let seen = order.lock().map(|o| o.clone()).unwrap_or_default();
            ack.send(&seen);
        }
    });

    socket.on("volatile-burst", |socket: Socket, count: u32| async move {
        for i in 0..count {
            let _ = socket.volatile().emit("volatile", &i);
        }
        let _ = socket.emit("volatile-done", &count);
    });

    socket.on("disconnect-me", |socket: Socket, close: bool| async move {
        socket.disconnect(close);
    });
}

#[tokio::main]
async fn main() {
    let options = cli::parse::<Options>();
    let port = options.port;
    let io = SocketIo::builder()
        .with_config(|config| {
            config.engine.cors = Some(
                CorsConfig::default()
                    .origin(CorsOrigin::Exact("http://example.test".to_owned()))
                    .credentials(true),
            );
            if let Some(ms) = options.ping_interval {
                config.engine.ping_interval = Duration::from_millis(ms);
            }
            config.cleanup_empty_child_namespaces =
                std::env::var("CLEANUP_EMPTY_CHILD_NAMESPACES").is_ok_and(|v| v == "1");
            if let Some(ms) = options.ping_timeout {
                config.engine.ping_timeout = Duration::from_millis(ms);
            }
            // "1": connection state recovery with its defaults; "middlewares": without
            // skipping the middlewares.
            match std::env::var("RECOVERY").as_deref() {
                Ok("1") => {
                    config.connection_state_recovery =
                        Some(sockeye::ConnectionStateRecovery::default())
                }
                Ok("middlewares") => {
                    config.connection_state_recovery = Some(sockeye::ConnectionStateRecovery {
                        skip_middlewares: false,
                        ..Default::default()
                    })
                }
                _ => {}
            }
            // "1": Engine.IO 3 / socket.io-client 2.x clients are accepted (`allowEIO3`).
            config.engine.allow_eio3 = std::env::var("ALLOW_EIO3").is_ok_and(|v| v == "1");
            if std::env::var("PARSER").is_ok_and(|p| p == "msgpack") {
                config.parser = sockeye::Parser::Msgpack;
            }
            // "1": the option's defaults; "takeover": context takeover both ways, as `ws`.
            match std::env::var("PER_MESSAGE_DEFLATE").as_deref() {
                Ok("1") => config.engine.per_message_deflate = Some(PerMessageDeflate::default()),
                Ok("takeover") => {
                    config.engine.per_message_deflate = Some(
                        PerMessageDeflate::default()
                            .server_no_context_takeover(false)
                            .client_no_context_takeover(false),
                    )
                }
                _ => {}
            }
        })
        .build();
    install(&io, Arc::new(Mutex::new(Vec::new())));
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(err) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("interop server listening on http://localhost:{port}");
    if let Err(err) = sockeye::engine::serve(listener, io.service()).await {
        eprintln!("server error: {err}");
    }
}
