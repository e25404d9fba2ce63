//! The messages of `@socket.io/redis-streams-adapter` 0.3, as bytes and strings (no I/O).
//!
//! - What must reach every node and may be replayed (a broadcast without acknowledgements,
//!   sockets joining, leaving, disconnecting) is a stream entry: the string fields `uid`,
//!   `nsp`, `type` (the message type in decimal) and `data` (the message's data as JSON, or
//!   base64 of its msgpack when it carries binary).
//! - What only matters now (a broadcast with acknowledgements, a server-side event, a
//!   request for sockets, and every answer) is published on pub/sub as msgpack of the whole
//!   message `{type, data, uid, nsp}`.
//! - A disconnected socket's state is kept under `sio:session:<pid>` as base64 of the msgpack
//!   of `{sid, pid, rooms, data}`.
//!
//! msgpack here is `@msgpack/msgpack`'s ([`MsgpackFlavor::MsgpackJs`]), not notepack's.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use socketio_proto::{Map, MsgpackFlavor, PacketData, Value};
use sockeye::SessionState;

use super::cluster::{Body, ClusterMessage, MessageType};
use super::common::{WireError, read_message, room_name, write_message};

/// One entry of a stream: its id (the offset a client recovers from) and its fields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// The entry id, `<milliseconds>-<sequence>`.
    pub id: String,
    /// The fields, name then value.
    pub fields: Vec<(String, String)>,
}

impl StreamEntry {
    /// The value of field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Whether a message goes on pub/sub rather than in the stream (the reference's
/// `isEphemeral`): a broadcast with acknowledgements, a server-side event, a request for
/// sockets. Answers always go on pub/sub.
pub fn is_ephemeral(body: &Body) -> bool {
    matches!(
        body,
        Body::Broadcast {
            request_id: Some(_),
            ..
        } | Body::ServerSideEmit { .. }
            | Body::FetchSockets { .. }
    )
}

/// The fields of the stream entry for `message`: `uid`, `nsp`, `type`, then `data` unless the
/// type has none. `data` is base64 of msgpack when it carries binary and the type may, unless
/// `only_plaintext` (then binary is lost, as in the reference).
pub fn entry_fields(message: &ClusterMessage, only_plaintext: bool) -> Vec<(&'static str, String)> {
    let kind = message.body.kind();
    let mut fields = vec![
        ("uid", message.uid.clone()),
        ("nsp", message.nsp.clone()),
        ("type", (kind as u8).to_string()),
    ];
    if let Some(data) = message.body.data() {
        let may_carry_binary = matches!(
            kind,
            MessageType::Broadcast
                | MessageType::FetchSocketsResponse
                | MessageType::ServerSideEmit
                | MessageType::ServerSideEmitResponse
                | MessageType::BroadcastAck
        );
        let data = if !only_plaintext && may_carry_binary && data.has_binary() {
            BASE64.encode(write_message(&data, MsgpackFlavor::MsgpackJs))
        } else {
            data.to_json_string()
        };
        fields.push(("data", data));
    }
    fields
}

/// Reads a stream entry written by any node of the cluster.
pub fn decode_entry(entry: &StreamEntry) -> Result<ClusterMessage, WireError> {
    let kind = entry
        .field("type")
        .and_then(parse_int)
        .ok_or(WireError::Shape("type"))?;
    let mut map = Map::with_capacity(4);
    map.insert("type", Value::from(kind));
    // an empty `data` is none, as in the reference
    if let Some(data) = entry.field("data").filter(|d| !d.is_empty()) {
        let data = if data.starts_with('{') {
            serde_json::from_str::<Value>(data).map_err(|e| WireError::Json(e.to_string()))?
        } else {
            let bytes = BASE64.decode(data).map_err(|_| WireError::Shape("data"))?;
            read_message(&bytes)?
        };
        map.insert("data", data);
    }
    if let Some(uid) = entry.field("uid") {
        map.insert("uid", Value::String(uid.to_owned()));
    }
    if let Some(nsp) = entry.field("nsp") {
        map.insert("nsp", Value::String(nsp.to_owned()));
    }
    ClusterMessage::from_value(Value::Object(map))
}

/// `parseInt(s, 10)` of a non-negative type: the leading digits.
fn parse_int(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    s.get(..digits).filter(|d| !d.is_empty())?.parse().ok()
}

/// The msgpack the reference publishes for `message` on pub/sub. An answer without a value
/// keeps its `packet` key as nil (the reference's `undefined`).
pub fn encode_published(message: &ClusterMessage) -> Vec<u8> {
    let mut map = Map::with_capacity(4);
    map.insert("type", Value::from(message.body.kind() as u8));
    if let Some(mut data) = message.body.data() {
        if let (
            Body::BroadcastAck { packet: None, .. }
            | Body::ServerSideEmitResponse { packet: None, .. },
            Some(map),
        ) = (&message.body, data.as_object_mut())
        {
            map.insert("packet", Value::Null);
        }
        map.insert("data", data);
    }
    map.insert("uid", Value::String(message.uid.clone()));
    map.insert("nsp", Value::String(message.nsp.clone()));
    write_message(&Value::Object(map), MsgpackFlavor::MsgpackJs)
}

/// Reads a message published on pub/sub.
pub fn decode_published(bytes: &[u8]) -> Result<ClusterMessage, WireError> {
    ClusterMessage::from_value(read_message(bytes)?)
}

/// The value stored for a disconnected socket: base64 of msgpack `{sid, pid, rooms, data}`.
pub fn encode_session(session: &SessionState) -> String {
    let mut map = Map::with_capacity(4);
    map.insert("sid", Value::String(session.sid.clone()));
    map.insert("pid", Value::String(session.pid.clone()));
    map.insert(
        "rooms",
        Value::Array(session.rooms.iter().cloned().map(Value::String).collect()),
    );
    map.insert("data", session.data.clone());
    BASE64.encode(write_message(&Value::Object(map), MsgpackFlavor::MsgpackJs))
}

/// Reads a stored session; `data` is null when absent.
pub fn decode_session(stored: &[u8]) -> Result<SessionState, WireError> {
    let bytes = BASE64
        .decode(stored.trim_ascii())
        .map_err(|_| WireError::Shape("session"))?;
    let mut value = read_message(&bytes)?;
    let map = value.as_object_mut().ok_or(WireError::Shape("session"))?;
    let string = |v: Option<Value>, what| match v {
        Some(Value::String(s)) => Ok(s),
        _ => Err(WireError::Shape(what)),
    };
    let sid = string(map.remove("sid"), "sid")?;
    let pid = string(map.remove("pid"), "pid")?;
    let rooms = match map.remove("rooms") {
        Some(Value::Array(rooms)) => rooms.iter().filter_map(room_name).collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(WireError::Shape("rooms")),
    };
    let data = map.remove("data").unwrap_or(Value::Null);
    Ok(SessionState {
        sid,
        pid,
        rooms,
        data,
    })
}

/// Whether `offset` is an entry id (`^[0-9]+-[0-9]+$`, what the reference accepts).
pub fn is_offset(offset: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    offset
        .split_once('-')
        .is_some_and(|(ms, seq)| digits(ms) && digits(seq))
}

/// The smallest id after `offset` (`<ms>-<seq + 1>`, for an exclusive range on any Redis);
/// `None` when it is not an id Redis can have.
pub fn next_offset(offset: &str) -> Option<String> {
    if !is_offset(offset) {
        return None;
    }
    let (ms, seq) = offset.split_once('-')?;
    let ms: u64 = ms.parse().ok()?;
    let seq: u64 = seq.parse().ok()?;
    Some(match seq.checked_add(1) {
        Some(seq) => format!("{ms}-{seq}"),
        None => format!("{}-0", ms.checked_add(1)?),
    })
}

/// The stream a namespace's messages go to: `name`, or with several streams `name-<i>`
/// where `i` is the reference's `hashCode(nsp) % count` (a signed 32-bit hash over UTF-16
/// units, so `i` may be negative, as in the reference).
pub fn stream_name(name: &str, count: usize, nsp: &str) -> String {
    if count <= 1 {
        return name.to_owned();
    }
    let hash = nsp.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    });
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    format!("{name}-{}", i64::from(hash) % count)
}

