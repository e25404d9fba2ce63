//! The messages of `createAdapter` (`@socket.io/redis-adapter` 8.3) and of
//! `@socket.io/redis-emitter` 5.1, field for field and in the reference's key order.

use socketio_proto::{Map, Packet, Value};
use sockeye::{BroadcastOptions, Room, SocketData};

use super::common::{
    WireError, decode_any, flags_value, opts_from_value, opts_value, packet_from_value, rooms_from,
    sorted, string_field, write_packet,
};
use crate::msgpack;

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

    fn value(self) -> Value {
        Value::from(self as u8)
    }
}

/// A broadcast: `[uid, packet, opts]` in msgpack, published on `{key}#{nsp}#` (or
/// `{key}#{nsp}#{room}#` when it targets one room).
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastMessage {
    /// The sender's uid (`"emitter"` for an emitter).
    pub uid: String,
    /// The EVENT packet.
    pub packet: Packet,
    /// Which sockets, and the flags.
    pub opts: BroadcastOptions,
}

/// Encodes a broadcast as the adapter does: opts `{rooms, except, flags}`.
pub fn encode_broadcast(uid: &str, packet: &Packet, opts: &BroadcastOptions) -> Vec<u8> {
    encode_broadcast_ordered(uid, packet, opts, false)
}

/// Encodes a broadcast as the emitter does: opts `{rooms, flags, except}`.
pub fn encode_emitter_broadcast(packet: &Packet, opts: &BroadcastOptions) -> Vec<u8> {
    encode_broadcast_ordered(EMITTER_UID, packet, opts, true)
}

/// The uid the Node emitter sends.
pub const EMITTER_UID: &str = "emitter";

fn encode_broadcast_ordered(
    uid: &str,
    packet: &Packet,
    opts: &BroadcastOptions,
    emitter: bool,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    msgpack::write_array_len(&mut out, 3);
    msgpack::write_str(&mut out, uid);
    write_packet(&mut out, packet);
    let rooms = Value::Array(sorted(&opts.rooms));
    let except = Value::Array(sorted(&opts.except));
    let flags = flags_value(&opts.flags);
    msgpack::write_map_len(&mut out, 3);
    msgpack::write_str(&mut out, "rooms");
    msgpack::write_value(&mut out, &rooms);
    if emitter {
        msgpack::write_str(&mut out, "flags");
        msgpack::write_value(&mut out, &flags);
        msgpack::write_str(&mut out, "except");
        msgpack::write_value(&mut out, &except);
    } else {
        msgpack::write_str(&mut out, "except");
        msgpack::write_value(&mut out, &except);
        msgpack::write_str(&mut out, "flags");
        msgpack::write_value(&mut out, &flags);
    }
    out
}

/// Decodes a broadcast.
pub fn decode_broadcast(bytes: &[u8]) -> Result<BroadcastMessage, WireError> {
    let Value::Array(mut parts) = msgpack::decode(bytes)? else {
        return Err(WireError::Shape("broadcast"));
    };
    if parts.len() < 3 {
        return Err(WireError::Shape("broadcast"));
    }
    let opts = opts_from_value(Some(&parts[2]))?;
    let packet = packet_from_value(std::mem::take(&mut parts[1]))?;
    let uid = match &parts[0] {
        Value::String(uid) => uid.clone(),
        _ => String::new(),
    };
    Ok(BroadcastMessage { uid, packet, opts })
}

/// Which sockets a join, leave or disconnect request is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The sockets `opts` selects (the current form; no answer is sent).
    Opts(BroadcastOptions),
    /// One socket by id (the old form, answered with `{requestId}` when the socket is here).
    Socket(String),
}

