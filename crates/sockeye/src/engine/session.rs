//! One session's shared state and the handle the application holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use engineio_proto::{CloseReason, Outgoing, Packet, Protocol, Session, Sid, TransportKind};
use http::HeaderMap;
use tokio::sync::{Notify, oneshot};
use tokio::time::Instant;

use super::frame::{Frame, join_payload};
use super::incoming::Delivered;
use super::outbox::OutboxBytes;
use super::request::HandshakeRequest;
use super::websocket::WsStream;
use crate::queue::{Queue, Sender};

pub(crate) use engineio_proto::SendError;

/// The clock sessions run on: tokio's, so that tests can pause it.
pub(crate) fn now() -> std::time::Instant {
    Instant::now().into_std()
}

/// State shared by the session's task (its driver), its HTTP requests and the application's
/// handles.
#[derive(Debug)]
pub(crate) struct SessionShared {
    pub(crate) sid: Sid,
    /// The Engine.IO protocol revision of the session, fixed at the handshake.
    pub(crate) protocol: Protocol,
    pub(crate) request: HandshakeRequest,
    /// The peer's messages on their way to the application.
    pub(crate) incoming: Queue<Delivered>,
    inner: Mutex<Inner>,
    /// Wakes the driver: new output, a new websocket, or a close.
    pub(crate) wake: Notify,
    /// The driver is running, not sleeping: it looks at the session again before it sleeps,
    /// so changes need not wake it (the application's work runs in its task: waking it
    /// from there made the scheduler poll it once more for every message).
    driver_active: AtomicBool,
    closed: AtomicBool,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) machine: Session<Frame>,
    /// Until the session closes, messages may be delivered: it then gives up its sender of
    /// `incoming`, which ends the application's stream after the messages already queued.
    delivering: bool,
    close_reason: Option<CloseReason>,
    /// The waiting long-polling GET: its id (to tell a stale abort) and where its body goes.
    pending_get: Option<(u64, oneshot::Sender<Bytes>)>,
    next_get_id: u64,
    /// A POST is being read (the reference refuses overlapping POSTs).
    pub(crate) post_active: bool,
    /// A websocket to upgrade to, handed from its HTTP request to the driver.
    pub(crate) probe: Option<Box<WsStream>>,
    /// The headers of the request that opened the session's websocket (or its probe), for
    /// the messages read from it.
    pub(crate) ws_request: Option<Arc<HeaderMap>>,
    /// The deadline the driver's timer is set for (`None`: none, or not known yet).
    pub(crate) armed: Option<std::time::Instant>,
    /// The bytes of messages not yet written, and their bound.
    pub(crate) outbox: OutboxBytes,
}

impl Inner {
    /// Whether the driver has work after a change: websocket output, an event, a probe to
    /// take over, or a deadline earlier than its timer's. A polling session's messages need
    /// no driver (the waiting GET is answered on the spot): waking it for each of them put
    /// a task per message on the scheduler's run queue, and with a hundred busy polling
    /// clients the queue overflowed into tokio's global queue, where some waited 20 ms.
    fn driver_needed(&self) -> bool {
        self.machine.transmit_ready() == Some(TransportKind::WebSocket)
            || self.machine.has_event()
            || self.probe.is_some()
            || match (self.machine.poll_timeout(), self.armed) {
                (Some(next), Some(armed)) => next < armed,
                (next, None) => next.is_some(),
                (None, Some(_)) => false,
            }
    }
}

impl SessionShared {
    pub(crate) fn new(
        sid: Sid,
        request: HandshakeRequest,
        machine: Session<Frame>,
        incoming_capacity: usize,
        outbox: OutboxBytes,
    ) -> SessionShared {
        SessionShared {
            sid,
            protocol: machine.protocol(),
            request,
            incoming: Queue::new(incoming_capacity),
            inner: Mutex::new(Inner {
                machine,
                delivering: true,
                close_reason: None,
                pending_get: None,
                next_get_id: 0,
                post_active: false,
                probe: None,
                ws_request: None,
                armed: None,
                outbox,
            }),
            wake: Notify::new(),
            driver_active: AtomicBool::new(true),
            closed: AtomicBool::new(false),
        }
    }

