//! Forwarding a request to the node that owns its session, and relaying the answer.
//!
//! Polling: the request's body streams to the owner as it arrives (the owner applies its own
//! `max_http_buffer_size`); the owner's answer is read whole, up to a bound, and given back
//! with its status and headers, the hop-by-hop ones excepted. The connections to each owner
//! are HTTP/1.1 keep-alive and reused while they are fresh.
//!
//! Websocket: the upgrade request goes to the owner on a connection of its own; when the owner
//! answers 101, so does this node, with the owner's headers (its `Sec-WebSocket-Accept` is
//! computed from the client's key, which was forwarded), and both upgraded connections are
//! then spliced, bytes copied both ways until either side closes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Version, header};
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, Limited};
use hyper::client::conn::http1;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::{AUTH_HEADER, ClusterConfig, HOP_HEADER, Location, NodeId};
use crate::engine::BoxError;
use crate::engine::error::{EngineBody, RequestError, empty};
use crate::log_limit::warn_limited;

type RelayBody = UnsyncBoxBody<Bytes, BoxError>;
type Sender = http1::SendRequest<RelayBody>;

/// An idle connection is reused only this long: the owner closes keep-alive connections idle
/// for 5 s (`ServeConfig::keep_alive_timeout`), and one closing as it is reused fails the
/// request.
const IDLE_REUSE: Duration = Duration::from_secs(3);

/// Idle connections kept per owner.
const IDLE_PER_OWNER: usize = 64;

/// Bytes of an owner's refusal of an upgrade read at most (its body is a short message).
const REFUSAL_BYTES: usize = 64 * 1024;

/// The forwarding side of an engine in a cluster: the idle connections to each owner.
#[derive(Default)]
pub(crate) struct Relay {
    idle: Mutex<HashMap<String, Vec<(Sender, Instant)>>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay").finish_non_exhaustive()
    }
}

impl Relay {
    /// Forwards the request for a session of `node`, returning the owner's answer (or the
    /// reference's unknown-session answer when the owner cannot be reached). `max_response`
    /// bounds the bytes of a polling answer held at once.
    pub(crate) async fn forward<B>(
        &self,
        cluster: &ClusterConfig,
        node: NodeId,
        mut parts: Parts,
        body: B,
        max_body: usize,
        max_response: usize,
    ) -> Response<EngineBody>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let upgrade = crate::engine::websocket::is_upgrade_request(&parts);
        let unknown = || {
            if upgrade {
                RequestError::UnknownSid.upgrade_response()
            } else {
                RequestError::UnknownSid.http_response()
            }
        };
        let addr = match cluster.router.locate(node).await {
            Location::At(addr) => addr,
            Location::Gone => {
                tracing::debug!(%node, "request for a session of a node that is gone");
                return unknown();
            }
            Location::Unknown => {
                warn_limited!(
                    %node,
                    "the node registry cannot answer: requests for other nodes' sessions are \
                     answered `Session ID unknown` (sticky-session behaviour) until it is back"
                );
                return unknown();
            }
        };
        let on_upgrade = if upgrade {
            match parts.extensions.remove::<OnUpgrade>() {
                Some(u) => Some(u),
                None => return RequestError::BadRequest.upgrade_response(),
            }
        } else {
            None
        };
        let request = match outgoing(cluster, &parts, upgrade) {
            Some(r) => r,
            None => return RequestError::BadRequest.http_response(),
        };
        match on_upgrade {
            Some(on_upgrade) => {
                let request = request.map(|()| empty_body());
                relay_upgrade(&addr, cluster.connect_timeout, request, on_upgrade).await
            }
            None => {
                // The owner refuses a body it knows is too large before reading it, and closes
                // the connection as this node is still writing: answered here as the owner
                // would (every node of a cluster has the same limit), the session unharmed.
                if body.size_hint().lower() > max_body as u64 {
                    return empty(StatusCode::PAYLOAD_TOO_LARGE);
                }
                let request = request.map(|()| body.map_err(Into::into).boxed_unsync());
                match self
                    .relay(&addr, cluster.connect_timeout, request, max_response)
                    .await
                {
                    Ok(r) => r,
                    Err(why) => {
                        tracing::debug!(%node, %addr, %why, "forwarding failed");
                        why.response()
                    }
                }
            }
        }
    }

    async fn relay(
        &self,
        addr: &str,
        timeout: Duration,
        request: Request<RelayBody>,
        max_response: usize,
    ) -> Result<Response<EngineBody>, Failure> {
        let mut request = request;
        // A reused connection may be closing as it is taken: the request comes back unsent,
        // and goes on a new connection.
        let (sender, response) = loop {
            let (mut sender, reused) = match self.take(addr) {
                Some(s) => (s, true),
                None => (connect(addr, timeout).await?, false),
            };
            if sender.ready().await.is_err() {
                if reused {
                    continue;
                }
                return Err(Failure::Unreachable);
            }
            match sender.try_send_request(request).await {
                Ok(response) => break (sender, response),
                Err(mut e) => match e.take_message() {
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(Failure::Broken(e.into_error().to_string())),
                },
            }
        };
        let (head, body) = response.into_parts();
        let body = match Limited::new(body, max_response).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => return Err(Failure::Broken(e.to_string())),
        };
        if !sender.is_closed() && !closes(&head.headers) {
            self.put(addr, sender);
        }
        let mut out = Response::new(Full::new(body));
        *out.status_mut() = head.status;
        copy_end_to_end(&head.headers, out.headers_mut(), false);
        Ok(out)
    }

    fn take(&self, addr: &str) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(addr)?;
        while let Some((sender, since)) = list.pop() {
            if since.elapsed() < IDLE_REUSE && !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn put(&self, addr: &str, sender: Sender) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(addr.to_owned()).or_default();
        list.retain(|(s, since)| since.elapsed() < IDLE_REUSE && !s.is_closed());
        if list.len() < IDLE_PER_OWNER {
            list.push((sender, Instant::now()));
        }
    }
}

