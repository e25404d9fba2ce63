//! The frame header (RFC 6455 section 5.2): opcodes, masking by role, and payload length.

use crate::Error;

/// Which end of the connection this codec is: a server expects masked frames and writes unmasked ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The accepting end: the peer's frames must be masked, ours are not.
    Server,
    /// The connecting end: the peer's frames must not be masked, ours are.
    Client,
}

/// Frame opcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OpCode {
    /// A further fragment of the message in progress.
    Continuation = 0,
    /// The first (or only) frame of a UTF-8 text message.
    Text = 1,
    /// The first (or only) frame of a binary message.
    Binary = 2,
    /// Close control frame: an optional code and reason.
    Close = 8,
    /// Ping control frame: the peer expects a pong with the same payload.
    Ping = 9,
    /// Pong control frame: the answer to a ping, or an unsolicited heartbeat.
    Pong = 10,
}

impl OpCode {
    /// The opcode of the low nibble `bits`, or `None` for the reserved ones (3-7, 11-15).
    fn from_bits(bits: u8) -> Option<OpCode> {
        Some(match bits {
            0 => OpCode::Continuation,
            1 => OpCode::Text,
            2 => OpCode::Binary,
            8 => OpCode::Close,
            9 => OpCode::Ping,
            10 => OpCode::Pong,
            _ => return None,
        })
    }

    /// Whether this is a control opcode (close, ping, pong).
    pub(crate) fn is_control(self) -> bool {
        self as u8 & 0x8 != 0
    }
}

/// Largest payload of a control frame.
pub(crate) const MAX_CONTROL_PAYLOAD: usize = 125;

const FIN: u8 = 0x80;
/// The reserved bit that permessage-deflate (RFC 7692) uses to mark a compressed message.
const RSV1: u8 = 0x40;
const RSV23: u8 = 0x30;
const MASKED: u8 = 0x80;
const LEN_16: u8 = 126;
const LEN_64: u8 = 127;

/// A parsed and validated frame header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    /// Whether this is the final frame of its message.
    pub(crate) fin: bool,
    /// RSV1: on the first frame of a data message, the message is compressed (only seen when
    /// the parser was told an extension gives the bit a meaning).
    pub(crate) rsv1: bool,
    /// The frame's opcode.
    pub(crate) opcode: OpCode,
    /// The masking key, present exactly when the peer is a client.
    pub(crate) mask: Option<[u8; 4]>,
    /// The declared payload length.
    pub(crate) payload_len: u64,
    /// The header's own length in bytes (2 to 14).
    pub(crate) len: usize,
}

impl Header {
    /// Parses the header at the front of `buf` as received by `role`; `Ok(None)` when `buf` does
    /// not hold the whole header yet. Rules that the first two bytes decide are checked before
    /// waiting for the rest. `rsv1`: whether a negotiated extension gives RSV1 a meaning.
    pub(crate) fn parse(buf: &[u8], role: Role, rsv1: bool) -> Result<Option<Header>, Error> {
        let [b0, b1, ..] = *buf else {
            return Ok(None);
        };
        if b0 & RSV23 != 0 || (!rsv1 && b0 & RSV1 != 0) {
            return Err(Error::Protocol("reserved bits set without an extension"));
        }
        let opcode = OpCode::from_bits(b0 & 0x0f).ok_or(Error::Protocol("reserved opcode"))?;
        let rsv1 = b0 & RSV1 != 0;
        if rsv1 && (opcode.is_control() || opcode == OpCode::Continuation) {
            // RFC 7692 section 6.1: only the first frame of a data message carries the bit.
            return Err(Error::Protocol(
                "RSV1 set on a control or continuation frame",
            ));
        }
        let fin = b0 & FIN != 0;
        let masked = b1 & MASKED != 0;
        match (role, masked) {
            (Role::Server, false) => return Err(Error::Protocol("unmasked frame from a client")),
            (Role::Client, true) => return Err(Error::Protocol("masked frame from a server")),
            _ => {}
        }
        let len7 = b1 & 0x7f;
        if opcode.is_control() {
            if !fin {
                return Err(Error::Protocol("fragmented control frame"));
            }
            if usize::from(len7) > MAX_CONTROL_PAYLOAD {
                return Err(Error::Protocol("control frame payload over 125 bytes"));
            }
        }
        let len = size(b1);
        let Some(header) = buf.get(..len) else {
            return Ok(None);
        };
        let payload_len = payload_len(header);
        if payload_len >> 63 != 0 {
            return Err(Error::Protocol(
                "64-bit payload length with its top bit set",
            ));
        }
        let mask = masked.then(|| {
            let mut key = [0u8; 4];
            key.copy_from_slice(&header[len - 4..]);
            key
        });
        Ok(Some(Header {
            fin,
            rsv1,
            opcode,
            mask,
            payload_len,
            len,
        }))
    }
}

