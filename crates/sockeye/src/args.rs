//! The server's view of event arguments: the rules live in `socketio_proto::args`; this maps
//! their errors to the server's.

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::Value;

use crate::error::{ArgsError, EmitError};

/// Converts `data` into the argument list of an event or ack.
pub(crate) fn to_args<T: Serialize + ?Sized>(data: &T) -> Result<Vec<Value>, EmitError> {
    socketio_proto::to_args(data).map_err(|e| EmitError::Serialize(e.to_string()))
}

/// Reads a handler's typed parameter from the received arguments.
pub(crate) fn from_args<T: DeserializeOwned + 'static>(args: Vec<Value>) -> Result<T, ArgsError> {
    socketio_proto::from_args(args).map_err(|e| ArgsError(e.to_string()))
}
