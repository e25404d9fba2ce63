//! Why a peer's packet was rejected.

/// A received frame could not be decoded.
///
/// Every variant means the peer broke the protocol (or exceeded a [`DecoderLimits`]); the
/// reference closes the connection on any of them, and so should the caller. After an error
/// from [`Decoder::decode_binary`] or an expired reassembly the decoder is idle again; after
/// [`DecodeError::UnexpectedText`] it still holds the partial packet (call
/// [`Decoder::reset`] to reuse it).
///
/// [`DecoderLimits`]: super::DecoderLimits
/// [`Decoder::decode_binary`]: super::Decoder::decode_binary
/// [`Decoder::reset`]: super::Decoder::reset
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text frame was empty, so it has no packet type.
    #[error("empty packet")]
    Empty,
    /// The first character is not a packet type digit `0`..`6`.
    #[error("unknown packet type {0}")]
    UnknownPacketType(char),
    /// A binary packet's attachment count is missing, not a decimal integer, zero, or not
    /// followed by `-`.
    #[error("Illegal attachments")]
    IllegalAttachments,
    /// A binary packet announces more attachments than [`DecoderLimits::max_attachments`].
    ///
    /// [`DecoderLimits::max_attachments`]: super::DecoderLimits::max_attachments
    #[error("too many attachments")]
    TooManyAttachments,
    /// The attachments of one packet add up to more than
    /// [`DecoderLimits::max_attachment_bytes`].
    ///
    /// [`DecoderLimits::max_attachment_bytes`]: super::DecoderLimits::max_attachment_bytes
    #[error("attachments too large")]
    AttachmentsTooLarge,
    /// The ack id does not fit in a `u64` (msgpack parser: is not a non-negative integer).
    #[error("invalid ack id")]
    InvalidAckId,
    /// An ACK packet carries no ack id, so it answers nothing.
    #[error("missing ack id")]
    MissingAckId,
    /// The payload is not valid JSON (including trailing garbage), or does not have the shape
    /// the packet type requires: CONNECT an object, DISCONNECT nothing, CONNECT_ERROR a string
    /// or an object, EVENT a non-empty array starting with a number or a non-reserved event
    /// name, ACK an array.
    #[error("invalid payload")]
    InvalidPayload,
    /// The payload nests arrays and objects deeper than [`DecoderLimits::max_depth`](crate::DecoderLimits::max_depth).
    #[error("payload nested too deep")]
    TooDeep,
    /// A binary placeholder's `num` is not an integer below the attachment count, or an
    /// announced attachment is referenced by no placeholder.
    #[error("illegal attachments")]
    IllegalPlaceholder,
    /// A text frame arrived while the attachments of a binary packet were still awaited.
    #[error("got plaintext data when reconstructing a packet")]
    UnexpectedText,
    /// A binary frame arrived while no binary packet was awaiting attachments.
    #[error("got binary data when not reconstructing a packet")]
    UnexpectedBinary,
    /// Msgpack parser: a text frame arrived, where every packet is one binary frame.
    #[error("got a text frame with the msgpack parser")]
    TextWithMsgpack,
    /// Msgpack parser: the frame is not one msgpack value within the limits (nesting depth
    /// 128, [`DecoderLimits::max_attachments`] binaries of at most
    /// [`DecoderLimits::max_attachment_bytes`] in all).
    ///
    /// [`DecoderLimits::max_attachments`]: super::DecoderLimits::max_attachments
    /// [`DecoderLimits::max_attachment_bytes`]: super::DecoderLimits::max_attachment_bytes
    #[error(transparent)]
    Msgpack(#[from] crate::MsgpackError),
    /// Msgpack parser: the packet is not a map, or its `type` is not an integer in `0..=4`.
    #[error("invalid packet type")]
    InvalidPacketType,
    /// Msgpack parser: the packet's `nsp` is missing or not a string.
    #[error("invalid namespace")]
    InvalidNamespace,
}
