//! Why the decoder rejected the peer's bytes.

/// Why input was rejected; the connection must then be closed with [`close_code`](Self::close_code).
///
/// Every variant is fatal: the [`Decoder`](crate::Decoder) that returned it is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The peer broke a framing rule of RFC 6455 (reserved bits, unknown opcode, wrong masking,
    /// oversized or fragmented control frame, fragments out of order, bad close code); the text
    /// names the rule. Close code 1002.
    #[error("websocket protocol error: {0}")]
    Protocol(&'static str),
    /// A message, counting the fragments already joined, is larger than the decoder's limit.
    /// Detected from the frame header, before the payload arrives, and for a compressed
    /// message while it is inflated, before more than the limit is allocated. Close code 1009.
    #[error("websocket message larger than the limit")]
    TooBig,
    /// A text message or a close reason is not valid UTF-8. Close code 1007.
    #[error("websocket text is not valid UTF-8")]
    InvalidUtf8,
    /// A compressed message (permessage-deflate) is not valid deflate data. Close code 1007,
    /// as `ws` closes.
    #[error("websocket compressed message is not valid deflate data")]
    Inflate,
}

impl Error {
    /// The close code to send the peer before closing (1002, 1009 or 1007).
    pub fn close_code(&self) -> u16 {
        match self {
            Error::Protocol(_) => 1002,
            Error::TooBig => 1009,
            Error::InvalidUtf8 | Error::Inflate => 1007,
        }
    }
}
