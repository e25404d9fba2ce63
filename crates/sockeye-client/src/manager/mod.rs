//! The manager: one Engine.IO connection shared by the sockets of every namespace, with
//! reconnection.

mod backoff;
mod driver;
mod link;
mod offline;
mod recovery;

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use socketio_proto::{Packet, Value};
use tokio::sync::{Notify, mpsc, oneshot, watch};

pub(crate) use link::{Link, Queued, SocketEvent};
pub(crate) use offline::encoded_len;

use crate::error::{EmitError, Error};
use crate::options::{Options, Transport};

/// What handles ask of the driver.
#[derive(Debug)]
pub(crate) enum Command {
    /// Join the namespace (opening the connection if needed).
    Connect(String),
    /// Leave the namespace for good.
    Disconnect(String),
    /// Send a packet, or buffer it while the namespace is not joined. `reserved`: the bytes
    /// the sender already counted against the namespace's offline buffer (0 when it
    /// expected the packet to go out at once).
    Packet {
        packet: Packet,
        volatile: bool,
        reserved: usize,
    },
    /// Close the connection and stop reconnecting (`manager.disconnect()`).
    Close,
}

/// Commands queued for the driver before an emit fails with [`EmitError::Full`].
const COMMANDS: usize = 1024;

/// Tells the driver, by being dropped, that the last user handle is gone (a channel of its
/// own, so that a full command queue cannot lose it).
#[derive(Debug)]
pub(crate) struct Guard {
    _dropped: oneshot::Sender<()>,
}

/// A manager event listener.
type Listener<A> = Arc<dyn Fn(A) + Send + Sync>;

/// The manager's event listeners (called synchronously from the driver: keep them short).
#[derive(Default)]
pub(crate) struct ManagerListeners {
    open: Vec<Listener<()>>,
    close: Vec<Listener<&'static str>>,
    error: Vec<Listener<String>>,
    reconnect_attempt: Vec<Listener<u32>>,
    reconnect: Vec<Listener<u32>>,
    reconnect_error: Vec<Listener<String>>,
    reconnect_failed: Vec<Listener<()>>,
}

/// What the driver last reported about the connection.
#[derive(Debug, Default, Clone)]
pub(crate) struct Status {
    pub(crate) sid: Option<String>,
    pub(crate) transport: Option<Transport>,
}

/// A namespace's socket as the manager holds it: the link the driver uses, and the socket's
/// own half (its handlers), kept so that [`Manager::socket`] gives the same socket each time
/// but opaque here: the manager never reads it.
struct Registered {
    link: Arc<Link>,
    socket: Arc<dyn Any + Send + Sync>,
}

/// State shared by the manager's handles and its driver.
pub(crate) struct ManagerShared {
    tx: mpsc::Sender<Command>,
    options: Arc<Options>,
    namespaces: Mutex<HashMap<String, Registered>>,
    listeners: Mutex<ManagerListeners>,
    status: Mutex<Status>,
    /// Notified when a socket's handlers take an event (see [`Link::took_event`]).
    room: Arc<Notify>,
    /// Whether the transports may hand on what they read: closed while events wait for room
    /// in a socket's queue (see `driver/backlog.rs`).
    reading: watch::Sender<bool>,
    /// The most events ever held beyond the sockets' queues while reading paused.
    backlog_peak: AtomicUsize,
}

impl ManagerShared {
    fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
        m.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The link of namespace `nsp`, if a socket was made for it.
    pub(crate) fn link(&self, nsp: &str) -> Option<Arc<Link>> {
        Self::lock(&self.namespaces)
            .get(nsp)
            .map(|r| r.link.clone())
    }

    /// Ends every socket's dispatch task once it has run what is queued (the driver is
    /// stopping).
    pub(crate) fn shutdown_sockets(&self) {
        for (_, registered) in Self::lock(&self.namespaces).drain() {
            registered.link.close_events();
        }
    }

    /// Notes that `held` events wait beyond the sockets' queues.
    pub(crate) fn note_backlog(&self, held: usize) {
        self.backlog_peak.fetch_max(held, Ordering::Relaxed);
    }

    pub(crate) fn set_status(&self, status: Status) {
        *Self::lock(&self.status) = status;
    }

