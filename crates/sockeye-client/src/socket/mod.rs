//! A socket: one namespace on a manager's connection.

mod emit;
pub(crate) mod handler;
pub(crate) mod listeners;
mod offline;
pub(crate) mod recovery;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use socketio_proto::Value;
use tokio::sync::{mpsc, oneshot};

pub use emit::Emitter;
use handler::{EventHandler, erase};
use listeners::{Listener, Listeners, SocketEvent};
pub(crate) use offline::{OfflineBytes, encoded_len};
use recovery::Recovery;

use crate::error::{ConnectError, DisconnectReason, EmitError};
use crate::manager::{Command, Manager};
use crate::options::Options;

/// The state a socket shares between its handles, its dispatch task and the driver.
pub(crate) struct SocketShared {
    pub(crate) nsp: String,
    pub(crate) options: Arc<Options>,
    pub(crate) state: Mutex<SocketState>,
    listeners: Mutex<Listeners>,
    acks: Mutex<Acks>,
    pub(crate) events: mpsc::UnboundedSender<SocketEvent>,
    /// With `retries`, emits go one at a time, in order.
    pub(crate) queue: tokio::sync::Mutex<()>,
    /// The bytes of emits kept while the namespace is not joined.
    pub(crate) offline: OfflineBytes,
}

/// Whether the namespace is joined, as the driver last set it.
#[derive(Debug, Default)]
pub(crate) struct SocketState {
    pub(crate) id: Option<String>,
    pub(crate) connected: bool,
    pub(crate) recovery: Recovery,
}

/// Acknowledgements this socket awaits, by ack id.
#[derive(Default)]
struct Acks {
    next_id: u64,
    waiting: HashMap<u64, oneshot::Sender<Vec<Value>>>,
}

impl SocketShared {
    pub(crate) fn new(
        nsp: String,
        options: Arc<Options>,
    ) -> (Arc<SocketShared>, mpsc::UnboundedReceiver<SocketEvent>) {
        let (events, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(SocketShared {
            nsp,
            options,
            state: Mutex::new(SocketState::default()),
            listeners: Mutex::new(Listeners::default()),
            acks: Mutex::new(Acks::default()),
            events,
            queue: tokio::sync::Mutex::new(()),
            offline: OfflineBytes::default(),
        });
        (shared, rx)
    }

    pub(crate) fn listeners(&self) -> MutexGuard<'_, Listeners> {
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, SocketState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn acks(&self) -> MutexGuard<'_, Acks> {
        self.acks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers an awaited ack and returns its id.
    pub(crate) fn expect_ack(&self) -> (u64, oneshot::Receiver<Vec<Value>>) {
        let (tx, rx) = oneshot::channel();
        let mut acks = self.acks();
        let id = acks.next_id;
        acks.next_id += 1;
        acks.waiting.insert(id, tx);
        (id, rx)
    }

    pub(crate) fn forget_ack(&self, id: u64) {
        self.acks().waiting.remove(&id);
    }

    /// Hands an ACK packet's arguments to whoever waits for it.
    pub(crate) fn resolve_ack(&self, id: u64, args: Vec<Value>) {
        if let Some(tx) = self.acks().waiting.remove(&id) {
            let _ = tx.send(args);
        }
    }

    /// Fails the acks of packets that went out (the connection is gone); those of packets
    /// still buffered stay, since they will be sent on reconnection.
    pub(crate) fn fail_sent_acks(&self, buffered: &[u64]) {
        self.acks().waiting.retain(|id, _| buffered.contains(id));
    }

    pub(crate) fn send_event(&self, event: SocketEvent) {
        let _ = self.events.send(event);
    }
}

/// A socket: one namespace over its [`Manager`]'s connection (the reference's client
/// `Socket`). Cheap to clone; every clone is the same socket.
///
/// Handlers registered with [`on`](Self::on) and friends run one at a time in arrival order.
/// The socket joins its namespace when [`connect`](Self::connect) is called (register the
/// handlers first, so that none misses an event), and joins again after every reconnection
/// until [`disconnect`](Self::disconnect).
#[derive(Clone)]
pub struct Socket {
    pub(crate) shared: Arc<SocketShared>,
    pub(crate) manager: Manager,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("nsp", &self.shared.nsp)
            .field("id", &self.id())
            .finish()
    }
}

impl Socket {
    /// The namespace (`"/"`, `"/chat"`, …).
    pub fn namespace(&self) -> &str {
        &self.shared.nsp
    }

    /// The socket id the server gave on the last connection (`socket.id`).
    pub fn id(&self) -> Option<String> {
        self.shared.state().id.clone()
    }

    /// Whether the namespace is joined now (`socket.connected`).
    pub fn connected(&self) -> bool {
        self.shared.state().connected
    }

