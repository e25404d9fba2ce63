//! The server side of one Engine.IO session, sans-IO.

mod config;
mod error;
mod heartbeat;
mod output;
#[cfg(test)]
mod random_tests;
#[cfg(test)]
mod tests;
mod upgrade;

use std::collections::VecDeque;
use std::time::Instant;

use crate::close::CloseReason;
use crate::packet::{Packet, PacketData, PacketType};
pub use config::{Protocol, SessionConfig, TransportKind, Via};
pub use error::{PollError, SendError, UpgradeError};
use heartbeat::Heartbeat;
pub use output::{Event, Outgoing, Transmit};
use upgrade::Upgrade;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// A server-side close waits for the queued messages to be written.
    Closing(CloseReason),
    Closed(CloseReason),
}

/// The server side of one Engine.IO session: heartbeat, upgrade, write buffer, close.
///
/// It does no I/O and reads no clock. Its driver calls, in any order and as often as needed:
/// 1. the inputs, each with the current time: [`handle_packet`](Self::handle_packet) for
///    each decoded packet (it hands message data back), [`handle_decode_error`](Self::handle_decode_error),
///    [`handle_poll_request`](Self::handle_poll_request) /
///    [`handle_poll_aborted`](Self::handle_poll_aborted) for long-polling GETs,
///    [`handle_upgrade_request`](Self::handle_upgrade_request) for a websocket with this sid,
///    [`handle_transport_closed`](Self::handle_transport_closed) /
///    [`handle_transport_error`](Self::handle_transport_error), [`send`](Self::send),
///    [`close`](Self::close), and [`handle_timeout`](Self::handle_timeout) once
///    [`poll_timeout`](Self::poll_timeout) has passed;
/// 2. after any input, the outputs until they return `None`: first
///    [`poll_transmit`](Self::poll_transmit) (write each batch as one write), then
///    [`poll_event`](Self::poll_event);
/// 3. [`poll_timeout`](Self::poll_timeout) for the next deadline to wake up at.
///
/// `F` is the application's message frame, queued and handed back untouched.
#[derive(Debug)]
pub struct Session<F> {
    config: SessionConfig,
    protocol: Protocol,
    transport: TransportKind,
    state: State,
    queue: VecDeque<Outgoing<F>>,
    frames_queued: usize,
    /// A long-polling GET is waiting for data.
    poll_pending: bool,
    /// Answer for the waiting GET that must go out whatever the current transport.
    poll_release: Option<Packet>,
    heartbeat: Heartbeat,
    upgrade: Upgrade,
    close_deadline: Option<Instant>,
    events: VecDeque<Event>,
}

impl<F> Session<F> {
    /// A session just handshaken over `transport`; `open` (the open packet) is queued first.
    /// A polling handshake then calls [`handle_poll_request`](Self::handle_poll_request)
    /// for the handshake request itself.
    pub fn new(
        config: SessionConfig,
        transport: TransportKind,
        open: Packet,
        now: Instant,
    ) -> Self {
        Self::with_protocol(config, Protocol::V4, transport, open, now)
    }

    /// As [`new`](Self::new), for a session speaking `protocol` (its heartbeat direction).
    pub fn with_protocol(
        config: SessionConfig,
        protocol: Protocol,
        transport: TransportKind,
        open: Packet,
        now: Instant,
    ) -> Self {
        let heartbeat = match protocol {
            Protocol::V4 => Heartbeat::new(config.ping_interval, config.ping_timeout, now),
            Protocol::V3 => {
                Heartbeat::client_driven(config.ping_interval, config.ping_timeout, now)
            }
        };
        let mut queue = VecDeque::new();
        queue.push_back(Outgoing::Packet(open));
        Session {
            config,
            protocol,
            transport,
            state: State::Open,
            queue,
            frames_queued: 0,
            poll_pending: false,
            poll_release: None,
            heartbeat,
            upgrade: Upgrade::None,
            close_deadline: None,
            events: VecDeque::new(),
        }
    }

