//! What the peer sends, as the application receives it.

use std::sync::Arc;

use super::session::SessionShared;
use bytes::Bytes;
use engineio_proto::CloseReason;

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

/// The peer's messages in order, then exactly one [`Incoming::Close`]. Bounded: when the
/// application does not read, the transport stops reading too.
#[derive(Debug)]
pub struct EngineIncoming {
    pub(crate) shared: Arc<SessionShared>,
    pub(crate) done: bool,
}

impl EngineIncoming {
    /// The next message, or the close. After the close, every call returns it again.
    pub async fn recv(&mut self) -> Incoming {
        if !self.done {
            if let Some(msg) = self.shared.incoming.pop().await {
                return msg;
            }
            self.done = true;
        }
        Incoming::Close(
            self.shared
                .close_reason()
                .unwrap_or(CloseReason::TransportClose),
        )
    }
}

impl Drop for EngineIncoming {
    /// Nobody reads any more: later messages are refused rather than kept.
    fn drop(&mut self) {
        self.shared.incoming.close();
    }
}
