//! Broadcasts: `[uid, packet, opts]` in msgpack.

use socketio_proto::{MsgpackFlavor, MsgpackWriter, Packet, Value};
use sockeye::BroadcastOptions;

use crate::wire::common::{
    WireError, flags_value, opts_from_value, packet_from_value, read_message, sorted, write_packet,
};

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
    let mut buf = Vec::with_capacity(64);
    let mut out = MsgpackWriter::new(&mut buf, MsgpackFlavor::Notepack);
    out.array_len(3);
    out.str(uid);
    write_packet(&mut out, packet);
    let rooms = Value::Array(sorted(&opts.rooms));
    let except = Value::Array(sorted(&opts.except));
    let flags = flags_value(&opts.flags);
    out.map_len(3);
    out.str("rooms");
    out.value(&rooms);
    if emitter {
        out.str("flags");
        out.value(&flags);
        out.str("except");
        out.value(&except);
    } else {
        out.str("except");
        out.value(&except);
        out.str("flags");
        out.value(&flags);
    }
    buf
}

/// Decodes a broadcast.
pub fn decode_broadcast(bytes: &[u8]) -> Result<BroadcastMessage, WireError> {
    let Value::Array(mut parts) = read_message(bytes)? else {
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
