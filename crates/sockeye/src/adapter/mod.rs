//! Rooms, and the seam of a cluster.
//!
//! Every namespace keeps the rooms of this node's sockets in a local index, in a single node
//! and in a cluster alike. What crosses nodes is the small [`ClusterAdapter`] trait: a
//! namespace asks its local index for the local part of a request and, unless the request is
//! `local`, hands it to the cluster adapter for the other nodes. A cluster adapter answers
//! the other nodes' requests through the namespace's [`NamespaceHandle`], never by reaching
//! into sockets. A server without a cluster adapter is a single node.

mod handle;
mod local;
mod measured;
mod members;
mod room_set;
mod session;
mod socket_data;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use socketio_proto::{Packet, Value};
use tokio::sync::mpsc;

pub use handle::{BroadcastAcks, NamespaceHandle};
pub(crate) use local::LocalRooms;
pub(crate) use measured::Measured;
pub use session::{OffsetCallback, RestoredSession, SessionState};
pub use socket_data::SocketData;
#[cfg(feature = "admin")]
pub(crate) use socket_data::room_name;

use crate::error::AdapterError;

/// A room name. Every socket is also in the room named by its own id.
pub type Room = String;

/// Which sockets a broadcast or a bulk request is for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BroadcastOptions {
    /// Only sockets in at least one of these rooms; every socket when empty.
    pub rooms: HashSet<Room>,
    /// No socket in any of these rooms.
    pub except: HashSet<Room>,
    /// How to send.
    pub flags: BroadcastFlags,
}

impl BroadcastOptions {
    /// Whether these options select a socket that is in `rooms` (its own id's room
    /// included): in one of the targeted rooms, or every socket targeted, and in none of the
    /// excepted ones. What connection state recovery replays to a returning socket.
    pub fn selects(&self, rooms: &[Room]) -> bool {
        let included = self.rooms.is_empty() || rooms.iter().any(|r| self.rooms.contains(r));
        included && !rooms.iter().any(|r| self.except.contains(r))
    }
}

/// Modifiers of a broadcast, as the reference's `volatile`, `compress`, `local`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Drop the packet for sockets whose transport is not ready to write.
    pub volatile: bool,
    /// The `compress` flag: `Some(false)` keeps the message uncompressed on websockets with
    /// permessage-deflate (carried to the other nodes by the cluster protocol).
    pub compress: Option<bool>,
    /// Only this node's sockets, even in a cluster.
    pub local: bool,
    /// With acknowledgements: how long to wait for them.
    pub timeout: Option<Duration>,
}

/// An acknowledgement that came back from a local socket of a broadcast: the socket's id and
/// its arguments.
pub type AckResponse = (String, Vec<Value>);

/// What the other nodes report about a broadcast with acknowledgements, as the reference's
/// `clientCountCallback` and `ack` callbacks.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterAck {
    /// One node sent the packet to this many of its sockets (each node reports once).
    ClientCount(usize),
    /// One socket, on some node, answered with this (its first argument).
    Response(Value),
}

