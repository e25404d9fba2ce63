//! Errors of this crate's constructors and of the emitter.

use sockeye::AdapterError;

/// Redis could not be reached, or the URL is wrong, when an adapter or an emitter was made.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("cannot connect to redis: {0}")]
pub struct ConnectError(pub String);

impl From<redis::RedisError> for ConnectError {
    fn from(err: redis::RedisError) -> Self {
        ConnectError(err.to_string())
    }
}

/// Why an [`Emitter`](crate::Emitter) call failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EmitterError {
    /// The event name is one the reference reserves (`connect`, `disconnect`, ...).
    #[error("\"{0}\" is a reserved event name")]
    Reserved(String),
    /// The data did not serialize.
    #[error("cannot serialize the event's data: {0}")]
    Data(String),
    /// Redis did not take the message.
    #[error(transparent)]
    Transport(#[from] AdapterError),
}
