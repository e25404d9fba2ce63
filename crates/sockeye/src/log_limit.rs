//! Warnings a peer can trigger at will (a bad packet, an oversized message, a slow reader),
//! limited to one line per period with the count of those left out: a flood of bad input
//! must not become a flood of log lines.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One kind of warning's limit. Use as a `static`, one per kind.
#[derive(Debug)]
pub(crate) struct LogLimit {
    period: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    last: Option<Instant>,
    suppressed: u64,
}

/// How often each kind of peer-triggered warning may be logged.
pub(crate) const PERIOD: Duration = Duration::from_secs(10);

impl LogLimit {
    pub(crate) const fn new(period: Duration) -> LogLimit {
        LogLimit {
            period,
            state: Mutex::new(State {
                last: None,
                suppressed: 0,
            }),
        }
    }

    /// Whether a warning may be logged now; if so, how many were left out since the last one.
    pub(crate) fn allow(&self) -> Option<u64> {
        self.allow_at(Instant::now())
    }

    fn allow_at(&self, now: Instant) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match s.last {
            Some(last) if now.saturating_duration_since(last) < self.period => {
                s.suppressed += 1;
                None
            }
            _ => {
                s.last = Some(now);
                Some(std::mem::take(&mut s.suppressed))
            }
        }
    }
}

/// `tracing::event!` at `$level` at most once per [`PERIOD`] for this call site, with a
/// `suppressed` field counting the lines left out since the last one (when there were any).
/// Nothing is counted while the level is off.
macro_rules! log_limited {
    ($level:expr, $($arg:tt)+) => {{
        static LIMIT: $crate::log_limit::LogLimit =
            $crate::log_limit::LogLimit::new($crate::log_limit::PERIOD);
        if tracing::enabled!($level) {
            match LIMIT.allow() {
                Some(0) => tracing::event!($level, $($arg)+),
                Some(suppressed) => tracing::event!($level, suppressed, $($arg)+),
                None => {}
            }
        }
    }};
}
pub(crate) use log_limited;

/// [`log_limited!`] at warn: a fault a peer can cause at will (a bad packet, a slow reader).
macro_rules! warn_limited {
    ($($arg:tt)+) => {
        $crate::log_limit::log_limited!(tracing::Level::WARN, $($arg)+)
    };
}
pub(crate) use warn_limited;

/// [`log_limited!`] at info: news a peer can cause at will that is no fault of the server
/// (a refused request or namespace connection).
macro_rules! info_limited {
    ($($arg:tt)+) => {
        $crate::log_limit::log_limited!(tracing::Level::INFO, $($arg)+)
    };
}
pub(crate) use info_limited;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_period_with_the_count_of_the_others() {
        let limit = LogLimit::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(limit.allow_at(t0), Some(0));
        for i in 1..=5 {
            assert_eq!(limit.allow_at(t0 + Duration::from_secs(i)), None);
        }
        assert_eq!(limit.allow_at(t0 + Duration::from_secs(10)), Some(5));
        assert_eq!(limit.allow_at(t0 + Duration::from_secs(11)), None);
        assert_eq!(limit.allow_at(t0 + Duration::from_secs(30)), Some(1));
    }
}
