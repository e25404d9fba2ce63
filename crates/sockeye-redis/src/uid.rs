//! Node and request ids: the classic adapter's `uid2(6)` and the cluster adapter's
//! `randomId()`.

use rand::Rng;

const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh six-character alphanumeric id (`uid2(6)`).
pub(crate) fn uid() -> String {
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// `randomId()` of socket.io-adapter's cluster adapter: 8 random bytes in hex.
pub(crate) fn random_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
