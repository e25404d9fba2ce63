//! What the driver and a socket share for one namespace: the joined state, the acks the
//! socket awaits, the count of its offline buffer, and the queue of events for its handlers.
//!
//! This is all the driver knows of a socket: it finds a link by namespace and never sees the
//! socket's handlers, so the dependency goes one way (socket -> manager).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use socketio_proto::Value;
use tokio::sync::{Notify, mpsc, oneshot};

use super::offline::OfflineBytes;
use super::recovery::Recovery;
use crate::error::{ConnectError, DisconnectReason};

/// What the driver hands a socket's handlers, in order.
#[derive(Debug)]
pub(crate) enum SocketEvent {
    Connect,
    ConnectError(ConnectError),
    Disconnect(DisconnectReason),
    Event { args: Vec<Value>, id: Option<u64> },
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
    /// The handlers' queue (`Options::socket_queue` long); `None` once the driver is gone,
    /// which ends the handlers' task when they have taken what is queued.
    events: Mutex<Option<mpsc::Sender<SocketEvent>>>,
    /// Wakes the driver when the handlers take an event, so that it hands on the ones that
    /// did not fit (the driver's, shared by every link).
    room: Arc<Notify>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Link {
    /// A link for `nsp` whose handlers' queue holds `capacity` events (at least one), and
    /// the receiving end of that queue (for the socket's task).
    pub(crate) fn new(
        nsp: String,
        capacity: usize,
        room: Arc<Notify>,
    ) -> (Link, mpsc::Receiver<SocketEvent>) {
        let (events, rx) = mpsc::channel(capacity.max(1));
        let link = Link {
            nsp,
            state: Mutex::new(LinkState::default()),
            acks: Mutex::new(Acks::default()),
            offline: OfflineBytes::default(),
            events: Mutex::new(Some(events)),
            room,
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

    /// Queues an event for the handlers, or gives it back when their queue is full. Once
    /// the handlers' task is gone, or the queue closed, the event is dropped.
    pub(crate) fn try_send_event(&self, event: SocketEvent) -> Result<(), SocketEvent> {
        let events = lock(&self.events);
        let Some(tx) = events.as_ref() else {
            return Ok(());
        };
        match tx.try_send(event) {
            Err(mpsc::error::TrySendError::Full(event)) => Err(event),
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => Ok(()),
        }
    }

    /// The handlers took an event: there is room for one more.
    pub(crate) fn took_event(&self) {
        self.room.notify_one();
    }

    /// No more events: the handlers' task ends once it has taken what is queued.
    pub(crate) fn close_events(&self) {
        lock(&self.events).take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> SocketEvent {
        SocketEvent::Event {
            args: Vec::new(),
            id: Some(n),
        }
    }

    #[tokio::test]
    async fn a_full_queue_gives_the_event_back_and_a_zero_length_holds_one() {
        let (link, mut rx) = Link::new("/".into(), 0, Arc::new(Notify::new()));
        assert!(link.try_send_event(event(1)).is_ok());
        assert!(matches!(
            link.try_send_event(event(2)),
            Err(SocketEvent::Event { id: Some(2), .. })
        ));
        assert!(matches!(
            rx.recv().await,
            Some(SocketEvent::Event { id: Some(1), .. })
        ));
        assert!(link.try_send_event(event(3)).is_ok());
        // Closed: what is queued is still taken, then the queue ends; later events drop.
        link.close_events();
        assert!(link.try_send_event(event(4)).is_ok());
        assert!(matches!(
            rx.recv().await,
            Some(SocketEvent::Event { id: Some(3), .. })
        ));
        assert!(rx.recv().await.is_none());
    }
}
