//! Pending acknowledgements with deadlines (sans-IO; used by the server and the client).

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

/// The acks a side is waiting for, keyed by the ack id sent with the event.
///
/// Ids are handed out from 0 upwards, as the reference does, and never reused. Call order:
/// [`insert`](Self::insert) when emitting with an ack, [`take`](Self::take) when the ACK
/// packet arrives, and at [`poll_timeout`](Self::poll_timeout) call [`expire`](Self::expire)
/// to collect the acks that timed out. Every operation is `O(log n)` or better.
#[derive(Debug)]
pub struct AckTable<T> {
    next_id: u64,
    entries: HashMap<u64, (Option<Instant>, T)>,
    // Ordered by deadline, then id (emission order) so equal deadlines expire in order.
    deadlines: BTreeSet<(Instant, u64)>,
}

impl<T> Default for AckTable<T> {
    fn default() -> Self {
        Self {
            next_id: 0,
            entries: HashMap::new(),
            deadlines: BTreeSet::new(),
        }
    }
}

impl<T> AckTable<T> {
    /// An empty table whose first id is 0.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The id the next [`insert`](Self::insert) will return.
    #[must_use]
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Registers an awaited ack, expiring at `deadline` (`None`: never), and returns its id.
    pub fn insert(&mut self, deadline: Option<Instant>, value: T) -> u64 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        if let Some(deadline) = deadline {
            self.deadlines.insert((deadline, id));
        }
        if let Some((Some(old), _)) = self.entries.insert(id, (deadline, value)) {
            // Only after 2^64 ids: the wrapped id replaced an ancient entry.
            self.deadlines.remove(&(old, id));
        }
        id
    }

    /// Removes and returns the ack with `id`, if it is still awaited. An id the peer made up,
    /// answered twice or answered after expiry gives `None`.
    pub fn take(&mut self, id: u64) -> Option<T> {
        let (deadline, value) = self.entries.remove(&id)?;
        if let Some(deadline) = deadline {
            self.deadlines.remove(&(deadline, id));
        }
        Some(value)
    }

    /// Whether `id` is awaited.
    #[must_use]
    pub fn contains(&self, id: u64) -> bool {
        self.entries.contains_key(&id)
    }

    /// Removes and returns every ack whose deadline is at or before `now`, earliest deadline
    /// first (emission order among equal deadlines).
    pub fn expire(&mut self, now: Instant) -> Vec<(u64, T)> {
        let mut out = Vec::new();
        while let Some(&(deadline, id)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some((_, value)) = self.entries.remove(&id) {
                out.push((id, value));
            }
        }
        out
    }

    /// The earliest deadline among awaited acks.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|&(deadline, _)| deadline)
    }

    /// Removes and returns every awaited ack in id order (on disconnect, to fail them all).
    pub fn drain(&mut self) -> Vec<(u64, T)> {
        self.deadlines.clear();
        let mut out: Vec<(u64, T)> = self.entries.drain().map(|(id, (_, v))| (id, v)).collect();
        out.sort_unstable_by_key(|&(id, _)| id);
        out
    }

    /// Number of awaited acks.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no ack is awaited.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
