//! Compressing outgoing messages and inflating incoming ones (RFC 7692 section 7.2): raw
//! deflate with a sync flush, the final `00 00 ff ff` left off the wire.

use std::cell::RefCell;

use bytes::{Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::DeflateParams;
use crate::encoder::encode_frame;
use crate::frame::encoded_header_len;
use crate::{Error, OpCode, Role};

/// The end of a sync flush: the sender leaves it off, the receiver puts it back.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Output grows by at most this much per step while inflating, so that a bomb is caught
/// after allocating little more than the limit.
const INFLATE_STEP: usize = 16 * 1024;

thread_local! {
    /// States for sides without context takeover, reset after each message: per thread, not
    /// per connection.
    static SHARED_COMPRESS: RefCell<Option<Compress>> = const { RefCell::new(None) };
    static SHARED_DECOMPRESS: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Compresses the messages one end sends on a connection with permessage-deflate.
#[derive(Debug)]
pub struct Deflater {
    /// Start every message afresh (negotiated, or because the window we may use is smaller
    /// than the one our compressor uses, which only a fresh start per message can honour).
    no_context_takeover: bool,
    /// Messages longer than this could refer further back than the peer's window.
    max_len: usize,
    /// The state kept between messages with context takeover: allocated on first use.
    state: Option<Box<Compress>>,
}

impl Deflater {
    /// The compressor of `role`'s end under the negotiated `params`. Allocates nothing.
    pub fn new(role: Role, params: &DeflateParams) -> Deflater {
        let (no_context_takeover, bits) = match role {
            Role::Server => (
                params.server_no_context_takeover,
                params.server_max_window_bits,
            ),
            Role::Client => (
                params.client_no_context_takeover,
                params.client_max_window_bits,
            ),
        };
        // Our compressor always uses a 32 KiB window; with a fresh start per message a
        // message no longer than the peer's window cannot refer beyond it.
        let small_window = bits < 15;
        Deflater {
            no_context_takeover: no_context_takeover || small_window,
            max_len: if small_window { 1 << bits } else { usize::MAX },
            state: None,
        }
    }

    /// Appends `payload` as one final frame, compressed (RSV1 set) when it can be: a message
    /// longer than a smaller window negotiated for us is sent as it is. Returns whether it
    /// was compressed. `mask`: `Some(key)` for a client, as in [`encode`](crate::encode).
    /// Control opcodes are never compressed.
    pub fn encode(
        &mut self,
        dst: &mut BytesMut,
        opcode: OpCode,
        payload: &[u8],
        mask: Option<[u8; 4]>,
    ) -> bool {
        let compressed = if opcode.is_control() || payload.len() > self.max_len {
            None
        } else {
            self.compress(payload)
        };
        let body = compressed.as_deref().unwrap_or(payload);
        dst.reserve(encoded_header_len(body.len(), mask.is_some()) + body.len());
        encode_frame(dst, opcode, body, mask, compressed.is_some());
        compressed.is_some()
    }

    /// Whether this end keeps compression state between messages (none is held otherwise).
    pub fn holds_state(&self) -> bool {
        self.state.is_some()
    }

    fn compress(&mut self, payload: &[u8]) -> Option<Vec<u8>> {
        if self.no_context_takeover {
            return SHARED_COMPRESS.with(|cell| {
                let mut state = cell
                    .borrow_mut()
                    .take()
                    .unwrap_or_else(|| Compress::new(Compression::default(), false));
                let out = deflate(&mut state, payload);
                state.reset();
                *cell.borrow_mut() = Some(state);
                out
            });
        }
        let state = self
            .state
            .get_or_insert_with(|| Box::new(Compress::new(Compression::default(), false)));
        let out = deflate(state, payload);
        if out.is_none() {
            // The peer's window is now unknown to us; never refer back into it.
            self.state = None;
        }
        out
    }
}

/// Raw deflate of `input` ending in a sync flush, without the flush's last four bytes.
fn deflate(state: &mut Compress, input: &[u8]) -> Option<Vec<u8>> {
    let start = state.total_in();
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(state.total_in() - start).ok()?;
        let rest = input.get(consumed..)?;
        if out.len() == out.capacity() {
            out.reserve(out.len().max(64));
        }
        state
            .compress_vec(rest, &mut out, FlushCompress::Sync)
            .ok()?;
        // The flush is complete once all input is in and the output was not cut short.
        let consumed = usize::try_from(state.total_in() - start).ok()?;
        if consumed == input.len() && out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&TAIL) {
        out.truncate(out.len() - TAIL.len());
    }
    Some(out)
}

/// Inflates the compressed messages a peer sends.
#[derive(Debug)]
pub(crate) struct Inflater {
    /// The peer starts every message afresh, so our window need not outlive one.
    no_context_takeover: bool,
    /// The window kept between messages with context takeover: allocated on first use.
    state: Option<Box<Decompress>>,
}

impl Inflater {
    /// The inflater for what the peer of `role` sends under `params`. Allocates nothing.
    pub(crate) fn new(role: Role, params: &DeflateParams) -> Inflater {
        let no_context_takeover = match role {
            Role::Server => params.client_no_context_takeover,
            Role::Client => params.server_no_context_takeover,
        };
        Inflater {
            no_context_takeover,
            state: None,
        }
    }

    /// The message `payload` compresses, refused with [`Error::TooBig`] as soon as it grows
    /// past `max` bytes, and with [`Error::Inflate`] when it is not valid deflate data.
    pub(crate) fn inflate(&mut self, payload: &[u8], max: usize) -> Result<Bytes, Error> {
        if self.no_context_takeover {
            return SHARED_DECOMPRESS.with(|cell| {
                let mut state = cell
                    .borrow_mut()
                    .take()
                    .unwrap_or_else(|| Decompress::new(false));
                let out = inflate(&mut state, payload, max);
                state.reset(false);
                *cell.borrow_mut() = Some(state);
                out
            });
        }
        let state = self
            .state
            .get_or_insert_with(|| Box::new(Decompress::new(false)));
        inflate(state, payload, max)
    }
}

/// Inflates `payload` followed by [`TAIL`] into a buffer of at most `max` bytes.
fn inflate(state: &mut Decompress, payload: &[u8], max: usize) -> Result<Bytes, Error> {
    let mut out: Vec<u8> = Vec::new();
    for input in [payload, &TAIL[..]] {
        let start = state.total_in();
        loop {
            let consumed = usize::try_from(state.total_in() - start).map_err(|_| Error::TooBig)?;
            let rest = input.get(consumed..).ok_or(Error::Inflate)?;
            if out.len() == out.capacity() {
                // At most one byte over the limit is ever allocated for: that byte is the
                // proof that the message is too big.
                let room = max.saturating_sub(out.len()).saturating_add(1);
                out.reserve_exact(out.len().clamp(64, INFLATE_STEP).min(room));
            }
            let before = (state.total_in(), state.total_out());
            let status = state
                .decompress_vec(rest, &mut out, FlushDecompress::Sync)
                .map_err(|_| Error::Inflate)?;
            if out.len() > max {
                return Err(Error::TooBig);
            }
            let progressed = before != (state.total_in(), state.total_out());
            let all_in = usize::try_from(state.total_in() - start).ok() == Some(input.len());
            if status == Status::StreamEnd {
                // A final block (RFC 7692 section 7.2.3.4) ends the peer's stream: what follows
                // it starts a new one.
                state.reset(false);
                return Ok(Bytes::from(out));
            }
            if !progressed || (all_in && out.len() < out.capacity()) {
                break;
            }
        }
    }
    Ok(Bytes::from(out))
}
