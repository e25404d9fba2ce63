//! Namespaces: `/`, `/chat`, and children of dynamic namespaces.

mod local;
mod recovery;
mod server_side;

use std::borrow::Cow;
use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::{Parser, Value};

pub use server_side::ServerSideAck;

use crate::adapter::{ClusterAdapter, ClusterAdapterFactory, LocalRooms, NamespaceHandle, Room};
use crate::error::{AdapterError, BroadcastAckError, ConnectError, EmitError};
use crate::id::IdMap;
use crate::operators::{BroadcastOperator, IntoRooms};
use crate::socket::{BoxFut, ConnectionHandler, Middleware, MiddlewareFut, RemoteSocket, Socket};
use server_side::ServerSideListeners;

/// A namespace: a communication channel multiplexed over the connections. A cheap handle.
///
/// Reads like the reference's `Namespace`: [`on_connection`](Namespace::on_connection),
/// [`middleware`](Namespace::middleware) (`use`), [`emit`](Namespace::emit),
/// [`to`](Namespace::to)...
#[derive(Clone)]
pub struct Namespace(pub(crate) Arc<NsInner>);

pub(crate) struct NsInner {
    pub(crate) name: String,
    pub(crate) sockets: RwLock<IdMap<Arc<str>, Socket>>,
    /// This node's rooms.
    rooms: LocalRooms,
    /// The other nodes, in a cluster.
    cluster: Option<Arc<dyn ClusterAdapter>>,
    /// Connection state recovery, when on.
    recovery: Option<crate::recovery::Recovery>,
    server_side: RwLock<ServerSideListeners>,
    handlers: RwLock<Vec<ConnectionHandler>>,
    middlewares: RwLock<Vec<Middleware>>,
    /// The dynamic namespace this one was created from, whose handlers it shares.
    parent: Option<Namespace>,
    /// Children of a dynamic namespace, for broadcasting to all of them.
    children: RwLock<Vec<Weak<NsInner>>>,
    ack_ids: AtomicU64,
    args_error: crate::socket::ArgsErrorHook,
    /// The server's packet format, for the frames built here (broadcasts).
    parser: Parser,
    /// Connections between finding this namespace and adding their socket (or giving up):
    /// an empty child with one of them in flight is kept.
    joining: AtomicUsize,
    /// Set on a child of a dynamic namespace when `cleanup_empty_child_namespaces` is on:
    /// the server to remove it from once it is empty.
    cleanup: OnceLock<Weak<crate::server::ServerInner>>,
    /// The server's counters (broadcasts, adapter requests).
    counters: Arc<crate::metrics::Counters>,
    /// The server's observer slot (the Admin UI), checked once per hook.
    observer: crate::observer::ObserverSlot,
}

/// A connection on its way into a namespace, from the lookup to its socket's arrival; its
/// drop lets an empty child be cleaned up.
pub(crate) struct Joining {
    ns: Namespace,
    /// Whether the drop checks for an empty child (not for a lookup by `io.of`, which, as
    /// in the reference, keeps the child until a socket leaves it).
    check: bool,
}

impl Joining {
    /// Counted under the server's namespace lock, so that a removal sees it.
    pub(crate) fn new(ns: &Namespace) -> Joining {
        ns.0.joining.fetch_add(1, Ordering::AcqRel);
        Joining {
            ns: ns.clone(),
            check: true,
        }
    }

    /// Ends the claim without removing an empty child.
    pub(crate) fn release_keeping(mut self) {
        self.check = false;
    }
}

impl Drop for Joining {
    fn drop(&mut self) {
        self.ns.0.joining.fetch_sub(1, Ordering::AcqRel);
        if self.check {
            self.ns.cleanup_if_empty();
        }
    }
}

