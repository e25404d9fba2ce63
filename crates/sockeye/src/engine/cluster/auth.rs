//! The header that proves a request was forwarded by a node of the cluster.
//!
//! `x-sockeye-cluster-auth: <unix ms>.<hex HMAC-SHA256>` over the method, the path and query,
//! the timestamp and the forwarding node's id (the `x-sockeye-hop` header), keyed with the
//! cluster's shared secret. The timestamp bounds replays to the allowed clock skew; a
//! replayed request can only repeat the same method on the same URL, which for a polling
//! session is what the client itself may do. The comparison is constant-time (the `hmac`
//! crate's `verify_slice`).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::HeaderValue;
use sha2::Sha256;

use super::node::NodeId;

/// The header carrying the signature.
pub(crate) const AUTH_HEADER: &str = "x-sockeye-cluster-auth";
/// The header naming the node that forwarded the request: a forwarded request is never
/// forwarded again.
pub(crate) const HOP_HEADER: &str = "x-sockeye-hop";

/// The secret every node of a cluster shares, to sign and check the requests they forward to
/// each other. Its bytes are never printed.
#[derive(Clone)]
pub struct ClusterSecret(Hmac<Sha256>);

impl ClusterSecret {
    /// Fewest bytes a secret may have: shorter ones are refused, being guessable.
    pub const MIN_LEN: usize = 16;

    /// The secret made of `bytes`; `None` when it is shorter than [`MIN_LEN`](Self::MIN_LEN).
    ///
    /// ```
    /// use sockeye::engine::ClusterSecret;
    ///
    /// assert!(ClusterSecret::new("correct horse battery staple").is_some());
    /// assert!(ClusterSecret::new("").is_none());
    /// assert!(ClusterSecret::new("short").is_none());
    /// ```
    pub fn new(bytes: impl AsRef<[u8]>) -> Option<ClusterSecret> {
        let bytes = bytes.as_ref();
        if bytes.len() < Self::MIN_LEN {
            return None;
        }
        // Keyed once: each request clones the keyed state instead of hashing the key again.
        Hmac::<Sha256>::new_from_slice(bytes)
            .ok()
            .map(ClusterSecret)
    }

    fn mac(&self, method: &str, path_and_query: &str, millis: u64, hop: &str) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        for part in [method, path_and_query, &millis.to_string(), hop] {
            mac.update(part.as_bytes());
            // A separator no part contains keeps `("GE", "T/x")` from signing as `("GET", "/x")`.
            mac.update(b"\n");
        }
        mac
    }

    /// The header value for a request forwarded now by node `hop`.
    pub(crate) fn sign(&self, method: &str, path_and_query: &str, hop: NodeId) -> HeaderValue {
        self.sign_at(method, path_and_query, hop, unix_millis(SystemTime::now()))
    }

    fn sign_at(&self, method: &str, path_and_query: &str, hop: NodeId, millis: u64) -> HeaderValue {
        let tag = self
            .mac(method, path_and_query, millis, &hop.to_string())
            .finalize()
            .into_bytes();
        let mut value = format!("{millis}.");
        for b in tag {
            value.push_str(&format!("{b:02x}"));
        }
        // Digits, a dot and hex: always a valid header value.
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("0.0"))
    }

    /// Whether `value` signs this request, made within `skew` of now.
    pub(crate) fn verify(
        &self,
        value: Option<&HeaderValue>,
        hop: Option<&HeaderValue>,
        method: &str,
        path_and_query: &str,
        skew: Duration,
    ) -> Result<(), AuthError> {
        self.verify_at(value, hop, method, path_and_query, skew, SystemTime::now())
    }

    fn verify_at(
        &self,
        value: Option<&HeaderValue>,
        hop: Option<&HeaderValue>,
        method: &str,
        path_and_query: &str,
        skew: Duration,
        now: SystemTime,
    ) -> Result<(), AuthError> {
        let value = value.ok_or(AuthError::Missing)?;
        let hop = hop
            .and_then(|h| h.to_str().ok())
            .ok_or(AuthError::Malformed)?;
        let (millis, hex) = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once('.'))
            .ok_or(AuthError::Malformed)?;
        let millis: u64 = millis.parse().map_err(|_| AuthError::Malformed)?;
        let tag = decode_hex(hex).ok_or(AuthError::Malformed)?;
        let now = unix_millis(now);
        let skew = u64::try_from(skew.as_millis()).unwrap_or(u64::MAX);
        if now.abs_diff(millis) > skew {
            return Err(AuthError::Expired);
        }
        self.mac(method, path_and_query, millis, hop)
            .verify_slice(&tag)
            .map_err(|_| AuthError::Invalid)
    }
}

