//! The XOR masking of client-to-server payloads (RFC 6455 section 5.3).

/// XORs `buf` with `key`, where `buf[0]` is byte `offset` of the masked payload.
///
/// Works a machine word at a time: the key repeats every 4 bytes, so an 8-byte word of the
/// (rotated) key lines up with every 8-byte chunk.
pub(crate) fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let shift = offset % 4;
    let key: [u8; 4] = std::array::from_fn(|i| key[(i + shift) % 4]);
    let mut word_bytes = [0u8; 8];
    word_bytes[..4].copy_from_slice(&key);
    word_bytes[4..].copy_from_slice(&key);
    let word = u64::from_ne_bytes(word_bytes);

    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
    }
    // The tail starts at a multiple of 8, so the rotated key still lines up at index 0.
    for (byte, k) in chunks.into_remainder().iter_mut().zip(key.iter().cycle()) {
        *byte ^= k;
    }
}

#[cfg(test)]
mod tests {
    use super::apply_mask;

    #[test]
    fn equals_bytewise_xor() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for offset in 0..4 {
            for len in 0..=40 {
                let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
                let expected: Vec<u8> = data
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ key[(i + offset) % 4])
                    .collect();
                let mut got = data.clone();
                apply_mask(&mut got, key, offset);
                assert_eq!(got, expected, "offset {offset} len {len}");
            }
        }
    }

    #[test]
    fn offset_continues_the_key() {
        let key = [1, 2, 3, 4];
        let mut whole: Vec<u8> = (0..37).collect();
        let mut split = whole.clone();
        apply_mask(&mut whole, key, 0);
        let (a, b) = split.split_at_mut(13);
        apply_mask(a, key, 0);
        apply_mask(b, key, 13);
        assert_eq!(whole, split);
    }
}
