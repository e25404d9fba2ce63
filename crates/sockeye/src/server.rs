//! The `io` handle: the namespaces, the engine under them, and server-wide operations.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use serde::Serialize;
use socketio_proto::Value;
use tracing::Instrument;

use crate::adapter::ClusterAdapterFactory;
use crate::config::Config;
use crate::connection::Connection;
use crate::engine::{Engine, EngineHandler, EngineIncoming, EngineSession, SessionTask};
use crate::error::{AdapterError, BroadcastAckError, ConnectError, EmitError};
use crate::id::IdMap;
use crate::namespace::{Joining, Namespace};
use crate::operators::{BroadcastOperator, IntoRooms};
use crate::socket::{DisconnectReason, RemoteSocket, Socket};

/// Decides whether a dynamic namespace accepts a name (and the client's auth).
type NamespaceMatcher =
    Arc<dyn Fn(&str, &Value) -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// A dynamic namespace: its predicate, its pattern when it was made from a regular expression
/// (which `of` also follows, as the reference), and the parent of its children.
#[derive(Clone)]
struct Dynamic {
    matches: NamespaceMatcher,
    pattern: Option<regex_lite::Regex>,
    parent: Namespace,
}

/// Called with each namespace created after it was added (`io.on("new_namespace")`).
type NewNamespaceHandler = Arc<dyn Fn(&Namespace) + Send + Sync>;

/// The Socket.IO server: a cheap handle (the reference's `io`). Build it with
/// [`SocketIo::new`] or [`SocketIo::builder`], mount it with [`SocketIo::layer`] or
/// [`SocketIo::service`].
#[derive(Clone)]
pub struct SocketIo(pub(crate) Arc<ServerInner>);

pub(crate) struct ServerInner {
    pub(crate) config: Config,
    engine: std::sync::OnceLock<Engine>,
    namespaces: RwLock<HashMap<String, Namespace>>,
    dynamic: RwLock<Vec<Dynamic>>,
    new_namespace: RwLock<Vec<NewNamespaceHandler>>,
    cluster: Option<ClusterAdapterFactory>,
    pub(crate) connections: ConnectionRegistry,
    pub(crate) counters: Arc<crate::metrics::Counters>,
    /// Who watches the server (the Admin UI), if anyone.
    pub(crate) observer: crate::observer::ObserverSlot,
}

/// Every live connection by Engine.IO session id, for a server-wide close.
#[derive(Default)]
pub(crate) struct ConnectionRegistry(Mutex<IdMap<String, Weak<Connection>>>);

impl ConnectionRegistry {
    pub(crate) fn register(&self, conn: &Arc<Connection>) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(conn.session().id().to_owned(), Arc::downgrade(conn));
        }
    }

    pub(crate) fn unregister(&self, conn: &Arc<Connection>) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(conn.session().id());
        }
    }

    fn all(&self) -> Vec<Arc<Connection>> {
        self.0
            .lock()
            .map(|m| m.values().filter_map(Weak::upgrade).collect())
            .unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or(0)
    }

    fn get(&self, sid: &str) -> Option<Arc<Connection>> {
        self.0.lock().ok()?.get(sid).and_then(Weak::upgrade)
    }
}

/// Builds a [`SocketIo`] with options and an adapter.
pub struct Builder {
    config: Config,
    cluster: Option<ClusterAdapterFactory>,
}

impl Builder {
    /// Replaces all options.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Changes options in place.
    pub fn with_config(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    /// Joins a cluster: `factory` makes each namespace's [`ClusterAdapter`], which carries
    /// broadcasts and requests to the other nodes (Redis, for example). Without one, the
    /// server is a single node.
    ///
    /// [`ClusterAdapter`]: crate::ClusterAdapter
    pub fn adapter(mut self, factory: ClusterAdapterFactory) -> Self {
        self.cluster = Some(factory);
        self
    }

    /// Builds the server. The main namespace `/` exists from the start.
    pub fn build(self) -> SocketIo {
        let inner = Arc::new(ServerInner {
            config: self.config.clone(),
            engine: std::sync::OnceLock::new(),
            namespaces: RwLock::new(HashMap::new()),
            dynamic: RwLock::new(Vec::new()),
            new_namespace: RwLock::new(Vec::new()),
            cluster: self.cluster,
            connections: ConnectionRegistry::default(),
            counters: Arc::default(),
            observer: Arc::default(),
        });
        let bridge = Arc::new(EngineBridge(Arc::downgrade(&inner)));
        let engine = Engine::new(self.config.engine, bridge);
        let _ = inner.engine.set(engine);
        let io = SocketIo(inner);
        io.of("/");
        io
    }
}

/// Hands new Engine.IO sessions to the Socket.IO layer.
struct EngineBridge(Weak<ServerInner>);

impl EngineHandler for EngineBridge {
    fn on_open(&self, session: EngineSession, incoming: EngineIncoming) {
        if let Some(work) = self.open(session, incoming) {
            tokio::spawn(work);
        }
    }