impl fmt::Debug for ClusterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClusterSecret(..)")
    }
}

/// Why a forwarded request's signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthError {
    /// No signature header.
    Missing,
    /// A header that is not `<ms>.<hex>`, or no hop header.
    Malformed,
    /// Signed longer ago (or further ahead) than the allowed clock skew.
    Expired,
    /// The signature does not match: another secret, or another request.
    Invalid,
}

impl AuthError {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AuthError::Missing => "no cluster signature",
            AuthError::Malformed => "malformed cluster signature",
            AuthError::Expired => "cluster signature out of date",
            AuthError::Invalid => "wrong cluster signature",
        }
    }
}

fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || hex.len() > 128 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    hex.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SKEW: Duration = Duration::from_secs(30);

    fn secret(s: &str) -> ClusterSecret {
        ClusterSecret::new(s).unwrap_or_else(|| panic!("secret {s:?} refused"))
    }

    fn hop(node: NodeId) -> HeaderValue {
        HeaderValue::from_str(&node.to_string()).unwrap_or(HeaderValue::from_static("x"))
    }

    #[test]
    fn a_signed_request_verifies_and_nothing_else_does() {
        let s = secret("0123456789abcdef-one");
        let node = NodeId::from_bytes([9, 9, 9]);
        let t = SystemTime::now();
        let ms = unix_millis(t);
        let pq = "/socket.io/?EIO=4&transport=polling&sid=AAAAbbbbccccddddeeee";
        let v = s.sign_at("GET", pq, node, ms);
        let h = hop(node);
        assert_eq!(s.verify_at(Some(&v), Some(&h), "GET", pq, SKEW, t), Ok(()));
        // Another method, URL, hop, secret or time.
        assert_eq!(
            s.verify_at(Some(&v), Some(&h), "POST", pq, SKEW, t),
            Err(AuthError::Invalid)
        );
        assert_eq!(
            s.verify_at(Some(&v), Some(&h), "GET", "/socket.io/?sid=x", SKEW, t),
            Err(AuthError::Invalid)
        );
        let other = hop(NodeId::from_bytes([1, 1, 1]));
        assert_eq!(
            s.verify_at(Some(&v), Some(&other), "GET", pq, SKEW, t),
            Err(AuthError::Invalid)
        );
        let s2 = secret("0123456789abcdef-two");
        assert_eq!(
            s2.verify_at(Some(&v), Some(&h), "GET", pq, SKEW, t),
            Err(AuthError::Invalid)
        );
        let late = t + Duration::from_secs(31);
        assert_eq!(
            s.verify_at(Some(&v), Some(&h), "GET", pq, SKEW, late),
            Err(AuthError::Expired)
        );
        let early = t - Duration::from_secs(31);
        assert_eq!(
            s.verify_at(Some(&v), Some(&h), "GET", pq, SKEW, early),
            Err(AuthError::Expired)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_refused() {
        let s = secret("0123456789abcdef-one");
        let node = NodeId::from_bytes([9, 9, 9]);
        let h = hop(node);
        let t = SystemTime::now();
        assert_eq!(
            s.verify_at(None, Some(&h), "GET", "/", SKEW, t),
            Err(AuthError::Missing)
        );
        let good = s.sign_at("GET", "/", node, unix_millis(t));
        assert_eq!(
            s.verify_at(Some(&good), None, "GET", "/", SKEW, t),
            Err(AuthError::Malformed)
        );
        for bad in ["", ".", "x.00", "1.0", "1.zz", "1.", "-1.00", "1.00.00"] {
            let v = HeaderValue::from_static(bad);
            let got = s.verify_at(Some(&v), Some(&h), "GET", "/", SKEW, t);
            assert!(
                matches!(
                    got,
                    Err(AuthError::Malformed | AuthError::Expired | AuthError::Invalid)
                ),
                "{bad:?}: {got:?}"
            );
        }
        // A truncated tag is refused, never accepted as a prefix.
        let text = good.to_str().unwrap_or("");
        let cut = HeaderValue::from_str(&text[..text.len() - 2])
            .unwrap_or(HeaderValue::from_static("0.0"));
        assert_eq!(
            s.verify_at(Some(&cut), Some(&h), "GET", "/", SKEW, t),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn secrets_shorter_than_16_bytes_are_refused_and_never_printed() {
        assert!(ClusterSecret::new([0u8; 15]).is_none());
        let s = secret("a-secret-that-is-long-enough");
        assert_eq!(format!("{s:?}"), "ClusterSecret(..)");
    }
}
