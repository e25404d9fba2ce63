//! What a session is configured with, and where its input comes from.

use std::time::Duration;

/// The two transports of Engine.IO v4 (WebTransport is not supported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

impl TransportKind {
    /// The name used in the `transport` query parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            TransportKind::Polling => "polling",
            TransportKind::WebSocket => "websocket",
        }
    }

    /// The transport named in a `transport` query parameter.
    pub fn from_name(name: &str) -> Option<TransportKind> {
        match name {
            "polling" => Some(TransportKind::Polling),
            "websocket" => Some(TransportKind::WebSocket),
            _ => None,
        }
    }
}

/// The Engine.IO protocol revision a session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// Protocol 3 (`EIO=3`, socket.io-client 2.x), only with the server's `allowEIO3`: the
    /// client pings and the server answers.
    V3,
    /// Protocol 4 (`EIO=4`): the server pings and the client answers.
    #[default]
    V4,
}

/// The timing and capacity settings of a session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Time between pings (reference `pingInterval`, 25 s).
    pub ping_interval: Duration,
    /// Time to wait for a pong (reference `pingTimeout`, 20 s).
    pub ping_timeout: Duration,
    /// Time an upgrade may take (reference `upgradeTimeout`, 10 s).
    pub upgrade_timeout: Duration,
    /// Time a server-side close of a polling session waits for the client's next poll
    /// (the reference's polling `closeTimeout`, 30 s).
    pub close_timeout: Duration,
    /// Most messages queued and not yet handed to a transport;
    /// [`Session::send`](crate::Session::send) fails beyond.
    pub outbox_capacity: usize,
}

impl Default for SessionConfig {
    fn default() -> SessionConfig {
        SessionConfig {
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            upgrade_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(30),
            outbox_capacity: 1024,
        }
    }
}

/// Which transport of the session a packet arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The session's current transport.
    Current,
    /// The websocket that is being upgraded to.
    Upgrade,
}
