//! The engine: request routing, the reference's checks, handshakes, and the session table.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use engineio_proto::{
    CloseReason, OpenPacket, Packet, PacketType, Protocol, SID_RANDOM_BYTES, Session,
    SessionConfig, Sid, TransportKind,
};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri, header};
use http_body::Body;
use hyper::upgrade::OnUpgrade;
use rand::RngCore;
use tracing::Instrument;

use super::BoxError;
use super::cluster::{Admission, Entry, Relay};
use super::config::EngineConfig;
use super::driver::drive;
use super::error::{EngineBody, RequestError, empty};
use super::incoming::EngineIncoming;
use super::outbox::OutboxBytes;
use super::request::{HandshakeRequest, Query};
use super::session::{EngineSession, SessionShared, now};
use super::stats::{EngineCounters, EngineMetrics, Refusal};
use super::{polling, websocket};
use crate::id::IdMap;

/// The application's work for one session, run by the session's own task (see
/// [`EngineHandler::open`]).
pub type SessionTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Called by the engine for each new session once its handshake is done.
pub trait EngineHandler: Send + Sync + 'static {
    /// `incoming` yields the peer's messages in order, then exactly one `Incoming::Close`.
    /// Must not block: spawn a task to drive `incoming`.
    fn on_open(&self, session: EngineSession, incoming: EngineIncoming);

    /// Like [`on_open`](Self::on_open), with the application's work for the session handed
    /// back as a future for the session's own task to run, beside its timers and its
    /// websocket: a session then costs one task, and a message wakes no other. The future
    /// runs until it ends, also after the session closed (its `incoming` says when). A panic
    /// in it closes the session. The default calls `on_open` and returns `None`.
    fn open(&self, session: EngineSession, incoming: EngineIncoming) -> Option<SessionTask> {
        self.on_open(session, incoming);
        None
    }

    /// Session `sid` moved to websocket (the reference's `upgrade` event). Called on the
    /// session's task: must not block. Does nothing by default.
    fn on_upgrade(&self, sid: &str) {
        let _ = sid;
    }

    /// Whether each message keeps the headers of the request that carried it, for
    /// [`EngineIncoming::request_headers`](super::EngineIncoming::request_headers). Keeping
    /// them costs a copy of the headers per long-polling POST and one per websocket, held
    /// with the session. True by default; a handler that never reads them says `false`.
    fn keeps_request_headers(&self) -> bool {
        true
    }
}

/// The Engine.IO server. Cheap to clone; serve it with [`EngineService`](super::EngineService),
/// [`EngineLayer`](super::EngineLayer) or [`handle`](Engine::handle).
#[derive(Clone)]
pub struct Engine(pub(crate) Arc<EngineShared>);

pub(crate) struct EngineShared {
    pub(crate) config: EngineConfig,
    handler: Arc<dyn EngineHandler>,
    /// The handler's [`keeps_request_headers`](EngineHandler::keeps_request_headers).
    keeps_headers: bool,
    sessions: Mutex<IdMap<Sid, Arc<SessionShared>>>,
    closed: AtomicBool,
    /// Bytes of messages held for peers, over every session.
    outbox_total: Arc<AtomicUsize>,
    /// Connections to the other nodes of the cluster, when forwarding is on.
    relay: Relay,
    pub(crate) counters: EngineCounters,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.0.config)
            .field("sessions", &self.session_count())
            .finish()
    }
}

impl EngineShared {
    pub(crate) fn handler(&self) -> &dyn EngineHandler {
        &*self.handler
    }

    fn sessions(&self) -> MutexGuard<'_, IdMap<Sid, Arc<SessionShared>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn remove(&self, shared: &SessionShared) {
        self.sessions().remove(shared.sid.as_str());
    }
}

