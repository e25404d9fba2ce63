//! The client side of one Engine.IO session, sans-IO.

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::close::CloseReason;
use crate::handshake::OpenPacket;
use crate::packet::{Packet, PacketData, PacketType};
use crate::session::{SendError, TransportKind, Via};

/// The client's settings for one session.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The transport the session opens with.
    pub transport: TransportKind,
    /// Whether to upgrade from long-polling to websocket when the server offers it
    /// (reference `upgrade`, on).
    pub upgrade: bool,
    /// How long the websocket probe may take before the upgrade is given up and the session
    /// goes on polling (10 s; the reference waits without a limit).
    pub upgrade_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            transport: TransportKind::Polling,
            upgrade: true,
            upgrade_timeout: Duration::from_secs(10),
        }
    }
}

/// Something for the client's driver to do on a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientTransmit {
    /// Send a long-polling GET (the handshake while there is no sid yet); feed each packet of
    /// its response to [`ClientSession::handle_packet`], then call
    /// [`ClientSession::handle_poll_done`].
    Poll,
    /// POST these packets as one payload, then call [`ClientSession::handle_post_done`].
    Post(Vec<Packet>),
    /// Write these packets on the current websocket, one frame each.
    WebSocket(Vec<Packet>),
    /// Write this packet on the websocket being upgraded to (`2probe`, then `5`).
    Upgrade(Packet),
}

