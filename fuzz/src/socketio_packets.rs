//! The Socket.IO packet decoder: text packets, binary attachments and their reassembly, the
//! attachment deadline, and the msgpack parser (and its value reader).
//!
//! Input: one setup byte (bit 0 the msgpack parser, bits 1-2 the attachment limit, bits 3-4
//! the depth limit), then records `[tag, len_lo, len_hi, len bytes]` (the last one may be
//! short): tag 0 a text frame, 1 a binary frame, 2 a clock advance of `len` x 100 ms and a
//! timer check, 3 a bare msgpack value. [`seed`] writes this format.

use std::time::{Duration, Instant};

use bytes::Bytes;
use socketio_proto::{
    DecodeError, Decoder, DecoderLimits, MAX_DEPTH_CEILING, MsgpackLimits, Packet, PacketData,
    Parser, Value, encode, encode_msgpack, read_msgpack, write_msgpack,
};

/// One record of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
    /// Time passes (in units of 100 ms) and the decoder's deadline is checked.
    Wait(u16),
    /// A msgpack value read on its own.
    Msgpack(Vec<u8>),
}

/// The input that runs `records` with the setup byte `setup`.
pub fn seed(setup: u8, records: &[Record]) -> Vec<u8> {
    let mut out = vec![setup];
    for r in records {
        let (tag, body): (u8, &[u8]) = match r {
            Record::Text(t) => (0, t.as_bytes()),
            Record::Binary(b) => (1, b),
            Record::Wait(n) => {
                out.push(2);
                out.extend_from_slice(&n.to_le_bytes());
                continue;
            }
            Record::Msgpack(b) => (3, b),
        };
        let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
        out.push(tag);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&body[..usize::from(len)]);
    }
    out
}

fn records(mut input: &[u8]) -> impl Iterator<Item = Record> + '_ {
    std::iter::from_fn(move || {
        let (&tag, rest) = input.split_first()?;
        let len = match rest {
            [lo, hi, ..] => usize::from(u16::from_le_bytes([*lo, *hi])),
            [lo] => usize::from(*lo),
            [] => 0,
        };
        let rest = rest.get(2..).unwrap_or_default();
        let (body, tail) = rest.split_at(len.min(rest.len()));
        input = tail;
        Some(match tag % 4 {
            0 => Record::Text(String::from_utf8_lossy(body).into_owned()),
            1 => Record::Binary(body.to_vec()),
            2 => Record::Wait(u16::try_from(len).unwrap_or(u16::MAX)),
            _ => Record::Msgpack(body.to_vec()),
        })
    })
}

/// Feeds the records to one decoder as a connection would; every packet decoded must
/// encode back to itself, and the decoder must never hold a partial packet after a binary
/// frame's error, past its deadline, or with the msgpack parser.
pub fn run(data: &[u8]) {
    let Some((&setup, input)) = data.split_first() else {
        return;
    };
    let parser = if setup & 1 == 0 {
        Parser::Json
    } else {
        Parser::Msgpack
    };
    let limits = DecoderLimits::default()
        .max_attachments([0, 1, 3, 10][usize::from((setup >> 1) & 3)])
        .max_depth([2, 8, 64, 256][usize::from((setup >> 3) & 3)])
        .attachment_timeout(Some(Duration::from_secs(60)));
    let mut decoder = Decoder::with_parser(parser, limits);
    let mut now = Instant::now();
    for record in records(input) {
        let result = match record {
            Record::Text(t) => decoder.decode_text(&t, now),
            Record::Binary(b) => {
                let r = decoder.decode_binary(Bytes::from(b));
                if r.is_err() {
                    assert!(
                        !decoder.is_pending(),
                        "a partial packet kept after an error"
                    );
                }
                r
            }
            Record::Wait(n) => {
                now += Duration::from_millis(u64::from(n) * 100);
                let due = decoder.poll_timeout().is_some_and(|t| t <= now);
                assert_eq!(decoder.handle_timeout(now), due);
                assert!(!due || !decoder.is_pending(), "expired packet kept");
                continue;
            }
            Record::Msgpack(b) => {
                msgpack_value(b);
                continue;
            }
        };
        if parser == Parser::Msgpack {
            assert!(!decoder.is_pending(), "msgpack packets are never partial");
        }
        match result {
            Ok(Some(packet)) => roundtrip(parser, &packet),
            Ok(None) => assert!(decoder.is_pending(), "neither a packet nor waiting"),
            // A connection is closed on any error; a partial packet kept after a text frame
            // is dropped with it.
            Err(DecodeError::UnexpectedText) => decoder.reset(),
            Err(_) => {}
        }
    }
}

