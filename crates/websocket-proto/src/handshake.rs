//! The opening handshake's keys (RFC 6455 sections 4.1 and 4.2.2): the client's nonce and the
//! server's proof that it read it.

use base64::Engine as _;
use sha1::{Digest as _, Sha1};

/// The GUID every server appends to the client's key.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The Sec-WebSocket-Accept value for a Sec-WebSocket-Key (SHA-1 of key + the RFC's GUID, base64).
pub fn accept_key(key: &[u8]) -> String {
    let mut sha1 = Sha1::new();
    sha1.update(key);
    sha1.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(sha1.finalize())
}

/// The Sec-WebSocket-Key a client sends: `nonce` in base64. The caller draws the 16 bytes
/// from a random source, fresh for every connection (this crate does no I/O, randomness
/// included).
pub fn client_key(nonce: [u8; 16]) -> String {
    base64::engine::general_purpose::STANDARD.encode(nonce)
}

/// Whether `accept`, the server's Sec-WebSocket-Accept, answers the `key` the client sent;
/// the client must fail the connection when it does not (RFC 6455 section 4.1).
pub fn is_accept_for(key: &str, accept: &[u8]) -> bool {
    accept_key(key.as_bytes()).as_bytes() == accept
}

#[cfg(test)]
mod tests {
    use super::{accept_key, client_key, is_accept_for};

    /// RFC 6455 section 1.3 (the value in its section 4.2.2 example, too).
    #[test]
    fn rfc_example() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn another_key() {
        assert_eq!(
            accept_key(b"x3JJHMbDL1EzLkh9GBhXDw=="),
            "HSmrc0sMlYUkAGmm5OPpG2HaGWk="
        );
    }

    /// The RFC's sample nonce is the 16 bytes of "the sample nonce".
    #[test]
    fn client_key_is_the_nonce_in_base64() {
        assert_eq!(client_key(*b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(client_key([0; 16]).len(), 24);
    }

    #[test]
    fn accept_checked_exactly() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        assert!(is_accept_for(key, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        assert!(!is_accept_for(key, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo"));
        assert!(!is_accept_for(key, b"S3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        assert!(!is_accept_for(key, b""));
        assert!(!is_accept_for(
            "x3JJHMbDL1EzLkh9GBhXDw==",
            b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        ));
    }
}
