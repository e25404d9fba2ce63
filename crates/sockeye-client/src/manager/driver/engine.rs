//! The Engine.IO side of the driver: opening a connection, the transports' reports, what
//! the session asks to write, and the session's events.

use std::time::Instant;

use engineio_proto::{
    ClientConfig, ClientEvent, ClientSession, ClientTransmit, CloseReason, TransportKind, Via,
    decode_payload, encode_payload,
};
use socketio_proto::{Packet, Parser, Value};

use super::Driver;
use crate::error::{ConnectError, DisconnectReason};
use crate::manager::{ManagerListeners, SocketEvent, Status, resolve_auth};
use crate::options::Transport;
use crate::transport::polling::Lane;
use crate::transport::{Reporter, TransportEvent, TransportEventKind, WsWriter, open_websocket};

/// One open (or opening) Engine.IO connection.
pub(super) struct Engine {
    pub(super) attempt: u64,
    pub(super) session: ClientSession,
    pub(super) ws: Option<WsWriter>,
    pub(super) upgrade_ws: Option<WsWriter>,
    pub(super) get_lane: Lane,
    pub(super) post_lane: Lane,
    pub(super) opened: bool,
    /// The connection must be open by then (`timeout`).
    pub(super) open_deadline: Option<Instant>,
}

impl Driver {
    // ----- the engine ---------------------------------------------------------------------

    pub(super) fn open_engine(&mut self) {
        self.attempts += 1;
        let options = &self.shared.options;
        let transport = match options.transports.first() {
            Some(Transport::WebSocket) => TransportKind::WebSocket,
            _ => TransportKind::Polling,
        };
        let now = Instant::now();
        let config = ClientConfig {
            transport,
            upgrade: options.upgrade && options.transports.contains(&Transport::WebSocket),
            ..ClientConfig::default()
        };
        tracing::debug!(attempt = self.attempts, ?transport, "opening connection");
        self.decoder.reset();
        self.incoming = 0;
        self.engine = Some(Engine {
            attempt: self.attempts,
            session: ClientSession::new(config, now),
            ws: None,
            upgrade_ws: None,
            get_lane: Lane::default(),
            post_lane: Lane::default(),
            opened: false,
            open_deadline: Some(now + options.timeout),
        });
        if transport == TransportKind::WebSocket {
            open_websocket(self.target.clone(), None, Via::Current, self.reporter());
        }
    }

    pub(super) fn reporter(&self) -> Reporter {
        Reporter {
            attempt: self.attempts,
            tx: self.events_tx.clone(),
            reading: self.shared.reading.subscribe(),
        }
    }

    /// Resolves the auth payload off the driver, then sends CONNECT for `nsp`.
    pub(super) fn request_connect(&self, attempt: u64, nsp: String) {
        let options = self.shared.options.clone();
        let tx = self.auth_tx.clone();
        tokio::spawn(async move {
            let auth = resolve_auth(&options).await;
            let _ = tx.send((attempt, nsp, auth)).await;
        });
    }

    pub(super) fn send_connect(&mut self, attempt: u64, nsp: &str, auth: Option<Value>) {
        let current = self
            .engine
            .as_ref()
            .is_some_and(|e| e.attempt == attempt && e.opened);
        if current && self.nsps.get(nsp).is_some_and(|e| e.active && !e.connected) {
            let auth = match self.shared.link(nsp) {
                Some(link) => link.state().recovery.connect_auth(auth),
                None => auth,
            };
            self.send_packet(&Packet::connect(nsp, auth));
        }
    }

    pub(super) fn send_packet(&mut self, packet: &Packet) {
        let Some(engine) = &mut self.engine else {
            return;
        };
        if self.decoder.parser() == Parser::Msgpack {
            let frame = socketio_proto::encode_msgpack(packet);
            let _ = engine.session.send(engineio_proto::Packet::binary(frame));
            return;
        }
        let encoded = socketio_proto::encode(packet);
        let _ = engine
            .session
            .send(engineio_proto::Packet::message(encoded.text));
        for attachment in encoded.attachments {
            let _ = engine
                .session
                .send(engineio_proto::Packet::binary(attachment));
        }
    }

