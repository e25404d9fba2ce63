//! The node registry: which node of a cluster listens where, in Redis, for forwarding
//! requests to the node that owns a session (sockeye's [`SessionRouter`]).
//!
//! Each node writes `<key>#node#<node id>` = its internal address with an expiry (`SET ... PX`)
//! and refreshes it on a timer; a node that dies drops out when its key expires, one that
//! stops cleanly deletes its key at once. The node id is drawn at random and claimed with
//! `SET NX`, so two nodes never share one. Lookups are cached briefly, and while Redis is away
//! the last known address of a node is used (connecting to it tells whether it is still
//! there); a node never looked up before is then `Location::Unknown`, and the engine answers
//! as a sticky-session node does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sockeye::engine::{LocateFuture, Location, NodeId, SessionRouter};

use crate::error::ConnectError;

/// Options of the [`NodeRegistry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRegistryConfig {
    /// The Redis URL, such as `redis://127.0.0.1:6379`.
    pub url: String,
    /// The prefix of the registry's keys (default `socket.io`, giving `socket.io#node#<id>`).
    pub key: String,
    /// This node's internal address, `host:port`, as the other nodes reach it: where it
    /// serves [`Engine::internal_service`](sockeye::engine::Engine::internal_service).
    pub address: String,
    /// How long a node's entry lives without a heartbeat (default 10 s): a node killed
    /// without a goodbye is forgotten after this.
    pub ttl: Duration,
    /// Time between heartbeats (default 3 s); keep it well under `ttl`.
    pub heartbeat: Duration,
    /// How long a lookup is reused before Redis is asked again (default 2 s).
    pub cache: Duration,
    /// How long a Redis command may take (default 1 s): a lookup waits no longer before it
    /// falls back.
    pub timeout: Duration,
    /// This node's id, when it is configured rather than drawn at random (default none:
    /// random per process start). Registration fails while another live node holds it.
    pub node_id: Option<NodeId>,
}

impl NodeRegistryConfig {
    /// The defaults, for Redis at `url` and this node reachable at `address`.
    pub fn new(url: impl Into<String>, address: impl Into<String>) -> Self {
        NodeRegistryConfig {
            url: url.into(),
            key: "socket.io".to_owned(),
            address: address.into(),
            ttl: Duration::from_secs(10),
            heartbeat: Duration::from_secs(3),
            cache: Duration::from_secs(2),
            timeout: Duration::from_secs(1),
            node_id: None,
        }
    }
}

/// This node's entry in the registry, and the lookups of the others'. Give it to
/// [`ClusterConfig::new`](sockeye::engine::ClusterConfig::new). Dropping the last clone stops
/// the heartbeat (the entry then expires); [`deregister`](NodeRegistry::deregister) removes
/// it at once.
///
/// ```no_run
/// use std::sync::Arc;
/// use sockeye::SocketIo;
/// use sockeye::engine::{ClusterConfig, ClusterSecret, serve};
/// use sockeye_redis::{NodeRegistry, NodeRegistryConfig};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// // The listener the other nodes forward to: on a private address only.
/// let internal = tokio::net::TcpListener::bind("10.0.0.2:4000").await?;
/// let registry =
///     NodeRegistry::register(NodeRegistryConfig::new("redis://10.0.0.1:6379", "10.0.0.2:4000"))
///         .await?;
/// let secret = ClusterSecret::new(std::env::var("SOCKEYE_CLUSTER_SECRET")?)
///     .ok_or("the cluster secret is too short")?;
/// let io = SocketIo::builder()
///     .with_config(|c| c.engine.cluster = Some(ClusterConfig::new(Arc::new(registry), secret)))
///     .build();
/// tokio::spawn(serve(internal, io.engine().internal_service()));
/// io.listen("0.0.0.0:3000").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct NodeRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    node: NodeId,
    key: String,
    address: String,
    config: NodeRegistryConfig,
    conn: ConnectionManager,
    cache: Mutex<LookupCache>,
    /// Whether the last heartbeat failed (to log an outage once, and its end once).
    down: AtomicBool,
    /// Set by `deregister`: the heartbeat writes the entry no more.
    stopped: AtomicBool,
}

impl std::fmt::Debug for NodeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeRegistry")
            .field("node", &self.inner.node)
            .field("address", &self.inner.address)
            .finish_non_exhaustive()
    }
}

/// Attempts at drawing a node id not taken yet (a clash is already 1 in 2^24 per node).
const CLAIM_ATTEMPTS: usize = 8;

