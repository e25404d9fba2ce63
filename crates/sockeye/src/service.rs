//! Mounting the server: a `tower::Service` for the Socket.IO path (the engine, and the served
//! browser client), and a `Layer` that puts it in front of an app's other routes. The tower
//! plumbing is the engine's ([`Mount`]); this file says what the Socket.IO server answers.

use std::future::Future;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;

use crate::engine::{BoxError, EngineBody, Mount, MountLayer, MountRouter, MountService};
use crate::server::SocketIo;

/// The Socket.IO server as a service; see [`SocketIo::service`].
pub type SocketIoService = MountService<SocketIo>;

/// The layer of [`SocketIo::layer`].
pub type SocketIoLayer = MountLayer<SocketIo>;

/// The service [`SocketIoLayer`] makes: the Socket.IO path to the server, the rest to `S`.
pub type SocketIoRouter<S> = MountRouter<S, SocketIo>;

impl SocketIo {
    /// The server as a `tower::Service` answering everything under its path, for hyper or
    /// [`engine::serve`](crate::engine::serve):
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let io = sockeye::SocketIo::default();
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// sockeye::engine::serve(listener, io.service()).await
    /// # }
    /// ```
    pub fn service(&self) -> SocketIoService {
        MountService::new(self.clone())
    }

    /// A `tower::Layer` that answers requests under the server's path (`/socket.io/` by
    /// default) and passes every other request to the inner service untouched.
    ///
    /// Beside an axum app's routes and static files, as socket.io beside Express:
    /// ```no_run
    /// use axum::{Router, routing::get};
    /// use sockeye::{SocketIo, Socket};
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let io = SocketIo::default();
    /// io.on_connection(|socket: Socket| async move {
    ///     let _ = socket.emit("hello", "world");
    /// });
    /// let app = Router::new()
    ///     .route("/api/health", get(|| async { "ok" }))
    ///     .fallback(get(|| async { axum::response::Html("<script src=\"/socket.io/socket.io.js\"></script>") }))
    ///     .layer(io.layer());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// // sockeye's server loop has Node's HTTP timeouts and limits (docs/security.md);
    /// // `axum::serve(listener, app)` works too, without them.
    /// sockeye::engine::serve(listener, app).await
    /// # }
    /// ```
    pub fn layer(&self) -> SocketIoLayer {
        MountLayer::new(self.clone())
    }
}

impl Mount for SocketIo {
    fn matches_uri(&self, uri: &http::Uri) -> bool {
        self.engine().matches_uri(uri)
    }

    /// The browser client's files when serving them is on, everything else to the engine.
    fn respond<B>(&self, req: Request<B>) -> impl Future<Output = Response<EngineBody>> + Send
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let io = self.clone();
        async move {
            if io.config().serve_client && req.method() == http::Method::GET {
                let path = &io.config().engine.path;
                if let Some(file) = crate::client_files::lookup(path, req.uri().path()) {
                    return crate::client_files::respond(file, &req).map(Full::new);
                }
            }
            io.engine().handle(req).await
        }
    }
}