/// Why forwarding did not get the owner's answer.
#[derive(Debug)]
enum Failure {
    /// No connection to the owner: it is gone (or the registry was stale).
    Unreachable,
    /// The owner's connection broke, or its answer was too large to hold.
    Broken(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable => f.write_str("owner unreachable"),
            Failure::Broken(e) => write!(f, "owner's answer lost: {e}"),
        }
    }
}

impl Failure {
    fn response(&self) -> Response<EngineBody> {
        match self {
            // The node is gone with its sessions: the reference's answer, so the client
            // reconnects (and recovers with connection state recovery).
            Failure::Unreachable => RequestError::UnknownSid.http_response(),
            Failure::Broken(_) => empty(StatusCode::BAD_GATEWAY),
        }
    }
}

async fn connect(addr: &str, timeout: Duration) -> Result<Sender, Failure> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        _ => return Err(Failure::Unreachable),
    };
    let _ = stream.set_nodelay(true);
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Failure::Unreachable)?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "connection to another node ended");
        }
    });
    Ok(sender)
}

/// Relays a websocket upgrade: the owner's refusal as it is, or its 101, then the bytes.
async fn relay_upgrade(
    addr: &str,
    timeout: Duration,
    request: Request<RelayBody>,
    client: OnUpgrade,
) -> Response<EngineBody> {
    let unknown = || RequestError::UnknownSid.upgrade_response();
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        _ => return unknown(),
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, conn)) = http1::handshake(TokioIo::new(stream)).await else {
        return unknown();
    };
    tokio::spawn(async move {
        if let Err(e) = conn.with_upgrades().await {
            tracing::debug!(error = %e, "relayed websocket connection ended");
        }
    });
    let mut response = match sender.send_request(request).await {
        Ok(r) => r,
        Err(_) => return unknown(),
    };
    let status = response.status();
    let mut out = Response::new(Full::new(Bytes::new()));
    *out.status_mut() = status;
    copy_end_to_end(
        response.headers(),
        out.headers_mut(),
        status == StatusCode::SWITCHING_PROTOCOLS,
    );
    if status != StatusCode::SWITCHING_PROTOCOLS {
        // The owner's refusal (`Session ID unknown`, ...): as it is, and the connection closed
        // as the reference closes it.
        if let Ok(body) = Limited::new(response.into_body(), REFUSAL_BYTES)
            .collect()
            .await
        {
            *out.body_mut() = Full::new(body.to_bytes());
        }
        out.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return out;
    }
    let owner = hyper::upgrade::on(&mut response);
    tokio::spawn(async move {
        let (client, owner) = tokio::join!(client, owner);
        let (Ok(client), Ok(owner)) = (client, owner) else {
            return;
        };
        let mut client = TokioIo::new(client);
        let mut owner = TokioIo::new(owner);
        if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut owner).await {
            tracing::debug!(error = %e, "relayed websocket closed");
        }
    });
    out
}

