//! What connection state recovery keeps of a socket while its client is away, and what a
//! cluster adapter hands back when the client returns.

use socketio_proto::Value;

use super::Room;

/// A disconnected socket's state, kept for `max_disconnection_duration` (the reference's
/// `Session`: `{sid, pid, rooms, data}`, in that shape on the wire of a cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionState {
    /// The socket id the client gets back.
    pub sid: String,
    /// The private id the client proves the session is its own with.
    pub pid: String,
    /// The rooms the socket was in, its own id's room included.
    pub rooms: Vec<Room>,
    /// The socket's `data`.
    pub data: Value,
}

/// A session found again, with the packets its client missed.
#[derive(Debug, Clone, PartialEq)]
pub struct RestoredSession {
    /// The state as it was persisted.
    pub state: SessionState,
    /// Each missed EVENT's arguments in emission order: the event name first, its offset last.
    pub missed: Vec<Vec<Value>>,
}

/// Called once with the offset a cluster gave a recoverable packet, or the error that kept it
/// from the other nodes (the packet is then delivered on this node without an offset).
pub type OffsetCallback = Box<dyn FnOnce(Result<String, crate::error::AdapterError>) + Send>;
