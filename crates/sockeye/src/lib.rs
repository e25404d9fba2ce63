//! sockeye: a Socket.IO server for Rust, wire-compatible with socket.io 4.8.
//!
//! The official clients (browser and Node `socket.io-client` 4.x) connect to it as to a Node
//! server: Engine.IO protocol 4 (HTTP long-polling, WebSocket, upgrade) under Socket.IO
//! protocol 5 (namespaces, events, acknowledgements, binary). The API reads like the
//! reference's JavaScript:
//!
//! ```no_run
//! use axum::Router;
//! use serde::{Deserialize, Serialize};
//! use sockeye::{Ack, SocketIo, Socket};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Message {
//!     text: String,
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let io = SocketIo::default();
//! io.on_connection(|socket: Socket| async move {
//!     socket.join("lobby");
//!     socket.on("chat", |socket: Socket, msg: Message, ack: Ack| async move {
//!         // to everyone in the lobby but the sender
//!         let _ = socket.to("lobby").emit("chat", &msg);
//!         ack.send("received");
//!     });
//! });
//!
//! // Socket.IO beside the other routes of an axum app, as beside Express.
//! let app = Router::new()
//!     .route("/api/health", axum::routing::get(|| async { "ok" }))
//!     .layer(io.layer());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! Without other routes, [`SocketIo::listen`] serves Socket.IO alone, as Node's
//! `io.listen(3000)`: `io.listen("0.0.0.0:3000").await`.
//!
//! # Architecture
//! - [`engine`]: the Engine.IO server (transports, heartbeat, upgrade) over hyper; its
//!   protocol rules live in the sans-IO `engineio-proto` crate. In a cluster it can forward
//!   the requests of another node's sessions to that node ([`engine::ClusterConfig`]), so
//!   that the load balancer needs no sticky sessions.
//! - [`SocketIo`] owns the namespaces ([`Namespace`]); each Engine.IO connection runs in one
//!   task, its session's: it decodes packets (sans-IO `socketio-proto`) and routes them to
//!   the connection's [`Socket`]s, one per namespace, whose handlers run one at a time in
//!   arrival order as futures the connection polls.
//! - Each namespace keeps the rooms of this node's sockets itself. A broadcast encodes its
//!   packet once and hands the same bytes to every local socket; in a cluster, the
//!   namespace's [`ClusterAdapter`] (Redis, for example) carries it and every other request
//!   (fetch, join, leave, disconnect, server-side events) to the other nodes, and answers
//!   theirs through a [`NamespaceHandle`].

mod adapter;
#[cfg(feature = "admin")]
pub mod admin;
mod args;
mod client_files;
mod config;
mod connection;
pub mod engine;
mod error;
mod id;
mod listen;
mod log_limit;
pub mod metrics;
mod namespace;
mod observer;
mod one_or_many;
mod operators;
mod packet;
mod queue;
mod recovery;
mod server;
mod service;
mod socket;

pub use adapter::{
    AckResponse, BroadcastAcks, BroadcastFlags, BroadcastOptions, ClusterAck, ClusterAdapter,
    ClusterAdapterFactory, NamespaceHandle, OffsetCallback, RestoredSession, Room, SessionState,
    SocketData,
};
pub use config::Config;
pub use error::{
    AckError, AdapterError, ArgsError, BroadcastAckError, BroadcastAckTimeout, ConnectError,
    EmitError,
};
pub use metrics::Metrics;
pub use namespace::{Namespace, ServerSideAck};
pub use operators::{BroadcastOperator, IntoRooms};
pub use recovery::ConnectionStateRecovery;
pub use server::{Builder, SocketIo};
pub use service::{SocketIoLayer, SocketIoRouter, SocketIoService};
pub use socket::{
    Ack, DisconnectReason, Event, EventHandler, Handshake, RemoteSocket, Socket, SocketEmitter,
    shapes,
};
pub use socketio_proto::{Args, Map, Packet, PacketData, Parser, Value};

/// The README's snippets, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