/// `decode(encode(p)) == p`, with a decoder that allows anything `p` can hold.
fn roundtrip(parser: Parser, packet: &Packet) {
    let limits = DecoderLimits::default()
        .max_attachments(usize::MAX)
        .max_attachment_bytes(usize::MAX)
        .max_depth(MAX_DEPTH_CEILING);
    let mut decoder = Decoder::with_parser(parser, limits);
    let now = Instant::now();
    let back = match parser {
        Parser::Json => {
            let encoded = encode(packet);
            let mut out = decoder.decode_text(&encoded.text, now);
            for a in encoded.attachments {
                assert_eq!(out, Ok(None), "{:?} decoded early", encoded.text);
                out = decoder.decode_binary(a);
            }
            out
        }
        Parser::Msgpack => decoder.decode_binary(encode_msgpack(packet)),
    };
    let back = back.map(|p| p.map(|p| js_numbers(&p, parser)));
    assert_eq!(
        back,
        Ok(Some(js_numbers(packet, parser))),
        "changed through encode and decode"
    );
}

/// `packet` with every integral float as the integer it comes back as. JavaScript has one
/// number type, and both codecs write an integral float as an integer, which reads back as
/// one: JSON as JavaScript prints it (its shortest digits, which Rust's `Display` gives too:
/// `7.7777777777755e16` is `77777777777755000`), msgpack as the double's exact value, as
/// `notepack.io` does. The double is the same either way.
fn js_numbers(packet: &Packet, parser: Parser) -> Packet {
    let mut p = packet.clone();
    let normalize = |v: &mut Value| normalize(v, parser);
    match &mut p.data {
        PacketData::Connect(Some(v)) | PacketData::ConnectError(v) => normalize(v),
        PacketData::Event { args, .. } | PacketData::Ack { args, .. } => {
            args.iter_mut().for_each(normalize);
        }
        PacketData::Connect(None) | PacketData::Disconnect => {}
    }
    p
}

fn normalize(v: &mut Value, parser: Parser) {
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 {
                let digits = match parser {
                    Parser::Json => format!("{f}"),
                    Parser::Msgpack => format!("{f:.0}"),
                };
                if let Ok(u) = digits.parse::<u64>() {
                    *v = Value::from(u);
                } else if let Ok(i) = digits.parse::<i64>() {
                    *v = Value::from(i);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalize(v, parser)),
        Value::Object(map) => map.values_mut().for_each(|v| normalize(v, parser)),
        _ => {}
    }
}

/// A msgpack value read alone: what reads writes back to what reads the same.
fn msgpack_value(input: Vec<u8>) {
    let limits = MsgpackLimits {
        max_depth: 32,
        ..MsgpackLimits::default()
    };
    if let Ok(value) = read_msgpack(Bytes::from(input), &limits) {
        let mut out = Vec::new();
        write_msgpack(&mut out, &value);
        let mut back = read_msgpack(Bytes::from(out), &limits);
        if let Ok(v) = back.as_mut() {
            normalize(v, Parser::Msgpack);
        }
        let mut value = value;
        normalize(&mut value, Parser::Msgpack);
        assert_eq!(back, Ok(value));
    }
}
