//! The shapes of event handlers, and the callback that answers the server's ack requests.
//!
//! Handlers take the socket, then optionally the event's data (any serde type, read as the
//! `args` rules say) and the [`Ack`]. They are async and run one at a time per socket, in the
//! order the packets arrived.

use std::sync::Arc;

use socketio_proto::{AckSink, Handler, Packet, Value};

use super::Socket;
use crate::error::EmitError;

/// A boxed handler future.
pub(crate) type BoxFut = socketio_proto::HandlerFuture;

/// A function that can handle an event: `Fn(Socket)`, `Fn(Socket, Ack)`, `Fn(Socket, T)` or
/// `Fn(Socket, T, Ack)` returning a future, where `T` is any `DeserializeOwned` type, read as
/// a JavaScript listener takes its arguments: one parameter the first argument, a tuple one
/// per element, [`Args`](crate::Args) all of them. Arguments that do not fit `T` do
/// not run the handler (logged at `warn`). The marker `M` only tells the shapes apart.
///
/// The shapes are the server's too: both are [`socketio_proto::Handler`] over their own
/// socket and ack types, and every such function is an `EventHandler`.
pub trait EventHandler<M>: Handler<Socket, Ack, M> {}

impl<H: Handler<Socket, Ack, M>, M> EventHandler<M> for H {}

/// A type-erased event handler.
pub(crate) type ErasedHandler =
    Arc<dyn Fn(Socket, Vec<Value>, Ack) -> Option<BoxFut> + Send + Sync>;

pub(crate) fn erase<H: EventHandler<M>, M>(handler: H) -> ErasedHandler {
    Arc::new(
        move |socket: Socket, args, ack| match handler.call(socket.clone(), args, ack) {
            Ok(fut) => Some(fut),
            Err((err, _ack)) => {
                tracing::warn!(nsp = socket.namespace(), %err, "event ignored: arguments do not fit");
                None
            }
        },
    )
}

/// The callback the server asked for when it emitted with an acknowledgement. Answering
/// consumes it, so it answers at most once, as in the reference.
///
/// The type is the server's too ([`socketio_proto::Ack`]), over each end's socket.
pub type Ack = socketio_proto::Ack<Socket>;

/// An acknowledgement answers through the socket that received the event.
impl AckSink for Socket {
    type Error = EmitError;

    fn send_ack(&self, id: u64, args: Vec<Value>) -> Result<(), EmitError> {
        let packet = Packet::ack(self.namespace(), args, id);
        self.send_packet(packet, false)
    }
}
