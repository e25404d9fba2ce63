//! The messages the Node packages exchange on Redis, as bytes (no I/O).
//!
//! - [`classic`]: `createAdapter` of `@socket.io/redis-adapter` and `@socket.io/redis-emitter`:
//!   broadcasts as msgpack `[uid, packet, opts]`, requests and responses as JSON, except the
//!   BROADCAST request and the BROADCAST_ACK response, which are msgpack.
//! - [`cluster`]: the `ClusterAdapter` messages of `socket.io-adapter` that
//!   `createShardedAdapter` sends: JSON, or msgpack when binary is inside.
//! - [`streams`]: the same messages as `@socket.io/redis-streams-adapter` 0.3 writes them:
//!   stream entries of string fields, msgpack on pub/sub, and the persisted sessions.
//!
//! A receiver tells the two encodings apart by the first byte: `{` is JSON.

pub mod classic;
pub mod cluster;
mod common;
pub mod streams;

pub use common::{
    MSGPACK_MAX_DEPTH, WireError, decode_any, flags_value, opts_from_value, opts_value,
    packet_from_value, packet_value, room_name, rooms_from, write_packet,
};
