//! The errors of the client, one enum per operation.

use std::fmt;

use socketio_proto::{ArgsMismatch, Value, ValueError};

/// Why a [`Manager`](crate::Manager) could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL does not parse, or its scheme is not `http`, `https`, `ws` or `wss`.
    #[error("invalid URL {0}")]
    InvalidUrl(String),
}

/// Why an emit did not go out. Nothing was sent in any case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The data could not be serialized (a serde error).
    #[error("cannot serialize the payload: {0}")]
    Serialize(String),
    /// The event name is reserved (`connect`, `connect_error`, `disconnect`, …), as the
    /// reference refuses it.
    #[error("\"{0}\" is a reserved event name")]
    Reserved(String),
    /// The manager's driver is gone (the runtime is shutting down).
    #[error("the client is closed")]
    Closed,
    /// The queue of commands to the connection's task is full (1024 commands): the program
    /// emits faster than the task can take them. Try again later.
    #[error("the client's command queue is full")]
    Full,
    /// The namespace is not joined and the emits kept for when it is already hold `limit`
    /// bytes ([`Options::max_buffered_bytes`](crate::Options::max_buffered_bytes)). The
    /// reference client keeps them without limit; this one refuses the emit instead.
    #[error("the offline buffer is full ({limit} bytes): emit refused")]
    BufferFull {
        /// The limit, in bytes of encoded packets.
        limit: usize,
    },
}

/// Data that does not serialize into arguments (serde's message).
impl From<ValueError> for EmitError {
    fn from(error: ValueError) -> Self {
        EmitError::Serialize(error.to_string())
    }
}

/// Why an acknowledgement did not come back.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The emit itself failed.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// No answer within the timeout (the reference's "operation has timed out"); with
    /// `retries`, after the last try.
    #[error("operation has timed out")]
    Timeout,
    /// The connection was lost after the packet went out, or the socket was disconnected.
    #[error("socket has been disconnected")]
    Disconnected,
    /// The answer did not deserialize into the expected type.
    #[error("cannot deserialize the acknowledgement: {0}")]
    Decode(String),
}

/// An answer whose arguments do not fit the type asked for (which one, and serde's message).
impl From<ArgsMismatch> for AckError {
    fn from(mismatch: ArgsMismatch) -> Self {
        AckError::Decode(mismatch.to_string())
    }
}

/// The error given to `connect_error` handlers: the server refused the namespace (its
/// middleware's message and data), or the connection could not be opened (no data).
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    /// The reason (`"not authorized"`, `"xhr poll error: …"`, `"timeout"`, …).
    pub message: String,
    /// The data the server's middleware attached, if any.
    pub data: Option<Value>,
}

impl ConnectError {
    pub(crate) fn new(message: impl Into<String>) -> ConnectError {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }

    /// Reads a CONNECT_ERROR payload: `{message, data?}` or a bare string.
    pub(crate) fn from_payload(payload: Value) -> ConnectError {
        match payload {
            Value::String(message) => ConnectError::new(message),
            Value::Object(mut map) => ConnectError {
                message: map
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("connect error")
                    .to_owned(),
                data: map.remove("data"),
            },
            _ => ConnectError::new("connect error"),
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConnectError {}

/// Why a socket disconnected: the reference client's reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The server disconnected the socket (`socket.disconnect()` there): no reconnection
    /// (`io server disconnect`).
    IoServerDisconnect,
    /// [`Socket::disconnect`](crate::Socket::disconnect) was called: no reconnection
    /// (`io client disconnect`).
    IoClientDisconnect,
    /// The server sent no ping within `pingInterval + pingTimeout` (`ping timeout`).
    PingTimeout,
    /// The connection was closed (`transport close`).
    TransportClose,
    /// The connection failed (`transport error`).
    TransportError,
    /// The server sent something that does not decode (`parse error`).
    ParseError,
}

impl DisconnectReason {
    /// The reference's string.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::IoServerDisconnect => "io server disconnect",
            DisconnectReason::IoClientDisconnect => "io client disconnect",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ParseError => "parse error",
        }
    }

    /// Whether the manager reconnects after it (not after an explicit disconnect).
    pub fn will_reconnect(self) -> bool {
        !matches!(
            self,
            DisconnectReason::IoServerDisconnect | DisconnectReason::IoClientDisconnect
        )
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<engineio_proto::CloseReason> for DisconnectReason {
    fn from(reason: engineio_proto::CloseReason) -> Self {
        use engineio_proto::CloseReason;
        match reason {
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::TransportError => DisconnectReason::TransportError,
            CloseReason::ForcedClose => DisconnectReason::IoClientDisconnect,
            _ => DisconnectReason::TransportClose,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_errors_are_serdes_message_behind_the_clients_words() {
        // A map with non-string keys does not serialize to JSON.
        let bad: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = socketio_proto::to_args(&bad).err().map(EmitError::from);
        assert!(
            matches!(&err, Some(EmitError::Serialize(m)) if !m.is_empty()),
            "{err:?}"
        );
        let text = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.starts_with("cannot serialize the payload: "), "{text}");
        let err = socketio_proto::from_args::<u8>(vec![Value::from("x")])
            .err()
            .map(AckError::from);
        assert_eq!(
            err.map(|e| e.to_string()).as_deref(),
            Some(
                r#"cannot deserialize the acknowledgement: argument 0: invalid type: string "x", expected u8"#
            )
        );
    }
}
