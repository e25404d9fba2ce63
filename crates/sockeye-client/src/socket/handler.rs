//! The shapes of event handlers, and the callback that answers the server's ack requests.
//!
//! Handlers take the socket, then optionally the event's data (any serde type, read as the
//! `args` rules say) and the [`Ack`]. They are async and run one at a time per socket, in the
//! order the packets arrived.

use std::sync::Arc;

use serde::Serialize;
use socketio_proto::{Handler, Packet, Value};

use super::Socket;
use crate::args::to_args;
use crate::error::EmitError;
use crate::manager::Command;

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
pub struct Ack {
    target: Option<(Socket, u64)>,
}

impl Ack {
    pub(crate) fn new(socket: &Socket, id: Option<u64>) -> Ack {
        Ack {
            target: id.map(|id| (socket.clone(), id)),
        }
    }

    /// Whether the server asked for an acknowledgement.
    pub fn requested(&self) -> bool {
        self.target.is_some()
    }

    /// Answers the server, like calling the callback in JavaScript: a tuple sends several
    /// arguments, `()` none, anything else (`null` included) one. Does nothing when the
    /// server did not ask.
    ///
    /// Returns nothing, as the reference's callback: an answer has no retry. A payload that
    /// does not serialize is logged at `warn`, a closed socket at `debug`; use
    /// [`try_send`](Ack::try_send) to see the error.
    pub fn send<T: Serialize + ?Sized>(self, data: &T) {
        if let Err(err) = self.try_send(data) {
            match err {
                EmitError::Serialize(_) => tracing::warn!(%err, "acknowledgement not sent"),
                _ => tracing::debug!(%err, "acknowledgement not sent"),
            }
        }
    }

    /// [`send`](Ack::send), telling why the answer did not go out ([`EmitError`]).
    pub fn try_send<T: Serialize + ?Sized>(self, data: &T) -> Result<(), EmitError> {
        let Some((socket, id)) = self.target else {
            return Ok(());
        };
        let packet = Packet::ack(socket.namespace(), to_args(data)?, id);
        socket.command(Command::Packet {
            packet,
            volatile: false,
        })
    }
}

impl std::fmt::Debug for Ack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ack")
            .field("id", &self.target.as_ref().map(|(_, id)| *id))
            .finish()
    }
}
