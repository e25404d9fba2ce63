//! Why a socket disconnected: the reference's server-side reasons.

use std::fmt;

use crate::engine::CloseReason;

/// The reason given to `disconnecting` and `disconnect` handlers, with the reference's strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The transport failed (`transport error`).
    TransportError,
    /// The client closed the transport, or the connection was lost (`transport close`).
    TransportClose,
    /// The Engine.IO session was closed by the server (`forced close`).
    ForcedClose,
    /// The client stopped answering pings (`ping timeout`).
    PingTimeout,
    /// The client sent a packet that could not be parsed (`parse error`).
    ParseError,
    /// The server is closing (`server shutting down`).
    ServerShuttingDown,
    /// `socket.disconnect(true)` closed the whole connection (`forced server close`).
    ForcedServerClose,
    /// The client left the namespace (`client namespace disconnect`).
    ClientNamespaceDisconnect,
    /// `socket.disconnect(false)` removed the socket from the namespace
    /// (`server namespace disconnect`).
    ServerNamespaceDisconnect,
}

impl DisconnectReason {
    /// The reference's string for this reason.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ServerShuttingDown => "server shutting down",
            DisconnectReason::ForcedServerClose => "forced server close",
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
        }
    }
}

impl DisconnectReason {
    /// Whether a client that lost its socket this way may recover it (connection state
    /// recovery): the transport went or the server closed it, not a namespace disconnect
    /// or a parse error.
    pub fn is_recoverable(self) -> bool {
        matches!(
            self,
            DisconnectReason::TransportError
                | DisconnectReason::TransportClose
                | DisconnectReason::ForcedClose
                | DisconnectReason::PingTimeout
                | DisconnectReason::ServerShuttingDown
                | DisconnectReason::ForcedServerClose
        )
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<CloseReason> for DisconnectReason {
    fn from(reason: CloseReason) -> Self {
        match reason {
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ServerShuttingDown => DisconnectReason::ServerShuttingDown,
            _ => DisconnectReason::ForcedClose,
        }
    }
}
