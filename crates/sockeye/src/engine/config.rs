//! The engine's options, named and defaulted as socket.io's.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use engineio_proto::TransportKind;
use http::HeaderMap;
use http::request::Parts;

use super::cluster::ClusterConfig;
use super::cors::CorsConfig;
use super::per_message_deflate::PerMessageDeflate;

/// The future an [`AllowRequest`] hook returns: `Err(message)` refuses the handshake with
/// HTTP 403 `{"code":4,"message":…}` (an empty message becomes "Forbidden").
pub type AllowRequestFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// Decides whether a handshake may proceed (socket.io's `allowRequest`). It sees the
/// request's head; it runs for handshakes only, not for requests of an existing session.
pub type AllowRequest = Arc<dyn Fn(&Parts) -> AllowRequestFuture + Send + Sync>;

/// Adds headers to a response (socket.io's `initial_headers` / `headers` events): called with
/// the response's headers and the request's head.
pub type HeadersHook = Arc<dyn Fn(&mut HeaderMap, &Parts) + Send + Sync>;

/// The session cookie set on the polling handshake response (socket.io's `cookie` option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// Cookie name; default `io`.
    pub name: String,
    /// `Path`; default `/`.
    pub path: Option<String>,
    /// `Domain`; default none.
    pub domain: Option<String>,
    /// `Max-Age` in seconds; default none (a session cookie).
    pub max_age: Option<u64>,
    /// `HttpOnly`; default true.
    pub http_only: bool,
    /// `Secure`; default false.
    pub secure: bool,
    /// `SameSite`: `Some("Lax")` by default; `Strict`, `None` or `None` for no attribute.
    pub same_site: Option<String>,
}

impl Default for CookieConfig {
    fn default() -> CookieConfig {
        CookieConfig {
            name: "io".into(),
            path: Some("/".into()),
            domain: None,
            max_age: None,
            http_only: true,
            secure: false,
            same_site: Some("Lax".into()),
        }
    }
}

