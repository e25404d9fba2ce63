//! A raw Socket.IO-over-WebSocket client for the server's integration tests: it speaks the
//! wire format directly (`40`, `42[...]`), so a test controls every byte the server sees.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sockeye::SocketIo;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Serves `io` on 127.0.0.1:0 and returns the address.
pub async fn serve(io: &SocketIo) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = io.service();
    tokio::spawn(async move {
        let _ = sockeye::engine::serve(listener, service).await;
    });
    addr
}

/// One raw connection. Pings are answered as they come.
pub struct Raw {
    ws: WebSocketStream<TcpStream>,
    pub sid: String,
}

impl Raw {
    /// Opens a websocket session and reads the Engine.IO open packet.
    pub async fn connect(addr: SocketAddr) -> Raw {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let stream = TcpStream::connect(addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
        let mut raw = Raw {
            ws,
            sid: String::new(),
        };
        let open = raw.recv().await.expect("open packet");
        assert!(open.starts_with('0'), "{open}");
        let v: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
        raw.sid = v["sid"].as_str().unwrap().to_owned();
        raw
    }

    /// Opens a session and joins the main namespace; returns the socket id.
    pub async fn join(addr: SocketAddr) -> (Raw, String) {
        let mut raw = Raw::connect(addr).await;
        raw.send("0").await;
        let reply = raw.recv().await.unwrap();
        assert!(reply.starts_with("0{"), "{reply}");
        let v: serde_json::Value = serde_json::from_str(&reply[1..]).unwrap();
        let id = v["sid"].as_str().unwrap().to_owned();
        (raw, id)
    }

    /// Sends one Socket.IO packet's text (the Engine.IO `4` is added here).
    pub async fn send(&mut self, text: &str) {
        self.ws
            .send(Message::text(format!("4{text}")))
            .await
            .unwrap();
    }

    pub async fn send_engine(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_owned())).await.unwrap();
    }

    pub async fn send_binary(&mut self, data: &[u8]) {
        self.ws.send(Message::binary(data.to_vec())).await.unwrap();
    }

    /// The next Engine.IO message's Socket.IO text (without the `4`), `None` once closed.
    /// The Engine.IO open packet is returned whole.
    pub async fn recv(&mut self) -> Option<String> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.ws.next())
                .await
                .expect("a message within 5 s");
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let t = t.to_string();
                    if t == "2" {
                        let _ = self.ws.send(Message::text("3")).await;
                        continue;
                    }
                    if let Some(rest) = t.strip_prefix('4') {
                        return Some(rest.to_owned());
                    }
                    if t.starts_with('0') {
                        return Some(t);
                    }
                    if t == "1" {
                        return None;
                    }
                }
                Some(Ok(Message::Binary(b))) => return Some(format!("<binary {}>", b.len())),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Reads until the connection closes, returning what came before.
    pub async fn until_closed(&mut self) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some(m) = self.recv().await {
            seen.push(m);
        }
        seen
    }
}

/// Waits until `check` holds, yielding to the runtime in between (bounded at 5 s).
pub async fn eventually(mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Logs to the test output when `RUST_LOG` is set.
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
