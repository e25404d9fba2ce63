//! Parsing and validating the text frame of a packet.
//!
//! The grammar and the payload rules follow the reference parser's `decodeString` and
//! `isPayloadValid`; where the reference tolerates input that no client produces (an empty
//! attachment count, an EVENT or CONNECT_ERROR without payload, an ACK without id, a space
//! read as an ack-id digit) this parser rejects or ignores it.

use super::surrogate::replace_lone_surrogates;
use super::{DEFAULT_NSP, DecodeError, PacketData, PacketType, RESERVED_EVENTS};
use crate::Value;

/// A parsed text frame whose binary placeholders (if any) are not yet filled.
#[derive(Debug)]
pub(crate) struct TextPacket {
    /// The namespace.
    pub(crate) nsp: String,
    /// The validated body, placeholders still in place.
    pub(crate) data: PacketData,
    /// Attachments still to come (0 for non-binary types).
    pub(crate) attachments: usize,
}

/// Parses `text`, rejecting binary packets announcing more than `max_attachments`.
pub(crate) fn parse(text: &str, max_attachments: usize) -> Result<TextPacket, DecodeError> {
    let bytes = text.as_bytes();
    let first = *bytes.first().ok_or(DecodeError::Empty)?;
    let kind = first
        .checked_sub(b'0')
        .and_then(PacketType::from_digit)
        .ok_or_else(|| DecodeError::UnknownPacketType(text.chars().next().unwrap_or('?')))?;
    let mut i = 1;

    let mut attachments = 0;
    if kind.is_binary() {
        let dash = find(bytes, i, b'-').ok_or(DecodeError::IllegalAttachments)?;
        let digits = bytes.get(i..dash).unwrap_or_default();
        attachments = match parse_decimal(digits) {
            Decimal::Value(n) => usize::try_from(n).unwrap_or(usize::MAX),
            Decimal::Overflow => usize::MAX,
            Decimal::Invalid => return Err(DecodeError::IllegalAttachments),
        };
        // socket.io-parser 4.2.7 rejects a binary packet without attachments too.
        if attachments == 0 {
            return Err(DecodeError::IllegalAttachments);
        }
        if attachments > max_attachments {
            return Err(DecodeError::TooManyAttachments);
        }
        i = dash + 1;
    }

    let nsp = if bytes.get(i) == Some(&b'/') {
        // Both ends are ASCII positions, so slicing stays on char boundaries.
        let end = find(bytes, i, b',');
        let nsp = text
            .get(i..end.unwrap_or(bytes.len()))
            .unwrap_or(DEFAULT_NSP);
        i = end.map_or(bytes.len(), |comma| comma + 1);
        nsp.to_owned()
    } else {
        DEFAULT_NSP.to_owned()
    };

    let mut id = None;
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        let end = (i..bytes.len())
            .find(|&j| !bytes.get(j).is_some_and(u8::is_ascii_digit))
            .unwrap_or(bytes.len());
        id = match parse_decimal(bytes.get(i..end).unwrap_or_default()) {
            Decimal::Value(n) => Some(n),
            Decimal::Overflow | Decimal::Invalid => return Err(DecodeError::InvalidAckId),
        };
        i = end;
    }

    let payload = match text.get(i..) {
        Some(rest) if !rest.is_empty() => {
            // serde_json rejects trailing garbage and caps nesting depth at 128.
            let json = replace_lone_surrogates(rest);
            Some(serde_json::from_str::<Value>(&json).map_err(|_| DecodeError::InvalidPayload)?)
        }
        _ => None,
    };

    Ok(TextPacket {
        nsp,
        data: validate(kind, payload, id)?,
        attachments,
    })
}

/// Applies the payload rules of the packet type and builds the body.
fn validate(
    kind: PacketType,
    payload: Option<Value>,
    id: Option<u64>,
) -> Result<PacketData, DecodeError> {
    match (kind, payload) {
        (PacketType::Connect, None) => Ok(PacketData::Connect(None)),
        (PacketType::Connect, Some(obj @ Value::Object(_))) => Ok(PacketData::Connect(Some(obj))),
        (PacketType::Disconnect, None) => Ok(PacketData::Disconnect),
        (PacketType::ConnectError, Some(p @ (Value::String(_) | Value::Object(_)))) => {
            Ok(PacketData::ConnectError(p))
        }
        (PacketType::Event | PacketType::BinaryEvent, Some(Value::Array(args))) => {
            let name_ok = match args.first() {
                Some(Value::Number(_)) => true,
                Some(Value::String(name)) => !RESERVED_EVENTS.contains(&name.as_str()),
                _ => false,
            };
            if name_ok {
                Ok(PacketData::Event { args, id })
            } else {
                Err(DecodeError::InvalidPayload)
            }
        }
        (PacketType::Ack | PacketType::BinaryAck, payload) => {
            let args = match payload {
                None => Vec::new(),
                Some(Value::Array(args)) => args,
                Some(_) => return Err(DecodeError::InvalidPayload),
            };
            let id = id.ok_or(DecodeError::MissingAckId)?;
            Ok(PacketData::Ack { args, id })
        }
        _ => Err(DecodeError::InvalidPayload),
    }
}

fn find(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

enum Decimal {
    Value(u64),
    Overflow,
    Invalid,
}

/// Parses one or more ASCII digits.
fn parse_decimal(digits: &[u8]) -> Decimal {
    if digits.is_empty() {
        return Decimal::Invalid;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Decimal::Invalid;
        }
        n = match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
        {
            Some(n) => n,
            None => return Decimal::Overflow,
        };
    }
    Decimal::Value(n)
}
