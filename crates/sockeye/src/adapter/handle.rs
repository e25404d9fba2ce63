//! The narrow handle through which a cluster adapter serves the other nodes' requests.

use std::collections::HashSet;
use std::sync::{Arc, Weak};

use socketio_proto::{Packet, Value};
use tokio::sync::mpsc;

use super::{AckResponse, BroadcastOptions, Room, SocketData};
use crate::namespace::{Namespace, NsInner};
use crate::socket::Socket;

use crate::namespace::ServerSideAck;

/// What a cluster adapter may do with its namespace on this node: everything a request from
/// another node needs, and nothing else. It holds the namespace weakly, so an adapter never
/// keeps a closed server alive; once the namespace is gone every call does nothing.
///
/// The name is kept beside the weak reference: a factory runs while its namespace is being
/// made, when the reference cannot be followed yet.
#[derive(Clone)]
pub struct NamespaceHandle {
    ns: Weak<NsInner>,
    name: Arc<str>,
}

impl NamespaceHandle {
    pub(crate) fn new(ns: Weak<NsInner>, name: &str) -> Self {
        NamespaceHandle {
            ns,
            name: name.into(),
        }
    }

    fn ns(&self) -> Option<Namespace> {
        self.ns.upgrade().map(Namespace)
    }

    /// The namespace's name, such as `/` or `/chat`. Known from the start, also while the
    /// factory that is handed the handle runs (before the namespace exists).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends `packet` to the local sockets `opts` selects (a broadcast from another node).
    pub fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) {
        if let Some(ns) = self.ns() {
            ns.local_broadcast(packet, opts);
        }
    }

    /// Sends a recoverable `packet` from the cluster's log to the local sockets `opts`
    /// selects, with `offset` (its position in the log) as its last argument when the server
    /// has connection state recovery on (a cluster adapter that
    /// [`recovers_sessions`](super::ClusterAdapter::recovers_sessions) calls this for the
    /// other nodes' broadcasts).
    pub fn broadcast_at(&self, packet: &Packet, opts: &BroadcastOptions, offset: &str) {
        if let Some(ns) = self.ns() {
            ns.local_broadcast_at(packet, opts, Some(offset));
        }
    }

    /// Sends the EVENT `packet` to the local sockets `opts` selects with a fresh ack id of
    /// this node, and returns their answers as they come. Dropping the result forgets the
    /// answers still owed.
    pub fn broadcast_with_ack(&self, packet: Packet, opts: &BroadcastOptions) -> BroadcastAcks {
        match self.ns() {
            Some(ns) => ns.local_broadcast_with_ack(packet, opts),
            None => BroadcastAcks::empty(),
        }
    }

    /// The local sockets `opts` selects, as data.
    pub fn fetch_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketData> {
        self.ns()
            .map(|ns| {
                ns.local_select(opts)
                    .iter()
                    .map(SocketData::from_local)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The ids of the local sockets in `rooms` (all of them when empty).
    pub fn socket_ids(&self, rooms: &HashSet<Room>) -> Vec<String> {
        let opts = BroadcastOptions {
            rooms: rooms.clone(),
            ..BroadcastOptions::default()
        };
        self.ns()
            .map(|ns| {
                ns.local_select(&opts)
                    .iter()
                    .map(|s| s.id().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Makes the selected local sockets join `rooms`.
    pub fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        if let Some(ns) = self.ns() {
            ns.local_add_sockets(opts, rooms);
        }
    }

    /// Makes the selected local sockets leave `rooms`.
    pub fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        if let Some(ns) = self.ns() {
            ns.local_del_sockets(opts, rooms);
        }
    }

    /// Disconnects the selected local sockets (their whole connection when `close`).
    pub fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        if let Some(ns) = self.ns() {
            ns.local_disconnect_sockets(opts, close);
        }
    }

    /// The rooms with at least one local socket.
    pub fn rooms(&self) -> HashSet<Room> {
        self.ns().map(|ns| ns.rooms()).unwrap_or_default()
    }

    /// Whether `room` has a local socket.
    pub fn has_room(&self, room: &str) -> bool {
        self.ns().is_some_and(|ns| ns.has_room(room))
    }

    /// Runs the namespace's `on_server_side` listeners for an event from another node (its
    /// name first, then its arguments). `ack` answers the sender, when it asked for one.
    pub fn server_side_emit(&self, args: Vec<Value>, ack: ServerSideAck) {
        if let Some(ns) = self.ns() {
            ns.run_server_side(args, ack);
        }
    }
}

impl std::fmt::Debug for NamespaceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("NamespaceHandle")
            .field(&self.name())
            .finish()
    }
}

/// The answers owed for a broadcast with acknowledgements sent to local sockets. Dropping it
/// forgets the answers still owed, so a socket that never answers keeps nothing.
#[derive(Debug)]
pub struct BroadcastAcks {
    count: usize,
    id: u64,
    sockets: Vec<Socket>,
    rx: Option<mpsc::UnboundedReceiver<AckResponse>>,
}

impl BroadcastAcks {
    pub(crate) fn new(
        count: usize,
        id: u64,
        sockets: Vec<Socket>,
        rx: mpsc::UnboundedReceiver<AckResponse>,
    ) -> Self {
        BroadcastAcks {
            count,
            id,
            sockets,
            rx: Some(rx),
        }
    }

    fn empty() -> Self {
        BroadcastAcks {
            count: 0,
            id: 0,
            sockets: Vec::new(),
            rx: None,
        }
    }

    /// The local sockets that were sent the packet.
    pub(crate) fn sockets(&self) -> &[Socket] {
        &self.sockets
    }

    /// How many sockets were sent the packet (how many answers may come).
    pub fn count(&self) -> usize {
        self.count
    }

    /// The next answer: the socket's id and its arguments; `None` once every socket that was
    /// sent the packet has answered or disconnected.
    pub async fn next(&mut self) -> Option<AckResponse> {
        self.rx.as_mut()?.recv().await
    }
}

impl Drop for BroadcastAcks {
    fn drop(&mut self) {
        for socket in &self.sockets {
            socket.forget_ack(self.id);
        }
    }
}
