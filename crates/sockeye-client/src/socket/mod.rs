//! A socket: one namespace on a manager's connection.

mod emit;
pub(crate) mod handler;
pub(crate) mod listeners;
mod offline;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use socketio_proto::Value;

pub use emit::Emitter;
use handler::{EventHandler, erase};
use listeners::{Listener, Listeners, dispatch};

use crate::error::{ConnectError, DisconnectReason, EmitError};
use crate::manager::{Command, Link, Manager};
use crate::options::Options;

/// The socket's own state, shared by its handles and its dispatch task; what it shares with
/// the driver is behind `link`.
pub(crate) struct SocketShared {
    pub(crate) link: Arc<Link>,
    pub(crate) options: Arc<Options>,
    listeners: Mutex<Listeners>,
    /// With `retries`, emits go one at a time, in order.
    pub(crate) queue: tokio::sync::Mutex<()>,
}

impl SocketShared {
    pub(crate) fn listeners(&self) -> MutexGuard<'_, Listeners> {
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

// Here rather than beside the manager's other methods: the manager knows sockets only by
// namespace, through their links.
impl Manager {
    /// The socket of namespace `nsp` (`manager.socket(nsp)`): the same socket each time for
    /// the same namespace. Call [`Socket::connect`] to join.
    pub fn socket(&self, nsp: &str) -> Socket {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        let shared = self.namespace(&nsp, |link, rx| {
            let shared = Arc::new(SocketShared {
                link,
                options: self.shared_options(),
                listeners: Mutex::new(Listeners::default()),
                queue: tokio::sync::Mutex::new(()),
            });
            tokio::spawn(dispatch(shared.clone(), self.downgrade(), rx));
            shared
        });
        Socket {
            shared,
            manager: self.clone(),
        }
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
            .field("nsp", &self.namespace())
            .field("id", &self.id())
            .finish()
    }
}

impl Socket {
    /// The namespace (`"/"`, `"/chat"`, …).
    pub fn namespace(&self) -> &str {
        self.shared.link.nsp()
    }

    /// The socket id the server gave on the last connection (`socket.id`).
    pub fn id(&self) -> Option<String> {
        self.shared.link.state().id.clone()
    }

    /// Whether the namespace is joined now (`socket.connected`).
    pub fn connected(&self) -> bool {
        self.shared.link.state().connected
    }

    /// Whether the last (re)connection restored the previous session (`socket.recovered`):
    /// the server has connection state recovery on and still knew this socket, so the id,
    /// rooms and data are the same and the events missed while disconnected were handed to
    /// the handlers, in order, before `connect`. False on a first connection and whenever
    /// the server started a new session; it keeps its value while disconnected.
    pub fn recovered(&self) -> bool {
        self.shared.link.state().recovery.recovered()
    }

    /// The offset of the last event received from a server that recovers sessions: the
    /// string the server appends as the last argument of each event that is neither volatile
    /// nor asking for an acknowledgement. The next reconnection sends it back so that the
    /// server replays what came after it. `None` until such an event arrives.
    pub fn last_offset(&self) -> Option<String> {
        self.shared
            .link
            .state()
            .recovery
            .offset()
            .map(str::to_owned)
    }

    /// The manager this socket belongs to (`socket.io`).
    pub fn io(&self) -> &Manager {
        &self.manager
    }

    /// Joins the namespace, opening the connection if needed (`socket.connect()`); also
    /// after a refusal or a [`disconnect`](Self::disconnect).
    pub fn connect(&self) {
        let _ = self.command(Command::Connect(self.namespace().to_owned()));
    }

    /// Leaves the namespace for good (`socket.disconnect()`): no reconnection. The last
    /// socket to leave closes the connection. Handlers see `io client disconnect`.
    pub fn disconnect(&self) {
        // Not joined from now on, as in the reference: later emits are kept, not sent.
        self.shared.link.state().connected = false;
        let _ = self.command(Command::Disconnect(self.namespace().to_owned()));
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_namespace_is_one_socket_whose_link_is_all_the_driver_sees() {
        let manager = Manager::new("http://127.0.0.1:1", Options::default()).unwrap();
        let a = manager.socket("chat");
        let b = manager.socket("/chat");
        assert!(Arc::ptr_eq(&a.shared, &b.shared));
        a.on("e", |_: Socket| async {});
        assert_eq!(b.shared.listeners().events.len(), 1);
        let link = manager.shared.link("/chat").unwrap();
        assert!(Arc::ptr_eq(&a.shared.link, &link));
        assert!(manager.shared.link("/").is_none());
        assert!(!Arc::ptr_eq(&manager.socket("/").shared, &a.shared));
    }
}
