//! A graceful stop (`close_within`, `serve_until`): new handshakes are refused, every socket's
//! disconnect handlers run with `server shutting down`, every client gets what was queued for
//! it and then its transport closes (so it reconnects elsewhere), sessions are kept for
//! recovery, and the whole stop ends by its deadline even when a handler hangs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sio_support::{Raw, eventually, serve};
use sockeye::{ConnectionStateRecovery, DisconnectReason, Socket, SocketIo};

/// A server whose sockets log their disconnect reasons.
fn logging_server(recovery: bool) -> (SocketIo, Arc<Mutex<Vec<String>>>) {
    let io = SocketIo::builder()
        .with_config(|c| {
            c.connection_state_recovery = recovery.then(ConnectionStateRecovery::default);
        })
        .build();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    io.on_connection(move |socket: Socket| {
        let l = l.clone();
        async move {
            socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
                let l = l.clone();
                async move { l.lock().unwrap().push(reason.to_string()) }
            });
        }
    });
    (io, log)
}

#[tokio::test]
async fn clients_get_their_last_messages_then_the_close() {
    let (io, log) = logging_server(false);
    let addr = serve(&io).await;
    let (mut a, _) = Raw::join(addr).await;
    let (mut b, _) = Raw::join(addr).await;
    // Polling too: a client that polls until its session closes.
    let http = Arc::new(polling_handshake(addr).await);
    let poller = {
        let http = http.clone();
        tokio::spawn(async move {
            let mut got = String::new();
            loop {
                let (status, body) = http.poll().await;
                got.push_str(&body);
                got.push('|');
                if status != 200 || body.split('\u{1e}').any(|p| p == "1") {
                    return got;
                }
            }
        })
    };

    for i in 0..3 {
        io.emit("last", &i).unwrap();
    }
    io.close_within(Duration::from_secs(5)).await;
    for raw in [&mut a, &mut b] {
        let seen = raw.until_closed().await;
        assert_eq!(seen, ["2[\"last\",0]", "2[\"last\",1]", "2[\"last\",2]"]);
    }
    assert_eq!(
        *log.lock().unwrap(),
        [
            "server shutting down",
            "server shutting down",
            "server shutting down"
        ]
    );
    let polled = poller.await.unwrap();
    assert!(
        polled.contains("42[\"last\",0]\u{1e}42[\"last\",1]\u{1e}42[\"last\",2]"),
        "the polling client's messages, then the close: {polled}"
    );
    assert_eq!(io.connection_count(), 0);
    // New handshakes are refused.
    let refused = http.handshake_status().await;
    assert_eq!(refused, 503, "Service Unavailable");
}

#[tokio::test]
async fn sessions_are_kept_for_recovery() {
    let (io, _) = logging_server(true);
    let addr = serve(&io).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(Raw::join(addr).await.0);
    }
    io.close_within(Duration::from_secs(5)).await;
    assert_eq!(io.metrics().recovery_sessions, 3);
    drop(clients);
}

#[tokio::test]
async fn a_hanging_handler_does_not_hold_the_stop_past_its_deadline() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on_disconnecting(|_s: Socket, _r: DisconnectReason| async move {
            std::future::pending::<()>().await;
        });
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    io.close_within(Duration::from_millis(300)).await;
    // Past the deadline, the connection is closed at once.
    assert!(raw.until_closed().await.is_empty());
}

#[tokio::test]
async fn serve_until_stops_accepting_and_keeps_open_connections() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on("ping", |socket: Socket| async move {
            socket.emit("pong", &()).unwrap();
        });
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(sockeye::engine::serve_until(
        listener,
        io.service(),
        sockeye::engine::ServeConfig::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    let (mut raw, _) = Raw::join(addr).await;
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    eventually(|| std::net::TcpStream::connect(addr).is_err()).await;
    raw.send("2[\"ping\"]").await;
    assert_eq!(raw.recv().await.unwrap(), "2[\"pong\"]");
}

/// A bare-bones long-polling client over a raw TCP stream (HTTP/1.1, one request per
/// connection), enough to open a session, join `/`, and read a poll.
struct Polling {
    addr: std::net::SocketAddr,
    sid: String,
}

async fn http(addr: std::net::SocketAddr, request: String) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
}

fn post(path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn polling_handshake(addr: std::net::SocketAddr) -> Polling {
    let (status, body) = http(addr, get("/socket.io/?EIO=4&transport=polling")).await;
    assert_eq!(status, 200, "{body}");
    let open: serde_json::Value = serde_json::from_str(&body[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap().to_owned();
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    let (status, _) = http(addr, post(&path, "40")).await;
    assert_eq!(status, 200);
    let (_, connect) = http(addr, get(&path)).await;
    assert!(connect.starts_with("40{"), "{connect}");
    Polling { addr, sid }
}

impl Polling {
    async fn poll(&self) -> (u16, String) {
        let path = format!("/socket.io/?EIO=4&transport=polling&sid={}", self.sid);
        http(self.addr, get(&path)).await
    }

    async fn handshake_status(&self) -> u16 {
        http(self.addr, get("/socket.io/?EIO=4&transport=polling"))
            .await
            .0
    }
}