    /// Calls the listeners picked by `pick` with `arg`, outside the lock.
    pub(crate) fn emit<A: Clone>(
        &self,
        pick: impl Fn(&ManagerListeners) -> &Vec<Listener<A>>,
        arg: A,
    ) {
        let listeners: Vec<Listener<A>> = pick(&Self::lock(&self.listeners)).clone();
        for l in listeners {
            l(arg.clone());
        }
    }
}

/// One connection to a server, shared by the sockets of every namespace (the reference's
/// `Manager`). Cheap to clone. The connection opens when a socket connects, reconnects with
/// backoff after it is lost, and closes when the last socket disconnects, on
/// [`disconnect`](Self::disconnect), or when the last handle (manager or socket) is dropped.
///
/// Must be created inside a tokio runtime: it spawns the connection's driver task. A handler
/// that stores a clone of its socket or manager keeps the connection open until the handler
/// is removed or [`disconnect`](Self::disconnect) is called.
#[derive(Clone)]
pub struct Manager {
    pub(crate) shared: Arc<ManagerShared>,
    guard: Arc<Guard>,
}

/// A manager reference that does not keep the connection open.
#[derive(Clone)]
pub(crate) struct WeakManager {
    shared: Weak<ManagerShared>,
    guard: Weak<Guard>,
}

impl WeakManager {
    pub(crate) fn upgrade(&self) -> Option<Manager> {
        Some(Manager {
            shared: self.shared.upgrade()?,
            guard: self.guard.upgrade()?,
        })
    }
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("status", &self.status())
            .finish()
    }
}

impl Manager {
    /// A manager for the server at `url` (`http`, `https`, `ws` or `wss`; the URL's path is
    /// ignored here, see [`crate::io`]).
    pub fn new(url: &str, options: Options) -> Result<Manager, Error> {
        let (target, _) = crate::transport::target::parse(url, &options)?;
        let (tx, rx) = mpsc::channel(COMMANDS);
        let (dropped_tx, dropped) = oneshot::channel();
        let options = Arc::new(options);
        let shared = Arc::new(ManagerShared {
            tx,
            options: options.clone(),
            namespaces: Mutex::new(HashMap::new()),
            listeners: Mutex::new(ManagerListeners::default()),
            status: Mutex::new(Status::default()),
            room: Arc::new(Notify::new()),
            reading: watch::Sender::new(true),
            backlog_peak: AtomicUsize::new(0),
        });
        tokio::spawn(driver::run(shared.clone(), Arc::new(target), rx, dropped));
        Ok(Manager {
            shared,
            guard: Arc::new(Guard {
                _dropped: dropped_tx,
            }),
        })
    }

