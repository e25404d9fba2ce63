//! A namespace's connection state recovery: where it keeps a leaving socket's state and
//! finds it again, in this node's memory or through the cluster adapter that keeps the log.

use std::sync::Arc;
use std::time::Duration;

use socketio_proto::Value;

use super::Namespace;
use crate::adapter::{RestoredSession, Room, SessionState};

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
        if let Some(cluster) = self.cluster() {
            let ttl = recovery.config().max_disconnection_duration;
            let persist = cluster.persist_session(state, ttl);
            let nsp = self.name().to_owned();
            let persisting = recovery.persisting.clone();
            persisting.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            tokio::spawn(async move {
                if let Err(err) = persist.await {
                    crate::log_limit::warn_limited!(nsp, %err, "session not persisted in the cluster: its client will get a new one");
                }
                persisting.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
            });
        }
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