    /// The connection's work (its sockets and their handlers included) runs in the session's
    /// own task.
    fn open(&self, session: EngineSession, incoming: EngineIncoming) -> Option<SessionTask> {
        let server = self.0.upgrade()?;
        // In the engine's span of this connection (sid, transport).
        Some(Box::pin(
            crate::connection::run(server, session, incoming).in_current_span(),
        ))
    }

    /// Socket.IO's `socket.request` is the handshake: the headers of later requests are
    /// not kept.
    fn keeps_request_headers(&self) -> bool {
        false
    }

    fn on_upgrade(&self, sid: &str) {
        let Some(server) = self.0.upgrade() else {
            return;
        };
        if let Some(observer) = server.observer.get() {
            if let Some(conn) = server.connections.get(sid) {
                for socket in conn.sockets() {
                    observer.transport_upgraded(&socket);
                }
            }
        }
    }
}

impl ServerInner {
    /// Open connections still on long-polling (the Admin UI's `pollingClientsCount`).
    #[cfg_attr(not(feature = "admin"), allow(dead_code))]
    pub(crate) fn polling_connection_count(&self) -> usize {
        self.connections
            .all()
            .iter()
            .filter(|c| c.session().transport() == crate::engine::TransportKind::Polling)
            .count()
    }

    pub(crate) fn engine(&self) -> &Engine {
        match self.engine.get() {
            Some(engine) => engine,
            None => unreachable!("the engine is set in Builder::build before the handle exists"),
        }
    }

    /// The namespace a CONNECT names: an existing one, or a new child of the first dynamic
    /// namespace that accepts the name (asked in the order they were added, one at a time,
    /// as the reference does). The [`Joining`] keeps an empty child alive until the socket is
    /// in or refused.
    pub(crate) async fn namespace_for(
        self: &Arc<Self>,
        name: &str,
        auth: &Value,
    ) -> Option<(Namespace, Joining)> {
        if let Some(found) = self.existing(name) {
            return Some(found);
        }
        let dynamic: Vec<_> = self.dynamic.read().ok()?.clone();
        for Dynamic {
            matches, parent, ..
        } in dynamic
        {
            if matches(name, auth).await {
                return self.child_of(name, &parent);
            }
        }
        None
    }

    /// The child `name` of the dynamic namespace `parent`, created unless another connection
    /// did so first.
    fn child_of(self: &Arc<Self>, name: &str, parent: &Namespace) -> Option<(Namespace, Joining)> {
        let (child, joining, created) = {
            let mut namespaces = self.namespaces.write().ok()?;
            let mut created = false;
            let child = namespaces
                .entry(name.to_owned())
                .or_insert_with(|| {
                    created = true;
                    Namespace::new(
                        name.to_owned(),
                        self.cluster.as_ref(),
                        Some(parent.clone()),
                        self.config.parser,
                        self.config.connection_state_recovery.as_ref(),
                        self.counters.clone(),
                        &self.observer,
                    )
                })
                .clone();
            let joining = Joining::new(&child);
            (child, joining, created)
        };
        if created {
            if self.config.cleanup_empty_child_namespaces {
                child.remove_when_empty(Arc::downgrade(self));
            }
            parent.add_child(&child);
            self.announce(&child);
        }
        Some((child, joining))
    }

    /// The parent of the first dynamic namespace made from a regular expression that
    /// matches `name`.
    fn regex_parent(&self, name: &str) -> Option<Namespace> {
        self.dynamic
            .read()
            .ok()?
            .iter()
            .find(|d| d.pattern.as_ref().is_some_and(|p| p.is_match(name)))
            .map(|d| d.parent.clone())
    }

    fn existing(&self, name: &str) -> Option<(Namespace, Joining)> {
        let namespaces = self.namespaces.read().ok()?;
        let ns = namespaces.get(name)?;
        Some((ns.clone(), Joining::new(ns)))
    }

    /// Runs the `new_namespace` handlers, with no lock held: they may create namespaces.
    fn announce(&self, ns: &Namespace) {
        let handlers = self
            .new_namespace
            .read()
            .map(|h| h.clone())
            .unwrap_or_default();
        for handler in handlers {
            handler(ns);
        }
    }

