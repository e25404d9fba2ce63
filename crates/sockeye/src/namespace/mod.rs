//! Namespaces: `/`, `/chat`, and children of dynamic namespaces.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use serde::Serialize;
use socketio_proto::Value;

use crate::adapter::{Adapter, AdapterContext, AdapterFactory, LocalSockets};
use crate::error::{AdapterError, BroadcastAckError, ConnectError, EmitError};
use crate::id::IdMap;
use crate::operators::{BroadcastOperator, IntoRooms};
use crate::socket::{BoxFut, ConnectionHandler, Middleware, MiddlewareFut, RemoteSocket, Socket};

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
    adapter: Arc<dyn Adapter>,
    handlers: RwLock<Vec<ConnectionHandler>>,
    middlewares: RwLock<Vec<Middleware>>,
    /// The dynamic namespace this one was created from, whose handlers it shares.
    parent: Option<Namespace>,
    /// Children of a dynamic namespace, for broadcasting to all of them.
    children: RwLock<Vec<Weak<NsInner>>>,
    ack_ids: AtomicU64,
    args_error: crate::socket::ArgsErrorHook,
}

impl Namespace {
    pub(crate) fn new(
        name: String,
        factory: &AdapterFactory,
        parent: Option<Namespace>,
    ) -> Namespace {
        Namespace(Arc::new_cyclic(|weak| NsInner {
            adapter: factory(AdapterContext {
                namespace: name.clone(),
                local: LocalSockets(weak.clone()),
            }),
            name,
            sockets: RwLock::new(IdMap::default()),
            handlers: RwLock::new(Vec::new()),
            middlewares: RwLock::new(Vec::new()),
            parent,
            children: RwLock::new(Vec::new()),
            ack_ids: AtomicU64::new(0),
            args_error: crate::socket::ArgsErrorHook::default(),
        }))
    }

    /// The namespace's name, such as `/` or `/chat`.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The namespace's adapter.
    pub fn adapter(&self) -> &Arc<dyn Adapter> {
        &self.0.adapter
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

    pub(crate) fn next_ack_id(&self) -> u64 {
        self.0.ack_ids.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn add_socket(&self, socket: &Socket) {
        if let Ok(mut sockets) = self.0.sockets.write() {
            sockets.insert(socket.0.id.clone(), socket.clone());
        }
    }

    pub(crate) fn remove_socket(&self, id: &str) {
        if let Ok(mut sockets) = self.0.sockets.write() {
            sockets.remove(id);
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

    /// Sends an event to the other nodes of the cluster (the reference's `serverSideEmit`);
    /// resolves to their acknowledgements. A single node has no peers.
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<Vec<Value>, BroadcastAckError> {
        crate::packet::check_event_name(event)?;
        let mut args = vec![Value::String(event.to_owned())];
        args.extend(crate::args::to_args(data)?);
        Ok(self.0.adapter.server_side_emit(args).await?)
    }

    /// How many nodes the cluster has.
    pub async fn server_count(&self) -> usize {
        self.0.adapter.server_count().await
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

impl std::fmt::Debug for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.0.name)
            .finish()
    }
}
