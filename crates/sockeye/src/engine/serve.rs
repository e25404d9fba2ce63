//! The HTTP server loop: accepts TCP connections and serves them with hyper, with the limits
//! and timeouts of Node's `http.Server` (header and keep-alive timeouts answered as Node
//! does, header size, a connection cap, and back-off when the process runs out of file
//! descriptors).

use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tower_service::Service;

use super::BoxError;
use super::conn_io::{ConnIo, ConnState};

/// The number of headers hyper accepts when it is not told otherwise.
const HYPER_MAX_HEADERS: usize = 100;

/// Options of [`serve_with`]: the HTTP edge's limits and timeouts. The defaults are Node 20's
/// `http.Server` defaults where Node has one.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// How long a request's head (request line and headers) may take to arrive, from the
    /// connection's start or the request's first byte; then the connection is answered
    /// `408 Request Timeout` and closed (Node's `headersTimeout`). Default 60 s; `None`
    /// waits forever.
    pub header_timeout: Option<Duration>,
    /// How long a connection may stay open with no request in progress after a response
    /// (an idle HTTP/1.1 keep-alive connection) before it is closed, silently (Node's
    /// `keepAliveTimeout`). A long-polling GET in progress and a websocket are not idle.
    /// Default 5 s; `None` keeps idle connections open.
    pub keep_alive_timeout: Option<Duration>,
    /// Largest request head (request line and headers), in bytes; a larger one is answered
    /// `431 Request Header Fields Too Large` and the connection closed (Node's
    /// `maxHeaderSize`). Default 16 KiB (16 384); values under 8 KiB count as 8 KiB (hyper's
    /// smallest buffer).
    pub max_header_bytes: usize,
    /// Most header lines in a request; more are answered 431 (Node ignores the lines past
    /// `maxHeadersCount`, 2000). Default 100 (hyper's).
    pub max_headers: usize,
    /// Most connections open at once; a connection accepted beyond it is closed at once and
    /// counted in [`ServeStats::refused_connections`] (Node's `maxConnections`). Default
    /// none (no limit but the process's file descriptors).
    pub max_connections: Option<usize>,
    stats: Arc<ServeStats>,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            header_timeout: Some(Duration::from_secs(60)),
            keep_alive_timeout: Some(Duration::from_secs(5)),
            max_header_bytes: 16 * 1024,
            max_headers: 100,
            max_connections: None,
            stats: Arc::new(ServeStats::default()),
        }
    }
}

impl ServeConfig {
    /// Sets [`header_timeout`](Self::header_timeout) (default 60 s).
    pub fn header_timeout(mut self, d: Option<Duration>) -> Self {
        self.header_timeout = d;
        self
    }

    /// Sets [`keep_alive_timeout`](Self::keep_alive_timeout) (default 5 s).
    pub fn keep_alive_timeout(mut self, d: Option<Duration>) -> Self {
        self.keep_alive_timeout = d;
        self
    }

    /// Sets [`max_header_bytes`](Self::max_header_bytes) (default 16 KiB).
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes;
        self
    }

    /// Sets [`max_headers`](Self::max_headers) (default 100).
    pub fn max_headers(mut self, n: usize) -> Self {
        self.max_headers = n;
        self
    }

    /// Sets [`max_connections`](Self::max_connections) (default none).
    pub fn max_connections(mut self, n: Option<usize>) -> Self {
        self.max_connections = n;
        self
    }

    /// The live counters of the servers run with this configuration (shared by its clones).
    pub fn stats(&self) -> Arc<ServeStats> {
        self.stats.clone()
    }
}

/// Counters of [`serve_with`], read through [`ServeConfig::stats`].
#[derive(Debug, Default)]
pub struct ServeStats {
    open: AtomicUsize,
    refused: AtomicU64,
    timed_out: AtomicU64,
    accept_errors: AtomicU64,
}

