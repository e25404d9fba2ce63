//! The shapes of the functions a program registers on a socket or a namespace.
//!
//! Event handlers take the socket, then optionally the event's data (any serde type, read as
//! described in the `args` rules) and the acknowledgement callback. They are async and run one
//! at a time per socket, in the order the packets arrived.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use socketio_proto::Value;

use super::{Ack, DisconnectReason, Socket};
use crate::args::from_args;
use crate::error::ConnectError;

/// A boxed handler future.
pub(crate) type BoxFut = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A function that can handle an event: `Fn(Socket)`, `Fn(Socket, T)` or
/// `Fn(Socket, T, Ack)`, returning a future, where `T` is any `DeserializeOwned` type.
/// The marker `M` only tells the three shapes apart.
pub trait EventHandler<M>: Send + Sync + 'static {
    /// Runs the handler, or returns `None` when the arguments do not fit `T`.
    #[doc(hidden)]
    fn call(&self, socket: Socket, args: Vec<Value>, ack: Ack) -> Option<BoxFut>;
}

#[doc(hidden)]
pub struct SocketOnly;
#[doc(hidden)]
pub struct WithData<T>(std::marker::PhantomData<fn() -> T>);
#[doc(hidden)]
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
            tracing::warn!(sid = socket.id(), %err, "event ignored");
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

/// Handles a new socket of a namespace (`io.on("connection", ...)`).
pub(crate) type ConnectionHandler = Arc<dyn Fn(Socket) -> BoxFut + Send + Sync>;

/// Boxed future of a namespace middleware.
pub(crate) type MiddlewareFut = Pin<Box<dyn Future<Output = Result<(), ConnectError>> + Send>>;

/// A namespace middleware (`io.use`): runs before a socket joins, may refuse it.
pub(crate) type Middleware = Arc<dyn Fn(Socket) -> MiddlewareFut + Send + Sync>;

/// An event as a per-packet middleware sees it: the name and the arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event name.
    pub name: String,
    /// The arguments, without the name and without the ack callback.
    pub args: Vec<Value>,
}

/// Boxed future of a per-packet middleware.
pub(crate) type PacketMiddlewareFut =
    Pin<Box<dyn Future<Output = Result<Event, ConnectError>> + Send>>;

/// A per-packet middleware (`socket.use`): sees each incoming event before its handlers, may
/// change it or refuse it (then the socket's error handlers get the error and no handler runs).
pub(crate) type PacketMiddleware = Arc<dyn Fn(Socket, Event) -> PacketMiddlewareFut + Send + Sync>;

/// A listener for every incoming or outgoing event (`onAny`, `onAnyOutgoing`): the event name
/// and its arguments. Called synchronously; spawn for anything slow.
pub(crate) type AnyListener = Arc<dyn Fn(&Socket, &str, &[Value]) + Send + Sync>;

/// A `disconnecting` or `disconnect` handler.
pub(crate) type DisconnectHandler = Arc<dyn Fn(Socket, DisconnectReason) -> BoxFut + Send + Sync>;

/// A socket `error` handler (a refused packet).
pub(crate) type ErrorHandler = Arc<dyn Fn(&Socket, &ConnectError) + Send + Sync>;
