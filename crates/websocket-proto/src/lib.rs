//! RFC 6455 websocket framing, sans-IO: bytes in, messages out; messages in, bytes out. One
//! codec serves both ends: the sockeye server ([`Role::Server`]) and the sockeye client
//! ([`Role::Client`], which masks what it sends with a fresh key per frame).
//!
//! - [`Decoder`]: takes the peer's bytes from the front of a [`BytesMut`](bytes::BytesMut) and
//!   hands back whole [`Message`]s, enforcing the RFC's rules (masking by [`Role`], control frame
//!   limits, fragmentation order, the size limit, UTF-8). An unfragmented frame's payload is
//!   split out of the read buffer without copying; fragments are joined in a buffer that is
//!   released as soon as the message completes.
//! - [`encode`] / [`encode_close`] / [`header_len`]: append one final frame to any
//!   [`BufMut`](bytes::BufMut), so a broadcast can build its frame once and share the bytes.
//! - [`accept_key`], [`client_key`], [`is_accept_for`]: the keys of the opening handshake, for
//!   the server's answer and the client's check of it.
//!
//! - [`negotiate`] / [`Deflater`] / [`Decoder::with_deflate`]: permessage-deflate (RFC 7692),
//!   the only extension: negotiated from the client's offers, it gives RSV1 its meaning
//!   (compressed message); without it the reserved bits must be clear.
//!
//! Every rejection is an [`Error`] whose [`close_code`](Error::close_code) is the code to
//! close the connection with.
//!
//! ```
//! use bytes::BytesMut;
//! use websocket_proto::{Decoder, Message, OpCode, Role, encode};
//!
//! // A client masks what it sends; the server's decoder unmasks it.
//! let mut wire = BytesMut::new();
//! encode(&mut wire, OpCode::Text, b"hello", Some([1, 2, 3, 4]));
//! let mut decoder = Decoder::new(Role::Server, 1 << 20);
//! let message = decoder.decode(&mut wire).unwrap();
//! assert_eq!(message, Some(Message::Text("hello".into())));
//! assert!(wire.is_empty());
//! ```

mod decoder;
mod deflate;
mod encoder;
mod error;
mod frame;
mod handshake;
mod mask;
mod message;

pub use decoder::Decoder;
pub use deflate::{DeflateConfig, DeflateParams, Deflater, negotiate};
pub use encoder::{encode, encode_close, header_len};
pub use error::Error;
pub use frame::{OpCode, Role};
pub use handshake::{accept_key, client_key, is_accept_for};
pub use message::{CloseFrame, Message};