impl ServeStats {
    /// TCP connections open now (websockets included).
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Connections closed at once because [`ServeConfig::max_connections`] were open.
    pub fn refused_connections(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Connections closed by the header or keep-alive timeout.
    pub fn timed_out_connections(&self) -> u64 {
        self.timed_out.load(Ordering::Relaxed)
    }

    /// Failed accepts (out of file descriptors and the like).
    pub fn accept_errors(&self) -> u64 {
        self.accept_errors.load(Ordering::Relaxed)
    }
}

/// Serves `service` on `listener` with [`ServeConfig::default`]: see [`serve_with`].
pub async fn serve<S, ResBody>(listener: TcpListener, service: S) -> std::io::Result<()>
where
    S: Service<Request<hyper::body::Incoming>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    serve_with(listener, service, ServeConfig::default()).await
}

/// Serves `service` on `listener` with hyper (HTTP/1.1 and HTTP/2, upgrades enabled), putting
/// each connection's peer `SocketAddr` in its requests' extensions (and axum's
/// `ConnectInfo<SocketAddr>` with the `axum` feature), within the limits of `config`. Runs
/// until accepting fails for good; running out of file descriptors is not that: accepting
/// backs off and the open connections go on being served.
pub async fn serve_with<S, ResBody>(
    listener: TcpListener,
    service: S,
    config: ServeConfig,
) -> std::io::Result<()>
where
    S: Service<Request<hyper::body::Incoming>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    serve_until(listener, service, config, std::future::pending()).await
}

/// [`serve_with`] until `shutdown` resolves: then the listener is closed (new connections
/// are refused by the system) and this returns `Ok`, while the connections already open go on
/// being served by their own tasks. A graceful stop is this, then
/// [`SocketIo::close_within`](crate::SocketIo::close_within):
///
/// ```no_run
/// # async fn run(io: sockeye::SocketIo) -> std::io::Result<()> {
/// use std::time::Duration;
/// use sockeye::engine::{ServeConfig, serve_until};
///
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
/// serve_until(listener, io.service(), ServeConfig::default(), async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await?;
/// // Every client is told to reconnect (elsewhere, behind a load balancer).
/// io.close_within(Duration::from_secs(10)).await;
/// # Ok(())
/// # }
/// ```
pub async fn serve_until<S, ResBody>(
    listener: TcpListener,
    service: S,
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<Request<hyper::body::Incoming>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    // Linux copies TCP_NODELAY from the listener to the connections it accepts: one system
    // call here instead of one per connection.
    let inherited = cfg!(target_os = "linux")
        && socket2::SockRef::from(&listener)
            .set_tcp_nodelay(true)
            .is_ok();
    let config = Arc::new(config);
    let mut starved = Starvation::default();
    let mut refusals = Starvation::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => accepted,
        };
        let (stream, addr) = match accepted {
            Ok(accepted) => {
                if let Some(errors) = starved.recovered() {
                    tracing::warn!(errors, "accepting connections again");
                }
                accepted
            }
            Err(e) if is_transient(&e) => {
                config.stats.accept_errors.fetch_add(1, Ordering::Relaxed);
                // Out of descriptors and the like: wait rather than spin or stop serving,
                // and say so once per episode rather than on every attempt.
                if starved.failed() {
                    tracing::warn!(error = %e, "accept failed: backing off until it recovers");
                }
                tokio::time::sleep(starved.backoff()).await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let open = config.stats.open.fetch_add(1, Ordering::Relaxed);
        let guard = OpenGuard(config.stats.clone());
        if config.max_connections.is_some_and(|max| open >= max) {
            config.stats.refused.fetch_add(1, Ordering::Relaxed);
            if refusals.failed() {
                tracing::warn!(peer = %addr, "max_connections reached: refusing connections");
            }
            drop(stream);
            drop(guard);
            continue;
        }
        refusals.recovered();
        if !inherited {
            let _ = stream.set_nodelay(true);
        }
        tokio::spawn(serve_connection(
            stream,
            addr,
            service.clone(),
            config.clone(),
            guard,
        ));
    }
}

