//! Engine.IO protocol 4, sans-IO: what the server says and when, without sockets or clocks.
//!
//! - [`Packet`] and [`PacketType`]: the seven packet types, decoded from and encoded to
//!   websocket frames ([`Packet::decode_text`], [`Packet::decode_binary`], [`Packet::encode_ws`]);
//! - [`encode_payload`] / [`decode_payload`]: HTTP long-polling payloads (packets joined by
//!   `0x1e`, binary as `b` + base64);
//! - protocol 3 (`allowEIO3`) encodings: [`encode_payload_v3`] / [`decode_payload_v3`]
//!   (`<length>:<packet>`), the binary payloads and websocket binary frames of that protocol,
//!   and [`Protocol`] for a [`Session`] whose client drives the heartbeat;
//! - [`OpenPacket`] and [`Sid`]: the handshake;
//! - [`Session`]: one session's heartbeat, upgrade, write buffer and close as a state machine
//!   fed with inputs and the current [`Instant`](std::time::Instant); its doc gives the call order.
//!
//! ```
//! use engineio_proto::{decode_payload, Packet};
//! let packets: Vec<Packet> = decode_payload("4hello\x1ebAQIDBA==").collect::<Result<_, _>>().unwrap();
//! assert_eq!(packets[0], Packet::message("hello"));
//! ```

mod base64;
mod client;
mod close;
mod codec_v3;
mod handshake;
mod packet;
mod payload;
mod session;

pub use base64::{
    Base64Error, decode as base64_decode, encode as base64_encode,
    encode_into as base64_encode_into,
};
pub use client::{ClientConfig, ClientEvent, ClientSession, ClientTransmit};
pub use close::CloseReason;
pub use codec_v3::{
    V3PayloadError, binary_prefix_v3, decode_binary_payload_v3, decode_binary_v3, decode_packet_v3,
    decode_payload_v3, encode_binary_payload_v3, encode_packet_v3_into, encode_payload_v3,
};
pub use handshake::{OpenPacket, SID_RANDOM_BYTES, Sid};
pub use packet::{DecodeError, Packet, PacketData, PacketType, WsFrame};
pub use payload::{PayloadDecoder, SEPARATOR, decode_payload, encode_payload};
pub use session::{
    Event, Outgoing, PollError, Protocol, SendError, Session, SessionConfig, Transmit,
    TransportKind, UpgradeError, Via,
};
