//! Requests: JSON, except BROADCAST (msgpack).

use socketio_proto::{Map, MsgpackFlavor, MsgpackWriter, Packet, Value};
use sockeye::{BroadcastOptions, Room};

use super::RequestType;
use crate::wire::common::{
    WireError, decode_any, opts_from_value, opts_value, packet_from_value, rooms_from,
    string_field, write_packet,
};

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
                let mut buf = Vec::with_capacity(64);
                let mut out = MsgpackWriter::new(&mut buf, MsgpackFlavor::Notepack);
                out.map_len(if u.is_some() { 5 } else { 4 });
                if let Some(u) = u {
                    out.str("uid");
                    out.str(u);
                }
                out.str("requestId");
                out.str(request_id);
                out.str("type");
                out.uint(RequestType::Broadcast as u64);
                out.str("packet");
                write_packet(&mut out, packet);
                out.str("opts");
                out.value(&opts_value(opts, true));
                return buf;
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