/// Lookups kept at most. A client picks the node id of the sids it makes up, so the ids looked
/// up are not bounded by the cluster's size: past this many, the answers that name no node are
/// forgotten first (a real cluster has far fewer nodes than this).
const CACHE_ENTRIES: usize = 1024;

impl NodeRegistry {
    /// Connects to Redis, claims a node id for `config.address` and starts the heartbeat.
    /// Fails when Redis cannot be reached now, or the address is not `host:port`.
    pub async fn register(config: NodeRegistryConfig) -> Result<NodeRegistry, ConnectError> {
        if !is_host_port(&config.address) {
            return Err(ConnectError(format!(
                "the node's internal address {:?} is not host:port",
                config.address
            )));
        }
        let client = redis::Client::open(config.url.as_str())?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let mut conn = ConnectionManager::new_with_config(client, manager).await?;
        let ttl = millis(config.ttl);
        let attempts = if config.node_id.is_some() {
            1
        } else {
            CLAIM_ATTEMPTS
        };
        for _ in 0..attempts {
            let node = config.node_id.unwrap_or_else(NodeId::random);
            let key = node_key(&config.key, node);
            let claimed: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(&config.address)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query_async(&mut conn)
                .await?;
            if claimed.is_none() {
                continue;
            }
            let inner = Arc::new(Inner {
                node,
                key,
                address: config.address.clone(),
                config,
                conn,
                cache: Mutex::new(LookupCache::default()),
                down: AtomicBool::new(false),
                stopped: AtomicBool::new(false),
            });
            tokio::spawn(heartbeat(Arc::downgrade(&inner)));
            tracing::debug!(%node, address = %inner.address, "registered in the node registry");
            return Ok(NodeRegistry { inner });
        }
        Err(ConnectError(match config.node_id {
            Some(node) => format!("the node id {node} is held by another live node"),
            None => "no free node id in the registry".to_owned(),
        }))
    }

    /// This node's id.
    pub fn node_id(&self) -> NodeId {
        self.inner.node
    }

    /// Removes this node's entry now (on a clean stop) and stops the heartbeat: the others
    /// stop forwarding to it at once instead of when it expires.
    pub async fn deregister(&self) {
        self.inner.stopped.store(true, Ordering::Relaxed);
        let mut conn = self.inner.conn.clone();
        let deleted: Result<i64, _> = redis::cmd("DEL")
            .arg(&self.inner.key)
            .query_async(&mut conn)
            .await;
        if let Err(e) = deleted {
            tracing::warn!(error = %e, "could not remove this node from the registry");
        }
    }

    async fn lookup(&self, node: NodeId) -> Location {
        let inner = &self.inner;
        let cached = inner
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(node);
        if let Some((location, at)) = &cached {
            if at.elapsed() < inner.config.cache {
                return location.clone();
            }
        }
        let mut conn = inner.conn.clone();
        let mut cmd = redis::cmd("GET");
        cmd.arg(node_key(&inner.config.key, node));
        let get = cmd.query_async::<Option<String>>(&mut conn);
        let location = match tokio::time::timeout(inner.config.timeout, get).await {
            Ok(Ok(Some(address))) if is_host_port(&address) => Location::At(address),
            Ok(Ok(Some(address))) => {
                tracing::warn!(%node, %address, "the registry holds an address that is not host:port");
                Location::Gone
            }
            Ok(Ok(None)) => Location::Gone,
            Ok(Err(e)) => return stale(node, cached, &e),
            Err(_) => return stale(node, cached, &"timed out"),
        };
        inner
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(node, location.clone(), Instant::now());
        location
    }
}

/// While Redis cannot answer: the last known address, or `Unknown`.
fn stale(
    node: NodeId,
    cached: Option<(Location, Instant)>,
    why: &dyn std::fmt::Display,
) -> Location {
    tracing::debug!(%node, %why, "node registry lookup failed");
    match cached {
        Some((location @ Location::At(_), _)) => location,
        _ => Location::Unknown,
    }
}

impl SessionRouter for NodeRegistry {
    fn node_id(&self) -> NodeId {
        self.inner.node
    }

    fn locate(&self, node: NodeId) -> LocateFuture<'_> {
        Box::pin(self.lookup(node))
    }
}

