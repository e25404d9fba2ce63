//! Pieces both protocols share: the packet object, the broadcast options, the two encodings.

use std::collections::HashSet;
use std::time::Duration;

use socketio_proto::{
    Map, MsgpackError, MsgpackFlavor, MsgpackLimits, MsgpackWriter, Packet, PacketData, Value,
    read_msgpack_slice,
};
use sockeye::{BroadcastFlags, BroadcastOptions, Room};

/// Why a message from Redis was not understood.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// Not one msgpack value within [`MSGPACK_MAX_DEPTH`].
    #[error(transparent)]
    Msgpack(#[from] MsgpackError),
    /// Not JSON.
    #[error("json: {0}")]
    Json(String),
    /// The message is empty.
    #[error("empty message")]
    Empty,
    /// Well formed, but not the shape the protocol has (the field says where).
    #[error("unexpected shape: {0}")]
    Shape(&'static str),
}

/// Decodes a message that may be JSON (first byte `{`) or msgpack, as the reference does.
pub fn decode_any(bytes: &[u8]) -> Result<Value, WireError> {
    match bytes.first() {
        None => Err(WireError::Empty),
        Some(b'{') => serde_json::from_slice(bytes).map_err(|e| WireError::Json(e.to_string())),
        Some(_) => Ok(read_message(bytes)?),
    }
}

/// How deep arrays and objects may nest in a msgpack message from Redis.
pub const MSGPACK_MAX_DEPTH: usize = 64;

/// Reads one msgpack message (either flavour: the reader takes both), bounded by
/// [`MSGPACK_MAX_DEPTH`] and by its own size.
pub(crate) fn read_message(bytes: &[u8]) -> Result<Value, MsgpackError> {
    const LIMITS: MsgpackLimits = MsgpackLimits {
        max_depth: MSGPACK_MAX_DEPTH,
        max_binaries: usize::MAX,
        max_binary_bytes: usize::MAX,
    };
    read_msgpack_slice(bytes, &LIMITS)
}

/// `value` as one msgpack message, as `flavor`'s library writes it.
pub(crate) fn write_message(value: &Value, flavor: MsgpackFlavor) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    MsgpackWriter::new(&mut out, flavor).value(value);
    out
}

/// The EVENT packet type of the Socket.IO protocol.
const EVENT: u64 = 2;
/// BINARY_EVENT: what a Node peer may carry when it re-sends a decoded packet.
const BINARY_EVENT: u64 = 5;

/// Writes the reference's packet object `{type: 2, data, nsp, id?}` as msgpack, straight from
/// the packet (the arguments are not copied).
pub fn write_packet(out: &mut MsgpackWriter<'_>, packet: &Packet) {
    let (args, id) = match &packet.data {
        PacketData::Event { args, id } => (args.as_slice(), *id),
        _ => (&[][..], None),
    };
    out.map_len(if id.is_some() { 4 } else { 3 });
    out.str("type");
    out.uint(EVENT);
    out.str("data");
    out.array_len(args.len());
    for arg in args {
        out.value(arg);
    }
    out.str("nsp");
    out.str(&packet.nsp);
    if let Some(id) = id {
        out.str("id");
        out.uint(id);
    }
}

/// The packet object as a [`Value`] (for the JSON messages of the cluster protocol).
pub fn packet_value(packet: &Packet) -> Value {
    let mut map = Map::with_capacity(4);
    map.insert("type", Value::from(EVENT));
    let (args, id) = match &packet.data {
        PacketData::Event { args, id } => (args.clone(), *id),
        _ => (Vec::new(), None),
    };
    map.insert("data", Value::Array(args));
    map.insert("nsp", Value::String(packet.nsp.clone()));
    if let Some(id) = id {
        map.insert("id", Value::from(id));
    }
    Value::Object(map)
}

