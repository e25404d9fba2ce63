//! The stateful decoder: text frames, and the attachments that follow a binary packet.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::binary::{check_placeholders, fill_placeholders};
use super::msgpack::decode_msgpack;
use super::text::{TextPacket, parse};
use super::{DecodeError, Packet, PacketData, Parser};

/// Bounds on what a peer can make the [`Decoder`] hold.
///
/// The size of a text frame is bounded one layer down (Engine.IO's `max_http_buffer_size`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecoderLimits {
    /// Most attachments one binary packet may announce. Default 10, the reference's
    /// `maxAttachments`.
    pub max_attachments: usize,
    /// Most bytes all attachments of one packet may add up to. Default 1 000 000 (the
    /// reference's `maxHttpBufferSize`, here applied to the whole packet).
    pub max_attachment_bytes: usize,
    /// How long a binary packet may wait for its attachments, from its text frame; `None`
    /// waits forever, as the reference does. Default 60 s. Enforced by the caller through
    /// [`Decoder::poll_timeout`] and [`Decoder::handle_timeout`].
    pub attachment_timeout: Option<Duration>,
    /// Most levels of arrays and objects nested in a packet's payload, the event's argument
    /// array included (`["e",[1]]` is 2 deep); a deeper packet fails with
    /// [`DecodeError::TooDeep`]. Default 256; at most [`MAX_DEPTH_CEILING`] (1024) is
    /// enforced whatever is set, as parsing recurses. The reference has no limit.
    pub max_depth: usize,
}

/// The deepest [`DecoderLimits::max_depth`] honoured: parsing, and dropping the parsed value,
/// recurse once per level, and a thread's stack must hold them.
pub const MAX_DEPTH_CEILING: usize = 1024;

impl Default for DecoderLimits {
    fn default() -> Self {
        Self {
            max_attachments: 10,
            max_attachment_bytes: 1_000_000,
            attachment_timeout: Some(Duration::from_secs(60)),
            max_depth: 256,
        }
    }
}

impl DecoderLimits {
    /// Sets [`max_attachments`](Self::max_attachments) (count).
    #[must_use]
    pub fn max_attachments(mut self, count: usize) -> Self {
        self.max_attachments = count;
        self
    }

    /// Sets [`max_attachment_bytes`](Self::max_attachment_bytes) (bytes).
    #[must_use]
    pub fn max_attachment_bytes(mut self, bytes: usize) -> Self {
        self.max_attachment_bytes = bytes;
        self
    }

    /// Sets [`max_depth`](Self::max_depth) (levels).
    #[must_use]
    pub fn max_depth(mut self, levels: usize) -> Self {
        self.max_depth = levels;
        self
    }

    /// Sets [`attachment_timeout`](Self::attachment_timeout).
    #[must_use]
    pub fn attachment_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attachment_timeout = timeout;
        self
    }
}

/// Decodes the frames of one connection into [`Packet`]s. Sans-IO: no clock, no sockets.
///
/// Call order: feed every text frame to [`decode_text`](Self::decode_text) and every binary
/// frame to [`decode_binary`](Self::decode_binary), in arrival order; each returns
/// `Some(packet)` once a packet is complete. While a binary packet waits for its attachments,
/// [`poll_timeout`](Self::poll_timeout) gives the instant by which they must have arrived;
/// at that instant call [`handle_timeout`](Self::handle_timeout) to drop the partial packet
/// (and, as the reference would on a broken peer, close the connection).
#[derive(Debug, Default)]
pub struct Decoder {
    limits: DecoderLimits,
    parser: Parser,
    pending: Option<Pending>,
}

/// A binary packet waiting for its attachments.
#[derive(Debug)]
struct Pending {
    nsp: String,
    data: PacketData,
    expected: usize,
    buffers: Vec<Bytes>,
    bytes: usize,
    since: Instant,
}

impl Decoder {
    /// A decoder enforcing `limits`.
    #[must_use]
    pub fn new(limits: DecoderLimits) -> Self {
        Self::with_parser(Parser::Json, limits)
    }

    /// A decoder of `parser`'s packets enforcing `limits`. With [`Parser::Msgpack`] every
    /// packet is one binary frame: the attachment limits bound the binaries inside it, and
    /// nothing is ever pending.
    #[must_use]
    pub fn with_parser(parser: Parser, limits: DecoderLimits) -> Self {
        Self {
            limits,
            parser,
            pending: None,
        }
    }

