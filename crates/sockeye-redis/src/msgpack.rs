//! MessagePack as `notepack.io` writes and reads it, for [`Value`]s, and as
//! `@msgpack/msgpack` 2.8 (the codec of the Redis Streams adapter) writes it.
//!
//! notepack writes every integral number in its smallest integer form and every other number
//! as a float64, a `Buffer` as `bin`, and skips object entries whose value is `undefined`.
//! `@msgpack/msgpack` does the same, except that only a safe integer (at most 2^53 - 1 in
//! magnitude) takes an integer form: a larger one is a float64 ([`encode_js`]).
//! Reading follows JavaScript: every number is a double, so a float64 that holds an integer
//! is that integer (a Node peer would write it as `3`, not `3.0`, when it reaches a client).
//! Decoding is bounded: nesting depth, and every length is checked against the bytes left
//! before anything is allocated.

use bytes::Bytes;
use socketio_proto::{Map, Value};

/// How deep arrays and objects may nest in a decoded message.
pub const MAX_DEPTH: usize = 64;

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// Why bytes are not a notepack message.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MsgpackError {
    /// The bytes end inside a value.
    #[error("msgpack: truncated")]
    Truncated,
    /// Arrays and objects nest deeper than [`MAX_DEPTH`].
    #[error("msgpack: nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// A marker byte this codec does not read (`0xc1`, or an extension other than
    /// notepack's `undefined`).
    #[error("msgpack: unsupported type 0x{0:02x}")]
    Unsupported(u8),
    /// A string is not UTF-8.
    #[error("msgpack: a string is not UTF-8")]
    Utf8,
    /// An object key is neither a string nor a number.
    #[error("msgpack: an object key is not a string")]
    Key,
    /// Bytes follow the value.
    #[error("msgpack: trailing bytes")]
    Trailing,
}

/// Writes `value` as notepack does.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_value(&mut out, value);
    out
}

/// Writes `value` as `@msgpack/msgpack` 2.8 does: as notepack, but an integer beyond
/// JavaScript's safe range is a float64.
pub fn encode_js(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write(&mut out, value, Codec::MsgpackJs);
    out
}

/// Appends `value` to `out` as notepack does.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    write(out, value, Codec::Notepack);
}

/// Which JavaScript library's output to reproduce.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Codec {
    Notepack,
    MsgpackJs,
}

fn write(out: &mut Vec<u8>, value: &Value, codec: Codec) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if codec == Codec::MsgpackJs && !(f.is_finite() && f.abs() <= MAX_SAFE) {
                // beyond 2^53 every JavaScript number is written as the float64 it is
                out.push(0xcb);
                out.extend_from_slice(&f.to_be_bytes());
            } else if let Some(u) = n.as_u64() {
                write_uint(out, u);
            } else if let Some(i) = n.as_i64() {
                write_int(out, i);
            } else {
                write_f64(out, f);
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Binary(b) => write_bin(out, b),
        Value::Array(items) => {
            write_len(out, items.len(), 0x90, 0x10, 0xdc, 0xdd);
            for item in items {
                write(out, item, codec);
            }
        }
        Value::Object(map) => {
            write_map_len(out, map.len());
            for (k, v) in map {
                write_str(out, k);
                write(out, v, codec);
            }
        }
    }
}

/// Writes an object header of `len` entries (the entries follow, key then value).
pub fn write_map_len(out: &mut Vec<u8>, len: usize) {
    write_len(out, len, 0x80, 0x10, 0xde, 0xdf);
}

/// Writes an array header of `len` items.
pub fn write_array_len(out: &mut Vec<u8>, len: usize) {
    write_len(out, len, 0x90, 0x10, 0xdc, 0xdd);
}

fn write_len(out: &mut Vec<u8>, len: usize, fix: u8, fix_max: usize, m16: u8, m32: u8) {
    if len < fix_max {
        out.push(fix | len as u8);
    } else if len < 0x1_0000 {
        out.push(m16);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(u32::try_from(len).unwrap_or(u32::MAX)).to_be_bytes());
    }
}

/// Writes a string in its smallest form.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    if len < 0x20 {
        out.push(0xa0 | len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len < 0x1_0000 {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(u32::try_from(len).unwrap_or(u32::MAX)).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
    let len = b.len();
    if len < 0x100 {
        out.extend_from_slice(&[0xc4, len as u8]);
    } else if len < 0x1_0000 {
        out.push(0xc5);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xc6);
        out.extend_from_slice(&(u32::try_from(len).unwrap_or(u32::MAX)).to_be_bytes());
    }
    out.extend_from_slice(b);
}

