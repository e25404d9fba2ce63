//! The messages of `createAdapter` (`@socket.io/redis-adapter` 8.3) and of
//! `@socket.io/redis-emitter` 5.1, field for field and in the reference's key order.

mod broadcast;
mod request;
mod response;

pub use broadcast::{
    BroadcastMessage, EMITTER_UID, decode_broadcast, encode_broadcast, encode_emitter_broadcast,
};
pub use request::{Request, Target};
pub use response::{Response, response_id};

use socketio_proto::Value;

/// The request types of the classic protocol (the reference's `RequestType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RequestType {
    /// The ids of the sockets in some rooms (`allSockets`).
    Sockets = 0,
    /// Every room of a node.
    AllRooms = 1,
    /// Sockets join rooms.
    RemoteJoin = 2,
    /// Sockets leave rooms.
    RemoteLeave = 3,
    /// Sockets disconnect.
    RemoteDisconnect = 4,
    /// The sockets as data (`fetchSockets`).
    RemoteFetch = 5,
    /// An event for the other servers (`serverSideEmit`).
    ServerSideEmit = 6,
    /// A broadcast with acknowledgements.
    Broadcast = 7,
    /// How many sockets a node sent a broadcast with acknowledgements to.
    BroadcastClientCount = 8,
    /// One socket's acknowledgement of such a broadcast.
    BroadcastAck = 9,
}

impl RequestType {
    /// The type for its number.
    pub fn from_u64(n: u64) -> Option<RequestType> {
        Some(match n {
            0 => RequestType::Sockets,
            1 => RequestType::AllRooms,
            2 => RequestType::RemoteJoin,
            3 => RequestType::RemoteLeave,
            4 => RequestType::RemoteDisconnect,
            5 => RequestType::RemoteFetch,
            6 => RequestType::ServerSideEmit,
            7 => RequestType::Broadcast,
            8 => RequestType::BroadcastClientCount,
            9 => RequestType::BroadcastAck,
            _ => return None,
        })
    }

    pub(super) fn value(self) -> Value {
        Value::from(self as u8)
    }
}
