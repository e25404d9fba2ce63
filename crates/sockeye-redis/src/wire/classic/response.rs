//! Responses: JSON, except BROADCAST_ACK (msgpack).

use socketio_proto::{Map, MsgpackFlavor, Value};
use sockeye::{Room, SocketData};

use super::RequestType;
use crate::wire::common::{WireError, rooms_from, string_field, write_message};

/// A response on `{key}-response#{nsp}#` (or the requester's own response channel).
/// SOCKETS, ALL_ROOMS and REMOTE_FETCH answers carry no type: the requester knows what it
/// asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// SOCKETS: socket ids.
    Sockets {
        /// The request's id.
        request_id: String,
        /// The ids.
        sockets: Vec<String>,
    },
    /// ALL_ROOMS: room names.
    AllRooms {
        /// The request's id.
        request_id: String,
        /// The rooms.
        rooms: Vec<Room>,
    },
    /// The old one-socket join/leave/disconnect was done.
    Done {
        /// The request's id.
        request_id: String,
    },
    /// REMOTE_FETCH: sockets as data.
    Fetch {
        /// The request's id.
        request_id: String,
        /// The sockets.
        sockets: Vec<SocketData>,
    },
    /// A server-side listener's answer.
    ServerSideEmit {
        /// The request's id.
        request_id: String,
        /// The answer (`null` when the listener answered with nothing).
        data: Value,
    },
    /// BROADCAST_CLIENT_COUNT.
    BroadcastClientCount {
        /// The request's id.
        request_id: String,
        /// How many sockets the node sent the packet to.
        client_count: u64,
    },
    /// BROADCAST_ACK (msgpack): one socket's first acknowledgement argument.
    BroadcastAck {
        /// The request's id.
        request_id: String,
        /// The argument (absent when the socket acknowledged with none, as notepack skips
        /// an `undefined` entry).
        packet: Option<Value>,
    },
}

impl Response {
    /// Encodes the response as the reference does: JSON, or msgpack for BROADCAST_ACK.
    pub fn encode(&self) -> Vec<u8> {
        let mut map = Map::with_capacity(3);
        match self {
            Response::Sockets {
                request_id,
                sockets,
            } => {
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert(
                    "sockets",
                    Value::Array(sockets.iter().cloned().map(Value::String).collect()),
                );
            }
            Response::AllRooms { request_id, rooms } => {
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert(
                    "rooms",
                    Value::Array(rooms.iter().cloned().map(Value::String).collect()),
                );
            }
            Response::Done { request_id } => {
                map.insert("requestId", Value::String(request_id.clone()));
            }
            Response::Fetch {
                request_id,
                sockets,
            } => {
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert(
                    "sockets",
                    Value::Array(sockets.iter().map(SocketData::to_value).collect()),
                );
            }
            Response::ServerSideEmit { request_id, data } => {
                map.insert("type", RequestType::ServerSideEmit.value());
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert("data", data.clone());
            }
            Response::BroadcastClientCount {
                request_id,
                client_count,
            } => {
                map.insert("type", RequestType::BroadcastClientCount.value());
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert("clientCount", Value::from(*client_count));
            }
            Response::BroadcastAck { request_id, packet } => {
                map.insert("type", RequestType::BroadcastAck.value());
                map.insert("requestId", Value::String(request_id.clone()));
                if let Some(packet) = packet {
                    map.insert("packet", packet.clone());
                }
                return write_message(&Value::Object(map), MsgpackFlavor::Notepack);
            }
        }
        Value::Object(map).to_json_string().into_bytes()
    }

    /// Reads a response. `asked` is the type of the pending request with that id, which is
    /// how typeless answers are told apart; `None` reads only the typed ones.
    pub fn from_value(value: Value, asked: Option<RequestType>) -> Result<Response, WireError> {
        let request_id = string_field(&value, "requestId").ok_or(WireError::Shape("requestId"))?;
        let typed = value
            .get("type")
            .and_then(Value::as_u64)
            .and_then(RequestType::from_u64);
        let list = |key: &'static str| match value.get(key) {
            Some(Value::Array(items)) => Ok(items),
            _ => Err(WireError::Shape(key)),
        };
        Ok(match (typed, asked) {
            (Some(RequestType::BroadcastClientCount), _) => Response::BroadcastClientCount {
                request_id,
                client_count: value
                    .get("clientCount")
                    .and_then(Value::as_u64)
                    .ok_or(WireError::Shape("clientCount"))?,
            },
            (Some(RequestType::BroadcastAck), _) => Response::BroadcastAck {
                request_id,
                packet: value.get("packet").cloned(),
            },
            (_, Some(RequestType::ServerSideEmit)) => Response::ServerSideEmit {
                request_id,
                data: value.get("data").cloned().unwrap_or(Value::Null),
            },
            (_, Some(RequestType::Sockets)) => Response::Sockets {
                request_id,
                sockets: list("sockets")?
                    .iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
            },
            (_, Some(RequestType::AllRooms)) => Response::AllRooms {
                request_id,
                rooms: rooms_from(Some(&Value::Array(list("rooms")?.clone())))?,
            },
            (_, Some(RequestType::RemoteFetch)) => Response::Fetch {
                request_id,
                sockets: list("sockets")?
                    .iter()
                    .filter_map(SocketData::from_value)
                    .collect(),
            },
            (_, Some(_)) => Response::Done { request_id },
            (_, None) => return Err(WireError::Shape("type")),
        })
    }
}

/// The request id of a response, to find what it answers before reading the rest.
pub fn response_id(value: &Value) -> Option<&str> {
    value.get("requestId").and_then(Value::as_str)
}
