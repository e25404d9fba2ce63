//! Socket ids: 15 random bytes from the OS-seeded CSPRNG, base64url, as the reference's 20
//! character ids.

use base64::Engine as _;
use rand::RngCore;

pub(crate) fn generate() -> String {
    let mut bytes = [0u8; 15];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fast hasher for maps keyed by ids this server generated (session ids, socket ids).
///
/// The keys are random, so a multiply-and-rotate mix spreads them as well as SipHash does,
/// for a fraction of the cost (SipHash was 2-4% of a handshake's instructions). A peer can
/// look up ids of its choosing, but cannot insert any, so it cannot flood a bucket.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by server-generated ids, with [`IdHasher`].
pub(crate) type IdMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_20_url_safe_characters_and_spread_over_buckets() {
        let ids: Vec<String> = (0..4096).map(|_| generate()).collect();
        assert!(ids.iter().all(|id| {
            id.len() == 20
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }));
        // The low bits pick the bucket: with random ids each of 64 buckets gets about 64.
        let mut buckets = [0u32; 64];
        for id in &ids {
            let h = std::hash::BuildHasher::hash_one(
                &std::hash::BuildHasherDefault::<IdHasher>::default(),
                id,
            );
            buckets[(h % 64) as usize] += 1;
        }
        assert!(buckets.iter().all(|&n| n > 20 && n < 140), "{buckets:?}");
        let mut map: IdMap<String, usize> = IdMap::default();
        for (i, id) in ids.iter().enumerate() {
            map.insert(id.clone(), i);
        }
        assert!(
            ids.iter()
                .enumerate()
                .all(|(i, id)| map.get(id) == Some(&i))
        );
    }
}