/// Something the client's driver must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// The handshake is done.
    Opened(OpenPacket),
    /// Open a websocket with this session's id (`transport=websocket&sid=…`) and report it
    /// with [`ClientSession::handle_upgrade_opened`].
    UpgradeStart,
    /// Close the websocket that was being upgraded to; the session goes on polling.
    UpgradeAborted,
    /// The upgrading websocket is now the current transport: stop polling.
    Upgraded,
    /// The session is over. Write the transmits already polled, then close every transport.
    Closed(CloseReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the open packet.
    Opening,
    Open,
    Closed(CloseReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upgrade {
    None,
    /// The websocket is being opened, or `2probe` is out.
    Probing {
        deadline: Instant,
    },
    /// `3probe` came back: polling is paused until no request is in flight, then `5` goes.
    Pausing,
    /// Done or not wanted: never try again in this session.
    Finished,
}

/// The client side of one Engine.IO session: handshake, heartbeat watchdog, polling requests,
/// upgrade and close.
///
/// Protocol 4 heartbeats go from the server: the client answers each ping and closes with
/// `ping timeout` when none comes within `pingInterval + pingTimeout`.
///
/// It does no I/O and reads no clock. Its driver:
/// 1. opens the first transport ([`ClientConfig::transport`]); a websocket reports its
///    frames with [`Via::Current`] from the start;
/// 2. feeds the inputs, each with the current time: [`handle_packet`](Self::handle_packet)
///    for every decoded packet (message data is handed back, in order),
///    [`handle_decode_error`](Self::handle_decode_error), [`handle_poll_done`](Self::handle_poll_done)
///    and [`handle_post_done`](Self::handle_post_done) when a polling request finished,
///    [`handle_upgrade_opened`](Self::handle_upgrade_opened),
///    [`handle_transport_error`](Self::handle_transport_error), [`send`](Self::send),
///    [`close`](Self::close), and [`handle_timeout`](Self::handle_timeout) once
///    [`poll_timeout`](Self::poll_timeout) has passed;
/// 3. after any input, drains [`poll_transmit`](Self::poll_transmit) then
///    [`poll_event`](Self::poll_event) until they return `None`, and sleeps until
///    [`poll_timeout`](Self::poll_timeout).
#[derive(Debug)]
pub struct ClientSession {
    config: ClientConfig,
    state: State,
    transport: TransportKind,
    open: Option<OpenPacket>,
    queue: VecDeque<Packet>,
    /// Control packets (pong, close) that go before queued messages.
    urgent: VecDeque<Packet>,
    upgrade_out: VecDeque<Packet>,
    get_in_flight: bool,
    post_in_flight: bool,
    closing: bool,
    upgrade: Upgrade,
    ping_deadline: Option<Instant>,
    events: VecDeque<ClientEvent>,
}

impl ClientSession {
    /// A session about to open; with polling, the first [`poll_transmit`](Self::poll_transmit)
    /// is the handshake GET.
    pub fn new(config: ClientConfig, _now: Instant) -> ClientSession {
        let transport = config.transport;
        ClientSession {
            config,
            state: State::Opening,
            transport,
            open: None,
            queue: VecDeque::new(),
            urgent: VecDeque::new(),
            upgrade_out: VecDeque::new(),
            get_in_flight: false,
            post_in_flight: false,
            closing: false,
            upgrade: Upgrade::None,
            ping_deadline: None,
            events: VecDeque::new(),
        }
    }

    /// The session id, once open.
    pub fn sid(&self) -> Option<&str> {
        self.open.as_ref().map(|o| o.sid.as_str())
    }

    /// The handshake, once open.
    pub fn handshake(&self) -> Option<&OpenPacket> {
        self.open.as_ref()
    }

    /// The current transport.
    pub fn transport(&self) -> TransportKind {
        self.transport
    }

    /// Whether the handshake is done and the session not closed.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// Whether the session is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// Why the session ended, once it has.
    pub fn close_reason(&self) -> Option<CloseReason> {
        match self.state {
            State::Closed(reason) => Some(reason),
            _ => None,
        }
    }

    /// Queues a message; it goes out with the next transmit on the current transport (after
    /// an upgrade when one is pausing polling).
    pub fn send(&mut self, message: Packet) -> Result<(), SendError> {
        if self.is_closed() || self.closing {
            return Err(SendError::Closed);
        }
        self.queue.push_back(message);
        Ok(())
    }

    /// Closes the session from this side (reason `forced close`): queued messages go first,
    /// then a close packet.
    pub fn close(&mut self, _now: Instant) {
        if self.is_closed() || self.closing {
            return;
        }
        if self.state == State::Opening {
            self.finish(CloseReason::ForcedClose);
            return;
        }
        self.closing = true;
        self.abort_upgrade();
    }

    /// A decoded packet. Returns the data of a message packet.
    #[must_use]
    pub fn handle_packet(&mut self, packet: Packet, via: Via, now: Instant) -> Option<PacketData> {
        if self.is_closed() {
            return None;
        }
        if via == Via::Upgrade {
            self.on_upgrade_packet(packet);
            return None;
        }
        match (self.state, packet.kind) {
            (State::Opening, PacketType::Open) => self.on_open(packet, now),
            (State::Opening, _) => self.finish(CloseReason::ParseError),
            (_, PacketType::Message) => {
                return Some(match packet.data {
                    PacketData::Empty => PacketData::Text(String::new()),
                    data => data,
                });
            }
            (_, PacketType::Ping) => {
                self.ping_deadline = self.heartbeat_deadline(now);
                self.urgent.push_back(Packet::new(PacketType::Pong));
            }
            (_, PacketType::Close) => self.finish(CloseReason::TransportClose),
            _ => {}
        }
        None
    }

    fn on_open(&mut self, packet: Packet, now: Instant) {
        let open = match &packet.data {
            PacketData::Text(json) => serde_json::from_str::<OpenPacket>(json).ok(),
            _ => None,
        };
        let Some(open) = open else {
            self.finish(CloseReason::ParseError);
            return;
        };
        let offers_ws = open.upgrades.iter().any(|u| u == "websocket");
        self.state = State::Open;
        self.open = Some(open.clone());
        self.ping_deadline = self.heartbeat_deadline(now);
        self.events.push_back(ClientEvent::Opened(open));
        if self.transport == TransportKind::Polling && self.config.upgrade && offers_ws {
            self.upgrade = Upgrade::Probing {
                deadline: now + self.config.upgrade_timeout,
            };
            self.events.push_back(ClientEvent::UpgradeStart);
        } else {
            self.upgrade = Upgrade::Finished;
        }
    }

    fn heartbeat_deadline(&self, now: Instant) -> Option<Instant> {
        let open = self.open.as_ref()?;
        Some(now + Duration::from_millis(open.ping_interval.saturating_add(open.ping_timeout)))
    }

    fn on_upgrade_packet(&mut self, packet: Packet) {
        if !matches!(self.upgrade, Upgrade::Probing { .. }) {
            return;
        }
        let is_probe_pong = packet.kind == PacketType::Pong
            && matches!(&packet.data, PacketData::Text(t) if t == "probe");
        if is_probe_pong {
            self.upgrade = Upgrade::Pausing;
        } else {
            self.abort_upgrade();
        }
    }

    /// The upgrade websocket is connected: the probe goes out on it.
    pub fn handle_upgrade_opened(&mut self, _now: Instant) {
        if matches!(self.upgrade, Upgrade::Probing { .. }) && !self.closing {
            self.upgrade_out
                .push_back(Packet::with_text(PacketType::Ping, "probe"));
        }
    }

    /// A received frame or payload piece that does not decode.
    pub fn handle_decode_error(&mut self, via: Via, _now: Instant) {
        match via {
            Via::Current => self.finish(CloseReason::ParseError),
            Via::Upgrade => self.abort_upgrade(),
        }
    }

    /// A transport failed or was closed by the peer: the current one ends the session with
    /// `transport error`; the upgrading one only aborts the upgrade.
    pub fn handle_transport_error(&mut self, via: Via, _now: Instant) {
        match via {
            Via::Current => self.finish(CloseReason::TransportError),
            Via::Upgrade => self.abort_upgrade(),
        }
    }

    /// The current websocket was closed by the peer (`transport close`).
    pub fn handle_transport_closed(&mut self, via: Via, _now: Instant) {
        match via {
            Via::Current => self.finish(CloseReason::TransportClose),
            Via::Upgrade => self.abort_upgrade(),
        }
    }

    /// The long-polling GET finished and its packets were fed.
    pub fn handle_poll_done(&mut self, _now: Instant) {
        self.get_in_flight = false;
    }

    /// The POST finished.
    pub fn handle_post_done(&mut self, _now: Instant) {
        self.post_in_flight = false;
    }

    fn abort_upgrade(&mut self) {
        if matches!(self.upgrade, Upgrade::Probing { .. } | Upgrade::Pausing) {
            self.upgrade = Upgrade::Finished;
            self.upgrade_out.clear();
            self.events.push_back(ClientEvent::UpgradeAborted);
        }
    }

    /// Advances the deadlines: no ping in time closes with `ping timeout`; a probe that took
    /// too long is given up.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_closed() {
            return;
        }
        if self.ping_deadline.is_some_and(|at| at <= now) {
            self.finish(CloseReason::PingTimeout);
            return;
        }
        if let Upgrade::Probing { deadline } = self.upgrade {
            if deadline <= now {
                self.abort_upgrade();
            }
        }
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) must be called at.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        let probe = match self.upgrade {
            Upgrade::Probing { deadline } => Some(deadline),
            _ => None,
        };
        [self.ping_deadline, probe].into_iter().flatten().min()
    }

    /// The next thing to write, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<ClientTransmit> {
        if let Some(packet) = self.upgrade_out.pop_front() {
            return Some(ClientTransmit::Upgrade(packet));
        }
        if self.is_closed() {
            return None;
        }
        if self.upgrade == Upgrade::Pausing {
            return self.poll_pausing();
        }
        match self.transport {
            TransportKind::WebSocket => self.poll_websocket(),
            TransportKind::Polling => self.poll_polling(),
        }
    }

    fn take_batch(&mut self) -> Vec<Packet> {
        let mut batch: Vec<Packet> = self.urgent.drain(..).collect();
        batch.extend(self.queue.drain(..));
        if self.closing {
            batch.push(Packet::new(PacketType::Close));
            self.finish(CloseReason::ForcedClose);
        }
        batch
    }

    fn poll_websocket(&mut self) -> Option<ClientTransmit> {
        if self.state == State::Opening {
            return None;
        }
        if self.urgent.is_empty() && self.queue.is_empty() && !self.closing {
            return None;
        }
        Some(ClientTransmit::WebSocket(self.take_batch()))
    }

    fn poll_polling(&mut self) -> Option<ClientTransmit> {
        if self.state == State::Opening {
            if self.get_in_flight {
                return None;
            }
            self.get_in_flight = true;
            return Some(ClientTransmit::Poll);
        }
        let has_data = !self.urgent.is_empty() || !self.queue.is_empty() || self.closing;
        if has_data && !self.post_in_flight {
            self.post_in_flight = true;
            return Some(ClientTransmit::Post(self.take_batch()));
        }
        if !self.get_in_flight && !self.closing {
            self.get_in_flight = true;
            return Some(ClientTransmit::Poll);
        }
        None
    }

    /// Polling is paused: pongs still go by POST, no new GET; once nothing is in flight the
    /// upgrade packet goes on the websocket, which becomes the transport.
    fn poll_pausing(&mut self) -> Option<ClientTransmit> {
        if !self.urgent.is_empty() && !self.post_in_flight {
            self.post_in_flight = true;
            return Some(ClientTransmit::Post(self.urgent.drain(..).collect()));
        }
        if self.get_in_flight || self.post_in_flight {
            return None;
        }
        self.upgrade = Upgrade::Finished;
        self.transport = TransportKind::WebSocket;
        self.events.push_back(ClientEvent::Upgraded);
        Some(ClientTransmit::Upgrade(Packet::new(PacketType::Upgrade)))
    }

    /// The next event for the driver.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn finish(&mut self, reason: CloseReason) {
        if self.is_closed() {
            return;
        }
        tracing::debug!(reason = reason.as_str(), "engine.io client session closed");
        self.abort_upgrade();
        self.state = State::Closed(reason);
        self.queue.clear();
        self.urgent.clear();
        self.ping_deadline = None;
        self.events.push_back(ClientEvent::Closed(reason));
    }
}
