//! A namespace's connection state recovery: where it keeps a leaving socket's state and
//! finds it again, in this node's memory or through the cluster adapter that keeps the log.

use std::sync::Arc;
use std::time::Duration;

use socketio_proto::Value;

use super::Namespace;
use crate::adapter::{RestoredSession, Room, SessionState};
use crate::recovery::KeepOp;

/// How often the connected sockets' states are written again to a cluster's session store
/// (they are kept for `max_disconnection_duration` plus this).
const KEEP_PERIOD: Duration = Duration::from_secs(30);

impl Namespace {
    /// Keeps the state of a socket that left for a recoverable reason.
    pub(crate) fn persist_session(&self, state: SessionState) {
        let Some(recovery) = self.recovery() else {
            return;
        };
        if recovery.in_memory() {
            recovery.persist(state);
            if recovery.start_sweeper() {
                self.spawn_sweeper(recovery.config().max_disconnection_duration);
            }
            return;
        }
        let ttl = recovery.config().max_disconnection_duration;
        self.keep(KeepOp::Persist(state, ttl));
    }

    /// A connected socket's state, kept in the cluster's store as it changes (connected,
    /// rooms joined or left, data set) and refreshed every [`KEEP_PERIOD`], so that it
    /// outlives a node that is killed: its client finds it on another node. Only with a
    /// cluster adapter that keeps the sessions (the reference keeps a session only when its
    /// socket disconnects, so a killed node's clients get new ones there).
    pub(crate) fn keep_connected(&self, socket: &crate::Socket) {
        let Some(recovery) = self.recovery() else {
            return;
        };
        if recovery.in_memory() {
            return;
        }
        if let Some(state) = socket.live_session_state() {
            let ttl = recovery.config().max_disconnection_duration + KEEP_PERIOD;
            self.keep(KeepOp::Persist(state, ttl));
        }
    }

    /// The socket of `pid` left for a reason that is not recoverable: what was kept of it
    /// while it was connected goes.
    pub(crate) fn forget_session(&self, pid: &str) {
        if self.recovery().is_some_and(|r| !r.in_memory()) {
            self.keep(KeepOp::Forget(pid.to_owned()));
        }
    }

    /// Queues a write to the cluster's session store: one task per namespace does them in
    /// order (a socket's last word wins), counted until done.
    fn keep(&self, op: KeepOp) {
        let Some(recovery) = self.recovery() else {
            return;
        };
        let Some(cluster) = self.cluster().cloned() else {
            return;
        };
        let queue = recovery.keeper.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            self.spawn_keeper(cluster, rx, recovery.persisting.clone());
            tx
        });
        recovery
            .persisting
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        if queue.send(op).is_err() {
            recovery
                .persisting
                .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
        }
    }

    /// The writer of the queue, and the timer that refreshes the connected sockets' states.
    fn spawn_keeper(
        &self,
        cluster: Arc<dyn crate::adapter::ClusterAdapter>,
        mut ops: tokio::sync::mpsc::UnboundedReceiver<KeepOp>,
        persisting: Arc<std::sync::atomic::AtomicUsize>,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let nsp = self.name().to_owned();
        runtime.spawn(async move {
            while let Some(op) = ops.recv().await {
                let result = match op {
                    KeepOp::Persist(state, ttl) => cluster.persist_session(state, ttl).await,
                    KeepOp::Forget(pid) => cluster.forget_session(&pid).await,
                };
                if let Err(err) = result {
                    crate::log_limit::warn_limited!(nsp, %err, "session not kept in the cluster: its client may get a new one");
                }
                persisting.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
            }
        });
        let ns = Arc::downgrade(&self.0);
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(KEEP_PERIOD);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(ns) = ns.upgrade().map(Namespace) else {
                    return;
                };
                for socket in ns.sockets() {
                    ns.keep_connected(&socket);
                }
            }
        });
    }

    /// Sessions still on their way to the cluster's store.
    pub(crate) fn sessions_persisting(&self) -> usize {
        self.recovery().map_or(0, |r| {
            r.persisting.load(std::sync::atomic::Ordering::Acquire)
        })
    }

    /// Takes back the session of `pid` with what it missed after `offset`; `None` when it
    /// cannot be recovered (the client gets a fresh socket).
    pub(crate) async fn restore_session(&self, pid: &str, offset: &str) -> Option<RestoredSession> {
        let recovery = self.recovery()?;
        if recovery.in_memory() {
            return recovery.restore(pid, offset);
        }
        match self.cluster()?.restore_session(pid, offset).await {
            Ok(restored) => restored,
            Err(err) => {
                crate::log_limit::warn_limited!(nsp = self.name(), %err, "session not restored from the cluster: a new one is given");
                None
            }
        }
    }

    /// The recoverable packets after `offset` for a socket in `rooms` (those sent while a
    /// restored socket was joining its rooms). Nothing when the log no longer has them.
    pub(crate) async fn packets_after(&self, offset: &str, rooms: &[Room]) -> Vec<Vec<Value>> {
        let Some(recovery) = self.recovery() else {
            return Vec::new();
        };
        let found = if recovery.in_memory() {
            recovery.after(offset, rooms)
        } else if let Some(cluster) = self.cluster() {
            cluster.packets_after(offset, rooms).await.unwrap_or_else(|err| {
                crate::log_limit::warn_limited!(nsp = self.name(), %err, "the cluster's log could not be read after a restore");
                None
            })
        } else {
            None
        };
        found.unwrap_or_else(|| {
            crate::log_limit::warn_limited!(
                nsp = self.name(),
                "packets sent during a restore left the log before they could be replayed"
            );
            Vec::new()
        })
    }

    /// Forgets expired sessions and packets now and then, so that an idle server gives
    /// their memory back too. Stops with the namespace.
    fn spawn_sweeper(&self, max_age: Duration) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let period = max_age.clamp(Duration::from_secs(1), Duration::from_secs(60));
        let ns = Arc::downgrade(&self.0);
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(ns) = ns.upgrade().map(Namespace) else {
                    return;
                };
                if let Some(recovery) = ns.recovery() {
                    recovery.sweep();
                }
            }
        });
    }
}