/// Counts an open connection until dropped.
struct OpenGuard(Arc<ServeStats>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn serve_connection<S, ResBody>(
    stream: tokio::net::TcpStream,
    addr: SocketAddr,
    service: S,
    config: Arc<ServeConfig>,
    open: OpenGuard,
) where
    S: Service<Request<hyper::body::Incoming>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    let state = Arc::new(ConnState::new(
        config.header_timeout,
        config.keep_alive_timeout,
    ));
    // The connection counts as open until its socket is dropped, websocket included.
    let io = ConnIo::new(stream, state.clone(), open);
    let hyper_service = {
        let state = state.clone();
        hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert::<SocketAddr>(addr);
            #[cfg(feature = "axum")]
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo::<SocketAddr>(addr));
            let mut service = service.clone();
            let request = state.request_started(req.version() == http::Version::HTTP_2);
            async move {
                poll_fn(|cx| service.poll_ready(cx)).await?;
                let response = service.call(req).await?;
                request.answered(response.status() == http::StatusCode::SWITCHING_PROTOCOLS);
                Ok::<_, S::Error>(response)
            }
        })
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    let mut http1 = builder.http1();
    http1.max_buf_size(config.max_header_bytes.max(8192));
    // hyper's own limit is 100; naming a limit, even that one, makes it fill an array of
    // that many slots for every request (about 1,700 instructions).
    if config.max_headers != HYPER_MAX_HEADERS {
        http1.max_headers(config.max_headers);
    }
    let outcome = {
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), hyper_service);
        tokio::pin!(conn);
        loop {
            let deadline = state.deadline();
            tokio::select! {
                result = conn.as_mut() => break Ok(result),
                () = sleep_until_opt(deadline) => {}
                () = state.changed() => {}
            }
            if let Some(expired) = state.expired() {
                // Leaving the block drops hyper's side of the connection.
                break Err(expired);
            }
        }
    };
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(error = %e, peer = %addr, "connection ended with an error"),
        Err(expired) => {
            config.stats.timed_out.fetch_add(1, Ordering::Relaxed);
            // The 408 of a header timeout was written as the connection was dropped.
            tracing::debug!(peer = %addr, ?expired, "closed a connection that timed out");
        }
    }
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Tells apart the first failure of an episode of failures (logged) from the next ones (not),
/// and backs off more with each failure.
#[derive(Debug, Default)]
struct Starvation {
    errors: u64,
}

impl Starvation {
    /// A failure; true when it starts an episode.
    fn failed(&mut self) -> bool {
        self.errors += 1;
        self.errors == 1
    }

    /// A success; the number of failures of the episode it ends, if one was under way.
    fn recovered(&mut self) -> Option<u64> {
        (self.errors > 0).then(|| std::mem::take(&mut self.errors))
    }

    /// How long to wait before the next attempt: 10 ms doubling up to 1 s, so that an
    /// exhausted process is not spun on and recovers within a second once descriptors free.
    fn backoff(&self) -> Duration {
        let shift = self.errors.saturating_sub(1).min(7);
        Duration::from_millis(10 << shift).min(Duration::from_secs(1))
    }
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    // 23 and 24: ENFILE and EMFILE (out of file descriptors, system-wide or for the process).
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock
    ) || e.raw_os_error().is_some_and(|c| c == 23 || c == 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_of_accept_failures_is_logged_once_and_backs_off() {
        let mut s = Starvation::default();
        assert_eq!(s.recovered(), None);
        assert!(s.failed());
        assert_eq!(s.backoff(), Duration::from_millis(10));
        assert!(!s.failed());
        assert!(!s.failed());
        assert_eq!(s.backoff(), Duration::from_millis(40));
        for _ in 0..20 {
            assert!(!s.failed());
        }
        assert_eq!(s.backoff(), Duration::from_secs(1));
        assert_eq!(s.recovered(), Some(23));
        assert!(s.failed(), "a new episode is logged again");
    }

    #[test]
    fn out_of_descriptors_is_transient() {
        assert!(is_transient(&std::io::Error::from_raw_os_error(24)));
        assert!(is_transient(&std::io::Error::from_raw_os_error(23)));
        assert!(!is_transient(&std::io::Error::other("bad")));
    }
}
