//! The client's options, with the reference's names and defaults.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use socketio_proto::{Parser, Value};

/// A transport the client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// HTTP long-polling.
    Polling,
    /// WebSocket.
    WebSocket,
}

/// Boxed future of an auth callback.
pub(crate) type AuthFuture = Pin<Box<dyn Future<Output = Value> + Send>>;

/// Where the CONNECT packet's auth payload comes from.
#[derive(Clone)]
pub(crate) enum Auth {
    Static(Value),
    Dynamic(Arc<dyn Fn() -> AuthFuture + Send + Sync>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Static(v) => f.debug_tuple("Static").field(v).finish(),
            Auth::Dynamic(_) => f.write_str("Dynamic"),
        }
    }
}

/// Options of a [`Manager`](crate::Manager) and its sockets (the reference's `io(url, opts)`
/// options). Build with the setters from `Options::default()`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Engine.IO path on the server (`path`, default `"/socket.io/"`).
    pub path: String,
    /// Extra query parameters sent with every request (`query`), unencoded.
    pub query: Vec<(String, String)>,
    /// Extra HTTP headers sent with every request and websocket handshake (`extraHeaders`).
    pub extra_headers: Vec<(String, String)>,
    /// The transports to use, in order (`transports`, default polling then websocket).
    /// With websocket only, the session opens directly over websocket.
    pub transports: Vec<Transport>,
    /// Whether to upgrade from polling to websocket (`upgrade`, default on).
    pub upgrade: bool,
    /// Whether to reconnect after a lost connection (`reconnection`, default on).
    pub reconnection: bool,
    /// How many reconnection attempts before giving up (`reconnectionAttempts`; `None`,
    /// the default, is unlimited).
    pub reconnection_attempts: Option<u32>,
    /// The first reconnection delay (`reconnectionDelay`, default 1000 ms), doubled on each
    /// attempt.
    pub reconnection_delay: Duration,
    /// The longest reconnection delay (`reconnectionDelayMax`, default 5000 ms).
    pub reconnection_delay_max: Duration,
    /// The jitter of the delay, from 0 to 1 (`randomizationFactor`, default 0.5).
    pub randomization_factor: f64,
    /// How long opening a connection may take before it counts as failed (`timeout`,
    /// default 20000 ms).
    pub timeout: Duration,
    /// The default time limit of [`emit_with_ack`](crate::Socket::emit_with_ack)
    /// (`ackTimeout`, default none), also the limit of each try with `retries`.
    pub ack_timeout: Option<Duration>,
    /// How many times an emit is retried when its acknowledgement does not come within
    /// `ack_timeout` (`retries`, default 0). With retries, emits of a socket are sent one at
    /// a time, in order, each waiting for its acknowledgement.
    pub retries: u32,
    /// Certificates (DER) trusted for `https`/`wss` besides the webpki roots.
    pub extra_root_certificates: Vec<Vec<u8>>,
    /// The packet format (`parser`): [`Parser::Json`] (default) or [`Parser::Msgpack`]
    /// (`socket.io-msgpack-parser`); it must be the server's.
    pub parser: Parser,
    /// The most bytes (of encoded packets) of emits a socket keeps while its namespace is
    /// not joined, to send them once it is (default 8 MiB; no reference option: the
    /// reference keeps them without limit). An emit that does not fit fails with
    /// [`EmitError::BufferFull`](crate::EmitError::BufferFull) and is not kept; volatile
    /// emits are never kept.
    pub max_buffered_bytes: usize,
    /// How many bytes of received events (their size on the wire) of one socket may wait
    /// for its handlers, which run one at a time (default 8 MiB; no reference option: the
    /// reference queues without limit). Beyond that the connection's reading pauses until
    /// the handlers catch up, so that a server sending faster than they run is held back
    /// rather than filling memory. An event larger than the limit still goes, alone.
    ///
    /// Acknowledgements are not queued: [`emit_with_ack`](crate::Socket::emit_with_ack)
    /// gets its answer while the queue is full. Reading pauses for every namespace of the
    /// connection, pings included: a pause longer than the server's ping interval and
    /// timeout loses the connection (`ping timeout`, then a reconnection). So an answer that
    /// the server sends behind more events than the queue holds is not read until the
    /// awaiting handler gives up: at its ack timeout, else when the connection is lost.
    pub max_queued_bytes: usize,
    pub(crate) auth: Option<Auth>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            path: "/socket.io/".to_owned(),
            query: Vec::new(),
            extra_headers: Vec::new(),
            transports: vec![Transport::Polling, Transport::WebSocket],
            upgrade: true,
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay: Duration::from_millis(1000),
            reconnection_delay_max: Duration::from_millis(5000),
            randomization_factor: 0.5,
            timeout: Duration::from_millis(20000),
            ack_timeout: None,
            retries: 0,
            extra_root_certificates: Vec::new(),
            parser: Parser::Json,
            max_buffered_bytes: 8 << 20,
            max_queued_bytes: 8 << 20,
            auth: None,
        }
    }
}

