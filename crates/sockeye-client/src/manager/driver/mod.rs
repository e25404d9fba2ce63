//! The one task per manager that owns the connection: the sans-IO Engine.IO session, the
//! transports under it, the Socket.IO decoder, the namespaces' state and reconnection.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use engineio_proto::{PacketData, Via};
use socketio_proto::{Decoder, DecoderLimits, Packet, Value};
use tokio::sync::{mpsc, oneshot};

use super::backoff::Backoff;
use super::{Command, ManagerListeners, ManagerShared, SocketEvent, encoded_len};
use crate::error::{ConnectError, DisconnectReason};
use crate::transport::TransportEvent;
use crate::transport::target::Target;

mod backlog;
mod engine;

use engine::Engine;

/// A namespace as the driver sees it.
#[derive(Default)]
struct Nsp {
    /// The application wants it joined (until `disconnect` or a refusal).
    active: bool,
    connected: bool,
    /// Packets emitted while not joined, each with the bytes it counts for in its link's
    /// [`OfflineBytes`](super::offline::OfflineBytes).
    buffer: VecDeque<(Packet, usize)>,
    /// Events that came before the CONNECT answer (a recovered session's missed events come
    /// first): handed to the handlers, in order, before `connect`.
    received: Vec<(Vec<Value>, Option<u64>, usize)>,
    /// Events for the handlers that did not fit their queue, in order, each with its size:
    /// while any namespace has some, reading pauses.
    backlog: VecDeque<(SocketEvent, usize)>,
}

struct Driver {
    shared: Arc<ManagerShared>,
    target: Arc<Target>,
    nsps: HashMap<String, Nsp>,
    engine: Option<Engine>,
    attempts: u64,
    events_tx: mpsc::Sender<TransportEvent>,
    auth_tx: mpsc::Sender<(u64, String, Option<Value>)>,
    decoder: Decoder,
    /// The bytes of the messages fed to the decoder since its last packet: the size the
    /// next packet counts for in its socket's queue.
    incoming: usize,
    backoff: Backoff,
    reconnect_at: Option<tokio::time::Instant>,
    /// A lost connection is followed by reconnection attempts.
    reconnecting: bool,
}

/// Transport reports queued for the driver: also the most read messages that can still come
/// in once reading paused (see `backlog.rs`).
const REPORTS: usize = 64;

