//! The two servers the client is tested against, with the same handlers: the Node reference
//! (`interop/rust-client/server.js`, socket.io 4.8) and sockeye in-process.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

pub mod cut_proxy;
pub mod scripted;

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::json;
use sockeye::{Ack, Args, ConnectError, Parser, Socket, SocketIo};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// Which server a scenario runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Node,
    Sockeye,
}

/// A running server that can be stopped and started again on the same port.
pub enum Server {
    Node {
        child: Child,
        port: u16,
    },
    Sockeye {
        io: SocketIo,
        task: tokio::task::JoinHandle<()>,
        port: u16,
    },
}

impl Server {
    pub async fn start(kind: Kind) -> Server {
        Self::start_on(kind, 0).await
    }

    pub async fn start_on(kind: Kind, port: u16) -> Server {
        Self::start_with(kind, port, Parser::Json).await
    }

    /// Starts a server whose packets use `parser` (the Node one with
    /// `socket.io-msgpack-parser` for msgpack).
    pub async fn start_with(kind: Kind, port: u16, parser: Parser) -> Server {
        match kind {
            Kind::Node => start_node(port, parser).await,
            Kind::Sockeye => start_sockeye(port, parser).await,
        }
    }

    pub fn port(&self) -> u16 {
        match self {
            Server::Node { port, .. } | Server::Sockeye { port, .. } => *port,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// Stops the server: every connection drops.
    pub async fn stop(self) {
        match self {
            Server::Node { mut child, .. } => {
                let _ = child.kill().await;
            }
            Server::Sockeye { io, task, .. } => {
                io.close().await;
                task.abort();
                let _ = task.await;
            }
        }
    }
}

async fn start_node(port: u16, parser: Parser) -> Server {
    let parser = if parser == Parser::Msgpack {
        "msgpack"
    } else {
        "json"
    };
    start_node_script("rust-client/server.js", port, &[("PARSER", parser)]).await
}

/// Starts `interop/<script>` on `port` (0: any) with `env`, and waits for the URL
/// it prints.
pub async fn start_node_script(script: &str, port: u16, env: &[(&str, &str)]) -> Server {
    let script = format!("{}/../../interop/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new("node")
        .arg(script)
        .env("PORT", port.to_string())
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (install Node.js and `npm ci` in interop/)");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("the node server prints its URL within 10 s")
        .unwrap()
        .expect("a line");
    let port = line.rsplit(':').next().unwrap().trim().parse().unwrap();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server::Node { child, port }
}

async fn start_sockeye(port: u16, parser: Parser) -> Server {
    let io = SocketIo::builder()
        .with_config(|config| config.parser = parser)
        .build();
    install(&io, "/");
    install(&io, "/admin");
    let listener = bind(port).await;
    let port = listener.local_addr().unwrap().port();
    let service = io.service();
    let task = tokio::spawn(async move {
        let _ = sockeye::engine::serve(listener, service).await;
    });
    Server::Sockeye { io, task, port }
}

/// Binds 127.0.0.1:`port`, retrying briefly while the previous server's socket goes away.
pub async fn bind(port: u16) -> tokio::net::TcpListener {
    for _ in 0..100 {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => return l,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("cannot bind 127.0.0.1:{port}");
}

/// The handlers of `server.js`, on sockeye.
fn install(io: &SocketIo, nsp: &str) {
    let ns = io.of(nsp);
    ns.middleware(|socket: Socket| async move {
        if socket
            .handshake()
            .auth
            .get("token")
            .and_then(|t| t.as_str())
            == Some("bad")
        {
            return Err(ConnectError::new("not authorized").with_data(&json!({ "code": 7 })));
        }
        Ok(())
    });
    ns.on_connection(|socket: Socket| async move {
        socket.on("echo", |socket: Socket, args: Args, ack: Ack| async move {
            if ack.requested() {
                ack.send(&args);
            } else {
                let _ = socket.emit("echo", &args);
            }
        });
        socket.on(
            "ask",
            |socket: Socket, data: serde_json::Value, ack: Ack| async move {
                let answer: Result<serde_json::Value, _> = socket
                    .timeout(Duration::from_secs(2))
                    .emit_with_ack("question", &data)
                    .await;
                match answer {
                    Ok(answer) => ack.send(&json!({ "answer": answer })),
                    Err(e) => ack.send(&json!({ "error": e.to_string() })),
                };
            },
        );
        socket.on("ignore", |_socket: Socket| async move {});
        let flaky = Arc::new(AtomicU32::new(0));
        socket.on("flaky", move |_socket: Socket, _: Args, ack: Ack| {
            let n = flaky.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if n % 2 == 0 {
                    ack.send(&n);
                }
            }
        });
        socket.on("whoami", |socket: Socket, _: Args, ack: Ack| async move {
            let auth = serde_json::to_value(&socket.handshake().auth).unwrap_or_default();
            ack.send(&json!({
                "engine": socket.transport_id(),
                "transport": socket.transport(),
                "auth": auth,
            }));
        });
        socket.on("kick", |socket: Socket| async move {
            socket.disconnect(false);
        });
    });
}

/// The next item of `rx`, within 10 s.
pub async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("channel open")
}

/// Asserts nothing arrives on `rx` for `d`.
pub async fn nothing_for<T: std::fmt::Debug>(rx: &mut mpsc::UnboundedReceiver<T>, d: Duration) {
    if let Ok(Some(v)) = tokio::time::timeout(d, rx.recv()).await {
        panic!("unexpected {v:?}");
    }
}

/// Logs to the test output when `RUST_LOG` is set.
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// sockeye's twin of `interop/lib/recovery-server.js` (connection state recovery on): the
/// same events, so that the recovery tests run against both servers. Each socket's next
/// message number is kept by socket id, as the reference's in-memory `socket.data` is kept
/// by reference across a recovery.
pub async fn start_sockeye_recovery(port: u16) -> Server {
    use sockeye::{Ack, Args, ConnectionStateRecovery, DisconnectReason, Socket};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    const GAP: u64 = 2;
    type Numbers = Arc<Mutex<HashMap<String, (String, u64)>>>;
    fn send(io: &SocketIo, numbers: &Numbers, socket: &Socket, count: u64) {
        for _ in 0..count {
            let (room, n) = {
                let mut all = numbers.lock().unwrap();
                let Some(entry) = all.get_mut(socket.id()) else {
                    return;
                };
                entry.1 += 1;
                (entry.0.clone(), entry.1 - 1)
            };
            io.to(room).emit("room", &n).unwrap();
            io.to(socket.id()).emit("direct", &n).unwrap();
        }
    }

    let io = SocketIo::builder()
        .with_config(|c| c.connection_state_recovery = Some(ConnectionStateRecovery::default()))
        .build();
    let numbers: Numbers = Arc::default();
    let (io2, n2) = (io.clone(), numbers.clone());
    io.on_connection(move |socket: Socket| {
        let (io, numbers) = (io2.clone(), n2.clone());
        async move {
            let n = numbers.clone();
            socket.on("join", move |socket: Socket, room: String, ack: Ack| {
                let n = n.clone();
                async move {
                    socket.join(room.clone());
                    n.lock().unwrap().insert(socket.id().to_owned(), (room, 0));
                    ack.send(&socket.id());
                }
            });
            let (i, n) = (io.clone(), numbers.clone());
            socket.on("burst", move |socket: Socket, count: u64, ack: Ack| {
                let (io, n) = (i.clone(), n.clone());
                async move {
                    send(&io, &n, &socket, count);
                    ack.send(&());
                }
            });
            let i = io.clone();
            socket.on("shapes", move |socket: Socket, _a: Args, ack: Ack| {
                let io = i.clone();
                async move {
                    let me = io.to(socket.id());
                    me.emit("none", &()).unwrap();
                    me.emit("null", &serde_json::Value::Null).unwrap();
                    me.emit("empty", "").unwrap();
                    me.emit("pair", &(1, "two")).unwrap();
                    me.emit("done", &()).unwrap();
                    ack.send(&());
                }
            });
            socket.on("whoami", |socket: Socket, _a: Args, ack: Ack| async move {
                ack.send(&serde_json::json!({
                    "id": socket.id(),
                    "recovered": socket.recovered(),
                    "auth": socket.handshake().auth,
                }));
            });
            let (i, n) = (io.clone(), numbers.clone());
            socket.on_disconnect(move |socket: Socket, _r: DisconnectReason| {
                let (io, n) = (i.clone(), n.clone());
                async move { send(&io, &n, &socket, GAP) }
            });
        }
    });
    let listener = bind(port).await;
    let port = listener.local_addr().unwrap().port();
    let service = io.service();
    let task = tokio::spawn(async move {
        let _ = sockeye::engine::serve(listener, service).await;
    });
    Server::Sockeye { io, task, port }
}
