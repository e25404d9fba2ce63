//! `EngineIncoming::request_headers`: each message comes with the headers of the HTTP
//! request that carried it (the reference's `transport.dataReq`): its POST for long-polling,
//! the request that opened the websocket (handshake or upgrade) for websocket. A handler
//! that says it does not read them (`keeps_request_headers`) gets none, and nothing is copied.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;

use std::sync::Arc;
use std::time::Duration;

use engine_support::{http_with, read_reply, send_request, wait_until};
use futures_util::{SinkExt, StreamExt};
use sockeye::engine::{
    Engine, EngineConfig, EngineHandler, EngineIncoming, EngineService, EngineSession, Incoming,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Reports each text message with its request's `x-n` header (`-` when there is none);
/// keeps the headers when its third field says so.
struct Headers(
    mpsc::UnboundedSender<(String, String)>,
    Arc<std::sync::Mutex<Vec<EngineSession>>>,
    bool,
);

impl EngineHandler for Headers {
    fn keeps_request_headers(&self) -> bool {
        self.2
    }

    fn on_open(&self, session: EngineSession, mut incoming: EngineIncoming) {
        let seen = self.0.clone();
        self.1.lock().unwrap().push(session);
        tokio::spawn(async move {
            assert!(incoming.request_headers().is_none());
            while let Incoming::Text(text) = incoming.recv().await {
                let n = incoming
                    .request_headers()
                    .and_then(|h| h.get("x-n")?.to_str().ok())
                    .unwrap_or("-")
                    .to_owned();
                let _ = seen.send((text, n));
            }
            // After the close, no request.
            assert!(incoming.request_headers().is_none());
            let _ = seen.send(("closed".into(), "-".into()));
        });
    }
}

struct Server {
    addr: std::net::SocketAddr,
    seen: mpsc::UnboundedReceiver<(String, String)>,
    sessions: Arc<std::sync::Mutex<Vec<EngineSession>>>,
}

impl Server {
    async fn start() -> Server {
        Server::start_keeping(true).await
    }

    async fn start_keeping(keep: bool) -> Server {
        let (tx, seen) = mpsc::unbounded_channel();
        let sessions = Arc::default();
        let engine = Engine::new(
            EngineConfig::default(),
            Arc::new(Headers(tx, Arc::clone(&sessions), keep)),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(sockeye::engine::serve(listener, EngineService::new(engine)));
        Server {
            addr,
            seen,
            sessions,
        }
    }

    async fn next(&mut self) -> (String, String) {
        let seen = tokio::time::timeout(Duration::from_secs(5), self.seen.recv()).await;
        seen.unwrap().unwrap()
    }

    async fn handshake(&self, n: &str) -> String {
        let r = http_with(
            self.addr,
            "GET",
            "/engine.io/?EIO=4&transport=polling",
            &[("x-n", n)],
            b"",
        )
        .await;
        let open: serde_json::Value = serde_json::from_str(&r.body[1..]).unwrap();
        open["sid"].as_str().unwrap().to_owned()
    }

    async fn post(&self, sid: &str, n: &str, body: &str) {
        let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
        let r = http_with(self.addr, "POST", &path, &[("x-n", n)], body.as_bytes()).await;
        assert_eq!(r.status, 200, "{r:?}");
    }

    /// A websocket to `query` whose opening request carries `x-n: n`.
    async fn ws(&self, query: &str, n: &str) -> tokio_tungstenite::WebSocketStream<TcpStream> {
        let url = format!(
            "ws://{}/engine.io/?EIO=4&transport=websocket{query}",
            self.addr
        );
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("x-n", n.parse().unwrap());
        let stream = TcpStream::connect(self.addr).await.unwrap();
        tokio_tungstenite::client_async(request, stream)
            .await
            .unwrap()
            .0
    }
}

#[tokio::test]
async fn a_polling_message_comes_with_the_headers_of_its_post() {
    let mut s = Server::start().await;
    let sid = s.handshake("handshake").await;
    s.post(&sid, "first", "4a\x1e4b").await;
    s.post(&sid, "second", "4c").await;
    // No header at all: none reported, not the previous request's.
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(
        http_with(s.addr, "POST", &path, &[], b"4d").await.status,
        200
    );
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(s.next().await);
    }
    let want = [("a", "first"), ("b", "first"), ("c", "second"), ("d", "-")];
    let want: Vec<_> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn a_websocket_message_comes_with_the_headers_of_the_websocket_handshake() {
    let mut s = Server::start().await;
    let mut ws = s.ws("", "ws-handshake").await;
    let open = ws.next().await.unwrap().unwrap();
    assert!(open.to_text().unwrap().starts_with('0'));
    ws.send(Message::text("4hello")).await.unwrap();
    assert_eq!(s.next().await, ("hello".into(), "ws-handshake".into()));
    ws.close(None).await.unwrap();
    assert_eq!(s.next().await.0, "closed");
}

#[tokio::test]
async fn after_an_upgrade_messages_come_with_the_headers_of_the_upgrade_request() {
    let mut s = Server::start().await;
    let sid = s.handshake("handshake").await;
    s.post(&sid, "before", "4polled").await;
    assert_eq!(s.next().await, ("polled".into(), "before".into()));

    let session = s.sessions.lock().unwrap()[0].clone();
    let poll = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let pending = send_request(s.addr, "GET", &poll, &[], b"").await;
    wait_until(Duration::from_secs(5), || session.writable()).await;
    let mut ws = s.ws(&format!("&sid={sid}"), "upgrade").await;
    ws.send(Message::text("2probe")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("3probe"));
    assert_eq!(read_reply(pending).await.body, "6");
    ws.send(Message::text("5")).await.unwrap();
    ws.send(Message::text("4upgraded")).await.unwrap();
    assert_eq!(s.next().await, ("upgraded".into(), "upgrade".into()));
}

#[tokio::test]
async fn a_handler_that_keeps_no_headers_gets_none_on_either_transport() {
    let mut s = Server::start_keeping(false).await;
    let sid = s.handshake("handshake").await;
    s.post(&sid, "first", "4a").await;
    assert_eq!(s.next().await, ("a".into(), "-".into()));
    let mut ws = s.ws("", "ws-handshake").await;
    let open = ws.next().await.unwrap().unwrap();
    assert!(open.to_text().unwrap().starts_with('0'));
    ws.send(Message::text("4b")).await.unwrap();
    assert_eq!(s.next().await, ("b".into(), "-".into()));
}

/// hyper's header values are slices of the connection's read buffer (8 to 16 KiB). What a
/// session keeps of a request (the handshake's headers, the last message's request) must be
/// its own copy, or each idle session holds a whole read buffer.
#[tokio::test]
async fn what_a_session_keeps_of_a_request_does_not_hold_the_read_buffer() {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};

    struct Keep(mpsc::UnboundedSender<(String, EngineIncoming)>);
    impl EngineHandler for Keep {
        fn on_open(&self, session: EngineSession, mut incoming: EngineIncoming) {
            let tx = self.0.clone();
            tokio::spawn(async move {
                if let Incoming::Text(text) = incoming.recv().await {
                    let _ = tx.send((text, incoming));
                }
                drop(session);
            });
        }
    }
    /// A request whose header values are slices of `buffer`, as hyper parses them.
    fn request(
        buffer: &Bytes,
        method: &str,
        query: &str,
        body: &'static str,
    ) -> http::Request<Full<Bytes>> {
        let mut req = http::Request::builder()
            .method(method)
            .uri(format!("/engine.io/?EIO=4&transport=polling{query}"))
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap();
        let value = http::HeaderValue::from_maybe_shared(buffer.slice(0..5)).unwrap();
        req.headers_mut().insert("x-n", value);
        req
    }

    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::new(EngineConfig::default(), Arc::new(Keep(tx)));
    let handshake_buffer = Bytes::from(b"12345".repeat(3000));
    let post_buffer = Bytes::from(b"67890".repeat(3000));
    let open = engine
        .handle(request(&handshake_buffer, "GET", "", ""))
        .await;
    let open = open.into_body().collect().await.unwrap().to_bytes();
    let open: serde_json::Value = serde_json::from_slice(&open[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap();
    let posted = engine
        .handle(request(
            &post_buffer,
            "POST",
            &format!("&sid={sid}"),
            "4hello",
        ))
        .await;
    assert_eq!(posted.status(), http::StatusCode::OK);
    drop(posted);
    let (text, incoming) = rx.recv().await.unwrap();
    assert_eq!(text, "hello");
    assert_eq!(incoming.request_headers().unwrap()["x-n"], "67890");
    assert!(
        handshake_buffer.is_unique(),
        "the handshake's buffer is held"
    );
    assert!(post_buffer.is_unique(), "the POST's buffer is held");
    assert_eq!(engine.session_count(), 1);
}