impl Namespace {
    /// A namespace; with a `cluster` factory, its requests also reach the other nodes.
    pub(crate) fn new(
        name: String,
        cluster: Option<&ClusterAdapterFactory>,
        parent: Option<Namespace>,
        parser: Parser,
        recovery: Option<&crate::ConnectionStateRecovery>,
        counters: Arc<crate::metrics::Counters>,
        observer: &crate::observer::ObserverSlot,
    ) -> Namespace {
        Namespace(Arc::new_cyclic(|weak| {
            let cluster = cluster.map(|factory| {
                let adapter = factory(NamespaceHandle::new(weak.clone(), &name));
                crate::adapter::Measured::wrap(adapter, counters.clone())
            });
            let in_memory = !cluster.as_ref().is_some_and(|c| c.recovers_sessions());
            NsInner {
                recovery: recovery
                    .map(|config| crate::recovery::Recovery::new(config.clone(), in_memory)),
                cluster,
                rooms: LocalRooms::default(),
                server_side: RwLock::new(Vec::new()),
                name,
                sockets: RwLock::new(IdMap::default()),
                handlers: RwLock::new(Vec::new()),
                middlewares: RwLock::new(Vec::new()),
                parent,
                children: RwLock::new(Vec::new()),
                ack_ids: AtomicU64::new(0),
                args_error: crate::socket::ArgsErrorHook::default(),
                parser,
                joining: AtomicUsize::new(0),
                cleanup: OnceLock::new(),
                counters,
                observer: observer.clone(),
            }
        }))
    }

    /// The server's observer, when something watches it.
    #[inline]
    pub(crate) fn observer(&self) -> Option<&Arc<dyn crate::observer::Observer>> {
        self.0.observer.get()
    }

    /// Connection state recovery, when the server has it on.
    pub(crate) fn recovery(&self) -> Option<&crate::recovery::Recovery> {
        self.0.recovery.as_ref()
    }

    /// The acknowledgements this namespace's sockets wait for now.
    pub(crate) fn pending_acks(&self) -> u64 {
        self.0
            .sockets
            .read()
            .map(|s| s.values().map(|s| s.pending_acks() as u64).sum())
            .unwrap_or(0)
    }

    /// Counts a broadcast sent from this node.
    pub(crate) fn count_broadcast(&self) {
        crate::metrics::Counters::add(&self.0.counters.broadcasts, 1);
    }

    /// The packet format of the server this namespace belongs to.
    pub(crate) fn parser(&self) -> Parser {
        self.0.parser
    }

    /// Makes this child of a dynamic namespace go away from `server` once empty.
    pub(crate) fn remove_when_empty(&self, server: Weak<crate::server::ServerInner>) {
        let _ = self.0.cleanup.set(server);
    }

    /// Whether no socket is in the namespace or on its way in.
    pub(crate) fn is_unused(&self) -> bool {
        self.socket_count() == 0 && self.0.joining.load(Ordering::Acquire) == 0
    }

    /// The dynamic namespace this one is a child of.
    pub(crate) fn parent(&self) -> Option<&Namespace> {
        self.0.parent.as_ref()
    }

    /// Removes this child from the server when it is set to go once empty and is so.
    fn cleanup_if_empty(&self) {
        if let Some(server) = self.0.cleanup.get().and_then(Weak::upgrade) {
            server.remove_if_unused(self);
        }
    }

    /// The namespace's name, such as `/` or `/chat`.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The cluster adapter that reaches the other nodes, if the server has one.
    pub(crate) fn cluster(&self) -> Option<&Arc<dyn ClusterAdapter>> {
        self.0.cluster.as_ref()
    }

    /// The rooms with at least one socket of this node (the reference's `adapter.rooms`).
    pub fn rooms(&self) -> HashSet<Room> {
        self.0.rooms.rooms()
    }

    /// Whether `room` has a socket on this node.
    pub fn has_room(&self, room: &str) -> bool {
        self.0.rooms.has_room(room)
    }

