//! Acknowledgements: answering the client's, and waiting for its answers to ours.

use socketio_proto::{AckSink, Packet, PacketData, Value};
use tokio::sync::{mpsc, oneshot};

use super::Socket;
use crate::adapter::AckResponse;
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
///
/// The type is the client's too ([`socketio_proto::Ack`]), over each end's socket.
pub type Ack = socketio_proto::Ack<Socket>;

/// An acknowledgement answers through the socket that received the event.
impl AckSink for Socket {
    type Error = EmitError;

    fn send_ack(&self, id: u64, args: Vec<Value>) -> Result<(), EmitError> {
        let packet = Packet {
            nsp: self.namespace().name().to_owned(),
            data: PacketData::Ack { args, id },
        };
        self.send_packet(&packet, false)
    }
}

/// Who is waiting for an acknowledgement the socket owes us.
pub(crate) enum AckWaiter {
    /// One emit (`socket.emit_with_ack`).
    Single(oneshot::Sender<Vec<Value>>),
    /// A broadcast collecting every socket's answer.
    Broadcast(mpsc::UnboundedSender<AckResponse>),
}
