//! Acknowledgements: answering the client's, and waiting for its answers to ours.

use serde::Serialize;
use socketio_proto::{Packet, PacketData, Value};
use tokio::sync::{mpsc, oneshot};

use super::Socket;
use crate::adapter::AckResponse;
use crate::args::to_args;
use crate::error::EmitError;

/// The callback a client asked for when it emitted with an acknowledgement. Passed to an event
/// handler; answering consumes it, so it answers at most once, as in the reference.
///
/// ```
/// use serde::Deserialize;
/// use sockeye::{Ack, SocketIo, Socket};
///
/// #[derive(Deserialize)]
/// struct Order { item: String, count: u32 }
///
/// let io = SocketIo::default();
/// io.on_connection(|socket: Socket| async move {
///     // client: socket.emit("order", { item: "tea", count: 2 }, (status, total) => ...)
///     socket.on("order", |_socket: Socket, order: Order, ack: Ack| async move {
///         ack.send(&("accepted", order.count * 3));
///     });
/// });
/// ```
pub struct Ack {
    target: Option<(Socket, u64)>,
}

impl Ack {
    pub(crate) fn new(socket: &Socket, id: Option<u64>) -> Ack {
        Ack {
            target: id.map(|id| (socket.clone(), id)),
        }
    }

    /// Whether the client asked for an acknowledgement.
    pub fn requested(&self) -> bool {
        self.target.is_some()
    }

    /// Answers the client, like calling the callback in JavaScript: a tuple sends several
    /// arguments, `()` none, anything else (`null` included) one. Does nothing when the
    /// client did not ask for an answer.
    ///
    /// Returns nothing, as the reference's callback: the ack is answered at most once, so a
    /// caller has nothing to retry. A payload that does not serialize is a bug in the
    /// program and is logged at `warn`; a socket that is gone is logged at `debug`. Use
    /// [`try_send`](Ack::try_send) to see the error.
    pub fn send<T: Serialize + ?Sized>(self, data: &T) {
        if let Err(err) = self.try_send(data) {
            match err {
                EmitError::Serialize(_) => tracing::warn!(%err, "acknowledgement not sent"),
                _ => tracing::debug!(%err, "acknowledgement not sent"),
            }
        }
    }

    /// [`send`](Ack::send), telling why the answer did not reach the transport
    /// ([`EmitError`]).
    pub fn try_send<T: Serialize + ?Sized>(self, data: &T) -> Result<(), EmitError> {
        let Some((socket, id)) = self.target else {
            return Ok(());
        };
        let packet = Packet {
            nsp: socket.namespace().name().to_owned(),
            data: PacketData::Ack {
                args: to_args(data)?,
                id,
            },
        };
        socket.send_packet(&packet, false)
    }
}

impl std::fmt::Debug for Ack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ack")
            .field("id", &self.target.as_ref().map(|(_, id)| *id))
            .finish()
    }
}

/// Who is waiting for an acknowledgement the socket owes us.
pub(crate) enum AckWaiter {
    /// One emit (`socket.emit_with_ack`).
    Single(oneshot::Sender<Vec<Value>>),
    /// A broadcast collecting every socket's answer.
    Broadcast(mpsc::UnboundedSender<AckResponse>),
}
