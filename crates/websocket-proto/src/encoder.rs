//! Writing frames: always final (FIN) frames, masked when we are the client.

use bytes::BufMut;

use crate::OpCode;
use crate::frame::{MAX_CONTROL_PAYLOAD, encoded_header_len, write_header};
use crate::mask::apply_mask;

/// Bytes masked per step on the stack; a multiple of 4 so each step starts the key afresh.
const MASK_CHUNK: usize = 1024;

/// Appends one final (FIN) frame with `payload`; `mask`: Some(key) for a client, None for a server.
pub fn encode<B: BufMut>(dst: &mut B, opcode: OpCode, payload: &[u8], mask: Option<[u8; 4]>) {
    encode_frame(dst, opcode, payload, mask, false);
}

/// [`encode`], with RSV1 set when `compressed` (the payload is already deflated).
pub(crate) fn encode_frame<B: BufMut>(
    dst: &mut B,
    opcode: OpCode,
    payload: &[u8],
    mask: Option<[u8; 4]>,
    compressed: bool,
) {
    let mut header = [0u8; 14];
    let n = write_header(&mut header, opcode, payload.len(), mask, compressed);
    dst.put_slice(&header[..n]);
    match mask {
        None => dst.put_slice(payload),
        Some(key) => {
            let mut scratch = [0u8; MASK_CHUNK];
            for chunk in payload.chunks(MASK_CHUNK) {
                let out = &mut scratch[..chunk.len()];
                out.copy_from_slice(chunk);
                apply_mask(out, key, 0);
                dst.put_slice(out);
            }
        }
    }
}

/// Appends a close frame with `code` and `reason` (reason truncated at a char boundary to fit 123 bytes).
pub fn encode_close<B: BufMut>(dst: &mut B, code: u16, reason: &str, mask: Option<[u8; 4]>) {
    let mut end = reason.len().min(MAX_CONTROL_PAYLOAD - 2);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut payload = [0u8; MAX_CONTROL_PAYLOAD];
    payload[..2].copy_from_slice(&code.to_be_bytes());
    payload[2..2 + end].copy_from_slice(&reason.as_bytes()[..end]);
    encode(dst, OpCode::Close, &payload[..2 + end], mask);
}

/// The header length `encode` writes for a payload of `len` bytes (2, 4 or 10, plus 4 when masked), to reserve exactly.
pub fn header_len(len: usize, masked: bool) -> usize {
    encoded_header_len(len, masked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        let mut out = Vec::new();
        encode(&mut out, OpCode::Text, b"Hello", None);
        assert_eq!(out, [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);

        out.clear();
        encode(
            &mut out,
            OpCode::Text,
            b"Hello",
            Some([0x37, 0xfa, 0x21, 0x3d]),
        );
        assert_eq!(
            out,
            [
                0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58
            ]
        );

        out.clear();
        encode(&mut out, OpCode::Binary, &[0; 256], None);
        assert_eq!(out[..4], [0x82, 0x7e, 0x01, 0x00]);
        assert_eq!(out.len(), 4 + 256);

        out.clear();
        encode(&mut out, OpCode::Binary, &[0; 65536], None);
        assert_eq!(out[..10], [0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(out.len(), 10 + 65536);
    }

    #[test]
    fn header_len_matches_encode() {
        for len in [0, 1, 125, 126, 127, 65535, 65536, 100_000] {
            for mask in [None, Some([9, 8, 7, 6])] {
                let mut out = Vec::new();
                encode(&mut out, OpCode::Binary, &vec![0xa5; len], mask);
                assert_eq!(out.len(), header_len(len, mask.is_some()) + len, "{len}");
            }
        }
        assert_eq!(header_len(125, false), 2);
        assert_eq!(header_len(126, false), 4);
        assert_eq!(header_len(65535, true), 8);
        assert_eq!(header_len(65536, false), 10);
    }

    #[test]
    fn close_reason_truncated_at_char_boundary() {
        // 61 two-byte chars are 122 bytes; one more would be 124 > 123.
        let reason = "é".repeat(80);
        let mut out = Vec::new();
        encode_close(&mut out, 1000, &reason, None);
        assert_eq!(out[1] as usize, 2 + 122);
        assert_eq!(out[2..4], [0x03, 0xe8]);
        assert!(std::str::from_utf8(&out[4..]).is_ok());

        out.clear();
        encode_close(&mut out, 4000, &"a".repeat(200), None);
        assert_eq!(out[1] as usize, 125);

        out.clear();
        encode_close(&mut out, 1001, "", None);
        assert_eq!(out, [0x88, 0x02, 0x03, 0xe9]);
    }
}
