//! Reading msgpack into a [`Value`], bounded by [`MsgpackLimits`].

use bytes::Bytes;
use serde_json::Number;

use super::date::{NOTEPACK_DATE, TIMESTAMP, timestamp_to_iso};
use super::{MsgpackError, MsgpackLimits};
use crate::{Map, Value};

/// Reads the one msgpack value that `input` holds. `bin` values share `input`'s buffer.
///
/// # Errors
/// A [`MsgpackError`] if `input` is not exactly one msgpack value within `limits`.
///
/// ```
/// use bytes::Bytes;
/// use socketio_proto::{MsgpackLimits, Value, read_msgpack};
///
/// let value = read_msgpack(Bytes::from_static(&[0x81, 0xa1, b'a', 0xc4, 1, 7]), &MsgpackLimits::default())?;
/// assert_eq!(value.get("a"), Some(&Value::Binary(Bytes::from_static(&[7]))));
/// # Ok::<(), socketio_proto::MsgpackError>(())
/// ```
pub fn read_msgpack(input: Bytes, limits: &MsgpackLimits) -> Result<Value, MsgpackError> {
    Reader::new(&input, limits).whole()
}

/// Reads the one msgpack value that `input` holds, as [`read_msgpack`] does, from a buffer
/// that is only borrowed: `bin` values are copied out of it (and nothing else is, so a
/// message without binary costs no copy of the whole).
///
/// # Errors
/// A [`MsgpackError`] if `input` is not exactly one msgpack value within `limits`.
///
/// ```
/// use socketio_proto::{MsgpackLimits, Value, read_msgpack_slice};
///
/// let value = read_msgpack_slice(&[0x92, 0xa1, b'a', 0x07], &MsgpackLimits::default())?;
/// assert_eq!(value, Value::from(vec![Value::from("a"), Value::from(7)]));
/// # Ok::<(), socketio_proto::MsgpackError>(())
/// ```
pub fn read_msgpack_slice(input: &[u8], limits: &MsgpackLimits) -> Result<Value, MsgpackError> {
    Reader {
        shared: None,
        ..Reader::over(input, limits)
    }
    .whole()
}

/// A cursor over one msgpack input.
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    /// The buffer `input` is, when `bin` values may share it.
    shared: Option<&'a Bytes>,
    pos: usize,
    limits: &'a MsgpackLimits,
    binaries: usize,
    binary_bytes: usize,
}

impl<'a> Reader<'a> {
    /// A reader whose `bin` values share `input`'s buffer.
    pub(crate) fn new(input: &'a Bytes, limits: &'a MsgpackLimits) -> Self {
        Self {
            shared: Some(input),
            ..Self::over(input, limits)
        }
    }

    fn over(input: &'a [u8], limits: &'a MsgpackLimits) -> Self {
        Self {
            input,
            shared: None,
            pos: 0,
            limits,
            binaries: 0,
            binary_bytes: 0,
        }
    }

    /// Reads the value that fills the whole input.
    fn whole(mut self) -> Result<Value, MsgpackError> {
        let value = self.value(0)?;
        self.finish()?;
        Ok(value)
    }

