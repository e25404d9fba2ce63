//! permessage-deflate (RFC 7692): negotiating it in the opening handshake, and compressing and
//! inflating the messages of a connection that negotiated it.
//!
//! The compression state (the LZ77 window) is the memory cost of this extension: a compressor
//! that keeps its context between messages holds a few hundred kilobytes, an inflater tens of
//! kilobytes, per connection. A side with "no context takeover" starts every message afresh,
//! so its state is borrowed from a per-thread cache for the length of one message and the
//! connection holds none; a side with context takeover allocates its state on its first
//! compressed message, so an idle connection that never compressed holds nothing either.

mod codec;
mod offer;

pub use codec::Deflater;
pub(crate) use codec::Inflater;
pub use offer::{DeflateConfig, DeflateParams, negotiate};