/// What crosses nodes: the requests a namespace hands to the other nodes of a cluster. The
/// local part of each request is done by the namespace itself; an implementation only
/// reaches the other nodes and answers theirs through its [`NamespaceHandle`].
///
/// Futures must resolve: a node that does not answer in time is an
/// [`AdapterError::Timeout`], an unreachable transport an [`AdapterError::Transport`].
pub trait ClusterAdapter: Send + Sync + 'static {
    /// Sends `packet` to the sockets `opts` selects on the other nodes.
    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> Result<(), AdapterError>;

    /// Sends `packet` (an EVENT that wants acknowledgements) to the sockets `opts` selects on
    /// the other nodes. Each node that received it reports a [`ClusterAck::ClientCount`], and
    /// each answer arrives as a [`ClusterAck::Response`]. Resolves to the number of other
    /// nodes expected to report a count.
    fn broadcast_with_ack(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        acks: mpsc::UnboundedSender<ClusterAck>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>>;

    /// The sockets `opts` selects on the other nodes.
    fn fetch_sockets(
        &self,
        opts: &BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<SocketData>, AdapterError>>;

    /// Makes the selected sockets of the other nodes join `rooms`.
    fn add_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>>;

    /// Makes the selected sockets of the other nodes leave `rooms`.
    fn del_sockets(
        &self,
        opts: &BroadcastOptions,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<(), AdapterError>>;

    /// Disconnects the selected sockets of the other nodes (their whole connection when
    /// `close`).
    fn disconnect_sockets(
        &self,
        opts: &BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>>;

    /// Sends an event (its name first, then its arguments) to the other nodes'
    /// `on_server_side` listeners. With `ack`, resolves to one answer per node.
    fn server_side_emit(
        &self,
        args: Vec<Value>,
        ack: bool,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>>;

    /// The rooms of the other nodes.
    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>>;

    /// How many nodes the cluster has, this one included.
    fn server_count(&self) -> BoxFuture<'static, Result<usize, AdapterError>>;

    /// A local socket joined `room`, which had no local socket before (an adapter that
    /// subscribes per room does it here). The default does nothing.
    fn room_created(&self, room: &str) {
        let _ = room;
    }

    /// The last local socket left `room`. The default does nothing.
    fn room_deleted(&self, room: &str) {
        let _ = room;
    }

    /// Releases the adapter's resources when the server closes.
    fn close(&self) -> BoxFuture<'static, ()>;

    // ----- connection state recovery ---------------------------------------------------

    /// Whether this adapter keeps connection state recovery's packet log and disconnected
    /// sessions for the whole cluster, so that a client can recover on any node (the Redis
    /// Streams adapter). When false (the default), a namespace with recovery keeps them in
    /// this node's memory, and the packets from other nodes are logged as they arrive.
    fn recovers_sessions(&self) -> bool {
        false
    }

    /// Publishes a recoverable packet (an EVENT without ack id, not volatile) to the other
    /// nodes and reports its offset in the cluster's log through `then`, which runs exactly
    /// once per call and in the order of the calls (a socket's packets keep their order).
    /// The namespace delivers the packet to its local sockets from `then`. Only called when
    /// [`recovers_sessions`](ClusterAdapter::recovers_sessions) is true; the default
    /// publishes with [`broadcast`](ClusterAdapter::broadcast) and reports an error, as it
    /// has no offset to give.
    fn broadcast_recoverable(&self, packet: Packet, opts: BroadcastOptions, then: OffsetCallback) {
        let result = self
            .broadcast(&packet, &opts)
            .and(Err(AdapterError::Transport(
                "this adapter keeps no recovery log".to_owned(),
            )));
        then(result);
    }

    /// Keeps a disconnected socket's state for `ttl` (only called when
    /// [`recovers_sessions`](ClusterAdapter::recovers_sessions) is true).
    fn persist_session(
        &self,
        session: SessionState,
        ttl: Duration,
    ) -> BoxFuture<'static, Result<(), AdapterError>> {
        let _ = (session, ttl);
        Box::pin(async { Ok(()) })
    }

    /// Forgets the kept state of private id `pid`, if any: its socket left for a reason that
    /// is not recoverable (the namespace keeps a connected socket's state in the cluster
    /// too, so that it outlives a node that is killed). Only called when
    /// [`recovers_sessions`](ClusterAdapter::recovers_sessions) is true.
    fn forget_session(&self, pid: &str) -> BoxFuture<'static, Result<(), AdapterError>> {
        let _ = pid;
        Box::pin(async { Ok(()) })
    }

    /// Takes back the session of private id `pid` with the packets sent after `offset` to
    /// the rooms it was in, or `None` when the session or the offset is unknown (expired, or
    /// too old for the log): the client then gets a fresh session. A session is restored
    /// at most once. Only called when
    /// [`recovers_sessions`](ClusterAdapter::recovers_sessions) is true.
    fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> BoxFuture<'static, Result<Option<RestoredSession>, AdapterError>> {
        let _ = (pid, offset);
        Box::pin(async { Ok(None) })
    }

    /// The recoverable packets logged after `offset` that are for a socket in `rooms`, in
    /// order, each with its offset last (as in [`RestoredSession::missed`]); `None` when
    /// `offset` is no longer in the log. A restored socket joins its rooms after
    /// [`restore_session`](ClusterAdapter::restore_session) read the log, so the namespace
    /// asks again once it has joined, and drops what it then gets twice. Only called when
    /// [`recovers_sessions`](ClusterAdapter::recovers_sessions) is true.
    fn packets_after(
        &self,
        offset: &str,
        rooms: &[Room],
    ) -> BoxFuture<'static, Result<Option<Vec<Vec<Value>>>, AdapterError>> {
        let _ = (offset, rooms);
        Box::pin(async { Ok(Some(Vec::new())) })
    }
}

/// Makes the cluster adapter of each namespace, given the namespace's handle.
pub type ClusterAdapterFactory =
    Arc<dyn Fn(NamespaceHandle) -> Arc<dyn ClusterAdapter> + Send + Sync>;