    /// Removes the child `ns` when nothing uses it (`cleanupEmptyChildNamespaces`). Checked
    /// under the namespace lock, which every lookup holds while it counts itself in.
    pub(crate) fn remove_if_unused(&self, ns: &Namespace) {
        let removed = match self.namespaces.write() {
            Ok(mut namespaces) => {
                let same = namespaces
                    .get(ns.name())
                    .is_some_and(|current| Arc::ptr_eq(&current.0, &ns.0));
                same && ns.is_unused() && namespaces.remove(ns.name()).is_some()
            }
            Err(_) => false,
        };
        if !removed {
            return;
        }
        tracing::debug!(nsp = ns.name(), "closing empty child namespace");
        if let Some(parent) = ns.parent() {
            parent.remove_child(ns);
        }
        if let Some(cluster) = ns.cluster().cloned() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { cluster.close().await });
            }
        }
    }
}

impl Default for SocketIo {
    fn default() -> Self {
        SocketIo::new(Config::default())
    }
}

impl SocketIo {
    /// A server with these options and the in-memory adapter.
    pub fn new(config: Config) -> SocketIo {
        SocketIo::builder().config(config).build()
    }

    /// A builder, starting from the default options.
    pub fn builder() -> Builder {
        Builder {
            config: Config::default(),
            cluster: None,
        }
    }

    /// The options the server runs with.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The Engine.IO server under this one.
    pub fn engine(&self) -> &Engine {
        self.0.engine()
    }

    /// The namespace `name`, created when it does not exist (`io.of("/chat")`). A name that
    /// a dynamic namespace made by [`of_regex`](SocketIo::of_regex) matches is created as its
    /// child, with its handlers, as a client's connection would.
    pub fn of(&self, name: &str) -> Namespace {
        let name = if name.starts_with('/') {
            name.to_owned()
        } else {
            format!("/{name}")
        };
        let existing = self
            .0
            .namespaces
            .read()
            .ok()
            .and_then(|n| n.get(&name).cloned());
        if let Some(ns) = existing {
            return ns;
        }
        if let Some(parent) = self.0.regex_parent(&name) {
            if let Some((child, joining)) = self.0.child_of(&name, &parent) {
                joining.release_keeping();
                return child;
            }
        }
        let mut namespaces = match self.0.namespaces.write() {
            Ok(n) => n,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut created = false;
        let ns = namespaces
            .entry(name.clone())
            .or_insert_with(|| {
                created = true;
                Namespace::new(
                    name,
                    self.0.cluster.as_ref(),
                    None,
                    self.0.config.parser,
                    self.0.config.connection_state_recovery.as_ref(),
                    self.0.counters.clone(),
                    &self.0.observer,
                )
            })
            .clone();
        drop(namespaces);
        // As the reference: the main namespace, made with the server, is not announced.
        if created && ns.name() != "/" {
            self.0.announce(&ns);
        }
        ns
    }

    /// Adds a handler called with each namespace created from now on: by
    /// [`of`](SocketIo::of) (but `/`), or as a child of a dynamic namespace when a client
    /// first connects to it (`io.on("new_namespace", ...)`). It runs before the namespace's
    /// first socket is added, so it may register the namespace's handlers.
    ///
    /// ```
    /// use sockeye::{Namespace, Socket, SocketIo};
    ///
    /// let io = SocketIo::default();
    /// io.on_new_namespace(|ns: &Namespace| {
    ///     tracing::info!(nsp = ns.name(), "namespace created");
    ///     ns.on_connection(|socket: Socket| async move {
    ///         let _ = socket.emit("hello", "new namespace");
    ///     });
    /// });
    /// ```
    pub fn on_new_namespace<F>(&self, handler: F)
    where
        F: Fn(&Namespace) + Send + Sync + 'static,
    {
        if let Ok(mut handlers) = self.0.new_namespace.write() {
            handlers.push(Arc::new(handler));
        }
    }

    /// A dynamic namespace: any namespace name (and auth) `matches` accepts is created on
    /// demand as a child that shares the returned parent's middlewares and connection
    /// handlers (`io.of((name, auth, next) => ...)`). For a decision that needs to wait (a
    /// database, another service), see [`of_dynamic_async`](SocketIo::of_dynamic_async).
    pub fn of_dynamic<F>(&self, matches: F) -> Namespace
    where
        F: Fn(&str, &Value) -> bool + Send + Sync + 'static,
    {
        self.add_dynamic(
            Arc::new(move |name, auth| Box::pin(std::future::ready(matches(name, auth)))),
            None,
        )
    }

    /// [`of_dynamic`](SocketIo::of_dynamic) with a predicate that may wait: it gets the
    /// namespace name and the client's auth, owned, and resolves to whether the namespace
    /// exists, as the reference's `io.of((name, auth, next) => next(null, allowed))`.
    /// The connection's CONNECT waits for it; its other namespaces do not. Dynamic
    /// namespaces are asked in the order they were added, each after the previous one
    /// refused.
    ///
    /// ```
    /// use sockeye::{Socket, SocketIo, Value};
    ///
    /// let io = SocketIo::default();
    /// io.of_dynamic_async(|name: String, auth: Value| async move {
    ///     // e.g. ask a database whether the workspace exists and the token may see it
    ///     name.starts_with("/workspace-") && auth.get("token").is_some()
    /// })
    /// .on_connection(|socket: Socket| async move {
    ///     let _ = socket.emit("joined", socket.namespace().name());
    /// });
    /// ```
    pub fn of_dynamic_async<F, Fut>(&self, matches: F) -> Namespace
    where
        F: Fn(String, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.add_dynamic(
            Arc::new(move |name, auth| Box::pin(matches(name.to_owned(), auth.clone()))),
            None,
        )
    }

    fn add_dynamic(
        &self,
        matches: NamespaceMatcher,
        pattern: Option<regex_lite::Regex>,
    ) -> Namespace {
        // The parent is never connected to: only its children need the cluster.
        let parent = Namespace::new(
            format!("/_{}", crate::id::generate()),
            None,
            None,
            self.0.config.parser,
            None,
            self.0.counters.clone(),
            &self.0.observer,
        );
        if let Ok(mut dynamic) = self.0.dynamic.write() {
            dynamic.push(Dynamic {
                matches,
                pattern,
                parent: parent.clone(),
            });
        }
        parent
    }

    /// A dynamic namespace for every name the regular expression matches
    /// (`io.of(/^\/dynamic-\d+$/)`).
    pub fn of_regex(&self, pattern: regex_lite::Regex) -> Namespace {
        let matcher = pattern.clone();
        self.add_dynamic(
            Arc::new(move |name, _| Box::pin(std::future::ready(matcher.is_match(name)))),
            Some(pattern),
        )
    }

    /// The main namespace `/` (`io.sockets`).
    pub fn sockets(&self) -> Namespace {
        self.of("/")
    }

    /// Adds a connection handler on the main namespace (`io.on("connection", ...)`).
    pub fn on_connection<F, Fut>(&self, handler: F)
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.sockets().on_connection(handler);
    }

