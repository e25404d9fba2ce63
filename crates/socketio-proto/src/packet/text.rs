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
pub(crate) fn parse(
    text: &str,
    max_attachments: usize,
    max_depth: usize,
) -> Result<TextPacket, DecodeError> {
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
            let json = replace_lone_surrogates(rest);
            Some(parse_json(&json, max_depth)?)
        }
        _ => None,
    };

    Ok(TextPacket {
        nsp,
        data: validate(kind, payload, id)?,
        attachments,
    })
}

/// The depth serde_json's own limit lets through (it refuses the 128th level).
const SERDE_DEPTH: usize = 127;

/// Parses a JSON payload nested at most `max_depth` levels (capped by
/// [`MAX_DEPTH_CEILING`](super::decode::MAX_DEPTH_CEILING)). serde_json rejects trailing
/// garbage; its own depth limit does the work for the usual depths, the payload is measured
/// only when the limit set is under it or the payload goes past it.
fn parse_json(json: &str, max_depth: usize) -> Result<Value, DecodeError> {
    use serde::Deserialize;
    let max_depth = max_depth.min(super::decode::MAX_DEPTH_CEILING);
    if max_depth < SERDE_DEPTH && nesting_depth(json) > max_depth {
        return Err(DecodeError::TooDeep);
    }
    match serde_json::from_str::<Value>(json) {
        Ok(value) => Ok(value),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
            if nesting_depth(json) > max_depth {
                return Err(DecodeError::TooDeep);
            }
            let mut de = serde_json::Deserializer::from_str(json);
            de.disable_recursion_limit();
            let value = Value::deserialize(&mut de).map_err(|_| DecodeError::InvalidPayload)?;
            de.end().map_err(|_| DecodeError::InvalidPayload)?;
            Ok(value)
        }
        Err(_) => Err(DecodeError::InvalidPayload),
    }
}

/// How deep arrays and objects nest in `json`, brackets inside strings aside. Not a
/// validation: the parser does that.
fn nesting_depth(json: &str) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in json.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
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
