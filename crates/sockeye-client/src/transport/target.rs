//! Where to connect: the server URL split into what the transports need.

use std::sync::Arc;

use engineio_proto::TransportKind;

use crate::error::Error;
use crate::options::Options;

/// The parsed server address plus the request details every transport shares.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
    /// The Engine.IO path, with a trailing `/`.
    pub(crate) path: String,
    /// `k=v` pairs from the URL and the `query` option, already encoded.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) tls_config: Option<Arc<rustls::ClientConfig>>,
}

/// Splits `url` (`http`, `https`, `ws` or `wss`) into the target and the namespace its path
/// names (`http://host/chat` is the namespace `/chat`, as in the reference's `io(url)`).
pub(crate) fn parse(url: &str, options: &Options) -> Result<(Target, String), Error> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| Error::InvalidUrl(format!("{url:?}: {e}")))?;
    let tls = match uri.scheme_str() {
        Some("http" | "ws") => false,
        Some("https" | "wss") => true,
        _ => {
            return Err(Error::InvalidUrl(format!(
                "{url:?}: expected http://, https://, ws:// or wss://"
            )));
        }
    };
    let host = uri
        .host()
        .ok_or_else(|| Error::InvalidUrl(format!("{url:?}: no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let nsp = match uri.path() {
        "" | "/" => "/".to_owned(),
        p => p.to_owned(),
    };
    let mut query = Vec::new();
    if let Some(q) = uri.query() {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            query.push((k.to_owned(), v.to_owned()));
        }
    }
    for (k, v) in &options.query {
        query.push((encode(k), encode(v)));
    }
    let mut path = options.path.clone();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    let tls_config = tls.then(|| crate::transport::stream::tls_config(options));
    let target = Target {
        tls,
        host,
        port,
        path,
        query,
        headers: options.extra_headers.clone(),
        tls_config,
    };
    Ok((target, nsp))
}

impl Target {
    /// The request path and query for an Engine.IO request on `transport`.
    pub(crate) fn request_path(&self, transport: TransportKind, sid: Option<&str>) -> String {
        let mut out = format!("{}?EIO=4&transport={}", self.path, transport.as_str());
        if let Some(sid) = sid {
            out.push_str("&sid=");
            out.push_str(&encode(sid));
        }
        for (k, v) in &self.query {
            out.push('&');
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
        out
    }

    /// The `Host` header value.
    pub(crate) fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.tls { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Percent-encodes a query component.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_path_is_the_namespace_and_query_is_kept() {
        let options = Options::default().query("token", "a b");
        let (t, nsp) = parse("https://example.com/admin?x=1", &options).unwrap();
        assert!(t.tls);
        assert_eq!(
            (t.host.as_str(), t.port, nsp.as_str()),
            ("example.com", 443, "/admin")
        );
        assert_eq!(
            t.request_path(TransportKind::Polling, Some("s1")),
            "/socket.io/?EIO=4&transport=polling&sid=s1&x=1&token=a%20b"
        );
        let (t, nsp) = parse("http://127.0.0.1:3000", &Options::default()).unwrap();
        assert_eq!(nsp, "/");
        assert_eq!(
            (
                t.authority(),
                t.request_path(TransportKind::WebSocket, None)
            ),
            (
                "127.0.0.1:3000".to_owned(),
                "/socket.io/?EIO=4&transport=websocket".to_owned()
            )
        );
        assert!(parse("ftp://x", &Options::default()).is_err());
    }

    #[test]
    fn a_bad_url_is_named_in_plain_words() {
        let message = |url: &str| match parse(url, &Options::default()) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{url} parsed"),
        };
        assert_eq!(
            message("not-a-url"),
            r#"invalid URL "not-a-url": expected http://, https://, ws:// or wss://"#
        );
        assert_eq!(
            message("ftp://x"),
            r#"invalid URL "ftp://x": expected http://, https://, ws:// or wss://"#
        );
    }
}