    pub(super) fn on_timeout(&mut self) {
        let now = Instant::now();
        if self
            .reconnect_at
            .is_some_and(|at| at <= tokio::time::Instant::now())
        {
            self.reconnect_at = None;
            let attempt = self.backoff.attempts();
            self.manager_event(ManagerListeners::reconnect_attempt, attempt);
            if self.nsps.values().any(|e| e.active) {
                self.open_engine();
            }
            return;
        }
        let Some(engine) = &mut self.engine else {
            return;
        };
        if engine.open_deadline.is_some_and(|at| at <= now) {
            self.engine_failed("timeout".to_owned());
            return;
        }
        engine.session.handle_timeout(now);
        if self.decoder.handle_timeout(now) {
            engine.session.handle_decode_error(Via::Current, now);
        }
    }

    pub(super) fn on_transport(&mut self, event: TransportEvent) {
        let now = Instant::now();
        let Some(engine) = &mut self.engine else {
            return;
        };
        if event.attempt != engine.attempt {
            return;
        }
        let mut messages = Vec::new();
        match event.kind {
            TransportEventKind::PollDone(Ok(body)) => {
                for packet in decode_payload(&body) {
                    match packet {
                        Ok(p) => {
                            messages.extend(engine.session.handle_packet(p, Via::Current, now))
                        }
                        Err(_) => engine.session.handle_decode_error(Via::Current, now),
                    }
                }
                engine.session.handle_poll_done(now);
            }
            TransportEventKind::PollDone(Err(err)) | TransportEventKind::PostDone(Err(err)) => {
                if !engine.opened {
                    self.engine_failed(err);
                    return;
                }
                tracing::debug!(%err, "polling request failed");
                engine.session.handle_transport_error(Via::Current, now);
            }
            TransportEventKind::PostDone(Ok(())) => engine.session.handle_post_done(now),
            TransportEventKind::WsOpened(Via::Current, ws) => engine.ws = Some(ws),
            TransportEventKind::WsOpened(Via::Upgrade, ws) => {
                engine.upgrade_ws = Some(ws);
                engine.session.handle_upgrade_opened(now);
            }
            TransportEventKind::WsFailed(via, err) => {
                if via == Via::Current && !engine.opened {
                    self.engine_failed(err);
                    return;
                }
                engine.session.handle_transport_error(via, now);
            }
            TransportEventKind::WsText(via, text) => {
                match engineio_proto::Packet::decode_text(&text) {
                    Ok(p) => messages.extend(engine.session.handle_packet(p, via, now)),
                    Err(_) => engine.session.handle_decode_error(via, now),
                }
            }
            TransportEventKind::WsBinary(via, data) => {
                let p = engineio_proto::Packet::decode_binary(data);
                messages.extend(engine.session.handle_packet(p, via, now));
            }
            TransportEventKind::WsClosed(via, result) => {
                if via == Via::Current && !engine.opened {
                    self.engine_failed(result.err().unwrap_or_else(|| "websocket closed".into()));
                    return;
                }
                match result {
                    Ok(()) => engine.session.handle_transport_closed(via, now),
                    Err(_) => engine.session.handle_transport_error(via, now),
                }
            }
        }
        for data in messages {
            self.on_message(data, now);
        }
    }

    /// The connection could not be opened: the sockets hear `connect_error`, and the
    /// manager tries again later.
    pub(super) fn engine_failed(&mut self, message: String) {
        tracing::debug!(%message, "connection failed");
        self.engine = None;
        self.manager_event(ManagerListeners::error, message.clone());
        if self.reconnecting {
            self.manager_event(ManagerListeners::reconnect_error, message.clone());
        }
        let waiting: Vec<String> = self
            .nsps
            .iter()
            .filter(|(_, e)| e.active)
            .map(|(n, _)| n.clone())
            .collect();
        for nsp in waiting {
            self.hand_to_socket(
                &nsp,
                SocketEvent::ConnectError(ConnectError::new(message.clone())),
                0,
            );
        }
        self.schedule_reconnect();
    }

    // ----- output -----------------------------------------------------------------------

