//! The `ClusterAdapter` messages of `socket.io-adapter` 2.5 (what `createShardedAdapter`
//! of `@socket.io/redis-adapter` 8.3 sends): `{type, data, uid, nsp}`, as JSON, or as msgpack
//! when a message that may carry binary does.

use socketio_proto::{Map, MsgpackFlavor, Packet, PacketData, Value};
use sockeye::{BroadcastOptions, Room, SocketData};

use super::common::{
    WireError, decode_any, opts_from_value, opts_value, packet_from_value, rooms_from,
    string_field, write_message,
};

/// The message types of the cluster protocol (the reference's `MessageType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MessageType {
    /// A node announces itself (heartbeat adapters only).
    InitialHeartbeat = 1,
    /// A node is alive (heartbeat adapters only).
    Heartbeat = 2,
    /// A broadcast, with or without acknowledgements.
    Broadcast = 3,
    /// Sockets join rooms.
    SocketsJoin = 4,
    /// Sockets leave rooms.
    SocketsLeave = 5,
    /// Sockets disconnect.
    DisconnectSockets = 6,
    /// The sockets as data.
    FetchSockets = 7,
    /// One node's sockets.
    FetchSocketsResponse = 8,
    /// An event for the other servers.
    ServerSideEmit = 9,
    /// A server's answer to such an event.
    ServerSideEmitResponse = 10,
    /// How many sockets a node sent a broadcast with acknowledgements to.
    BroadcastClientCount = 11,
    /// One socket's acknowledgement.
    BroadcastAck = 12,
    /// A node leaves (heartbeat adapters only).
    AdapterClose = 13,
}

impl MessageType {
    fn from_u64(n: u64) -> Option<MessageType> {
        Some(match n {
            1 => MessageType::InitialHeartbeat,
            2 => MessageType::Heartbeat,
            3 => MessageType::Broadcast,
            4 => MessageType::SocketsJoin,
            5 => MessageType::SocketsLeave,
            6 => MessageType::DisconnectSockets,
            7 => MessageType::FetchSockets,
            8 => MessageType::FetchSocketsResponse,
            9 => MessageType::ServerSideEmit,
            10 => MessageType::ServerSideEmitResponse,
            11 => MessageType::BroadcastClientCount,
            12 => MessageType::BroadcastAck,
            13 => MessageType::AdapterClose,
            _ => return None,
        })
    }
}

/// What a cluster message says.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// INITIAL_HEARTBEAT, HEARTBEAT or ADAPTER_CLOSE: no data.
    Bare(MessageType),
    /// BROADCAST: `{packet, requestId?, opts}`.
    Broadcast {
        /// The EVENT (without namespace nor id on the wire).
        packet: Packet,
        /// Set when acknowledgements are wanted.
        request_id: Option<String>,
        /// Which sockets.
        opts: BroadcastOptions,
    },
    /// SOCKETS_JOIN: `{opts, rooms}`.
    SocketsJoin {
        /// Which sockets.
        opts: BroadcastOptions,
        /// The rooms to join.
        rooms: Vec<Room>,
    },
    /// SOCKETS_LEAVE: `{opts, rooms}`.
    SocketsLeave {
        /// Which sockets.
        opts: BroadcastOptions,
        /// The rooms to leave.
        rooms: Vec<Room>,
    },
    /// DISCONNECT_SOCKETS: `{opts, close}`.
    DisconnectSockets {
        /// Which sockets.
        opts: BroadcastOptions,
        /// Whether the whole connection closes.
        close: bool,
    },
    /// FETCH_SOCKETS: `{opts, requestId}`.
    FetchSockets {
        /// Which sockets.
        opts: BroadcastOptions,
        /// The id the answers carry.
        request_id: String,
    },
    /// FETCH_SOCKETS_RESPONSE: `{requestId, sockets}`.
    FetchSocketsResponse {
        /// The request's id.
        request_id: String,
        /// The sockets.
        sockets: Vec<SocketData>,
    },
    /// SERVER_SIDE_EMIT: `{requestId?, packet}`, the packet being the event name then the
    /// arguments.
    ServerSideEmit {
        /// Set when an answer per node is wanted.
        request_id: Option<String>,
        /// The event name, then the arguments.
        packet: Vec<Value>,
    },
    /// SERVER_SIDE_EMIT_RESPONSE: `{requestId, packet}`.
    ServerSideEmitResponse {
        /// The request's id.
        request_id: String,
        /// The answer (absent when the listener answered with nothing).
        packet: Option<Value>,
    },
    /// BROADCAST_CLIENT_COUNT: `{requestId, clientCount}`.
    BroadcastClientCount {
        /// The request's id.
        request_id: String,
        /// How many sockets.
        client_count: u64,
    },
    /// BROADCAST_ACK: `{requestId, packet}`.
    BroadcastAck {
        /// The request's id.
        request_id: String,
        /// The socket's first acknowledgement argument (absent when it sent none).
        packet: Option<Value>,
    },
}

