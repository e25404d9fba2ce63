//! MessagePack for [`Value`]: the one codec of the workspace, for every peer that speaks a
//! JavaScript library's msgpack (the Socket.IO msgpack parser here, the Redis adapters'
//! messages in sockeye-redis).
//!
//! Writing reproduces a library's bytes ([`MsgpackFlavor`]: `notepack.io` or
//! `@msgpack/msgpack`): integers (and floats with an integral value) in their smallest form,
//! other numbers as float64, strings as UTF-8 `str`, [`Value::Binary`] as `bin`, objects as
//! maps with string keys in insertion order.
//!
//! Reading accepts what `notepack.io` accepts, within [`MsgpackLimits`], and reads it as a
//! JavaScript peer would see it: a float holding a safe integer is that integer, integer map
//! keys are strings, the timestamp extension and `notepack.io` 2's date are the ISO 8601
//! string `Date.toJSON` gives (so a date reads as it would through the JSON parser), its
//! `undefined` is no property in an object and null elsewhere (as `JSON.stringify` writes
//! it), and its `ArrayBuffer` extension is binary; any other extension is `[type, binary]`,
//! as `notepack.io` gives it.

mod date;
mod read;
mod write;

pub use read::{read_msgpack, read_msgpack_slice};
pub use write::{MsgpackFlavor, MsgpackWriter, write_msgpack};

pub(crate) use read::Reader;

/// Bounds on what decoding one msgpack value may build.
///
/// Container lengths and string sizes are bounded by the input itself: a declared length is
/// checked against the bytes left before anything is allocated, so the input's size (bounded
/// one layer down by Engine.IO's `max_http_buffer_size`) bounds the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgpackLimits {
    /// Deepest nesting of arrays and maps. Default 128, as the JSON parser's (`serde_json`).
    pub max_depth: usize,
    /// Most `bin` values (and binary extensions) in one value. Default `usize::MAX`.
    pub max_binaries: usize,
    /// Most bytes all `bin` values of one value may add up to. Default `usize::MAX`.
    pub max_binary_bytes: usize,
}

impl Default for MsgpackLimits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_binaries: usize::MAX,
            max_binary_bytes: usize::MAX,
        }
    }
}

/// Why bytes are not a msgpack value within [`MsgpackLimits`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsgpackError {
    /// The input ends inside a value (or a declared length runs past its end).
    #[error("truncated msgpack")]
    Truncated,
    /// Bytes follow the value.
    #[error("{0} trailing bytes after the msgpack value")]
    TrailingBytes(usize),
    /// The marker byte `0xc1`, which msgpack never uses.
    #[error("reserved msgpack marker")]
    Reserved,
    /// A `str` (or a map key) is not UTF-8.
    #[error("msgpack string is not UTF-8")]
    InvalidUtf8,
    /// A map key is neither a string nor a number (JavaScript would make it a string, but
    /// only those two have one obvious spelling).
    #[error("msgpack map key is not a string or number")]
    InvalidKey,
    /// Arrays and maps nest deeper than [`MsgpackLimits::max_depth`].
    #[error("msgpack nests too deep")]
    TooDeep,
    /// More binaries than [`MsgpackLimits::max_binaries`], or more bytes than
    /// [`MsgpackLimits::max_binary_bytes`].
    #[error("too much binary in msgpack value")]
    TooMuchBinary,
}

#[cfg(test)]
mod tests;
