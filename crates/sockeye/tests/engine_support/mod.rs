//! Shared by the engine integration tests: a server on 127.0.0.1:0 with a recording echo
//! handler, a raw HTTP/1.1 client and a websocket client.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sockeye::engine::{
    CloseReason, Engine, EngineConfig, EngineHandler, EngineIncoming, EngineService, EngineSession,
    Frame, Incoming,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;

/// What the handler saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Open(String),
    Message(String, Incoming),
    Close(String, CloseReason),
}

/// Echoes every message and reports what it sees.
pub struct Recorder {
    pub seen: mpsc::UnboundedSender<Seen>,
    pub sessions: Arc<Mutex<Vec<EngineSession>>>,
}

impl EngineHandler for Recorder {
    fn on_open(&self, session: EngineSession, mut incoming: EngineIncoming) {
        let seen = self.seen.clone();
        let _ = seen.send(Seen::Open(session.id().to_owned()));
        self.sessions.lock().unwrap().push(session.clone());
        tokio::spawn(async move {
            loop {
                let msg = incoming.recv().await;
                let _ = match &msg {
                    Incoming::Text(t) => session.send(Frame::text(t)),
                    Incoming::Binary(b) => session.send(Frame::binary(b.clone())),
                    Incoming::Close(reason) => {
                        let _ = seen.send(Seen::Close(session.id().to_owned(), *reason));
                        break;
                    }
                };
                let _ = seen.send(Seen::Message(session.id().to_owned(), msg));
            }
        });
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub engine: Engine,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    pub sessions: Arc<Mutex<Vec<EngineSession>>>,
}

impl TestServer {
    pub async fn start(config: EngineConfig) -> TestServer {
        let (tx, seen) = mpsc::unbounded_channel();
        let sessions = Arc::new(Mutex::new(Vec::new()));
        let engine = Engine::new(
            config,
            Arc::new(Recorder {
                seen: tx,
                sessions: sessions.clone(),
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(sockeye::engine::serve(
            listener,
            EngineService::new(engine.clone()),
        ));
        TestServer {
            addr,
            engine,
            seen,
            sessions,
        }
    }

    /// The next close the handler saw (skipping opens and messages).
    pub async fn next_close(&mut self) -> (String, CloseReason) {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.seen.recv()).await {
                Ok(Some(Seen::Close(sid, reason))) => return (sid, reason),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => panic!("no close seen"),
            }
        }
    }

    /// The next message the handler saw (skipping opens; failing on a close).
    pub async fn next_message(&mut self) -> (String, Incoming) {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.seen.recv()).await {
                Ok(Some(Seen::Message(sid, msg))) => return (sid, msg),
                Ok(Some(Seen::Open(_))) => {}
                other => panic!("expected a message, got {other:?}"),
            }
        }
    }

    pub fn session(&self, sid: &str) -> EngineSession {
        self.sessions
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.id() == sid)
            .unwrap()
            .clone()
    }

    pub fn url(&self, query: &str) -> String {
        format!("/engine.io/?{query}")
    }
}

/// An HTTP response read to its end.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body's bytes (for compressed answers).
    pub raw_body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Writes one HTTP/1.1 request (without reading the answer).
pub async fn send_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream
}

/// Reads a `Connection: close` response to EOF.
pub async fn read_reply(mut stream: TcpStream) -> Reply {
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 4);
    let raw_body = raw[split.min(raw.len())..].to_vec();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
        raw_body,
    }
}

pub async fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> Reply {
    http_with(addr, method, path, &[], body.as_bytes()).await
}

pub async fn http_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    read_reply(send_request(addr, method, path, headers, body).await).await
}

/// Opens a polling session; returns its sid.
pub async fn handshake(addr: SocketAddr) -> String {
    let r = http(addr, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(r.status, 200, "{r:?}");
    let open: serde_json::Value = serde_json::from_str(&r.body[1..]).unwrap();
    open["sid"].as_str().unwrap().to_owned()
}

pub type Ws = WebSocketStream<TcpStream>;

/// Opens a websocket to `path`.
pub async fn ws(addr: SocketAddr, path: &str) -> Ws {
    let stream = TcpStream::connect(addr).await.unwrap();
    let url = format!("ws://{addr}{path}");
    let (ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    ws
}

/// Waits until `f` holds, checking every 10 ms, failing after `max`.
pub async fn wait_until(max: Duration, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + max;
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {max:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
