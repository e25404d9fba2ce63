//! The server's view of event arguments: the rules live in `socketio_proto::args`; this maps
//! their errors to the server's.

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::Value;

use crate::error::EmitError;

/// Converts `data` into the argument list of an event or ack.
pub(crate) fn to_args<T: Serialize + ?Sized>(data: &T) -> Result<Vec<Value>, EmitError> {
    socketio_proto::to_args(data).map_err(|e| EmitError::Serialize(e.to_string()))
}

/// Why received arguments did not fit: the message of [`socketio_proto::ArgsMismatch`].
#[derive(Debug)]
pub(crate) struct NotFit(pub(crate) String);

impl std::fmt::Display for NotFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads an acknowledgement's answer as a typed value (a handler's arguments go through
/// `socketio_proto::from_args` directly, to keep the index for the error hook).
pub(crate) fn from_args<T: DeserializeOwned + 'static>(args: Vec<Value>) -> Result<T, NotFit> {
    socketio_proto::from_args(args).map_err(|e| NotFit(e.to_string()))
}