impl Engine {
    /// An engine with `config`, announcing its sessions to `handler`.
    pub fn new(config: EngineConfig, handler: Arc<dyn EngineHandler>) -> Engine {
        Engine(Arc::new(EngineShared {
            config,
            keeps_headers: handler.keeps_request_headers(),
            handler,
            sessions: Mutex::new(IdMap::default()),
            closed: AtomicBool::new(false),
            outbox_total: Arc::new(AtomicUsize::new(0)),
            relay: Relay::default(),
            counters: EngineCounters::default(),
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.0.config
    }

    /// Whether this request is for the engine: its path starts with the configured `path`.
    pub fn matches<B>(&self, req: &Request<B>) -> bool {
        self.matches_uri(req.uri())
    }

    /// Whether a request to `uri` is for the engine.
    pub fn matches_uri(&self, uri: &Uri) -> bool {
        uri.path().starts_with(self.0.config.path.as_str())
    }

    /// Sessions open (or closing) now.
    pub fn session_count(&self) -> usize {
        self.0.sessions().len()
    }

    /// The engine's counters now: sessions by transport, upgrades, refused requests.
    pub fn metrics(&self) -> EngineMetrics {
        self.0.counters.snapshot()
    }

    /// Bytes of messages held for peers now, over every session: queued, or in a websocket
    /// write that has not completed (each session holds at most
    /// [`outbox_bytes`](EngineConfig::outbox_bytes) of them, give or take one message).
    pub fn outbox_bytes(&self) -> usize {
        self.0.outbox_total.load(Ordering::Relaxed)
    }

    /// Closes every session with `server shutting down` and refuses new handshakes.
    pub fn close(&self) {
        self.close_with(CloseReason::ServerShuttingDown);
    }

    /// Refuses new handshakes (`503 Service Unavailable`)
    /// while the open sessions go on.
    pub fn refuse_new(&self) {
        self.0.closed.store(true, Ordering::Release);
    }

    /// Closes every session with `reason` after what is queued for it is written (a
    /// long-polling client gets its messages, then the close), and refuses new handshakes.
    /// A session whose peer does not read is closed after the engine's close timeout.
    pub fn close_gracefully(&self, reason: CloseReason) {
        self.refuse_new();
        let sessions: Vec<_> = self.0.sessions().values().cloned().collect();
        let now = super::session::now();
        for s in sessions {
            s.with(|inner| inner.machine.close(reason, now));
        }
    }

    /// Closes every session with `reason` at once (queued messages are dropped) and refuses
    /// new handshakes.
    pub fn close_with(&self, reason: CloseReason) {
        self.0.closed.store(true, Ordering::Release);
        let sessions: Vec<_> = self.0.sessions().values().cloned().collect();
        for s in sessions {
            s.with(|inner| inner.machine.terminate(reason));
        }
    }

    /// Answers one request for the engine. Never panics on peer input; every refusal is the
    /// reference's status and body. Websocket handshakes need hyper's `OnUpgrade` in the
    /// request's extensions (as hyper and axum put it there).
    ///
    /// With [`cluster`](EngineConfig::cluster) set, a request for a session of another node
    /// is forwarded to it and its answer returned as it is, and a request that looks forwarded
    /// is refused (unless [`forwarded_on_public`](super::ClusterConfig::forwarded_on_public)).
    pub async fn handle<B>(&self, req: Request<B>) -> Response<EngineBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.handle_from(req, Entry::Public).await
    }

    /// Answers one request another node of the cluster forwarded: see
    /// [`internal_service`](Engine::internal_service). Without a valid signature it is refused
    /// with 403; a signed one is answered here, never forwarded again.
    pub async fn handle_forwarded<B>(&self, req: Request<B>) -> Response<EngineBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        self.handle_from(req, Entry::Internal).await
    }

    async fn handle_from<B>(&self, req: Request<B>, entry: Entry) -> Response<EngineBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let (mut parts, body) = req.into_parts();
        match (&self.0.config.cluster, entry) {
            (Some(cluster), _) => {
                let sid = Query::parse(parts.uri.query()).sid;
                match cluster.admit(&parts, entry, sid.as_deref()) {
                    Admission::Local | Admission::Forwarded => {}
                    // A CORS preflight is answered here: it names no session state.
                    Admission::Forward(_)
                        if parts.method == Method::OPTIONS && self.0.config.cors.is_some() => {}
                    Admission::Forward(node) => {
                        let config = &self.0.config;
                        let max = config.max_http_buffer_size.max(config.outbox_bytes) + 64 * 1024;
                        return self
                            .0
                            .relay
                            .forward(cluster, node, parts, body, config.max_http_buffer_size, max)
                            .await;
                    }
                    Admission::Refuse(why) => {
                        crate::log_limit::warn_limited!(uri = %parts.uri, why, "forwarded request refused");
                        return RequestError::Forbidden(format!("Forwarding refused: {why}"))
                            .http_response();
                    }
                }
            }
            (None, Entry::Internal) => {
                return RequestError::Forbidden("Forwarding is not configured".into())
                    .http_response();
            }
            (None, Entry::Public) => {}
        }
        let cors = self.0.config.cors.as_ref();
        if let Some(cors) = cors {
            if parts.method == Method::OPTIONS {
                let mut r = empty(StatusCode::NO_CONTENT);
                r.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                append(r.headers_mut(), cors.headers(&parts, true));
                return r;
            }
        }
        let mut response = self.route(&mut parts, body, entry).await;
        if let Some(cors) = cors {
            append(response.headers_mut(), cors.headers(&parts, false));
        }
        if let Some(hook) = &self.0.config.headers {
            hook(response.headers_mut(), &parts);
        }
        response
    }

