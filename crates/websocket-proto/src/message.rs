//! Whole messages as the peer sent them, and the close frame's payload.

use bytes::Bytes;

use crate::{Error, OpCode};

/// A complete message as the peer sent it (fragments joined, payload unmasked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message; guaranteed valid UTF-8.
    Text(Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping; answer with a pong carrying the same payload.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame; `None` for an empty close payload.
    Close(Option<CloseFrame>),
}

/// The payload of a non-empty close frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CloseFrame {
    /// The status code (RFC 6455 section 7.4), one a peer may send.
    pub code: u16,
    /// The UTF-8 reason, possibly empty.
    pub reason: String,
}

impl Message {
    /// The message of a complete data frame or assembled message with `opcode` (text or binary).
    pub(crate) fn data(opcode: OpCode, payload: Bytes) -> Result<Message, Error> {
        if opcode == OpCode::Text {
            std::str::from_utf8(&payload).map_err(|_| Error::InvalidUtf8)?;
            Ok(Message::Text(payload))
        } else {
            Ok(Message::Binary(payload))
        }
    }

    /// The message of a control frame with `opcode` (close, ping or pong).
    pub(crate) fn control(opcode: OpCode, payload: Bytes) -> Result<Message, Error> {
        match opcode {
            OpCode::Ping => Ok(Message::Ping(payload)),
            OpCode::Pong => Ok(Message::Pong(payload)),
            _ => CloseFrame::parse(&payload).map(Message::Close),
        }
    }
}

impl CloseFrame {
    /// Parses a close payload: empty, or a valid code followed by a UTF-8 reason.
    fn parse(payload: &[u8]) -> Result<Option<CloseFrame>, Error> {
        let (code, reason) = match *payload {
            [] => return Ok(None),
            [_] => return Err(Error::Protocol("close payload of one byte")),
            [a, b, ref reason @ ..] => (u16::from_be_bytes([a, b]), reason),
        };
        if !is_valid_code(code) {
            return Err(Error::Protocol("invalid close code"));
        }
        let reason = std::str::from_utf8(reason).map_err(|_| Error::InvalidUtf8)?;
        Ok(Some(CloseFrame {
            code,
            reason: reason.to_owned(),
        }))
    }
}

/// Whether a peer may send `code`: the defined codes other than the reserved 1004-1006 and
/// 1015, or the registered and private ranges 3000-4999.
fn is_valid_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[cfg(test)]
mod tests {
    use super::is_valid_code;

    #[test]
    fn close_codes() {
        let valid: Vec<u16> = (0..=u16::MAX).filter(|&c| is_valid_code(c)).collect();
        assert_eq!(valid.len(), 4 + 8 + 2000);
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            assert!(!is_valid_code(code), "{code}");
        }
    }
}