impl Body {
    /// The message type.
    pub fn kind(&self) -> MessageType {
        match self {
            Body::Bare(kind) => *kind,
            Body::Broadcast { .. } => MessageType::Broadcast,
            Body::SocketsJoin { .. } => MessageType::SocketsJoin,
            Body::SocketsLeave { .. } => MessageType::SocketsLeave,
            Body::DisconnectSockets { .. } => MessageType::DisconnectSockets,
            Body::FetchSockets { .. } => MessageType::FetchSockets,
            Body::FetchSocketsResponse { .. } => MessageType::FetchSocketsResponse,
            Body::ServerSideEmit { .. } => MessageType::ServerSideEmit,
            Body::ServerSideEmitResponse { .. } => MessageType::ServerSideEmitResponse,
            Body::BroadcastClientCount { .. } => MessageType::BroadcastClientCount,
            Body::BroadcastAck { .. } => MessageType::BroadcastAck,
        }
    }

    /// The message's `data` object as the reference builds it (keys in its order); `None`
    /// for the types without data.
    pub fn data(&self) -> Option<Value> {
        let mut map = Map::with_capacity(3);
        let id = |s: &String| Value::String(s.clone());
        let list =
            |rooms: &[Room]| Value::Array(rooms.iter().cloned().map(Value::String).collect());
        match self {
            Body::Bare(_) => return None,
            Body::Broadcast {
                packet,
                request_id,
                opts,
            } => {
                map.insert("packet", bare_packet(packet));
                if let Some(r) = request_id {
                    map.insert("requestId", id(r));
                }
                map.insert("opts", opts_value(opts, true));
            }
            Body::SocketsJoin { opts, rooms } | Body::SocketsLeave { opts, rooms } => {
                map.insert("opts", opts_value(opts, true));
                map.insert("rooms", list(rooms));
            }
            Body::DisconnectSockets { opts, close } => {
                map.insert("opts", opts_value(opts, true));
                map.insert("close", Value::Bool(*close));
            }
            Body::FetchSockets { opts, request_id } => {
                map.insert("opts", opts_value(opts, true));
                map.insert("requestId", id(request_id));
            }
            Body::FetchSocketsResponse {
                request_id,
                sockets,
            } => {
                map.insert("requestId", id(request_id));
                map.insert(
                    "sockets",
                    Value::Array(sockets.iter().map(SocketData::to_value).collect()),
                );
            }
            Body::ServerSideEmit { request_id, packet } => {
                if let Some(r) = request_id {
                    map.insert("requestId", id(r));
                }
                map.insert("packet", Value::Array(packet.clone()));
            }
            Body::ServerSideEmitResponse { request_id, packet }
            | Body::BroadcastAck { request_id, packet } => {
                map.insert("requestId", id(request_id));
                if let Some(p) = packet {
                    map.insert("packet", p.clone());
                }
            }
            Body::BroadcastClientCount {
                request_id,
                client_count,
            } => {
                map.insert("requestId", id(request_id));
                map.insert("clientCount", Value::from(*client_count));
            }
        }
        Some(Value::Object(map))
    }
}

/// The packet as the cluster adapter publishes it: `{type: 2, data}` (the namespace travels
/// beside it, and each node picks its own ack id).
fn bare_packet(packet: &Packet) -> Value {
    let mut map = Map::with_capacity(2);
    map.insert("type", Value::from(2u8));
    let args = match &packet.data {
        PacketData::Event { args, .. } => args.clone(),
        _ => Vec::new(),
    };
    map.insert("data", Value::Array(args));
    Value::Object(map)
}

/// A cluster message: what, from which node, for which namespace.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMessage {
    /// The sender's uid.
    pub uid: String,
    /// The namespace.
    pub nsp: String,
    /// What it says.
    pub body: Body,
}