impl Options {
    /// Sets [`parser`](Self::parser).
    #[must_use]
    pub fn parser(mut self, parser: Parser) -> Self {
        self.parser = parser;
        self
    }

    /// Sets [`path`](Self::path).
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds an HTTP header.
    #[must_use]
    pub fn extra_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// Sets [`transports`](Self::transports).
    #[must_use]
    pub fn transports(mut self, transports: impl IntoIterator<Item = Transport>) -> Self {
        self.transports = transports.into_iter().collect();
        self
    }

    /// Sets [`upgrade`](Self::upgrade).
    #[must_use]
    pub fn upgrade(mut self, upgrade: bool) -> Self {
        self.upgrade = upgrade;
        self
    }

    /// Sets [`reconnection`](Self::reconnection).
    #[must_use]
    pub fn reconnection(mut self, on: bool) -> Self {
        self.reconnection = on;
        self
    }

    /// Sets [`reconnection_attempts`](Self::reconnection_attempts).
    #[must_use]
    pub fn reconnection_attempts(mut self, attempts: u32) -> Self {
        self.reconnection_attempts = Some(attempts);
        self
    }

    /// Sets [`reconnection_delay`](Self::reconnection_delay).
    #[must_use]
    pub fn reconnection_delay(mut self, delay: Duration) -> Self {
        self.reconnection_delay = delay;
        self
    }

    /// Sets [`reconnection_delay_max`](Self::reconnection_delay_max).
    #[must_use]
    pub fn reconnection_delay_max(mut self, delay: Duration) -> Self {
        self.reconnection_delay_max = delay;
        self
    }

    /// Sets [`randomization_factor`](Self::randomization_factor).
    #[must_use]
    pub fn randomization_factor(mut self, factor: f64) -> Self {
        self.randomization_factor = factor;
        self
    }

    /// Sets [`timeout`](Self::timeout).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`ack_timeout`](Self::ack_timeout).
    #[must_use]
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = Some(timeout);
        self
    }

    /// Sets [`retries`](Self::retries).
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Sets [`max_buffered_bytes`](Self::max_buffered_bytes), in bytes.
    #[must_use]
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes;
        self
    }

    /// Sets [`max_queued_bytes`](Self::max_queued_bytes), in bytes.
    #[must_use]
    pub fn max_queued_bytes(mut self, bytes: usize) -> Self {
        self.max_queued_bytes = bytes;
        self
    }

    /// Trusts a certificate (DER) for TLS.
    #[must_use]
    pub fn add_root_certificate(mut self, der: Vec<u8>) -> Self {
        self.extra_root_certificates.push(der);
        self
    }

    /// The auth payload sent with every namespace CONNECT (`auth: {…}`). A value that does
    /// not serialize is sent as `null`. Against a server that recovers sessions, a
    /// reconnection adds `pid` and `offset` to it (keys of its own with those names win);
    /// see the crate docs.
    #[must_use]
    pub fn auth<T: Serialize + ?Sized>(mut self, auth: &T) -> Self {
        self.auth = Some(Auth::Static(
            socketio_proto::to_value(auth).unwrap_or(Value::Null),
        ));
        self
    }

    /// An async callback asked for the auth payload before each (re)connection of each
    /// namespace (`auth: (cb) => …`), e.g. to refresh a token.
    #[must_use]
    pub fn auth_with<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Value> + Send + 'static,
    {
        self.auth = Some(Auth::Dynamic(Arc::new(move || Box::pin(f()))));
        self
    }
}
