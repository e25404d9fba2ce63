//! Building Socket.IO packets and turning them into Engine.IO frames, once per packet.

use socketio_proto::{Encoded, Packet, PacketData, Parser, Value};

use socketio_proto::RESERVED_EVENTS;

use crate::error::EmitError;

use crate::engine::Frame;
use crate::one_or_many::OneOrMany;

/// The frames of one packet: with the JSON parser its text header, then one binary frame per
/// attachment; with msgpack one binary frame. A broadcast builds these once and hands the
/// same bytes to every socket.
pub(crate) fn frames(parser: Parser, packet: &Packet) -> Frames {
    match parser {
        Parser::Msgpack => OneOrMany::One(Frame::binary(socketio_proto::encode_msgpack(packet))),
        Parser::Json => Frames::from(socketio_proto::encode(packet)),
    }
}

/// The frames of an EVENT packet built from its parts, without a [`Packet`].
pub(crate) fn event_frames(
    parser: Parser,
    nsp: &str,
    event: &str,
    args: &[Value],
    id: Option<u64>,
) -> Frames {
    match parser {
        Parser::Msgpack => OneOrMany::One(Frame::binary(socketio_proto::encode_event_msgpack(
            nsp, event, args, id,
        ))),
        Parser::Json => Frames::from(socketio_proto::encode_event(nsp, event, args, id)),
    }
}

/// `frames` as they are, or never compressed on a websocket when `compress` is false (the
/// emit's `compress(false)`).
pub(crate) fn compressed_if(frames: Frames, compress: bool) -> Frames {
    if compress {
        return frames;
    }
    match frames {
        OneOrMany::One(f) => OneOrMany::One(f.uncompressed()),
        OneOrMany::Many(all) => OneOrMany::Many(all.into_iter().map(Frame::uncompressed).collect()),
    }
}

/// The frames of one packet; a packet without attachments (most) needs no `Vec`.
pub(crate) type Frames = OneOrMany<Frame>;

impl From<Encoded> for Frames {
    fn from(encoded: Encoded) -> Frames {
        let text = Frame::text_owned(encoded.text);
        if encoded.attachments.is_empty() {
            return OneOrMany::One(text);
        }
        let mut frames = Vec::with_capacity(1 + encoded.attachments.len());
        frames.push(text);
        frames.extend(encoded.attachments.into_iter().map(Frame::binary));
        OneOrMany::Many(frames)
    }
}

/// The event name and arguments of an EVENT packet (for outgoing listeners).
pub(crate) fn event_parts(packet: &Packet) -> Option<(&str, &[Value])> {
    match &packet.data {
        PacketData::Event { args, .. } => match args.split_first() {
            Some((Value::String(name), rest)) => Some((name.as_str(), rest)),
            _ => None,
        },
        _ => None,
    }
}

/// Refuses the event names the reference refuses to emit (`connect`, `disconnect`, ...).
pub(crate) fn check_event_name(event: &str) -> Result<(), EmitError> {
    if RESERVED_EVENTS.contains(&event) {
        return Err(EmitError::Reserved(event.to_owned()));
    }
    Ok(())
}
