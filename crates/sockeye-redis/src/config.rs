//! The options of the adapters and of the emitter, with the reference's defaults.

use std::time::Duration;

/// Options of the classic adapter (the reference's `createAdapter` options), plus where
/// Redis is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    /// The Redis URL, such as `redis://127.0.0.1:6379` (`rediss://` is not enabled).
    pub url: String,
    /// The prefix of every channel (`key`, default `socket.io`). Every node of a cluster,
    /// Node or sockeye, and every emitter must use the same.
    pub key: String,
    /// How long a request to the other nodes waits for their answers (`requestsTimeout`,
    /// default 5 s). Also bounds a Redis command while Redis is away.
    pub requests_timeout: Duration,
    /// Answer each request on the requester's own response channel
    /// (`publishOnSpecificResponseChannel`, default false): less traffic, but every node of
    /// the cluster must listen there (8.3 nodes do).
    pub publish_on_specific_response_channel: bool,
}

impl RedisConfig {
    /// The defaults, for Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            ..RedisConfig::default()
        }
    }
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: "redis://127.0.0.1:6379".to_owned(),
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_secs(5),
            publish_on_specific_response_channel: false,
        }
    }
}

/// Options of the [`Emitter`](crate::Emitter) (the reference's emitter options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmitterConfig {
    /// The Redis URL.
    pub url: String,
    /// The channel prefix (`key`, default `socket.io`): the cluster's.
    pub key: String,
    /// How long a publish may take while Redis is away (default 5 s).
    pub timeout: Duration,
}

impl EmitterConfig {
    /// The defaults, for Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        EmitterConfig {
            url: url.into(),
            key: "socket.io".to_owned(),
            timeout: Duration::from_secs(5),
        }
    }
}

/// Which channels the sharded adapter subscribes to (the reference's `subscriptionMode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SubscriptionMode {
    /// One channel per namespace: every node gets every broadcast.
    Static,
    /// Also one channel per room that is not a socket id, subscribed while this node has a
    /// socket in it: a broadcast to one such room reaches only the nodes that have it. The
    /// reference's default.
    #[default]
    Dynamic,
    /// As `Dynamic`, socket-id rooms included (for heavy use of `io.to(socket_id)`).
    DynamicPrivate,
}

/// Options of the sharded adapter (the reference's `createShardedAdapter` options), plus
/// where the Redis Cluster is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardedConfig {
    /// URLs of some nodes of the Redis Cluster (Redis 7 or later), such as
    /// `redis://127.0.0.1:7000`; the others are discovered.
    pub nodes: Vec<String>,
    /// The prefix of every channel (`channelPrefix`, default `socket.io`).
    pub channel_prefix: String,
    /// Which channels to subscribe to (`subscriptionMode`, default dynamic).
    pub subscription_mode: SubscriptionMode,
    /// How long a request to the other nodes waits for their answers (default 5 s, the
    /// reference's fixed timeout). Also bounds a Redis command while Redis is away.
    pub requests_timeout: Duration,
}

impl ShardedConfig {
    /// The defaults, for the cluster reachable through `nodes`.
    pub fn new(nodes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        ShardedConfig {
            nodes: nodes.into_iter().map(Into::into).collect(),
            channel_prefix: "socket.io".to_owned(),
            subscription_mode: SubscriptionMode::default(),
            requests_timeout: Duration::from_secs(5),
        }
    }
}
