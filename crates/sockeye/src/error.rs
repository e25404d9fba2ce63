//! The errors of the Socket.IO layer, one enum per operation.

use std::fmt;

use socketio_proto::Value;

/// Why an emit did not reach the transport.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum EmitError {
    /// The data could not be serialized (a serde error). Nothing was sent.
    #[error("cannot serialize the payload: {0}")]
    Serialize(String),
    /// The event name is reserved (`connect`, `connect_error`, `disconnect`, `disconnecting`,
    /// `newListener`, `removeListener`), as the reference refuses it. Nothing was sent.
    #[error("\"{0}\" is a reserved event name")]
    Reserved(String),
    /// The socket is disconnected. Nothing was sent.
    #[error("the socket is disconnected")]
    Disconnected,
    /// The connection's outbox is full: the client reads slower than the server writes. The
    /// connection is closed (a slow consumer is disconnected rather than buffered without end).
    #[error("the connection's outbox is full; the connection is closed")]
    OutboxFull,
    /// The adapter could not hand the packet on (a cluster adapter's transport failed).
    #[error("adapter: {0}")]
    Adapter(#[from] AdapterError),
}

/// Data that does not serialize into arguments (serde's message).
impl From<socketio_proto::ValueError> for EmitError {
    fn from(error: socketio_proto::ValueError) -> Self {
        EmitError::Serialize(error.to_string())
    }
}

/// Why an acknowledgement did not come back.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AckError {
    /// The emit itself failed.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// No answer within the timeout (the reference's "operation has timed out").
    #[error("operation has timed out")]
    Timeout,
    /// The socket disconnected before it answered.
    #[error("the socket disconnected before acknowledging")]
    Disconnected,
    /// The answer did not deserialize into the expected type.
    #[error("cannot deserialize the acknowledgement: {0}")]
    Decode(String),
}

/// A broadcast with acknowledgements did not hear from every socket in time.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastAckTimeout {
    /// The answers that did arrive, with the id of the socket that sent each.
    pub responses: Vec<(String, Vec<Value>)>,
    /// How many sockets were expected to answer.
    pub expected: usize,
    /// The ids of the local sockets that did not answer.
    pub missing: Vec<String>,
}

impl fmt::Display for BroadcastAckTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "operation has timed out: {} of {} sockets answered (missing: {})",
            self.responses.len(),
            self.expected,
            self.missing.join(", ")
        )
    }
}

impl std::error::Error for BroadcastAckTimeout {}

/// Why a broadcast with acknowledgements failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum BroadcastAckError {
    /// The packet could not be built or sent.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// The adapter failed to reach the cluster.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    /// Not every socket answered before the timeout.
    #[error(transparent)]
    Timeout(BroadcastAckTimeout),
    /// An answer did not deserialize into the expected type.
    #[error("cannot deserialize an acknowledgement: {0}")]
    Decode(String),
}

/// Errors of an adapter request (the seam of a cluster).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AdapterError {
    /// The request did not get every node's answer in time.
    #[error("timeout reached while waiting for the other nodes")]
    Timeout,
    /// The cluster transport failed (for example, Redis is unreachable).
    #[error("cluster transport: {0}")]
    Transport(String),
}

/// A received event's arguments did not fit a handler's data type, so the handler did not
/// run. Given to the [`on_args_error`](crate::Socket::on_args_error) hooks; logged at `warn`
/// when there is none (see [`EventHandler`](crate::EventHandler)).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("event \"{event}\": argument {index} does not fit the handler: {message}")]
#[non_exhaustive]
pub struct ArgsError {
    /// The event's name.
    pub event: String,
    /// The position of the argument that did not fit, from 0 (the event name is not
    /// counted; a handler's one data parameter reads argument 0, a tuple one per element).
    pub index: usize,
    /// serde's message: `invalid type: map, expected a string`, `missing field `name``,
    /// or `missing argument (..)` when the client sent fewer arguments than the tuple has.
    pub message: String,
}

/// What a namespace middleware answers to refuse a connection: the official client receives
/// it as `err.message` and `err.data` in `connect_error`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    /// Sent as `err.message`.
    pub message: String,
    /// Sent as `err.data`, when set.
    pub data: Option<Value>,
}

impl ConnectError {
    /// A refusal with a message and no data.
    pub fn new(message: impl Into<String>) -> Self {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds `data` (any serde value) to the refusal; a value that does not serialize is
    /// left out.
    pub fn with_data<T: serde::Serialize + ?Sized>(mut self, data: &T) -> Self {
        self.data = socketio_proto::to_value(data).ok();
        self
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectError {}
