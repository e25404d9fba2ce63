//! The server's view of event arguments: the rules and their errors live in
//! `socketio_proto::args`, and the server's errors are made from those by `From`
//! ([`EmitError`] in `error.rs`, [`NotFit`] here), as the client's are.

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::{ArgsMismatch, Value};

use crate::error::EmitError;

/// Converts `data` into the argument list of an event or ack.
pub(crate) fn to_args<T: Serialize + ?Sized>(data: &T) -> Result<Vec<Value>, EmitError> {
    Ok(socketio_proto::to_args(data)?)
}

/// Why received arguments did not fit: the message of [`socketio_proto::ArgsMismatch`].
#[derive(Debug)]
pub(crate) struct NotFit(pub(crate) String);

impl From<ArgsMismatch> for NotFit {
    fn from(mismatch: ArgsMismatch) -> Self {
        NotFit(mismatch.to_string())
    }
}

impl std::fmt::Display for NotFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads an acknowledgement's answer as a typed value (a handler's arguments go through
/// `socketio_proto::from_args` directly, to keep the index for the error hook).
pub(crate) fn from_args<T: DeserializeOwned + 'static>(args: Vec<Value>) -> Result<T, NotFit> {
    Ok(socketio_proto::from_args(args)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_messages_are_serdes_behind_the_servers_words() {
        // A map with non-string keys does not serialize to JSON.
        let bad: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = to_args(&bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("cannot serialize the payload: ") && err.len() > 30,
            "{err}"
        );
        let err = from_args::<u8>(vec![Value::from("x")]).err().map(|e| e.0);
        assert_eq!(
            err.as_deref(),
            Some(r#"argument 0: invalid type: string "x", expected u8"#)
        );
        let err = from_args::<(u8, u8)>(vec![Value::from(1)])
            .err()
            .map(|e| e.0);
        assert!(err.is_some_and(|e| e.starts_with("argument 1: missing argument (")));
    }
}
