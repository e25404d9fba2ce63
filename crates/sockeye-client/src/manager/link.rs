//! What the driver and a socket share for one namespace: the joined state, the acks the
//! socket awaits, the count of its offline buffer, and the queue of events for its handlers.
//!
//! This is all the driver knows of a socket: it finds a link by namespace and never sees the
//! socket's handlers, so the dependency goes one way (socket -> manager).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// An event in the handlers' queue, with the bytes it counts for.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) event: SocketEvent,
    pub(crate) size: usize,
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
    /// The handlers' queue, each event with the bytes it counts for; `None` once the driver
    /// is gone, which ends the handlers' task when they have taken what is queued.
    events: Mutex<Option<mpsc::UnboundedSender<Queued>>>,
    /// The bytes of the events in the queue, at most `limit` (`Options::max_queued_bytes`)
    /// unless one event alone is larger.
    queued: AtomicUsize,
    limit: usize,
    /// Wakes the driver when the handlers take an event, so that it hands on the ones that
    /// did not fit (the driver's, shared by every link).
    room: Arc<Notify>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Link {
    /// A link for `nsp` whose handlers' queue holds `limit` bytes of events, and the
    /// receiving end of that queue (for the socket's task).
    pub(crate) fn new(
        nsp: String,
        limit: usize,
        room: Arc<Notify>,
    ) -> (Link, mpsc::UnboundedReceiver<Queued>) {
        let (events, rx) = mpsc::unbounded_channel();
        let link = Link {
            nsp,
            state: Mutex::new(LinkState::default()),
            acks: Mutex::new(Acks::default()),
            offline: OfflineBytes::default(),
            events: Mutex::new(Some(events)),
            queued: AtomicUsize::new(0),
            limit,
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

    /// Queues an event of `size` bytes for the handlers, or gives it back when it does not
    /// fit. An empty queue takes any event, so that one larger than the limit still goes
    /// (the decoder bounds a packet's size). Once the handlers' task is gone, or the queue
    /// closed, the event is dropped.
    pub(crate) fn try_send_event(
        &self,
        event: SocketEvent,
        size: usize,
    ) -> Result<(), SocketEvent> {
        let events = lock(&self.events);
        let Some(tx) = events.as_ref() else {
            return Ok(());
        };
        let fits = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                let total = queued.saturating_add(size);
                (queued == 0 || total <= self.limit).then_some(total)
            })
            .is_ok();
        if !fits {
            return Err(event);
        }
        if tx.send(Queued { event, size }).is_err() {
            self.release(size);
        }
        Ok(())
    }

    /// The handlers took an event of `size` bytes: there may be room for the next ones.
    pub(crate) fn took_event(&self, size: usize) {
        self.release(size);
        self.room.notify_one();
    }

    fn release(&self, size: usize) {
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                Some(queued.saturating_sub(size))
            });
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

    fn id(queued: Option<Queued>) -> Option<u64> {
        match queued {
            Some(Queued {
                event: SocketEvent::Event { id, .. },
                ..
            }) => id,
            _ => None,
        }
    }

    #[tokio::test]
    async fn events_queue_up_to_the_byte_limit_and_an_empty_queue_takes_any() {
        let (link, mut rx) = Link::new("/".into(), 10, Arc::new(Notify::new()));
        assert!(link.try_send_event(event(1), 6).is_ok());
        assert!(link.try_send_event(event(2), 4).is_ok());
        assert!(matches!(
            link.try_send_event(event(3), 1),
            Err(SocketEvent::Event { id: Some(3), .. })
        ));
        // A notice counts for nothing: it always fits.
        assert!(link.try_send_event(SocketEvent::Connect, 0).is_ok());
        let first = rx.recv().await;
        link.took_event(first.as_ref().map_or(0, |q| q.size));
        assert_eq!(id(first), Some(1));
        assert!(link.try_send_event(event(3), 7).is_err());
        assert!(link.try_send_event(event(3), 6).is_ok());
        for _ in 0..3 {
            let next = rx.recv().await;
            link.took_event(next.as_ref().map_or(0, |q| q.size));
        }
        // Empty: an event larger than the limit goes alone.
        assert!(link.try_send_event(event(4), 1000).is_ok());
        assert!(link.try_send_event(event(5), 0).is_err());
        // Closed: what is queued is still taken, then the queue ends; later events drop.
        link.close_events();
        assert!(link.try_send_event(event(6), 0).is_ok());
        assert_eq!(id(rx.recv().await), Some(4));
        assert!(rx.recv().await.is_none());
    }
}
