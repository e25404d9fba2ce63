//! The error of [`to_value`](super::to_value) and [`from_value`](super::from_value).

use std::fmt::Display;

/// Converting between a serde type and a [`Value`](super::Value) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The serde type rejected the value (wrong shape, missing field, ...) or could not be
    /// represented (a map key that is not a string, number, bool or char, an out-of-range
    /// 128-bit integer). Carries serde's message.
    #[error("{0}")]
    Custom(String),
}

impl serde::ser::Error for ValueError {
    fn custom<T: Display>(msg: T) -> Self {
        ValueError::Custom(msg.to_string())
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: Display>(msg: T) -> Self {
        ValueError::Custom(msg.to_string())
    }
}
