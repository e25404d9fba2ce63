//! Sans-IO Socket.IO protocol v5, wire-compatible with `socket.io-parser` 4.2.
//!
//! This crate turns [`Packet`]s into frames and frames back into packets; it does no I/O and
//! reads no clock (callers pass `now: Instant`). The frames travel as Engine.IO messages: a
//! packet is one text frame, followed for `BINARY_EVENT`/`BINARY_ACK` by one binary frame per
//! attachment.
//!
//! - [`Value`] is the payload model: JSON plus [`Value::Binary`]. [`to_value`] and
//!   [`from_value`] convert user serde types, turning every [`bytes::Bytes`] into a binary
//!   attachment and back.
//! - [`encode`] (and [`encode_event`], the broadcast fast path) writes a packet as
//!   [`Encoded`] text and attachments.
//! - [`Decoder`] reassembles packets from frames, validates them as the reference parser
//!   does, and bounds what a peer can make it hold ([`DecoderLimits`]).
//! - [`Parser`] chooses the wire format: JSON text with binary attachments (the default), or
//!   msgpack ([`encode_msgpack`], and [`Decoder::with_parser`]), one binary frame per packet,
//!   as `socket.io-msgpack-parser` writes it. [`read_msgpack`] and [`MsgpackWriter`] are its
//!   value codec, usable for any peer speaking `notepack.io` or `@msgpack/msgpack`
//!   ([`MsgpackFlavor`]), such as the Redis adapters.
//! - [`to_args`] and [`from_args`] map a Rust value to an event's argument list and back (a
//!   tuple is several arguments, `()` none; one parameter reads the first argument, as a
//!   JavaScript listener does); [`Args`] is the list as it came, [`ArgsMismatch`] says which
//!   argument did not fit and why.
//! - [`Handler`] is the shape of an event handler (the socket, then optionally the data and
//!   the ack callback) that the server and the client both accept, over their own types;
//!   [`Ack`] is that callback, answering through the socket's [`AckSink`].
//!
//! # Quick start
//! ```
//! use std::time::Instant;
//! use bytes::Bytes;
//! use serde::{Deserialize, Serialize};
//! use socketio_proto::{Decoder, DecoderLimits, Packet, PacketData, encode, from_value, to_value};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Upload {
//!     name: String,
//!     body: Bytes,
//! }
//!
//! let upload = Upload { name: "a.txt".into(), body: Bytes::from_static(b"hello") };
//! let packet = Packet::event("/files", "upload", [to_value(&upload)?], Some(7));
//!
//! let encoded = encode(&packet);
//! assert_eq!(
//!     encoded.text,
//!     r#"51-/files,7["upload",{"name":"a.txt","body":{"_placeholder":true,"num":0}}]"#
//! );
//! assert_eq!(encoded.attachments, [Bytes::from_static(b"hello")]);
//!
//! let mut decoder = Decoder::new(DecoderLimits::default());
//! let now = Instant::now();
//! assert_eq!(decoder.decode_text(&encoded.text, now)?, None); // waiting for the attachment
//! let decoded = decoder.decode_binary(encoded.attachments[0].clone())?.unwrap();
//! assert_eq!(decoded, packet);
//!
//! let PacketData::Event { mut args, id } = decoded.data else { unreachable!() };
//! assert_eq!(id, Some(7));
//! let back: Upload = from_value(args.remove(1))?;
//! assert_eq!(back, upload);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod args;
mod msgpack;
mod packet;
mod value;

pub use args::{
    Ack, AckSink, Args, ArgsMismatch, Handler, HandlerFuture, from_args, shapes, to_args,
};
pub use msgpack::{
    MsgpackError, MsgpackFlavor, MsgpackLimits, MsgpackWriter, read_msgpack, read_msgpack_slice,
    write_msgpack,
};
pub use packet::{
    DEFAULT_NSP, DecodeError, Decoder, DecoderLimits, Encoded, MAX_DEPTH_CEILING, Packet,
    PacketData, PacketType, Parser, RESERVED_EVENTS, encode, encode_event, encode_event_msgpack,
    encode_msgpack,
};
pub use value::{Map, Value, ValueError, from_value, to_value};

/// The Socket.IO protocol revision this crate speaks.
pub const PROTOCOL: u8 = 5;
