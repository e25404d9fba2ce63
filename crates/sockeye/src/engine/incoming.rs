//! What the peer sends, as the application receives it.

use std::sync::Arc;

use super::session::SessionShared;
use bytes::Bytes;
use engineio_proto::{CloseReason, PacketData};
use http::HeaderMap;

/// One thing received from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// The session is closed; nothing follows.
    Close(CloseReason),
}

impl Incoming {
    /// The message a data packet carries (an empty MESSAGE packet is an empty text).
    pub(crate) fn from_packet(data: PacketData) -> Incoming {
        match data {
            PacketData::Text(t) => Incoming::Text(t),
            PacketData::Binary(b) => Incoming::Binary(b),
            PacketData::Empty => Incoming::Text(String::new()),
        }
    }
}

/// A message on its way to the application, with the headers of the HTTP request that
/// carried it (shared by the messages of one request).
#[derive(Debug)]
pub(crate) struct Delivered {
    pub(crate) msg: Incoming,
    pub(crate) request: Option<Arc<HeaderMap>>,
}

/// The peer's messages in order, then exactly one [`Incoming::Close`]. Bounded: when the
/// application does not read, the transport stops reading too.
#[derive(Debug)]
pub struct EngineIncoming {
    pub(crate) shared: Arc<SessionShared>,
    pub(crate) done: bool,
    /// The request that carried the message `recv` returned last.
    pub(crate) request: Option<Arc<HeaderMap>>,
}

impl EngineIncoming {
    /// The next message, or the close. After the close, every call returns it again.
    pub async fn recv(&mut self) -> Incoming {
        if !self.done {
            if let Some(delivered) = self.shared.incoming.pop().await {
                self.request = delivered.request;
                return delivered.msg;
            }
            self.done = true;
            self.request = None;
        }
        Incoming::Close(
            self.shared
                .close_reason()
                .unwrap_or(CloseReason::TransportClose),
        )
    }
}

impl EngineIncoming {
    /// The headers of the HTTP request that carried the message [`recv`](Self::recv) returned
    /// last (the reference's `transport.dataReq` for long-polling): the POST it came in for
    /// long-polling; for websocket, the request that opened the websocket (the handshake, or
    /// the upgrade of a polling session). `None` before the first message and after the
    /// close.
    ///
    /// ```
    /// use sockeye::engine::{EngineIncoming, Incoming};
    ///
    /// async fn log_agents(mut incoming: EngineIncoming) {
    ///     while let Incoming::Text(text) = incoming.recv().await {
    ///         let agent = incoming
    ///             .request_headers()
    ///             .and_then(|h| h.get("user-agent")?.to_str().ok());
    ///         tracing::info!(?agent, %text, "message");
    ///     }
    /// }
    /// ```
    pub fn request_headers(&self) -> Option<&HeaderMap> {
        self.request.as_deref()
    }
}

impl Drop for EngineIncoming {
    /// Nobody reads any more: later messages are refused rather than kept.
    fn drop(&mut self) {
        self.shared.incoming.close();
    }
}