impl CookieConfig {
    /// The `Set-Cookie` value for `sid`, attributes in the order of the `cookie` npm package.
    pub(crate) fn serialize(&self, sid: &str) -> String {
        let mut out = format!("{}={}", self.name, sid);
        if let Some(age) = self.max_age {
            out.push_str(&format!("; Max-Age={age}"));
        }
        if let Some(domain) = &self.domain {
            out.push_str(&format!("; Domain={domain}"));
        }
        if let Some(path) = &self.path {
            out.push_str(&format!("; Path={path}"));
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if self.secure {
            out.push_str("; Secure");
        }
        if let Some(same_site) = &self.same_site {
            out.push_str(&format!("; SameSite={same_site}"));
        }
        out
    }
}

/// Options of the Engine.IO server. Plain fields with socket.io's names and defaults; the
/// setters chain.
///
/// The setters take and return the value, to build one in an expression
/// (`Engine::new(EngineConfig::default().ping_interval(..), handler)`). To change a config
/// in place, as inside [`Builder::with_config`](crate::Builder::with_config), assign the
/// fields, or use [`update`](EngineConfig::update) to run setters on it (the hooks, which
/// the setters box, are easier that way):
///
/// ```
/// use std::time::Duration;
/// use sockeye::SocketIo;
///
/// let io = SocketIo::builder()
///     .with_config(|c| {
///         c.engine.ping_interval = Duration::from_secs(10);
///         c.engine.update(|e| {
///             e.allow_request(|parts| {
///                 let ok = parts.headers.contains_key("x-api-key");
///                 async move { if ok { Ok(()) } else { Err("no key".into()) } }
///             })
///         });
///     })
///     .build();
/// assert_eq!(io.config().engine.ping_interval, Duration::from_secs(10));
/// assert!(io.config().engine.allow_request.is_some());
/// ```
#[derive(Clone)]
pub struct EngineConfig {
    /// Path prefix the engine serves, with a trailing slash; default `/engine.io/`
    /// (the Socket.IO layer sets `/socket.io/`).
    pub path: String,
    /// Time between the server's pings; default 25 s.
    pub ping_interval: Duration,
    /// Time to wait for a pong before closing with `ping timeout`; default 20 s.
    pub ping_timeout: Duration,
    /// Time an upgrade may take before it is abandoned; default 10 s.
    pub upgrade_timeout: Duration,
    /// Largest message (websocket) or POST body (polling), in bytes; default 1 000 000.
    pub max_http_buffer_size: usize,
    /// Transports accepted; default polling and websocket.
    pub transports: Vec<TransportKind>,
    /// Whether polling sessions are offered the upgrade to websocket; default true.
    pub allow_upgrades: bool,
    /// CORS headers and preflight answers; default none (off, as in the reference).
    pub cors: Option<CorsConfig>,
    /// Hook that may refuse a handshake; default none.
    pub allow_request: Option<AllowRequest>,
    /// Session cookie on the polling handshake; default none (off).
    pub cookie: Option<CookieConfig>,
    /// Headers added to the handshake response only; default none.
    pub initial_headers: Option<HeadersHook>,
    /// Headers added to every response; default none.
    pub headers: Option<HeadersHook>,
    /// Long-polling responses of at least this many bytes are compressed (gzip or deflate)
    /// when the client accepts it (reference `httpCompression.threshold`); default 1024,
    /// `None` disables compression.
    pub http_compression: Option<usize>,
    /// Websocket messages compressed when the client offers permessage-deflate (reference
    /// `perMessageDeflate`); default `None`, off as in engine.io 6.
    pub per_message_deflate: Option<PerMessageDeflate>,
    /// Messages a session may hold unsent before `send` fails with `SendError::Full`;
    /// default 1024.
    pub outbox_capacity: usize,
    /// Received messages buffered for the application before the reader waits; default 64.
    pub incoming_capacity: usize,
    /// Bytes of messages a session may hold unsent (queued, or in a websocket write that has
    /// not completed) before `send` fails with `SendError::Full`, as `outbox_capacity` does
    /// for their number; default 8 MiB. A message larger than this is still accepted into an
    /// empty outbox.
    pub outbox_bytes: usize,
    /// How long a long-polling POST's body may take to arrive, from the start of its
    /// handling; then it is answered `408 Request Timeout`, its connection closed and the
    /// session closed with `transport error` (Node's `requestTimeout`, here for the body
    /// only: the head has its own timeout in [`ServeConfig`](super::ServeConfig)). Default
    /// 300 s; `None` waits forever.
    pub request_timeout: Option<Duration>,
    /// When [`cors`](Self::cors) names the allowed origins (an exact origin, a list or a
    /// predicate), refuse handshakes (polling and websocket) whose `Origin` header is not
    /// one of them, with `403 {"code":4,"message":"Origin not allowed"}`: a browser sends
    /// its cookies with a websocket whatever CORS says, so this is what stops another site
    /// from opening a session in its user's name. Requests without an `Origin` (non-browser
    /// clients) and from the server's own origin (the `Origin`'s host is the `Host` header)
    /// are allowed. Default true; false accepts any origin, as the reference does.
    pub check_origin: bool,
    /// Accept clients of Engine.IO protocol 3 (socket.io-client 2.x): any `EIO` other than
    /// `4` is then protocol 3, with its payload framing and client-driven heartbeat, and the
    /// Socket.IO layer speaks Socket.IO protocol 4 to them (the reference's `allowEIO3`).
    /// Default false: such clients get `Unsupported protocol version`.
    pub allow_eio3: bool,
    /// Forwarding of requests for sessions owned by other nodes of a cluster, so that the
    /// load balancer needs no sticky sessions (see [`ClusterConfig`]); default none (off: such
    /// requests get `Session ID unknown`, as in the reference).
    pub cluster: Option<ClusterConfig>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            path: "/engine.io/".into(),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            upgrade_timeout: Duration::from_secs(10),
            max_http_buffer_size: 1_000_000,
            transports: vec![TransportKind::Polling, TransportKind::WebSocket],
            allow_upgrades: true,
            cors: None,
            allow_request: None,
            cookie: None,
            initial_headers: None,
            headers: None,
            http_compression: Some(1024),
            per_message_deflate: None,
            outbox_capacity: 1024,
            incoming_capacity: 64,
            outbox_bytes: 8 * 1024 * 1024,
            request_timeout: Some(Duration::from_secs(300)),
            check_origin: true,
            allow_eio3: false,
            cluster: None,
        }
    }
}

impl fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineConfig")
            .field("path", &self.path)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("upgrade_timeout", &self.upgrade_timeout)
            .field("max_http_buffer_size", &self.max_http_buffer_size)
            .field("transports", &self.transports)
            .field("allow_upgrades", &self.allow_upgrades)
            .field("cors", &self.cors)
            .field("allow_request", &self.allow_request.is_some())
            .field("cookie", &self.cookie)
            .field("initial_headers", &self.initial_headers.is_some())
            .field("headers", &self.headers.is_some())
            .field("http_compression", &self.http_compression)
            .field("allow_eio3", &self.allow_eio3)
            .field("per_message_deflate", &self.per_message_deflate)
            .field("outbox_capacity", &self.outbox_capacity)
            .field("incoming_capacity", &self.incoming_capacity)
            .field("outbox_bytes", &self.outbox_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("check_origin", &self.check_origin)
            .field("cluster", &self.cluster)
            .finish()
    }
}

impl EngineConfig {
    /// Runs setters on this config in place: `c.engine.update(|e| e.cors(..).cookie(..))`
    /// instead of `c.engine = c.engine.clone().cors(..).cookie(..)`.
    ///
    /// ```
    /// use sockeye::engine::EngineConfig;
    ///
    /// let mut config = EngineConfig::default();
    /// config.update(|e| e.outbox_capacity(4).path("/rt"));
    /// assert_eq!((config.outbox_capacity, config.path.as_str()), (4, "/rt/"));
    /// ```
    pub fn update(&mut self, f: impl FnOnce(Self) -> Self) -> &mut Self {
        *self = f(std::mem::take(self));
        self
    }