    /// Carries out what the session asks for, then reacts to its events.
    pub(super) async fn flush(&mut self) {
        let reporter = self.reporter();
        let Some(engine) = &mut self.engine else {
            return;
        };
        let sid = engine.session.sid().map(str::to_owned);
        while let Some(transmit) = engine.session.poll_transmit() {
            match transmit {
                ClientTransmit::Poll => {
                    let (lane, target, reporter) = (
                        engine.get_lane.clone(),
                        self.target.clone(),
                        reporter.clone(),
                    );
                    let path = target.request_path(TransportKind::Polling, sid.as_deref());
                    tokio::spawn(async move {
                        let r = lane.get(&target, &path).await;
                        reporter.report(TransportEventKind::PollDone(r)).await;
                    });
                }
                ClientTransmit::Post(packets) => {
                    let (lane, target, reporter) = (
                        engine.post_lane.clone(),
                        self.target.clone(),
                        reporter.clone(),
                    );
                    let path = target.request_path(TransportKind::Polling, sid.as_deref());
                    let payload = encode_payload(&packets);
                    tokio::spawn(async move {
                        let r = lane.post(&target, &path, payload).await;
                        reporter.report(TransportEventKind::PostDone(r)).await;
                    });
                }
                ClientTransmit::WebSocket(packets) => {
                    if let Some(ws) = &engine.ws {
                        for p in packets {
                            let _ = ws.send(p.encode_ws()).await;
                        }
                    }
                }
                ClientTransmit::Upgrade(p) => {
                    if let Some(ws) = &engine.upgrade_ws {
                        let _ = ws.send(p.encode_ws()).await;
                    }
                    if p.kind == engineio_proto::PacketType::Upgrade {
                        // From here on the new websocket is the transport.
                        if let Some(ws) = engine.upgrade_ws.take() {
                            ws.promote();
                            engine.ws = Some(ws);
                        }
                    }
                }
            }
        }
        let mut events = Vec::new();
        while let Some(event) = engine.session.poll_event() {
            events.push(event);
        }
        for event in events {
            self.on_engine_event(event);
        }
    }

    pub(super) fn on_engine_event(&mut self, event: ClientEvent) {
        let Some(engine) = &mut self.engine else {
            return;
        };
        match event {
            ClientEvent::Opened(open) => {
                engine.opened = true;
                engine.open_deadline = None;
                let attempt = engine.attempt;
                let transport = engine.session.transport();
                tracing::debug!(sid = open.sid, "connection open");
                self.shared.set_status(Status {
                    sid: Some(open.sid),
                    transport: Some(public_transport(transport)),
                });
                self.manager_event(ManagerListeners::open, ());
                if self.reconnecting {
                    let attempts = self.backoff.attempts();
                    self.reconnecting = false;
                    self.backoff.reset();
                    self.manager_event(ManagerListeners::reconnect, attempts);
                }
                let wanted: Vec<String> = self
                    .nsps
                    .iter()
                    .filter(|(_, e)| e.active)
                    .map(|(n, _)| n.clone())
                    .collect();
                for nsp in wanted {
                    self.request_connect(attempt, nsp);
                }
            }
            ClientEvent::UpgradeStart => {
                let sid = engine.session.sid().map(str::to_owned);
                open_websocket(self.target.clone(), sid, Via::Upgrade, self.reporter());
            }
            ClientEvent::UpgradeAborted => engine.upgrade_ws = None,
            ClientEvent::Upgraded => {
                let sid = engine.session.sid().map(str::to_owned);
                self.shared.set_status(Status {
                    sid,
                    transport: Some(Transport::WebSocket),
                });
            }
            ClientEvent::Closed(reason) => self.on_engine_closed(reason),
        }
    }

    pub(super) fn on_engine_closed(&mut self, reason: CloseReason) {
        let Some(engine) = self.engine.take() else {
            return;
        };
        // Dropping the writers closes the websockets once what was queued is written.
        drop(engine);
        self.decoder.reset();
        self.incoming = 0;
        self.shared.set_status(Status::default());
        tracing::debug!(reason = reason.as_str(), "connection closed");
        self.manager_event(ManagerListeners::close, reason.as_str());
        let reason = DisconnectReason::from(reason);
        // Events held for a CONNECT answer that will not come: a recovery replays them.
        for entry in self.nsps.values_mut() {
            entry.received.clear();
        }
        let joined: Vec<String> = self
            .nsps
            .iter_mut()
            .filter(|(_, e)| e.connected)
            .map(|(n, e)| {
                e.connected = false;
                n.clone()
            })
            .collect();
        for nsp in joined {
            self.left(&nsp, reason);
        }
        if reason.will_reconnect() {
            self.backoff.reset();
            self.schedule_reconnect();
        }
    }
}

fn public_transport(kind: TransportKind) -> Transport {
    match kind {
        TransportKind::Polling => Transport::Polling,
        TransportKind::WebSocket => Transport::WebSocket,
    }
}