    /// The socket half registered for namespace `nsp` (already normalised), made with its
    /// link by `make` the first time; `make` gets the link and the receiving end of its
    /// events. The socket module is the only caller, so `S` is always its own type.
    pub(crate) fn namespace<S: Send + Sync + 'static>(
        &self,
        nsp: &str,
        make: impl FnOnce(Arc<Link>, mpsc::UnboundedReceiver<Queued>) -> Arc<S>,
    ) -> Arc<S> {
        let mut namespaces = ManagerShared::lock(&self.shared.namespaces);
        if let Some(existing) = namespaces.get(nsp) {
            if let Ok(socket) = existing.socket.clone().downcast::<S>() {
                return socket;
            }
        }
        let (link, rx) = Link::new(
            nsp.to_owned(),
            self.shared.options.max_queued_bytes,
            self.shared.room.clone(),
        );
        let link = Arc::new(link);
        let socket = make(link.clone(), rx);
        namespaces.insert(
            nsp.to_owned(),
            Registered {
                link,
                socket: socket.clone(),
            },
        );
        socket
    }

    pub(crate) fn downgrade(&self) -> WeakManager {
        WeakManager {
            shared: Arc::downgrade(&self.shared),
            guard: Arc::downgrade(&self.guard),
        }
    }

    pub(crate) fn command(&self, command: Command) -> Result<(), EmitError> {
        match self.shared.tx.try_send(command) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(EmitError::Closed),
            // An emit behind a queue the driver cannot keep up with fails, visibly.
            Err(mpsc::error::TrySendError::Full(Command::Packet { .. })) => Err(EmitError::Full),
            // Joining, leaving and closing are not lost: they wait for room, in a task,
            // and there are only as many as the program asks for.
            Err(mpsc::error::TrySendError::Full(command)) => {
                let tx = self.shared.tx.clone();
                tokio::spawn(async move { tx.send(command).await });
                Ok(())
            }
        }
    }

    /// Closes the connection and stops reconnecting; every connected socket sees
    /// `io client disconnect`. A later [`Socket::connect`](crate::Socket::connect) opens it again.
    pub fn disconnect(&self) {
        let _ = self.command(Command::Close);
    }

    fn status(&self) -> Status {
        ManagerShared::lock(&self.shared.status).clone()
    }

    /// The Engine.IO session id while connected (one per connection, whatever the number of
    /// namespaces).
    pub fn engine_id(&self) -> Option<String> {
        self.status().sid
    }

    /// The current transport while connected.
    pub fn transport(&self) -> Option<Transport> {
        self.status().transport
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    /// The options, to share with a socket.
    pub(crate) fn shared_options(&self) -> Arc<Options> {
        self.shared.options.clone()
    }

    fn listen(&self, f: impl FnOnce(&mut ManagerListeners)) {
        f(&mut ManagerShared::lock(&self.shared.listeners));
    }

    /// Called when the connection opens (`open`).
    pub fn on_open(&self, f: impl Fn() + Send + Sync + 'static) {
        self.listen(|l| l.open.push(Arc::new(move |()| f())));
    }

    /// Called when the connection closes, with the reason (`close`).
    pub fn on_close(&self, f: impl Fn(&'static str) + Send + Sync + 'static) {
        self.listen(|l| l.close.push(Arc::new(f)));
    }

    /// Called when opening the connection fails (`error`).
    pub fn on_error(&self, f: impl Fn(String) + Send + Sync + 'static) {
        self.listen(|l| l.error.push(Arc::new(f)));
    }

    /// Called before each reconnection attempt with its number, from 1 (`reconnect_attempt`).
    pub fn on_reconnect_attempt(&self, f: impl Fn(u32) + Send + Sync + 'static) {
        self.listen(|l| l.reconnect_attempt.push(Arc::new(f)));
    }

    /// Called when a reconnection succeeded, with the number of attempts (`reconnect`).
    pub fn on_reconnect(&self, f: impl Fn(u32) + Send + Sync + 'static) {
        self.listen(|l| l.reconnect.push(Arc::new(f)));
    }

    /// Called when a reconnection attempt failed (`reconnect_error`).
    pub fn on_reconnect_error(&self, f: impl Fn(String) + Send + Sync + 'static) {
        self.listen(|l| l.reconnect_error.push(Arc::new(f)));
    }

    /// Called when `reconnection_attempts` ran out (`reconnect_failed`).
    pub fn on_reconnect_failed(&self, f: impl Fn() + Send + Sync + 'static) {
        self.listen(|l| l.reconnect_failed.push(Arc::new(move |()| f())));
    }
}

/// The listener lists, for the driver.
impl ManagerListeners {
    pub(crate) fn open(&self) -> &Vec<Listener<()>> {
        &self.open
    }
    pub(crate) fn close(&self) -> &Vec<Listener<&'static str>> {
        &self.close
    }
    pub(crate) fn error(&self) -> &Vec<Listener<String>> {
        &self.error
    }
    pub(crate) fn reconnect_attempt(&self) -> &Vec<Listener<u32>> {
        &self.reconnect_attempt
    }
    pub(crate) fn reconnect(&self) -> &Vec<Listener<u32>> {
        &self.reconnect
    }
    pub(crate) fn reconnect_error(&self) -> &Vec<Listener<String>> {
        &self.reconnect_error
    }
    pub(crate) fn reconnect_failed(&self) -> &Vec<Listener<()>> {
        &self.reconnect_failed
    }
}

/// Makes the auth payload for a CONNECT: the static value or the callback's answer.
pub(crate) async fn resolve_auth(options: &Options) -> Option<Value> {
    match &options.auth {
        None => None,
        Some(crate::options::Auth::Static(v)) => Some(v.clone()),
        Some(crate::options::Auth::Dynamic(f)) => Some(f().await),
    }
}
