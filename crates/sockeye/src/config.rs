//! The server's options, named and defaulted as socket.io's.

use std::time::Duration;

use socketio_proto::{DecoderLimits, Parser};

use crate::engine::EngineConfig;
use crate::recovery::ConnectionStateRecovery;

/// The options of a Socket.IO server. `Config::default()` is socket.io 4.8's defaults.
#[derive(Clone)]
pub struct Config {
    /// The Engine.IO options (`path` defaults to `/socket.io/` here, `pingInterval`,
    /// `pingTimeout`, `maxHttpBufferSize`, `cors`...).
    pub engine: EngineConfig,
    /// How long a connection may stay without joining any namespace before it is closed.
    /// Default 45 s (`connectTimeout`).
    pub connect_timeout: Duration,
    /// Whether the server serves its browser client at `<path>socket.io.js` and friends.
    /// Default true (`serveClient`).
    pub serve_client: bool,
    /// Limits on incoming packets: binary attachments (count, bytes, waiting time) and the
    /// nesting depth of their JSON (`max_depth`, default 256 levels).
    pub decoder_limits: DecoderLimits,
    /// How many received events of one socket may wait for its handlers before the
    /// connection's reading pauses. Default 128.
    pub socket_queue: usize,
    /// The packet format (`parser`): [`Parser::Json`] (default, `socket.io-parser`) or
    /// [`Parser::Msgpack`] (`socket.io-msgpack-parser`). Every client must use the same one;
    /// the browser bundle `socket.io.msgpack.min.js` speaks msgpack.
    pub parser: Parser,
    /// Whether a child of a dynamic namespace ([`SocketIo::of_dynamic`]) is removed when its
    /// last socket leaves (and created again by the next connection to it), so that a server
    /// accepting many names does not keep one namespace per name ever used. Default false
    /// (`cleanupEmptyChildNamespaces`).
    ///
    /// [`SocketIo::of_dynamic`]: crate::SocketIo::of_dynamic
    pub cleanup_empty_child_namespaces: bool,
    /// Connection state recovery (`connectionStateRecovery`): a client that loses its
    /// connection for a moment gets its socket back, with its id, rooms, `data` and the
    /// packets it missed. Off (`None`) by default, as in the reference; turn it on with
    /// `Some(ConnectionStateRecovery::default())`.
    pub connection_state_recovery: Option<ConnectionStateRecovery>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            engine: EngineConfig::default().path("/socket.io/"),
            connect_timeout: Duration::from_secs(45),
            serve_client: true,
            decoder_limits: DecoderLimits::default(),
            socket_queue: 128,
            parser: Parser::Json,
            cleanup_empty_child_namespaces: false,
            connection_state_recovery: None,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("path", &self.engine.path)
            .field("connect_timeout", &self.connect_timeout)
            .field("serve_client", &self.serve_client)
            .field("socket_queue", &self.socket_queue)
            .field("parser", &self.parser)
            .field(
                "cleanup_empty_child_namespaces",
                &self.cleanup_empty_child_namespaces,
            )
            .field("connection_state_recovery", &self.connection_state_recovery)
            .finish_non_exhaustive()
    }
}
