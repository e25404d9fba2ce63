//! The adapter: where rooms live and how a broadcast reaches its sockets.
//!
//! This is the seam of a cluster. The in-memory [`MemoryAdapter`] is the default and serves a
//! single node; a cluster adapter (Redis) forwards each request to the other nodes as well and
//! answers with what every node answered. Requests that may cross nodes are async.

mod members;
mod memory;
mod room_set;

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::future::BoxFuture;
use socketio_proto::{Packet, Value};
use tokio::sync::mpsc;

pub use memory::MemoryAdapter;

use crate::error::AdapterError;
use crate::namespace::NsInner;
use crate::socket::{RemoteSocket, Socket};

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

/// Modifiers of a broadcast, as the reference's `volatile`, `compress`, `local`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Drop the packet for sockets whose transport is not ready to write.
    pub volatile: bool,
    /// The `compress` flag (carried for the cluster protocol; frames are sent uncompressed).
    pub compress: Option<bool>,
    /// Only this node's sockets, even in a cluster.
    pub local: bool,
    /// With acknowledgements: how long to wait for them.
    pub timeout: Option<Duration>,
}

/// An acknowledgement that came back from a broadcast: the socket id and its arguments.
pub type AckResponse = (String, Vec<Value>);

/// The adapter of one namespace. Every method is called with short-lived state only; none
/// may block.
pub trait Adapter: Send + Sync + 'static {
    /// Adds socket `id` to `rooms`.
    fn add_all(&self, id: &str, rooms: &[Room]);
    /// Removes socket `id` from `room`.
    fn del(&self, id: &str, room: &str);
    /// Removes socket `id` from every room.
    fn del_all(&self, id: &str);
    /// Every room with at least one socket on this node (the reference's `adapter.rooms`).
    fn rooms(&self) -> HashSet<Room>;
    /// The rooms socket `id` is in (this node only).
    fn socket_rooms(&self, id: &str) -> HashSet<Room>;
    /// The ids of this node's sockets in `rooms` (every socket when empty).
    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Socket>;
    /// Sends `packet` to the sockets `opts` selects, on every node unless `opts.flags.local`.
    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> Result<(), AdapterError>;
    /// Sends `packet` (whose ack id is set) to the selected sockets and forwards each
    /// acknowledgement into `acks`. Resolves to the number of sockets that were sent the
    /// packet (on every node), so the caller knows how many answers to wait for.
    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        acks: mpsc::UnboundedSender<AckResponse>,
    ) -> BoxFuture<'static, Result<usize, AdapterError>>;
    /// Every room on every node (the cluster's `ALL_ROOMS` request).
    fn all_rooms(&self) -> BoxFuture<'static, Result<HashSet<Room>, AdapterError>>;
    /// The ids of the sockets in `rooms` on every node (`io.allSockets()`).
    fn sockets(
        &self,
        rooms: HashSet<Room>,
    ) -> BoxFuture<'static, Result<HashSet<String>, AdapterError>>;
    /// The sockets `opts` selects, on every node unless local.
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'static, Result<Vec<RemoteSocket>, AdapterError>>;
    /// Makes the selected sockets join `rooms`.
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'static, Result<(), AdapterError>>;
    /// Makes the selected sockets leave `rooms`.
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'static, Result<(), AdapterError>>;
    /// Disconnects the selected sockets (and their whole connection when `close`).
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'static, Result<(), AdapterError>>;
    /// Sends an event to the other nodes' `on_server_side` handlers; resolves to their
    /// acknowledgements (one per node that answered). A single node has no peers: empty.
    fn server_side_emit(
        &self,
        args: Vec<Value>,
    ) -> BoxFuture<'static, Result<Vec<Value>, AdapterError>>;
    /// How many nodes the cluster has (1 for the in-memory adapter).
    fn server_count(&self) -> BoxFuture<'static, usize>;
    /// Releases the adapter's resources when the server closes.
    fn close(&self) -> BoxFuture<'static, ()>;
}

/// This node's sockets of one namespace, handed to an adapter when it is created.
#[derive(Clone)]
pub struct LocalSockets(pub(crate) Weak<NsInner>);

impl LocalSockets {
    /// The local socket with this id, if it is connected to the namespace.
    pub fn get(&self, id: &str) -> Option<Socket> {
        self.0.upgrade()?.sockets.read().ok()?.get(id).cloned()
    }

    /// Every local socket of the namespace.
    pub fn all(&self) -> Vec<Socket> {
        match self.0.upgrade() {
            Some(ns) => ns
                .sockets
                .read()
                .map(|s| s.values().cloned().collect())
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// The namespace's name.
    pub fn namespace(&self) -> String {
        self.0
            .upgrade()
            .map(|ns| ns.name.clone())
            .unwrap_or_default()
    }
}

/// What an adapter factory is given for each namespace it makes an adapter for.
pub struct AdapterContext {
    /// The namespace's name.
    pub namespace: String,
    /// This node's sockets of the namespace.
    pub local: LocalSockets,
}

/// Makes the adapter of each namespace.
pub type AdapterFactory = Arc<dyn Fn(AdapterContext) -> Arc<dyn Adapter> + Send + Sync>;
