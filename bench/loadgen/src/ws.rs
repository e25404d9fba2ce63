//! Just enough RFC 6455 for a client: masked frames out, unmasked frames in.

/// Opcodes the generator sends or understands.
pub(crate) const OP_CONT: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

/// Frames larger than this are a misbehaving server, not a benchmark.
const MAX_FRAME: u64 = 64 << 20;

/// Appends one final, masked frame to `out`.
pub(crate) fn encode(out: &mut Vec<u8>, opcode: u8, payload: &[u8], mask: [u8; 4]) {
    out.push(0x80 | opcode);
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= 0xFFFF {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    let start = out.len();
    out.extend_from_slice(payload);
    for (i, b) in out[start..].iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

/// One frame found at the start of a buffer.
pub(crate) struct Frame {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
    /// Where the payload lies in the buffer.
    pub(crate) payload: std::ops::Range<usize>,
    /// Bytes the frame takes, header included.
    pub(crate) len: usize,
}

/// Parses the frame at the start of `buf`: `Ok(None)` when it is not complete yet. A masked
/// server frame is unmasked in place.
pub(crate) fn decode(buf: &mut [u8]) -> Result<Option<Frame>, String> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let fin = buf[0] & 0x80 != 0;
    let opcode = buf[0] & 0x0F;
    if buf[0] & 0x70 != 0 {
        return Err("websocket frame with reserved bits (no extension was negotiated)".into());
    }
    let masked = buf[1] & 0x80 != 0;
    let mut pos = 2;
    let len = match buf[1] & 0x7F {
        126 => {
            let Some(b) = buf.get(2..4) else {
                return Ok(None);
            };
            pos = 4;
            u64::from(u16::from_be_bytes([b[0], b[1]]))
        }
        127 => {
            let Some(b) = buf.get(2..10) else {
                return Ok(None);
            };
            pos = 10;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_be_bytes(a)
        }
        n => u64::from(n),
    };
    if len > MAX_FRAME {
        return Err(format!("websocket frame of {len} bytes"));
    }
    let mut mask = [0u8; 4];
    if masked {
        let Some(m) = buf.get(pos..pos + 4) else {
            return Ok(None);
        };
        mask.copy_from_slice(m);
        pos += 4;
    }
    let end = pos + len as usize;
    if buf.len() < end {
        return Ok(None);
    }
    if masked {
        for (i, b) in buf[pos..end].iter_mut().enumerate() {
            *b ^= mask[i & 3];
        }
    }
    Ok(Some(Frame {
        fin,
        opcode,
        payload: pos..end,
        len: end,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_sizes() {
        for size in [0usize, 5, 125, 126, 1000, 70_000] {
            let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
            let mut out = Vec::new();
            encode(&mut out, OP_BINARY, &payload, [1, 2, 3, 4]);
            let f = decode(&mut out).ok().flatten();
            let Some(f) = f else {
                panic!("no frame for {size}");
            };
            assert!(f.fin);
            assert_eq!(f.opcode, OP_BINARY);
            assert_eq!(&out[f.payload.clone()], &payload[..]);
            assert_eq!(f.len, out.len());
        }
    }

    #[test]
    fn partial_is_none() {
        let mut out = Vec::new();
        encode(&mut out, OP_TEXT, b"hello world", [9, 9, 9, 9]);
        for cut in 0..out.len() {
            assert!(matches!(decode(&mut out[..cut].to_vec()), Ok(None)));
        }
    }
}
