//! A socket as data: what `fetch_sockets` ships between nodes.

use socketio_proto::{Map, Value};

use super::Room;
use crate::socket::{Handshake, Socket};

/// A socket described as plain data, in the shape the reference's cluster adapters exchange
/// (`{ id, handshake, rooms, data }`), so that a Node node and a sockeye node understand
/// each other's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketData {
    /// The socket's id.
    pub id: String,
    /// Its handshake, as the reference's `socket.handshake` object (headers, time, address,
    /// xdomain, secure, issued, url, query, auth).
    pub handshake: Value,
    /// Its rooms, its own id's room included.
    pub rooms: Vec<Room>,
    /// Its `data`.
    pub data: Value,
}

impl SocketData {
    pub(crate) fn from_local(socket: &Socket) -> SocketData {
        SocketData {
            id: socket.id().to_owned(),
            handshake: socket.handshake().to_value(),
            rooms: socket.rooms().into_iter().collect(),
            data: match socket.namespace().observer() {
                Some(observer) => observer.remote_data(socket, socket.data_value()),
                None => socket.data_value(),
            },
        }
    }

    /// The reference's object form.
    pub fn to_value(&self) -> Value {
        let mut map = Map::with_capacity(4);
        map.insert("id", Value::String(self.id.clone()));
        map.insert("handshake", self.handshake.clone());
        map.insert(
            "rooms",
            Value::Array(self.rooms.iter().cloned().map(Value::String).collect()),
        );
        map.insert("data", self.data.clone());
        Value::Object(map)
    }

    /// Reads the reference's object form; `None` when it has no string `id`. Missing parts
    /// are empty (a peer's answer is taken as far as it goes).
    pub fn from_value(value: &Value) -> Option<SocketData> {
        let id = value.get("id")?.as_str()?.to_owned();
        let rooms = value
            .get("rooms")
            .and_then(Value::as_array)
            .map(|rooms| rooms.iter().filter_map(room_name).collect::<Vec<_>>())
            .unwrap_or_default();
        Some(SocketData {
            id,
            handshake: value.get("handshake").cloned().unwrap_or(Value::Null),
            rooms,
            data: value.get("data").cloned().unwrap_or(Value::Null),
        })
    }

    /// The handshake as a [`Handshake`].
    pub fn handshake(&self) -> Handshake {
        Handshake::from_value(&self.handshake)
    }
}

/// A room name from the wire: a string, or a number (Node rooms may be any key).
pub(crate) fn room_name(value: &Value) -> Option<Room> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
