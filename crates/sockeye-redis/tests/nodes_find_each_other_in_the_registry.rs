//! The node registry on a real redis-server: nodes claim distinct ids, find each other's
//! internal addresses, drop out when they stop (at once) or die (when their entry expires),
//! and a lookup while Redis is away falls back to what was known; then two Socket.IO nodes
//! forward a polling session's requests to each other through it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use std::sync::Arc;
use std::time::Duration;

use sockeye::engine::{ClusterConfig, ClusterSecret, Location, NodeId, SessionRouter};
use sockeye::{Socket, SocketIo};
use sockeye_redis::{NodeRegistry, NodeRegistryConfig};
use support::{Redis, eventually_async};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn config(redis: &Redis, address: &str) -> NodeRegistryConfig {
    let mut c = NodeRegistryConfig::new(redis.url(), address);
    // No cache, and short lives, so that the test sees changes as they happen.
    c.cache = Duration::ZERO;
    c.ttl = Duration::from_millis(1500);
    c.heartbeat = Duration::from_millis(100);
    c.timeout = Duration::from_millis(500);
    c
}

#[tokio::test]
async fn nodes_find_each_other_and_drop_out_when_they_stop_or_die() {
    let redis = Redis::start().await;
    let a = NodeRegistry::register(config(&redis, "127.0.0.1:4001"))
        .await
        .unwrap();
    let b = NodeRegistry::register(config(&redis, "10.0.0.2:4002"))
        .await
        .unwrap();
    let c = NodeRegistry::register(config(&redis, "node-c.internal:4003"))
        .await
        .unwrap();
    assert_ne!(a.node_id(), b.node_id());
    assert_eq!(
        a.locate(b.node_id()).await,
        Location::At("10.0.0.2:4002".into())
    );
    assert_eq!(
        b.locate(c.node_id()).await,
        Location::At("node-c.internal:4003".into())
    );
    let stranger = (0..=255u8)
        .map(|x| NodeId::from_bytes([x, 7, 7]))
        .find(|n| ![a.node_id(), b.node_id(), c.node_id()].contains(n))
        .unwrap();
    assert_eq!(a.locate(stranger).await, Location::Gone);
    // A clean stop: gone at once.
    b.deregister().await;
    assert_eq!(a.locate(b.node_id()).await, Location::Gone);
    // The heartbeat keeps an entry alive past its time to live.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert!(matches!(a.locate(c.node_id()).await, Location::At(_)));
    // A node that dies (its heartbeat stops): gone when its entry expires.
    let c_id = c.node_id();
    drop(c);
    eventually_async(|| async { a.locate(c_id).await == Location::Gone }).await;
}

#[tokio::test]
async fn while_redis_is_away_the_last_known_address_is_used_and_the_entry_comes_back() {
    let mut redis = Redis::start().await;
    let a = NodeRegistry::register(config(&redis, "127.0.0.1:4001"))
        .await
        .unwrap();
    let b = NodeRegistry::register(config(&redis, "127.0.0.1:4002"))
        .await
        .unwrap();
    assert!(matches!(a.locate(b.node_id()).await, Location::At(_)));
    redis.kill();
    // Known: the last address (connecting tells whether it is still there).
    assert_eq!(
        a.locate(b.node_id()).await,
        Location::At("127.0.0.1:4002".into())
    );
    // Never looked up: unknown, and the engine answers as a sticky-session node.
    assert_eq!(
        a.locate(NodeId::from_bytes([1, 2, 3])).await,
        Location::Unknown
    );
    // Redis comes back empty: the heartbeat writes the entries again.
    redis.restart().await;
    eventually_async(|| async {
        b.locate(a.node_id()).await == Location::At("127.0.0.1:4001".into())
    })
    .await;
}

#[tokio::test]
async fn bad_addresses_and_an_absent_redis_are_refused_at_registration() {
    let redis = Redis::start().await;
    for bad in ["", "host", "host:0", "http://host:1", ":80"] {
        let err = NodeRegistry::register(config(&redis, bad))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("not host:port"), "{bad}: {err}");
    }
    // A configured id is claimed as it is, and only once while its holder lives.
    let mut fixed = config(&redis, "127.0.0.1:4010");
    fixed.node_id = Some(NodeId::from_bytes([5, 6, 7]));
    let holder = NodeRegistry::register(fixed.clone()).await.unwrap();
    assert_eq!(holder.node_id(), NodeId::from_bytes([5, 6, 7]));
    let err = NodeRegistry::register(fixed.clone()).await.unwrap_err();
    assert!(
        err.to_string().contains("held by another live node"),
        "{err}"
    );
    holder.deregister().await;
    // Free again (a heartbeat already under way may write it once more, until it expires).
    eventually_async(|| async { NodeRegistry::register(fixed.clone()).await.is_ok() }).await;
    let mut c = config(&redis, "127.0.0.1:1");
    c.url = "redis://127.0.0.1:1".into();
    assert!(NodeRegistry::register(c).await.is_err());
}

/// A Socket.IO node whose engine forwards through the registry; its public and internal
/// addresses.
async fn forwarding_node(redis: &Redis) -> (SocketIo, std::net::SocketAddr) {
    let internal = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let registry =
        NodeRegistry::register(config(redis, &internal.local_addr().unwrap().to_string()))
            .await
            .unwrap();
    let secret = ClusterSecret::new("the test cluster's shared secret").unwrap();
    let cluster = ClusterConfig::new(Arc::new(registry), secret);
    let io = SocketIo::builder()
        .with_config(|c| c.engine.cluster = Some(cluster))
        .build();
    io.on_connection(|socket: Socket| async move {
        socket.on("echo", |socket: Socket, text: String| async move {
            let _ = socket.emit("echo", &text);
        });
    });
    tokio::spawn(sockeye::engine::serve(
        internal,
        io.engine().internal_service(),
    ));
    let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = public.local_addr().unwrap();
    tokio::spawn(sockeye::engine::serve(public, io.service()));
    (io, addr)
}

async fn http(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = String::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_string(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

#[tokio::test]
async fn a_polling_client_alternating_between_two_nodes_talks_to_its_owner() {
    let redis = Redis::start().await;
    let (a_io, a) = forwarding_node(&redis).await;
    let (_b_io, b) = forwarding_node(&redis).await;
    let base = "/socket.io/?EIO=4&transport=polling";
    let (status, open) = http(a, "GET", base, "").await;
    assert_eq!(status, 200);
    let open: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    let sid = open["sid"].as_str().unwrap().to_owned();
    let path = format!("{base}&sid={sid}");
    // Connect, emit and read, each request on the other node than the last.
    assert_eq!(http(b, "POST", &path, "40").await, (200, "ok".into()));
    let (status, connected) = http(a, "GET", &path, "").await;
    assert_eq!(status, 200);
    assert!(connected.starts_with("40{\"sid\":"), "{connected}");
    assert_eq!(
        http(b, "POST", &path, r#"42["echo","hello"]"#).await,
        (200, "ok".into())
    );
    let (status, echo) = http(b, "GET", &path, "").await;
    assert_eq!((status, echo.as_str()), (200, r#"42["echo","hello"]"#));
    assert_eq!(a_io.connection_count(), 1);
}
