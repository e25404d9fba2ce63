//! The client's view of event arguments: the rules (a tuple is several arguments, `()` none;
//! one parameter reads the first argument) live in `socketio_proto::args`; this maps their
//! errors.

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::Value;

use crate::error::EmitError;

/// Converts `data` into an argument list.
pub(crate) fn to_args<T: Serialize + ?Sized>(data: &T) -> Result<Vec<Value>, EmitError> {
    socketio_proto::to_args(data).map_err(|e| EmitError::Serialize(e.to_string()))
}

/// Reads a typed parameter from an argument list.
pub(crate) fn from_args<T: DeserializeOwned + 'static>(args: Vec<Value>) -> Result<T, String> {
    socketio_proto::from_args(args).map_err(|e| e.to_string())
}
