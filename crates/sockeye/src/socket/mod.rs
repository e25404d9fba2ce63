//! The server-side socket: one client's membership of one namespace.

mod ack;
mod any;
mod args_error;
mod emitter;
mod handler;
mod handshake;
mod listeners;
mod reason;
mod recovery;
mod remote;
mod task;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::{Packet, PacketData, Value};
use tokio::sync::mpsc;

pub use ack::Ack;
pub use emitter::SocketEmitter;
pub use handler::{Event, EventHandler, shapes};
pub use handshake::Handshake;
pub use reason::DisconnectReason;
pub use remote::RemoteSocket;

pub(crate) use ack::AckWaiter;
pub(crate) use args_error::{ArgsErrorHandler, ArgsErrorHook};
pub(crate) use handler::{
    AnyListener, BoxFut, ConnectionHandler, DisconnectHandler, ErrorHandler, Middleware,
    MiddlewareFut, PacketMiddleware, PacketMiddlewareFut,
};
pub(crate) use listeners::Listeners;
pub(crate) use task::{SocketEvent, run as run_task};

use crate::adapter::Room;
use crate::connection::Connection;
use crate::engine::Frame;
use crate::error::{AckError, ConnectError, EmitError};
use crate::namespace::Namespace;
use crate::operators::{BroadcastOperator, IntoRooms};
use crate::packet::event_parts;
use crate::queue::Queue;

/// A client's socket in one namespace: a cheap handle, clone it freely.
///
/// The API follows the reference's `Socket`: [`on`](Socket::on) for events, [`emit`](Socket::emit),
/// [`join`](Socket::join) and [`leave`](Socket::leave) for rooms, [`to`](Socket::to) and
/// [`broadcast`](Socket::broadcast) for everyone else, [`disconnect`](Socket::disconnect).
#[derive(Clone)]
pub struct Socket(pub(crate) Arc<SocketInner>);

pub(crate) struct SocketInner {
    /// Shared with the namespace's and the adapter's indexes, which key by it.
    id: Arc<str>,
    ns: Namespace,
    conn: Arc<Connection>,
    /// Connection state recovery: the private id, and the replay of a restored socket.
    recovery: recovery::SocketRecovery,
    /// `socket.handshake`, built on first use from the session's request (most applications
    /// never read it, and every socket would otherwise hold a copy of the headers).
    handshake: OnceLock<Box<Handshake>>,
    auth: Value,
    created: SystemTime,
    listeners: Mutex<Listeners>,
    has_outgoing: AtomicBool,
    acks: Mutex<HashMap<u64, AckWaiter>>,
    data: Mutex<Value>,
    connected: AtomicBool,
    close_reason: Mutex<Option<DisconnectReason>>,
    events: Queue<SocketEvent>,
}

impl Socket {
    /// A socket for a CONNECT: a fresh one, or, with `restored`, the one a recovering client
    /// left behind (its id, private id and data; it joins its rooms later).
    pub(crate) fn new(
        ns: Namespace,
        conn: Arc<Connection>,
        auth: Value,
        queue_capacity: usize,
        restored: Option<&crate::adapter::SessionState>,
    ) -> Socket {
        let (id, recovery, data) = match restored {
            Some(state) => (
                state.sid.as_str().into(),
                recovery::SocketRecovery::restored(state),
                state.data.clone(),
            ),
            None => (
                Self::fresh_id(&ns, &conn),
                recovery::SocketRecovery::fresh(ns.recovery().is_some()),
                Value::Null,
            ),
        };
        Socket(Arc::new(SocketInner {
            id,
            ns,
            conn,
            recovery,
            handshake: OnceLock::new(),
            auth,
            created: SystemTime::now(),
            listeners: Mutex::new(Listeners::default()),
            has_outgoing: AtomicBool::new(false),
            acks: Mutex::new(HashMap::new()),
            data: Mutex::new(data),
            connected: AtomicBool::new(false),
            close_reason: Mutex::new(None),
            events: Queue::new(queue_capacity),
        }))
    }

