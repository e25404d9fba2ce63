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

/// Options of the Redis Streams adapter (the options of `@socket.io/redis-streams-adapter`
/// 0.3's `createAdapter`), plus where Redis is. Every node of a cluster, Node or sockeye,
/// must use the same stream name and count, channel prefix and session key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsConfig {
    /// The Redis URL, such as `redis://127.0.0.1:6379`.
    pub url: String,
    /// The stream's name (`streamName`, default `socket.io`).
    pub stream_name: String,
    /// How many streams (`streamCount`, default 1). With more than one, each namespace's
    /// messages go to `<stream_name>-<i>`, `i` from a hash of its name, and a node reads
    /// every stream on a connection of its own.
    pub stream_count: usize,
    /// The prefix of the pub/sub channels (`channelPrefix`, default `socket.io`).
    pub channel_prefix: String,
    /// Sharded pub/sub (`useShardedPubSub`, default false). Not supported yet: the adapter
    /// refuses to start with it.
    pub use_sharded_pub_sub: bool,
    /// The approximate length the stream is trimmed to (`maxLen`, default 10,000;
    /// `XADD MAXLEN ~`). A client that missed more than this cannot recover.
    pub max_len: usize,
    /// How many entries one read takes at most (`readCount`, default 100).
    pub read_count: usize,
    /// How long one blocking read waits (`blockTimeInMs`, default 5 s).
    pub block_time: Duration,
    /// The prefix of the keys of disconnected sessions (`sessionKeyPrefix`, default
    /// `sio:session:`).
    pub session_key_prefix: String,
    /// Always write entries as JSON, even with binary inside (`onlyPlaintext`, default
    /// false): binary then arrives as what JSON makes of it.
    pub only_plaintext: bool,
    /// How long a request to the other nodes waits for their answers (default 5 s, the
    /// reference's fixed timeout). Also bounds a Redis command while Redis is away.
    pub requests_timeout: Duration,
}

impl StreamsConfig {
    /// The defaults, for Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        StreamsConfig {
            url: url.into(),
            ..StreamsConfig::default()
        }
    }
}

impl Default for StreamsConfig {
    fn default() -> Self {
        StreamsConfig {
            url: "redis://127.0.0.1:6379".to_owned(),
            stream_name: "socket.io".to_owned(),
            stream_count: 1,
            channel_prefix: "socket.io".to_owned(),
            use_sharded_pub_sub: false,
            max_len: 10_000,
            read_count: 100,
            block_time: Duration::from_secs(5),
            session_key_prefix: "sio:session:".to_owned(),
            only_plaintext: false,
            requests_timeout: Duration::from_secs(5),
        }
    }
}
