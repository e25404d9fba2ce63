//! Writing a [`Value`] as msgpack, in `notepack.io`'s choice of forms.

use rmp::encode::{self, ByteBuf};
use serde_json::Number;

use crate::Value;

// Writing to a `ByteBuf` cannot fail (its error type is `Infallible`), so the results of the
// `rmp` calls below carry nothing and are dropped.

/// Appends `value` as msgpack to `out`.
///
/// ```
/// use socketio_proto::{Value, write_msgpack};
///
/// let mut out = Vec::new();
/// write_msgpack(&mut out, &Value::from(vec![Value::from(1), Value::from(1.5)]));
/// assert_eq!(out, [0x92, 0x01, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
/// ```
pub fn write_msgpack(out: &mut Vec<u8>, value: &Value) {
    let mut buf = ByteBuf::from_vec(std::mem::take(out));
    write_value(&mut buf, value);
    *out = buf.into_vec();
}

pub(crate) fn write_value(out: &mut ByteBuf, value: &Value) {
    match value {
        Value::Null => {
            let _ = encode::write_nil(out);
        }
        Value::Bool(b) => {
            let _ = encode::write_bool(out, *b);
        }
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            write_array_len(out, items.len());
            for item in items {
                write_value(out, item);
            }
        }
        Value::Object(map) => {
            write_map_len(out, map.len());
            for (key, item) in map {
                write_str(out, key);
                write_value(out, item);
            }
        }
        Value::Binary(bytes) => {
            let _ = encode::write_bin(out, bytes);
        }
    }
}

/// JavaScript has one number type, so a float with an integral value is an integer to
/// `notepack.io` (and `-0` is `0`); only other floats are float64.
fn write_number(out: &mut ByteBuf, n: &Number) {
    if let Some(u) = n.as_u64() {
        write_uint(out, u);
    } else if let Some(i) = n.as_i64() {
        let _ = encode::write_sint(out, i);
    } else if let Some(f) = n.as_f64() {
        write_float(out, f);
    }
}

fn write_float(out: &mut ByteBuf, f: f64) {
    // 2^64 and -2^63: the bounds of the integer forms, both exact as f64.
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    const I64_MIN: f64 = -9_223_372_036_854_775_808.0;
    if f.fract() == 0.0 && (0.0..U64_END).contains(&f) {
        // In range and integral, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        write_uint(out, f as u64);
    } else if f.fract() == 0.0 && (I64_MIN..0.0).contains(&f) {
        #[allow(clippy::cast_possible_truncation)]
        let _ = encode::write_sint(out, f as i64);
    } else {
        let _ = encode::write_f64(out, f);
    }
}

pub(crate) fn write_uint(out: &mut ByteBuf, n: u64) {
    let _ = encode::write_uint(out, n);
}

pub(crate) fn write_str(out: &mut ByteBuf, s: &str) {
    let _ = encode::write_str(out, s);
}

/// Lengths past `u32::MAX` cannot be written in msgpack; no payload under Engine.IO's size
/// limits comes near, so such a length is clamped rather than made an error of every write.
pub(crate) fn write_array_len(out: &mut ByteBuf, len: usize) {
    let _ = encode::write_array_len(out, u32::try_from(len).unwrap_or(u32::MAX));
}

/// See [`write_array_len`].
pub(crate) fn write_map_len(out: &mut ByteBuf, len: usize) {
    let _ = encode::write_map_len(out, u32::try_from(len).unwrap_or(u32::MAX));
}
