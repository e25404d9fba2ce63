//! Node ids, and session ids that carry the node that owns them.
//!
//! A session id stays what the reference's `base64id` makes: 15 bytes written as 20
//! URL-safe base64 characters, so no client sees a difference. In a cluster the first 3
//! bytes are the owning node's id (the sid's first 4 characters, as 3 bytes are exactly 4
//! base64 characters) and the other 12 are random: 96 bits, still far beyond guessing. Any
//! node can read the owner off a sid without asking anyone; clients treat sids as opaque.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use engineio_proto::{SID_RANDOM_BYTES, Sid};
use rand::RngCore;

/// Bytes of a node id at the start of a session id's 15.
pub(crate) const NODE_ID_BYTES: usize = 3;

/// Characters of a session id (15 bytes in base64 without padding).
const SID_CHARS: usize = 20;

/// One node of a cluster, as written at the start of the session ids it makes: 3 bytes, shown
/// as 4 URL-safe base64 characters. Random per process start (2^24 values: the registry
/// refuses a clash, and the node draws again).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId([u8; NODE_ID_BYTES]);

impl NodeId {
    /// A random id from the OS-seeded CSPRNG.
    pub fn random() -> NodeId {
        let mut bytes = [0u8; NODE_ID_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        NodeId(bytes)
    }

    /// The id made of these bytes.
    pub const fn from_bytes(bytes: [u8; NODE_ID_BYTES]) -> NodeId {
        NodeId(bytes)
    }

    /// The id's bytes.
    pub const fn to_bytes(self) -> [u8; NODE_ID_BYTES] {
        self.0
    }

    /// Reads an id written as [`Display`](fmt::Display) writes it: 4 URL-safe base64
    /// characters. `None` for anything else.
    ///
    /// ```
    /// use sockeye::engine::NodeId;
    ///
    /// let id = NodeId::from_bytes([1, 2, 3]);
    /// assert_eq!(NodeId::parse(&id.to_string()), Some(id));
    /// assert_eq!(NodeId::parse("AQID"), Some(id));
    /// assert_eq!(NodeId::parse("AQI"), None);
    /// assert_eq!(NodeId::parse("AQ+D"), None);
    /// ```
    pub fn parse(text: &str) -> Option<NodeId> {
        if text.len() != 4 || !text.bytes().all(is_url_safe) {
            return None;
        }
        let mut bytes = [0u8; NODE_ID_BYTES];
        let n = URL_SAFE_NO_PAD.decode_slice(text, &mut bytes).ok()?;
        (n == NODE_ID_BYTES).then_some(NodeId(bytes))
    }

    /// The node that made `sid`, when `sid` has the shape of a session id (20 URL-safe base64
    /// characters); `None` for anything else. A sid made outside a cluster also has an
    /// "owner" by this reading: whoever looks it up finds no such node and answers as for an
    /// unknown session.
    ///
    /// ```
    /// use sockeye::engine::NodeId;
    ///
    /// assert_eq!(NodeId::of_sid("AQIDxxxxxxxxxxxxxxxx"), Some(NodeId::from_bytes([1, 2, 3])));
    /// assert_eq!(NodeId::of_sid("AQIDxxxx"), None);
    /// assert_eq!(NodeId::of_sid("AQID xxxxxxxxxxxxxxx"), None);
    /// ```
    pub fn of_sid(sid: &str) -> Option<NodeId> {
        if sid.len() != SID_CHARS || !sid.bytes().all(is_url_safe) {
            return None;
        }
        NodeId::parse(sid.get(..4)?)
    }

    /// A new session id owned by this node: its 3 bytes, then 12 random ones.
    pub(crate) fn new_sid(self) -> Sid {
        let mut bytes = [0u8; SID_RANDOM_BYTES];
        rand::rng().fill_bytes(&mut bytes[NODE_ID_BYTES..]);
        bytes[..NODE_ID_BYTES].copy_from_slice(&self.0);
        Sid::from_random(&bytes)
    }
}

fn is_url_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_keep_the_reference_shape_and_name_their_node() {
        for _ in 0..2000 {
            let node = NodeId::random();
            let sid = node.new_sid();
            let text = sid.as_str();
            assert_eq!(text.len(), 20);
            assert!(text.bytes().all(is_url_safe), "{text}");
            assert_eq!(NodeId::of_sid(text), Some(node));
            assert!(text.starts_with(&node.to_string()));
        }
    }

    #[test]
    fn the_rest_of_a_sid_is_random() {
        let node = NodeId::from_bytes([0, 0, 0]);
        let a = node.new_sid();
        let b = node.new_sid();
        assert_ne!(a, b);
        assert_eq!(&a.as_str()[..4], "AAAA");
    }

    #[test]
    fn foreign_and_malformed_sids() {
        // Any 20-character id names a node, a plain random one included.
        assert!(NodeId::of_sid("abcdefghijklmnopqrst").is_some());
        for bad in [
            "",
            "abc",
            "abcdefghijklmnopqrs",
            "abcdefghijklmnopqrstu",
            "abcd/fghijklmnopqrst",
            "abc+efghijklmnopqrst",
            "abcdefghijklmnopqrs=",
            "ab\u{e9}defghijklmnopqr",
        ] {
            assert_eq!(NodeId::of_sid(bad), None, "{bad:?}");
        }
        for bad in ["", "AAA", "AAAAA", "AA=A", "A A ", "é..."] {
            assert_eq!(NodeId::parse(bad), None, "{bad:?}");
        }
        // Every 4-character URL-safe text is an id (3 bytes fill 4 characters exactly).
        assert_eq!(NodeId::parse("____"), Some(NodeId::from_bytes([0xff; 3])));
        assert_eq!(
            format!("{:?}", NodeId::from_bytes([0xff; 3])),
            "NodeId(____)"
        );
    }
}
