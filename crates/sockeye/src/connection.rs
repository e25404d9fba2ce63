//! One Engine.IO connection seen from the Socket.IO layer: it decodes packets, routes them to
//! the connection's sockets (one per namespace), and closes them when the transport goes.
//!
//! It runs in the session's task, with its sockets: packets are read in order; CONNECT runs
//! the namespace's middlewares beside the reading (a slow one holds no other namespace);
//! EVENT goes to the socket's queue, whose handlers run one at a time in arrival order; ACK is
//! answered on the spot, so that a handler awaiting an acknowledgement never waits behind
//! itself.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use socketio_proto::{Decoder, Map, Packet, PacketData, Parser, Value};
use tracing::Instrument;

use crate::adapter::RestoredSession;
use crate::engine::{
    CloseReason, EngineIncoming, EngineSession, Frame, Incoming, Protocol, SendError,
    percent_decode,
};
use crate::error::{ConnectError, EmitError};
use crate::log_limit::warn_limited;
use crate::metrics::Counters;
use crate::server::ServerInner;
use crate::socket::{DisconnectReason, Socket, SocketEvent};

/// The connection's state shared with its sockets.
pub(crate) struct Connection {
    session: EngineSession,
    parser: Parser,
    pub(crate) counters: Arc<Counters>,
    /// The connected socket of each namespace. A connection joins a few namespaces (most
    /// one): a `Vec` scanned costs less than a map, and holds no table while empty.
    sockets: Mutex<Vec<(String, Socket)>>,
    /// Namespaces whose CONNECT is still in the middlewares.
    pending: Mutex<Vec<String>>,
}

impl Connection {
    pub(crate) fn session(&self) -> &EngineSession {
        &self.session
    }

    /// Queues frames on the transport. A volatile packet is dropped when the transport is not
    /// ready; a full outbox means the client does not keep up, and it is disconnected.
    pub(crate) fn send(&self, frames: &[Frame], volatile: bool) -> Result<(), EmitError> {
        if volatile && !self.session.writable() {
            Counters::add(&self.counters.volatile_dropped, 1);
            return Ok(());
        }
        match self.session.send_all(frames) {
            Ok(()) => {
                Counters::add(&self.counters.packets_out, 1);
                let bytes = frames.iter().map(|f| f.wire_len() as u64).sum();
                Counters::add(&self.counters.bytes_out, bytes);
                Ok(())
            }
            Err(SendError::Full) => {
                Counters::add(&self.counters.slow_consumers, 1);
                warn_limited!(
                    sid = self.session.id(),
                    "outbox full: closing a slow consumer"
                );
                // The sockets go now: a polling transport may take its close timeout (30 s)
                // to learn of the close, and a slow consumer must not hold rooms meanwhile.
                self.close_sockets(DisconnectReason::ForcedClose);
                // What it holds goes now too: its queue, and a write it does not read.
                self.session.close_now(CloseReason::ForcedClose);
                Err(EmitError::OutboxFull)
            }
            Err(_) => Err(EmitError::Disconnected),
        }
    }

    pub(crate) fn forget_socket(&self, nsp: &str, id: &str) {
        if let Ok(mut sockets) = self.sockets.lock() {
            sockets.retain(|(n, s)| !(n == nsp && s.id() == id));
            if sockets.is_empty() {
                *sockets = Vec::new();
            }
        }
    }

    fn socket(&self, nsp: &str) -> Option<Socket> {
        let sockets = self.sockets.lock().ok()?;
        sockets
            .iter()
            .find(|(n, _)| n == nsp)
            .map(|(_, s)| s.clone())
    }

    fn has_sockets(&self) -> bool {
        self.sockets.lock().is_ok_and(|s| !s.is_empty())
    }

    /// The connected sockets, one per namespace.
    pub(crate) fn sockets(&self) -> Vec<Socket> {
        self.all_sockets()
    }

    fn all_sockets(&self) -> Vec<Socket> {
        self.sockets
            .lock()
            .map(|s| s.iter().map(|(_, socket)| socket.clone()).collect())
            .unwrap_or_default()
    }

    /// `socket.disconnect(true)`: every socket leaves its namespace, then the connection
    /// closes.
    pub(crate) fn disconnect_all(&self) {
        for socket in self.all_sockets() {
            socket.send_disconnect_packet();
            socket.close_with(DisconnectReason::ServerNamespaceDisconnect);
        }
        self.session.close(CloseReason::ForcedClose);
    }

    /// Closes every socket with `reason` (the transport is gone or the server shuts down).
    pub(crate) fn close_sockets(&self, reason: DisconnectReason) {
        for socket in self.all_sockets() {
            socket.close_with(reason);
        }
    }

    fn send_packet(&self, packet: &Packet) {
        let _ = self.send(&crate::packet::frames(self.parser, packet), false);
    }
}

