//! The heartbeat as deadlines: server-driven in protocol v4 (the server pings), client-driven
//! in protocol v3 (the client pings, the server only watches the gap between pings).

use std::time::{Duration, Instant};

/// When the next ping is due and when the pong to the last one is overdue.
#[derive(Debug, Clone)]
pub(crate) struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    next_ping: Option<Instant>,
    pong_deadline: Option<Instant>,
}

impl Heartbeat {
    pub(crate) fn new(interval: Duration, timeout: Duration, now: Instant) -> Heartbeat {
        Heartbeat {
            interval,
            timeout,
            next_ping: Some(now + interval),
            pong_deadline: None,
        }
    }

    /// The protocol v3 heartbeat: no server pings; the session times out when no client ping
    /// arrives within `interval + timeout` (the reference's v3 timer).
    pub(crate) fn client_driven(interval: Duration, timeout: Duration, now: Instant) -> Heartbeat {
        let window = interval.saturating_add(timeout);
        Heartbeat {
            interval: window,
            timeout,
            next_ping: None,
            pong_deadline: Some(now + window),
        }
    }

    /// A client ping arrived (protocol v3): the gap restarts from now.
    pub(crate) fn on_client_ping(&mut self, now: Instant) {
        if self.pong_deadline.is_some() {
            self.pong_deadline = Some(now + self.interval);
        }
    }

    /// A pong arrived: the reference restarts the interval from now.
    pub(crate) fn on_pong(&mut self, now: Instant) {
        self.pong_deadline = None;
        self.next_ping = Some(now + self.interval);
    }

    /// Whether a ping is due; if so, starts waiting for its pong.
    pub(crate) fn poll_ping(&mut self, now: Instant) -> bool {
        match self.next_ping {
            Some(at) if at <= now => {
                self.next_ping = None;
                self.pong_deadline = Some(now + self.timeout);
                true
            }
            _ => false,
        }
    }

    /// Whether the pong to the last ping is overdue.
    pub(crate) fn expired(&self, now: Instant) -> bool {
        self.pong_deadline.is_some_and(|at| at <= now)
    }

    /// The earlier of the two deadlines.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match (self.next_ping, self.pong_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(crate) fn stop(&mut self) {
        self.next_ping = None;
        self.pong_deadline = None;
    }
}
