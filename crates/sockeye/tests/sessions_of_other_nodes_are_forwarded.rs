//! Forwarding between the nodes of a cluster, with a stub registry: a request for another
//! node's session is answered by that node through this one (polling and websocket), the
//! owner's failures become the reference's `Session ID unknown`, and forwarding is refused
//! without the cluster's secret, from the client-facing listener, or a second time (loops).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use engine_support::*;
use futures_util::{SinkExt, StreamExt};
use sockeye::engine::{
    ClusterConfig, ClusterSecret, Engine, EngineConfig, LocateFuture, Location, NodeId,
    SessionRouter,
};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

const SECRET: &str = "a shared secret of the test cluster";

/// The registry as a map every node of the test shares; a node not in it is gone.
#[derive(Clone, Default)]
struct Registry(Arc<Mutex<HashMap<NodeId, Location>>>);

struct Router {
    me: NodeId,
    registry: Registry,
}

impl SessionRouter for Router {
    fn node_id(&self) -> NodeId {
        self.me
    }

    fn locate(&self, node: NodeId) -> LocateFuture<'_> {
        let found = self.get(node);
        Box::pin(async move { found })
    }
}

impl Router {
    fn get(&self, node: NodeId) -> Location {
        self.registry
            .0
            .lock()
            .unwrap()
            .get(&node)
            .cloned()
            .unwrap_or(Location::Gone)
    }
}

struct Node {
    id: NodeId,
    server: TestServer,
    internal: SocketAddr,
}

async fn node(byte: u8, registry: &Registry, secret: &str) -> Node {
    let id = NodeId::from_bytes([byte; 3]);
    let router = Arc::new(Router {
        me: id,
        registry: registry.clone(),
    });
    let cluster = ClusterConfig::new(router, ClusterSecret::new(secret).unwrap());
    let server = TestServer::start(EngineConfig::default().cluster(Some(cluster))).await;
    let internal = serve_internal(&server.engine).await;
    registry
        .0
        .lock()
        .unwrap()
        .insert(id, Location::At(internal.to_string()));
    Node {
        id,
        server,
        internal,
    }
}

async fn serve_internal(engine: &Engine) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(sockeye::engine::serve(listener, engine.internal_service()));
    addr
}

fn poll(sid: &str) -> String {
    format!("/engine.io/?EIO=4&transport=polling&sid={sid}")
}

fn assert_unknown_sid(r: &Reply) {
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.body, r#"{"code":1,"message":"Session ID unknown"}"#);
}

#[tokio::test]
async fn sids_name_their_node_and_keep_the_reference_shape() {
    let registry = Registry::default();
    let a = node(1, &registry, SECRET).await;
    for _ in 0..20 {
        let sid = handshake(a.server.addr).await;
        assert_eq!(sid.len(), 20);
        assert!(
            sid.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(NodeId::of_sid(&sid), Some(a.id));
    }
}

#[tokio::test]
async fn polling_requests_landing_on_another_node_reach_the_owner() {
    let registry = Registry::default();
    let mut a = node(1, &registry, SECRET).await;
    let b = node(2, &registry, SECRET).await;
    let c = node(3, &registry, SECRET).await;
    let sid = handshake(a.server.addr).await;
    // Round-robin: every request on another node than the last.
    for (i, text) in ["one", "two", "three", "fün ✓"].iter().enumerate() {
        let via = [&b, &c, &a][i % 3].server.addr;
        let r = http(via, "POST", &poll(&sid), &format!("4{text}")).await;
        assert_eq!((r.status, r.body.as_str()), (200, "ok"), "{r:?}");
        let (seen_sid, _) = a.server.next_message().await;
        assert_eq!(seen_sid, sid);
        let via = [&c, &a, &b][i % 3].server.addr;
        let r = http(via, "GET", &poll(&sid), "").await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body, format!("4{text}"));
        assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    }
    // The owner's own refusals come back as they are: a GET for a websocket transport.
    let r = http(
        b.server.addr,
        "GET",
        &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}"),
        "",
    )
    .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.body, r#"{"code":3,"message":"Bad request"}"#);
    // Only the owner holds the session.
    assert_eq!(a.server.engine.session_count(), 1);
    assert_eq!(b.server.engine.session_count(), 0);
}

