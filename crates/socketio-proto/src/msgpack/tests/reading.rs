//! Reading: what a JavaScript peer sends reads as that peer meant it, within the limits.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use serde_json::json;

use super::{hex, read, write};
use crate::msgpack::*;
use crate::{Map, Value, to_value};

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

#[test]
fn big_integers_read_exactly_and_floats_as_javascript_holds_them() {
    assert_eq!(
        read(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap(),
        Value::from(u64::MAX)
    );
    assert_eq!(
        read(&[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
        Value::from(i64::MIN)
    );
    let f64 = |f: f64| read(&[&[0xcb][..], &f.to_be_bytes()].concat()).unwrap();
    // Up to 2^53 a double counts exactly: an integral one is the integer JavaScript prints.
    assert_eq!(
        f64(9_007_199_254_740_992.0),
        Value::from(9_007_199_254_740_992u64)
    );
    assert_eq!(
        f64(-9_007_199_254_740_992.0),
        Value::from(-9_007_199_254_740_992i64)
    );
    assert_eq!(
        f64(9_007_199_254_740_992.0).to_json_string(),
        "9007199254740992"
    );
    // Beyond, it stays the float it is.
    let beyond = f64(9_007_199_254_740_994.0);
    assert_eq!(beyond.as_u64(), None);
    assert_eq!(beyond.as_f64(), Some(9_007_199_254_740_994.0));
    assert_eq!(f64(f64::INFINITY), Value::Null);
    assert_eq!(f64(-0.0), Value::from(0));
}

#[test]
fn map_keys_are_named_as_javascript_names_properties() {
    let key = |k: &[u8]| read(&[&[0x81][..], k, &[0xc3]].concat());
    let named = |name: &str| {
        let mut map = Map::new();
        map.insert(name, Value::Bool(true));
        Ok(Value::Object(map))
    };
    assert_eq!(key(&[0xa1, b'k']), named("k"));
    assert_eq!(key(&[0x07]), named("7"));
    assert_eq!(key(&[0xfb]), named("-5"));
    assert_eq!(
        key(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        named("18446744073709551615")
    );
    assert_eq!(key(&[0xca, 0x3f, 0xc0, 0, 0]), named("1.5"));
    assert_eq!(key(&[0xcb, 0x40, 0, 0, 0, 0, 0, 0, 0]), named("2"));
    // nil, a boolean, an array, a map, binary, an extension, undefined, a date: no name.
    for bad in [
        &[0xc0][..],
        &[0xc2],
        &[0x90],
        &[0x80],
        &[0xc4, 0],
        &[0xd4, 5, 0],
        &[0xd4, 0, 0],
    ] {
        assert_eq!(key(bad), Err(MsgpackError::InvalidKey), "{bad:x?}");
    }
}

/// `notepack.io`'s `undefined` (fixext 1 of type 0): an object leaves the property out, as
/// `JSON.stringify` would, and anywhere else it is null.
#[test]
fn undefined_is_no_property_and_null_elsewhere() {
    // {a: undefined, b: 1}
    let bytes = [0x82, 0xa1, b'a', 0xd4, 0, 0, 0xa1, b'b', 0x01];
    assert_eq!(read(&bytes).unwrap(), to_value(&json!({"b": 1})).unwrap());
    assert_eq!(
        read(&[0x81, 0xa1, b'a', 0xd4, 0, 0]).unwrap(),
        to_value(&json!({})).unwrap()
    );
    assert_eq!(
        read(&[0x92, 0xd4, 0, 0, 1]).unwrap(),
        to_value(&json!([null, 1])).unwrap()
    );
    assert_eq!(read(&[0xd4, 0, 0]).unwrap(), Value::Null);
    // notepack ignores the data byte.
    assert_eq!(
        read(&[0x91, 0xd4, 0, 0x2a]).unwrap(),
        to_value(&json!([null])).unwrap()
    );
    // Cut short, it is no `undefined`.
    assert_eq!(
        read(&[0x81, 0xa1, b'a', 0xd4, 0]),
        Err(MsgpackError::Truncated)
    );
}

/// What `notepack.io` 3 and `@msgpack/msgpack` 2.8 write (the same bytes) for
/// `new Date(ms)`, notepack 2's own date, and what `JSON.stringify` makes of each, from Node.
#[test]
fn dates_read_as_json_writes_them() {
    for (bytes, json) in [
        ("d6ff67497f70", "2024-11-29T08:46:40.000Z"),
        ("d7ff1d53530067497f70", "2024-11-29T08:46:40.123Z"),
        ("c70cff3b8b87c0ffffffffffffffff", "1969-12-31T23:59:59.999Z"),
        (
            "c70cff00000000000007dba8218000",
            "+275760-09-13T00:00:00.000Z",
        ),
        ("d700000001937719cdfb", "2024-11-29T08:46:40.123Z"),
        // The 96-bit form in a wider extension header reads the same.
        (
            "c8000cff3b8b87c0ffffffffffffffff",
            "1969-12-31T23:59:59.999Z",
        ),
    ] {
        assert_eq!(read(&hex(bytes)), Ok(Value::from(json)), "{bytes}");
    }
    // One millisecond past the last `Date`: an invalid one, null in JSON.
    assert_eq!(
        read(&hex("c70cff000f4240000007dba8218000")),
        Ok(Value::Null)
    );
    // A timestamp of no size the specification has is an unknown extension.
    assert_eq!(
        read(&hex("c703ff010203")).unwrap(),
        Value::Array(vec![
            Value::from(-1),
            Value::Binary(Bytes::from_static(&[1, 2, 3]))
        ])
    );
    // Type 0 is notepack's date only in a fixext 8.
    assert_eq!(
        read(&hex("d60001020304")).unwrap(),
        Value::Array(vec![
            Value::from(0),
            Value::Binary(Bytes::from_static(&[1, 2, 3, 4]))
        ])
    );
}

#[test]
fn every_cut_of_a_message_is_truncated() {
    let mut bytes = vec![0xde, 0, 9];
    for (key, value) in [
        ("s", hex("d90641626364c3a9")),
        ("l", [&hex("da0100")[..], &[b'x'; 256]].concat()),
        ("b", hex("c5000201ff")),
        ("e", hex("c70205abcd")),
        ("t", hex("d7ff1d53530067497f70")),
        ("f", hex("ca3fc00000")),
        ("i", hex("d3ffffffffffffff00")),
        ("u", hex("92d40000c0")),
        ("n", hex("dc000281a1789190c0")),
    ] {
        bytes.extend([0xa1, key.as_bytes()[0]]);
        bytes.extend(value);
    }
    assert!(read(&bytes).is_ok());
    for cut in 0..bytes.len() {
        assert_eq!(
            read(&bytes[..cut]),
            Err(MsgpackError::Truncated),
            "cut at {cut}"
        );
    }
}

/// The depth a caller sets (the Redis adapters read 64 levels) holds for arrays, maps and the
/// extensions that read as arrays, and is checked before the rest of the input is.
#[test]
fn a_chosen_depth_is_the_limit() {
    let limits = MsgpackLimits {
        max_depth: 64,
        ..MsgpackLimits::default()
    };
    let read = |b: Vec<u8>| read_msgpack(Bytes::from(b), &limits);
    let arrays = |n: usize| [vec![0x91; n], vec![0xc0]].concat();
    assert!(read(arrays(64)).is_ok());
    assert_eq!(read(arrays(65)), Err(MsgpackError::TooDeep));
    let maps = |n: usize| [[0x81, 0xa1, b'k'].repeat(n), vec![0xc0]].concat();
    assert!(read(maps(64)).is_ok());
    assert_eq!(read(maps(65)), Err(MsgpackError::TooDeep));
    let ext = |n: usize| [vec![0x91; n], vec![0xd4, 5, 0]].concat();
    assert!(read(ext(63)).is_ok());
    assert_eq!(read(ext(64)), Err(MsgpackError::TooDeep));
    // Too deep is said before truncated: nothing past the limit is read.
    assert_eq!(read(vec![0x91; 65]), Err(MsgpackError::TooDeep));
}

#[test]
fn unknown_extensions_of_every_size_read_as_type_and_binary() {
    for (bytes, kind, data) in [
        (hex("d40507"), 5, &[7][..]),
        (hex("d5fe0102"), -2, &[1, 2]),
        (
            hex("d87f00000000000000000000000000000001"),
            127,
            &[0; 15].iter().chain(&[1]).copied().collect::<Vec<u8>>()[..],
        ),
        (hex("c70005"), 5, &[]),
        (hex("c9000000010509"), 5, &[9]),
    ] {
        assert_eq!(
            read(&bytes).unwrap(),
            Value::Array(vec![
                Value::from(kind),
                Value::Binary(Bytes::copy_from_slice(data))
            ]),
            "{bytes:x?}"
        );
    }
}

#[test]
fn a_borrowed_buffer_reads_the_same_with_binaries_copied() {
    let input = hex("82a162c40301020ba17492d6ff00000001d40000");
    let limits = MsgpackLimits::default();
    let shared = read_msgpack(Bytes::from(input.clone()), &limits).unwrap();
    let borrowed = read_msgpack_slice(&input, &limits).unwrap();
    assert_eq!(borrowed, shared);
    let Some(Value::Binary(b)) = borrowed.get("b") else {
        panic!("not binary");
    };
    assert_ne!(b.as_ptr(), input[3..].as_ptr());
    // The same errors, the same limits.
    for bad in [&[0x92, 0xc0][..], &[0xc0, 0xc0], &[0xc1]] {
        assert_eq!(
            read_msgpack_slice(bad, &limits),
            read_msgpack(Bytes::copy_from_slice(bad), &limits)
        );
    }
    let shallow = MsgpackLimits {
        max_depth: 1,
        max_binaries: 0,
        ..MsgpackLimits::default()
    };
    assert_eq!(
        read_msgpack_slice(&[0x91, 0x90], &shallow),
        Err(MsgpackError::TooDeep)
    );
    assert_eq!(
        read_msgpack_slice(&[0xc4, 0], &shallow),
        Err(MsgpackError::TooMuchBinary)
    );
}
