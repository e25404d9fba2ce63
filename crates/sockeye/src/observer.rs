//! The one seam through which something outside the protocol (the Admin UI) watches the
//! server: sockets coming and going, rooms, events, upgrades, `data` changes.
//!
//! The server holds at most one observer, set once. Each hook site checks the slot with one
//! atomic load and does nothing more while it is empty: no allocation, no lock, so the
//! server pays nothing measurable for the seam while nobody watches (docs/benchmarks.md).
//! Hooks are called on the server's hot paths (no lock held): they must be quick and should
//! not call back into the server (the admin queues what it sees for its own task).

use std::sync::{Arc, OnceLock};

use socketio_proto::Value;

use crate::adapter::Room;
use crate::engine::TransportKind;
use crate::namespace::Namespace;
use crate::socket::{DisconnectReason, Socket};

/// What an observer is told. Every method has a no-op default.
pub(crate) trait Observer: Send + Sync + 'static {
    /// An Engine.IO connection opened on `transport`.
    fn connection_opened(&self, _transport: TransportKind) {}
    /// An Engine.IO connection closed, with the reference's reason string.
    fn connection_closed(&self, _reason: &'static str) {}
    /// A socket joined its namespace (before the connection handlers run).
    fn socket_connected(&self, _socket: &Socket) {}
    /// A socket left its namespace.
    fn socket_disconnected(&self, _socket: &Socket, _reason: DisconnectReason) {}
    /// The connection under `socket` upgraded to websocket.
    fn transport_upgraded(&self, _socket: &Socket) {}
    /// `socket.set_data` replaced the socket's data.
    fn data_changed(&self, _socket: &Socket) {}
    /// Socket `id` joined `room`, where it was not before.
    fn room_joined(&self, _ns: &Namespace, _room: &Room, _id: &str) {}
    /// Socket `id` left `room`, where it was.
    fn room_left(&self, _ns: &Namespace, _room: &Room, _id: &str) {}
    /// An event came in on `socket` (before middlewares and handlers).
    fn event_received(&self, _socket: &Socket, _event: &str, _args: &[Value]) {}
    /// An event was queued to `socket` (broadcasts included, once per recipient).
    fn event_sent(&self, _socket: &Socket, _event: &str, _args: &[Value]) {}
    /// The data of a local socket as another node sees it (`fetch_sockets`).
    fn remote_data(&self, _socket: &Socket, data: Value) -> Value {
        data
    }
}

/// The server's observer, shared by its namespaces; empty until one is set.
pub(crate) type ObserverSlot = Arc<OnceLock<Arc<dyn Observer>>>;