    fn fresh_id(ns: &Namespace, conn: &Connection) -> Arc<str> {
        // A Socket.IO v4 client (Engine.IO 3) expects the engine id as its socket id, behind
        // the namespace outside the main one; v5 ids are random, the engine id being secret.
        if conn.session().protocol() == crate::engine::Protocol::V3 {
            let nsp = ns.name();
            if nsp == "/" {
                conn.session().id().into()
            } else {
                format!("{nsp}#{}", conn.session().id()).into()
            }
        } else {
            crate::id::generate().into()
        }
    }

    /// The socket's id (not the Engine.IO session id). It is also the name of a room only this
    /// socket is in, so `io.to(id)` reaches it.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The id as the indexes share it.
    pub(crate) fn id_arc(&self) -> &Arc<str> {
        &self.0.id
    }

    /// The namespace the socket belongs to.
    pub fn namespace(&self) -> &Namespace {
        &self.0.ns
    }

    /// The connection the socket uses.
    pub(crate) fn conn(&self) -> &Arc<Connection> {
        &self.0.conn
    }

    /// Whether this socket took over the state of one whose client lost its connection for
    /// a moment (connection state recovery): same id, rooms and `data`, and the packets
    /// sent meanwhile were replayed before the connection handlers ran. The reference's
    /// `socket.recovered`.
    pub fn recovered(&self) -> bool {
        self.0.recovery.recovered()
    }

    /// The private id the client proves a session is its own with (recovery on only).
    pub(crate) fn pid(&self) -> Option<&str> {
        self.0.recovery.pid.as_deref()
    }

    /// Hands an incoming event to the socket's handlers; gives it back while their queue is
    /// full (the connection then waits for [`event_room`](Self::event_room)). A closed
    /// socket drops it.
    pub(crate) fn try_push_event(&self, event: SocketEvent) -> Option<SocketEvent> {
        self.0.events.try_push(event).unwrap_or(None)
    }

    /// Waits until the socket's event queue has room, or is closed.
    pub(crate) async fn event_room(&self) {
        let _ = self.0.events.reserve().await;
    }

    /// The handshake details: headers, query, auth, address, time.
    pub fn handshake(&self) -> &Handshake {
        let inner = &*self.0;
        inner.handshake.get_or_init(|| {
            Box::new(Handshake::new(
                inner.conn.session().request(),
                inner.auth.clone(),
                inner.created,
            ))
        })
    }

    /// Whether the socket is connected to its namespace.
    pub fn connected(&self) -> bool {
        self.0.connected.load(Ordering::Acquire)
    }

    /// The Engine.IO session id of the connection the socket uses (`socket.conn.id`).
    pub fn transport_id(&self) -> &str {
        self.0.conn.session().id()
    }

