//! Turning the peer's bytes into whole messages.

use bytes::{Buf as _, BytesMut};

use crate::deflate::Inflater;
use crate::frame::{self, Header};
use crate::mask::apply_mask;
use crate::{DeflateParams, Error, Message, OpCode, Role};

/// Decodes the frames a peer sends into whole [`Message`]s.
///
/// Call order: append what the transport read to a `BytesMut`, then call [`decode`](Self::decode)
/// until it returns `Ok(None)`; [`wanted`](Self::wanted) tells how many bytes the buffer must
/// hold for the next frame, to size the next read. Control frames (ping, pong, close) come out as
/// soon as they arrive, even between the fragments of a data message.
///
/// An unfragmented frame's payload is split out of the caller's buffer and unmasked in place, with
/// no copy. Fragments are copied into a buffer owned by the decoder, which is handed out with the
/// message, so an idle decoder holds no heap memory.
#[derive(Debug)]
pub struct Decoder {
    role: Role,
    max_message: usize,
    state: State,
    /// The fragments joined so far; empty and unallocated unless `state` is `Text` or `Binary`.
    assembly: BytesMut,
    /// With permessage-deflate negotiated: inflates messages whose first frame has RSV1.
    inflater: Option<Inflater>,
    /// Whether the fragmented message in progress is compressed.
    compressed: bool,
}

/// Where the decoder is between frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No fragmented message in progress.
    Idle,
    /// A fragmented message whose first frame had this opcode (text or binary) is in progress.
    Fragmented(OpCode),
    /// An error was returned; nothing more is decoded.
    Failed,
}

impl Decoder {
    /// `max_message`: the largest message (after joining fragments) accepted; larger is Error::TooBig,
    /// detected from the frame header, before its payload is buffered. Control frames (at most
    /// 125 bytes each) are not counted against it. Allocates nothing.
    pub fn new(role: Role, max_message: usize) -> Decoder {
        Decoder {
            role,
            max_message,
            state: State::Idle,
            assembly: BytesMut::new(),
            inflater: None,
            compressed: false,
        }
    }

    /// A decoder for a connection that negotiated permessage-deflate with `params`: a message
    /// whose first frame has RSV1 set is inflated, and refused with [`Error::TooBig`] as soon
    /// as it inflates past `max_message`. Allocates nothing until a compressed message comes.
    pub fn with_deflate(role: Role, max_message: usize, params: &DeflateParams) -> Decoder {
        Decoder {
            inflater: Some(Inflater::new(role, params)),
            ..Decoder::new(role, max_message)
        }
    }

    /// Takes the next complete message from the front of `buf`, consuming exactly its bytes.
    /// Ok(None): `buf` holds no complete message yet (any complete fragment frames it held have been
    /// consumed into the decoder's fragment assembly). After an Err the decoder is unusable.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Message>, Error> {
        if self.state == State::Failed {
            return Err(Error::Protocol("decoder used after an error"));
        }
        let result = self.decode_frames(buf);
        if result.is_err() {
            self.state = State::Failed;
            self.assembly = BytesMut::new();
        }
        result
    }

    /// How many bytes `buf` must hold in total for the frame now at its front to be complete,
    /// as far as known (at least 2 when nothing is known). Used to size the next read.
    pub fn wanted(&self, buf: &[u8]) -> usize {
        frame::wanted(buf)
    }

    /// Whether a fragmented message is partly assembled.
    pub fn in_message(&self) -> bool {
        matches!(self.state, State::Fragmented(_))
    }

    fn decode_frames(&mut self, buf: &mut BytesMut) -> Result<Option<Message>, Error> {
        loop {
            let Some(header) = Header::parse(buf, self.role, self.inflater.is_some())? else {
                return Ok(None);
            };
            let control = header.opcode.is_control();
            if !control {
                self.check_data_frame(&header)?;
            }
            // Control payloads are at most 125 bytes; data payloads were checked against the limit.
            let payload_len = usize::try_from(header.payload_len).map_err(|_| Error::TooBig)?;
            let frame_len = header.len.checked_add(payload_len).ok_or(Error::TooBig)?;
            if buf.len() < frame_len {
                return Ok(None);
            }

            if control || (header.fin && self.state == State::Idle) {
                buf.advance(header.len);
                // The usual read holds one frame: taking the whole buffer keeps it unshared
                // (`split_to` would make its allocation shared, which allocates).
                let mut payload = if buf.len() == payload_len {
                    std::mem::take(buf)
                } else {
                    buf.split_to(payload_len)
                };
                if let Some(key) = header.mask {
                    apply_mask(&mut payload, key, 0);
                }
                let payload = if header.rsv1 {
                    self.inflate(&payload)?
                } else {
                    payload.freeze()
                };
                let message = if control {
                    Message::control(header.opcode, payload)
                } else {
                    Message::data(header.opcode, payload)
                };
                return message.map(Some);
            }

            let start = self.assembly.len();
            self.assembly.reserve(payload_len);
            // In bounds: `buf` holds the whole frame, checked above.
            self.assembly.extend_from_slice(&buf[header.len..frame_len]);
            buf.advance(frame_len);
            if let Some(key) = header.mask {
                apply_mask(&mut self.assembly[start..], key, 0);
            }
            if header.opcode != OpCode::Continuation {
                self.state = State::Fragmented(header.opcode);
                self.compressed = header.rsv1;
            }
            if header.fin {
                let State::Fragmented(opcode) = std::mem::replace(&mut self.state, State::Idle)
                else {
                    return Err(Error::Protocol("continuation without a message"));
                };
                let assembly = std::mem::take(&mut self.assembly);
                let payload = if std::mem::take(&mut self.compressed) {
                    self.inflate(&assembly)?
                } else {
                    assembly.freeze()
                };
                return Message::data(opcode, payload).map(Some);
            }
        }
    }

    /// Inflates a compressed message (RSV1 is only accepted when an inflater exists).
    fn inflate(&mut self, payload: &[u8]) -> Result<bytes::Bytes, Error> {
        let inflater = self
            .inflater
            .as_mut()
            .ok_or(Error::Protocol("reserved bits set without an extension"))?;
        inflater.inflate(payload, self.max_message)
    }

    /// Checks a data frame's place in the message sequence and its size against the limit.
    fn check_data_frame(&self, header: &Header) -> Result<(), Error> {
        match (header.opcode, self.state) {
            (OpCode::Continuation, State::Idle) => {
                return Err(Error::Protocol("continuation frame without a message"));
            }
            (OpCode::Text | OpCode::Binary, State::Fragmented(_)) => {
                return Err(Error::Protocol("new message before the last one finished"));
            }
            _ => {}
        }
        let room = self.max_message.saturating_sub(self.assembly.len());
        if header.payload_len > room as u64 {
            return Err(Error::TooBig);
        }
        Ok(())
    }
}
