//! Node and request ids, as the reference's `uid2(6)`: six random alphanumeric characters.

use rand::Rng;

const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh six-character id.
pub(crate) fn uid() -> String {
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}
