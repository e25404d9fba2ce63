//! Writing msgpack, in the choice of forms of the JavaScript library a peer runs.

use serde_json::Number;

use crate::Value;

/// Whose msgpack a writer reproduces, byte for byte. Both pick the smallest form of every
/// integer, string, binary and container header, write other numbers as float64, binary as
/// `bin` and objects as maps in insertion order; they differ only on large integers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MsgpackFlavor {
    /// `notepack.io` 3: `socket.io-msgpack-parser`, `@socket.io/redis-adapter` and
    /// `@socket.io/redis-emitter`. Every integral number within 64 bits takes an integer form
    /// (and `-0` is `0`). Beyond that notepack writes a wrong integer; this writes the
    /// float64, which notepack reads back right.
    #[default]
    Notepack,
    /// `@msgpack/msgpack` 2.8: `@socket.io/redis-streams-adapter`. As notepack, except that
    /// only a safe integer (at most 2^53 - 1 in magnitude) takes an integer form: a larger
    /// one is the float64 JavaScript holds.
    MsgpackJs,
}

/// Appends msgpack to a buffer: whole values, or a container's header and then its items one
/// by one (to write a message around values without building it as a [`Value`] first).
///
/// ```
/// use socketio_proto::{MsgpackFlavor, MsgpackWriter, Value};
///
/// let mut out = Vec::new();
/// let mut writer = MsgpackWriter::new(&mut out, MsgpackFlavor::MsgpackJs);
/// writer.map_len(1);
/// writer.str("n");
/// writer.value(&Value::from(1u64 << 53));
/// assert_eq!(out, [0x81, 0xa1, b'n', 0xcb, 0x43, 0x40, 0, 0, 0, 0, 0, 0]);
/// ```
#[derive(Debug)]
pub struct MsgpackWriter<'a> {
    out: &'a mut Vec<u8>,
    flavor: MsgpackFlavor,
}

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
const MAX_SAFE: u64 = (1 << 53) - 1;

/// Appends `value` as msgpack to `out`, as `notepack.io` (and so the msgpack parser) writes
/// it: [`MsgpackWriter`] with [`MsgpackFlavor::Notepack`].
///
/// ```
/// use socketio_proto::{Value, write_msgpack};
///
/// let mut out = Vec::new();
/// write_msgpack(&mut out, &Value::from(vec![Value::from(1), Value::from(1.5)]));
/// assert_eq!(out, [0x92, 0x01, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
/// ```
pub fn write_msgpack(out: &mut Vec<u8>, value: &Value) {
    MsgpackWriter::new(out, MsgpackFlavor::Notepack).value(value);
}

impl<'a> MsgpackWriter<'a> {
    /// A writer appending to `out` in `flavor`'s forms.
    pub fn new(out: &'a mut Vec<u8>, flavor: MsgpackFlavor) -> Self {
        Self { out, flavor }
    }

