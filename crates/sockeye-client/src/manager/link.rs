//! What the driver and a socket share for one namespace: the joined state, the acks the
//! socket awaits, the count of its offline buffer, and the queue of events for its handlers.
//!
//! This is all the driver knows of a socket: it finds a link by namespace and never sees the
//! socket's handlers, so the dependency goes one way (socket -> manager).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use socketio_proto::Value;
use tokio::sync::{mpsc, oneshot};

use super::offline::OfflineBytes;
use super::recovery::Recovery;
use crate::error::{ConnectError, DisconnectReason};

/// What the driver hands a socket's handlers, in order.
#[derive(Debug)]
pub(crate) enum SocketEvent {
    Connect,
    ConnectError(ConnectError),
    Disconnect(DisconnectReason),
    Event {
        args: Vec<Value>,
        id: Option<u64>,
    },
    /// The driver is gone: end the handlers' task.
    Shutdown,
}

/// Whether the namespace is joined, as the driver last set it.
#[derive(Debug, Default)]
pub(crate) struct LinkState {
    pub(crate) id: Option<String>,
    pub(crate) connected: bool,
    pub(crate) recovery: Recovery,
}

/// Acknowledgements the socket awaits, by ack id.
#[derive(Default)]
struct Acks {
    next_id: u64,
    waiting: HashMap<u64, oneshot::Sender<Vec<Value>>>,
}

/// One namespace between the driver and its socket.
pub(crate) struct Link {
    nsp: String,
    state: Mutex<LinkState>,
    acks: Mutex<Acks>,
    /// The bytes of emits kept while the namespace is not joined.
    pub(crate) offline: OfflineBytes,
    events: mpsc::UnboundedSender<SocketEvent>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Link {
    /// A link for `nsp`, and the receiving end of its events (for the socket's task).
    pub(crate) fn new(nsp: String) -> (Link, mpsc::UnboundedReceiver<SocketEvent>) {
        let (events, rx) = mpsc::unbounded_channel();
        let link = Link {
            nsp,
            state: Mutex::new(LinkState::default()),
            acks: Mutex::new(Acks::default()),
            offline: OfflineBytes::default(),
            events,
        };
        (link, rx)
    }

    /// The namespace.
    pub(crate) fn nsp(&self) -> &str {
        &self.nsp
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, LinkState> {
        lock(&self.state)
    }

    /// Registers an awaited ack and returns its id.
    pub(crate) fn expect_ack(&self) -> (u64, oneshot::Receiver<Vec<Value>>) {
        let (tx, rx) = oneshot::channel();
        let mut acks = lock(&self.acks);
        let id = acks.next_id;
        acks.next_id += 1;
        acks.waiting.insert(id, tx);
        (id, rx)
    }

    pub(crate) fn forget_ack(&self, id: u64) {
        lock(&self.acks).waiting.remove(&id);
    }

    /// Hands an ACK packet's arguments to whoever waits for it.
    pub(crate) fn resolve_ack(&self, id: u64, args: Vec<Value>) {
        if let Some(tx) = lock(&self.acks).waiting.remove(&id) {
            let _ = tx.send(args);
        }
    }

    /// Fails the acks of packets that went out (the connection is gone); those of packets
    /// still buffered stay, since they will be sent on reconnection.
    pub(crate) fn fail_sent_acks(&self, buffered: &[u64]) {
        lock(&self.acks)
            .waiting
            .retain(|id, _| buffered.contains(id));
    }

    pub(crate) fn send_event(&self, event: SocketEvent) {
        let _ = self.events.send(event);
    }
}