    /// The current transport: `"polling"` or `"websocket"`.
    pub fn transport(&self) -> &'static str {
        self.0.conn.session().transport().as_str()
    }

    // ----- per-socket data -------------------------------------------------------------

    /// Reads the socket's `data` as `T` (`None` when unset or of another shape). The data is
    /// kept as a serde value so that a cluster can ship it with `fetch_sockets`.
    pub fn data<T: DeserializeOwned>(&self) -> Option<T> {
        let value = self.0.data.lock().ok()?.clone();
        if value == Value::Null {
            return None;
        }
        socketio_proto::from_value(value).ok()
    }

    /// Replaces the socket's `data`.
    pub fn set_data<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), EmitError> {
        let value = socketio_proto::to_value(data)?;
        if let Ok(mut slot) = self.0.data.lock() {
            *slot = value;
        }
        if let Some(observer) = self.0.ns.observer() {
            observer.data_changed(self);
        }
        self.0.ns.keep_connected(self);
        Ok(())
    }

    /// The socket's `data` as a dynamic value.
    pub fn data_value(&self) -> Value {
        self.0.data.lock().map(|v| v.clone()).unwrap_or(Value::Null)
    }

    // ----- listeners -------------------------------------------------------------------

    /// Adds a handler for `event`; several handlers of one event run in the order added.
    /// Returns an id for [`Socket::remove_listener`].
    /// The name is kept without a copy when it is a `&'static str`.
    pub fn on<H: EventHandler<M>, M>(
        &self,
        event: impl Into<Cow<'static, str>>,
        handler: H,
    ) -> u64 {
        self.listeners()
            .add(event.into(), handler::erase(handler), false)
    }

    /// Adds a handler that runs for the next `event` only.
    pub fn once<H: EventHandler<M>, M>(
        &self,
        event: impl Into<Cow<'static, str>>,
        handler: H,
    ) -> u64 {
        self.listeners()
            .add(event.into(), handler::erase(handler), true)
    }

    /// Removes every handler of `event`.
    pub fn off(&self, event: &str) {
        self.listeners().remove_event(event);
    }

    /// Removes the handler with this id (as returned by `on`, `once`, `on_any`...).
    pub fn remove_listener(&self, id: u64) {
        self.listeners().remove(id);
    }

    /// The number of handlers of `event`.
    pub fn listener_count(&self, event: &str) -> usize {
        self.listeners().count(event)
    }

    /// Adds a listener called with every incoming event's name and arguments, before the
    /// event's own handlers (the reference's `onAny`).
    pub fn on_any<F>(&self, listener: F) -> u64
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        let mut l = self.listeners();
        let id = l.next_id();
        l.any.push((id, Arc::new(listener) as AnyListener));
        id
    }

    /// Adds a listener called with every outgoing event's name and arguments, broadcasts
    /// included (the reference's `onAnyOutgoing`).
    pub fn on_any_outgoing<F>(&self, listener: F) -> u64
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        let mut l = self.listeners();
        let id = l.next_id();
        l.any_outgoing.push((id, Arc::new(listener) as AnyListener));
        self.0.has_outgoing.store(true, Ordering::Release);
        id
    }

    /// Adds a per-packet middleware (the reference's `socket.use`): it sees each incoming
    /// event before the handlers and may change it, or refuse it with an error that goes to
    /// the [`on_error`](Socket::on_error) handlers instead.
    pub fn middleware<F, Fut>(&self, middleware: F)
    where
        F: Fn(Socket, Event) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Event, ConnectError>> + Send + 'static,
    {
        let f: PacketMiddleware =
            Arc::new(move |s, e| Box::pin(middleware(s, e)) as PacketMiddlewareFut);
        self.listeners().middlewares.push(f);
    }

    /// Adds a handler for packets refused by a per-packet middleware (the `error` event).
    pub fn on_error<F>(&self, handler: F)
    where
        F: Fn(&Socket, &ConnectError) + Send + Sync + 'static,
    {
        self.listeners()
            .error
            .push(Arc::new(handler) as ErrorHandler);
    }

    /// Sets the hook called when an event's arguments do not fit one of this socket's
    /// handlers; it takes precedence over the namespace's
    /// ([`Namespace::on_args_error`](crate::Namespace::on_args_error)). It gets the error
    /// (event name, argument index, serde's message) and the [`Ack`] the handler would have
    /// had, and may answer it. Replaces the previous hook. See [`EventHandler`] for what
    /// happens without one.
    ///
    /// ```
    /// use sockeye::{Ack, ArgsError, Socket, SocketIo};
    ///
    /// let io = SocketIo::default();
    /// io.on_connection(|socket: Socket| async move {
    ///     socket.on_args_error(|socket: &Socket, err: &ArgsError, ack: Ack| {
    ///         // Tell the client, as its listener would have seen the data anyway.
    ///         let _ = socket.emit("bad_request", &(err.event.as_str(), err.index));
    ///         ack.send(&serde_json::json!({ "error": err.message }));
    ///     });
    ///     socket.on("rename", |_: Socket, name: String| async move { /* .. */ });
    /// });
    /// ```
    pub fn on_args_error<F>(&self, handler: F)
    where
        F: Fn(&Socket, &crate::ArgsError, Ack) + Send + Sync + 'static,
    {
        self.listeners().args_error = Some(Arc::new(handler) as ArgsErrorHandler);
    }

    /// Adds a `disconnecting` handler: it runs while the socket is still in its rooms.
    pub fn on_disconnecting<F, Fut>(&self, handler: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let f: DisconnectHandler = Arc::new(move |s, r| Box::pin(handler(s, r)) as BoxFut);
        self.listeners().disconnecting.push(f);
    }

    /// Adds a `disconnect` handler: it runs once the socket has left its rooms.
    pub fn on_disconnect<F, Fut>(&self, handler: F)
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let f: DisconnectHandler = Arc::new(move |s, r| Box::pin(handler(s, r)) as BoxFut);
        self.listeners().disconnect.push(f);
    }

    fn listeners(&self) -> std::sync::MutexGuard<'_, Listeners> {
        self.0
            .listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    // ----- emitting --------------------------------------------------------------------

    /// Sends `event` to this client. `data` is any serde value (`bytes::Bytes` inside it is
    /// sent as binary); a tuple sends several arguments, `()` none, anything else (`null`
    /// included) one.
    ///
    /// # Why a `Result`
    /// The reference's `emit` returns nothing and drops what it cannot send; this one says
    /// why, because a caller can act on it: [`EmitError::Disconnected`] tells a task that
    /// streams to a client to stop, and [`EmitError::Serialize`] or
    /// [`EmitError::Reserved`] is a bug at this call site that would otherwise vanish.
    /// `let _ = socket.emit(..)` is the fire-and-forget of JavaScript. (The broadcast
    /// operators' `emit` returns a `Result` for the same reasons;
    /// [`Ack::send`] does not, as an answer has no retry.)
    ///
    /// ```
    /// use bytes::Bytes;
    /// use serde::Serialize;
    /// use sockeye::{SocketIo, Socket};
    ///
    /// #[derive(Serialize)]
    /// struct Upload { name: String, body: Bytes }
    ///
    /// let io = SocketIo::default();
    /// io.on_connection(|socket: Socket| async move {
    ///     let _ = socket.emit("hello", "world");                     // socket.emit("hello", "world")
    ///     let _ = socket.emit("pair", &(1, "two"));                  // two arguments
    ///     let _ = socket.emit("file", &Upload { name: "a".into(), body: Bytes::from_static(b"\x00\x01") });
    ///     // A producer stops when the client is gone.
    ///     tokio::spawn(async move {
    ///         let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    ///         loop {
    ///             tick.tick().await;
    ///             if socket.emit("tick", &()).is_err() {
    ///                 break;
    ///             }
    ///         }
    ///     });
    /// });
    /// ```
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emitter().emit(event, data)
    }

    /// Sends `event` and waits for the client's acknowledgement, without a time limit (it
    /// fails when the socket disconnects). See [`Socket::timeout`]. Awaited in a handler, it
    /// holds back the socket's later events until the answer comes;
    /// [`emit_with_callback`](Socket::emit_with_callback) does not.
    pub fn emit_with_ack<T, R>(
        &self,
        event: &str,
        data: &T,
    ) -> impl std::future::Future<Output = Result<R, AckError>> + Send + 'static + use<T, R>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        self.emitter().emit_with_ack(event, data)
    }

    /// Sends `event` and calls `callback` with the client's answer when it comes, without
    /// holding back the socket's later events (the reference's callback form). See
    /// [`SocketEmitter::emit_with_callback`] for which form to use when.
    pub fn emit_with_callback<T, R, F>(&self, event: &str, data: &T, callback: F)
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
        F: FnOnce(Result<R, AckError>) + Send + 'static,
    {
        self.emitter().emit_with_callback(event, data, callback);
    }

    /// The emitter with a time limit for acknowledgements.
    pub fn timeout(&self, timeout: std::time::Duration) -> SocketEmitter {
        self.emitter().timeout(timeout)
    }

    /// The emitter whose packets are dropped when the transport is not ready to write.
    pub fn volatile(&self) -> SocketEmitter {
        self.emitter().volatile()
    }

    /// The emitter with the `compress` flag set.
    pub fn compress(&self, compress: bool) -> SocketEmitter {
        self.emitter().compress(compress)
    }

    fn emitter(&self) -> SocketEmitter {
        SocketEmitter::new(self.clone())
    }

    /// Every other socket of the namespace (the reference's `socket.broadcast`).
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.0.ns.clone()).except(self.0.id.to_string())
    }

    /// The sockets in `rooms`, except this one (`socket.to(room)`).
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// Same as [`Socket::to`] (the reference's `socket.in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.to(rooms)
    }

    /// Every other socket of the namespace but those in `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// This node's sockets only (`socket.local`), except this one.
    pub fn local(&self) -> BroadcastOperator {
        self.broadcast().local()
    }

    // ----- rooms -----------------------------------------------------------------------

    /// Joins one or several rooms.
    pub fn join(&self, rooms: impl IntoRooms) {
        self.0.ns.join(self, &rooms.into_rooms());
    }

    /// Leaves one or several rooms.
    pub fn leave(&self, rooms: impl IntoRooms) {
        for room in rooms.into_rooms() {
            self.0.ns.leave(&self.0.id, &room);
        }
    }

    /// The rooms the socket is in, its own id's room included.
    pub fn rooms(&self) -> HashSet<Room> {
        self.0.ns.socket_rooms(&self.0.id)
    }

    // ----- disconnecting ---------------------------------------------------------------

    /// Disconnects the socket from its namespace (reason `server namespace disconnect`), or,
    /// with `close`, closes the whole connection and every namespace on it.
    pub fn disconnect(&self, close: bool) {
        if !self.connected() {
            return;
        }
        if close {
            self.0.conn.disconnect_all();
        } else {
            self.send_disconnect_packet();
            self.close_with(DisconnectReason::ServerNamespaceDisconnect);
        }
    }

    pub(crate) fn send_disconnect_packet(&self) {
        let packet = Packet {
            nsp: self.0.ns.name().to_owned(),
            data: PacketData::Disconnect,
        };
        let _ = self
            .0
            .conn
            .send(&crate::packet::frames(self.0.ns.parser(), &packet), false);
    }

    /// Marks the socket closed and ends its event queue: its work then runs the `disconnecting` handlers,
    /// leaves the rooms, and runs the `disconnect` handlers. Idempotent.
    pub(crate) fn close_with(&self, reason: DisconnectReason) {
        if !self.0.connected.swap(false, Ordering::AcqRel) {
            return;
        }
        self.0.conn.forget_socket(self.0.ns.name(), &self.0.id);
        if let Ok(mut slot) = self.0.close_reason.lock() {
            *slot = Some(reason);
        }
        self.0.events.close();
    }

    pub(crate) fn set_connected(&self) {
        self.0.connected.store(true, Ordering::Release);
        self.0.ns.keep_connected(self);
    }

    /// Ends a restored socket's replay: sends the `missed` packets, then `answer` (the
    /// CONNECT answer), marks the socket connected, and lets the packets held meanwhile go
    /// but those the replay carried.
    pub(crate) fn finish_restore(&self, missed: Vec<Vec<Value>>, answer: &Packet) {
        let parser = self.0.ns.parser();
        let nsp = self.0.ns.name().to_owned();
        let conn = &self.0.conn;
        self.0.recovery.release(
            || {
                let last = missed
                    .last()
                    .and_then(|args| args.last())
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                for args in missed {
                    let packet = Packet {
                        nsp: nsp.clone(),
                        data: PacketData::Event { args, id: None },
                    };
                    let _ = conn.send(&crate::packet::frames(parser, &packet), false);
                }
                let _ = conn.send(&crate::packet::frames(parser, answer), false);
                self.set_connected();
                last
            },
            |frames, volatile| conn.send(frames, volatile),
        );
    }

    /// The state this socket leaves behind for its client to recover, when recovery is on
    /// and `reason` is one the client may come back from.
    pub(crate) fn session_state(
        &self,
        reason: DisconnectReason,
    ) -> Option<crate::adapter::SessionState> {
        if !reason.is_recoverable() {
            return None;
        }
        self.state_now()
    }

    /// The state of this connected socket, for a cluster that keeps it while it is connected
    /// (`None` without a private id, or once it is leaving).
    pub(crate) fn live_session_state(&self) -> Option<crate::adapter::SessionState> {
        if !self.connected() {
            return None;
        }
        self.state_now()
    }

    /// Its id, private id, rooms and data as they are now (`None` without a private id).
    fn state_now(&self) -> Option<crate::adapter::SessionState> {
        Some(crate::adapter::SessionState {
            sid: self.0.id.to_string(),
            pid: self.pid()?.to_owned(),
            rooms: self.rooms().into_iter().collect(),
            data: self.data_value(),
        })
    }

    // ----- sending ---------------------------------------------------------------------

    /// Sends a packet built for this socket alone.
    pub(crate) fn send_packet(&self, packet: &Packet, volatile: bool) -> Result<(), EmitError> {
        self.deliver(
            packet,
            &crate::packet::frames(self.0.ns.parser(), packet),
            volatile,
        )
    }

    /// Sends an EVENT from its parts, without building a [`Packet`] (the emit path);
    /// `compress` false keeps it uncompressed on a websocket.
    pub(crate) fn send_event(
        &self,
        event: &str,
        args: &[Value],
        id: Option<u64>,
        (volatile, compress): (bool, bool),
    ) -> Result<(), EmitError> {
        let ns = self.namespace();
        if id.is_none() && !volatile {
            if let Some(recovery) = ns.recovery() {
                return self.send_recoverable(recovery, event, args, compress);
            }
        }
        let frames = crate::packet::compressed_if(
            crate::packet::event_frames(ns.parser(), ns.name(), event, args, id),
            compress,
        );
        self.deliver_parts(Some((event, args)), &frames, volatile, None)
    }

    /// Sends a recoverable EVENT: logged, as a broadcast to this socket's own room is, and
    /// sent with its offset (the reference's `emit` with recovery on).
    fn send_recoverable(
        &self,
        recovery: &crate::recovery::Recovery,
        event: &str,
        args: &[Value],
        compress: bool,
    ) -> Result<(), EmitError> {
        if !self.connected() {
            return Err(EmitError::Disconnected);
        }
        let ns = self.namespace();
        let opts = crate::adapter::BroadcastOptions {
            rooms: std::iter::once(self.0.id.to_string()).collect(),
            flags: crate::adapter::BroadcastFlags {
                compress: Some(compress),
                ..Default::default()
            },
            ..Default::default()
        };
        let mut full = Vec::with_capacity(args.len() + 2);
        full.push(Value::String(event.to_owned()));
        full.extend_from_slice(args);
        if recovery.in_memory() {
            let offset = recovery.record(&full, &opts);
            full.extend(offset.clone().map(Value::String));
            let frames = crate::packet::compressed_if(
                crate::packet::event_frames(ns.parser(), ns.name(), event, &full[1..], None),
                compress,
            );
            return self.deliver_parts(
                Some((event, &full[1..])),
                &frames,
                false,
                offset.as_deref(),
            );
        }
        // The cluster keeps the log: the packet reaches this socket once it has its offset.
        let packet = Packet {
            nsp: ns.name().to_owned(),
            data: PacketData::Event {
                args: full,
                id: None,
            },
        };
        ns.broadcast_recoverable(packet, opts);
        Ok(())
    }

    /// Sends already encoded frames of `packet` (shared by a broadcast's recipients).
    pub(crate) fn deliver(
        &self,
        packet: &Packet,
        frames: &[Frame],
        volatile: bool,
    ) -> Result<(), EmitError> {
        self.deliver_parts(event_parts(packet), frames, volatile, None)
    }

    /// [`deliver`](Self::deliver) of a recoverable packet with its `offset`.
    pub(crate) fn deliver_logged(
        &self,
        packet: &Packet,
        frames: &[Frame],
        volatile: bool,
        offset: Option<&str>,
    ) -> Result<(), EmitError> {
        self.deliver_parts(event_parts(packet), frames, volatile, offset)
    }

    /// Sends frames; `event` (the name and arguments of an EVENT) goes to the outgoing
    /// listeners.
    fn deliver_parts(
        &self,
        event: Option<(&str, &[Value])>,
        frames: &[Frame],
        volatile: bool,
        offset: Option<&str>,
    ) -> Result<(), EmitError> {
        let Some(frames) = self.0.recovery.hold(frames, offset, volatile) else {
            // A restored socket replaying what it missed: this goes after the replay.
            return Ok(());
        };
        if !self.connected() {
            return Err(EmitError::Disconnected);
        }
        if let (Some(observer), Some((event, args))) = (self.0.ns.observer(), event) {
            observer.event_sent(self, event, args);
        }
        if self.0.has_outgoing.load(Ordering::Acquire) {
            if let Some((event, args)) = event {
                let listeners: Vec<AnyListener> = self
                    .listeners()
                    .any_outgoing
                    .iter()
                    .map(|(_, l)| l.clone())
                    .collect();
                for listener in listeners {
                    listener(self, event, args);
                }
            }
        }
        self.0.conn.send(frames, volatile)
    }

    // ----- acknowledgements ------------------------------------------------------------

    pub(crate) fn expect_ack(&self, id: u64, waiter: AckWaiter) {
        if let Ok(mut acks) = self.0.acks.lock() {
            acks.insert(id, waiter);
        }
    }

    pub(crate) fn expect_broadcast_ack(
        &self,
        id: u64,
        tx: mpsc::UnboundedSender<crate::adapter::AckResponse>,
    ) {
        self.expect_ack(id, AckWaiter::Broadcast(tx));
    }

    pub(crate) fn forget_ack(&self, id: u64) {
        if let Ok(mut acks) = self.0.acks.lock() {
            acks.remove(&id);
        }
    }

    /// Counts an acknowledgement this socket did not give in time.
    pub(crate) fn count_ack_timed_out(&self) {
        crate::metrics::Counters::add(&self.0.conn.counters.acks_timed_out, 1);
    }

    /// The number of acknowledgements this socket still owes.
    pub fn pending_acks(&self) -> usize {
        self.0.acks.lock().map(|a| a.len()).unwrap_or(0)
    }

    /// An ACK packet arrived: hand it to whoever waits. An unknown id is ignored, as in the
    /// reference.
    pub(crate) fn on_ack(&self, id: u64, args: Vec<Value>) {
        let waiter = self.0.acks.lock().ok().and_then(|mut a| a.remove(&id));
        match waiter {
            Some(AckWaiter::Single(tx)) => {
                let _ = tx.send(args);
            }
            Some(AckWaiter::Broadcast(tx)) => {
                let _ = tx.send((self.0.id.to_string(), args));
            }
            None => tracing::debug!(sid = %self.0.id, id, "ack for an unknown id ignored"),
        }
    }

    pub(crate) fn drop_acks(&self) {
        if let Ok(mut acks) = self.0.acks.lock() {
            acks.clear();
        }
    }
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.0.id)
            .field("nsp", &self.0.ns.name())
            .field("connected", &self.connected())
            .finish()
    }
}

impl PartialEq for Socket {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
