//! A cluster without sticky sessions: a request for a session owned by another node is
//! forwarded to that node.
//!
//! Long-polling sends each request of a session separately, so behind a round-robin load
//! balancer most of them land on a node that does not hold the session, which the reference
//! answers `400 Session ID unknown`. With a [`ClusterConfig`] the engine instead:
//! - makes session ids that name their node ([`NodeId`]: the sid's first 4 characters, the
//!   sid keeping the reference's length and alphabet);
//! - asks a [`SessionRouter`] where the node of a sid it does not own listens for other nodes
//!   (sockeye-redis keeps that registry in Redis, with heartbeats and expiry), and forwards
//!   the request there over HTTP/1.1, relaying the owner's answer (status, headers, body) as
//!   it is. A websocket upgrade is relayed too: both sides are upgraded and the bytes copied
//!   both ways for the websocket's life. Moving ("adopting") the session instead would mean
//!   moving its outbox, its parked GET, its heartbeat state and the Socket.IO sockets with
//!   their handlers and rooms between processes mid-upgrade; the relay is correct by
//!   construction, and costs one more hop for that connection;
//! - serves the requests other nodes forward on a separate listener
//!   ([`Engine::internal_service`](super::Engine::internal_service)), checking each one's
//!   HMAC-SHA256 signature made with the shared [`ClusterSecret`]; a forwarded request is
//!   never forwarded again (no loops), and the client-facing listener refuses any request that
//!   looks forwarded, unless [`forwarded_on_public`](ClusterConfig::forwarded_on_public) says
//!   otherwise.
//!
//! When the owner cannot be reached (the registry says it is gone, it refuses connections,
//! or the registry was stale and another node answers there) the client gets the reference's
//! `400 {"code":1,"message":"Session ID unknown"}`, reconnects, and with connection state
//! recovery (and a cluster-wide store, such as sockeye-redis' streams adapter) gets its
//! session back. When the registry itself cannot answer (Redis away), the engine behaves as
//! a sticky-session node does, and says so in one rate-limited warning.

mod auth;
mod node;
mod relay;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use auth::ClusterSecret;
pub(crate) use auth::{AUTH_HEADER, HOP_HEADER};
pub use node::NodeId;
pub(crate) use relay::Relay;

/// The future [`SessionRouter::locate`] returns.
pub type LocateFuture<'a> = Pin<Box<dyn Future<Output = Location> + Send + 'a>>;

/// Where the node owning a session is, as a [`SessionRouter`] knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The node's internal address, `host:port`, where it serves
    /// [`Engine::internal_service`](super::Engine::internal_service).
    At(String),
    /// No such node (it stopped, or never was): its sessions are gone.
    Gone,
    /// The registry cannot answer now (Redis away): the request is answered as a node without
    /// forwarding would (sticky behaviour).
    Unknown,
}

/// Tells the engine which node it is and where the other nodes are. sockeye-redis' node
/// registry implements it; a test can implement it with a map.
pub trait SessionRouter: Send + Sync + 'static {
    /// This node's id, written at the start of every session id it makes.
    fn node_id(&self) -> NodeId;

    /// Where `node` serves the requests forwarded to it. Called for each forwarded request:
    /// an implementation keeps a short-lived cache.
    fn locate(&self, node: NodeId) -> LocateFuture<'_>;
}

/// Forwarding between the nodes of a cluster (off unless set on
/// [`EngineConfig::cluster`](super::EngineConfig::cluster)).
#[derive(Clone)]
pub struct ClusterConfig {
    /// Which node this is, and where the others are.
    pub router: Arc<dyn SessionRouter>,
    /// The secret every node signs and checks forwarded requests with.
    pub secret: ClusterSecret,
    /// Accept signed forwarded requests on the client-facing listener too, for a set-up with
    /// one listener per node (the signature is then all that protects them); default false:
    /// they are accepted only on [`Engine::internal_service`](super::Engine::internal_service).
    pub forwarded_on_public: bool,
    /// How long connecting to the owner may take before the request is answered as for an
    /// unknown session; default 2 s.
    pub connect_timeout: Duration,
    /// How far the clocks of two nodes may disagree (a signature older or newer than this is
    /// refused, which also bounds replays); default 30 s.
    pub max_clock_skew: Duration,
}

impl ClusterConfig {
    /// Forwarding with `router` and `secret`, and the defaults for the rest.
    pub fn new(router: Arc<dyn SessionRouter>, secret: ClusterSecret) -> ClusterConfig {
        ClusterConfig {
            router,
            secret,
            forwarded_on_public: false,
            connect_timeout: Duration::from_secs(2),
            max_clock_skew: Duration::from_secs(30),
        }
    }

    /// Sets [`forwarded_on_public`](Self::forwarded_on_public) (default false).
    pub fn forwarded_on_public(mut self, accept: bool) -> Self {
        self.forwarded_on_public = accept;
        self
    }

    /// Sets [`connect_timeout`](Self::connect_timeout) (default 2 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets [`max_clock_skew`](Self::max_clock_skew) (default 30 s).
    pub fn max_clock_skew(mut self, d: Duration) -> Self {
        self.max_clock_skew = d;
        self
    }
}

impl std::fmt::Debug for ClusterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("node_id", &self.router.node_id())
            .field("secret", &self.secret)
            .field("forwarded_on_public", &self.forwarded_on_public)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_clock_skew", &self.max_clock_skew)
            .finish()
    }
}

/// Which listener a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// The client-facing one.
    Public,
    /// The one other nodes forward to.
    Internal,
}

/// What the engine does with a request, before its own routing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Answer it here.
    Local,
    /// Forward it to the node that owns its session.
    Forward(NodeId),
    /// A forwarded request (signed) answered here, and never forwarded again.
    Forwarded,
    /// Refuse it: why.
    Refuse(&'static str),
}

impl ClusterConfig {
    /// Decides what to do with a request, from its head only (the body is untouched).
    pub(crate) fn admit(
        &self,
        parts: &http::request::Parts,
        entry: Entry,
        sid: Option<&str>,
    ) -> Admission {
        let headers = &parts.headers;
        let looks_forwarded = headers.contains_key(AUTH_HEADER) || headers.contains_key(HOP_HEADER);
        if entry == Entry::Public && looks_forwarded && !self.forwarded_on_public {
            return Admission::Refuse("forwarded requests are not accepted on this listener");
        }
        if entry == Entry::Internal || looks_forwarded {
            let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
            return match self.secret.verify(
                headers.get(AUTH_HEADER),
                headers.get(HOP_HEADER),
                parts.method.as_str(),
                path_and_query,
                self.max_clock_skew,
            ) {
                Ok(()) => Admission::Forwarded,
                Err(e) => Admission::Refuse(e.as_str()),
            };
        }
        match sid.and_then(NodeId::of_sid) {
            Some(node) if node != self.router.node_id() => Admission::Forward(node),
            _ => Admission::Local,
        }
    }
}