    /// Appends a whole value.
    pub fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.out.push(0xc0),
            Value::Bool(b) => self.out.push(if *b { 0xc3 } else { 0xc2 }),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.str(s),
            Value::Binary(b) => self.bin(b),
            Value::Array(items) => {
                self.array_len(items.len());
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.map_len(map.len());
                for (key, item) in map {
                    self.str(key);
                    self.value(item);
                }
            }
        }
    }

    /// Appends a string.
    pub fn str(&mut self, s: &str) {
        let len = s.len();
        if len < 0x20 {
            self.out.push(0xa0 | len as u8);
        } else {
            self.len_8_16_32(len, [0xd9, 0xda, 0xdb]);
        }
        self.out.extend_from_slice(s.as_bytes());
    }

    /// Appends a non-negative integer.
    pub fn uint(&mut self, n: u64) {
        if self.flavor == MsgpackFlavor::MsgpackJs && n > MAX_SAFE {
            // the double JavaScript holds
            self.float64(n as f64);
        } else {
            self.smallest_uint(n);
        }
    }

    /// Appends the header of an array of `len` items; the items follow.
    pub fn array_len(&mut self, len: usize) {
        if len < 0x10 {
            self.out.push(0x90 | len as u8);
        } else {
            self.len_16_32(len, [0xdc, 0xdd]);
        }
    }

    /// Appends the header of a map of `len` entries; each key, then its value, follows.
    pub fn map_len(&mut self, len: usize) {
        if len < 0x10 {
            self.out.push(0x80 | len as u8);
        } else {
            self.len_16_32(len, [0xde, 0xdf]);
        }
    }

    fn bin(&mut self, bytes: &[u8]) {
        self.len_8_16_32(bytes.len(), [0xc4, 0xc5, 0xc6]);
        self.out.extend_from_slice(bytes);
    }

    /// A length after the smallest of a type's 8-, 16- and 32-bit markers.
    fn len_8_16_32(&mut self, len: usize, [m8, m16, m32]: [u8; 3]) {
        if len < 0x100 {
            self.out.extend_from_slice(&[m8, len as u8]);
        } else {
            self.len_16_32(len, [m16, m32]);
        }
    }

    /// A length after the smaller of a type's 16- and 32-bit markers. A length past
    /// `u32::MAX` cannot be written; nothing under Engine.IO's size limits comes near, so it
    /// is clamped rather than made an error of every write.
    fn len_16_32(&mut self, len: usize, [m16, m32]: [u8; 2]) {
        if let Ok(n) = u16::try_from(len) {
            self.marked(m16, &n.to_be_bytes());
        } else {
            self.marked(m32, &u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        }
    }

    fn number(&mut self, n: &Number) {
        if let Some(u) = n.as_u64() {
            self.uint(u);
        } else if let Some(i) = n.as_i64() {
            self.int(i);
        } else if let Some(f) = n.as_f64() {
            self.float(f);
        }
    }

    /// A negative integer (a non-negative one is a [`uint`](Self::uint)).
    fn int(&mut self, i: i64) {
        if i >= 0 {
            self.uint(i.unsigned_abs());
        } else if self.flavor == MsgpackFlavor::MsgpackJs && i.unsigned_abs() > MAX_SAFE {
            self.float64(i as f64);
        } else {
            self.smallest_int(i);
        }
    }

    /// JavaScript has one number type, so a float with an integral value is an integer
    /// (and `-0` is `0`); only other floats are float64.
    fn float(&mut self, f: f64) {
        // 2^64 and -2^63: the bounds of the integer forms, both exact as f64.
        const U64_END: f64 = 18_446_744_073_709_551_616.0;
        const I64_MIN: f64 = -9_223_372_036_854_775_808.0;
        if f.fract() != 0.0 || !(I64_MIN..U64_END).contains(&f) {
            self.float64(f);
        } else if f >= 0.0 {
            // In range and integral, so the conversion is exact.
            self.uint(f as u64);
        } else {
            self.int(f as i64);
        }
    }

    fn float64(&mut self, f: f64) {
        self.marked(0xcb, &f.to_be_bytes());
    }

    /// A marker and its big-endian body, in one append.
    fn marked(&mut self, marker: u8, body: &[u8]) {
        self.out.reserve(1 + body.len());
        self.out.push(marker);
        self.out.extend_from_slice(body);
    }

    /// Each arm's range fits its cast.
    fn smallest_uint(&mut self, n: u64) {
        match n {
            0..=0x7f => self.out.push(n as u8),
            0x80..=0xff => self.out.extend_from_slice(&[0xcc, n as u8]),
            0x100..=0xffff => self.marked(0xcd, &(n as u16).to_be_bytes()),
            0x1_0000..=0xffff_ffff => self.marked(0xce, &(n as u32).to_be_bytes()),
            _ => self.marked(0xcf, &n.to_be_bytes()),
        }
    }

    /// Each arm's range fits its cast.
    fn smallest_int(&mut self, i: i64) {
        match i {
            -0x20..=-1 => self.out.push(i as u8),
            -0x80..=-0x21 => self.out.extend_from_slice(&[0xd0, i as u8]),
            -0x8000..=-0x81 => self.marked(0xd1, &(i as i16).to_be_bytes()),
            -0x8000_0000..=-0x8001 => self.marked(0xd2, &(i as i32).to_be_bytes()),
            _ => self.marked(0xd3, &i.to_be_bytes()),
        }
    }
}
