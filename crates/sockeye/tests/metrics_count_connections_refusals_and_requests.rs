//! `io.metrics()` counts sessions by transport and their upgrades, refused requests by reason,
//! broadcasts, pending acknowledgements, and the requests handed to a cluster adapter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod engine_support;
mod sio_support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use cluster_support::InProcessCluster;
use engine_support::{http, http_with};
use futures_util::future::BoxFuture;
use futures_util::{SinkExt, StreamExt};
use sio_support::{Raw, eventually, serve};
use sockeye::engine::{CorsConfig, CorsOrigin};
use sockeye::metrics::AdapterRequest;
use sockeye::{
    AdapterError, BroadcastOptions, ClusterAck, ClusterAdapter, Packet, Room, Socket, SocketData,
    SocketIo, Value,
};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

const POLLING: &str = "/socket.io/?EIO=4&transport=polling";

async fn polling_handshake(addr: std::net::SocketAddr) -> String {
    let r = http(addr, "GET", POLLING, "").await;
    assert_eq!(r.status, 200, "{r:?}");
    let open: serde_json::Value = serde_json::from_str(&r.body[1..]).unwrap();
    open["sid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sessions_are_counted_by_transport_and_upgrades_move_them() {
    let io = SocketIo::default();
    let addr = serve(&io).await;
    let (ws, _) = Raw::join(addr).await;
    let sid = polling_handshake(addr).await;
    eventually(|| {
        let e = io.metrics().engine;
        (e.polling_sessions, e.websocket_sessions) == (1, 1)
    })
    .await;
    assert_eq!(io.metrics().engine.upgrades, 0);

    // The upgrade: probe over a websocket naming the session, then `5`.
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket&sid={sid}");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut probe, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    probe.send(Message::text("2probe")).await.unwrap();
    let answer = probe.next().await.unwrap().unwrap();
    assert_eq!(answer.to_text().unwrap(), "3probe");
    probe.send(Message::text("5")).await.unwrap();
    eventually(|| {
        let e = io.metrics().engine;
        (e.polling_sessions, e.websocket_sessions, e.upgrades) == (0, 2, 1)
    })
    .await;

    drop(ws);
    drop(probe);
    eventually(|| {
        let e = io.metrics().engine;
        (e.polling_sessions, e.websocket_sessions) == (0, 0)
    })
    .await;
    assert_eq!(io.metrics().engine.upgrades, 1);
}

#[tokio::test]
async fn refused_requests_are_counted_by_reason() {
    let io = SocketIo::builder()
        .with_config(|c| {
            let allowed = CorsOrigin::List(vec!["https://good.example".into()]);
            c.engine = std::mem::take(&mut c.engine).cors(CorsConfig::any().origin(allowed));
        })
        .build();
    let addr = serve(&io).await;
    let refusals = [
        ("GET", "/socket.io/?EIO=4&transport=carrier-pigeon", 400),
        ("GET", "/socket.io/?EIO=4", 400),
        ("GET", "/socket.io/?EIO=4&transport=polling&sid=nope", 400),
        ("POST", POLLING, 400),
        ("GET", "/socket.io/?EIO=5&transport=polling", 400),
        ("GET", "/socket.io/?EIO=4&transport=websocket", 400),
    ];
    for (method, path, status) in refusals {
        let r = http(addr, method, path, "").await;
        assert_eq!(r.status, status, "{method} {path}: {r:?}");
    }
    let r = http_with(
        addr,
        "GET",
        POLLING,
        &[("Origin", "https://evil.example")],
        b"",
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");

    let f = io.metrics().engine.handshake_failures;
    assert_eq!(f.unknown_transport, 2);
    assert_eq!(f.unknown_sid, 1);
    assert_eq!(f.bad_handshake_method, 1);
    assert_eq!(f.unsupported_protocol_version, 1);
    assert_eq!(f.bad_request, 1);
    assert_eq!(f.origin_not_allowed, 1);
    assert_eq!((f.forbidden, f.shutting_down), (0, 0));
    assert_eq!(f.total(), 7);
    // A good handshake is not a failure, and opened nothing else.
    polling_handshake(addr).await;
    assert_eq!(io.metrics().engine.handshake_failures.total(), 7);
}

#[tokio::test]
async fn broadcasts_count_once_and_pending_acks_are_counted_when_read() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.join("room");
    });
    let addr = serve(&io).await;
    let (mut a, _) = Raw::join(addr).await;
    let (mut b, _) = Raw::join(addr).await;
    eventually(|| io.metrics().sockets == 2).await;

    io.to("room").emit("news", "hello").unwrap();
    io.emit("news", "again").unwrap();
    assert_eq!(io.metrics().broadcasts, 2);
    for raw in [&mut a, &mut b] {
        assert_eq!(raw.recv().await.unwrap(), r#"2["news","hello"]"#);
        assert_eq!(raw.recv().await.unwrap(), r#"2["news","again"]"#);
    }
    // Sent to one socket alone: not a broadcast.
    let socket = io.of("/").sockets().pop().unwrap();
    socket.emit("direct", "x").unwrap();
    assert_eq!(io.metrics().broadcasts, 2);

    // Two sockets owe an answer to a broadcast, one to its own question.
    let all = io.clone();
    let waiting = tokio::spawn(async move {
        all.timeout(Duration::from_secs(30))
            .emit_with_ack::<_, Value>("question", "?")
            .await
    });
    let asking = socket.clone();
    let single = tokio::spawn(async move { asking.emit_with_ack::<_, Value>("ping", "?").await });
    eventually(|| io.metrics().acks_pending == 3).await;
    assert_eq!(io.metrics().broadcasts, 3);

    // Answers take them off: the two broadcast ones (ids 1 and 2 are the broadcast and the
    // single ask, in some order: answer each id each socket saw).
    for raw in [&mut a, &mut b] {
        loop {
            let text = raw.recv().await.unwrap();
            let Some(rest) = text.strip_prefix('2') else {
                continue;
            };
            let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
            raw.send(&format!("3{id}[\"ok\"]")).await;
            if rest.contains("question") {
                break;
            }
        }
    }
    waiting.await.unwrap().unwrap();
    eventually(|| io.metrics().acks_pending <= 1).await;
    drop((a, b));
    let _ = single.await;
    eventually(|| io.metrics().acks_pending == 0 && io.metrics().sockets == 0).await;
}

#[tokio::test]
async fn adapter_requests_are_counted_and_timed() {
    let cluster = InProcessCluster::new();
    let one = SocketIo::builder().adapter(cluster.factory(1)).build();
    let two = SocketIo::builder().adapter(cluster.factory(2)).build();
    let addr = serve(&two).await;
    let (_raw, _) = Raw::join(addr).await;
    eventually(|| two.metrics().sockets == 1).await;

    assert_eq!(one.fetch_sockets().await.unwrap().len(), 1);
    one.emit("news", "hi").unwrap();
    one.local().emit("news", "here only").unwrap();
    assert_eq!(one.server_count().await.unwrap(), 2);

    let m = one.metrics().adapter;
    let fetch = m.get(AdapterRequest::FetchSockets);
    assert_eq!(
        (fetch.requests, fetch.errors, fetch.latency.count()),
        (1, 0, 1)
    );
    // A `local` broadcast does not reach the adapter.
    assert_eq!(m.get(AdapterRequest::Broadcast).requests, 1);
    assert_eq!(m.get(AdapterRequest::Broadcast).latency.count(), 0);
    assert_eq!(m.get(AdapterRequest::ServerCount).requests, 1);
    assert_eq!(m.get(AdapterRequest::AllRooms).requests, 0);
    // The other node asked nothing.
    assert_eq!(
        two.metrics()
            .adapter
            .get(AdapterRequest::FetchSockets)
            .requests,
        0
    );
    assert_eq!(one.metrics().broadcasts, 2);
}

/// An adapter whose requests take `delay` and then fail, as if no node answered.
struct Unreachable {
    delay: Duration,
}

impl ClusterAdapter for Unreachable {
    fn broadcast(&self, _: &Packet, _: &BroadcastOptions) -> Result<(), AdapterError> {
        Err(AdapterError::Transport("down".into()))
    }
    fn broadcast_with_ack(
        &self,
        _: &Packet,
        _: &BroadcastOptions,
        _: mpsc::UnboundedSender<ClusterAck>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>> {
        self.late()
    }
    fn fetch_sockets(
        &self,
        _: &BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<SocketData>, AdapterError>> {
        self.late()
    }
    fn add_sockets(
        &self,
        _: &BroadcastOptions,
        _: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        self.late()
    }
    fn del_sockets(
        &self,
        _: &BroadcastOptions,
        _: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        self.late()
    }
    fn disconnect_sockets(
        &self,
        _: &BroadcastOptions,
        _: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        self.late()
    }
    fn server_side_emit(
        &self,
        _: Vec<Value>,
        _: bool,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>> {
        self.late()
    }
    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>> {
        self.late()
    }
    fn server_count(&self) -> BoxFuture<'static, Result<usize, AdapterError>> {
        self.late()
    }
    fn close(&self) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

impl Unreachable {
    fn late<T: Send + 'static>(&self) -> BoxFuture<'static, Result<T, AdapterError>> {
        let delay = self.delay;
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            Err(AdapterError::Timeout)
        })
    }
}

#[tokio::test(start_paused = true)]
async fn failed_adapter_requests_are_counted_with_their_latency() {
    let io = SocketIo::builder()
        .adapter(Arc::new(|_| {
            Arc::new(Unreachable {
                delay: Duration::from_millis(30),
            }) as Arc<dyn ClusterAdapter>
        }))
        .build();
    assert!(io.fetch_sockets().await.is_err());
    assert!(io.emit("news", "x").is_err());
    assert!(io.server_count().await.is_err());

    let m = io.metrics().adapter;
    let fetch = m.get(AdapterRequest::FetchSockets);
    assert_eq!((fetch.requests, fetch.errors), (1, 1));
    // 30 ms on the paused clock: in the (25 ms, 50 ms] bucket.
    let bucket = sockeye::metrics::LATENCY_BOUNDS
        .iter()
        .position(|&b| b == 0.05)
        .unwrap();
    assert_eq!(fetch.latency.buckets[bucket], 1);
    assert_eq!(fetch.latency.sum_micros, 30_000);
    let broadcast = m.get(AdapterRequest::Broadcast);
    assert_eq!((broadcast.requests, broadcast.errors), (1, 1));
    assert_eq!(m.get(AdapterRequest::ServerCount).errors, 1);
}