    /// Whether the last (re)connection restored the previous session (`socket.recovered`):
    /// the server has connection state recovery on and still knew this socket, so the id,
    /// rooms and data are the same and the events missed while disconnected were handed to
    /// the handlers, in order, before `connect`. False on a first connection and whenever
    /// the server started a new session; it keeps its value while disconnected.
    pub fn recovered(&self) -> bool {
        self.shared.state().recovery.recovered()
    }

    /// The offset of the last event received from a server that recovers sessions: the
    /// string the server appends as the last argument of each event that is neither volatile
    /// nor asking for an acknowledgement. The next reconnection sends it back so that the
    /// server replays what came after it. `None` until such an event arrives.
    pub fn last_offset(&self) -> Option<String> {
        self.shared.state().recovery.offset().map(str::to_owned)
    }

    /// The manager this socket belongs to (`socket.io`).
    pub fn io(&self) -> &Manager {
        &self.manager
    }

    /// Joins the namespace, opening the connection if needed (`socket.connect()`); also
    /// after a refusal or a [`disconnect`](Self::disconnect).
    pub fn connect(&self) {
        let _ = self.command(Command::Connect(self.shared.nsp.clone()));
    }

    /// Leaves the namespace for good (`socket.disconnect()`): no reconnection. The last
    /// socket to leave closes the connection. Handlers see `io client disconnect`.
    pub fn disconnect(&self) {
        // Not joined from now on, as in the reference: later emits are kept, not sent.
        self.shared.state().connected = false;
        let _ = self.command(Command::Disconnect(self.shared.nsp.clone()));
    }

    pub(crate) fn command(&self, command: Command) -> Result<(), EmitError> {
        self.manager.command(command)
    }

    // ----- listeners ------------------------------------------------------------------

    /// Calls `handler` for every `event` from the server; returns an id for
    /// [`remove_listener`](Self::remove_listener).
    pub fn on<H: EventHandler<M>, M>(&self, event: impl Into<String>, handler: H) -> u64 {
        self.add(event.into(), handler, false)
    }

    /// Calls `handler` for the next `event` only.
    pub fn once<H: EventHandler<M>, M>(&self, event: impl Into<String>, handler: H) -> u64 {
        self.add(event.into(), handler, true)
    }

    fn add<H: EventHandler<M>, M>(&self, event: String, handler: H, once: bool) -> u64 {
        let mut l = self.shared.listeners();
        let id = l.next_id();
        l.events.entry(event).or_default().push(Listener {
            id,
            once,
            handler: erase(handler),
        });
        id
    }

    /// Removes every handler of `event` (`socket.off(event)`).
    pub fn off(&self, event: &str) {
        self.shared.listeners().events.remove(event);
    }

    /// Removes one handler, `on_any` listener or lifecycle handler by id.
    pub fn remove_listener(&self, id: u64) {
        self.shared.listeners().remove(id);
    }

    /// Calls `listener` with the name and arguments of every incoming event, before its
    /// handlers (`socket.onAny`). It runs synchronously: spawn for anything slow.
    pub fn on_any<F>(&self, listener: F) -> u64
    where
        F: Fn(&Socket, &str, &[Value]) + Send + Sync + 'static,
    {
        let mut l = self.shared.listeners();
        let id = l.next_id();
        l.any.push((id, Arc::new(listener)));
        id
    }

    /// Called each time the namespace is joined, after every reconnection too
    /// (`socket.on("connect")`).
    pub fn on_connect<F, Fut>(&self, handler: F) -> u64
    where
        F: Fn(Socket) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut l = self.shared.listeners();
        let id = l.next_id();
        l.connect
            .push((id, Arc::new(move |s| Box::pin(handler(s)))));
        id
    }

    /// Called when joining fails (`socket.on("connect_error")`): the server's middleware
    /// refused (message and data; the socket then waits for [`connect`](Self::connect)), or
    /// the connection could not be opened (the manager retries on its own).
    pub fn on_connect_error<F, Fut>(&self, handler: F) -> u64
    where
        F: Fn(Socket, ConnectError) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut l = self.shared.listeners();
        let id = l.next_id();
        l.connect_error
            .push((id, Arc::new(move |s, e| Box::pin(handler(s, e)))));
        id
    }

    /// Called when the socket leaves the namespace, with the reason
    /// (`socket.on("disconnect")`).
    pub fn on_disconnect<F, Fut>(&self, handler: F) -> u64
    where
        F: Fn(Socket, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut l = self.shared.listeners();
        let id = l.next_id();
        l.disconnect
            .push((id, Arc::new(move |s, r| Box::pin(handler(s, r)))));
        id
    }
}
