//! sockeye-client: a Socket.IO client for Rust, for any socket.io 4.x server (Engine.IO
//! protocol 4, Socket.IO protocol 5).
//!
//! It reads like the reference's JavaScript client:
//!
//! ```no_run
//! use std::time::Duration;
//! use bytes::Bytes;
//! use serde::{Deserialize, Serialize};
//! use sockeye_client::{Ack, Manager, Options, Socket};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Upload {
//!     name: String,
//!     body: Bytes, // sent as a binary attachment
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Reconnection is on by default; these are the reference's option names and defaults.
//! let options = Options::default()
//!     .reconnection_delay(Duration::from_millis(1000))
//!     .reconnection_delay_max(Duration::from_millis(5000))
//!     .randomization_factor(0.5)
//!     .auth(&serde_json::json!({ "token": "abc" }));
//! let manager = Manager::new("http://localhost:3000", options)?;
//!
//! let socket = manager.socket("/");
//! socket.on_connect(|socket: Socket| async move {
//!     println!("connected as {:?}", socket.id());
//! });
//! socket.on("greeting", |_socket: Socket, text: String| async move {
//!     println!("server says {text}");
//! });
//! // The server asks for an acknowledgement: answer through `Ack`.
//! socket.on("ping", |_socket: Socket, n: u32, ack: Ack| async move {
//!     ack.send(&(n + 1));
//! });
//! // An acknowledgement without data: `(callback) => callback("ok")`.
//! socket.on("health", |_socket: Socket, ack: Ack| async move {
//!     ack.send(&"ok");
//! });
//! socket.connect();
//!
//! // Emitted while connecting: buffered, then sent once connected.
//! socket.emit("hello", &("several", "arguments"))?;
//! let reply: String = socket
//!     .timeout(Duration::from_secs(5))
//!     .emit_with_ack("upload", &Upload { name: "a.bin".into(), body: Bytes::from_static(b"\x00\x01") })
//!     .await?;
//! println!("{reply}");
//!
//! // A second namespace shares the same connection.
//! let chat = manager.socket("/chat");
//! chat.connect();
//! chat.emit("join", "lobby")?;
//!
//! socket.disconnect(); // for good: no reconnection
//! # Ok(())
//! # }
//! ```
//!
//! # Connection state recovery
//!
//! Against a server with connection state recovery on (`connectionStateRecovery` in
//! socket.io 4.x), a socket whose connection dropped comes back as the same session: the
//! server answers the first CONNECT with a private session id, the client sends it back on
//! each reconnection with the offset of the last event it got, and the server restores the
//! socket (same [`Socket::id`], rooms and data) and replays the events sent meanwhile. They
//! reach the handlers in order, before `connect`; [`Socket::recovered`] then tells that
//! nothing was lost (false on a first connection and whenever the server started a new
//! session, e.g. after a restart or a too long absence). Nothing to configure.
//!
//! The offset shows in the handlers' arguments, as in the reference client: the server
//! appends it, a string, as the **last argument** of every event that is neither volatile nor
//! asking for an acknowledgement ([`Socket::last_offset`] is the latest). A handler taking
//! fewer arguments than sent ignores it, as a JavaScript listener would: one data parameter
//! reads the first argument, a tuple one per element. It is seen by [`Args`] and
//! [`Socket::on_any`], by a tuple longer than what was emitted (its next element is the
//! offset), and by the data parameter of an event emitted without data, whose only argument
//! it is (a handler without data parameter, or taking `()`, fits that event).
//!
//! # Architecture
//! - [`Manager`] owns one connection, driven by one task: the sans-IO Engine.IO client
//!   session (`engineio_proto::ClientSession`: handshake, heartbeat watchdog, upgrade from
//!   long-polling to websocket, close) over the transports (hyper HTTP/1.1 for polling,
//!   websocket-proto for websocket framing, rustls for `https`/`wss`), the sans-IO Socket.IO codec of
//!   `socketio-proto`, and reconnection with exponential backoff and jitter.
//! - Each [`Socket`] is one namespace on that connection; its handlers run one at a time, in
//!   arrival order, in a task of its own. The driver knows a socket only by namespace,
//!   through the link they share (joined state, awaited acks, the queue of events for the
//!   handlers), never its handlers: the socket depends on the manager, not the reverse.
//!   That queue holds [`Options::max_queued_bytes`] of events; beyond it the connection's
//!   reading pauses until the handlers catch up. Acknowledgements are never queued: a handler
//!   awaiting one gets it while its queue is full.
//! - Emits made while a socket is not connected are buffered
//!   (up to [`Options::max_buffered_bytes`], beyond which an emit fails with
//!   [`EmitError::BufferFull`]) and flushed on (re)connection; volatile ones are dropped.
//!   Handles reach the connection's task through a bounded queue ([`EmitError::Full`]).
//! - Dropping the last handle (manager or socket) leaves every namespace and closes the
//!   connection.

mod error;
mod manager;
mod options;
mod socket;
mod transport;

pub use error::{AckError, ConnectError, DisconnectReason, EmitError, Error};
pub use manager::Manager;
pub use options::{Options, Transport};
pub use socket::handler::{Ack, EventHandler};
pub use socket::{Emitter, Socket};
pub use socketio_proto::{Args, Map, Parser, Value};

/// The socket for `url` with default options (the reference's `io(url)`): the URL's path
/// names the namespace (`http://host/chat` is `/chat`). Call [`Socket::connect`] after
/// registering its handlers.
pub fn io(url: &str) -> Result<Socket, Error> {
    io_with(url, Options::default())
}

/// [`io`] with options.
pub fn io_with(url: &str, options: Options) -> Result<Socket, Error> {
    let (_, nsp) = transport::target::parse(url, &options)?;
    Ok(Manager::new(url, options)?.socket(&nsp))
}
