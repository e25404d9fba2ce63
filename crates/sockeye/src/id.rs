//! Socket ids: 15 random bytes from the OS-seeded CSPRNG, base64url, as the reference's 20
//! character ids.

use base64::Engine as _;
use rand::RngCore;

pub(crate) fn generate() -> String {
    let mut bytes = [0u8; 15];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
