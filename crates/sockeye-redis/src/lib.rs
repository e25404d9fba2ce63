//! Redis cluster adapter and emitter for sockeye, byte-compatible with the official Node
//! packages: a sockeye node joins a Node socket.io cluster on the same Redis, and a Node
//! node cannot tell it from one of its own.
//!
//! - [`RedisAdapter::classic`]: `createAdapter` of `@socket.io/redis-adapter` 8.3 (Redis
//!   pub/sub: `PUBLISH`, `PSUBSCRIBE`, `PUBSUB NUMSUB`).
//! - [`RedisAdapter::sharded`]: `createShardedAdapter` (Redis 7 sharded pub/sub on a Redis
//!   Cluster: `SPUBLISH`, `SSUBSCRIBE`, `PUBSUB SHARDNUMSUB`), with the `ClusterAdapter`
//!   messages of `socket.io-adapter` 2.5 and the static, dynamic and dynamic-private
//!   subscription modes.
//! - [`RedisAdapter::streams`]: `createAdapter` of `@socket.io/redis-streams-adapter` 0.3
//!   (a Redis stream every node reads, `XADD`/`XREAD`, plus pub/sub for requests and
//!   answers), which also keeps connection state recovery's log and sessions in Redis, so a
//!   client recovers on any node.
//! - [`Emitter`]: `@socket.io/redis-emitter` 5.1, to reach the sockets of a cluster from a
//!   process that has none.
//! - [`NodeRegistry`]: where each node of a cluster listens for the requests the others
//!   forward to it (sockeye's [`SessionRouter`](sockeye::engine::SessionRouter)), so that the
//!   load balancer needs no sticky sessions (no Node package has this).
//! - [`wire`]: the messages, as bytes, with no I/O (msgpack as `notepack.io` or
//!   `@msgpack/msgpack` writes it, through socketio-proto's codec, JSON as `JSON.stringify`
//!   does).
//!
//! # Quick start
//! ```no_run
//! use sockeye::{SocketIo, Socket};
//! use sockeye_redis::{RedisAdapter, RedisConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let adapter = RedisAdapter::classic(RedisConfig::new("redis://127.0.0.1:6379")).await?;
//! let io = SocketIo::builder().adapter(adapter).build();
//! io.on_connection(|socket: Socket| async move {
//!     socket.join("room1");
//! });
//! // reaches the sockets in room1 on every node of the cluster
//! io.to("room1").emit("news", "hello")?;
//! // and asks every node
//! let everyone = io.fetch_sockets().await?;
//! println!("{} sockets in the cluster", everyone.len());
//! # Ok(())
//! # }
//! ```
//!
//! # Redis going away
//! The adapter reconnects and subscribes again by itself. While Redis is away, local
//! delivery goes on (the namespace does it before it asks the adapter), a broadcast returns
//! [`sockeye::AdapterError::Transport`] for the other nodes' part, and requests to the other
//! nodes fail with `Transport` or `Timeout` within `requests_timeout`. The outage is logged
//! once when it starts (warn) and once when it ends (info).
//!
//! # Where this differs from the Node packages
//! - Rooms travel in a sorted order (a sockeye selection is a set; Node sends insertion
//!   order). Receivers treat them as sets either way.
//! - An integral number of 2^64 or more is sent as a float64 (notepack writes a wrong
//!   integer for it).
//! - Another node's acknowledgements of a broadcast are awaited until the broadcast's
//!   timeout, or `requests_timeout` without one (Node stops listening at once when the
//!   broadcast has no timeout).
//! - The sharded adapter needs a Redis Cluster (Node's also runs on a standalone Redis 7).
//!   As in Node, its `all_rooms` knows only this node's rooms: the protocol has no such
//!   request.
//! - The streams adapter: `use_sharded_pub_sub` is not supported yet (refused at start), and
//!   it runs on one Redis, not a Redis Cluster. Its readers start at the stream's last entry
//!   when the factory is made (Node's at `$` once its connection is up, which misses what is
//!   appended meanwhile). A restore that would read more than 100 pages of 1000 entries gives
//!   a fresh session (Node's returns the packets it read, and loses the rest). As in Node,
//!   `all_rooms` knows only this node's rooms.
//!
//! # Why redis-rs
//! The driver is [redis-rs](https://docs.rs/redis) (`redis` crate, tokio): it is the most used
//! Rust client, its `ConnectionManager` reconnects by itself, its async `PubSub` splits into
//! a sink (subscribe while reading) and a stream (which ends when the connection drops, so the
//! adapter knows when to subscribe again), it sends any command (`PUBSUB NUMSUB`), and its
//! cluster client speaks `SSUBSCRIBE`/`SPUBLISH` with resubscription for the sharded mode.
//! fred offers the same, with more machinery than this adapter needs.
//!
//! One [`RedisAdapter::classic`] (or [`RedisAdapter::streams`]) factory belongs to one
//! server: it opens one subscribing connection, and the other nodes count servers by the
//! subscriptions on Redis.