/// A request on `{key}-request#{nsp}#`.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// SOCKETS: the ids of the sockets in `rooms`.
    Sockets {
        /// The sender's uid.
        uid: Option<String>,
        /// The id its answer carries.
        request_id: String,
        /// Which rooms (all sockets when empty).
        rooms: Vec<Room>,
    },
    /// ALL_ROOMS.
    AllRooms {
        /// The sender's uid.
        uid: Option<String>,
        /// The id its answer carries.
        request_id: String,
    },
    /// REMOTE_JOIN: the selected sockets join `rooms`.
    Join {
        /// The sender's uid (none from an emitter).
        uid: Option<String>,
        /// The id an answer carries (old form only).
        request_id: Option<String>,
        /// Which sockets.
        target: Target,
        /// The rooms to join.
        rooms: Vec<Room>,
    },
    /// REMOTE_LEAVE: the selected sockets leave `rooms`.
    Leave {
        /// The sender's uid (none from an emitter).
        uid: Option<String>,
        /// The id an answer carries (old form only).
        request_id: Option<String>,
        /// Which sockets.
        target: Target,
        /// The rooms to leave.
        rooms: Vec<Room>,
    },
    /// REMOTE_DISCONNECT.
    Disconnect {
        /// The sender's uid (none from an emitter).
        uid: Option<String>,
        /// The id an answer carries (old form only).
        request_id: Option<String>,
        /// Which sockets.
        target: Target,
        /// Whether the whole connection closes.
        close: bool,
    },
    /// REMOTE_FETCH: the selected sockets as data.
    Fetch {
        /// The sender's uid.
        uid: Option<String>,
        /// The id its answer carries.
        request_id: String,
        /// Which sockets.
        opts: BroadcastOptions,
    },
    /// SERVER_SIDE_EMIT: the event name, then its arguments; with a request id when the
    /// sender waits for one answer per node.
    ServerSideEmit {
        /// The sender's uid.
        uid: Option<String>,
        /// Set when an answer is wanted.
        request_id: Option<String>,
        /// The event name first, then the arguments.
        data: Vec<Value>,
    },
    /// BROADCAST: a broadcast with acknowledgements (msgpack).
    Broadcast {
        /// The sender's uid.
        uid: Option<String>,
        /// The id the client count and the acknowledgements carry.
        request_id: String,
        /// The EVENT packet.
        packet: Packet,
        /// Which sockets.
        opts: BroadcastOptions,
    },
}

impl Request {
    /// The sender's uid, if it sent one.
    pub fn uid(&self) -> Option<&str> {
        match self {
            Request::Sockets { uid, .. }
            | Request::AllRooms { uid, .. }
            | Request::Join { uid, .. }
            | Request::Leave { uid, .. }
            | Request::Disconnect { uid, .. }
            | Request::Fetch { uid, .. }
            | Request::ServerSideEmit { uid, .. }
            | Request::Broadcast { uid, .. } => uid.as_deref(),
        }
    }

    /// Encodes the request as the reference does: JSON, or msgpack for BROADCAST.
    pub fn encode(&self) -> Vec<u8> {
        let mut map = Map::with_capacity(5);
        let uid = |map: &mut Map, uid: &Option<String>| {
            if let Some(uid) = uid {
                map.insert("uid", Value::String(uid.clone()));
            }
        };
        match self {
            Request::Sockets {
                uid: u,
                request_id,
                rooms,
            } => {
                uid(&mut map, u);
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert("type", RequestType::Sockets.value());
                map.insert(
                    "rooms",
                    Value::Array(rooms.iter().cloned().map(Value::String).collect()),
                );
            }
            Request::AllRooms { uid: u, request_id } => {
                uid(&mut map, u);
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert("type", RequestType::AllRooms.value());
            }
            Request::Join {
                uid: u,
                request_id,
                target,
                rooms,
            }
            | Request::Leave {
                uid: u,
                request_id,
                target,
                rooms,
            } => {
                let kind = if matches!(self, Request::Join { .. }) {
                    RequestType::RemoteJoin
                } else {
                    RequestType::RemoteLeave
                };
                uid(&mut map, u);
                if let Some(id) = request_id {
                    map.insert("requestId", Value::String(id.clone()));
                }
                map.insert("type", kind.value());
                match target {
                    Target::Opts(opts) => {
                        map.insert("opts", opts_value(opts, false));
                        map.insert(
                            "rooms",
                            Value::Array(rooms.iter().cloned().map(Value::String).collect()),
                        );
                    }
                    Target::Socket(sid) => {
                        map.insert("sid", Value::String(sid.clone()));
                        map.insert(
                            "room",
                            Value::String(rooms.first().cloned().unwrap_or_default()),
                        );
                    }
                }
            }
            Request::Disconnect {
                uid: u,
                request_id,
                target,
                close,
            } => {
                uid(&mut map, u);
                if let Some(id) = request_id {
                    map.insert("requestId", Value::String(id.clone()));
                }
                map.insert("type", RequestType::RemoteDisconnect.value());
                match target {
                    Target::Opts(opts) => {
                        map.insert("opts", opts_value(opts, false));
                    }
                    Target::Socket(sid) => {
                        map.insert("sid", Value::String(sid.clone()));
                    }
                }
                map.insert("close", Value::Bool(*close));
            }
            Request::Fetch {
                uid: u,
                request_id,
                opts,
            } => {
                uid(&mut map, u);
                map.insert("requestId", Value::String(request_id.clone()));
                map.insert("type", RequestType::RemoteFetch.value());
                map.insert("opts", opts_value(opts, false));
            }
            Request::ServerSideEmit {
                uid: u,
                request_id,
                data,
            } => {
                uid(&mut map, u);
                if let Some(id) = request_id {
                    map.insert("requestId", Value::String(id.clone()));
                }
                map.insert("type", RequestType::ServerSideEmit.value());
                map.insert("data", Value::Array(data.clone()));
            }
            Request::Broadcast {
                uid: u,
                request_id,
                packet,
                opts,
            } => {
                let mut out = Vec::with_capacity(64);
                msgpack::write_map_len(&mut out, if u.is_some() { 5 } else { 4 });
                if let Some(u) = u {
                    msgpack::write_str(&mut out, "uid");
                    msgpack::write_str(&mut out, u);
                }
                msgpack::write_str(&mut out, "requestId");
                msgpack::write_str(&mut out, request_id);
                msgpack::write_str(&mut out, "type");
                msgpack::write_uint(&mut out, RequestType::Broadcast as u64);
                msgpack::write_str(&mut out, "packet");
                write_packet(&mut out, packet);
                msgpack::write_str(&mut out, "opts");
                msgpack::write_value(&mut out, &opts_value(opts, true));
                return out;
            }
        }
        Value::Object(map).to_json_string().into_bytes()
    }

