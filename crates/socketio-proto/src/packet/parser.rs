//! Which wire format packets use: the choice of the reference's `parser` option.

/// The packet format of a connection, the reference's `parser` option. Both ends must use
/// the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Parser {
    /// `socket.io-parser`, the default: a text frame per packet, plus one binary frame per
    /// attachment. See [`encode`](crate::encode).
    #[default]
    Json,
    /// `socket.io-msgpack-parser` 3.0: each packet one binary frame of msgpack, binary
    /// inline. See [`encode_msgpack`](crate::encode_msgpack).
    Msgpack,
}