    /// The parser whose packets this decoder reads.
    #[must_use]
    pub fn parser(&self) -> Parser {
        self.parser
    }

    /// The limits this decoder enforces.
    #[must_use]
    pub fn limits(&self) -> &DecoderLimits {
        &self.limits
    }

    /// Decodes a text frame received at `now`.
    ///
    /// Returns `Ok(Some(packet))` for a complete packet, `Ok(None)` for a binary packet whose
    /// attachments are still to come.
    ///
    /// # Errors
    /// Any [`DecodeError`] about the text frame; [`DecodeError::UnexpectedText`] if a binary
    /// packet is still waiting for attachments (the partial packet is kept);
    /// [`DecodeError::TextWithMsgpack`] with the msgpack parser.
    pub fn decode_text(&mut self, text: &str, now: Instant) -> Result<Option<Packet>, DecodeError> {
        if self.parser == Parser::Msgpack {
            return Err(DecodeError::TextWithMsgpack);
        }
        if self.pending.is_some() {
            return Err(DecodeError::UnexpectedText);
        }
        let TextPacket {
            nsp,
            data,
            attachments,
        } = parse(text, self.limits.max_attachments, self.limits.max_depth)?;
        if attachments == 0 {
            // As in the reference, placeholders only mean something when attachments follow.
            return Ok(Some(Packet { nsp, data }));
        }
        if let PacketData::Event { args, .. } | PacketData::Ack { args, .. } = &data {
            check_placeholders(args, attachments)?;
        }
        tracing::trace!(nsp, attachments, "awaiting attachments");
        self.pending = Some(Pending {
            nsp,
            data,
            expected: attachments,
            buffers: Vec::with_capacity(attachments),
            bytes: 0,
            since: now,
        });
        Ok(None)
    }

    /// Decodes a binary frame: the next attachment of the pending binary packet, or with the
    /// msgpack parser a whole packet.
    ///
    /// Returns `Ok(Some(packet))` when this was the last attachment (msgpack: always).
    ///
    /// # Errors
    /// With the msgpack parser, any [`DecodeError`] about the packet. Otherwise:
    /// [`DecodeError::UnexpectedBinary`] if no binary packet is pending;
    /// [`DecodeError::AttachmentsTooLarge`] if the attachments exceed
    /// [`DecoderLimits::max_attachment_bytes`] (the partial packet is dropped).
    pub fn decode_binary(&mut self, data: Bytes) -> Result<Option<Packet>, DecodeError> {
        if self.parser == Parser::Msgpack {
            return decode_msgpack(data, &self.limits).map(Some);
        }
        let pending = self.pending.as_mut().ok_or(DecodeError::UnexpectedBinary)?;
        pending.bytes = pending.bytes.saturating_add(data.len());
        if pending.bytes > self.limits.max_attachment_bytes {
            self.pending = None;
            return Err(DecodeError::AttachmentsTooLarge);
        }
        pending.buffers.push(data);
        if pending.buffers.len() < pending.expected {
            return Ok(None);
        }
        let Some(Pending {
            nsp,
            mut data,
            buffers,
            ..
        }) = self.pending.take()
        else {
            return Err(DecodeError::UnexpectedBinary);
        };
        if let PacketData::Event { args, .. } | PacketData::Ack { args, .. } = &mut data {
            fill_placeholders(args, &buffers);
        }
        Ok(Some(Packet { nsp, data }))
    }

    /// Whether a binary packet is waiting for attachments.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// When the pending binary packet's text frame arrived.
    #[must_use]
    pub fn pending_since(&self) -> Option<Instant> {
        self.pending.as_ref().map(|p| p.since)
    }

    /// The instant by which the pending packet's attachments must have arrived, if a packet
    /// is pending and [`DecoderLimits::attachment_timeout`] is set.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let since = self.pending_since()?;
        since.checked_add(self.limits.attachment_timeout?)
    }

    /// Whether the pending packet has outlived its deadline at `now`.
    #[must_use]
    pub fn is_expired(&self, now: Instant) -> bool {
        self.poll_timeout().is_some_and(|deadline| now >= deadline)
    }

    /// Drops the pending packet if it has expired at `now`; returns whether it did.
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        let expired = self.is_expired(now);
        if expired {
            tracing::debug!("binary packet attachments timed out");
            self.pending = None;
        }
        expired
    }

    /// Drops any pending packet (the reference's `destroy`); the decoder is then idle.
    pub fn reset(&mut self) {
        self.pending = None;
    }
}
