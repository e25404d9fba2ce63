//! Engine.IO v4 server: long-polling and websocket transports over hyper, the upgrade between
//! them, heartbeat and close, wire-compatible with engine.io 6.6.
//!
//! The protocol decisions live in the sans-IO [`engineio_proto::Session`]; this module gives
//! it sockets and a clock. Each session has one task (its timers, its websocket's reads and
//! batched writes, and the application's work when the handler hands it over with
//! [`EngineHandler::open`]); HTTP requests and application handles touch the session under a
//! short std lock and wake that task.
//!
//! ```no_run
//! use std::sync::Arc;
//! use sockeye::engine::{
//!     Engine, EngineConfig, EngineHandler, EngineIncoming, EngineService, EngineSession, Frame,
//!     Incoming, serve,
//! };
//!
//! struct Echo;
//! impl EngineHandler for Echo {
//!     fn on_open(&self, session: EngineSession, mut incoming: EngineIncoming) {
//!         tokio::spawn(async move {
//!             loop {
//!                 match incoming.recv().await {
//!                     Incoming::Text(t) => { let _ = session.send(Frame::text(t)); }
//!                     Incoming::Binary(b) => { let _ = session.send(Frame::binary(b)); }
//!                     Incoming::Close(_) => break,
//!                 }
//!             }
//!         });
//!     }
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let engine = Engine::new(EngineConfig::default(), Arc::new(Echo));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! serve(listener, EngineService::new(engine)).await
//! # }
//! ```

mod app_task;
mod cluster;
mod compression;
mod config;
mod conn_io;
mod cors;
mod driver;
mod error;
mod frame;
mod incoming;
mod outbox;
mod per_message_deflate;
mod polling;
mod recycle;
mod request;
mod serve;
mod server;
mod service;
mod session;
mod stats;
mod websocket;

pub use cluster::{ClusterConfig, ClusterSecret, LocateFuture, Location, NodeId, SessionRouter};
pub use config::{AllowRequest, AllowRequestFuture, CookieConfig, EngineConfig, HeadersHook};
pub use cors::{CorsConfig, CorsOrigin};
pub use engineio_proto::{CloseReason, Protocol, SendError, TransportKind};
pub use error::EngineBody;
pub use frame::Frame;
pub use incoming::{EngineIncoming, Incoming};
pub use per_message_deflate::PerMessageDeflate;
pub use request::HandshakeRequest;
pub(crate) use request::percent_decode;
pub use serve::{ServeConfig, ServeStats, serve, serve_until, serve_with};
pub use server::{Engine, EngineHandler, SessionTask};
pub use service::{
    EngineLayer, EngineRouter, EngineService, InternalService, Mount, MountLayer, MountRouter,
    MountService,
};
pub use session::EngineSession;
pub use stats::{EngineMetrics, HandshakeFailures};

/// The boxed error type of request and response bodies.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