/// Writes a non-negative integer in its smallest form.
pub fn write_uint(out: &mut Vec<u8>, u: u64) {
    if u < 0x80 {
        out.push(u as u8);
    } else if u < 0x100 {
        out.extend_from_slice(&[0xcc, u as u8]);
    } else if u < 0x1_0000 {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u < 0x1_0000_0000 {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if i >= 0 {
        write_uint(out, i as u64);
    } else if i >= -0x20 {
        out.push(i as u8);
    } else if i >= -0x80 {
        out.extend_from_slice(&[0xd0, i as u8]);
    } else if i >= -0x8000 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= -0x8000_0000 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// A float that holds an integer is written as that integer, as notepack does. Beyond the
/// 64-bit range notepack writes a wrong integer; this writes the float64 instead, which
/// notepack reads back right.
fn write_f64(out: &mut Vec<u8>, f: f64) {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if f.is_finite() && f.fract() == 0.0 && (-TWO_63..2.0 * TWO_63).contains(&f) {
        if f >= 0.0 {
            write_uint(out, f as u64);
        } else {
            write_int(out, f as i64);
        }
    } else {
        out.push(0xcb);
        out.extend_from_slice(&f.to_be_bytes());
    }
}

/// `2026-11-29T08:30:53.123Z` for seconds and milliseconds since the epoch (dates before
/// 1970 are not read: no peer sends them).
fn iso_date(secs: u64, millis: u32) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Proleptic Gregorian calendar by 400-year eras of 146,097 days, from 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads one notepack message: a single value filling `bytes`.
pub fn decode(bytes: &[u8]) -> Result<Value, MsgpackError> {
    let mut reader = Reader { bytes, pos: 0 };
    let value = reader.value(0)?.unwrap_or(Value::Null);
    if reader.pos != bytes.len() {
        return Err(MsgpackError::Trailing);
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MsgpackError> {
        let end = self.pos.checked_add(n).ok_or(MsgpackError::Truncated)?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(MsgpackError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, MsgpackError> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], MsgpackError> {
        let mut buf = [0u8; N];
        buf.copy_from_slice(self.take(N)?);
        Ok(buf)
    }

    fn len8(&mut self) -> Result<usize, MsgpackError> {
        Ok(usize::from(self.byte()?))
    }

    fn len16(&mut self) -> Result<usize, MsgpackError> {
        Ok(usize::from(u16::from_be_bytes(self.be()?)))
    }

    fn len32(&mut self) -> Result<usize, MsgpackError> {
        usize::try_from(u32::from_be_bytes(self.be()?)).map_err(|_| MsgpackError::Truncated)
    }

    /// Every item takes at least one byte: a count larger than what is left is a lie.
    fn check_count(&self, count: usize) -> Result<(), MsgpackError> {
        if count > self.bytes.len() - self.pos {
            Err(MsgpackError::Truncated)
        } else {
            Ok(())
        }
    }

    /// A timestamp extension's value, `Date.prototype.toJSON`'s string (millisecond
    /// precision); other extension types are not read.
    fn timestamp(
        &self,
        marker: u8,
        kind: u8,
        secs: u64,
        nanos: u32,
    ) -> Result<Value, MsgpackError> {
        if kind != 0xff || nanos >= 1_000_000_000 {
            return Err(MsgpackError::Unsupported(marker));
        }
        Ok(Value::String(iso_date(secs, nanos / 1_000_000)))
    }

    /// One value; `None` for notepack's `undefined` (an object entry that is skipped, a
    /// `null` elsewhere).
    fn value(&mut self, depth: usize) -> Result<Option<Value>, MsgpackError> {
        let marker = self.byte()?;
        let value = match marker {
            0x00..=0x7f => Value::from(u64::from(marker)),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), depth)?,
            0x90..=0x9f => self.array(usize::from(marker & 0x0f), depth)?,
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f))?,
            0xc0 => Value::Null,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4 => {
                let n = self.len8()?;
                self.binary(n)?
            }
            0xc5 => {
                let n = self.len16()?;
                self.binary(n)?
            }
            0xc6 => {
                let n = self.len32()?;
                self.binary(n)?
            }
            0xca => number(f64::from(f32::from_be_bytes(self.be()?))),
            0xcb => number(f64::from_be_bytes(self.be()?)),
            0xcc => Value::from(u64::from(self.byte()?)),
            0xcd => Value::from(u64::from(u16::from_be_bytes(self.be()?))),
            0xce => Value::from(u64::from(u32::from_be_bytes(self.be()?))),
            0xcf => Value::from(u64::from_be_bytes(self.be()?)),
            0xd0 => Value::from(i64::from(i8::from_be_bytes(self.be()?))),
            0xd1 => Value::from(i64::from(i16::from_be_bytes(self.be()?))),
            0xd2 => Value::from(i64::from(i32::from_be_bytes(self.be()?))),
            0xd3 => Value::from(i64::from_be_bytes(self.be()?)),
            // fixext 1 of type 0: notepack's `undefined`
            0xd4 => {
                let [kind, _] = self.be::<2>()?;
                if kind != 0 {
                    return Err(MsgpackError::Unsupported(marker));
                }
                return Ok(None);
            }
            // The timestamp extension (type -1), as notepack writes a `Date`: read as the
            // string a Node peer's JSON encoder would send for it.
            0xd6 => {
                let [kind, a, b, c, d] = self.be::<5>()?;
                self.timestamp(marker, kind, u64::from(u32::from_be_bytes([a, b, c, d])), 0)?
            }
            0xd7 => {
                let [kind, rest @ ..] = self.be::<9>()?;
                let both = u64::from_be_bytes(rest);
                self.timestamp(marker, kind, both & 0x3_ffff_ffff, (both >> 34) as u32)?
            }
            0xc7 => {
                let [len, kind] = self.be::<2>()?;
                if len != 12 {
                    return Err(MsgpackError::Unsupported(marker));
                }
                let ns = u32::from_be_bytes(self.be()?);
                let secs = i64::from_be_bytes(self.be()?);
                let secs = u64::try_from(secs).map_err(|_| MsgpackError::Unsupported(marker))?;
                self.timestamp(marker, kind, secs, ns)?
            }
            0xd9 => {
                let n = self.len8()?;
                self.string(n)?
            }
            0xda => {
                let n = self.len16()?;
                self.string(n)?
            }
            0xdb => {
                let n = self.len32()?;
                self.string(n)?
            }
            0xdc => {
                let n = self.len16()?;
                self.array(n, depth)?
            }
            0xdd => {
                let n = self.len32()?;
                self.array(n, depth)?
            }
            0xde => {
                let n = self.len16()?;
                self.map(n, depth)?
            }
            0xdf => {
                let n = self.len32()?;
                self.map(n, depth)?
            }
            0xe0..=0xff => Value::from(i64::from(marker as i8)),
            other => return Err(MsgpackError::Unsupported(other)),
        };
        Ok(Some(value))
    }

    fn string(&mut self, n: usize) -> Result<Value, MsgpackError> {
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(|s| Value::String(s.to_owned()))
            .map_err(|_| MsgpackError::Utf8)
    }

    fn binary(&mut self, n: usize) -> Result<Value, MsgpackError> {
        Ok(Value::Binary(Bytes::copy_from_slice(self.take(n)?)))
    }

    fn array(&mut self, n: usize, depth: usize) -> Result<Value, MsgpackError> {
        if depth >= MAX_DEPTH {
            return Err(MsgpackError::TooDeep);
        }
        self.check_count(n)?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.value(depth + 1)?.unwrap_or(Value::Null));
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, n: usize, depth: usize) -> Result<Value, MsgpackError> {
        if depth >= MAX_DEPTH {
            return Err(MsgpackError::TooDeep);
        }
        // a key and a value: two bytes at least
        self.check_count(n.saturating_mul(2))?;
        let mut map = Map::with_capacity(n);
        for _ in 0..n {
            let key = match self.value(depth + 1)? {
                Some(Value::String(s)) => s,
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(MsgpackError::Key),
            };
            if let Some(value) = self.value(depth + 1)? {
                map.insert(key, value);
            }
        }
        Ok(Value::Object(map))
    }
}

