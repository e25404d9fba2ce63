//! Tower plumbing: the engine as a service, and a layer that routes the engine's path to it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Either;
use tower_layer::Layer;
use tower_service::Service;

use super::BoxError;
use super::error::EngineBody;
use super::server::Engine;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What answers the requests under one path: the [`Engine`], or a server built on it (the
/// Socket.IO server, which also serves its browser client there). The service, layer and
/// router below work for any of them.
pub trait Mount: Clone + Send + Sync + 'static {
    /// Whether this request path is for the mount.
    fn matches_uri(&self, uri: &http::Uri) -> bool;

    /// Answers a request for the mount.
    fn respond<B>(&self, req: Request<B>) -> impl Future<Output = Response<EngineBody>> + Send
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>;
}

impl Mount for Engine {
    fn matches_uri(&self, uri: &http::Uri) -> bool {
        Engine::matches_uri(self, uri)
    }

    fn respond<B>(&self, req: Request<B>) -> impl Future<Output = Response<EngineBody>> + Send
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.handle(req)
    }
}

/// The engine's entry for requests forwarded by the other nodes of a cluster, as a
/// `tower::Service`: every request goes to [`Engine::handle_forwarded`]. Serve it on a
/// listener of its own, reachable by the other nodes only (see
/// [`ClusterConfig`](super::ClusterConfig)).
#[derive(Clone, Debug)]
pub struct InternalService {
    engine: Engine,
}

impl Engine {
    /// The service for the internal listener, where the other nodes of a cluster forward the
    /// requests of this node's sessions.
    pub fn internal_service(&self) -> InternalService {
        InternalService {
            engine: self.clone(),
        }
    }
}

impl<B> Service<Request<B>> for InternalService
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
        let engine = self.engine.clone();
        Box::pin(async move {
            if !engine.matches(&req) {
                return Ok(super::error::empty(http::StatusCode::NOT_FOUND));
            }
            Ok(engine.handle_forwarded(req).await)
        })
    }
}

/// A mount as a `tower::Service`: every request goes to it.
#[derive(Clone, Debug)]
pub struct MountService<M> {
    mount: M,
}

/// The engine as a `tower::Service`: every request goes to [`Engine::handle`].
pub type EngineService = MountService<Engine>;

impl<M: Mount> MountService<M> {
    /// A service answering every request with `mount`.
    pub fn new(mount: M) -> MountService<M> {
        MountService { mount }
    }
}

impl<M, B> Service<Request<B>> for MountService<M>
where
    M: Mount,
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
        let mount = self.mount.clone();
        Box::pin(async move { Ok(mount.respond(req).await) })
    }
}

/// A tower `Layer` that hands requests under the mount's path to it and every other request
/// to the inner service untouched. Works with `axum::Router::layer`.
#[derive(Clone, Debug)]
pub struct MountLayer<M> {
    mount: M,
}

/// The layer in front of an [`Engine`].
pub type EngineLayer = MountLayer<Engine>;

impl<M: Mount> MountLayer<M> {
    /// A layer in front of `mount`.
    pub fn new(mount: M) -> MountLayer<M> {
        MountLayer { mount }
    }
}

impl<S, M: Mount> Layer<S> for MountLayer<M> {
    type Service = MountRouter<S, M>;

    fn layer(&self, inner: S) -> MountRouter<S, M> {
        MountRouter {
            mount: self.mount.clone(),
            inner,
        }
    }
}

/// The service [`MountLayer`] makes: the mount's path to the mount, the rest to `S`.
#[derive(Clone, Debug)]
pub struct MountRouter<S, M> {
    mount: M,
    inner: S,
}

/// The router of an [`EngineLayer`].
pub type EngineRouter<S> = MountRouter<S, Engine>;

impl<S, M, B, ResBody> Service<Request<B>> for MountRouter<S, M>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    M: Mount,
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
        if self.mount.matches_uri(req.uri()) {
            let mount = self.mount.clone();
            return Box::pin(async move { Ok(mount.respond(req).await.map(Either::Left)) });
        }
        // The clone that was not polled ready stays here; the ready one serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { Ok(inner.call(req).await?.map(Either::Right)) })
    }
}