/// How many bytes `buf` must hold for the frame at its front to be complete, as far as its
/// header tells (2 when nothing is known; saturating for absurd lengths).
pub(crate) fn wanted(buf: &[u8]) -> usize {
    let [_, b1, ..] = *buf else {
        return 2;
    };
    let len = size(b1);
    let len7 = b1 & 0x7f;
    if len7 < LEN_16 {
        // The whole length is in the second byte: no need to wait for the mask key.
        return len + usize::from(len7);
    }
    match buf.get(..len) {
        Some(header) => {
            len.saturating_add(usize::try_from(payload_len(header)).unwrap_or(usize::MAX))
        }
        None => len,
    }
}

/// The header length that the second header byte announces.
fn size(b1: u8) -> usize {
    let extended = match b1 & 0x7f {
        LEN_16 => 2,
        LEN_64 => 8,
        _ => 0,
    };
    let mask = if b1 & MASKED != 0 { 4 } else { 0 };
    2 + extended + mask
}

/// The payload length of `header`, which holds at least `size(header[1])` bytes.
fn payload_len(header: &[u8]) -> u64 {
    match *header {
        [_, b1, a, b, ..] if b1 & 0x7f == LEN_16 => u64::from(u16::from_be_bytes([a, b])),
        [_, b1, a, b, c, d, e, f, g, h, ..] if b1 & 0x7f == LEN_64 => {
            u64::from_be_bytes([a, b, c, d, e, f, g, h])
        }
        [_, b1, ..] => u64::from(b1 & 0x7f),
        [] | [_] => 0,
    }
}

/// The header length [`encode`](crate::encode) writes for a payload of `len` bytes.
pub(crate) fn encoded_header_len(len: usize, masked: bool) -> usize {
    let base = if len <= MAX_CONTROL_PAYLOAD {
        2
    } else if len <= usize::from(u16::MAX) {
        4
    } else {
        10
    };
    if masked { base + 4 } else { base }
}

/// Writes the header of a final frame into `out`, returning its length; `compressed` sets RSV1.
pub(crate) fn write_header(
    out: &mut [u8; 14],
    opcode: OpCode,
    len: usize,
    mask: Option<[u8; 4]>,
    compressed: bool,
) -> usize {
    let mask_bit = if mask.is_some() { MASKED } else { 0 };
    out[0] = FIN | if compressed { RSV1 } else { 0 } | opcode as u8;
    let mut n = if len <= MAX_CONTROL_PAYLOAD {
        out[1] = mask_bit | len as u8;
        2
    } else if let Ok(len) = u16::try_from(len) {
        out[1] = mask_bit | LEN_16;
        out[2..4].copy_from_slice(&len.to_be_bytes());
        4
    } else {
        out[1] = mask_bit | LEN_64;
        out[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    };
    if let Some(key) = mask {
        out[n..n + 4].copy_from_slice(&key);
        n += 4;
    }
    n
}
