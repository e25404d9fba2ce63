//! Reading msgpack into a [`Value`], bounded by [`MsgpackLimits`].

use bytes::Bytes;
use rmp::Marker;
use serde_json::Number;

use super::date::{NOTEPACK_DATE, timestamp_to_iso};
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
    let mut reader = Reader::new(input, limits);
    let value = reader.value(0)?;
    reader.finish()?;
    Ok(value)
}

/// A cursor over one msgpack input.
pub(crate) struct Reader<'a> {
    input: Bytes,
    pos: usize,
    limits: &'a MsgpackLimits,
    binaries: usize,
    binary_bytes: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: Bytes, limits: &'a MsgpackLimits) -> Self {
        Self {
            input,
            pos: 0,
            limits,
            binaries: 0,
            binary_bytes: 0,
        }
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

    fn take(&mut self, n: usize) -> Result<&[u8], MsgpackError> {
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
        let Some(&byte) = self.input.get(self.pos) else {
            return Err(MsgpackError::Truncated);
        };
        let declared = match Marker::from_u8(byte) {
            Marker::FixMap(n) => u32::from(n),
            Marker::Map16 => {
                self.pos += 1;
                let n = self.u16()?;
                return self.len(u32::from(n), 2).map(Some);
            }
            Marker::Map32 => {
                self.pos += 1;
                let n = self.u32()?;
                return self.len(n, 2).map(Some);
            }
            _ => return Ok(None),
        };
        self.pos += 1;
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
        match self.value(depth)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(MsgpackError::InvalidKey),
        }
    }

    /// Reads the value at the cursor; `depth` is how many containers enclose it.
    pub(crate) fn value(&mut self, depth: usize) -> Result<Value, MsgpackError> {
        let marker = Marker::from_u8(self.u8()?);
        Ok(match marker {
            Marker::FixPos(n) => Value::from(n),
            Marker::FixNeg(n) => Value::from(n),
            Marker::Null => Value::Null,
            Marker::True => Value::Bool(true),
            Marker::False => Value::Bool(false),
            Marker::U8 => Value::from(self.u8()?),
            Marker::U16 => Value::from(self.u16()?),
            Marker::U32 => Value::from(self.u32()?),
            Marker::U64 => Value::from(u64::from_be_bytes(self.array_of()?)),
            Marker::I8 => Value::from(i8::from_be_bytes(self.array_of()?)),
            Marker::I16 => Value::from(i16::from_be_bytes(self.array_of()?)),
            Marker::I32 => Value::from(i32::from_be_bytes(self.array_of()?)),
            Marker::I64 => Value::from(i64::from_be_bytes(self.array_of()?)),
            Marker::F32 => float(f64::from(f32::from_be_bytes(self.array_of()?))),
            Marker::F64 => float(f64::from_be_bytes(self.array_of()?)),
            Marker::FixStr(n) => self.str(usize::from(n))?,
            Marker::Str8 => {
                let n = self.u8()?;
                self.str(usize::from(n))?
            }
            Marker::Str16 => {
                let n = self.u16()?;
                self.str(usize::from(n))?
            }
            Marker::Str32 => {
                let n = self.u32()?;
                let n = self.len(n, 1)?;
                self.str(n)?
            }
            Marker::Bin8 => {
                let n = self.u8()?;
                self.bin(usize::from(n))?
            }
            Marker::Bin16 => {
                let n = self.u16()?;
                self.bin(usize::from(n))?
            }
            Marker::Bin32 => {
                let n = self.u32()?;
                let n = self.len(n, 1)?;
                self.bin(n)?
            }
            Marker::FixArray(n) => self.array(u32::from(n), depth)?,
            Marker::Array16 => {
                let n = self.u16()?;
                self.array(u32::from(n), depth)?
            }
            Marker::Array32 => {
                let n = self.u32()?;
                self.array(n, depth)?
            }
            Marker::FixMap(n) => self.map(u32::from(n), depth)?,
            Marker::Map16 => {
                let n = self.u16()?;
                self.map(u32::from(n), depth)?
            }
            Marker::Map32 => {
                let n = self.u32()?;
                self.map(n, depth)?
            }
            Marker::FixExt1 => self.ext(1, true, depth)?,
            Marker::FixExt2 => self.ext(2, true, depth)?,
            Marker::FixExt4 => self.ext(4, true, depth)?,
            Marker::FixExt8 => self.ext(8, true, depth)?,
            Marker::FixExt16 => self.ext(16, true, depth)?,
            Marker::Ext8 => {
                let n = self.u8()?;
                self.ext(usize::from(n), false, depth)?
            }
            Marker::Ext16 => {
                let n = self.u16()?;
                self.ext(usize::from(n), false, depth)?
            }
            Marker::Ext32 => {
                let n = self.u32()?;
                let n = self.len(n, 1)?;
                self.ext(n, false, depth)?
            }
            Marker::Reserved => return Err(MsgpackError::Reserved),
        })
    }

    fn str(&mut self, n: usize) -> Result<Value, MsgpackError> {
        let bytes = self.take(n)?;
        let s = std::str::from_utf8(bytes).map_err(|_| MsgpackError::InvalidUtf8)?;
        Ok(Value::String(s.to_owned()))
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
        self.take(n)?;
        Ok(Value::Binary(self.input.slice(start..self.pos)))
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
            entries.push((key, self.value(inner)?));
        }
        Ok(Value::Object(Map::from_entries_dedup(entries)))
    }

    /// An extension: `notepack.io`'s own (type 0) and the timestamp (-1) have a meaning;
    /// others become `[type, binary]`, as `notepack.io` gives them: an array, so one level
    /// of nesting (written back, it is one).
    fn ext(&mut self, n: usize, fixed: bool, depth: usize) -> Result<Value, MsgpackError> {
        let kind = i8::from_be_bytes(self.array_of()?);
        match (kind, n, fixed) {
            // notepack's `undefined`
            (0, 1, true) => {
                self.take(1)?;
                Ok(Value::Null)
            }
            (NOTEPACK_DATE, 8, true) | (-1, 4 | 8 | 12, _) => {
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
