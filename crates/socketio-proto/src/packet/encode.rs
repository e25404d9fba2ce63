//! Packet encoding: the text part and its binary attachments.
//!
//! Format: type digit, `<attachments>-` for binary types, `<nsp>,` unless the namespace is
//! `/`, the ack id, then the JSON payload with every binary replaced in depth-first order by
//! `{"_placeholder":true,"num":N}`.

use std::fmt::Write as _;

use bytes::Bytes;

use super::json::{BinaryMode, write_str, write_value};
use super::{DEFAULT_NSP, Packet, PacketData, PacketType};
use crate::Value;

/// An encoded packet: one text frame followed by its binary frames, to be sent in this order
/// (as consecutive Engine.IO messages).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Encoded {
    /// The text frame.
    pub text: String,
    /// The binary frames, in placeholder order; empty unless the packet is a binary type.
    pub attachments: Vec<Bytes>,
}

impl Encoded {
    /// Whether the packet was encoded as `BINARY_EVENT`/`BINARY_ACK`.
    #[must_use]
    pub fn is_binary(&self) -> bool {
        !self.attachments.is_empty()
    }
}

/// Encodes a packet. Events and acks holding [`Value::Binary`] become binary packets.
///
/// Binary inside a CONNECT or CONNECT_ERROR payload (which have no attachments) is written as
/// Node's `{"type":"Buffer","data":[..]}`, as the reference would.
#[must_use]
pub fn encode(packet: &Packet) -> Encoded {
    let nsp = packet.nsp.as_str();
    match &packet.data {
        PacketData::Connect(payload) => encode_plain(PacketType::Connect, nsp, payload.as_ref()),
        PacketData::Disconnect => encode_plain(PacketType::Disconnect, nsp, None),
        PacketData::ConnectError(payload) => {
            encode_plain(PacketType::ConnectError, nsp, Some(payload))
        }
        PacketData::Event { args, id } => encode_args(false, nsp, None, args, *id),
        PacketData::Ack { args, id } => encode_args(true, nsp, None, args, Some(*id)),
    }
}

/// Encodes an event from its parts without building a [`Packet`]: the broadcast path, where
/// the arguments are already [`Value`]s and the frame is built once for every recipient.
///
/// Gives the same bytes as [`encode`] of `Packet::event(nsp, event, args, id)`.
#[must_use]
pub fn encode_event(nsp: &str, event: &str, args: &[Value], id: Option<u64>) -> Encoded {
    encode_args(false, nsp, Some(event), args, id)
}

fn encode_plain(kind: PacketType, nsp: &str, payload: Option<&Value>) -> Encoded {
    let mut text = String::with_capacity(16 + nsp.len());
    write_header(&mut text, kind, 0, nsp, None);
    if let Some(payload) = payload {
        write_value(&mut text, payload, &mut BinaryMode::Inline);
    }
    Encoded {
        text,
        attachments: Vec::new(),
    }
}

/// Writes `[event?, ...args]` as an EVENT/ACK or their binary variants.
fn encode_args(
    is_ack: bool,
    nsp: &str,
    event: Option<&str>,
    args: &[Value],
    id: Option<u64>,
) -> Encoded {
    // Counting first lets the header (which precedes the JSON) carry the attachment count
    // without writing the body twice.
    let count: usize = args.iter().map(Value::count_binary).sum();
    let kind = match (is_ack, count > 0) {
        (false, false) => PacketType::Event,
        (false, true) => PacketType::BinaryEvent,
        (true, false) => PacketType::Ack,
        (true, true) => PacketType::BinaryAck,
    };
    let mut text = String::with_capacity(64 + nsp.len() + event.map_or(0, str::len));
    write_header(&mut text, kind, count, nsp, id);
    let mut attachments = Vec::with_capacity(count);
    let mut mode = BinaryMode::Placeholder(&mut attachments);
    text.push('[');
    let mut first = true;
    if let Some(event) = event {
        write_str(&mut text, event);
        first = false;
    }
    for arg in args {
        if !first {
            text.push(',');
        }
        first = false;
        write_value(&mut text, arg, &mut mode);
    }
    text.push(']');
    Encoded { text, attachments }
}

fn write_header(
    out: &mut String,
    kind: PacketType,
    attachments: usize,
    nsp: &str,
    id: Option<u64>,
) {
    out.push(kind.as_char());
    // Writing to a String cannot fail.
    if kind.is_binary() {
        let _ = write!(out, "{attachments}-");
    }
    if !nsp.is_empty() && nsp != DEFAULT_NSP {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = id {
        let _ = write!(out, "{id}");
    }
}
