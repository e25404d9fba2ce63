//! Writing: each flavour's bytes, form by form.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use serde_json::json;

use super::{read, write, write_as};
use crate::msgpack::*;
use crate::{Map, Value, to_value};

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
fn integers_take_their_smallest_form_at_every_boundary() {
    for (n, bytes) in [
        (0i64, &[0x00][..]),
        (127, &[0x7f]),
        (128, &[0xcc, 0x80]),
        (255, &[0xcc, 0xff]),
        (256, &[0xcd, 1, 0]),
        (65_535, &[0xcd, 0xff, 0xff]),
        (65_536, &[0xce, 0, 1, 0, 0]),
        (70_000, &[0xce, 0, 1, 0x11, 0x70]),
        (4_294_967_295, &[0xce, 0xff, 0xff, 0xff, 0xff]),
        (4_294_967_296, &[0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
        (-1, &[0xff]),
        (-32, &[0xe0]),
        (-33, &[0xd0, 0xdf]),
        (-128, &[0xd0, 0x80]),
        (-129, &[0xd1, 0xff, 0x7f]),
        (-32_768, &[0xd1, 0x80, 0]),
        (-32_769, &[0xd2, 0xff, 0xff, 0x7f, 0xff]),
        (-2_147_483_648, &[0xd2, 0x80, 0, 0, 0]),
        (
            -2_147_483_649,
            &[0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff],
        ),
    ] {
        let value = Value::from(n);
        for flavor in [MsgpackFlavor::Notepack, MsgpackFlavor::MsgpackJs] {
            assert_eq!(write_as(&value, flavor), bytes, "{n} {flavor:?}");
        }
        assert_eq!(read(bytes).unwrap(), value, "{n}");
    }
}

#[test]
fn lengths_take_their_smallest_form_at_every_boundary() {
    let header = |value: &Value, len: usize| {
        let bytes = write(value);
        let head = bytes.len() - len;
        assert_eq!(read(&bytes).unwrap(), *value);
        bytes[..head.min(5)].to_vec()
    };
    let s = |n: usize| Value::from("x".repeat(n));
    assert_eq!(header(&s(31), 31), [0xbf]);
    assert_eq!(header(&s(32), 32), [0xd9, 32]);
    assert_eq!(header(&s(255), 255), [0xd9, 255]);
    assert_eq!(header(&s(256), 256), [0xda, 1, 0]);
    assert_eq!(header(&s(65_535), 65_535), [0xda, 0xff, 0xff]);
    assert_eq!(header(&s(65_536), 65_536), [0xdb, 0, 1, 0, 0]);
    let b = |n: usize| Value::Binary(Bytes::from(vec![1; n]));
    assert_eq!(header(&b(0), 0), [0xc4, 0]);
    assert_eq!(header(&b(255), 255), [0xc4, 255]);
    assert_eq!(header(&b(256), 256), [0xc5, 1, 0]);
    assert_eq!(header(&b(65_536), 65_536), [0xc6, 0, 1, 0, 0]);
    // Arrays of n nulls: the header, then one byte per item.
    let a = |n: usize| Value::Array(vec![Value::Null; n]);
    assert_eq!(header(&a(15), 15), [0x9f]);
    assert_eq!(header(&a(16), 16), [0xdc, 0, 16]);
    assert_eq!(header(&a(65_536), 65_536), [0xdd, 0, 1, 0, 0]);
    let m = |n: usize| Value::Object((0..n).map(|i| (i.to_string(), Value::Null)).collect());
    assert_eq!(write(&m(15))[0], 0x8f);
    assert_eq!(write(&m(16))[..3], [0xde, 0, 16]);
    assert_eq!(write(&m(65_536))[..5], [0xdf, 0, 1, 0, 0]);
}

/// `@msgpack/msgpack` writes only a safe integer as one; `notepack.io` every integer that
/// fits 64 bits (and beyond, a wrong one: a float64 here).
#[test]
fn the_flavours_differ_only_on_integers_beyond_2_pow_53() {
    const SAFE: u64 = (1 << 53) - 1;
    let js = |v: &Value| write_as(v, MsgpackFlavor::MsgpackJs);
    let float64 = |f: f64| [&[0xcb][..], &f.to_be_bytes()].concat();
    assert_eq!(js(&Value::from(SAFE)), write(&Value::from(SAFE)));
    assert_eq!(js(&Value::from(SAFE))[0], 0xcf);
    assert_eq!(js(&Value::from(-(SAFE as i64)))[0], 0xd3);
    assert_eq!(js(&Value::from(SAFE + 1)), float64(9_007_199_254_740_992.0));
    assert_eq!(
        js(&Value::from(-(1i64 << 60))),
        float64(-1_152_921_504_606_846_976.0)
    );
    assert_eq!(
        js(&Value::from(u64::MAX)),
        float64(18_446_744_073_709_551_615.0)
    );
    assert_eq!(js(&Value::from(1e19)), float64(1e19));
    assert_eq!(write(&Value::from(SAFE + 1))[0], 0xcf);
    assert_eq!(
        write(&Value::from(u64::MAX)),
        [&[0xcf][..], &[0xff; 8]].concat()
    );
    assert_eq!(write(&Value::from(1e19))[0], 0xcf);
    assert_eq!(write(&Value::from(-9_223_372_036_854_775_808.0))[0], 0xd3);
    // Past the 64-bit forms notepack would write a wrong integer: the float64 instead.
    assert_eq!(write(&Value::from(18_446_744_073_709_551_616.0))[0], 0xcb);
    assert_eq!(write(&Value::from(-1e19))[0], 0xcb);
    // A piece written on its own follows the flavour too.
    let mut out = Vec::new();
    MsgpackWriter::new(&mut out, MsgpackFlavor::MsgpackJs).uint(SAFE + 1);
    assert_eq!(out, float64(9_007_199_254_740_992.0));
    // Everything else is the same bytes.
    let value =
        to_value(&json!({"s": "é", "n": [0, -1, 300, 1.5, SAFE], "o": {"t": true}})).unwrap();
    assert_eq!(js(&value), write(&value));
}

#[test]
fn writing_piece_by_piece_is_writing_the_value() {
    let inner = to_value(&json!({"a": [1.5, null]})).unwrap();
    let mut map = Map::new();
    map.insert("type", Value::from(2));
    map.insert("data", Value::Array(vec![Value::from("ev"), inner.clone()]));
    map.insert("id", Value::from(7));
    let value = Value::Object(map);
    let mut out = Vec::new();
    let mut w = MsgpackWriter::new(&mut out, MsgpackFlavor::Notepack);
    w.map_len(3);
    w.str("type");
    w.uint(2);
    w.str("data");
    w.array_len(2);
    w.str("ev");
    w.value(&inner);
    w.str("id");
    w.value(&Value::from(7));
    assert_eq!(out, write(&value));
}