/// The names of every stream of a cluster with `count` streams (what a node reads).
pub fn stream_names(name: &str, count: usize) -> Vec<String> {
    if count <= 1 {
        vec![name.to_owned()]
    } else {
        (0..count).map(|i| format!("{name}-{i}")).collect()
    }
}

/// The packet a client in `rooms` missed when `entry` was written, as the reference restores
/// it: only broadcasts of namespace `nsp` for those rooms, the entry id pushed last.
pub fn missed_packet(entry: &StreamEntry, nsp: &str, rooms: &[String]) -> Option<Vec<Value>> {
    if entry.field("nsp") != Some(nsp) || entry.field("type") != Some("3") {
        return None;
    }
    let Body::Broadcast { packet, opts, .. } = decode_entry(entry).ok()?.body else {
        return None;
    };
    if !opts.selects(rooms) {
        return None;
    }
    let PacketData::Event { mut args, .. } = packet.data else {
        return None;
    };
    args.push(Value::String(entry.id.clone()));
    Some(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_entry_ids() {
        assert!(is_offset("1-0"));
        assert!(is_offset("1700000000000-12"));
        for bad in ["", "-", "1-", "-1", "1", "a-1", "1-1-1", "1 -1", "+", "$"] {
            assert!(!is_offset(bad), "{bad}");
        }
        assert_eq!(next_offset("5-9").as_deref(), Some("5-10"));
        assert_eq!(
            next_offset(&format!("5-{}", u64::MAX)).as_deref(),
            Some("6-0")
        );
        assert_eq!(next_offset("99999999999999999999999-1"), None);
        assert_eq!(next_offset("x"), None);
    }

    #[test]
    fn type_reads_as_parse_int() {
        assert_eq!(parse_int("3"), Some(3));
        assert_eq!(parse_int("3abc"), Some(3));
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("x"), None);
        assert_eq!(parse_int("99999999999999999999999"), None);
    }
}