impl ClusterMessage {
    /// Encodes as the reference does: msgpack when a type that may carry binary does, JSON
    /// otherwise.
    pub fn encode(&self) -> Vec<u8> {
        let kind = self.body.kind();
        let data = self.body.data();
        let mut map = Map::with_capacity(4);
        map.insert("type", Value::from(kind as u8));
        if let Some(data) = &data {
            map.insert("data", data.clone());
        }
        map.insert("uid", Value::String(self.uid.clone()));
        map.insert("nsp", Value::String(self.nsp.clone()));
        let may_carry_binary = matches!(
            kind,
            MessageType::Broadcast
                | MessageType::BroadcastAck
                | MessageType::FetchSocketsResponse
                | MessageType::ServerSideEmit
                | MessageType::ServerSideEmitResponse
        );
        let message = Value::Object(map);
        if may_carry_binary && data.as_ref().is_some_and(Value::has_binary) {
            write_message(&message, MsgpackFlavor::Notepack)
        } else {
            message.to_json_string().into_bytes()
        }
    }

    /// Decodes a message (JSON or msgpack).
    pub fn decode(bytes: &[u8]) -> Result<ClusterMessage, WireError> {
        ClusterMessage::from_value(decode_any(bytes)?)
    }

    /// Reads a decoded message.
    pub fn from_value(mut value: Value) -> Result<ClusterMessage, WireError> {
        let kind = value
            .get("type")
            .and_then(Value::as_u64)
            .and_then(MessageType::from_u64)
            .ok_or(WireError::Shape("type"))?;
        let uid = string_field(&value, "uid").unwrap_or_default();
        let nsp = string_field(&value, "nsp").unwrap_or_else(|| "/".to_owned());
        let mut data = value
            .as_object_mut()
            .and_then(|m| m.remove("data"))
            .unwrap_or(Value::Null);
        let request_id = string_field(&data, "requestId");
        let required = |id: Option<String>| id.ok_or(WireError::Shape("requestId"));
        let mut take = |key: &str| data.as_object_mut().and_then(|m| m.remove(key));
        let body = match kind {
            MessageType::InitialHeartbeat | MessageType::Heartbeat | MessageType::AdapterClose => {
                Body::Bare(kind)
            }
            MessageType::Broadcast => {
                let opts = opts_from_value(take("opts").as_ref())?;
                let mut packet = take("packet").ok_or(WireError::Shape("packet"))?;
                if let Some(map) = packet.as_object_mut() {
                    map.insert("nsp", Value::String(nsp.clone()));
                }
                let mut packet = packet_from_value(packet)?;
                if let PacketData::Event { id, .. } = &mut packet.data {
                    *id = None;
                }
                Body::Broadcast {
                    packet,
                    request_id,
                    opts,
                }
            }
            MessageType::SocketsJoin | MessageType::SocketsLeave => {
                let opts = opts_from_value(take("opts").as_ref())?;
                let rooms = rooms_from(take("rooms").as_ref())?;
                if kind == MessageType::SocketsJoin {
                    Body::SocketsJoin { opts, rooms }
                } else {
                    Body::SocketsLeave { opts, rooms }
                }
            }
            MessageType::DisconnectSockets => Body::DisconnectSockets {
                opts: opts_from_value(take("opts").as_ref())?,
                close: take("close").and_then(|c| c.as_bool()) == Some(true),
            },
            MessageType::FetchSockets => Body::FetchSockets {
                opts: opts_from_value(take("opts").as_ref())?,
                request_id: required(request_id)?,
            },
            MessageType::FetchSocketsResponse => Body::FetchSocketsResponse {
                request_id: required(request_id)?,
                sockets: match take("sockets") {
                    Some(Value::Array(items)) => {
                        items.iter().filter_map(SocketData::from_value).collect()
                    }
                    _ => return Err(WireError::Shape("sockets")),
                },
            },
            MessageType::ServerSideEmit => Body::ServerSideEmit {
                request_id,
                packet: match take("packet") {
                    Some(Value::Array(args)) if matches!(args.first(), Some(Value::String(_))) => {
                        args
                    }
                    _ => return Err(WireError::Shape("packet")),
                },
            },
            MessageType::ServerSideEmitResponse => Body::ServerSideEmitResponse {
                request_id: required(request_id)?,
                packet: take("packet"),
            },
            MessageType::BroadcastClientCount => Body::BroadcastClientCount {
                request_id: required(request_id)?,
                client_count: take("clientCount")
                    .and_then(|c| c.as_u64())
                    .ok_or(WireError::Shape("clientCount"))?,
            },
            MessageType::BroadcastAck => Body::BroadcastAck {
                request_id: required(request_id)?,
                packet: take("packet"),
            },
        };
        Ok(ClusterMessage { uid, nsp, body })
    }
}
