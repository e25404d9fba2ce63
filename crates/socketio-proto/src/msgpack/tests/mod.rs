//! The codec's behaviour, reading and writing. Many corners here were pinned by one of the two
//! codecs this one replaced (the msgpack parser's and sockeye-redis's own) and not the other.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use serde_json::json;

use super::*;
use crate::{Value, to_value};

mod reading;
mod writing;

pub(super) fn read(bytes: &[u8]) -> Result<Value, MsgpackError> {
    read_msgpack(Bytes::copy_from_slice(bytes), &MsgpackLimits::default())
}

pub(super) fn write(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_msgpack(&mut out, value);
    out
}

pub(super) fn write_as(value: &Value, flavor: MsgpackFlavor) -> Vec<u8> {
    let mut out = Vec::new();
    MsgpackWriter::new(&mut out, flavor).value(value);
    out
}

pub(super) fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn values_round_trip() {
    let value = to_value(&json!({
        "null": null, "t": true, "f": false, "u": 18_446_744_073_709_551_615u64,
        "i": -9_223_372_036_854_775_808i64, "x": 0.1, "s": "é☃😀", "a": [[], {}, [1, [2]]],
    }))
    .unwrap();
    let mut with_binary = value.clone();
    if let Value::Object(map) = &mut with_binary {
        map.insert("b", Value::Binary(Bytes::from_static(&[0, 255])));
        map.insert("empty", Value::Binary(Bytes::new()));
    }
    for v in [value, with_binary, Value::Null, Value::from("")] {
        assert_eq!(read(&write(&v)).unwrap(), v);
    }
}
