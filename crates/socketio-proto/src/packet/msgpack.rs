//! The msgpack parser, wire-compatible with `socket.io-msgpack-parser` 3.0: a whole packet is
//! one msgpack map `{type, data, nsp, id?}` sent as one binary Engine.IO message. Binary stays
//! inside it as `bin`, so there are no attachments and no binary packet types.

use bytes::Bytes;

use super::{DecodeError, DecoderLimits, Packet, PacketData, PacketType, RESERVED_EVENTS};
use crate::Value;
use crate::msgpack::{MsgpackFlavor, MsgpackLimits, MsgpackWriter, Reader};

/// Encodes `packet` as the msgpack parser does: one binary frame.
///
/// ```
/// use socketio_proto::{Packet, Value, encode_msgpack};
///
/// let frame = encode_msgpack(&Packet::event("/", "hi", [Value::from(1)], None));
/// // {"type": 2, "data": ["hi", 1], "nsp": "/"}
/// assert_eq!(&frame[..], b"\x83\xa4type\x02\xa4data\x92\xa2hi\x01\xa3nsp\xa1/");
/// ```
#[must_use]
pub fn encode_msgpack(packet: &Packet) -> Bytes {
    let nsp = packet.nsp.as_str();
    match &packet.data {
        PacketData::Connect(None) => write_packet(PacketType::Connect, nsp, None, None),
        PacketData::Connect(Some(payload)) => write_packet(
            PacketType::Connect,
            nsp,
            None,
            Some(&|out| out.value(payload)),
        ),
        PacketData::Disconnect => write_packet(PacketType::Disconnect, nsp, None, None),
        PacketData::ConnectError(payload) => write_packet(
            PacketType::ConnectError,
            nsp,
            None,
            Some(&|out| out.value(payload)),
        ),
        PacketData::Event { args, id } => write_packet(
            PacketType::Event,
            nsp,
            *id,
            Some(&|out| write_args(out, None, args)),
        ),
        PacketData::Ack { args, id } => write_packet(
            PacketType::Ack,
            nsp,
            Some(*id),
            Some(&|out| write_args(out, None, args)),
        ),
    }
}

/// Encodes an event from its parts (the broadcast path), as [`encode_msgpack`] of
/// `Packet::event(nsp, event, args, id)` would.
#[must_use]
pub fn encode_event_msgpack(nsp: &str, event: &str, args: &[Value], id: Option<u64>) -> Bytes {
    write_packet(
        PacketType::Event,
        nsp,
        id,
        Some(&|out| write_args(out, Some(event), args)),
    )
}

fn write_args(out: &mut MsgpackWriter<'_>, event: Option<&str>, args: &[Value]) {
    out.array_len(args.len() + usize::from(event.is_some()));
    if let Some(event) = event {
        out.str(event);
    }
    for arg in args {
        out.value(arg);
    }
}

/// Writes the packet's map, in the order socket.io builds its packets; `data` writes the
/// payload, if the packet has one.
fn write_packet(
    kind: PacketType,
    nsp: &str,
    id: Option<u64>,
    data: Option<&dyn Fn(&mut MsgpackWriter<'_>)>,
) -> Bytes {
    let mut buf = Vec::with_capacity(64 + nsp.len());
    let mut out = MsgpackWriter::new(&mut buf, MsgpackFlavor::Notepack);
    out.map_len(2 + usize::from(data.is_some()) + usize::from(id.is_some()));
    out.str("type");
    out.uint(kind as u64);
    if let Some(data) = data {
        out.str("data");
        data(&mut out);
    }
    out.str("nsp");
    out.str(nsp);
    if let Some(id) = id {
        out.str("id");
        out.uint(id);
    }
    Bytes::from(buf)
}

/// Decodes one binary frame of the msgpack parser, validating it as
/// `socket.io-msgpack-parser` does (a `type` in 0..=4, a string `nsp`, the payload shape of
/// the type, an integer `id`) and, for events, as the JSON parser does (a name first that is
/// a number or a non-reserved string), since the server routes on it.
pub(crate) fn decode_msgpack(frame: Bytes, limits: &DecoderLimits) -> Result<Packet, DecodeError> {
    let limits = MsgpackLimits {
        max_depth: MsgpackLimits::default().max_depth,
        max_binaries: limits.max_attachments,
        max_binary_bytes: limits.max_attachment_bytes,
    };
    let mut reader = Reader::new(&frame, &limits);
    // Read the top-level map by hand: a missing key or an `undefined` value must stay
    // distinct from a present null, which the checks below treat differently.
    let Some(len) = reader.map_header()? else {
        // Not a packet, but malformed msgpack is reported as such first.
        reader.value(0)?;
        reader.finish()?;
        return Err(DecodeError::InvalidPacketType);
    };
    let (mut kind, mut nsp, mut data, mut id) = (None, None, None, None);
    for _ in 0..len {
        let key = reader.key(1)?;
        let value = reader.value_or_undefined(1)?;
        match key.as_str() {
            "type" => kind = value,
            "nsp" => nsp = value,
            "data" => data = value,
            "id" => id = value,
            // Such as socket.io-client's `options` ({compress}), which it encodes too.
            _ => {}
        }
    }
    reader.finish()?;

    let kind = kind
        .as_ref()
        .and_then(Value::as_u64)
        .and_then(|t| u8::try_from(t).ok())
        .and_then(PacketType::from_digit)
        .filter(|t| !t.is_binary())
        .ok_or(DecodeError::InvalidPacketType)?;
    let Some(Value::String(nsp)) = nsp else {
        return Err(DecodeError::InvalidNamespace);
    };
    let id = match id {
        None => None,
        Some(v) => Some(v.as_u64().ok_or(DecodeError::InvalidAckId)?),
    };
    let data = match (kind, data) {
        (PacketType::Connect, None) => PacketData::Connect(None),
        (PacketType::Connect, Some(obj @ Value::Object(_))) => PacketData::Connect(Some(obj)),
        (PacketType::Disconnect, None) => PacketData::Disconnect,
        (PacketType::ConnectError, Some(p @ (Value::String(_) | Value::Object(_)))) => {
            PacketData::ConnectError(p)
        }
        (PacketType::Event, Some(Value::Array(args))) => {
            let name_ok = match args.first() {
                Some(Value::Number(_)) => true,
                Some(Value::String(name)) => !RESERVED_EVENTS.contains(&name.as_str()),
                _ => false,
            };
            if !name_ok {
                return Err(DecodeError::InvalidPayload);
            }
            PacketData::Event { args, id }
        }
        (PacketType::Ack, Some(Value::Array(args))) => PacketData::Ack {
            args,
            id: id.ok_or(DecodeError::MissingAckId)?,
        },
        _ => return Err(DecodeError::InvalidPayload),
    };
    Ok(Packet { nsp, data })
}
