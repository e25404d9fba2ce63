//! Socket.IO packets: types, the in-memory packet, and its codec.

mod binary;
mod decode;
mod encode;
mod error;
mod json;
mod msgpack;
mod parser;
mod surrogate;
mod text;

/// Appends `value` as JSON with binary inline (Node's `Buffer#toJSON` form).
pub(crate) fn write_json_inline(out: &mut String, value: &crate::Value) {
    json::write_value(out, value, &mut json::BinaryMode::Inline);
}

pub use decode::{Decoder, DecoderLimits, MAX_DEPTH_CEILING};
pub use encode::{Encoded, encode, encode_event};
pub use error::DecodeError;
pub use msgpack::{encode_event_msgpack, encode_msgpack};
pub use parser::Parser;

use crate::Value;

/// The default namespace.
pub const DEFAULT_NSP: &str = "/";

/// Event names a peer may not use, because they have a meaning of their own on one side or
/// the other (Node's `EventEmitter` bookkeeping included).
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The packet type digit that starts every encoded packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// `0`: join a namespace (client), or the namespace was joined (server).
    Connect = 0,
    /// `1`: leave a namespace.
    Disconnect = 1,
    /// `2`: an event without binary.
    Event = 2,
    /// `3`: an acknowledgement without binary.
    Ack = 3,
    /// `4`: joining the namespace was refused.
    ConnectError = 4,
    /// `5`: an event followed by binary attachments.
    BinaryEvent = 5,
    /// `6`: an acknowledgement followed by binary attachments.
    BinaryAck = 6,
}

impl PacketType {
    /// The type for a wire digit, if it is one of `0..=6`.
    #[must_use]
    pub fn from_digit(digit: u8) -> Option<Self> {
        Some(match digit {
            0 => Self::Connect,
            1 => Self::Disconnect,
            2 => Self::Event,
            3 => Self::Ack,
            4 => Self::ConnectError,
            5 => Self::BinaryEvent,
            6 => Self::BinaryAck,
            _ => return None,
        })
    }

    /// The ASCII character that encodes this type.
    #[must_use]
    pub fn as_char(self) -> char {
        char::from(b'0' + self as u8)
    }

    /// Whether this type carries an attachment count and attachments.
    #[must_use]
    pub fn is_binary(self) -> bool {
        matches!(self, Self::BinaryEvent | Self::BinaryAck)
    }
}

/// A decoded (or to-be-encoded) Socket.IO packet.
///
/// Binary is not a separate packet kind here: an event or ack whose arguments contain a
/// [`Value::Binary`] is encoded as `BINARY_EVENT`/`BINARY_ACK`, and decoding puts the
/// attachments back in place.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// The namespace, `"/"` by default.
    pub nsp: String,
    /// What the packet says.
    pub data: PacketData,
}

/// The body of a [`Packet`].
#[derive(Debug, Clone, PartialEq)]
pub enum PacketData {
    /// Client to server: join the namespace, with an optional auth object. Server to client:
    /// joined, with `{"sid": ..}`. Decoding accepts only an object (or nothing).
    Connect(Option<Value>),
    /// Leave the namespace (either side).
    Disconnect,
    /// An event: the name (a string, or a number as the reference allows) first, then the
    /// arguments. `id` asks the peer for an acknowledgement.
    Event {
        /// The event name followed by its arguments.
        args: Vec<Value>,
        /// The ack id the peer answers with, if an acknowledgement is wanted.
        id: Option<u64>,
    },
    /// The answer to an event that carried an ack id.
    Ack {
        /// The acknowledgement's arguments.
        args: Vec<Value>,
        /// The id of the event being acknowledged.
        id: u64,
    },
    /// The server refused the namespace: `{"message": .., "data"?: ..}` (a bare string is
    /// accepted on decode, as the reference accepts it).
    ConnectError(Value),
}

impl Packet {
    /// A packet on `nsp` with `data`.
    #[must_use]
    pub fn new(nsp: impl Into<String>, data: PacketData) -> Self {
        Self {
            nsp: nsp.into(),
            data,
        }
    }

    /// A CONNECT packet with an optional payload (auth object or `{"sid": ..}`).
    #[must_use]
    pub fn connect(nsp: impl Into<String>, payload: Option<Value>) -> Self {
        Self::new(nsp, PacketData::Connect(payload))
    }

    /// A DISCONNECT packet.
    #[must_use]
    pub fn disconnect(nsp: impl Into<String>) -> Self {
        Self::new(nsp, PacketData::Disconnect)
    }

    /// An EVENT packet: `event` followed by `args`, with an optional ack id.
    #[must_use]
    pub fn event(
        nsp: impl Into<String>,
        event: impl Into<String>,
        args: impl IntoIterator<Item = Value>,
        id: Option<u64>,
    ) -> Self {
        let mut all = vec![Value::String(event.into())];
        all.extend(args);
        Self::new(nsp, PacketData::Event { args: all, id })
    }

    /// An ACK packet answering event `id`.
    #[must_use]
    pub fn ack(nsp: impl Into<String>, args: Vec<Value>, id: u64) -> Self {
        Self::new(nsp, PacketData::Ack { args, id })
    }

    /// A CONNECT_ERROR packet with `{"message": message}`, plus `"data"` if given.
    #[must_use]
    pub fn connect_error(nsp: impl Into<String>, message: &str, data: Option<Value>) -> Self {
        let mut map = crate::Map::with_capacity(2);
        map.insert("message", Value::from(message));
        if let Some(data) = data {
            map.insert("data", data);
        }
        Self::new(nsp, PacketData::ConnectError(Value::Object(map)))
    }

    /// The wire type this packet encodes as (binary variants when arguments hold binary).
    #[must_use]
    pub fn packet_type(&self) -> PacketType {
        match &self.data {
            PacketData::Connect(_) => PacketType::Connect,
            PacketData::Disconnect => PacketType::Disconnect,
            PacketData::Event { args, .. } if args.iter().any(Value::has_binary) => {
                PacketType::BinaryEvent
            }
            PacketData::Event { .. } => PacketType::Event,
            PacketData::Ack { args, .. } if args.iter().any(Value::has_binary) => {
                PacketType::BinaryAck
            }
            PacketData::Ack { .. } => PacketType::Ack,
            PacketData::ConnectError(_) => PacketType::ConnectError,
        }
    }

    /// The event name, if this is an event whose name is a string.
    #[must_use]
    pub fn event_name(&self) -> Option<&str> {
        match &self.data {
            PacketData::Event { args, .. } => args.first().and_then(Value::as_str),
            _ => None,
        }
    }
}