fn empty_body() -> RelayBody {
    Empty::<Bytes>::new().map_err(|e| match e {}).boxed_unsync()
}

/// The request to send to the owner: same method, path and query, the client's end-to-end
/// headers, and this node's hop and signature. `None` when the URI has no path (not an
/// engine request).
fn outgoing(cluster: &ClusterConfig, parts: &Parts, upgrade: bool) -> Option<Request<()>> {
    let path_and_query = parts.uri.path_and_query()?.as_str();
    let mut request = Request::new(());
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = path_and_query.parse().ok()?;
    *request.version_mut() = Version::HTTP_11;
    let headers = request.headers_mut();
    copy_end_to_end(&parts.headers, headers, upgrade);
    if !headers.contains_key(header::HOST) {
        if let Some(host) = parts.uri.authority() {
            // An HTTP/2 request names its host in the URI.
            if let Ok(v) = HeaderValue::from_str(host.as_str()) {
                headers.insert(header::HOST, v);
            }
        }
    }
    let me = cluster.router.node_id();
    let hop = HeaderValue::from_str(&me.to_string()).ok()?;
    headers.insert(HOP_HEADER, hop);
    headers.insert(
        AUTH_HEADER,
        cluster
            .secret
            .sign(parts.method.as_str(), path_and_query, me),
    );
    Some(request)
}

/// Copies headers but the hop-by-hop ones (RFC 9110 7.6.1) and the cluster's own; an
/// upgrade keeps `Connection: upgrade` and `Upgrade`, which it needs end to end.
fn copy_end_to_end(from: &HeaderMap, to: &mut HeaderMap, upgrade: bool) {
    // Also those the `Connection` header names.
    let named: Vec<String> = from
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !(upgrade && t == "upgrade"))
        .collect();
    for (name, value) in from {
        let n = name.as_str();
        let hop_by_hop = matches!(
            n,
            "keep-alive"
                | "proxy-connection"
                | "proxy-authenticate"
                | "proxy-authorization"
                | "te"
                | "trailer"
                | "transfer-encoding"
                // This node's server answered it already; the owner gets the body at once.
                | "expect"
        ) || (!upgrade && matches!(n, "connection" | "upgrade"))
            || n == AUTH_HEADER
            || n == HOP_HEADER
            || named.iter().any(|t| t == n);
        if !hop_by_hop {
            to.append(name.clone(), value.clone());
        }
    }
    if upgrade {
        to.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// Whether the owner asked to close the connection after this answer.
fn closes(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        let mut from = HeaderMap::new();
        for (k, v) in [
            ("connection", "keep-alive, x-private"),
            ("keep-alive", "timeout=5"),
            ("x-private", "1"),
            ("transfer-encoding", "chunked"),
            ("te", "trailers"),
            ("upgrade", "websocket"),
            (AUTH_HEADER, "1.00"),
            (HOP_HEADER, "AAAA"),
            ("content-type", "text/plain"),
            ("cookie", "io=1"),
            ("origin", "http://a"),
        ] {
            from.append(k, HeaderValue::from_static(v));
        }
        let mut to = HeaderMap::new();
        copy_end_to_end(&from, &mut to, false);
        let mut names: Vec<&str> = to.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["content-type", "cookie", "origin"]);
        let mut to = HeaderMap::new();
        copy_end_to_end(&from, &mut to, true);
        assert_eq!(to["upgrade"], "websocket");
        assert_eq!(to["connection"], "upgrade");
        assert!(!to.contains_key("x-private"));
        assert!(closes(&HeaderMap::from_iter([(
            header::CONNECTION,
            HeaderValue::from_static("Keep-Alive, Close")
        )])));
    }
}
