//! Why a session refused an input.

use thiserror::Error;

/// Why [`Session::send`](crate::Session::send) refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SendError {
    /// The outbox holds `outbox_capacity` messages: the peer is not keeping up. Not fatal.
    #[error("outbox full")]
    Full,
    /// The session is closing or closed. Fatal.
    #[error("session closed")]
    Closed,
}

/// Why a long-polling GET was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PollError {
    /// Another GET is already waiting: the session is closed with `transport error` (the
    /// waiting GET gets the close packet) and this one is answered with HTTP 400.
    #[error("overlapping poll request")]
    Overlap,
    /// The session does not poll (it upgraded) or is closed.
    #[error("session not polling")]
    NotPolling,
}

/// Why a websocket for an existing session was refused; the caller closes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum UpgradeError {
    /// An upgrade is under way already.
    #[error("already upgrading")]
    AlreadyUpgrading,
    /// The session uses a websocket already.
    #[error("already upgraded")]
    AlreadyUpgraded,
    /// The session is closed.
    #[error("session closed")]
    Closed,
}
