//! What the cluster adapter is asked: requests by kind, their errors, and how long the
//! awaited ones took (a histogram of fixed buckets, one relaxed atomic per bucket).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A kind of request a namespace hands to its [`ClusterAdapter`](crate::ClusterAdapter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AdapterRequest {
    /// A broadcast published to the other nodes (not awaited: no latency).
    Broadcast,
    /// A broadcast that waits for acknowledgements.
    BroadcastWithAck,
    /// `fetch_sockets`.
    FetchSockets,
    /// `socketsJoin`.
    AddSockets,
    /// `socketsLeave`.
    DelSockets,
    /// `disconnectSockets`.
    DisconnectSockets,
    /// `serverSideEmit`.
    ServerSideEmit,
    /// The rooms of every node.
    AllRooms,
    /// How many nodes the cluster has.
    ServerCount,
}

const KINDS: usize = 9;

impl AdapterRequest {
    /// Every kind, in the order of [`AdapterMetrics::iter`].
    pub const ALL: [AdapterRequest; KINDS] = [
        AdapterRequest::Broadcast,
        AdapterRequest::BroadcastWithAck,
        AdapterRequest::FetchSockets,
        AdapterRequest::AddSockets,
        AdapterRequest::DelSockets,
        AdapterRequest::DisconnectSockets,
        AdapterRequest::ServerSideEmit,
        AdapterRequest::AllRooms,
        AdapterRequest::ServerCount,
    ];

    /// The label of this kind in the exported metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            AdapterRequest::Broadcast => "broadcast",
            AdapterRequest::BroadcastWithAck => "broadcast_with_ack",
            AdapterRequest::FetchSockets => "fetch_sockets",
            AdapterRequest::AddSockets => "add_sockets",
            AdapterRequest::DelSockets => "del_sockets",
            AdapterRequest::DisconnectSockets => "disconnect_sockets",
            AdapterRequest::ServerSideEmit => "server_side_emit",
            AdapterRequest::AllRooms => "all_rooms",
            AdapterRequest::ServerCount => "server_count",
        }
    }
}

/// Upper bounds of the latency buckets, in seconds (the last bucket, unbounded, follows).
/// The reference's requests time out after 5 s by default.
pub const LATENCY_BOUNDS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
const BUCKETS: usize = LATENCY_BOUNDS.len() + 1;

#[derive(Debug, Default)]
struct KindCounters {
    requests: AtomicU64,
    errors: AtomicU64,
    buckets: [AtomicU64; BUCKETS],
    sum_micros: AtomicU64,
}

/// Live counters of the adapter requests of every namespace of a server.
#[derive(Debug, Default)]
pub(crate) struct AdapterCounters {
    kinds: [KindCounters; KINDS],
}

impl AdapterCounters {
    /// A request was handed to the adapter.
    pub(crate) fn request(&self, kind: AdapterRequest) {
        self.kinds[kind as usize]
            .requests
            .fetch_add(1, Ordering::Relaxed);
    }

    /// A request failed (the adapter could not reach the others, or they did not answer).
    pub(crate) fn error(&self, kind: AdapterRequest) {
        self.kinds[kind as usize]
            .errors
            .fetch_add(1, Ordering::Relaxed);
    }

    /// An awaited request resolved after `took`.
    pub(crate) fn took(&self, kind: AdapterRequest, took: Duration) {
        let k = &self.kinds[kind as usize];
        let secs = took.as_secs_f64();
        let bucket = LATENCY_BOUNDS
            .iter()
            .position(|&bound| secs <= bound)
            .unwrap_or(LATENCY_BOUNDS.len());
        k.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        k.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> AdapterMetrics {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        AdapterMetrics {
            kinds: std::array::from_fn(|i| {
                let k = &self.kinds[i];
                AdapterRequestMetrics {
                    requests: get(&k.requests),
                    errors: get(&k.errors),
                    latency: Latency {
                        buckets: std::array::from_fn(|b| get(&k.buckets[b])),
                        sum_micros: get(&k.sum_micros),
                    },
                }
            }),
        }
    }
}

/// The adapter requests of a server's namespaces, by kind (all zero without an adapter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AdapterMetrics {
    kinds: [AdapterRequestMetrics; KINDS],
}

impl AdapterMetrics {
    /// The counters of one kind of request.
    pub fn get(&self, kind: AdapterRequest) -> AdapterRequestMetrics {
        self.kinds[kind as usize]
    }

    /// Every kind with its counters.
    pub fn iter(&self) -> impl Iterator<Item = (AdapterRequest, AdapterRequestMetrics)> + '_ {
        AdapterRequest::ALL
            .into_iter()
            .zip(self.kinds.iter().copied())
    }
}

/// The counters of one kind of adapter request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AdapterRequestMetrics {
    /// Requests handed to the adapter.
    pub requests: u64,
    /// Of those, the ones that failed.
    pub errors: u64,
    /// How long the awaited ones took, until they resolved (failed or not).
    pub latency: Latency,
}

/// A latency histogram over [`LATENCY_BOUNDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    /// How many fell in each bucket (not cumulative): `buckets[i]` took at most
    /// `LATENCY_BOUNDS[i]` and more than the bound before; the last one, more than 5 s.
    pub buckets: [u64; BUCKETS],
    /// The sum of the latencies, in microseconds.
    pub sum_micros: u64,
}

impl Latency {
    /// How many were measured.
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }
}