    /// The protocol revision this session speaks.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The current transport.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// Whether the session is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// Why the session closed, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        match self.state {
            State::Closed(r) => Some(r),
            _ => None,
        }
    }

    /// Whether an upgrade is under way.
    pub fn is_upgrading(&self) -> bool {
        self.upgrade.is_active()
    }

    /// Whether a message sent now would be written at once: open, and a websocket, or a
    /// long-polling GET waiting.
    pub fn writable(&self) -> bool {
        self.state == State::Open
            && match self.transport {
                TransportKind::WebSocket => true,
                TransportKind::Polling => self.poll_pending,
            }
    }

    /// Messages queued and not yet handed to a transport.
    pub fn queued(&self) -> usize {
        self.frames_queued
    }

    /// Queues a message.
    pub fn send(&mut self, frame: F) -> Result<(), SendError> {
        self.check_room(1)?;
        self.frames_queued += 1;
        self.queue.push_back(Outgoing::Frame(frame));
        Ok(())
    }

    /// Whether the outgoing queue holds no buffer: [`poll_transmit`](Self::poll_transmit)
    /// hands its buffer over with each batch, so an idle session keeps none.
    pub fn wants_buffer(&self) -> bool {
        self.queue.capacity() == 0
    }

    /// Gives the outgoing queue `buffer` (emptied first) to fill, when it holds none: a
    /// caller that keeps the buffers of written batches saves an allocation per batch.
    /// Otherwise `buffer` is dropped.
    pub fn lend_buffer(&mut self, mut buffer: Vec<Outgoing<F>>) {
        if self.wants_buffer() {
            buffer.clear();
            self.queue = VecDeque::from(buffer);
        }
    }

    /// Queues several messages, all or none (a packet and its binary attachments).
    pub fn send_all(&mut self, frames: impl ExactSizeIterator<Item = F>) -> Result<(), SendError> {
        self.check_room(frames.len())?;
        self.frames_queued += frames.len();
        self.queue.extend(frames.map(Outgoing::Frame));
        Ok(())
    }

    fn check_room(&self, n: usize) -> Result<(), SendError> {
        if self.state != State::Open {
            return Err(SendError::Closed);
        }
        if self.frames_queued + n > self.config.outbox_capacity {
            return Err(SendError::Full);
        }
        Ok(())
    }

    /// A server-side close: queued messages are written first, then the transport closes
    /// and the session ends with `reason`. Long-polling waits up to `close_timeout` for the
    /// client's next GET to carry the close packet.
    pub fn close(&mut self, reason: CloseReason, now: Instant) {
        if self.state != State::Open {
            return;
        }
        self.state = State::Closing(reason);
        if self.transport == TransportKind::Polling && !self.poll_pending {
            self.close_deadline = Some(now + self.config.close_timeout);
        }
        if self.queue.is_empty() && self.transport == TransportKind::WebSocket {
            self.finish(reason, PacketType::Close);
        }
    }

    /// Ends the session now, dropping queued messages (server shutdown): a waiting GET gets
    /// the close packet, a websocket is closed.
    pub fn terminate(&mut self, reason: CloseReason) {
        self.finish(reason, PacketType::Close);
    }

    /// A decoded packet from the peer. Returns the data of a message packet, to be handed
    /// to the application in order.
    #[must_use]
    pub fn handle_packet(&mut self, packet: Packet, via: Via, now: Instant) -> Option<PacketData> {
        match via {
            Via::Current => self.on_current_packet(packet, now),
            Via::Upgrade => {
                self.on_upgrade_packet(packet, now);
                None
            }
        }
    }

    fn on_current_packet(&mut self, packet: Packet, now: Instant) -> Option<PacketData> {
        if self.state != State::Open {
            return None;
        }
        match packet.kind {
            PacketType::Message => {
                return Some(match packet.data {
                    PacketData::Empty => PacketData::Text(String::new()),
                    data => data,
                });
            }
            PacketType::Pong if self.protocol == Protocol::V4 => self.heartbeat.on_pong(now),
            // v3 heartbeats go client to server: answer with an empty pong, as the reference.
            PacketType::Ping if self.protocol == Protocol::V3 => {
                self.heartbeat.on_client_ping(now);
                self.queue
                    .push_back(Outgoing::Packet(Packet::new(PacketType::Pong)));
            }
            // A heartbeat in the wrong direction for the protocol.
            PacketType::Ping | PacketType::Pong => {
                self.finish(CloseReason::TransportError, PacketType::Close)
            }
            // The reference releases a waiting GET with a noop, not a close packet.
            PacketType::Close => self.finish(CloseReason::TransportClose, PacketType::Noop),
            PacketType::Open | PacketType::Upgrade | PacketType::Noop => {}
        }
        None
    }

    fn on_upgrade_packet(&mut self, packet: Packet, now: Instant) {
        let deadline = match self.upgrade {
            Upgrade::None => return,
            Upgrade::Started { deadline } | Upgrade::Probed { deadline, .. } => deadline,
        };
        if self.is_closed() {
            return;
        }
        if packet.is_probe_ping() {
            self.events
                .push_back(Event::UpgradeTransmit(Packet::with_text(
                    PacketType::Pong,
                    "probe",
                )));
            let next_check = now + upgrade::NOOP_CHECK;
            self.upgrade = Upgrade::Probed {
                deadline,
                next_check,
            };
        } else if packet.kind == PacketType::Upgrade {
            self.complete_upgrade();
        } else {
            self.abort_upgrade();
        }
    }

    fn complete_upgrade(&mut self) {
        self.upgrade = Upgrade::None;
        // A GET still waiting now is not answered with a payload: the driver refuses it, as
        // polling requests are refused once the session upgraded.
        self.poll_pending = false;
        self.transport = TransportKind::WebSocket;
        self.close_deadline = None;
        self.events.push_back(Event::Upgraded);
        if let State::Closing(reason) = self.state {
            if self.queue.is_empty() {
                self.finish(reason, PacketType::Close);
            }
        }
    }

    fn abort_upgrade(&mut self) {
        if self.upgrade.is_active() {
            self.upgrade = Upgrade::None;
            self.events.push_back(Event::UpgradeAborted);
        }
    }

    /// A received frame or payload piece that does not decode.
    pub fn handle_decode_error(&mut self, via: Via, _now: Instant) {
        match via {
            Via::Current => self.finish(CloseReason::ParseError, PacketType::Close),
            Via::Upgrade => self.abort_upgrade(),
        }
    }

    /// The peer closed a transport (websocket close or end of stream).
    pub fn handle_transport_closed(&mut self, via: Via, _now: Instant) {
        match via {
            Via::Current => self.finish(CloseReason::TransportClose, PacketType::Close),
            Via::Upgrade => self.abort_upgrade(),
        }
    }

    /// A transport failed (I/O error, oversized message, bad request on the transport).
    pub fn handle_transport_error(&mut self, via: Via, _now: Instant) {
        match via {
            Via::Current => self.finish(CloseReason::TransportError, PacketType::Close),
            Via::Upgrade => self.abort_upgrade(),
        }
    }

    /// A long-polling GET arrived. On `Ok`, it waits until [`poll_transmit`](Self::poll_transmit)
    /// yields a polling [`Transmit`] for it.
    pub fn handle_poll_request(&mut self, _now: Instant) -> Result<(), PollError> {
        if self.is_closed() || self.transport != TransportKind::Polling {
            return Err(PollError::NotPolling);
        }
        if self.poll_pending {
            self.finish(CloseReason::TransportError, PacketType::Close);
            return Err(PollError::Overlap);
        }
        self.poll_pending = true;
        Ok(())
    }

    /// The waiting GET went away before it was answered (the client aborted it).
    pub fn handle_poll_aborted(&mut self, _now: Instant) {
        if self.poll_pending && self.transport == TransportKind::Polling {
            self.poll_pending = false;
            self.finish(CloseReason::TransportError, PacketType::Close);
        }
    }

    /// A websocket with this session's id was opened. On `Ok` it becomes the upgrading
    /// transport (its packets go to [`handle_packet`](Self::handle_packet) with
    /// [`Via::Upgrade`]); on `Err` the caller closes it.
    pub fn handle_upgrade_request(&mut self, now: Instant) -> Result<(), UpgradeError> {
        if self.is_closed() {
            return Err(UpgradeError::Closed);
        }
        if self.upgrade.is_active() {
            return Err(UpgradeError::AlreadyUpgrading);
        }
        if self.transport == TransportKind::WebSocket {
            return Err(UpgradeError::AlreadyUpgraded);
        }
        self.upgrade = Upgrade::Started {
            deadline: now + self.config.upgrade_timeout,
        };
        Ok(())
    }

    /// Advances the deadlines: sends a due ping, closes on a missed pong or an expired
    /// close, abandons an upgrade that took too long.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_closed() {
            return;
        }
        if self.heartbeat.expired(now) {
            self.finish(CloseReason::PingTimeout, PacketType::Close);
            return;
        }
        if let (Some(at), State::Closing(reason)) = (self.close_deadline, self.state) {
            if at <= now {
                self.finish(reason, PacketType::Close);
                return;
            }
        }
        match self.upgrade {
            Upgrade::Started { deadline } | Upgrade::Probed { deadline, .. } if deadline <= now => {
                self.abort_upgrade();
            }
            Upgrade::Probed {
                deadline,
                next_check,
            } if next_check <= now => {
                if self.poll_pending && self.queue.is_empty() && self.poll_release.is_none() {
                    self.poll_release = Some(Packet::new(PacketType::Noop));
                }
                self.upgrade = Upgrade::Probed {
                    deadline,
                    next_check: now + upgrade::NOOP_CHECK,
                };
            }
            _ => {}
        }
        if self.heartbeat.poll_ping(now) && self.state == State::Open {
            self.queue
                .push_back(Outgoing::Packet(Packet::new(PacketType::Ping)));
        }
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) must be called at.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        [
            self.heartbeat.deadline(),
            self.upgrade.deadline(),
            self.close_deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Where the batch [`poll_transmit`](Self::poll_transmit) would return goes, without
    /// taking it (lets a driver leave websocket batches to the task that owns the socket).
    pub fn transmit_ready(&self) -> Option<TransportKind> {
        if self.poll_release.is_some() {
            return Some(TransportKind::Polling);
        }
        match self.state {
            State::Closed(_) => None,
            _ if self.transport == TransportKind::Polling => {
                let closing = matches!(self.state, State::Closing(_));
                (self.poll_pending && (!self.queue.is_empty() || closing))
                    .then_some(TransportKind::Polling)
            }
            _ => (!self.queue.is_empty()).then_some(TransportKind::WebSocket),
        }
    }

    /// The next batch to write, if a transport can take one.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit<F>> {
        if let Some(packet) = self.poll_release.take() {
            self.poll_pending = false;
            return Some(Transmit {
                transport: TransportKind::Polling,
                items: vec![Outgoing::Packet(packet)],
            });
        }
        if self.is_closed() {
            return None;
        }
        let transport = self.transport;
        if transport == TransportKind::Polling && !self.poll_pending {
            return None;
        }
        let closing = match self.state {
            State::Closing(reason) => Some(reason),
            _ => None,
        };
        if self.queue.is_empty() {
            return match (transport, closing) {
                (TransportKind::Polling, Some(reason)) => {
                    self.poll_pending = false;
                    self.finish(reason, PacketType::Close);
                    Some(Transmit {
                        transport,
                        items: vec![Outgoing::Packet(Packet::new(PacketType::Close))],
                    })
                }
                _ => None,
            };
        }
        // Hands the buffer over rather than copying out of it: an idle session keeps no capacity.
        let mut items: Vec<_> = std::mem::take(&mut self.queue).into();
        self.frames_queued = 0;
        if transport == TransportKind::Polling {
            self.poll_pending = false;
        }
        if let Some(reason) = closing {
            if transport == TransportKind::Polling {
                items.push(Outgoing::Packet(Packet::new(PacketType::Close)));
            }
            self.finish(reason, PacketType::Close);
        }
        Some(Transmit { transport, items })
    }

    /// The next event for the driver.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Whether [`poll_event`](Self::poll_event) has something to give.
    pub fn has_event(&self) -> bool {
        !self.events.is_empty()
    }

    /// Ends the session. A waiting GET is answered with `release`.
    fn finish(&mut self, reason: CloseReason, release: PacketType) {
        if self.is_closed() {
            return;
        }
        tracing::debug!(reason = reason.as_str(), "engine.io session closed");
        self.state = State::Closed(reason);
        self.queue.clear();
        self.frames_queued = 0;
        self.heartbeat.stop();
        self.close_deadline = None;
        self.abort_upgrade();
        if self.poll_pending && self.transport == TransportKind::Polling {
            self.poll_pending = false;
            self.poll_release = Some(Packet::new(release));
        }
        self.events.push_back(Event::Closed(reason));
    }
}