    /// Fails unless the whole input was read.
    pub(crate) fn finish(&self) -> Result<(), MsgpackError> {
        match self.input.len().saturating_sub(self.pos) {
            0 => Ok(()),
            n => Err(MsgpackError::TrailingBytes(n)),
        }
    }

    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], MsgpackError> {
        let end = self.pos.checked_add(n).ok_or(MsgpackError::Truncated)?;
        let bytes = self
            .input
            .get(self.pos..end)
            .ok_or(MsgpackError::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    fn array_of<const N: usize>(&mut self) -> Result<[u8; N], MsgpackError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, MsgpackError> {
        Ok(self.array_of::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, MsgpackError> {
        Ok(u16::from_be_bytes(self.array_of()?))
    }

    fn u32(&mut self) -> Result<u32, MsgpackError> {
        Ok(u32::from_be_bytes(self.array_of()?))
    }

    /// A declared length, checked against what is left: every item takes at least
    /// `min_item` bytes, so no length can make the reader allocate beyond its input.
    fn len(&mut self, declared: u32, min_item: usize) -> Result<usize, MsgpackError> {
        let len = usize::try_from(declared).map_err(|_| MsgpackError::Truncated)?;
        if len.saturating_mul(min_item) > self.remaining() {
            return Err(MsgpackError::Truncated);
        }
        Ok(len)
    }

    /// Reads the map header at the cursor, if the next value is a map: its entry count.
    pub(crate) fn map_header(&mut self) -> Result<Option<usize>, MsgpackError> {
        let Some(&marker) = self.input.get(self.pos) else {
            return Err(MsgpackError::Truncated);
        };
        let declared = match marker {
            0x80..=0x8f => {
                self.pos += 1;
                u32::from(marker & 0x0f)
            }
            0xde => {
                self.pos += 1;
                u32::from(self.u16()?)
            }
            0xdf => {
                self.pos += 1;
                self.u32()?
            }
            _ => return Ok(None),
        };
        self.len(declared, 2).map(Some)
    }

    /// Reads a value, or `None` for `notepack.io`'s `undefined` (which 2.x writes for an
    /// `undefined` property, such as socket.io-client's CONNECT without auth).
    pub(crate) fn value_or_undefined(
        &mut self,
        depth: usize,
    ) -> Result<Option<Value>, MsgpackError> {
        if self.input.get(self.pos..self.pos.saturating_add(2)) == Some(&[0xd4, 0][..]) {
            self.take(3)?;
            return Ok(None);
        }
        self.value(depth).map(Some)
    }

    /// Reads a map key: a string, or a number written as JavaScript would name the property.
    pub(crate) fn key(&mut self, depth: usize) -> Result<String, MsgpackError> {
        // Nearly every key is a short string: read it without making a value of it first.
        if let Some(&marker @ 0xa0..=0xbf) = self.input.get(self.pos) {
            self.pos += 1;
            return self.string(usize::from(marker & 0x1f));
        }
        match self.value(depth)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(MsgpackError::InvalidKey),
        }
    }

    /// Reads the value at the cursor; `depth` is how many containers enclose it.
    pub(crate) fn value(&mut self, depth: usize) -> Result<Value, MsgpackError> {
        let marker = self.u8()?;
        Ok(match marker {
            0x00..=0x7f => Value::from(marker),
            0x80..=0x8f => self.map(u32::from(marker & 0x0f), depth)?,
            0x90..=0x9f => self.array(u32::from(marker & 0x0f), depth)?,
            0xa0..=0xbf => self.str(usize::from(marker & 0x1f))?,
            0xc0 => Value::Null,
            0xc1 => return Err(MsgpackError::Reserved),
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4 => {
                let n = self.u8()?;
                self.bin(usize::from(n))?
            }
            0xc5 => {
                let n = self.u16()?;
                self.bin(usize::from(n))?
            }
            0xc6 => {
                let n = self.u32()?;
                let n = self.len(n, 1)?;
                self.bin(n)?
            }
            0xc7 => {
                let n = self.u8()?;
                self.ext(usize::from(n), false, depth)?
            }
            0xc8 => {
                let n = self.u16()?;
                self.ext(usize::from(n), false, depth)?
            }
            0xc9 => {
                let n = self.u32()?;
                let n = self.len(n, 1)?;
                self.ext(n, false, depth)?
            }
            0xca => float(f64::from(f32::from_be_bytes(self.array_of()?))),
            0xcb => float(f64::from_be_bytes(self.array_of()?)),
            0xcc => Value::from(self.u8()?),
            0xcd => Value::from(self.u16()?),
            0xce => Value::from(self.u32()?),
            0xcf => Value::from(u64::from_be_bytes(self.array_of()?)),
            0xd0 => Value::from(i8::from_be_bytes(self.array_of()?)),
            0xd1 => Value::from(i16::from_be_bytes(self.array_of()?)),
            0xd2 => Value::from(i32::from_be_bytes(self.array_of()?)),
            0xd3 => Value::from(i64::from_be_bytes(self.array_of()?)),
            0xd4 => self.ext(1, true, depth)?,
            0xd5 => self.ext(2, true, depth)?,
            0xd6 => self.ext(4, true, depth)?,
            0xd7 => self.ext(8, true, depth)?,
            0xd8 => self.ext(16, true, depth)?,
            0xd9 => {
                let n = self.u8()?;
                self.str(usize::from(n))?
            }
            0xda => {
                let n = self.u16()?;
                self.str(usize::from(n))?
            }
            0xdb => {
                let n = self.u32()?;
                let n = self.len(n, 1)?;
                self.str(n)?
            }
            0xdc => {
                let n = self.u16()?;
                self.array(u32::from(n), depth)?
            }
            0xdd => {
                let n = self.u32()?;
                self.array(n, depth)?
            }
            0xde => {
                let n = self.u16()?;
                self.map(u32::from(n), depth)?
            }
            0xdf => {
                let n = self.u32()?;
                self.map(n, depth)?
            }
            0xe0..=0xff => Value::from(i8::from_be_bytes([marker])),
        })
    }

    fn str(&mut self, n: usize) -> Result<Value, MsgpackError> {
        self.string(n).map(Value::String)
    }

    fn string(&mut self, n: usize) -> Result<String, MsgpackError> {
        let bytes = self.take(n)?;
        let s = std::str::from_utf8(bytes).map_err(|_| MsgpackError::InvalidUtf8)?;
        Ok(s.to_owned())
    }

    fn bin(&mut self, n: usize) -> Result<Value, MsgpackError> {
        self.binaries += 1;
        self.binary_bytes = self.binary_bytes.saturating_add(n);
        if self.binaries > self.limits.max_binaries
            || self.binary_bytes > self.limits.max_binary_bytes
        {
            return Err(MsgpackError::TooMuchBinary);
        }
        let start = self.pos;
        let bytes = self.take(n)?;
        Ok(Value::Binary(match self.shared {
            Some(buffer) => buffer.slice(start..self.pos),
            None => Bytes::copy_from_slice(bytes),
        }))
    }

    fn enter(depth: usize, limits: &MsgpackLimits) -> Result<usize, MsgpackError> {
        if depth >= limits.max_depth {
            return Err(MsgpackError::TooDeep);
        }
        Ok(depth + 1)
    }

    fn array(&mut self, declared: u32, depth: usize) -> Result<Value, MsgpackError> {
        let inner = Self::enter(depth, self.limits)?;
        let len = self.len(declared, 1)?;
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            items.push(self.value(inner)?);
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, declared: u32, depth: usize) -> Result<Value, MsgpackError> {
        let inner = Self::enter(depth, self.limits)?;
        let len = self.len(declared, 2)?;
        let mut entries = Vec::with_capacity(len);
        for _ in 0..len {
            let key = self.key(inner)?;
            // An `undefined` property is no property, as `JSON.stringify` would send it.
            if let Some(value) = self.value_or_undefined(inner)? {
                entries.push((key, value));
            }
        }
        Ok(Value::Object(Map::from_entries_dedup(entries)))
    }

    /// An extension: `notepack.io`'s own (type 0) and the timestamp (-1) have a meaning;
    /// others become `[type, binary]`, as `notepack.io` gives them: an array, so one level
    /// of nesting (written back, it is one). Rare: kept out of line, off the hot path.
    #[inline(never)]
    fn ext(&mut self, n: usize, fixed: bool, depth: usize) -> Result<Value, MsgpackError> {
        let kind = i8::from_be_bytes(self.array_of()?);
        match (kind, n, fixed) {
            // notepack's `undefined`
            (0, 1, true) => {
                self.take(1)?;
                Ok(Value::Null)
            }
            (NOTEPACK_DATE, 8, true) | (TIMESTAMP, 4 | 8 | 12, _) => {
                let body = self.take(n)?;
                Ok(timestamp_to_iso(kind, body).map_or(Value::Null, Value::String))
            }
            // notepack's ArrayBuffer
            (0, _, false) => self.bin(n),
            _ => {
                Self::enter(depth, self.limits)?;
                let data = self.bin(n)?;
                Ok(Value::Array(vec![Value::from(kind), data]))
            }
        }
    }
}

/// JavaScript has one number type: a float holding an integer (within the 2^53 that a double
/// counts exactly) reads as the integer, so that it deserializes into Rust integer types as
/// it would from the JSON parser. NaN and infinities, which JSON has no word for, read as null
/// (`JSON.stringify` writes them so).
fn float(f: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() == 0.0 && f.abs() <= EXACT {
        // In range and integral: exact.
        #[allow(clippy::cast_possible_truncation)]
        return Value::Number(Number::from(f as i64));
    }
    Value::from(f)
}