#[tokio::test]
async fn without_forwarding_a_node_does_not_know_another_nodes_session() {
    // The problem forwarding solves: two plain nodes, as the reference behaves.
    let a = TestServer::start(EngineConfig::default()).await;
    let b = TestServer::start(EngineConfig::default()).await;
    let sid = handshake(a.addr).await;
    assert_unknown_sid(&http(b.addr, "GET", &poll(&sid), "").await);
}

#[tokio::test]
async fn a_websocket_upgrade_landing_on_another_node_is_relayed_to_the_owner() {
    let registry = Registry::default();
    let mut a = node(1, &registry, SECRET).await;
    let b = node(2, &registry, SECRET).await;
    let sid = handshake(a.server.addr).await;
    let mut ws = ws(
        b.server.addr,
        &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}"),
    )
    .await;
    ws.send(Message::text("2probe")).await.unwrap();
    let Some(Ok(Message::Text(probe))) = ws.next().await else {
        panic!("no probe answer")
    };
    assert_eq!(probe.as_str(), "3probe");
    // The parked GET (none here) would get a noop; the upgrade completes.
    ws.send(Message::text("5")).await.unwrap();
    ws.send(Message::text("4over the relay")).await.unwrap();
    let (seen_sid, _) = a.server.next_message().await;
    assert_eq!(seen_sid, sid);
    let Some(Ok(Message::Text(echo))) = ws.next().await else {
        panic!("no echo")
    };
    assert_eq!(echo.as_str(), "4over the relay");
    // A polling request for the upgraded session is now the owner's refusal.
    let r = http(b.server.addr, "GET", &poll(&sid), "").await;
    assert_eq!(r.status, 400, "{r:?}");
}

#[tokio::test]
async fn a_gone_or_unreachable_owner_is_an_unknown_session() {
    let registry = Registry::default();
    let a = node(1, &registry, SECRET).await;
    let b = node(2, &registry, SECRET).await;
    let sid = handshake(a.server.addr).await;
    // The registry says gone.
    registry.0.lock().unwrap().remove(&a.id);
    assert_unknown_sid(&http(b.server.addr, "GET", &poll(&sid), "").await);
    // The registry is stale: nothing listens at the address any more.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    registry
        .0
        .lock()
        .unwrap()
        .insert(a.id, Location::At(closed.to_string()));
    assert_unknown_sid(&http(b.server.addr, "POST", &poll(&sid), "4x").await);
    // The registry cannot answer (Redis away): sticky behaviour.
    registry.0.lock().unwrap().insert(a.id, Location::Unknown);
    assert_unknown_sid(&http(b.server.addr, "GET", &poll(&sid), "").await);
    // A websocket upgrade gets the reference's websocket refusal.
    let r = http_with(
        b.server.addr,
        "GET",
        &format!("/engine.io/?EIO=4&transport=websocket&sid={sid}"),
        &[
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ],
        b"",
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (400, "Session ID unknown"));
}

#[tokio::test]
async fn the_stale_registry_pointing_at_another_node_is_refused_not_looped() {
    let registry = Registry::default();
    let a = node(1, &registry, SECRET).await;
    let b = node(2, &registry, SECRET).await;
    let c = node(3, &registry, SECRET).await;
    let sid = handshake(a.server.addr).await;
    // a's entry now names c's internal listener (a restarted, its port reused by c): c gets
    // a signed forwarded request for a session it does not own, and does not forward again.
    registry
        .0
        .lock()
        .unwrap()
        .insert(a.id, Location::At(c.internal.to_string()));
    assert_unknown_sid(&http(b.server.addr, "GET", &poll(&sid), "").await);
    // Even with the registry now pointing c at a: a forwarded request is never forwarded.
    registry
        .0
        .lock()
        .unwrap()
        .insert(c.id, Location::At(a.internal.to_string()));
    assert_unknown_sid(&http(b.server.addr, "GET", &poll(&sid), "").await);
}

#[tokio::test]
async fn forwarding_needs_the_clusters_secret() {
    let registry = Registry::default();
    let a = node(1, &registry, SECRET).await;
    let intruder = node(2, &registry, "another secret, not the cluster's").await;
    let sid = handshake(a.server.addr).await;
    // Signed with the wrong secret: a refuses it, and the client sees a's 403.
    let r = http(intruder.server.addr, "GET", &poll(&sid), "").await;
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.body.contains("wrong cluster signature"), "{r:?}");
    // Unsigned, straight to the internal listener.
    let r = http(a.internal, "GET", &poll(&sid), "").await;
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.body.contains("no cluster signature"), "{r:?}");
    // A made-up signature.
    let r = http_with(
        a.internal,
        "GET",
        &poll(&sid),
        &[
            ("x-sockeye-hop", "AgIC"),
            ("x-sockeye-cluster-auth", "1.00"),
        ],
        b"",
    )
    .await;
    assert_eq!(r.status, 403, "{r:?}");
    // A handshake on the internal listener is refused even before the signature.
    let r = http(a.internal, "GET", "/engine.io/?EIO=4&transport=polling", "").await;
    assert_eq!(r.status, 403, "{r:?}");
    // Outside the engine's path the internal listener answers nothing.
    let r = http(a.internal, "GET", "/elsewhere", "").await;
    assert_eq!(r.status, 404, "{r:?}");
    // The session is untouched.
    assert_eq!(a.server.engine.session_count(), 1);
}

