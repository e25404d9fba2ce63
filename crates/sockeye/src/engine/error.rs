//! The reference's request errors, and the one place they become HTTP responses.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// The body of every engine response.
pub type EngineBody = Full<Bytes>;

/// Why the engine refused a request, with the reference's codes and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestError {
    /// 0: the `transport` parameter is missing or names a transport that is not enabled.
    UnknownTransport,
    /// 1: the `sid` names no open session.
    UnknownSid,
    /// 2: a handshake other than GET.
    BadHandshakeMethod,
    /// 3: a malformed request (transport mismatch, websocket handshake without upgrade, …).
    BadRequest,
    /// 4: `allow_request` refused the handshake (HTTP 403), with its message.
    Forbidden(String),
    /// 5: `EIO` is not `4`.
    UnsupportedProtocolVersion,
    /// The engine is closed and takes no new sessions (HTTP 503, code 3; not in the reference).
    ShuttingDown,
}

impl RequestError {
    pub(crate) fn code(&self) -> u8 {
        match self {
            RequestError::UnknownTransport => 0,
            RequestError::UnknownSid => 1,
            RequestError::BadHandshakeMethod => 2,
            RequestError::BadRequest | RequestError::ShuttingDown => 3,
            RequestError::Forbidden(_) => 4,
            RequestError::UnsupportedProtocolVersion => 5,
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            RequestError::UnknownTransport => "Transport unknown",
            RequestError::UnknownSid => "Session ID unknown",
            RequestError::BadHandshakeMethod => "Bad handshake method",
            RequestError::BadRequest => "Bad request",
            RequestError::Forbidden(m) if !m.is_empty() => m,
            RequestError::Forbidden(_) => "Forbidden",
            RequestError::UnsupportedProtocolVersion => "Unsupported protocol version",
            RequestError::ShuttingDown => "Server shutting down",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            RequestError::Forbidden(_) => StatusCode::FORBIDDEN,
            RequestError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The answer to a plain HTTP request: the status and `{"code":N,"message":"…"}`.
    pub(crate) fn http_response(&self) -> Response<EngineBody> {
        let body = serde_json::json!({ "code": self.code(), "message": self.message() });
        let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
        *r.status_mut() = self.status();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    }

    /// The answer to a websocket handshake: as the reference, 400 with the message as
    /// `text/html`, and the connection closed.
    pub(crate) fn upgrade_response(&self) -> Response<EngineBody> {
        let mut r = Response::new(Full::new(Bytes::from(self.message().to_owned())));
        *r.status_mut() = StatusCode::BAD_REQUEST;
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    }
}

/// A response with a status and no body (the reference's bare `writeHead(n); end()`).
pub(crate) fn empty(status: StatusCode) -> Response<EngineBody> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_body_like_the_reference() {
        let r = RequestError::UnknownSid.http_response();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(
            RequestError::Forbidden(String::new()).message(),
            "Forbidden"
        );
        assert_eq!(
            RequestError::Forbidden("no".into())
                .http_response()
                .status(),
            403
        );
    }
}
