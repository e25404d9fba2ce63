//! A packet's size in memory, estimated from its arguments, to bound the log in bytes.

use socketio_proto::Value;

/// Roughly how many bytes `value` holds (its heap data and a word or so per node).
pub(crate) fn of_value(value: &Value) -> usize {
    const NODE: usize = std::mem::size_of::<Value>();
    NODE + match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        Value::String(s) => s.len(),
        Value::Binary(b) => b.len(),
        Value::Array(items) => items.iter().map(of_value).sum(),
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + of_value(v)).sum(),
    }
}