    /// Decodes a request (JSON or msgpack).
    pub fn decode(bytes: &[u8]) -> Result<Request, WireError> {
        let value = decode_any(bytes)?;
        Request::from_value(value)
    }

    /// Reads a decoded request.
    pub fn from_value(mut value: Value) -> Result<Request, WireError> {
        let kind = value
            .get("type")
            .and_then(Value::as_u64)
            .and_then(RequestType::from_u64)
            .ok_or(WireError::Shape("type"))?;
        let uid = string_field(&value, "uid");
        let request_id = string_field(&value, "requestId");
        let required = |id: Option<String>| id.ok_or(WireError::Shape("requestId"));
        let target = |value: &Value| -> Result<Target, WireError> {
            match value.get("opts") {
                Some(opts @ Value::Object(_)) => Ok(Target::Opts(opts_from_value(Some(opts))?)),
                _ => string_field(value, "sid")
                    .map(Target::Socket)
                    .ok_or(WireError::Shape("opts")),
            }
        };
        Ok(match kind {
            RequestType::Sockets => Request::Sockets {
                uid,
                request_id: required(request_id)?,
                rooms: rooms_from(value.get("rooms"))?,
            },
            RequestType::AllRooms => Request::AllRooms {
                uid,
                request_id: required(request_id)?,
            },
            RequestType::RemoteJoin | RequestType::RemoteLeave => {
                let target = target(&value)?;
                let rooms = match target {
                    Target::Opts(_) => rooms_from(value.get("rooms"))?,
                    Target::Socket(_) => rooms_from(value.get("room"))?,
                };
                if kind == RequestType::RemoteJoin {
                    Request::Join {
                        uid,
                        request_id,
                        target,
                        rooms,
                    }
                } else {
                    Request::Leave {
                        uid,
                        request_id,
                        target,
                        rooms,
                    }
                }
            }
            RequestType::RemoteDisconnect => Request::Disconnect {
                uid,
                request_id,
                target: target(&value)?,
                close: value.get("close").and_then(Value::as_bool) == Some(true),
            },
            RequestType::RemoteFetch => Request::Fetch {
                uid,
                request_id: required(request_id)?,
                opts: opts_from_value(value.get("opts"))?,
            },
            RequestType::ServerSideEmit => {
                let data = match value.as_object_mut().and_then(|m| m.remove("data")) {
                    Some(Value::Array(data)) if matches!(data.first(), Some(Value::String(_))) => {
                        data
                    }
                    _ => return Err(WireError::Shape("data")),
                };
                Request::ServerSideEmit {
                    uid,
                    request_id,
                    data,
                }
            }
            RequestType::Broadcast => {
                let opts = opts_from_value(value.get("opts"))?;
                let packet = value
                    .as_object_mut()
                    .and_then(|m| m.remove("packet"))
                    .ok_or(WireError::Shape("packet"))?;
                Request::Broadcast {
                    uid,
                    request_id: required(request_id)?,
                    packet: packet_from_value(packet)?,
                    opts,
                }
            }
            RequestType::BroadcastClientCount | RequestType::BroadcastAck => {
                return Err(WireError::Shape("type"));
            }
        })
    }
}

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
                return msgpack::encode(&Value::Object(map));
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
