#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use serde_json::json;

use super::*;
use crate::{Value, to_value};

fn read(bytes: &[u8]) -> Result<Value, MsgpackError> {
    read_msgpack(Bytes::copy_from_slice(bytes), &MsgpackLimits::default())
}

fn write(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_msgpack(&mut out, value);
    out
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

#[test]
fn numbers_take_notepacks_forms() {
    assert_eq!(write(&Value::from(3.0)), [3]);
    assert_eq!(write(&Value::from(-0.0)), [0]);
    assert_eq!(write(&Value::from(-40.0)), [0xd0, 0xd8]);
    assert_eq!(write(&Value::from(1e300))[0], 0xcb);
    assert_eq!(write(&Value::from(-1e300))[0], 0xcb);
    assert_eq!(write(&Value::from(0.5))[0], 0xcb);
    assert_eq!(write(&Value::from(200)), [0xcc, 200]);
    assert_eq!(write(&Value::from(-200)), [0xd1, 0xff, 0x38]);
}

#[test]
fn integral_floats_read_as_integers() {
    // float64 3.0 and float32 -2.0
    assert_eq!(
        read(&[0xcb, 0x40, 0x08, 0, 0, 0, 0, 0, 0]).unwrap(),
        Value::from(3)
    );
    assert_eq!(read(&[0xca, 0xc0, 0, 0, 0]).unwrap(), Value::from(-2));
    assert_eq!(read(&[0xca, 0x3f, 0xc0, 0, 0]).unwrap(), Value::from(1.5));
    // NaN has no JSON spelling: null, as JSON.stringify writes it.
    assert_eq!(
        read(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]).unwrap(),
        Value::Null
    );
}

#[test]
fn map_keys_are_strings_and_the_last_duplicate_wins() {
    let v = read(&[0x83, 0x01, 0xc3, 0xa1, b'a', 1, 0xa1, b'a', 2]).unwrap();
    assert_eq!(v, to_value(&json!({"1": true, "a": 2})).unwrap());
    assert_eq!(read(&[0x81, 0xc0, 0xc0]), Err(MsgpackError::InvalidKey));
    assert_eq!(read(&[0x81, 0x90, 0xc0]), Err(MsgpackError::InvalidKey));
}

#[test]
fn extensions_read_as_notepack_gives_them() {
    // undefined, an ArrayBuffer, an unknown type
    assert_eq!(read(&[0xd4, 0, 0]).unwrap(), Value::Null);
    assert_eq!(
        read(&[0xc7, 2, 0, 9, 8]).unwrap(),
        Value::Binary(Bytes::from_static(&[9, 8]))
    );
    assert_eq!(
        read(&[0xd5, 5, 1, 2]).unwrap(),
        Value::Array(vec![
            Value::from(5),
            Value::Binary(Bytes::from_static(&[1, 2]))
        ])
    );
    assert_eq!(
        read(&[0xd6, 0xff, 0, 0, 0, 1]).unwrap(),
        Value::from("1970-01-01T00:00:01.000Z")
    );
}

/// Found by fuzzing (`fuzz/regressions/socketio_packets/`): an unknown extension reads as an
/// array, so it is one level of nesting, as its encoding is once written back; otherwise a
/// value accepted at the limit would be refused when relayed.
#[test]
fn an_unknown_extension_counts_as_one_level_of_nesting() {
    let limits = MsgpackLimits {
        max_depth: 1,
        ..MsgpackLimits::default()
    };
    let ext = Bytes::from_static(&[0xd5, 5, 1, 2]);
    let alone = read_msgpack(ext.clone(), &limits).unwrap();
    assert_eq!(read_msgpack(Bytes::from(write(&alone)), &limits), Ok(alone));
    // Inside an array it is the second level.
    let nested = Bytes::from_static(&[0x91, 0xd5, 5, 1, 2]);
    assert_eq!(read_msgpack(nested, &limits), Err(MsgpackError::TooDeep));
}

#[test]
fn malformed_input_is_an_error() {
    assert_eq!(read(&[]), Err(MsgpackError::Truncated));
    assert_eq!(read(&[0xc1]), Err(MsgpackError::Reserved));
    assert_eq!(read(&[0xc0, 0xc0]), Err(MsgpackError::TrailingBytes(1)));
    assert_eq!(read(&[0xa2, b'a']), Err(MsgpackError::Truncated));
    assert_eq!(read(&[0xa1, 0xff]), Err(MsgpackError::InvalidUtf8));
    assert_eq!(read(&[0xcd, 1]), Err(MsgpackError::Truncated));
    assert_eq!(read(&[0xd7, 0]), Err(MsgpackError::Truncated));
    // Lengths that claim more than the input holds are refused before allocating.
    assert_eq!(
        read(&[0xdd, 0xff, 0xff, 0xff, 0xff]),
        Err(MsgpackError::Truncated)
    );
    assert_eq!(
        read(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0]),
        Err(MsgpackError::Truncated)
    );
    assert_eq!(
        read(&[0xdb, 0xff, 0xff, 0xff, 0xff]),
        Err(MsgpackError::Truncated)
    );
    assert_eq!(
        read(&[0xc6, 0xff, 0xff, 0xff, 0xff]),
        Err(MsgpackError::Truncated)
    );
    assert_eq!(
        read(&[0xc9, 0xff, 0xff, 0xff, 0xff, 3]),
        Err(MsgpackError::Truncated)
    );
}

#[test]
fn depth_is_bounded() {
    let limits = MsgpackLimits::default();
    let nested = |depth: usize| {
        let mut bytes = vec![0x91; depth];
        bytes.push(0xc0);
        read_msgpack(Bytes::from(bytes), &limits)
    };
    assert!(nested(128).is_ok());
    assert_eq!(nested(129), Err(MsgpackError::TooDeep));
    // A million levels: refused without overflowing the stack.
    assert_eq!(nested(1_000_000), Err(MsgpackError::TooDeep));
    let mut maps = [0x81, 0xa1, b'k'].repeat(200);
    maps.push(0xc0);
    assert_eq!(read(&maps), Err(MsgpackError::TooDeep));
}

#[test]
fn binaries_are_bounded() {
    let limits = MsgpackLimits {
        max_binaries: 2,
        max_binary_bytes: 4,
        ..MsgpackLimits::default()
    };
    let read = |b: &[u8]| read_msgpack(Bytes::copy_from_slice(b), &limits);
    assert!(read(&[0x92, 0xc4, 2, 1, 2, 0xc4, 2, 3, 4]).is_ok());
    assert_eq!(
        read(&[0x93, 0xc4, 0, 0xc4, 0, 0xc4, 0]),
        Err(MsgpackError::TooMuchBinary)
    );
    assert_eq!(
        read(&[0x92, 0xc4, 2, 1, 2, 0xc4, 3, 3, 4, 5]),
        Err(MsgpackError::TooMuchBinary)
    );
    // Binary extensions count too.
    assert_eq!(
        read(&[0x93, 0xc7, 0, 0, 0xd4, 1, 0, 0xd4, 2, 0]),
        Err(MsgpackError::TooMuchBinary)
    );
}

#[test]
fn binary_shares_the_input_buffer() {
    let input = Bytes::from(vec![0xc4, 3, 1, 2, 3]);
    let Value::Binary(b) = read_msgpack(input.clone(), &MsgpackLimits::default()).unwrap() else {
        panic!("not binary");
    };
    assert_eq!(b.as_ptr(), input[2..].as_ptr());
}