/// The connection's sockets at work, each a future polled by the connection: a CONNECT's
/// middlewares, then the socket's handlers until it closes.
type Sockets = FuturesUnordered<Pin<Box<dyn Future<Output = ()> + Send>>>;

/// Drives one connection until its transport closes and its sockets said goodbye. It runs in
/// the session's task, and its sockets run in it too: a message wakes no other task.
pub(crate) async fn run(
    server: Arc<ServerInner>,
    session: EngineSession,
    mut incoming: EngineIncoming,
) {
    let parser = server.config.parser;
    let conn = Arc::new(Connection {
        session,
        parser,
        counters: server.counters.clone(),
        sockets: Mutex::new(Vec::new()),
        pending: Mutex::new(Vec::new()),
    });
    server.connections.register(&conn);
    let observer = server.observer.get().cloned();
    if let Some(observer) = &observer {
        observer.connection_opened(conn.session.transport());
    }
    let mut decoder = Decoder::with_parser(parser, server.config.decoder_limits.clone());
    let connect_deadline = tokio::time::Instant::now() + server.config.connect_timeout;
    let mut joined_once = false;
    let mut sockets = Sockets::new();
    // An event for a socket whose queue is full: reading waits until it has room, so that a
    // slow handler slows its own client down (and nobody else).
    let mut stalled: Option<(Socket, SocketEvent)> = None;
    if conn.session.protocol() == Protocol::V3 {
        // Socket.IO v4 clients are in the main namespace without asking.
        let main = Packet {
            nsp: "/".to_owned(),
            data: PacketData::Connect(None),
        };
        route(&server, &conn, main, &mut sockets);
    }

    loop {
        // One timer for both deadlines (each is a timer's worth of the connection's memory).
        let attachments_deadline = decoder.poll_timeout().map(tokio::time::Instant::from_std);
        let deadline = match (joined_once, attachments_deadline) {
            (false, Some(attachments)) => Some(attachments.min(connect_deadline)),
            (false, None) => Some(connect_deadline),
            (true, attachments) => attachments,
        };
        tokio::select! {
            Some(()) = sockets.next(), if !sockets.is_empty() => {}
            () = room_for(stalled.as_ref()), if stalled.is_some() => {
                if let Some((socket, event)) = stalled.take() {
                    stalled = socket.try_push_event(event).map(|event| (socket, event));
                }
            }
            message = incoming.recv(), if stalled.is_none() => {
                // As a websocket carries it: a text message has its packet type `4` first.
                let size = match &message {
                    Incoming::Text(text) => text.len() + 1,
                    Incoming::Binary(bytes) => bytes.len(),
                    Incoming::Close(_) => 0,
                };
                Counters::add(&conn.counters.bytes_in, size as u64);
                let decoded = match message {
                    Incoming::Text(text) => decoder.decode_text(&text, std::time::Instant::now()),
                    Incoming::Binary(bytes) => decoder.decode_binary(bytes),
                    Incoming::Close(reason) => {
                        conn.close_sockets(reason.into());
                        if let Some(observer) = &observer {
                            observer.connection_closed(reason.as_str());
                        }
                        break;
                    }
                };
                match decoded {
                    Ok(Some(packet)) => {
                        Counters::add(&conn.counters.packets_in, 1);
                        match route(&server, &conn, packet, &mut sockets) {
                            Routed::Done => {}
                            Routed::Stalled(socket, event) => stalled = Some((socket, event)),
                            Routed::Invalid => {
                                // The reference's "invalid state": the whole client is closed.
                                warn_limited!(sid = conn.session.id(), "packet invalid in this state: closing");
                                conn.close_sockets(DisconnectReason::ForcedServerClose);
                                conn.session.close(CloseReason::ForcedClose);
                            }
                        }
                        // Checked until the first namespace is joined, without copying handles.
                        if !joined_once {
                            joined_once = conn.has_sockets();
                        }
                    }
                    Ok(None) => {}
                    Err(err) => {
                        warn_limited!(sid = conn.session.id(), %err, "invalid packet: closing");
                        conn.session.close(CloseReason::ForcedClose);
                    }
                }
            }
            () = sleep_until_opt(deadline) => {
                let now = tokio::time::Instant::now();
                if !joined_once && now >= connect_deadline {
                    joined_once = true;
                    if !conn.has_sockets() {
                        tracing::debug!(sid = conn.session.id(), "no namespace joined in time");
                        conn.session.close(CloseReason::ForcedClose);
                    }
                }
                if attachments_deadline.is_some_and(|at| now >= at) {
                    warn_limited!(sid = conn.session.id(), "attachments did not arrive in time");
                    conn.session.close(CloseReason::ForcedClose);
                    decoder = Decoder::with_parser(parser, server.config.decoder_limits.clone());
                }
            }
        }
    }
    server.connections.unregister(&conn);
    // The sockets' disconnect handlers, and CONNECTs still in their middlewares.
    while sockets.next().await.is_some() {}
}

