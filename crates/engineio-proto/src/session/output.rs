//! What a session hands its driver: batches to write and events to act on.

use crate::close::CloseReason;
use crate::packet::Packet;

use super::TransportKind;

/// One item to write: a control packet made by the session, or a message frame `F` queued by
/// the application (kept opaque so that pre-encoded, shared frames pass through untouched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing<F> {
    /// A control packet (open, ping, close, noop, …).
    Packet(Packet),
    /// An application message.
    Frame(F),
}

/// A batch to write on one transport at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit<F> {
    /// Where to write: for [`TransportKind::Polling`], as the response to the pending GET
    /// (one payload); for [`TransportKind::WebSocket`], one frame per item on the current
    /// websocket.
    pub transport: TransportKind,
    /// What to write, in order.
    pub items: Vec<Outgoing<F>>,
}

/// Something the driver of the session must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Write this packet on the upgrading websocket (the `3probe` answer).
    UpgradeTransmit(Packet),
    /// Close the upgrading websocket: the upgrade failed, timed out or was abandoned. The
    /// session goes on over polling.
    UpgradeAborted,
    /// The upgrade is done: the upgrading websocket is now the current transport, and
    /// polling requests for this session are refused from now on.
    Upgraded,
    /// The session is closed. Write any [`Transmit`] already polled, then close every
    /// transport. Nothing is ever produced after this.
    Closed(CloseReason),
}
