//! Why a session closed.

use std::fmt;

/// Why a session closed, with the reference's reason strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed the transport or sent a close packet (`transport close`).
    TransportClose,
    /// The transport failed: a read or write error, an aborted long-polling request, an
    /// overlapping request, a message above the size limit (`transport error`).
    TransportError,
    /// No pong within `pingTimeout` of a ping (`ping timeout`).
    PingTimeout,
    /// The server closed the session (`forced close`).
    ForcedClose,
    /// The client sent a packet that does not decode (`parse error`).
    ParseError,
    /// The server is shutting down (`server shutting down`).
    ServerShuttingDown,
}

impl CloseReason {
    /// The reference's reason string.
    pub const fn as_str(&self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ParseError => "parse error",
            CloseReason::ServerShuttingDown => "server shutting down",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