    async fn route<B>(&self, parts: &mut Parts, body: B, entry: Entry) -> Response<EngineBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let upgrade = websocket::is_upgrade_request(parts);
        let fail = |e: RequestError| {
            let why = Refusal::from(&e);
            self.refused(why, &parts.uri, e.message());
            if upgrade {
                e.upgrade_response()
            } else {
                e.http_response()
            }
        };
        let query = Query::parse(parts.uri.query());
        let transport = match query
            .transport
            .as_deref()
            .and_then(TransportKind::from_name)
        {
            Some(t) if self.0.config.accepts(t) => t,
            _ => return fail(RequestError::UnknownTransport),
        };
        match query.sid.as_deref().filter(|s| !s.is_empty()) {
            Some(sid) => {
                let Some(shared) = self.lookup(sid) else {
                    return fail(RequestError::UnknownSid);
                };
                if upgrade {
                    let protocol = shared.protocol;
                    return self.upgrade(parts, Some(shared), transport, protocol);
                }
                if shared.transport() != transport {
                    return fail(RequestError::BadRequest);
                }
                match parts.method {
                    Method::GET => {
                        polling::get(&shared, parts, self.0.config.http_compression).await
                    }
                    Method::POST => {
                        let max = self.0.config.max_http_buffer_size;
                        let timeout = self.0.config.request_timeout;
                        let keep = self.0.keeps_headers;
                        polling::post(&shared, parts, body, max, timeout, keep).await
                    }
                    // The reference's polling transport answers other methods with a bare 500.
                    _ => empty(StatusCode::INTERNAL_SERVER_ERROR),
                }
            }
            // Forwarded requests belong to open sessions: a handshake is made where it lands.
            None if entry == Entry::Internal => fail(RequestError::BadRequest),
            None => {
                if parts.method != Method::GET {
                    return fail(RequestError::BadHandshakeMethod);
                }
                if transport == TransportKind::WebSocket && !upgrade {
                    return fail(RequestError::BadRequest);
                }
                if self.0.closed.load(Ordering::Acquire) {
                    return fail(RequestError::ShuttingDown);
                }
                if self.origin_refused(parts) {
                    self.refused(Refusal::OriginNotAllowed, &parts.uri, "Origin not allowed");
                    // 403 with the JSON body for websockets too: unlike the reference's
                    // refusals, this one is for browsers, which show the status.
                    let mut r =
                        RequestError::Forbidden("Origin not allowed".into()).http_response();
                    if upgrade {
                        r.headers_mut()
                            .insert(header::CONNECTION, HeaderValue::from_static("close"));
                    }
                    return r;
                }
                if let Some(allow) = &self.0.config.allow_request {
                    if let Err(message) = allow(parts).await {
                        return fail(RequestError::Forbidden(message));
                    }
                }
                // As the reference: anything but `4` is protocol 3, when that is allowed.
                let protocol = if query.eio.as_deref() == Some("4") {
                    Protocol::V4
                } else if self.0.config.allow_eio3 {
                    Protocol::V3
                } else {
                    return fail(RequestError::UnsupportedProtocolVersion);
                };
                if upgrade {
                    return self.upgrade(parts, None, transport, protocol);
                }
                self.handshake_polling(parts, protocol).await
            }
        }
    }

    /// Counts a refused request and logs it at info: a peer can send them at will, so at
    /// most one line per period and call site, with the number left out.
    fn refused(&self, why: Refusal, uri: &Uri, message: &str) {
        self.0.counters.refused(why);
        crate::log_limit::info_limited!(reason = why.as_str(), error = message, %uri, "engine.io request refused");
    }

    /// Whether a handshake comes from a browser page of an origin that CORS names and does
    /// not allow (`check_origin`). Without an `Origin` header it does not: a non-browser
    /// client, which no cookie of the user's rides along with. Nor does a page of the
    /// server's own origin (its `Host`): that is not cross-site, and browsers send `Origin`
    /// with every websocket.
    fn origin_refused(&self, parts: &Parts) -> bool {
        let config = &self.0.config;
        let (true, Some(cors), Some(origin)) = (
            config.check_origin,
            config.cors.as_ref(),
            parts.headers.get(header::ORIGIN),
        ) else {
            return false;
        };
        // An origin that is not even text is not an allowed one.
        let origin = origin.to_str().unwrap_or("");
        let same_origin = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .is_some_and(|host| {
                origin
                    .split_once("://")
                    .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
            });
        !same_origin && cors.allows_origin(origin) == Some(false)
    }

    fn lookup(&self, sid: &str) -> Option<Arc<SessionShared>> {
        let shared = self.0.sessions().get(sid).cloned()?;
        // Expired deadlines first: a session past its ping timeout is unknown.
        shared.with(|_| ());
        (!shared.is_closed()).then_some(shared)
    }

    /// Answers a websocket handshake with 101 and finishes the work once hyper hands the
    /// connection over: a new session, an upgrade of `existing`, or a close (as the reference
    /// does for a refused upgrade or a websocket request naming the polling transport).
    fn upgrade(
        &self,
        parts: &mut Parts,
        existing: Option<Arc<SessionShared>>,
        transport: TransportKind,
        protocol: Protocol,
    ) -> Response<EngineBody> {
        if let Some(refusal) = websocket::unsupported_version(parts) {
            self.refused(
                Refusal::BadRequest,
                &parts.uri,
                "Unsupported websocket version",
            );
            return refusal;
        }
        let Some(mut response) = websocket::accept(parts) else {
            self.refused(Refusal::BadRequest, &parts.uri, "Bad websocket handshake");
            return empty(StatusCode::BAD_REQUEST);
        };
        let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
            tracing::warn!("websocket request without hyper's OnUpgrade extension");
            return RequestError::BadRequest.upgrade_response();
        };
        if existing.is_none() {
            if let Some(hook) = &self.0.config.initial_headers {
                hook(response.headers_mut(), parts);
            }
        }
        let deflate = self.0.config.per_message_deflate.and_then(|config| {
            let params = config.negotiate(parts, response.headers_mut())?;
            Some((params, config.threshold))
        });
        let engine = self.clone();
        let target = match existing {
            Some(shared) => Target::Upgrade(shared),
            None => Target::New(HandshakeRequest::from_parts(parts)),
        };
        // Kept for the session's life: its own copy, not slices of hyper's read buffer (a new
        // session's shares the bytes of its handshake's copy).
        let headers = self.0.keeps_headers.then(|| {
            Arc::new(match &target {
                Target::New(request) => request.headers.clone(),
                Target::Upgrade(_) => super::request::detach_headers(&parts.headers),
            })
        });
        let max = self.0.config.max_http_buffer_size;
        tokio::spawn(async move {
            let Some(ws) = websocket::open(on_upgrade, max, deflate).await else {
                return;
            };
            if transport != TransportKind::WebSocket {
                websocket::close(ws, None);
                return;
            }
            match target {
                Target::Upgrade(shared) => {
                    let refused =
                        shared.with(|inner| match inner.machine.handle_upgrade_request(now()) {
                            Ok(()) => {
                                inner.probe = Some(Box::new(ws));
                                inner.ws_request = headers;
                                None
                            }
                            Err(e) => Some((e, ws)),
                        });
                    if let Some((e, ws)) = refused {
                        tracing::debug!(sid = %shared.sid, error = %e, "upgrade refused");
                        websocket::close(ws, None);
                    }
                }
                Target::New(request) => {
                    let (shared, incoming) =
                        engine.create_session(request, TransportKind::WebSocket, protocol);
                    shared.lock().ws_request = headers;
                    let session = EngineSession {
                        shared: shared.clone(),
                    };
                    let span = connection_span(&shared, TransportKind::WebSocket);
                    let app = span.in_scope(|| engine.0.handler.open(session, incoming));
                    drive(engine.0.clone(), shared, Some(ws), app)
                        .instrument(span)
                        .await;
                }
            }
        });
        response
    }

    async fn handshake_polling(&self, parts: &Parts, protocol: Protocol) -> Response<EngineBody> {
        let (shared, incoming) = self.create_session(
            HandshakeRequest::from_parts(parts),
            TransportKind::Polling,
            protocol,
        );
        let span = connection_span(&shared, TransportKind::Polling);
        let mut response = polling::get(&shared, parts, self.0.config.http_compression).await;
        if let Some(cookie) = &self.0.config.cookie {
            if let Ok(v) = HeaderValue::from_str(&cookie.serialize(shared.sid.as_str())) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
        }
        if let Some(hook) = &self.0.config.initial_headers {
            hook(response.headers_mut(), parts);
        }
        // After the open packet is out, as the reference emits `connection` after flushing it.
        let session = EngineSession {
            shared: shared.clone(),
        };
        let app = span.in_scope(|| self.0.handler.open(session, incoming));
        tokio::spawn(drive(self.0.clone(), shared, None, app).instrument(span));
        response
    }

    fn create_session(
        &self,
        request: HandshakeRequest,
        transport: TransportKind,
        protocol: Protocol,
    ) -> (Arc<SessionShared>, EngineIncoming) {
        let config = &self.0.config;
        let upgrades = if transport == TransportKind::Polling
            && config.allow_upgrades
            && config.accepts(TransportKind::WebSocket)
        {
            vec![TransportKind::WebSocket.as_str().to_owned()]
        } else {
            Vec::new()
        };
        let node = config.cluster.as_ref().map(|c| c.router.node_id());
        let mut sessions = self.0.sessions();
        let sid = loop {
            let sid = match node {
                // In a cluster the sid names its node, so any node can forward to it.
                Some(node) => node.new_sid(),
                None => {
                    let mut random = [0u8; SID_RANDOM_BYTES];
                    rand::rng().fill_bytes(&mut random);
                    Sid::from_random(&random)
                }
            };
            if !sessions.contains_key(sid.as_str()) {
                break sid;
            }
        };
        let open = OpenPacket {
            sid: sid.as_str().to_owned(),
            upgrades,
            ping_interval: millis(config.ping_interval),
            ping_timeout: millis(config.ping_timeout),
            max_payload: config.max_http_buffer_size as u64,
        };
        let machine = Session::with_protocol(
            SessionConfig {
                ping_interval: config.ping_interval,
                ping_timeout: config.ping_timeout,
                upgrade_timeout: config.upgrade_timeout,
                outbox_capacity: config.outbox_capacity,
                ..SessionConfig::default()
            },
            protocol,
            transport,
            Packet::with_text(PacketType::Open, open.to_json()),
            now(),
        );
        let shared = Arc::new(SessionShared::new(
            sid.clone(),
            request,
            machine,
            config.incoming_capacity,
            OutboxBytes::new(config.outbox_bytes, self.0.outbox_total.clone()),
        ));
        sessions.insert(sid, shared.clone());
        drop(sessions);
        tracing::debug!(sid = %shared.sid, transport = transport.as_str(), "engine.io session opened");
        let incoming = EngineIncoming {
            request: None,
            shared: shared.clone(),
            done: false,
        };
        (shared, incoming)
    }
}

/// What a websocket handshake leads to once hyper hands the connection over.
// Held once, by the task that waits for the upgrade: boxing the request would only add an
// allocation per handshake.
#[allow(clippy::large_enum_variant)]
enum Target {
    /// The upgrade of this polling session.
    Upgrade(Arc<SessionShared>),
    /// A new session, with its handshake request.
    New(HandshakeRequest),
}

/// The span of one connection, at debug: its driver runs in it, and so does the handler's
/// `on_open` (whose tasks may take it with `in_current_span`). An upgrade is a debug event in
/// it, `upgraded to websocket`: a span's fields are fixed once written.
fn connection_span(shared: &SessionShared, transport: TransportKind) -> tracing::Span {
    tracing::debug_span!("connection", sid = %shared.sid, transport = transport.as_str())
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn append(to: &mut HeaderMap, from: HeaderMap) {
    let mut last = None;
    for (name, value) in from {
        if let Some(n) = name {
            last = Some(n);
        }
        if let Some(n) = &last {
            to.append(n.clone(), value);
        }
    }
}