    /// Every room, on every node (the reference's `adapter.allRooms()`).
    pub async fn all_rooms(&self) -> Result<HashSet<Room>, AdapterError> {
        let mut rooms = self.rooms();
        if let Some(cluster) = self.cluster() {
            rooms.extend(cluster.all_rooms().await?);
        }
        Ok(rooms)
    }

    /// Adds a handler for each new socket (`io.on("connection", ...)`). Register the socket's
    /// event handlers in it; its events wait until it returns.
    pub fn on_connection<F, Fut>(&self, handler: F) -> &Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: ConnectionHandler =
            Arc::new(move |socket| Box::pin(handler(socket)) as BoxFut);
        if let Ok(mut handlers) = self.0.handlers.write() {
            handlers.push(handler);
        }
        self
    }

    /// Adds a middleware (`io.use`): it runs once per connection to the namespace, before the
    /// socket joins, and may refuse it with a [`ConnectError`] (message and data), which the
    /// client gets in `connect_error`.
    ///
    /// ```
    /// use serde_json::json;
    /// use sockeye::{ConnectError, SocketIo, Socket};
    ///
    /// let io = SocketIo::default();
    /// let admin = io.of("/admin");
    /// admin.middleware(|socket: Socket| async move {
    ///     let token = socket.handshake().auth.get("token").and_then(|t| t.as_str());
    ///     if token == Some("secret") {
    ///         Ok(())
    ///     } else {
    ///         Err(ConnectError::new("not authorized").with_data(&json!({ "content": "retry later" })))
    ///     }
    /// });
    /// admin.on_connection(|socket: Socket| async move {
    ///     let _ = socket.emit("welcome", "admin");
    /// });
    /// ```
    pub fn middleware<F, Fut>(&self, middleware: F) -> &Self
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        let middleware: Middleware =
            Arc::new(move |socket| Box::pin(middleware(socket)) as MiddlewareFut);
        if let Ok(mut list) = self.0.middlewares.write() {
            list.push(middleware);
        }
        self
    }

    pub(crate) fn connection_handlers(&self) -> Vec<ConnectionHandler> {
        let mut all = self
            .0
            .parent
            .as_ref()
            .map(|p| p.connection_handlers())
            .unwrap_or_default();
        all.extend(
            self.0
                .handlers
                .read()
                .map(|h| h.clone())
                .unwrap_or_default(),
        );
        all
    }

    pub(crate) fn middlewares(&self) -> Vec<Middleware> {
        let mut all = self
            .0
            .parent
            .as_ref()
            .map(|p| p.middlewares())
            .unwrap_or_default();
        all.extend(
            self.0
                .middlewares
                .read()
                .map(|h| h.clone())
                .unwrap_or_default(),
        );
        all
    }

    pub(crate) fn add_child(&self, child: &Namespace) {
        if let Ok(mut children) = self.0.children.write() {
            children.retain(|c| c.strong_count() > 0);
            children.push(Arc::downgrade(&child.0));
        }
    }

    pub(crate) fn remove_child(&self, child: &Namespace) {
        if let Ok(mut children) = self.0.children.write() {
            children.retain(|c| c.strong_count() > 0 && !std::ptr::eq(c.as_ptr(), &*child.0));
        }
    }

    pub(crate) fn next_ack_id(&self) -> u64 {
        self.0.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn add_socket(&self, socket: &Socket) {
        if let Ok(mut sockets) = self.0.sockets.write() {
            sockets.insert(socket.id_arc().clone(), socket.clone());
        }
    }

    pub(crate) fn remove_socket(&self, id: &str) {
        let empty = match self.0.sockets.write() {
            Ok(mut sockets) => {
                sockets.remove(id);
                sockets.is_empty()
            }
            Err(_) => false,
        };
        if empty {
            self.cleanup_if_empty();
        }
    }

    /// The local socket with this id.
    pub fn get_socket(&self, id: &str) -> Option<Socket> {
        self.0.sockets.read().ok()?.get(id).cloned()
    }

    /// This node's sockets of the namespace.
    pub fn sockets(&self) -> Vec<Socket> {
        self.0
            .sockets
            .read()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default()
    }

    /// How many sockets of this node are connected to the namespace.
    pub fn socket_count(&self) -> usize {
        self.0.sockets.read().map(|s| s.len()).unwrap_or(0)
    }

    // ----- broadcasting ----------------------------------------------------------------

    fn operator(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.clone())
    }

    /// Sends `event` to every socket of the namespace (and of its children, for a dynamic
    /// namespace).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.operator().emit(event, data)?;
        for child in self.children() {
            child.emit(event, data)?;
        }
        Ok(())
    }

    fn children(&self) -> Vec<Namespace> {
        self.0
            .children
            .read()
            .map(|c| c.iter().filter_map(Weak::upgrade).map(Namespace).collect())
            .unwrap_or_default()
    }

    /// Sends `event` to every socket and collects the acknowledgements.
    pub async fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<R>, BroadcastAckError>
    where
        T: Serialize + ?Sized,
        R: serde::de::DeserializeOwned + 'static,
    {
        self.operator().emit_with_ack(event, data).await
    }

    /// The sockets in `rooms`.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.operator().to(rooms)
    }

    /// Same as [`to`](Namespace::to) (the reference's `in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.operator().within(rooms)
    }

    /// Every socket but those in `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.operator().except(rooms)
    }

    /// Drops packets for sockets whose transport is not ready.
    pub fn volatile(&self) -> BroadcastOperator {
        self.operator().volatile()
    }

    /// This node's sockets only.
    pub fn local(&self) -> BroadcastOperator {
        self.operator().local()
    }

    /// The `compress` flag.
    pub fn compress(&self, compress: bool) -> BroadcastOperator {
        self.operator().compress(compress)
    }

    /// A time limit for acknowledgements.
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperator {
        self.operator().timeout(timeout)
    }

    /// Every socket, on every node.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.operator().fetch_sockets().await
    }

    /// The ids of every socket, on every node.
    pub async fn all_sockets(&self) -> Result<HashSet<String>, AdapterError> {
        self.operator().all_sockets().await
    }

    /// Makes every socket join `rooms`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.operator().sockets_join(rooms).await
    }

    /// Makes every socket leave `rooms`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.operator().sockets_leave(rooms).await
    }

    /// Disconnects every socket; with `close`, their whole connections.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.operator().disconnect_sockets(close).await
    }

    /// Sends an event to the other nodes of the cluster (the reference's `serverSideEmit`),
    /// where the namespace's [`on_server_side`](Namespace::on_server_side) listeners get it.
    /// A single node has no peers: nothing is sent.
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), EmitError> {
        let args = server_side_args(event, data)?;
        if let Some(cluster) = self.cluster() {
            cluster.server_side_emit(args, false).await?;
        }
        Ok(())
    }

    /// Sends an event to the other nodes and collects one answer per node, each read as `R`
    /// (the reference's `serverSideEmitWithAck`). A single node has no peers: no answer.
    /// A node that does not answer in time fails the whole request with
    /// [`AdapterError::Timeout`].
    pub async fn server_side_emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<R>, BroadcastAckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let args = server_side_args(event, data)?;
        let Some(cluster) = self.cluster() else {
            return Ok(Vec::new());
        };
        cluster
            .server_side_emit(args, true)
            .await?
            .into_iter()
            .map(|v| {
                socketio_proto::from_value(v).map_err(|e| BroadcastAckError::Decode(e.to_string()))
            })
            .collect()
    }

    /// Adds a listener for `event` sent by another node with `server_side_emit` (the
    /// reference's `io.on(event)` for server-side events). Its arguments are read as `T` (a
    /// tuple for several); `ack` answers the sender when it asked for an answer.
    ///
    /// ```
    /// use sockeye::{ServerSideAck, SocketIo};
    ///
    /// let io = SocketIo::default();
    /// io.on_server_side("ping", |count: u32, ack: ServerSideAck| async move {
    ///     ack.send(&(count + 1));
    /// });
    /// ```
    pub fn on_server_side<F, T, Fut>(
        &self,
        event: impl Into<Cow<'static, str>>,
        listener: F,
    ) -> &Self
    where
        F: Fn(T, ServerSideAck) -> Fut + Send + Sync + 'static,
        T: DeserializeOwned + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let event = event.into();
        let listener = server_side::erase(&event, listener);
        if let Ok(mut listeners) = self.0.server_side.write() {
            listeners.push((event, listener));
        }
        self
    }

    /// Runs the listeners of an event from another node.
    pub(crate) fn run_server_side(&self, mut args: Vec<Value>, ack: ServerSideAck) {
        let name = match args.first() {
            Some(Value::String(name)) => name.clone(),
            _ => return,
        };
        args.remove(0);
        let listeners: Vec<_> = self
            .0
            .server_side
            .read()
            .map(|l| {
                l.iter()
                    .filter(|(event, _)| *event == name)
                    .map(|(_, f)| f.clone())
                    .collect()
            })
            .unwrap_or_default();
        if listeners.is_empty() {
            tracing::debug!(nsp = %self.0.name, event = %name, "no server-side listener");
        }
        for listener in listeners {
            if let Some(fut) = listener(args.clone(), ack.clone()) {
                tokio::spawn(fut);
            }
        }
    }

    /// How many nodes the cluster has (1 without a cluster adapter).
    pub async fn server_count(&self) -> Result<usize, AdapterError> {
        match self.cluster() {
            Some(cluster) => cluster.server_count().await,
            None => Ok(1),
        }
    }

    /// Sets the hook called when an event's arguments do not fit a handler of a socket of
    /// this namespace (and of the children of a dynamic one), unless the socket has its own
    /// ([`Socket::on_args_error`]). It gets the error (event name, argument index, serde's
    /// message) and the [`Ack`](crate::Ack) the handler would have had, and may answer it.
    /// Replaces the previous hook. See [`EventHandler`](crate::EventHandler) for what happens
    /// without one.
    ///
    /// ```
    /// use sockeye::{Ack, ArgsError, Socket, SocketIo};
    ///
    /// let io = SocketIo::default();
    /// io.of("/").on_args_error(|socket: &Socket, err: &ArgsError, ack: Ack| {
    ///     tracing::warn!(sid = socket.id(), %err, "bad payload");
    ///     ack.send(&serde_json::json!({ "error": err.message }));
    /// });
    /// ```
    pub fn on_args_error<F>(&self, handler: F) -> &Self
    where
        F: Fn(&Socket, &crate::ArgsError, crate::Ack) + Send + Sync + 'static,
    {
        self.0.args_error.set(Arc::new(handler));
        self
    }

    /// This namespace's `on_args_error` hook and the names it logged.
    pub(crate) fn args_error_hook(&self) -> &crate::socket::ArgsErrorHook {
        &self.0.args_error
    }

    /// The hook for this namespace's sockets: its own, else its parent's.
    pub(crate) fn args_error_handler(&self) -> Option<crate::socket::ArgsErrorHandler> {
        self.0
            .args_error
            .get()
            .or_else(|| self.0.parent.as_ref()?.args_error_handler())
    }
}

/// The event name first, then the arguments: a server-side event as it crosses nodes.
fn server_side_args<T: Serialize + ?Sized>(event: &str, data: &T) -> Result<Vec<Value>, EmitError> {
    crate::packet::check_event_name(event)?;
    let mut args = vec![Value::String(event.to_owned())];
    args.extend(crate::args::to_args(data)?);
    Ok(args)
}

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.0.name)
            .finish()
    }
}
