//! The dynamic payload value: JSON plus binary.

mod de;
mod error;
mod map;
mod ser;

pub use de::from_value;
pub use error::ValueError;
pub use map::Map;
pub use ser::to_value;

use bytes::Bytes;
use serde_json::Number;

/// A Socket.IO payload value: any JSON value, or a binary blob.
///
/// Binary blobs travel as separate attachments (see [`encode`](crate::encode)); in the JSON text
/// they are replaced by placeholders. Convert user types with [`to_value`] and [`from_value`]:
/// every [`bytes::Bytes`] (or other `serialize_bytes` user) inside a serde type becomes
/// [`Value::Binary`] and back.
///
/// Equality is structural: `Number` compares its representation, so the integer `3` differs
/// from the float `3.0` (which JSON, like JavaScript, writes as `3` and reads back as an
/// integer).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    /// JSON `null` (also what `None`, `()` and unit structs become).
    #[default]
    Null,
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string.
    String(String),
    /// A JSON array.
    Array(Vec<Value>),
    /// A JSON object, in insertion order.
    Object(Map),
    /// A binary blob, sent as an attachment.
    Binary(Bytes),
}

impl Value {
    /// Whether this is [`Value::Null`].
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if this is a [`Value::Bool`].
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The string slice, if this is a [`Value::String`].
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a [`Value::Number`].
    #[must_use]
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as `u64`, if this is a non-negative integer number.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// The number as `i64`, if this is an integer number in range.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The number as `f64`, if this is a number.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The elements, if this is a [`Value::Array`].
    #[must_use]
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The elements mutably, if this is a [`Value::Array`].
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The map, if this is a [`Value::Object`].
    #[must_use]
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The map mutably, if this is a [`Value::Object`].
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The bytes, if this is a [`Value::Binary`].
    #[must_use]
    pub fn as_binary(&self) -> Option<&Bytes> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// Looks up `key` if this is an object.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|m| m.get(key))
    }

    /// Whether a [`Value::Binary`] occurs anywhere inside this value (what makes a packet a
    /// binary packet).
    #[must_use]
    pub fn has_binary(&self) -> bool {
        self.count_binary() > 0
    }

    /// This value as `JSON.stringify` writes it in Node: numbers in JavaScript's form, binary
    /// as `Buffer#toJSON` (`{"type":"Buffer","data":[..]}`). What the cluster protocols send
    /// in their JSON messages.
    #[must_use]
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        crate::packet::write_json_inline(&mut out, self);
        out
    }

    /// Number of [`Value::Binary`] blobs inside this value, in depth-first order.
    pub(crate) fn count_binary(&self) -> usize {
        match self {
            Value::Binary(_) => 1,
            Value::Array(a) => a.iter().map(Value::count_binary).sum(),
            Value::Object(m) => m.iter().map(|(_, v)| v.count_binary()).sum(),
            _ => 0,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(Number::from(n))
            }
        }
    )*};
}
from_integer!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl From<f64> for Value {
    /// A finite float becomes a number; NaN and infinities become `null`, as `JSON.stringify`
    /// writes them.
    fn from(f: f64) -> Self {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl From<f32> for Value {
    /// See the `f64` conversion.
    fn from(f: f32) -> Self {
        Value::from(f64::from(f))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Self {
        Value::Binary(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Object(m)
    }
}

impl From<()> for Value {
    fn from((): ()) -> Self {
        Value::Null
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl<V: Into<Value>> FromIterator<V> for Value {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}