async fn heartbeat(inner: Weak<Inner>) {
    let period = match inner.upgrade() {
        Some(i) => i.config.heartbeat,
        None => return,
    };
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(inner) = inner.upgrade() else {
            return;
        };
        if inner.stopped.load(Ordering::Relaxed) {
            return;
        }
        let mut conn = inner.conn.clone();
        // Written again, not only extended: after an outage long enough to expire the key it
        // has to come back.
        let mut cmd = redis::cmd("SET");
        cmd.arg(&inner.key)
            .arg(&inner.address)
            .arg("PX")
            .arg(millis(inner.config.ttl));
        let set = cmd.query_async::<Option<String>>(&mut conn);
        match tokio::time::timeout(inner.config.timeout, set).await {
            Ok(Ok(_)) => {
                if inner.down.swap(false, Ordering::Relaxed) {
                    tracing::info!(node = %inner.node, "node registry reachable again");
                }
            }
            Ok(Err(e)) => outage(&inner, &e),
            Err(_) => outage(&inner, &"timed out"),
        }
    }
}

fn outage(inner: &Inner, why: &dyn std::fmt::Display) {
    if !inner.down.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            node = %inner.node,
            %why,
            "node registry unreachable: this node's entry is not refreshed, and requests for \
             sessions of nodes not looked up before are answered as unknown until it is back"
        );
    }
}

/// The lookups of other nodes, bounded: see [`CACHE_ENTRIES`].
#[derive(Default)]
struct LookupCache {
    entries: HashMap<NodeId, (Location, Instant)>,
}

impl LookupCache {
    fn get(&self, node: NodeId) -> Option<(Location, Instant)> {
        self.entries.get(&node).cloned()
    }

    fn insert(&mut self, node: NodeId, location: Location, now: Instant) {
        if self.entries.len() >= CACHE_ENTRIES && !self.entries.contains_key(&node) {
            // Addresses are kept (they are the fallback while Redis is away); the rest goes.
            self.entries
                .retain(|_, (l, _)| matches!(l, Location::At(_)));
            if self.entries.len() >= CACHE_ENTRIES {
                // Only addresses, and that many: the oldest half goes.
                let mut ages: Vec<Instant> = self.entries.values().map(|(_, at)| *at).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                self.entries.retain(|_, (_, at)| *at > cut);
            }
        }
        self.entries.insert(node, (location, now));
    }
}

fn node_key(prefix: &str, node: NodeId) -> String {
    format!("{prefix}#node#{node}")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// `host:port` with a non-empty host and a port number (a bracketed IPv6 host included).
fn is_host_port(address: &str) -> bool {
    let Some((host, port)) = address.rsplit_once(':') else {
        return false;
    };
    !host.is_empty()
        && port.parse::<u16>().is_ok_and(|p| p != 0)
        && !address.contains(['/', ' ', '?', '#', '@'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_node_ids_cannot_grow_the_cache_without_bound() {
        let mut cache = LookupCache::default();
        let t = Instant::now();
        let real = NodeId::from_bytes([1, 1, 1]);
        cache.insert(real, Location::At("10.0.0.1:4000".into()), t);
        for i in 0..5000u32 {
            let [_, a, b, c] = i.to_be_bytes();
            cache.insert(NodeId::from_bytes([a, b, c ^ 0x80]), Location::Gone, t);
            assert!(cache.entries.len() <= CACHE_ENTRIES);
        }
        // The real node's address survived the flood.
        assert_eq!(
            cache.get(real).map(|(l, _)| l),
            Some(Location::At("10.0.0.1:4000".into()))
        );
        // A flood of addresses (not a real case) is bounded too.
        for i in 0..5000u32 {
            let [_, a, b, c] = i.to_be_bytes();
            let at = t + Duration::from_millis(u64::from(i));
            cache.insert(
                NodeId::from_bytes([a, b, c]),
                Location::At("h:1".into()),
                at,
            );
            assert!(cache.entries.len() <= CACHE_ENTRIES);
        }
    }

    #[test]
    fn addresses_must_be_host_and_port() {
        for ok in ["127.0.0.1:4000", "node-2.internal:9000", "[::1]:80"] {
            assert!(is_host_port(ok), "{ok}");
        }
        for bad in [
            "",
            "host",
            ":80",
            "host:",
            "host:0",
            "host:99999",
            "http://h:1",
            "a@b:1",
            "h:1/x",
        ] {
            assert!(!is_host_port(bad), "{bad}");
        }
        assert_eq!(
            node_key("socket.io", NodeId::from_bytes([0, 0, 0])),
            "socket.io#node#AAAA"
        );
    }
}