#[tokio::test]
async fn the_client_facing_listener_refuses_requests_that_look_forwarded() {
    let registry = Registry::default();
    let a = node(1, &registry, SECRET).await;
    let sid = handshake(a.server.addr).await;
    for header in ["x-sockeye-hop", "x-sockeye-cluster-auth"] {
        let r = http_with(a.server.addr, "GET", &poll(&sid), &[(header, "AgIC")], b"").await;
        assert_eq!(r.status, 403, "{header}: {r:?}");
        assert!(r.body.contains("not accepted on this listener"), "{r:?}");
    }
    // An engine without forwarding has no internal entry.
    let plain = TestServer::start(EngineConfig::default()).await;
    let addr = serve_internal(&plain.engine).await;
    let r = http(addr, "GET", &poll(&sid), "").await;
    assert_eq!(r.status, 403, "{r:?}");
}

#[tokio::test]
async fn bad_sids_are_answered_locally() {
    let registry = Registry::default();
    let a = node(1, &registry, SECRET).await;
    for sid in [
        "",
        "x",
        "not-twenty-chars",
        "abc/efghijklmnopqrst",
        "%00%01",
    ] {
        let r = http(a.server.addr, "GET", &poll(sid), "").await;
        if sid.is_empty() {
            // No sid: a handshake.
            assert_eq!(r.status, 200, "{r:?}");
        } else {
            assert_unknown_sid(&r);
        }
    }
}

#[tokio::test]
async fn forwarded_answers_are_the_owners_for_large_and_oversized_bodies() {
    let registry = Registry::default();
    let mut a = node(1, &registry, SECRET).await;
    let b = node(2, &registry, SECRET).await;
    let sid = handshake(a.server.addr).await;
    // Just under the limit: streamed through, echoed back through the other node.
    let big = format!("4{}", "x".repeat(999_000));
    let r = http(b.server.addr, "POST", &poll(&sid), &big).await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    a.server.next_message().await;
    let r = http(b.server.addr, "GET", &poll(&sid), "").await;
    assert_eq!(r.status, 200);
    // The client sent no Accept-Encoding: the owner's answer is plain.
    assert_eq!(r.body.len(), big.len());
    // Over the limit: the same answer as the owner gives directly.
    let other = handshake(a.server.addr).await;
    let huge = format!("4{}", "x".repeat(1_100_000));
    let direct = http(a.server.addr, "POST", &poll(&other), &huge).await;
    let r = http(b.server.addr, "POST", &poll(&sid), &huge).await;
    assert_eq!(r.status, direct.status, "{r:?} / {direct:?}");
    assert_eq!(r.body, direct.body);
}

#[tokio::test]
async fn a_cors_preflight_for_another_nodes_session_is_answered_where_it_lands() {
    use sockeye::engine::{CorsConfig, CorsOrigin};
    let registry = Registry::default();
    let a = node(1, &registry, SECRET).await;
    let router = Arc::new(Router {
        me: NodeId::from_bytes([2; 3]),
        registry: registry.clone(),
    });
    let cluster = ClusterConfig::new(router, ClusterSecret::new(SECRET).unwrap());
    let b = TestServer::start(
        EngineConfig::default()
            .cluster(Some(cluster))
            .cors(CorsConfig::default().origin(CorsOrigin::Exact("http://app".into()))),
    )
    .await;
    let sid = handshake(a.server.addr).await;
    // Nothing listens for b's node: a forwarded preflight would fail; it is answered by b.
    registry.0.lock().unwrap().remove(&a.id);
    let r = http_with(
        b.addr,
        "OPTIONS",
        &poll(&sid),
        &[
            ("Origin", "http://app"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    )
    .await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("access-control-allow-origin"), Some("http://app"));
}
