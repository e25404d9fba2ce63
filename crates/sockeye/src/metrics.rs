//! Counters an application can read from the `io` handle ([`SocketIo::metrics`]) and
//! export: in Prometheus text format with [`prometheus`], or by hand from the snapshot.
//!
//! Every counter is a relaxed atomic updated on a path that is taken anyway; gauges that can
//! be counted from what the server holds (sockets per namespace, acknowledgements pending)
//! are counted when read, so that nothing runs for them unless someone looks.
//!
//! In the Prometheus text, `socketio_sockets` has one `namespace` label value per namespace
//! the application made, but children of dynamic namespaces (named by clients) get one only
//! for the first [`DYNAMIC_NAMESPACE_LABELS`] (100) seen, for the server's life; the others
//! are summed under `namespace="other"` ([`OTHER_NAMESPACES`]), so that clients cannot grow
//! the number of series without bound.
//!
//! [`SocketIo::metrics`]: crate::SocketIo::metrics

mod adapter;
#[cfg(feature = "prometheus")]
mod namespace_labels;
#[cfg(feature = "prometheus")]
mod prometheus;

use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::engine::{EngineMetrics, HandshakeFailures};
pub(crate) use adapter::AdapterCounters;
pub use adapter::{AdapterMetrics, AdapterRequest, AdapterRequestMetrics, LATENCY_BOUNDS, Latency};
#[cfg(feature = "prometheus")]
pub use namespace_labels::{DYNAMIC_NAMESPACE_LABELS, OTHER_NAMESPACES};
#[cfg(feature = "prometheus")]
pub(crate) use namespace_labels::{NamespaceLabels, NamespaceSample};
#[cfg(feature = "prometheus")]
pub use prometheus::{CONTENT_TYPE, SocketIoCollector, collector, prometheus, response};

/// Live counters of one server, updated with relaxed atomics on the hot paths.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) packets_in: AtomicU64,
    pub(crate) packets_out: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) volatile_dropped: AtomicU64,
    pub(crate) slow_consumers: AtomicU64,
    pub(crate) acks_timed_out: AtomicU64,
    pub(crate) broadcasts: AtomicU64,
    pub(crate) adapter: AdapterCounters,
    /// The dynamic namespaces' children that have a label of their own in the export.
    #[cfg(feature = "prometheus")]
    pub(crate) namespace_labels: NamespaceLabels,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// A snapshot of the server's counters (see [`SocketIo::metrics`](crate::SocketIo::metrics)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Metrics {
    /// The engine's: sessions by transport, upgrades, refused requests by reason.
    pub engine: EngineMetrics,
    /// Open Engine.IO connections.
    pub connections: u64,
    /// Connected sockets, over every namespace.
    pub sockets: u64,
    /// Socket.IO packets received.
    pub packets_in: u64,
    /// Socket.IO packets queued to a transport (a broadcast counts once per recipient).
    pub packets_out: u64,
    /// Bytes of the Engine.IO messages those packets came in, as a websocket frame carries
    /// them (`4` and the text, or the binary data; polling's base64 is not counted).
    pub bytes_in: u64,
    /// Bytes of the Engine.IO messages queued to transports (once per recipient).
    pub bytes_out: u64,
    /// Volatile packets dropped because the transport was not writable.
    pub volatile_dropped: u64,
    /// Connections closed because their outbox was full.
    pub slow_consumers: u64,
    /// Acknowledgements that did not come before their timeout.
    pub acks_timed_out: u64,
    /// Acknowledgements the server waits for now, from its sockets' clients (counted when
    /// read).
    pub acks_pending: u64,
    /// Broadcasts sent from this node (`io.emit`, `io.to(..).emit`, `socket.broadcast()`..,
    /// with or without acknowledgements): once per call, not per recipient.
    pub broadcasts: u64,
    /// The requests handed to the cluster adapter, by kind.
    pub adapter: AdapterMetrics,
    /// Connection state recovery, in this node's memory: packets in the logs...
    pub recovery_packets: u64,
    /// ...their estimated size in bytes...
    pub recovery_bytes: u64,
    /// ...and disconnected sessions waiting for their clients.
    pub recovery_sessions: u64,
}

impl Counters {
    pub(crate) fn snapshot(&self, connections: u64, sockets: u64) -> Metrics {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Metrics {
            connections,
            sockets,
            packets_in: get(&self.packets_in),
            packets_out: get(&self.packets_out),
            bytes_in: get(&self.bytes_in),
            bytes_out: get(&self.bytes_out),
            volatile_dropped: get(&self.volatile_dropped),
            slow_consumers: get(&self.slow_consumers),
            acks_timed_out: get(&self.acks_timed_out),
            broadcasts: get(&self.broadcasts),
            adapter: self.adapter.snapshot(),
            ..Metrics::default()
        }
    }
}