#[cfg(feature = "admin")]
mod admin_store;
mod classic;
mod cluster_calls;
mod cluster_node;
mod config;
mod driver;
mod emitter;
mod error;
mod registry;
mod requests;
mod sharded;
mod streams;
mod uid;
pub mod wire;

use std::sync::Arc;

use sockeye::{ClusterAdapter, ClusterAdapterFactory, NamespaceHandle};

#[cfg(feature = "admin")]
pub use admin_store::{ADMIN_PREFIX, ADMIN_SESSION_DURATION, RedisSessionStore};
pub use config::{EmitterConfig, RedisConfig, ShardedConfig, StreamsConfig, SubscriptionMode};
pub use emitter::{Emitter, EmitterOperator};
pub use error::{ConnectError, EmitterError};
pub use registry::{NodeRegistry, NodeRegistryConfig};

/// Makes the cluster adapter factories of this crate, for
/// [`sockeye::Builder::adapter`].
#[derive(Debug)]
pub struct RedisAdapter;

impl RedisAdapter {
    /// The classic adapter (`createAdapter`): connects to Redis now (an error when it cannot
    /// be reached) and returns the factory to give the server's builder.
    pub async fn classic(config: RedisConfig) -> Result<ClusterAdapterFactory, ConnectError> {
        let driver = driver::Driver::connect(&config.url, config.requests_timeout, true).await?;
        let config = Arc::new(config);
        Ok(Arc::new(move |handle: NamespaceHandle| {
            Arc::new(classic::ClassicAdapter::new(
                handle,
                driver.clone(),
                &config,
            )) as Arc<dyn ClusterAdapter>
        }))
    }

    /// The sharded adapter (`createShardedAdapter`), on a Redis Cluster (Redis 7 or later):
    /// connects now (an error when no node can be reached) and returns the factory to give
    /// the server's builder. Its nodes only talk to sharded nodes, Node or sockeye, with the
    /// same channel prefix.
    pub async fn sharded(config: ShardedConfig) -> Result<ClusterAdapterFactory, ConnectError> {
        let driver =
            sharded::ShardedDriver::connect(&config.nodes, config.requests_timeout).await?;
        let config = Arc::new(config);
        Ok(Arc::new(move |handle: NamespaceHandle| {
            Arc::new(sharded::ShardedAdapter::new(
                handle,
                driver.clone(),
                &config,
            )) as Arc<dyn ClusterAdapter>
        }))
    }

    /// The Redis Streams adapter (`createAdapter` of `@socket.io/redis-streams-adapter`
    /// 0.3): connects now (an error when Redis cannot be reached) and returns the factory
    /// to give the server's builder. It keeps connection state recovery's log and sessions
    /// in Redis, so a client recovers on any node. Its nodes only talk to streams nodes,
    /// Node or sockeye, with the same stream and channel prefix.
    ///
    /// ```no_run
    /// use sockeye::{ConnectionStateRecovery, SocketIo};
    /// use sockeye_redis::{RedisAdapter, StreamsConfig};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let adapter = RedisAdapter::streams(StreamsConfig::new("redis://127.0.0.1:6379")).await?;
    /// let io = SocketIo::builder()
    ///     .adapter(adapter)
    ///     .with_config(|c| c.connection_state_recovery = Some(ConnectionStateRecovery::default()))
    ///     .build();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Errors: Redis cannot be reached, the URL is wrong, `use_sharded_pub_sub` is set (not
    /// supported yet), or `stream_count`, `read_count` or `max_len` is 0.
    pub async fn streams(config: StreamsConfig) -> Result<ClusterAdapterFactory, ConnectError> {
        if config.use_sharded_pub_sub {
            return Err(ConnectError(
                "use_sharded_pub_sub is not supported by this adapter yet".into(),
            ));
        }
        if config.stream_count == 0 || config.read_count == 0 || config.max_len == 0 {
            return Err(ConnectError(
                "stream_count, read_count and max_len must be at least 1".into(),
            ));
        }
        let driver = driver::Driver::connect(&config.url, config.requests_timeout, true).await?;
        let client = redis::Client::open(config.url.as_str())?;
        let routes: streams::reader::SharedRoutes = Arc::default();
        for stream in wire::streams::stream_names(&config.stream_name, config.stream_count) {
            let options = streams::reader::ReadOptions {
                count: config.read_count,
                block: config.block_time,
            };
            streams::reader::start(client.clone(), stream, options, Arc::downgrade(&routes))
                .await?;
        }
        let shared = streams::Shared {
            driver,
            config: Arc::new(config),
            routes,
        };
        Ok(Arc::new(move |handle: NamespaceHandle| {
            Arc::new(streams::StreamsAdapter::new(handle, &shared)) as Arc<dyn ClusterAdapter>
        }))
    }
}
