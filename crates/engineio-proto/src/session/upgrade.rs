//! The progress of an upgrade from long-polling to websocket.

use std::time::{Duration, Instant};

/// How often a long-polling GET waiting during a probed upgrade is released with a noop
/// (the reference's check interval).
pub(crate) const NOOP_CHECK: Duration = Duration::from_millis(100);

/// Where an upgrade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upgrade {
    /// No second transport.
    None,
    /// A websocket for this session is open; the client has not probed yet.
    Started { deadline: Instant },
    /// `2probe` answered with `3probe`: every [`NOOP_CHECK`] a waiting long-polling request
    /// is released with a noop so that the client can pause polling and send `5`.
    Probed {
        deadline: Instant,
        next_check: Instant,
    },
}

impl Upgrade {
    pub(crate) fn is_active(self) -> bool {
        !matches!(self, Upgrade::None)
    }

    pub(crate) fn deadline(self) -> Option<Instant> {
        match self {
            Upgrade::None => None,
            Upgrade::Started { deadline } => Some(deadline),
            Upgrade::Probed {
                deadline,
                next_check,
            } => Some(deadline.min(next_check)),
        }
    }
}