    /// Sets the path prefix (a trailing slash is added if missing, as the reference does).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        let mut path = path.into();
        if !path.ends_with('/') {
            path.push('/');
        }
        self.path = path;
        self
    }

    /// Sets the ping interval (default 25 s).
    pub fn ping_interval(mut self, d: Duration) -> Self {
        self.ping_interval = d;
        self
    }

    /// Sets the ping timeout (default 20 s).
    pub fn ping_timeout(mut self, d: Duration) -> Self {
        self.ping_timeout = d;
        self
    }

    /// Sets the upgrade timeout (default 10 s).
    pub fn upgrade_timeout(mut self, d: Duration) -> Self {
        self.upgrade_timeout = d;
        self
    }

    /// Sets the largest message / POST body in bytes (default 1 000 000).
    pub fn max_http_buffer_size(mut self, bytes: usize) -> Self {
        self.max_http_buffer_size = bytes;
        self
    }

    /// Sets the accepted transports (default polling and websocket).
    pub fn transports(mut self, transports: impl Into<Vec<TransportKind>>) -> Self {
        self.transports = transports.into();
        self
    }

    /// Sets whether upgrades are offered (default true).
    pub fn allow_upgrades(mut self, allow: bool) -> Self {
        self.allow_upgrades = allow;
        self
    }

    /// Enables CORS (default off).
    pub fn cors(mut self, cors: CorsConfig) -> Self {
        self.cors = Some(cors);
        self
    }

    /// Sets the handshake hook (default none).
    pub fn allow_request<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(&Parts) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.allow_request = Some(Arc::new(move |parts| Box::pin(hook(parts))));
        self
    }

    /// Enables the session cookie (default off).
    pub fn cookie(mut self, cookie: CookieConfig) -> Self {
        self.cookie = Some(cookie);
        self
    }

    /// Sets the hook adding headers to handshake responses (default none).
    pub fn initial_headers(
        mut self,
        hook: impl Fn(&mut HeaderMap, &Parts) + Send + Sync + 'static,
    ) -> Self {
        self.initial_headers = Some(Arc::new(hook));
        self
    }

    /// Sets the hook adding headers to every response (default none).
    pub fn headers(
        mut self,
        hook: impl Fn(&mut HeaderMap, &Parts) + Send + Sync + 'static,
    ) -> Self {
        self.headers = Some(Arc::new(hook));
        self
    }

    /// Sets the polling compression threshold in bytes (default 1024; `None` disables).
    pub fn http_compression(mut self, threshold: Option<usize>) -> Self {
        self.http_compression = threshold;
        self
    }

    /// Sets the websocket compression (default `None`: off; `Some(PerMessageDeflate::default())`
    /// compresses messages of 1024 bytes or more).
    pub fn per_message_deflate(mut self, deflate: Option<PerMessageDeflate>) -> Self {
        self.per_message_deflate = deflate;
        self
    }

    /// Sets the per-session outbox capacity in messages (default 1024).
    pub fn outbox_capacity(mut self, n: usize) -> Self {
        self.outbox_capacity = n;
        self
    }

    /// Sets the per-session incoming buffer in messages (default 64, at least 1).
    pub fn incoming_capacity(mut self, n: usize) -> Self {
        self.incoming_capacity = n.max(1);
        self
    }

    /// Sets the per-session outbox bound in bytes (default 8 MiB).
    pub fn outbox_bytes(mut self, bytes: usize) -> Self {
        self.outbox_bytes = bytes;
        self
    }

    /// Sets the polling POST body timeout (default 300 s; `None` waits forever).
    pub fn request_timeout(mut self, d: Option<Duration>) -> Self {
        self.request_timeout = d;
        self
    }

    /// Sets whether handshakes from origins CORS does not allow are refused (default true).
    pub fn check_origin(mut self, check: bool) -> Self {
        self.check_origin = check;
        self
    }

    /// Sets whether Engine.IO protocol 3 clients are accepted (default false).
    pub fn allow_eio3(mut self, allow: bool) -> Self {
        self.allow_eio3 = allow;
        self
    }

    /// Turns on forwarding between the nodes of a cluster (default off).
    pub fn cluster(mut self, cluster: Option<ClusterConfig>) -> Self {
        self.cluster = cluster;
        self
    }

    pub(crate) fn accepts(&self, t: TransportKind) -> bool {
        self.transports.contains(&t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_like_the_reference() {
        assert_eq!(
            CookieConfig::default().serialize("abc"),
            "io=abc; Path=/; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn path_gets_a_trailing_slash() {
        assert_eq!(
            EngineConfig::default().path("/socket.io").path,
            "/socket.io/"
        );
    }
}