    /// Adds a middleware on the main namespace (`io.use(...)`).
    pub fn middleware<F, Fut>(&self, middleware: F)
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        self.sockets().middleware(middleware);
    }

    /// Sends `event` to every socket of the main namespace.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.sockets().emit(event, data)
    }

    /// The main namespace's sockets in `rooms`.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.sockets().to(rooms)
    }

    /// Same as [`to`](SocketIo::to) (the reference's `in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.sockets().within(rooms)
    }

    /// Every socket of the main namespace but those in `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.sockets().except(rooms)
    }

    /// The main namespace, dropping packets for sockets that are not ready.
    pub fn volatile(&self) -> BroadcastOperator {
        self.sockets().volatile()
    }

    /// The main namespace, this node only.
    pub fn local(&self) -> BroadcastOperator {
        self.sockets().local()
    }

    /// The main namespace with a time limit for acknowledgements.
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperator {
        self.sockets().timeout(timeout)
    }

    /// The main namespace with the `compress` flag.
    pub fn compress(&self, compress: bool) -> BroadcastOperator {
        self.sockets().compress(compress)
    }

    /// The main namespace's sockets, on every node.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.sockets().fetch_sockets().await
    }

    /// Makes every socket of the main namespace join `rooms`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.sockets().sockets_join(rooms).await
    }

    /// Makes every socket of the main namespace leave `rooms`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.sockets().sockets_leave(rooms).await
    }

    /// Disconnects every socket of the main namespace.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.sockets().disconnect_sockets(close).await
    }

    /// Sends an event to the other nodes (`io.serverSideEmit`).
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), EmitError> {
        self.sockets().server_side_emit(event, data).await
    }

    /// Sends an event to the other nodes and collects one answer per node
    /// (`io.serverSideEmitWithAck`).
    pub async fn server_side_emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<R>, BroadcastAckError>
    where
        T: Serialize + ?Sized,
        R: serde::de::DeserializeOwned,
    {
        self.sockets().server_side_emit_with_ack(event, data).await
    }

    /// Listens for an event another node sent with `server_side_emit` on the main
    /// namespace (`io.on(event)` for server-side events). See [`Namespace::on_server_side`].
    pub fn on_server_side<F, T, Fut>(
        &self,
        event: impl Into<std::borrow::Cow<'static, str>>,
        listener: F,
    ) where
        F: Fn(T, crate::ServerSideAck) -> Fut + Send + Sync + 'static,
        T: serde::de::DeserializeOwned + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.sockets().on_server_side(event, listener);
    }

    /// Every room of the main namespace, on every node.
    pub async fn all_rooms(&self) -> Result<std::collections::HashSet<String>, AdapterError> {
        self.sockets().all_rooms().await
    }

    /// How many nodes the cluster has (1 without a cluster adapter).
    pub async fn server_count(&self) -> Result<usize, AdapterError> {
        self.sockets().server_count().await
    }

    /// Every namespace created so far.
    pub fn namespaces(&self) -> Vec<Namespace> {
        self.0
            .namespaces
            .read()
            .map(|n| n.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The server's counters: connections (by transport), sockets, packets and bytes in and
    /// out, broadcasts, drops, acknowledgements pending and timed out, refused requests,
    /// upgrades, cluster adapter requests. [`metrics::prometheus`](crate::metrics::prometheus)
    /// exports them.
    pub fn metrics(&self) -> crate::Metrics {
        let sockets = self
            .namespaces()
            .iter()
            .map(|ns| ns.socket_count() as u64)
            .sum();
        let mut metrics = self
            .0
            .counters
            .snapshot(self.0.connections.len() as u64, sockets);
        metrics.engine = self.0.engine().metrics();
        for ns in self.namespaces() {
            metrics.acks_pending += ns.pending_acks();
            if let Some(recovery) = ns.recovery() {
                let (packets, bytes, sessions) = recovery.sizes();
                metrics.recovery_packets += packets as u64;
                metrics.recovery_bytes += bytes as u64;
                metrics.recovery_sessions += sessions as u64;
            }
        }
        metrics
    }

    /// How many Engine.IO connections are open.
    pub fn connection_count(&self) -> usize {
        self.0.connections.len()
    }

    /// Closes the server, allowing it 5 s: see [`close_within`](SocketIo::close_within).
    pub async fn close(&self) {
        self.close_within(Duration::from_secs(5)).await;
    }

    /// Closes the server gracefully within `deadline`, as a process does on SIGTERM:
    /// 1. new handshakes are refused, the open connections go on;
    /// 2. every socket disconnects with `server shutting down`: its `disconnecting` and
    ///    `disconnect` handlers run, and with connection state recovery its state is kept
    ///    for its client (in the cluster's store, with the Redis Streams adapter);
    /// 3. every connection is closed once what is queued for it is written, so each client
    ///    gets its last messages, sees its transport close, and reconnects: to another node
    ///    behind a load balancer, recovering its state there when recovery is on;
    /// 4. the cluster adapters close.
    ///
    /// Whatever is still open at the deadline is closed at once. Resolves when done.
    pub async fn close_within(&self, deadline: Duration) {
        let until = tokio::time::Instant::now() + deadline;
        let engine = self.engine();
        engine.refuse_new();
        for conn in self.0.connections.all() {
            conn.close_sockets(DisconnectReason::ServerShuttingDown);
        }
        let namespaces = self.namespaces();
        wait_until(until, || {
            namespaces
                .iter()
                .all(|ns| ns.socket_count() == 0 && ns.sessions_persisting() == 0)
        })
        .await;
        engine.close_gracefully(crate::engine::CloseReason::ServerShuttingDown);
        wait_until(until, || engine.session_count() == 0).await;
        engine.close();
        for ns in self.namespaces() {
            if let Some(cluster) = ns.cluster() {
                cluster.close().await;
            }
        }
    }

    /// Sets the main namespace's hook for payloads that do not fit a handler
    /// ([`Namespace::on_args_error`]).
    pub fn on_args_error<F>(&self, handler: F)
    where
        F: Fn(&Socket, &crate::ArgsError, crate::Ack) + Send + Sync + 'static,
    {
        self.sockets().on_args_error(handler);
    }
}

impl std::fmt::Debug for SocketIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIo")
            .field("config", &self.0.config)
            .finish_non_exhaustive()
    }
}

/// Waits until `done` holds or `until` passes, looking every few milliseconds.
async fn wait_until(until: tokio::time::Instant, mut done: impl FnMut() -> bool) {
    while !done() && tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
