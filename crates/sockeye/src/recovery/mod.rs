//! Connection state recovery (socket.io 4.6+'s `connectionStateRecovery`): a client that
//! loses its connection for a moment comes back with the same socket id, its rooms and
//! `data`, and the packets it missed.
//!
//! Every recoverable packet (an EVENT the server sends that is neither volatile nor waiting
//! for an acknowledgement) gets an offset, sent as its last argument; the client hands the
//! last one it saw back when it reconnects, with the private id (`pid`) the CONNECT answer
//! gave it. A socket that goes for a recoverable reason leaves its state behind for
//! `max_disconnection_duration`.
//!
//! Where the log and the sessions live: in this node's memory ([`MemoryStore`], one per
//! namespace), unless the cluster adapter keeps them for every node
//! ([`ClusterAdapter::recovers_sessions`](crate::ClusterAdapter::recovers_sessions), the
//! Redis Streams adapter). Either way they are bounded, and nothing of this exists while the
//! option is off.

mod log;
mod sessions;
mod size;

use std::sync::Mutex;
use std::time::Duration;

use socketio_proto::{Packet, PacketData, Value};
use tokio::time::Instant;

use crate::adapter::{BroadcastOptions, RestoredSession, SessionState};
use log::PacketLog;
use sessions::Sessions;

/// The options of connection state recovery ([`Config::connection_state_recovery`]), named
/// and defaulted as socket.io's `connectionStateRecovery`, plus the bounds of what a node
/// keeps in memory.
///
/// [`Config::connection_state_recovery`]: crate::Config::connection_state_recovery
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionStateRecovery {
    /// How long a disconnected socket's state and the packets sent meanwhile are kept.
    /// Default 2 minutes (`maxDisconnectionDuration`).
    pub max_disconnection_duration: Duration,
    /// Whether a recovered socket skips the namespace's middlewares. Default true
    /// (`skipMiddlewares`).
    pub skip_middlewares: bool,
    /// At most this many bytes of packets are kept per namespace (estimated from their
    /// arguments); the oldest go first, and a client that missed one of them gets a fresh
    /// session. Default 64 MiB.
    pub max_log_bytes: usize,
    /// At most this many disconnected sessions are kept per namespace; the oldest go first.
    /// Default 100,000.
    pub max_sessions: usize,
}

impl Default for ConnectionStateRecovery {
    fn default() -> Self {
        ConnectionStateRecovery {
            max_disconnection_duration: Duration::from_secs(120),
            skip_middlewares: true,
            max_log_bytes: 64 << 20,
            max_sessions: 100_000,
        }
    }
}

/// A namespace's recovery: its options, and the store in this node's memory unless the
/// cluster keeps one.
pub(crate) struct Recovery {
    config: ConnectionStateRecovery,
    memory: Option<Mutex<MemoryStore>>,
    /// Whether the periodic sweep of the memory store runs (started by the first session).
    sweeping: std::sync::atomic::AtomicBool,
    /// Sessions on their way to the cluster's store, which a closing server waits for.
    pub(crate) persisting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// With a cluster that keeps the sessions: the queue of writes to its store, in order
    /// (started by the first socket; see `namespace/recovery.rs`).
    pub(crate) keeper: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<KeepOp>>,
}

/// A write to the cluster's session store, done in the order they were asked.
pub(crate) enum KeepOp {
    /// Keep this state for this long.
    Persist(crate::adapter::SessionState, std::time::Duration),
    /// The socket of this private id left for good.
    Forget(String),
}

impl Recovery {
    /// `in_memory` is false when the cluster adapter keeps the log and the sessions.
    pub(crate) fn new(config: ConnectionStateRecovery, in_memory: bool) -> Recovery {
        let memory = in_memory.then(|| Mutex::new(MemoryStore::new(&config)));
        Recovery {
            config,
            memory,
            sweeping: std::sync::atomic::AtomicBool::new(false),
            persisting: std::sync::Arc::default(),
            keeper: std::sync::OnceLock::new(),
        }
    }

    /// True the first time only: the caller starts the periodic sweep.
    pub(crate) fn start_sweeper(&self) -> bool {
        !self
            .sweeping
            .swap(true, std::sync::atomic::Ordering::AcqRel)
    }

