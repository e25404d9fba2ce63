//! The shapes of event handlers, and the callback that answers the server's ack requests.
//!
//! Handlers take the socket, then optionally the event's data (any serde type, read as the
//! `args` rules say) and the [`Ack`]. They are async and run one at a time per socket, in the
//! order the packets arrived.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::{Packet, Value};

use super::Socket;
use crate::args::{from_args, to_args};
use crate::error::EmitError;
use crate::manager::Command;

/// A boxed handler future.
pub(crate) type BoxFut = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A function that can handle an event: `Fn(Socket)`, `Fn(Socket, Ack)`, `Fn(Socket, T)` or
/// `Fn(Socket, T, Ack)` returning a future, where `T` is any `DeserializeOwned` type, read as
/// a JavaScript listener takes its arguments: one parameter the first argument, a tuple one
/// per element, [`Args`](crate::Args) all of them. Arguments that do not fit `T` do
/// not run the handler (logged at `warn`). The marker `M` only tells the shapes apart.
pub trait EventHandler<M>: Send + Sync + 'static {
    /// Runs the handler, or returns `None` when the arguments do not fit `T`.
    #[doc(hidden)]
    fn call(&self, socket: Socket, args: Vec<Value>, ack: Ack) -> Option<BoxFut>;
}

#[doc(hidden)]
#[derive(Debug)]
pub struct SocketOnly;
#[doc(hidden)]
#[derive(Debug)]
pub struct AckOnly;
#[doc(hidden)]
#[derive(Debug)]
pub struct WithData<T>(std::marker::PhantomData<fn() -> T>);
#[doc(hidden)]
#[derive(Debug)]
pub struct WithDataAck<T>(std::marker::PhantomData<fn() -> T>);

impl<F, Fut> EventHandler<SocketOnly> for F
where
    F: Fn(Socket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(&self, socket: Socket, _args: Vec<Value>, _ack: Ack) -> Option<BoxFut> {
        Some(Box::pin(self(socket)))
    }
}

// Not ambiguous with `WithData<Ack>`: `Ack` is not `DeserializeOwned`.
impl<F, Fut> EventHandler<AckOnly> for F
where
    F: Fn(Socket, Ack) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(&self, socket: Socket, _args: Vec<Value>, ack: Ack) -> Option<BoxFut> {
        Some(Box::pin(self(socket, ack)))
    }
}

impl<F, Fut, T> EventHandler<WithData<T>> for F
where
    F: Fn(Socket, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(&self, socket: Socket, args: Vec<Value>, _ack: Ack) -> Option<BoxFut> {
        let data = decode::<T>(&socket, args)?;
        Some(Box::pin(self(socket, data)))
    }
}

impl<F, Fut, T> EventHandler<WithDataAck<T>> for F
where
    F: Fn(Socket, T, Ack) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(&self, socket: Socket, args: Vec<Value>, ack: Ack) -> Option<BoxFut> {
        let data = decode::<T>(&socket, args)?;
        Some(Box::pin(self(socket, data, ack)))
    }
}

fn decode<T: DeserializeOwned + 'static>(socket: &Socket, args: Vec<Value>) -> Option<T> {
    match from_args(args) {
        Ok(data) => Some(data),
        Err(err) => {
            tracing::warn!(nsp = socket.namespace(), %err, "event ignored: arguments do not fit");
            None
        }
    }
}

/// A type-erased event handler.
pub(crate) type ErasedHandler =
    Arc<dyn Fn(Socket, Vec<Value>, Ack) -> Option<BoxFut> + Send + Sync>;

pub(crate) fn erase<H: EventHandler<M>, M>(handler: H) -> ErasedHandler {
    Arc::new(move |socket, args, ack| handler.call(socket, args, ack))
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