/// Reads the reference's packet object: an EVENT with a name; `nsp` defaults to `/`.
pub fn packet_from_value(value: Value) -> Result<Packet, WireError> {
    let Value::Object(mut map) = value else {
        return Err(WireError::Shape("packet"));
    };
    match map.get("type").and_then(Value::as_u64) {
        Some(EVENT | BINARY_EVENT) => {}
        _ => return Err(WireError::Shape("packet.type")),
    }
    let args = match map.remove("data") {
        Some(Value::Array(args)) if matches!(args.first(), Some(Value::String(_))) => args,
        _ => return Err(WireError::Shape("packet.data")),
    };
    let nsp = match map.remove("nsp") {
        Some(Value::String(nsp)) => nsp,
        None | Some(Value::Null) => "/".to_owned(),
        Some(_) => return Err(WireError::Shape("packet.nsp")),
    };
    let id = map.get("id").and_then(Value::as_u64);
    Ok(Packet::new(nsp, PacketData::Event { args, id }))
}

/// Rooms in a stable order (a set has none; sorted, the bytes are reproducible).
pub(crate) fn sorted(rooms: &HashSet<Room>) -> Vec<Value> {
    let mut rooms: Vec<&Room> = rooms.iter().collect();
    rooms.sort();
    rooms
        .into_iter()
        .map(|r| Value::String(r.clone()))
        .collect()
}

/// The reference's `flags` object: `volatile`, `compress`, `timeout` (ms) when set.
pub fn flags_value(flags: &BroadcastFlags) -> Value {
    let mut map = Map::new();
    if flags.volatile {
        map.insert("volatile", Value::Bool(true));
    }
    if let Some(compress) = flags.compress {
        map.insert("compress", Value::Bool(compress));
    }
    if let Some(timeout) = flags.timeout {
        map.insert(
            "timeout",
            Value::from(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)),
        );
    }
    Value::Object(map)
}

/// The reference's `{rooms, except}` (with `flags` when `with_flags`).
pub fn opts_value(opts: &BroadcastOptions, with_flags: bool) -> Value {
    let mut map = Map::with_capacity(3);
    map.insert("rooms", Value::Array(sorted(&opts.rooms)));
    map.insert("except", Value::Array(sorted(&opts.except)));
    if with_flags {
        map.insert("flags", flags_value(&opts.flags));
    }
    Value::Object(map)
}

/// Reads `{rooms, except, flags?}`; a missing part is empty. Rooms may be numbers (a Node
/// room is any key).
pub fn opts_from_value(value: Option<&Value>) -> Result<BroadcastOptions, WireError> {
    let Some(value) = value else {
        return Ok(BroadcastOptions::default());
    };
    if !matches!(value, Value::Object(_)) {
        return Err(WireError::Shape("opts"));
    }
    let mut opts = BroadcastOptions {
        rooms: rooms_from(value.get("rooms"))?.into_iter().collect(),
        except: rooms_from(value.get("except"))?.into_iter().collect(),
        ..BroadcastOptions::default()
    };
    if let Some(flags) = value.get("flags").and_then(Value::as_object) {
        opts.flags.volatile = flags.get("volatile").and_then(Value::as_bool) == Some(true);
        opts.flags.compress = flags.get("compress").and_then(Value::as_bool);
        opts.flags.timeout = flags
            .get("timeout")
            .and_then(Value::as_f64)
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .map(|ms| Duration::from_millis(ms as u64));
    }
    Ok(opts)
}

/// A list of room names; `null` or missing is none.
pub fn rooms_from(value: Option<&Value>) -> Result<Vec<Room>, WireError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.iter().filter_map(room_name).collect()),
        // `socketsJoin("room")` from an old emitter sends one name
        Some(other) => room_name(other)
            .map(|r| vec![r])
            .ok_or(WireError::Shape("rooms")),
    }
}

/// A room name: a string, or a number written as JavaScript would key it.
pub fn room_name(value: &Value) -> Option<Room> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string field, or `None`.
pub(crate) fn string_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}
