//! The disconnected sessions of one namespace in memory, each kept for a while, at most so
//! many.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use crate::adapter::SessionState;

pub(super) struct Sessions {
    by_pid: HashMap<String, (SessionState, Instant)>,
    /// Persisted sessions oldest first, to expire them without scanning the map. A pid that
    /// was taken or persisted again leaves a stale entry, skipped by its time.
    order: VecDeque<(Instant, String)>,
    ttl: Duration,
    max: usize,
}

impl Sessions {
    pub(super) fn new(ttl: Duration, max: usize) -> Sessions {
        Sessions {
            by_pid: HashMap::new(),
            order: VecDeque::new(),
            ttl,
            max,
        }
    }

    pub(super) fn insert(&mut self, state: SessionState, now: Instant) {
        self.order.push_back((now, state.pid.clone()));
        self.by_pid.insert(state.pid.clone(), (state, now));
        while self.by_pid.len() > self.max {
            if !self.pop_oldest() {
                break;
            }
        }
    }

    /// Takes the session of `pid` if it has not expired.
    pub(super) fn take(&mut self, pid: &str, now: Instant) -> Option<SessionState> {
        let (state, at) = self.by_pid.remove(pid)?;
        (now.saturating_duration_since(at) <= self.ttl).then_some(state)
    }

    /// Forgets the expired sessions.
    pub(super) fn sweep(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            if now.saturating_duration_since(*at) <= self.ttl {
                break;
            }
            self.pop_oldest();
        }
        if self.by_pid.is_empty() {
            self.order.clear();
            if self.order.capacity() > 64 {
                self.order = VecDeque::new();
                self.by_pid = HashMap::new();
            }
        }
    }

    /// Removes the oldest entry of `order` and its session if it is still that one.
    fn pop_oldest(&mut self) -> bool {
        let Some((at, pid)) = self.order.pop_front() else {
            return false;
        };
        if self.by_pid.get(&pid).is_some_and(|(_, t)| *t == at) {
            self.by_pid.remove(&pid);
        }
        true
    }

    pub(super) fn len(&self) -> usize {
        self.by_pid.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socketio_proto::Value;

    fn state(pid: &str) -> SessionState {
        SessionState {
            sid: format!("sid-{pid}"),
            pid: pid.to_owned(),
            rooms: vec![],
            data: Value::Null,
        }
    }

    #[test]
    fn a_session_is_taken_once_and_expires() {
        let now = Instant::now();
        let mut s = Sessions::new(Duration::from_secs(10), 100);
        s.insert(state("a"), now);
        s.insert(state("b"), now);
        assert_eq!(s.take("a", now).map(|s| s.sid), Some("sid-a".to_owned()));
        assert_eq!(s.take("a", now), None);
        assert_eq!(s.take("b", now + Duration::from_secs(11)), None);
        s.insert(state("c"), now);
        s.sweep(now + Duration::from_secs(11));
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn the_oldest_go_beyond_the_limit() {
        let now = Instant::now();
        let mut s = Sessions::new(Duration::from_secs(10), 2);
        s.insert(state("a"), now);
        s.insert(state("b"), now + Duration::from_millis(1));
        s.insert(state("c"), now + Duration::from_millis(2));
        assert_eq!(s.len(), 2);
        assert_eq!(s.take("a", now), None);
        assert!(s.take("c", now).is_some());
    }
}
