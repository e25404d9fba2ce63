//! Mounting the server: a `tower::Service` for the Socket.IO path (the engine, and the served
//! browser client), and a `Layer` that puts it in front of an app's other routes.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{Either, Full};
use tower_layer::Layer;
use tower_service::Service;

use crate::engine::{BoxError, EngineBody};
use crate::server::SocketIo;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

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
        SocketIoService { io: self.clone() }
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
    /// axum::serve(listener, app).await
    /// # }
    /// ```
    pub fn layer(&self) -> SocketIoLayer {
        SocketIoLayer { io: self.clone() }
    }

    async fn handle<B>(&self, req: Request<B>) -> Response<EngineBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        if self.config().serve_client && req.method() == http::Method::GET {
            if let Some(file) =
                crate::client_files::lookup(&self.config().engine.path, req.uri().path())
            {
                return crate::client_files::respond(file, &req).map(Full::new);
            }
        }
        self.engine().handle(req).await
    }

    fn matches_uri(&self, uri: &http::Uri) -> bool {
        self.engine().matches_uri(uri)
    }
}

/// The Socket.IO server as a service; see [`SocketIo::service`].
#[derive(Clone, Debug)]
pub struct SocketIoService {
    io: SocketIo,
}

impl<B> Service<Request<B>> for SocketIoService
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<EngineBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let io = self.io.clone();
        Box::pin(async move { Ok(io.handle(req).await) })
    }
}

/// The layer of [`SocketIo::layer`].
#[derive(Clone, Debug)]
pub struct SocketIoLayer {
    io: SocketIo,
}

impl<S> Layer<S> for SocketIoLayer {
    type Service = SocketIoRouter<S>;

    fn layer(&self, inner: S) -> SocketIoRouter<S> {
        SocketIoRouter {
            io: self.io.clone(),
            inner,
        }
    }
}

/// The service [`SocketIoLayer`] makes: the Socket.IO path to the server, the rest to `S`.
#[derive(Clone, Debug)]
pub struct SocketIoRouter<S> {
    io: SocketIo,
    inner: S,
}

impl<S, B, ResBody> Service<Request<B>> for SocketIoRouter<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
    ResBody: Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Either<EngineBody, ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if self.io.matches_uri(req.uri()) {
            let io = self.io.clone();
            return Box::pin(async move { Ok(io.handle(req).await.map(Either::Left)) });
        }
        // The clone that was not polled ready stays; the ready one serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { Ok(inner.call(req).await?.map(Either::Right)) })
    }
}
