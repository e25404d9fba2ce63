//! The engine's counters: sessions by transport, upgrades, and refused requests by reason.
//! Each update is one relaxed atomic on a path already taken (a session's start, upgrade and
//! end in its driver task; a refusal's response).

use std::sync::atomic::{AtomicU64, Ordering};

use engineio_proto::TransportKind;

use super::error::RequestError;

/// Why the engine refused a request, as counted in [`HandshakeFailures`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    UnknownTransport,
    UnknownSid,
    BadHandshakeMethod,
    BadRequest,
    Forbidden,
    OriginNotAllowed,
    UnsupportedProtocolVersion,
    ShuttingDown,
}

const REFUSALS: usize = 8;

impl From<&RequestError> for Refusal {
    fn from(e: &RequestError) -> Refusal {
        match e {
            RequestError::UnknownTransport => Refusal::UnknownTransport,
            RequestError::UnknownSid => Refusal::UnknownSid,
            RequestError::BadHandshakeMethod => Refusal::BadHandshakeMethod,
            RequestError::BadRequest => Refusal::BadRequest,
            RequestError::Forbidden(_) => Refusal::Forbidden,
            RequestError::UnsupportedProtocolVersion => Refusal::UnsupportedProtocolVersion,
            RequestError::ShuttingDown => Refusal::ShuttingDown,
        }
    }
}

impl Refusal {
    /// The label of this reason in the exported metrics and logs.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Refusal::UnknownTransport => "unknown_transport",
            Refusal::UnknownSid => "unknown_sid",
            Refusal::BadHandshakeMethod => "bad_handshake_method",
            Refusal::BadRequest => "bad_request",
            Refusal::Forbidden => "forbidden",
            Refusal::OriginNotAllowed => "origin_not_allowed",
            Refusal::UnsupportedProtocolVersion => "unsupported_protocol_version",
            Refusal::ShuttingDown => "shutting_down",
        }
    }
}

/// Live counters of one engine.
#[derive(Debug, Default)]
pub(crate) struct EngineCounters {
    polling: AtomicU64,
    websocket: AtomicU64,
    upgrades: AtomicU64,
    refused: [AtomicU64; REFUSALS],
}

impl EngineCounters {
    fn open(&self, transport: TransportKind) -> &AtomicU64 {
        match transport {
            TransportKind::Polling => &self.polling,
            TransportKind::WebSocket => &self.websocket,
        }
    }

    /// A session's driver started on `transport`.
    pub(crate) fn opened(&self, transport: TransportKind) {
        self.open(transport).fetch_add(1, Ordering::Relaxed);
    }

    /// A session's driver ended on `transport`.
    pub(crate) fn closed(&self, transport: TransportKind) {
        self.open(transport).fetch_sub(1, Ordering::Relaxed);
    }

    /// A polling session moved to its websocket.
    pub(crate) fn upgraded(&self) {
        self.polling.fetch_sub(1, Ordering::Relaxed);
        self.websocket.fetch_add(1, Ordering::Relaxed);
        self.upgrades.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn refused(&self, why: Refusal) {
        self.refused[why as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> EngineMetrics {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let refused = |why: Refusal| get(&self.refused[why as usize]);
        EngineMetrics {
            polling_sessions: get(&self.polling),
            websocket_sessions: get(&self.websocket),
            upgrades: get(&self.upgrades),
            handshake_failures: HandshakeFailures {
                unknown_transport: refused(Refusal::UnknownTransport),
                unknown_sid: refused(Refusal::UnknownSid),
                bad_handshake_method: refused(Refusal::BadHandshakeMethod),
                bad_request: refused(Refusal::BadRequest),
                forbidden: refused(Refusal::Forbidden),
                origin_not_allowed: refused(Refusal::OriginNotAllowed),
                unsupported_protocol_version: refused(Refusal::UnsupportedProtocolVersion),
                shutting_down: refused(Refusal::ShuttingDown),
            },
        }
    }
}

/// A snapshot of the engine's counters (see [`Engine::metrics`](super::Engine::metrics)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EngineMetrics {
    /// Sessions open now on HTTP long-polling (not upgraded).
    pub polling_sessions: u64,
    /// Sessions open now on a websocket (from the start, or upgraded).
    pub websocket_sessions: u64,
    /// Sessions upgraded from polling to websocket since the start.
    pub upgrades: u64,
    /// Requests refused since the start, by reason.
    pub handshake_failures: HandshakeFailures,
}

/// Requests the engine refused, by reason: those that would have opened a session and
/// those naming one (the reference emits `connection_error` for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct HandshakeFailures {
    /// Code 0: the `transport` parameter is missing or names a transport not enabled.
    pub unknown_transport: u64,
    /// Code 1: the `sid` names no open session (often a client of a server since restarted).
    pub unknown_sid: u64,
    /// Code 2: a handshake other than `GET`.
    pub bad_handshake_method: u64,
    /// Code 3: a malformed request (transport mismatch, websocket without upgrade, a
    /// websocket handshake without a valid key or version).
    pub bad_request: u64,
    /// Code 4: `allow_request` refused it.
    pub forbidden: u64,
    /// A browser page of an origin that CORS does not allow (`check_origin`).
    pub origin_not_allowed: u64,
    /// Code 5: `EIO` is not `4` (nor `3` with `allow_eio3`).
    pub unsupported_protocol_version: u64,
    /// The engine is closing and takes no new sessions.
    pub shutting_down: u64,
}

impl HandshakeFailures {
    /// Each reason's label (as in the exported metrics) and count.
    pub fn by_reason(&self) -> [(&'static str, u64); REFUSALS] {
        [
            (Refusal::UnknownTransport.as_str(), self.unknown_transport),
            (Refusal::UnknownSid.as_str(), self.unknown_sid),
            (
                Refusal::BadHandshakeMethod.as_str(),
                self.bad_handshake_method,
            ),
            (Refusal::BadRequest.as_str(), self.bad_request),
            (Refusal::Forbidden.as_str(), self.forbidden),
            (Refusal::OriginNotAllowed.as_str(), self.origin_not_allowed),
            (
                Refusal::UnsupportedProtocolVersion.as_str(),
                self.unsupported_protocol_version,
            ),
            (Refusal::ShuttingDown.as_str(), self.shutting_down),
        ]
    }

    /// All refusals, whatever the reason.
    pub fn total(&self) -> u64 {
        self.by_reason().iter().map(|(_, n)| n).sum()
    }
}