/// A JavaScript number: an integral double within the safe range is an integer; NaN and
/// the infinities are `null`, as `JSON.stringify` would send them to a client.
fn number(f: f64) -> Value {
    if f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_SAFE {
        Value::from(f as i64)
    } else {
        Value::from(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(v: Value) -> Value {
        decode(&encode(&v)).unwrap_or(Value::String("error".into()))
    }

    #[test]
    fn integers_take_their_smallest_form() {
        assert_eq!(encode(&Value::from(5u64)), [0x05]);
        assert_eq!(encode(&Value::from(200u64)), [0xcc, 200]);
        assert_eq!(encode(&Value::from(-1i64)), [0xff]);
        assert_eq!(encode(&Value::from(-33i64)), [0xd0, 0xdf]);
        assert_eq!(encode(&Value::from(70000u64)), [0xce, 0, 1, 0x11, 0x70]);
        assert_eq!(encode(&Value::from(3.0f64)), [0x03]);
        assert_eq!(encode(&Value::from(1.5f64))[0], 0xcb);
    }

    #[test]
    fn msgpack_js_writes_unsafe_integers_as_floats() {
        assert_eq!(encode_js(&Value::from(5u64)), [0x05]);
        assert_eq!(encode_js(&Value::from(-33i64)), [0xd0, 0xdf]);
        assert_eq!(encode_js(&Value::from(1u64 << 53))[0], 0xcb);
        assert_eq!(encode_js(&Value::from(-(1i64 << 60)))[0], 0xcb);
        assert_eq!(encode_js(&Value::from((1u64 << 53) - 1))[0], 0xcf);
        assert_eq!(encode_js(&Value::from(3.0f64)), [0x03]);
        assert_eq!(encode(&Value::from(1u64 << 60))[0], 0xcf);
    }

    #[test]
    fn values_round_trip() {
        let v: Value = serde_json::json!({"a": [1, -2, 1.5, "é", null, true], "b": {}}).into();
        assert_eq!(roundtrip(v.clone()), v);
        let bin = Value::Array(vec![Value::Binary(Bytes::from_static(b"\x00\x01"))]);
        assert_eq!(roundtrip(bin.clone()), bin);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(decode(&[0xdc, 0xff, 0xff]), Err(MsgpackError::Truncated));
        assert_eq!(decode(&[0xc1]), Err(MsgpackError::Unsupported(0xc1)));
        assert_eq!(decode(&[0xa2, 0xff, 0xfe]), Err(MsgpackError::Utf8));
        assert_eq!(decode(&[0x81, 0x90, 0x01]), Err(MsgpackError::Key));
        assert_eq!(decode(&[0x01, 0x02]), Err(MsgpackError::Trailing));
        assert_eq!(decode(&[]), Err(MsgpackError::Truncated));
        let deep = vec![0x91; MAX_DEPTH + 1];
        assert_eq!(decode(&deep), Err(MsgpackError::TooDeep));
    }

    #[test]
    fn dates_are_read_as_their_json_strings() {
        // As notepack writes `new Date(1709214307089)` (timestamp 64) and `new Date(0)`
        // (timestamp 32), and a timestamp 96.
        let ns: u64 = 89_000_000;
        let both = (ns << 34) | 1_709_214_307;
        let mut ts64 = vec![0xd7, 0xff];
        ts64.extend_from_slice(&both.to_be_bytes());
        assert_eq!(
            decode(&ts64).unwrap(),
            Value::String("2024-02-29T13:45:07.089Z".into())
        );
        assert_eq!(
            decode(&[0xd6, 0xff, 0, 0, 0, 0]).unwrap(),
            Value::String("1970-01-01T00:00:00.000Z".into())
        );
        let mut ts96 = vec![0xc7, 12, 0xff, 0, 0, 0, 0];
        ts96.extend_from_slice(&4_102_444_799i64.to_be_bytes());
        assert_eq!(
            decode(&ts96).unwrap(),
            Value::String("2099-12-31T23:59:59.000Z".into())
        );
        // Other extension types, and nanoseconds out of range, are refused.
        assert!(decode(&[0xd6, 0x01, 0, 0, 0, 0]).is_err());
        let mut bad = vec![0xd7, 0xff];
        bad.extend_from_slice(&(u64::from(u32::MAX >> 2) << 34).to_be_bytes());
        assert!(decode(&bad).is_err());
        assert!(decode(&[0xc7, 3, 0xff, 0, 0, 0]).is_err());
    }

    #[test]
    fn undefined_entries_are_skipped() {
        // {a: undefined, b: 1}
        let bytes = [0x82, 0xa1, b'a', 0xd4, 0, 0, 0xa1, b'b', 0x01];
        let v: Value = serde_json::json!({"b": 1}).into();
        assert_eq!(decode(&bytes), Ok(v));
    }
}
