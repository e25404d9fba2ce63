//! The handshake: the open packet's JSON and session ids.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::base64;

/// The JSON of the open packet (`0{…}`), with the reference's keys in the reference's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenPacket {
    /// The session id.
    pub sid: String,
    /// Transports the client may upgrade to (`["websocket"]` from polling, `[]` otherwise).
    pub upgrades: Vec<String>,
    /// Milliseconds between the server's pings.
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong.
    pub ping_timeout: u64,
    /// Largest message, in bytes, the server accepts.
    pub max_payload: u64,
}

impl OpenPacket {
    /// The JSON text (the open packet without its `0`).
    pub fn to_json(&self) -> String {
        // Serializing plain strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Bytes of randomness in a session id: 120 bits, 20 URL-safe characters.
pub const SID_RANDOM_BYTES: usize = 15;

/// A session id: 20 URL-safe base64 characters made from 15 random bytes.
///
/// The crate has no RNG; the server passes bytes from a cryptographic one.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid(Box<str>);

impl Sid {
    /// The id encoding `random` (which must come from a cryptographic RNG).
    pub fn from_random(random: &[u8; SID_RANDOM_BYTES]) -> Sid {
        Sid(base64::encode_url_safe(random).into_boxed_str())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Sid {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sid({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_packet_keys_in_reference_order() {
        let open = OpenPacket {
            sid: "abc".into(),
            upgrades: vec!["websocket".into()],
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: 1_000_000,
        };
        assert_eq!(
            open.to_json(),
            r#"{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        );
        let back: OpenPacket = serde_json::from_str(&open.to_json()).unwrap();
        assert_eq!(back, open);
    }

    #[test]
    fn sid_is_twenty_url_safe_chars() {
        let sid = Sid::from_random(&[0xff; SID_RANDOM_BYTES]);
        assert_eq!(sid.as_str(), "____________________");
        let sid = Sid::from_random(&[7; SID_RANDOM_BYTES]);
        assert_eq!(sid.as_str().len(), 20);
        assert!(
            sid.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }
}
