//! The bytes a session holds for its peer: messages queued, and the websocket batch being
//! written. Bounded per session (`EngineConfig::outbox_bytes`) and summed over the engine
//! ([`Engine::outbox_bytes`](super::Engine::outbox_bytes)), so that a peer that stops
//! reading costs a known amount, and that amount is seen to come back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One session's account of the bytes it holds.
#[derive(Debug)]
pub(crate) struct OutboxBytes {
    /// Messages in the session's queue.
    queued: usize,
    /// Messages handed to the websocket and not yet written.
    writing: usize,
    limit: usize,
    /// The engine's sum over its sessions.
    total: Arc<AtomicUsize>,
}

impl OutboxBytes {
    pub(crate) fn new(limit: usize, total: Arc<AtomicUsize>) -> OutboxBytes {
        OutboxBytes {
            queued: 0,
            writing: 0,
            limit,
            total,
        }
    }

    /// Whether `n` more bytes fit. A message larger than the bound fits an empty outbox, so
    /// that it can be sent at all.
    pub(crate) fn admits(&self, n: usize) -> bool {
        let held = self.queued + self.writing;
        held == 0 || held.saturating_add(n) <= self.limit
    }

    /// `n` bytes were queued.
    pub(crate) fn queued(&mut self, n: usize) {
        self.queued += n;
        self.total.fetch_add(n, Ordering::Relaxed);
    }

    /// The session's queue was emptied: `writing` of its bytes went to the websocket writer,
    /// the rest to a long-polling answer or nowhere (the session closed).
    pub(crate) fn dequeued(&mut self, writing: usize) {
        let writing = writing.min(self.queued);
        self.total
            .fetch_sub(self.queued - writing, Ordering::Relaxed);
        self.queued = 0;
        self.writing += writing;
    }

    /// A websocket write of `n` bytes ended, written or given up.
    pub(crate) fn written(&mut self, n: usize) {
        let n = n.min(self.writing);
        self.writing -= n;
        self.total.fetch_sub(n, Ordering::Relaxed);
    }
}

impl Drop for OutboxBytes {
    fn drop(&mut self) {
        self.total
            .fetch_sub(self.queued + self.writing, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_bounded_and_come_back() {
        let total = Arc::new(AtomicUsize::new(0));
        let mut a = OutboxBytes::new(10, total.clone());
        assert!(a.admits(100), "an empty outbox takes a message of any size");
        a.queued(6);
        assert!(a.admits(4));
        assert!(!a.admits(5));
        a.dequeued(6);
        assert_eq!(total.load(Ordering::Relaxed), 6, "still being written");
        assert!(!a.admits(5));
        a.written(6);
        assert_eq!(total.load(Ordering::Relaxed), 0);
        a.queued(3);
        a.dequeued(0);
        assert_eq!(total.load(Ordering::Relaxed), 0, "answered over polling");
        a.queued(7);
        drop(a);
        assert_eq!(
            total.load(Ordering::Relaxed),
            0,
            "released with the session"
        );
    }
}
