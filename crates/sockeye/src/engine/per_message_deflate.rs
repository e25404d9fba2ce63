//! The `perMessageDeflate` option: compressing websocket messages (RFC 7692), negotiated in
//! the upgrade from the client's `Sec-WebSocket-Extensions` offers.

use http::header::SEC_WEBSOCKET_EXTENSIONS;
use http::request::Parts;
use http::{HeaderMap, HeaderValue};
use websocket_proto::{DeflateConfig, DeflateParams};

/// The `perMessageDeflate` option (off by default, as in engine.io 6).
///
/// Unlike the reference, the answer asks for no context takeover both ways by default: each
/// message is compressed and inflated from an empty window, with zlib state borrowed per
/// thread for the length of one message, so a connection holds no compression memory between
/// messages (with takeover, `ws` keeps a zlib compressor and inflater per connection, some
/// 300 KiB; ours measure 259 KiB, docs/compatibility.md). Turning takeover on compresses a run of similar messages better, at
/// that memory cost per connection that sent or received a compressed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerMessageDeflate {
    /// Messages we send of at least this many bytes are compressed; default 1024 (the
    /// reference's `threshold`).
    pub threshold: usize,
    /// Start every message we send from an empty window; default `true` (the reference
    /// keeps the context).
    pub server_no_context_takeover: bool,
    /// Ask clients to start every message from an empty window; default `true` (the
    /// reference does not ask).
    pub client_no_context_takeover: bool,
}

impl Default for PerMessageDeflate {
    fn default() -> PerMessageDeflate {
        PerMessageDeflate {
            threshold: 1024,
            server_no_context_takeover: true,
            client_no_context_takeover: true,
        }
    }
}

impl PerMessageDeflate {
    /// Sets the compression threshold in bytes (default 1024).
    pub fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// Sets whether our messages start from an empty window (default `true`).
    pub fn server_no_context_takeover(mut self, yes: bool) -> Self {
        self.server_no_context_takeover = yes;
        self
    }

    /// Sets whether clients are asked to start messages from an empty window (default `true`).
    pub fn client_no_context_takeover(mut self, yes: bool) -> Self {
        self.client_no_context_takeover = yes;
        self
    }

    /// The parameters accepted from the upgrade request's offers, with the answer added to
    /// `response`; `None` (and no header) when the client offered nothing we accept.
    pub(crate) fn negotiate(
        &self,
        parts: &Parts,
        response: &mut HeaderMap,
    ) -> Option<DeflateParams> {
        let config = DeflateConfig {
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover,
        };
        let offers = parts
            .headers
            .get_all(SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .filter_map(|v| v.to_str().ok());
        let params = websocket_proto::negotiate(offers, &config)?;
        let value = HeaderValue::from_str(&params.response_header()).ok()?;
        response.insert(SEC_WEBSOCKET_EXTENSIONS, value);
        Some(params)
    }
}
