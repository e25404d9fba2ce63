//! What the engine keeps of the handshake request, and the query it reads.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::SystemTime;

use http::request::Parts;
use http::{HeaderMap, Uri};

/// The handshake request of a session (socket.io's `socket.handshake` draws on it).
#[derive(Debug, Clone)]
pub struct HandshakeRequest {
    /// The request's headers.
    pub headers: HeaderMap,
    /// The request's URI, with its query.
    pub uri: Uri,
    /// The peer's address, when the server put a `SocketAddr` in the request's extensions
    /// (as [`serve`](super::serve) does).
    pub remote_addr: Option<SocketAddr>,
    /// Whether the request came over TLS (the URI's scheme is `https`/`wss`).
    pub secure: bool,
    /// When the handshake happened.
    pub issued: SystemTime,
}

impl HandshakeRequest {
    pub(crate) fn from_parts(parts: &Parts) -> HandshakeRequest {
        let (headers, uri) = detach(&parts.headers, &parts.uri);
        HandshakeRequest {
            headers,
            uri,
            remote_addr: remote_addr(&parts.extensions),
            secure: matches!(parts.uri.scheme_str(), Some("https" | "wss")),
            issued: SystemTime::now(),
        }
    }
}

/// The engine's query parameters, borrowed from the URI unless they had `%`-escapes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Query<'a> {
    pub(crate) eio: Option<Cow<'a, str>>,
    pub(crate) transport: Option<Cow<'a, str>>,
    pub(crate) sid: Option<Cow<'a, str>>,
}