    pub(crate) fn config(&self) -> &ConnectionStateRecovery {
        &self.config
    }

    /// Whether this node keeps the log (no cluster adapter keeps it).
    pub(crate) fn in_memory(&self) -> bool {
        self.memory.is_some()
    }

    fn store(&self) -> Option<std::sync::MutexGuard<'_, MemoryStore>> {
        Some(
            self.memory
                .as_ref()?
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Logs a recoverable EVENT (its name and arguments) sent to `opts`, and returns the
    /// offset to send it with. `None` when the cluster keeps the log.
    pub(crate) fn record(&self, args: &[Value], opts: &BroadcastOptions) -> Option<String> {
        let mut store = self.store()?;
        let seq = store.log.push(args, opts, Instant::now());
        Some(log::format_offset(seq))
    }

    /// Keeps a disconnected socket's state in memory.
    pub(crate) fn persist(&self, state: SessionState) {
        if let Some(mut store) = self.store() {
            let now = Instant::now();
            store.sessions.sweep(now);
            store.sessions.insert(state, now);
        }
    }

    /// Takes back a session from memory, with the packets it missed; `None` when the session
    /// is unknown or expired, or the log no longer holds every packet after `offset`.
    pub(crate) fn restore(&self, pid: &str, offset: &str) -> Option<RestoredSession> {
        let mut store = self.store()?;
        let now = Instant::now();
        store.log.evict(now);
        store.sessions.sweep(now);
        let state = store.sessions.take(pid, now)?;
        let missed = store.log.after(log::parse_offset(offset)?, &state.rooms)?;
        Some(RestoredSession { state, missed })
    }

    /// The packets after `offset` for a socket in `rooms`, from memory; `None` when some of
    /// them are gone.
    pub(crate) fn after(&self, offset: &str, rooms: &[String]) -> Option<Vec<Vec<Value>>> {
        let store = self.store()?;
        store.log.after(log::parse_offset(offset)?, rooms)
    }

    /// Forgets what has expired (called now and then; the operations above also do it).
    pub(crate) fn sweep(&self) {
        if let Some(mut store) = self.store() {
            let now = Instant::now();
            store.log.evict(now);
            store.sessions.sweep(now);
        }
    }

    /// How many packets and bytes the log holds, and how many sessions wait.
    pub(crate) fn sizes(&self) -> (usize, usize, usize) {
        self.store()
            .map(|s| (s.log.len(), s.log.bytes(), s.sessions.len()))
            .unwrap_or_default()
    }
}

/// The log and the sessions of one namespace, in this node's memory.
struct MemoryStore {
    log: PacketLog,
    sessions: Sessions,
}

impl MemoryStore {
    fn new(config: &ConnectionStateRecovery) -> MemoryStore {
        MemoryStore {
            log: PacketLog::new(config.max_disconnection_duration, config.max_log_bytes),
            sessions: Sessions::new(config.max_disconnection_duration, config.max_sessions),
        }
    }
}

/// The arguments of `packet` when it is recoverable: an EVENT without ack id, not volatile.
pub(crate) fn recoverable_args<'p>(
    packet: &'p Packet,
    opts: &BroadcastOptions,
) -> Option<&'p [Value]> {
    match &packet.data {
        PacketData::Event { args, id: None } if !opts.flags.volatile => Some(args),
        _ => None,
    }
}

/// `packet` with `offset` as its last argument.
pub(crate) fn with_offset(packet: &Packet, offset: String) -> Packet {
    let mut packet = packet.clone();
    if let PacketData::Event { args, .. } = &mut packet.data {
        args.push(Value::String(offset));
    }
    packet
}

/// How two offsets of one log compare: this node's are sequence numbers, a Redis stream's
/// are `milliseconds-sequence` entry ids. `None` for anything else.
pub(crate) fn offset_order(offset: &str) -> Option<(u64, u64)> {
    let (high, low) = offset.split_once('-').unwrap_or((offset, "0"));
    Some((decimal(high)?, decimal(low)?))
}

/// A whole number in plain decimal digits (no sign, no spaces), as offsets are written.
fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
