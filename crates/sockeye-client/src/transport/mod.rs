//! The I/O under the Engine.IO client session: websockets and long-polling requests, each
//! reporting to the manager's driver through one channel as [`TransportEvent`]s.

pub(crate) mod polling;
pub(crate) mod stream;
pub(crate) mod target;
pub(crate) mod websocket;

use bytes::Bytes;
use engineio_proto::Via;
use tokio::sync::{mpsc, watch};

pub(crate) use websocket::{WsWriter, open_websocket};

/// What a transport reports, tagged with the engine attempt it belongs to so that reports
/// from a previous connection are told apart and ignored.
#[derive(Debug)]
pub(crate) struct TransportEvent {
    pub(crate) attempt: u64,
    pub(crate) kind: TransportEventKind,
}

/// The report itself.
#[derive(Debug)]
pub(crate) enum TransportEventKind {
    /// A GET returned this body, or failed.
    PollDone(Result<String, String>),
    /// A POST finished, or failed.
    PostDone(Result<(), String>),
    /// A websocket connected.
    WsOpened(Via, WsWriter),
    /// A websocket could not connect.
    WsFailed(Via, String),
    /// A text frame.
    WsText(Via, String),
    /// A binary frame.
    WsBinary(Via, Bytes),
    /// The websocket closed (`Ok`) or failed (`Err`).
    WsClosed(Via, Result<(), String>),
}

impl TransportEventKind {
    /// Whether this is something read from the server (or the end of reading), which waits
    /// while reading is paused. The rest (a POST done, a websocket opened or not) are the
    /// driver's own requests coming back, which it needs to send what handlers emit
    /// meanwhile.
    fn is_read(&self) -> bool {
        matches!(
            self,
            TransportEventKind::PollDone(_)
                | TransportEventKind::WsText(..)
                | TransportEventKind::WsBinary(..)
                | TransportEventKind::WsClosed(..)
        )
    }
}

/// Reports events of attempt `attempt` to the driver.
#[derive(Debug, Clone)]
pub(crate) struct Reporter {
    pub(crate) attempt: u64,
    pub(crate) tx: mpsc::Sender<TransportEvent>,
    /// Open unless the sockets' handlers are behind: then what is read waits here, and the
    /// reader reads no further, so that the server's sending is held back by TCP rather than
    /// by the client's memory.
    pub(crate) reading: watch::Receiver<bool>,
}

impl Reporter {
    pub(crate) async fn report(&self, kind: TransportEventKind) {
        if kind.is_read() {
            // An error means the driver is gone; the send below then fails too.
            let _ = self.reading.clone().wait_for(|open| *open).await;
        }
        let _ = self
            .tx
            .send(TransportEvent {
                attempt: self.attempt,
                kind,
            })
            .await;
    }
}
