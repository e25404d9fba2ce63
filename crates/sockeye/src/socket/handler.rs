//! The shapes of the functions a program registers on a socket or a namespace.
//!
//! Event handlers take the socket, then optionally the event's data (any serde type, read as a
//! JavaScript listener takes its arguments: see [`EventHandler`]) and the acknowledgement
//! callback. They are async and run one at a time per socket, in the order the packets
//! arrived.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use socketio_proto::shapes;
use socketio_proto::{ArgsMismatch, Handler, Value};

use super::{Ack, DisconnectReason, Socket};
use crate::error::ConnectError;

/// A boxed handler future.
pub(crate) type BoxFut = socketio_proto::HandlerFuture;

/// What a handler gives back when the arguments do not fit its data type: why, and the
/// acknowledgement it did not take.
pub(crate) type Refused = (ArgsMismatch, Ack);

/// A function that can handle an event: an async closure (or `fn`) of one of these shapes,
/// where `T` is any `DeserializeOwned` type:
///
/// | shape                         | JavaScript                          |
/// |-------------------------------|-------------------------------------|
/// | `Fn(Socket)`                  | `socket.on("ev", () => ..)`         |
/// | `Fn(Socket, Ack)`             | `socket.on("ev", (callback) => ..)` |
/// | `Fn(Socket, T)`               | `socket.on("ev", (data) => ..)`     |
/// | `Fn(Socket, T, Ack)`          | `socket.on("ev", (data, callback) => ..)` |
///
/// each returning a future whose output is `()`.
///
/// # How the data is read
/// As a JavaScript listener takes its arguments:
/// - any type reads the **first** argument (`null` when there is none; `Option<T>` is then
///   `None`) and ignores the others, like `(a) => ..`;
/// - a tuple `(A, B, ..)` reads one argument per element, like `(a, b) => ..`: a missing one
///   is read from `null`, extra ones are ignored;
/// - [`Args`](crate::Args) takes every argument as it came, like `(...args) => ..`;
/// - `()` takes none and ignores what came.
///
/// # When the data does not fit
/// A JavaScript listener runs with whatever arrived; a typed handler cannot, so it does not
/// run, and the failure goes to the socket's
/// [`on_args_error`](crate::Socket::on_args_error) hook, else the namespace's
/// ([`Namespace::on_args_error`](crate::Namespace::on_args_error)), with the event name, the
/// argument index and serde's message, and the [`Ack`] the handler would have had: the hook
/// may answer the client. Without a hook, the failure is logged at `warn` once per event name
/// and namespace, and the acknowledgement is not answered (as when a JavaScript listener
/// throws before calling back: the client's `timeout` tells it).
///
/// # Parameter types
/// Write the closure's parameter types. `on` accepts several shapes, so Rust does not take
/// them from the call: a parameter whose type the body needs (a method call on it) fails
/// with E0282 "type annotations needed". The shape itself is found from the number of
/// parameters and their written types, so `|_: Socket, ack: Ack|` and
/// `|_: Socket, data: String|` are enough, and a parameter the body does not use may stay
/// untyped:
///
/// ```
/// # use sockeye::{Ack, Socket, SocketIo};
/// # let io = SocketIo::default();
/// io.on_connection(|socket: Socket| async move {
///     socket.on("health", |_, ack: Ack| async move { ack.send(&"ok") });
///     socket.on("ping", |_| async {});
/// });
/// ```
///
/// ```compile_fail,E0282
/// # use sockeye::{Socket, SocketIo};
/// # let io = SocketIo::default();
/// io.on_connection(|socket: Socket| async move {
///     // `socket` needs `: Socket`, `data` needs its type.
///     socket.on("echo", |socket, data| async move {
///         let _ = socket.emit("echo", &data);
///     });
/// });
/// ```
///
/// # Examples
/// ```
/// use serde::Deserialize;
/// use sockeye::{Ack, Args, Socket, SocketIo, Value};
///
/// #[derive(Deserialize)]
/// struct Message { text: String }
///
/// let io = SocketIo::default();
/// io.on_connection(|socket: Socket| async move {
///     // () => ..
///     socket.on("ping", |socket: Socket| async move {
///         let _ = socket.emit("pong", &());
///     });
///     // (callback) => callback("ok")
///     socket.on("health", |_: Socket, ack: Ack| async move {
///         ack.send(&"ok");
///     });
///     // (message) => ..: the first argument, as a struct
///     socket.on("message", |_: Socket, msg: Message| async move {
///         println!("{}", msg.text);
///     });
///     // (a, b, callback) => callback(a + b): one argument per tuple element
///     socket.on("add", |_: Socket, (a, b): (i64, i64), ack: Ack| async move {
///         ack.send(&(a + b));
///     });
///     // (...args) => ..: every argument as it came
///     socket.on("log", |_: Socket, args: Args| async move {
///         println!("{} arguments", args.0.len());
///     });
///     // (anything) => ..: the first argument, whatever its type
///     socket.on("raw", |_: Socket, value: Value, ack: Ack| async move {
///         ack.send(&value);
///     });
/// });
/// ```
///
/// A named `async fn` works as well:
/// ```
/// use sockeye::{Ack, Socket, SocketIo};
///
/// async fn on_join(socket: Socket, room: String, ack: Ack) {
///     socket.join(room);
///     ack.send(&true);
/// }
///
/// let io = SocketIo::default();
/// io.on_connection(|socket: Socket| async move {
///     socket.on("join", on_join);
/// });
/// ```
///
/// The marker `M` only tells the shapes apart ([`shapes`](crate::shapes)); it is inferred.
///
/// The shapes are the client's too: both are [`socketio_proto::Handler`] over their own
/// socket and ack types, and every such function is an `EventHandler`.
pub trait EventHandler<M>: Handler<Socket, Ack, M> {}

impl<H: Handler<Socket, Ack, M>, M> EventHandler<M> for H {}

/// A type-erased event handler.
pub(crate) type ErasedHandler =
    Arc<dyn Fn(Socket, Vec<Value>, Ack) -> Result<BoxFut, Refused> + Send + Sync>;

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
