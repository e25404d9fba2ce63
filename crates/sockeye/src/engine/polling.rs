//! The long-polling transport: GET waits for the session's next batch, POST carries the
//! client's payload.

use std::sync::Arc;

use bytes::Bytes;
use engineio_proto::{
    Packet, PollError, Protocol, Via, decode_binary_payload_v3, decode_payload, decode_payload_v3,
};
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode, header};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};

use super::BoxError;
use super::compression;
use super::error::{EngineBody, RequestError, empty};
use super::incoming::{Delivered, Incoming};
use super::session::{SessionShared, now};

/// Answers a GET with the session's next batch, waiting for one if there is none yet.
pub(crate) async fn get(
    shared: &Arc<SessionShared>,
    parts: &Parts,
    compression: Option<usize>,
) -> Response<EngineBody> {
    let parked = shared.with(|inner| match inner.machine.handle_poll_request(now()) {
        Ok(()) => Ok(inner.park_get()),
        Err(e) => Err(e),
    });
    let (id, rx) = match parked {
        Ok(p) => p,
        // The reference's bare 400 for an overlapping GET; the session is closed by now.
        Err(PollError::Overlap) => return empty(StatusCode::BAD_REQUEST),
        Err(PollError::NotPolling) => return RequestError::BadRequest.http_response(),
    };
    // Dropped with the request when the client goes away before the answer: the reference
    // closes the session with `transport error` ("poll connection closed prematurely").
    let guard = AbortGuard {
        shared,
        id: Some(id),
    };
    let body = rx.await;
    let mut guard = guard;
    guard.id = None;
    match body {
        Ok(body) => payload_response(body, parts, compression),
        // Closed: the session is gone; otherwise it upgraded while this GET waited.
        Err(_) if shared.is_closed() => RequestError::UnknownSid.http_response(),
        Err(_) => RequestError::BadRequest.http_response(),
    }
}

struct AbortGuard<'a> {
    shared: &'a Arc<SessionShared>,
    id: Option<u64>,
}

impl Drop for AbortGuard<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.shared.with(|inner| {
                if inner.unpark_get(id) {
                    inner.machine.handle_poll_aborted(now());
                }
            });
        }
    }
}

fn payload_response(
    body: Bytes,
    parts: &Parts,
    compression: Option<usize>,
) -> Response<EngineBody> {
    let encoded = compression
        .filter(|threshold| body.len() >= *threshold)
        .and_then(|_| compression::negotiate(&parts.headers))
        .and_then(|e| Some((e, e.compress(&body)?)));
    let mut r = match &encoded {
        Some((_, compressed)) => Response::new(Full::new(compressed.clone())),
        None => Response::new(Full::new(body)),
    };
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    if let Some((e, _)) = encoded {
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(e.as_str()),
        );
    }
    common_headers(h, parts);
    r
}

/// Headers of every polling answer, as the reference's polling transport sets them.
fn common_headers(h: &mut http::HeaderMap, parts: &Parts) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let ua = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    if ua.is_some_and(|ua| ua.contains(";MSIE") || ua.contains("Trident/")) {
        h.insert("x-xss-protection", HeaderValue::from_static("0"));
    }
}

/// Reads a POST payload and hands its packets to the session (with a copy of the POST's
/// headers when `keep_headers`).
pub(crate) async fn post<B>(
    shared: &Arc<SessionShared>,
    parts: &Parts,
    body: B,
    max: usize,
    timeout: Option<std::time::Duration>,
    keep_headers: bool,
) -> Response<EngineBody>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let binary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/octet-stream");
    let overlap = shared.with(|inner| {
        if binary || inner.post_active {
            inner.machine.handle_transport_error(Via::Current, now());
            true
        } else {
            inner.post_active = true;
            false
        }
    });
    if overlap {
        // Protocol 4 sends binary as base64 text; an octet-stream body is invalid content.
        return empty(StatusCode::BAD_REQUEST);
    }
    let mut guard = PostGuard {
        shared,
        done: false,
    };
    let collect = Limited::new(body, max).collect();
    let collected = match timeout {
        Some(limit) => match tokio::time::timeout(limit, collect).await {
            Ok(collected) => collected,
            Err(_) => {
                // Node's requestTimeout: 408, the connection closed (the guard's drop records
                // the transport error, as the reference's "closed prematurely").
                let mut r = empty(StatusCode::REQUEST_TIMEOUT);
                r.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                return r;
            }
        },
        None => collect.await,
    };
    let bytes = match collected {
        Ok(c) => c.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            // As the reference: 413 and the session goes on.
            guard.done = true;
            shared.with(|inner| inner.post_active = false);
            return empty(StatusCode::PAYLOAD_TOO_LARGE);
        }
        Err(_) => {
            // The guard's drop records the transport error.
            return empty(StatusCode::BAD_REQUEST);
        }
    };
    guard.done = true;
    // Checked first: the lossy conversion walks valid text more slowly than the check.
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(&bytes),
    };
    let v3 = (shared.protocol == Protocol::V3).then(|| {
        // A v3 client with binary data posts a binary payload.
        let binary = parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/octet-stream"));
        let decoded = if binary {
            decode_binary_payload_v3(&bytes)
        } else {
            decode_payload_v3(&text)
        };
        match decoded {
            Ok(packets) => packets.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e.to_string())],
        }
    });
    let (tx, messages, failed) = shared.with(|inner| {
        inner.post_active = false;
        let tx = shared.sender(inner);
        let mut messages = Vec::new();
        let mut failed = false;
        let mut on_packet = |packet: Result<Packet, String>| match packet {
            Ok(p) => {
                if let Some(data) = inner.machine.handle_packet(p, Via::Current, now()) {
                    messages.push(Incoming::from_packet(data));
                }
            }
            Err(e) => {
                tracing::debug!(sid = %shared.sid, error = %e, "undecodable polling payload");
                inner.machine.handle_decode_error(Via::Current, now());
                failed = true;
            }
        };
        match v3 {
            Some(v3) => v3.into_iter().for_each(&mut on_packet),
            None => decode_payload(&text)
                .map(|r| r.map_err(|e| e.to_string()))
                .for_each(&mut on_packet),
        }
        (tx, messages, failed)
    });
    if let Some(tx) = tx {
        // Copied: the last message's request stays with the session until the next one, and
        // hyper's header values are slices of the connection's whole read buffer.
        let request = (keep_headers && !messages.is_empty())
            .then(|| Arc::new(super::request::detach_headers(&parts.headers)));
        for msg in messages {
            let delivered = Delivered {
                msg,
                request: request.clone(),
            };
            // Waiting here holds the POST until the application reads: backpressure.
            if tx.push(delivered).await.is_err() {
                break;
            }
        }
    }
    if failed {
        return RequestError::BadRequest.http_response();
    }
    let mut r = Response::new(Full::new(Bytes::from_static(b"ok")));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    common_headers(h, parts);
    r
}

struct PostGuard<'a> {
    shared: &'a Arc<SessionShared>,
    done: bool,
}

impl Drop for PostGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            // "data request connection closed prematurely"
            self.shared.with(|inner| {
                inner.post_active = false;
                inner.machine.handle_transport_error(Via::Current, now());
            });
        }
    }
}