    /// A sender for delivering messages while the session is open; held while delivering so
    /// that the end of the stream comes after.
    pub(crate) fn sender(&self, inner: &Inner) -> Option<Sender<'_, Delivered>> {
        inner.delivering.then(|| self.incoming.sender())
    }

    /// Locks the state; a poisoned lock is taken over, as every update leaves it consistent.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the machine, then dispatches what it produced.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut inner = self.lock();
        inner.catch_up();
        let r = f(&mut inner);
        self.dispatch(&mut inner);
        let wake = inner.driver_needed() && !self.is_driver_active();
        drop(inner);
        if wake {
            self.wake.notify_one();
        }
        r
    }

    /// Whether the driver is running (see [`SessionShared::driver_may_sleep`]).
    pub(crate) fn is_driver_active(&self) -> bool {
        self.driver_active.load(Ordering::SeqCst)
    }

    /// Marks the driver running: changes made meanwhile need not wake it.
    pub(crate) fn driver_running(&self) {
        self.driver_active.store(true, Ordering::SeqCst);
    }

    /// Marks the driver waiting on a write: changes must wake it.
    pub(crate) fn driver_waiting(&self) {
        self.driver_active.store(false, Ordering::SeqCst);
    }

    /// Called by the driver before it sleeps: marks it sleeping unless a change made while it
    /// ran still needs it, or `more` (the application's work was woken) says so. Under the
    /// lock, so that [`with`](Self::with) either sees the driver sleeping and wakes it, or
    /// made its change before this looks.
    pub(crate) fn driver_may_sleep(&self, more: impl FnOnce() -> bool) -> bool {
        let inner = self.lock();
        self.driver_may_sleep_locked(&inner, more)
    }

    /// [`driver_may_sleep`](Self::driver_may_sleep) with the lock held.
    pub(crate) fn driver_may_sleep_locked(
        &self,
        inner: &Inner,
        more: impl FnOnce() -> bool,
    ) -> bool {
        self.driver_active.store(false, Ordering::SeqCst);
        if inner.driver_needed() || more() {
            self.driver_active.store(true, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Answers the waiting GET from polling output and ends the application's stream once
    /// the session is closed. Websocket batches stay in the machine for the driver, which owns
    /// the socket ([`take_ws_batches`](Inner::take_ws_batches)); the caller wakes it (unless it
    /// is the driver).
    pub(crate) fn dispatch(&self, inner: &mut Inner) {
        while inner.machine.transmit_ready() == Some(TransportKind::Polling) {
            let Some(t) = inner.machine.poll_transmit() else {
                break;
            };
            if let Some((_, tx)) = inner.pending_get.take() {
                let _ = tx.send(polling_body(inner.machine.protocol(), t.items));
            }
        }
        if inner.machine.transport() == TransportKind::WebSocket {
            // A GET still waiting when the upgrade completed is refused (dropping its sender).
            inner.pending_get = None;
        }
        if inner.machine.queued() == 0 {
            // Answered over polling, or dropped by a close.
            inner.outbox.dequeued(0);
        }
        if let Some(reason) = inner.machine.close_reason() {
            if inner.close_reason.is_none() {
                inner.close_reason = Some(reason);
                if std::mem::take(&mut inner.delivering) {
                    self.incoming.release_sender();
                }
                inner.pending_get = None;
                self.closed.store(true, Ordering::Release);
            }
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn close_reason(&self) -> Option<CloseReason> {
        self.lock().close_reason
    }

    pub(crate) fn transport(&self) -> TransportKind {
        self.lock().machine.transport()
    }
}

impl Inner {
    /// Runs the deadlines that have passed before the input at hand, as the reference's
    /// timers fire before I/O: a late wake-up of the driver must not let a request through
    /// to a session that has expired.
    pub(crate) fn catch_up(&mut self) {
        let now = now();
        if self.machine.poll_timeout().is_some_and(|at| at <= now) {
            self.machine.handle_timeout(now);
        }
    }

    /// Everything queued for the websocket, for the driver to write in one go, and the bytes
    /// of its messages (the driver reports them [`written`](OutboxBytes::written)). Polling
    /// output met on the way goes to the waiting GET.
    pub(crate) fn take_ws_batches(&mut self) -> (Vec<Outgoing<Frame>>, usize) {
        let mut items = Vec::new();
        while let Some(t) = self.machine.poll_transmit() {
            match t.transport {
                // The machine hands its buffer over: keep it rather than copy it.
                TransportKind::WebSocket if items.is_empty() => items = t.items,
                TransportKind::WebSocket => {
                    let mut more = t.items;
                    items.append(&mut more);
                    super::recycle::give_batch(more);
                }
                TransportKind::Polling => {
                    if let Some((_, tx)) = self.pending_get.take() {
                        let _ = tx.send(polling_body(self.machine.protocol(), t.items));
                    }
                }
            }
        }
        let bytes = items
            .iter()
            .map(|item| match item {
                Outgoing::Frame(f) => f.wire_len(),
                Outgoing::Packet(_) => 0,
            })
            .sum();
        if self.machine.queued() == 0 {
            self.outbox.dequeued(bytes);
        }
        (items, bytes)
    }

    /// Queues messages within both bounds of the outbox.
    fn send_frames(&mut self, frames: &[Frame]) -> Result<(), SendError> {
        let bytes = frames.iter().map(Frame::wire_len).sum();
        if !self.outbox.admits(bytes) && !self.machine.is_closed() {
            return Err(SendError::Full);
        }
        if self.machine.wants_buffer() {
            if let Some(spare) = super::recycle::take_batch() {
                self.machine.lend_buffer(spare);
            }
        }
        self.machine.send_all(frames.iter().cloned())?;
        self.outbox.queued(bytes);
        Ok(())
    }

    /// Registers a waiting GET; returns its id and the receiver of its body.
    pub(crate) fn park_get(&mut self) -> (u64, oneshot::Receiver<Bytes>) {
        let (tx, rx) = oneshot::channel();
        self.next_get_id += 1;
        self.pending_get = Some((self.next_get_id, tx));
        (self.next_get_id, rx)
    }

    /// Forgets the waiting GET `id` if it is still the one waiting; returns whether it was.
    pub(crate) fn unpark_get(&mut self, id: u64) -> bool {
        if self
            .pending_get
            .as_ref()
            .is_some_and(|(pending, _)| *pending == id)
        {
            self.pending_get = None;
            true
        } else {
            false
        }
    }
}

/// One polling response body: the batch's packets joined by the separator (protocol 4), or
/// each behind its length (protocol 3; binary always as base64 text, which v3 clients read
/// whatever they asked for).
pub(crate) fn polling_body(protocol: Protocol, mut items: Vec<Outgoing<Frame>>) -> Bytes {
    if protocol == Protocol::V3 {
        return super::frame::payload_v3(items);
    }
    let body = join_payload(items.drain(..).map(|item| match item {
        Outgoing::Frame(f) => f.polling_bytes(),
        Outgoing::Packet(p) => Bytes::from(p.encode_text()),
    }));
    super::recycle::give_batch(items);
    body
}

/// The application's handle on a session: cheap to clone.
#[derive(Clone, Debug)]
pub struct EngineSession {
    pub(crate) shared: Arc<SessionShared>,
}

impl EngineSession {
    /// The session id.
    pub fn id(&self) -> &str {
        self.shared.sid.as_str()
    }

    /// The handshake request.
    pub fn request(&self) -> &HandshakeRequest {
        &self.shared.request
    }

    /// The current transport.
    pub fn transport(&self) -> TransportKind {
        self.shared.transport()
    }

    /// The Engine.IO protocol revision the client speaks (3 only with `allow_eio3`).
    pub fn protocol(&self) -> Protocol {
        self.shared.protocol
    }

    /// Queues a message. [`SendError::Full`] when the outbox holds `outbox_capacity` messages
    /// or `outbox_bytes` bytes (the peer is slow), [`SendError::Closed`] once the session is
    /// closing.
    pub fn send(&self, frame: Frame) -> Result<(), SendError> {
        self.shared
            .with(|inner| inner.send_frames(std::slice::from_ref(&frame)))
    }

    /// Queues several messages, all or none (a packet and its binary attachments).
    pub fn send_all(&self, frames: &[Frame]) -> Result<(), SendError> {
        self.shared.with(|inner| inner.send_frames(frames))
    }

    /// Whether a message sent now would be written at once: a websocket, or a waiting
    /// long-polling GET. Volatile packets are dropped when this is false.
    pub fn writable(&self) -> bool {
        self.shared.lock().machine.writable()
    }

    /// Closes the session from the server: queued messages are written first, then the
    /// transport closes and the incoming stream ends with `Close(reason)`.
    pub fn close(&self, reason: CloseReason) {
        self.shared.with(|inner| inner.machine.close(reason, now()));
    }

    /// Closes the session at once: queued messages are dropped, and a websocket write in
    /// progress is abandoned and its connection closed, so that what a slow peer held is
    /// released now rather than when its writes time out. The incoming stream ends with
    /// `Close(reason)`.
    pub fn close_now(&self, reason: CloseReason) {
        self.shared.with(|inner| inner.machine.terminate(reason));
    }

    /// Whether the session is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }
}

/// Queues a control packet on the websocket.
pub(crate) fn queue_packet(ws: &mut WsStream, p: &Packet) {
    use engineio_proto::WsFrame;
    use websocket_proto::OpCode;
    match p.encode_ws() {
        WsFrame::Text(t) => ws.queue(OpCode::Text, t.as_bytes(), true),
        WsFrame::Binary(b) => ws.queue(OpCode::Binary, &b, true),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use engineio_proto::{PacketType, SessionConfig};

    use super::*;

    fn shared(transport: TransportKind) -> SessionShared {
        let (parts, ()) = http::Request::new(()).into_parts();
        let machine = Session::new(
            SessionConfig::default(),
            transport,
            Packet::new(PacketType::Open),
            now(),
        );
        let sid = Sid::from_random(&[7; 15]);
        let outbox = OutboxBytes::new(1 << 20, Arc::new(AtomicUsize::new(0)));
        SessionShared::new(
            sid,
            HandshakeRequest::from_parts(&parts),
            machine,
            4,
            outbox,
        )
    }

    #[test]
    fn a_polling_message_does_not_wake_the_driver_a_websocket_one_does() {
        for (transport, wakes) in [
            (TransportKind::Polling, false),
            (TransportKind::WebSocket, true),
        ] {
            let shared = shared(transport);
            {
                let mut inner = shared.lock();
                // As the driver leaves it: output written, timer set for the next deadline.
                let _ = inner.take_ws_batches();
                while inner.machine.poll_event().is_some() {}
                inner.armed = inner.machine.poll_timeout();
                assert!(!inner.driver_needed());
                inner.machine.send(Frame::text("hello")).unwrap();
                assert_eq!(inner.driver_needed(), wakes, "{transport:?}");
                // A deadline earlier than the timer's always needs the driver.
                inner.armed = inner
                    .machine
                    .poll_timeout()
                    .map(|t| t + std::time::Duration::from_secs(1));
                assert!(inner.driver_needed());
            }
        }
    }
}