impl<'a> Query<'a> {
    pub(crate) fn parse(query: Option<&'a str>) -> Query<'a> {
        let mut q = Query::default();
        // Cut on bytes (`&` and `=` are ASCII, so every cut is a char boundary), found with
        // memchr: the `str` splitters cost about 1,400 instructions on a usual query, a
        // byte-at-a-time search 900, every request.
        let mut rest = Some(query.unwrap_or(""));
        while let Some(part) = rest {
            let (pair, next) = match memchr::memchr(b'&', part.as_bytes()) {
                Some(at) => (part.get(..at).unwrap_or(""), part.get(at + 1..)),
                None => (part, None),
            };
            rest = next;
            let (k, v) = match memchr::memchr(b'=', pair.as_bytes()) {
                Some(at) => (
                    pair.get(..at).unwrap_or(""),
                    pair.get(at + 1..).unwrap_or(""),
                ),
                None => (pair, ""),
            };
            let slot = match k.as_bytes() {
                b"EIO" => &mut q.eio,
                b"transport" => &mut q.transport,
                b"sid" => &mut q.sid,
                _ => continue,
            };
            // Like URLSearchParams, the last occurrence wins; ids and names need no decoding
            // beyond `%`-escapes, which none of the valid values contain.
            *slot = Some(percent_decode(v));
        }
        q
    }
}

/// Decodes `%XX` escapes and `+` (a space) in a query component, as Node's querystring does:
/// a `%` not followed by two hex digits stays as it is. Borrows when there is nothing to decode.
pub(crate) fn percent_decode(s: &str) -> Cow<'_, str> {
    if memchr::memchr2(b'%', b'+', s.as_bytes()).is_none() {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Copies of the headers and the URI that own their bytes. hyper's header values and URI
/// are slices of its read buffer: a plain clone kept that whole buffer alive for the
/// session's life (massif: 16 KiB of an idle connection's 22). The values and the URI are
/// copied into one buffer that they share: one allocation, not one each.
fn detach(headers: &HeaderMap, uri: &Uri) -> (HeaderMap, Uri) {
    // A request's URI is its path and query (origin form); others are copied apart.
    let path_and_query = match (uri.scheme(), uri.authority(), uri.path_and_query()) {
        (None, None, Some(pq)) => Some(pq.as_str()),
        _ => None,
    };
    let (out, rest) = detach_with(headers, path_and_query.unwrap_or_default());
    let uri = match path_and_query {
        Some(_) => Uri::from_maybe_shared(rest),
        None => Uri::from_maybe_shared(bytes::Bytes::from(uri.to_string())),
    }
    .unwrap_or_else(|_| uri.clone());
    (out, uri)
}

/// Copies of `headers` that own their bytes (one buffer for all the values), for what a
/// session keeps of a request after it was answered: see [`detach`].
pub(crate) fn detach_headers(headers: &HeaderMap) -> HeaderMap {
    detach_with(headers, "").0
}

/// The headers' values and then `tail` copied into one buffer; the headers over it, and what
/// is left of it (`tail`'s bytes).
fn detach_with(headers: &HeaderMap, tail: &str) -> (HeaderMap, bytes::Bytes) {
    let total = headers.values().map(|v| v.len()).sum::<usize>() + tail.len();
    let mut buf = bytes::BytesMut::with_capacity(total);
    for value in headers.values() {
        buf.extend_from_slice(value.as_bytes());
    }
    buf.extend_from_slice(tail.as_bytes());
    let mut buf = buf.freeze();
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let bytes = buf.split_to(value.len().min(buf.len()));
        if let Ok(mut copy) = http::HeaderValue::from_maybe_shared(bytes) {
            copy.set_sensitive(value.is_sensitive());
            out.append(name.clone(), copy);
        }
    }
    (out, buf)
}

/// The peer address: a bare `SocketAddr` extension (as [`serve`](super::serve) inserts), or
/// axum's `ConnectInfo<SocketAddr>` (as `into_make_service_with_connect_info` inserts) when
/// the `axum` feature is on.
fn remote_addr(extensions: &http::Extensions) -> Option<SocketAddr> {
    if let Some(addr) = extensions.get::<SocketAddr>() {
        return Some(*addr);
    }
    #[cfg(feature = "axum")]
    if let Some(info) = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>() {
        return Some(info.0);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detached_headers_and_uri_keep_every_value_in_order_and_the_sensitive_flag() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", http::HeaderValue::from_static("one"));
        headers.append("x-a", http::HeaderValue::from_static(""));
        headers.append("x-a", http::HeaderValue::from_static("three"));
        let mut secret = http::HeaderValue::from_static("token");
        secret.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, secret);
        headers.insert(
            http::header::HOST,
            http::HeaderValue::from_static("example.com"),
        );
        let uri: Uri = "/socket.io/?EIO=4&transport=polling"
            .parse()
            .unwrap_or_default();
        let (copy, uri_copy) = detach(&headers, &uri);
        assert_eq!(copy, headers);
        assert_eq!(uri_copy, uri);
        let absolute: Uri = "http://example.com/a?b=c".parse().unwrap_or_default();
        assert_eq!(detach(&headers, &absolute).1, absolute);
        let values: Vec<&str> = copy
            .get_all("x-a")
            .iter()
            .map(|v| v.to_str().unwrap_or("?"))
            .collect();
        assert_eq!(values, ["one", "", "three"]);
        assert!(copy[http::header::AUTHORIZATION].is_sensitive());
        assert!(!copy[http::header::HOST].is_sensitive());
    }

    #[test]
    fn parses_the_engine_parameters() {
        let q = Query::parse(Some("EIO=4&transport=polling&t=x&sid=ab-_"));
        assert_eq!(q.eio.as_deref(), Some("4"));
        assert_eq!(q.transport.as_deref(), Some("polling"));
        assert_eq!(q.sid.as_deref(), Some("ab-_"));
        assert_eq!(Query::parse(None), Query::default());
        assert_eq!(
            Query::parse(Some("sid=a%41%2")).sid.as_deref(),
            Some("aA%2")
        );
        assert_eq!(Query::parse(Some("sid")).sid.as_deref(), Some(""));
        // Only two hex digits make an escape (`from_str_radix` took a sign as a digit).
        assert_eq!(Query::parse(Some("sid=%+5x")).sid.as_deref(), Some("% 5x"));
        assert!(matches!(percent_decode("plain"), Cow::Borrowed("plain")));
        // Empty pairs, keys without values, repeated keys (the last wins), `=` in a value.
        let q = Query::parse(Some("&&EIO&sid=1&sid=2=3&transport=&"));
        assert_eq!(q.eio.as_deref(), Some(""));
        assert_eq!(q.sid.as_deref(), Some("2=3"));
        assert_eq!(q.transport.as_deref(), Some(""));
        assert_eq!(Query::parse(Some("")), Query::default());
    }
}