/// Resolves once the stalled event's socket has room for it (or is closed).
async fn room_for(stalled: Option<&(Socket, SocketEvent)>) {
    match stalled {
        Some((socket, _)) => socket.event_room().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_opt(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// What became of a packet.
enum Routed {
    Done,
    /// Not valid in the connection's state (the reference then closes the connection).
    Invalid,
    /// An event for a socket whose queue is full, to hand over once it has room.
    Stalled(Socket, SocketEvent),
}

/// Routes one packet: a CONNECT starts a socket among `sockets`.
fn route(
    server: &Arc<ServerInner>,
    conn: &Arc<Connection>,
    packet: Packet,
    sockets: &mut Sockets,
) -> Routed {
    tracing::debug!(kind = ?packet.packet_type(), nsp = %packet.nsp, "packet in");
    let Packet { nsp, data } = packet;
    match data {
        // A Socket.IO v4 client puts its query in the namespace (`/admin?token=x`): that is
        // its auth.
        PacketData::Connect(None)
            if conn.session.protocol() == Protocol::V3 && nsp.contains('?') =>
        {
            let (path, query) = nsp.split_once('?').unwrap_or((&nsp, ""));
            let mut auth = Map::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                auth.insert(
                    percent_decode(k).into_owned(),
                    Value::String(percent_decode(v).into_owned()),
                );
            }
            let packet = Packet {
                nsp: path.to_owned(),
                data: PacketData::Connect(Some(Value::Object(auth))),
            };
            route(server, conn, packet, sockets)
        }
        PacketData::Connect(auth) => {
            if conn.socket(&nsp).is_some() {
                return Routed::Invalid;
            }
            let fresh = conn
                .pending
                .lock()
                .map(|mut p| {
                    if p.contains(&nsp) {
                        return false;
                    }
                    p.reserve_exact(1);
                    p.push(nsp.clone());
                    true
                })
                .unwrap_or(false);
            if fresh {
                // A duplicate CONNECT while the first is in the middlewares is ignored: the
                // middlewares run once per namespace connection. They run beside the
                // connection's reading: a slow one holds neither the other namespaces nor
                // the packets for this one.
                let auth = auth.unwrap_or_else(|| Value::Object(Map::new()));
                let span = tracing::debug_span!("socket", nsp = %nsp, id = tracing::field::Empty);
                let (server, conn) = (server.clone(), conn.clone());
                let work = async move {
                    // Boxed apart and gone once connected: a socket's long life holds only
                    // what its handlers need, not what its CONNECT did.
                    if let Some(socket) = Box::pin(connect(server, conn, nsp, auth)).await {
                        crate::socket::run_task(socket).await;
                    }
                };
                sockets.push(Box::pin(work.instrument(span)));
            }
            Routed::Done
        }
        PacketData::Disconnect => {
            if let Some(socket) = conn.socket(&nsp) {
                socket.close_with(DisconnectReason::ClientNamespaceDisconnect);
                Routed::Done
            } else {
                Routed::Invalid
            }
        }
        PacketData::Event { args, id } => {
            let Some(socket) = conn.socket(&nsp) else {
                return Routed::Invalid;
            };
            // Backpressure: a socket whose handlers fall behind stops the reading of its
            // connection rather than queueing without bound.
            match socket.try_push_event(SocketEvent { args, id }) {
                Some(event) => Routed::Stalled(socket, event),
                None => Routed::Done,
            }
        }
        PacketData::Ack { args, id } => {
            let Some(socket) = conn.socket(&nsp) else {
                return Routed::Invalid;
            };
            socket.on_ack(id, args);
            Routed::Done
        }
        PacketData::ConnectError(_) => Routed::Invalid,
    }
}

/// Runs a CONNECT: find or create the namespace, run its middlewares, then add the socket
/// (`None`: refused, or the connection closed meanwhile).
async fn connect(
    server: Arc<ServerInner>,
    conn: Arc<Connection>,
    nsp: String,
    auth: Value,
) -> Option<Socket> {
    let done = |conn: &Connection| {
        if let Ok(mut pending) = conn.pending.lock() {
            pending.retain(|n| n != &nsp);
            if pending.is_empty() {
                *pending = Vec::new();
            }
        }
    };
    let Some((ns, joining)) = server.namespace_for(&nsp, &auth).await else {
        crate::log_limit::info_limited!(
            sid = conn.session.id(),
            nsp,
            "connection to an unknown namespace refused"
        );
        done(&conn);
        conn.send_packet(&connect_error(
            &conn,
            &nsp,
            &ConnectError::new("Invalid namespace"),
        ));
        return None;
    };
    // Kept for after the socket took the auth: where the client said it stopped.
    let claim = recovery_claim(&auth).map(|(pid, offset)| (pid.to_owned(), offset.to_owned()));
    let restored = match &claim {
        Some((pid, offset)) if ns.recovery().is_some() => ns.restore_session(pid, offset).await,
        _ => None,
    };
    let socket = Socket::new(
        ns.clone(),
        conn.clone(),
        auth,
        server.config.socket_queue,
        restored.as_ref().map(|r| &r.state),
    );
    tracing::Span::current().record("id", socket.id());
    let skip_middlewares =
        restored.is_some() && ns.recovery().is_some_and(|r| r.config().skip_middlewares);
    if !skip_middlewares {
        for middleware in ns.middlewares() {
            if let Err(err) = middleware(socket.clone()).await {
                crate::log_limit::info_limited!(sid = conn.session.id(), nsp, error = %err.message, "connection refused by a middleware");
                done(&conn);
                if !conn.session.is_closed() {
                    conn.send_packet(&connect_error(&conn, &nsp, &err));
                }
                return None;
            }
        }
    }
    done(&conn);
    if conn.session.is_closed() {
        if let Some(restored) = restored {
            // Gone again before it was back: the state waits for the next attempt.
            ns.persist_session(restored.state);
        }
        return None;
    }
    // Socket.IO v4 (Engine.IO 3) clients get a bare CONNECT: their id is the engine's.
    let reply = (conn.session.protocol() != Protocol::V3).then(|| {
        let mut reply = Map::new();
        reply.insert("sid", Value::String(socket.id().to_owned()));
        if let Some(pid) = socket.pid() {
            reply.insert("pid", Value::String(pid.to_owned()));
        }
        Value::Object(reply)
    });
    let reply = Packet {
        nsp: nsp.clone(),
        data: PacketData::Connect(reply),
    };
    ns.add_socket(&socket);
    drop(joining);
    tracing::debug!(nsp, id = socket.id(), "socket connected");
    match restored {
        None => {
            socket.set_connected();
            ns.join(&socket, &[socket.id().to_owned()]);
            register(&conn, &nsp, &socket);
            conn.send_packet(&reply);
        }
        Some(RestoredSession { state, mut missed }) => {
            let mut rooms = state.rooms;
            if !rooms.iter().any(|r| r == socket.id()) {
                rooms.push(socket.id().to_owned());
            }
            ns.join(&socket, &rooms);
            // What was sent between reading the log and joining the rooms.
            let last = missed
                .last()
                .and_then(|args| args.last())
                .and_then(Value::as_str)
                .or(claim.as_ref().map(|(_, offset)| offset.as_str()))
                .map(str::to_owned);
            if let Some(last) = last {
                missed.extend(ns.packets_after(&last, &rooms).await);
            }
            register(&conn, &nsp, &socket);
            socket.finish_restore(missed, &reply);
            tracing::debug!(sid = socket.id(), "connection state recovered");
            if conn.session.is_closed() {
                socket.close_with(DisconnectReason::TransportClose);
            }
        }
    }
    if let Some(observer) = ns.observer() {
        observer.socket_connected(&socket);
    }
    Some(socket)
}

/// Makes `socket` the connection's socket of namespace `nsp`.
fn register(conn: &Connection, nsp: &str, socket: &Socket) {
    if let Ok(mut sockets) = conn.sockets.lock() {
        match sockets.iter_mut().find(|(n, _)| n == nsp) {
            Some(slot) => slot.1 = socket.clone(),
            None => {
                sockets.reserve_exact(1);
                sockets.push((nsp.to_owned(), socket.clone()));
            }
        }
    }
}

/// The private id and offset a reconnecting client sends in its CONNECT's auth to recover
/// its session (both strings, as the reference requires).
fn recovery_claim(auth: &Value) -> Option<(&str, &str)> {
    let Value::Object(auth) = auth else {
        return None;
    };
    Some((auth.get("pid")?.as_str()?, auth.get("offset")?.as_str()?))
}

fn connect_error(conn: &Connection, nsp: &str, err: &ConnectError) -> Packet {
    if conn.session.protocol() == Protocol::V3 {
        // Socket.IO v4 clients get the error's data, or else its message.
        let body = err
            .data
            .clone()
            .unwrap_or_else(|| Value::String(err.message.clone()));
        return Packet {
            nsp: nsp.to_owned(),
            data: PacketData::ConnectError(body),
        };
    }
    let mut body = Map::new();
    body.insert("message", Value::String(err.message.clone()));
    if let Some(data) = &err.data {
        body.insert("data", data.clone());
    }
    Packet {
        nsp: nsp.to_owned(),
        data: PacketData::ConnectError(Value::Object(body)),
    }
}