/// Runs the manager's connection until every handle is dropped.
pub(crate) async fn run(
    shared: Arc<ManagerShared>,
    target: Arc<Target>,
    mut commands: mpsc::Receiver<Command>,
    mut dropped: oneshot::Receiver<()>,
) {
    let (events_tx, mut events) = mpsc::channel(REPORTS);
    // One answer per namespace and connection attempt: a handful at most.
    let (auth_tx, mut auths) = mpsc::channel(16);
    let o = shared.options.clone();
    let room = shared.room.clone();
    let mut d = Driver {
        shared,
        target,
        nsps: HashMap::new(),
        engine: None,
        attempts: 0,
        events_tx,
        auth_tx,
        // The reference client sets no limits; these only keep a broken server from making
        // the client hold without bound.
        decoder: Decoder::with_parser(
            o.parser,
            DecoderLimits::default()
                .max_attachments(1024)
                .max_attachment_bytes(100 << 20),
        ),
        incoming: 0,
        backoff: Backoff::new(
            o.reconnection_delay,
            o.reconnection_delay_max,
            o.randomization_factor,
        ),
        reconnect_at: None,
        reconnecting: false,
    };
    loop {
        let deadline = d.deadline();
        tokio::select! {
            // Sent or dropped, it means the same: every user handle is gone.
            _ = &mut dropped => {
                // What the handles asked before they went still happens, in order.
                while let Ok(command) = commands.try_recv() {
                    d.on_command(command);
                }
                d.close_all();
                d.flush().await;
                d.shared.shutdown_sockets();
                return;
            }
            Some(command) = commands.recv() => d.on_command(command),
            Some(event) = events.recv() => d.on_transport(event),
            () = room.notified(), if d.paused() => d.refill(),
            Some((attempt, nsp, auth)) = auths.recv() => d.send_connect(attempt, &nsp, auth),
            () = sleep_until(deadline) => d.on_timeout(),
        }
        d.flush().await;
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn to_tokio(at: Instant) -> tokio::time::Instant {
    let now = Instant::now();
    tokio::time::Instant::now() + at.saturating_duration_since(now)
}

impl Driver {
    fn deadline(&self) -> Option<tokio::time::Instant> {
        let engine = self.engine.as_ref().and_then(|e| {
            [
                e.session.poll_timeout(),
                e.open_deadline,
                self.decoder.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min()
        });
        [engine.map(to_tokio), self.reconnect_at]
            .into_iter()
            .flatten()
            .min()
    }

    fn set_socket_state(&self, nsp: &str, connected: bool, id: Option<String>) {
        if let Some(link) = self.shared.link(nsp) {
            let mut state = link.state();
            state.connected = connected;
            if id.is_some() || !connected {
                state.id = id;
            }
        }
    }

    fn manager_event<A: Clone>(
        &self,
        pick: impl Fn(&ManagerListeners) -> &Vec<Arc<dyn Fn(A) + Send + Sync>>,
        arg: A,
    ) {
        self.shared.emit(pick, arg);
    }

    // ----- commands ---------------------------------------------------------------------

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Connect(nsp) => {
                let entry = self.nsps.entry(nsp.clone()).or_default();
                let was_active = std::mem::replace(&mut entry.active, true);
                match &self.engine {
                    Some(e) if e.opened && !was_active => {
                        let attempt = e.attempt;
                        self.request_connect(attempt, nsp);
                    }
                    Some(_) => {}
                    None if self.reconnect_at.is_some() => {}
                    // Also after reconnection gave up: connecting again starts afresh.
                    None => {
                        self.backoff.reset();
                        self.open_engine();
                    }
                }
            }
            Command::Disconnect(nsp) => {
                let Some(entry) = self.nsps.get_mut(&nsp) else {
                    return;
                };
                let was_connected = entry.connected;
                entry.active = false;
                entry.connected = false;
                let kept: usize = entry.buffer.drain(..).map(|(_, size)| size).sum();
                entry.received.clear();
                if let Some(link) = self.shared.link(&nsp) {
                    link.offline.release(kept);
                }
                if was_connected {
                    self.send_packet(&Packet::disconnect(nsp.clone()));
                    self.left(&nsp, DisconnectReason::IoClientDisconnect);
                }
                self.close_if_idle();
            }
            Command::Packet {
                packet,
                volatile,
                reserved,
            } => {
                let connected = self.nsps.get(&packet.nsp).is_some_and(|e| e.connected);
                if connected {
                    self.send_packet(&packet);
                    if let Some(link) = self.shared.link(&packet.nsp) {
                        link.offline.release(reserved);
                    }
                } else if !volatile {
                    self.keep(packet, reserved);
                }
            }
            Command::Close => self.close_all(),
        }
    }

    /// Keeps a packet until its namespace is joined. One the socket did not count (it saw
    /// the namespace joined a moment ago) is counted now, and dropped if it does not fit.
    fn keep(&mut self, packet: Packet, reserved: usize) {
        let Some(link) = self.shared.link(&packet.nsp) else {
            return;
        };
        let size = if reserved > 0 {
            reserved
        } else {
            let options = &self.shared.options;
            let size = encoded_len(&packet, options.parser);
            if !link.offline.try_add(size, options.max_buffered_bytes) {
                tracing::warn!(nsp = packet.nsp, size, "offline buffer full: emit dropped");
                if let Some(id) = ack_id(&packet) {
                    link.forget_ack(id);
                }
                return;
            }
            size
        };
        self.nsps
            .entry(packet.nsp.clone())
            .or_default()
            .buffer
            .push_back((packet, size));
    }

    /// The namespace was left: its sent acks fail and its handlers hear `reason`.
    fn left(&mut self, nsp: &str, reason: DisconnectReason) {
        self.set_socket_state(nsp, false, None);
        if let Some(link) = self.shared.link(nsp) {
            let buffered: Vec<u64> = self
                .nsps
                .get(nsp)
                .map(|e| e.buffer.iter().filter_map(|(p, _)| ack_id(p)).collect())
                .unwrap_or_default();
            link.fail_sent_acks(&buffered);
            self.hand_to_socket(nsp, SocketEvent::Disconnect(reason), 0);
        }
    }

    /// Closes the connection for good: every joined namespace is left first.
    fn close_all(&mut self) {
        self.reconnect_at = None;
        self.reconnecting = false;
        self.backoff.reset();
        let joined: Vec<String> = self
            .nsps
            .iter()
            .filter(|(_, e)| e.connected)
            .map(|(n, _)| n.clone())
            .collect();
        for nsp in &joined {
            self.send_packet(&Packet::disconnect(nsp.clone()));
        }
        for (_, entry) in self.nsps.iter_mut() {
            entry.active = false;
            entry.connected = false;
            entry.received.clear();
        }
        for nsp in joined {
            self.left(&nsp, DisconnectReason::IoClientDisconnect);
        }
        self.close_engine();
    }

    /// No namespace wants the connection any more: close it and do not reconnect.
    fn close_if_idle(&mut self) {
        if self.nsps.values().all(|e| !e.active) {
            self.reconnect_at = None;
            self.reconnecting = false;
            self.close_engine();
        }
    }

    fn close_engine(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.session.close(Instant::now());
        }
    }

    fn schedule_reconnect(&mut self) {
        let options = &self.shared.options;
        if !options.reconnection || !self.nsps.values().any(|e| e.active) {
            self.reconnecting = false;
            return;
        }
        if options
            .reconnection_attempts
            .is_some_and(|max| self.backoff.attempts() >= max)
        {
            self.reconnecting = false;
            self.backoff.reset();
            self.manager_event(ManagerListeners::reconnect_failed, ());
            return;
        }
        let delay = self.backoff.next_delay(rand::random::<f64>());
        tracing::debug!(?delay, attempt = self.backoff.attempts(), "reconnecting");
        self.reconnecting = true;
        self.reconnect_at = Some(tokio::time::Instant::now() + delay);
    }

    fn on_message(&mut self, data: PacketData, now: Instant) {
        let decoded = match data {
            PacketData::Text(text) => {
                self.incoming += text.len();
                self.decoder.decode_text(&text, now)
            }
            PacketData::Binary(bytes) => {
                self.incoming += bytes.len();
                self.decoder.decode_binary(bytes)
            }
            PacketData::Empty => return,
        };
        match decoded {
            Ok(Some(packet)) => {
                let size = std::mem::take(&mut self.incoming);
                self.on_packet(packet, size);
            }
            Ok(None) => {}
            Err(err) => {
                self.incoming = 0;
                tracing::warn!(%err, "undecodable packet from the server");
                if let Some(engine) = &mut self.engine {
                    engine.session.handle_decode_error(Via::Current, now);
                }
            }
        }
    }

    /// Handles a packet that took `size` bytes on the wire.
    fn on_packet(&mut self, packet: Packet, size: usize) {
        use socketio_proto::PacketData as P;
        let nsp = packet.nsp;
        let Some(entry) = self.nsps.get_mut(&nsp) else {
            return;
        };
        match packet.data {
            P::Connect(payload) if entry.active && !entry.connected => {
                entry.connected = true;
                let (buffered, sizes): (Vec<Packet>, Vec<usize>) = entry.buffer.drain(..).unzip();
                let received = std::mem::take(&mut entry.received);
                let sid = payload
                    .as_ref()
                    .and_then(|p| p.get("sid"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.set_socket_state(&nsp, true, sid);
                if let Some(link) = self.shared.link(&nsp) {
                    link.state().recovery.on_connect(payload.as_ref());
                }
                for (args, id, size) in received {
                    self.deliver(&nsp, args, id, size);
                }
                self.hand_to_socket(&nsp, SocketEvent::Connect, 0);
                for p in &buffered {
                    self.send_packet(p);
                }
                if let Some(link) = self.shared.link(&nsp) {
                    link.offline.release(sizes.iter().sum());
                }
            }
            P::ConnectError(payload) if entry.active => {
                entry.active = false;
                entry.connected = false;
                entry.received.clear();
                self.hand_to_socket(
                    &nsp,
                    SocketEvent::ConnectError(ConnectError::from_payload(payload)),
                    0,
                );
                self.close_if_idle();
            }
            P::Disconnect if entry.connected => {
                entry.active = false;
                entry.connected = false;
                self.left(&nsp, DisconnectReason::IoServerDisconnect);
                self.close_if_idle();
            }
            P::Event { args, id } if entry.connected => self.deliver(&nsp, args, id, size),
            P::Event { args, id } if entry.active => entry.received.push((args, id, size)),
            P::Ack { args, id } => {
                if let Some(link) = self.shared.link(&nsp) {
                    link.resolve_ack(id, args);
                }
            }
            _ => {}
        }
    }

    /// Queues an event for the socket's handlers and notes its offset. Queued events always
    /// reach the handlers, even after a disconnection, so noting the offset here rather than
    /// once the (async) handlers finished keeps the server from replaying them a second time.
    fn deliver(&mut self, nsp: &str, args: Vec<Value>, id: Option<u64>, size: usize) {
        if let Some(link) = self.shared.link(nsp) {
            link.state().recovery.on_event(&args, id);
            self.hand_to_socket(nsp, SocketEvent::Event { args, id }, size);
        }
    }
}

fn ack_id(packet: &Packet) -> Option<u64> {
    match packet.data {
        socketio_proto::PacketData::Event { id, .. } => id,
        _ => None,
    }
}
