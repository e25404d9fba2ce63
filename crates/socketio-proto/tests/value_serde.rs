//! `to_value`/`from_value`: `Bytes` anywhere in a serde type becomes `Value::Binary` and back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns unwrap too

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use socketio_proto::{Map, Value, ValueError, from_value, to_value};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Chunk {
    index: u32,
    data: Bytes,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Kind {
    Unit,
    Newtype(Bytes),
    Tuple(u8, Bytes),
    Struct { a: i64, b: Option<Bytes> },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct File {
    name: String,
    size: u64,
    checksum: Option<Bytes>,
    chunks: Vec<Chunk>,
    by_name: BTreeMap<String, Bytes>,
    kinds: Vec<Kind>,
    tuple: (Bytes, f64, bool),
    nothing: (),
    raw: Vec<u8>,
    neg: i32,
    ch: char,
}

fn sample() -> File {
    File {
        name: "f".into(),
        size: u64::MAX,
        checksum: Some(Bytes::from_static(b"sum")),
        chunks: vec![
            Chunk {
                index: 0,
                data: Bytes::from_static(b"ab"),
            },
            Chunk {
                index: 1,
                data: Bytes::new(),
            },
        ],
        by_name: [("x".to_owned(), Bytes::from_static(b"x"))].into(),
        kinds: vec![
            Kind::Unit,
            Kind::Newtype(Bytes::from_static(b"n")),
            Kind::Tuple(7, Bytes::from_static(b"t")),
            Kind::Struct { a: -3, b: None },
        ],
        tuple: (Bytes::from_static(b"p"), 2.5, true),
        nothing: (),
        raw: vec![1, 2, 3],
        neg: -5,
        ch: 'é',
    }
}

#[test]
fn nested_bytes_become_binary_and_back() {
    let file = sample();
    let v = to_value(&file).unwrap();
    assert_eq!(
        v.get("checksum"),
        Some(&Value::Binary(Bytes::from_static(b"sum")))
    );
    let chunk0 = &v.get("chunks").unwrap().as_array().unwrap()[0];
    assert_eq!(
        chunk0.get("data").unwrap().as_binary().unwrap().as_ref(),
        b"ab"
    );
    // A plain Vec<u8> is a sequence in serde, so it stays an array of numbers.
    assert_eq!(v.get("raw").unwrap().as_array().unwrap().len(), 3);
    // 1 checksum + 2 chunks + 1 map + newtype + tuple variant + tuple = 7 attachments.
    let enc = socketio_proto::encode_event("/", "file", std::slice::from_ref(&v), None);
    assert_eq!(enc.attachments.len(), 7);

    let back: File = from_value(v).unwrap();
    assert_eq!(back, file);
}

#[test]
fn struct_field_order_is_kept() {
    let v = to_value(&Chunk {
        index: 1,
        data: Bytes::new(),
    })
    .unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["index", "data"]);
}

#[test]
fn binary_fills_vec_u8_and_bytes() {
    let v = Value::Binary(Bytes::from_static(b"xyz"));
    let as_vec: Vec<u8> = from_value(v.clone()).unwrap();
    assert_eq!(as_vec, b"xyz");
    let as_bytes: Bytes = from_value(v.clone()).unwrap();
    assert_eq!(as_bytes.as_ref(), b"xyz");
    let as_value: Value = from_value(v.clone()).unwrap();
    assert_eq!(as_value, v);
    // An array of numbers (what a JSON-only peer sends) also fills a Bytes field.
    let arr = Value::from_iter([1u8, 2]);
    let from_arr: Bytes = from_value(arr).unwrap();
    assert_eq!(from_arr.as_ref(), [1, 2]);
}

#[test]
fn value_roundtrips_through_itself() {
    let v = to_value(&sample()).unwrap();
    assert_eq!(to_value(&v).unwrap(), v);
    let again: Value = from_value(v.clone()).unwrap();
    assert_eq!(again, v);
}

#[test]
fn maps_with_non_string_keys() {
    let m: HashMap<u32, bool> = [(1, true)].into();
    let v = to_value(&m).unwrap();
    assert_eq!(v.get("1"), Some(&Value::Bool(true)));
    let back: HashMap<u32, bool> = from_value(v).unwrap();
    assert_eq!(back, m);

    let bad: HashMap<Vec<u8>, u8> = [(vec![1], 1)].into();
    assert!(matches!(to_value(&bad), Err(ValueError::Custom(_))));
}

#[test]
fn shape_errors_are_reported() {
    let err = from_value::<Chunk>(Value::from("nope")).unwrap_err();
    assert!(err.to_string().contains("expected"), "{err}");
    assert!(from_value::<Chunk>(Value::Object(Map::new())).is_err());
    assert!(from_value::<(u8, u8)>(Value::from_iter([1u8, 2, 3])).is_err());
    assert!(from_value::<Kind>(Value::from("Nope")).is_err());
    assert!(from_value::<u8>(Value::from(300)).is_err());
    assert!(to_value(&u128::MAX).is_err());
    assert_eq!(
        to_value(&(u64::MAX as u128)).unwrap(),
        Value::from(u64::MAX)
    );
    assert_eq!(to_value(&-1i128).unwrap(), Value::from(-1));
}

#[test]
fn options_and_units() {
    assert_eq!(to_value(&None::<u8>).unwrap(), Value::Null);
    assert_eq!(from_value::<Option<u8>>(Value::Null).unwrap(), None);
    assert_eq!(from_value::<Option<u8>>(Value::from(3)).unwrap(), Some(3));
    assert_eq!(from_value::<()>(Value::Null).unwrap(), ());
    assert_eq!(to_value(&f64::INFINITY).unwrap(), Value::Null);
}

#[test]
fn serde_json_interop() {
    let j = serde_json::json!({"a": [1, "two", null, {"b": false}], "c": 1.5});
    let v = Value::from(j.clone());
    // Serializing a Value with serde_json gives the same JSON; binary becomes a number array.
    assert_eq!(serde_json::to_value(&v).unwrap(), j);
    let parsed: Value =
        serde_json::from_str(r#"{"a":[1,"two",null,{"b":false}],"c":1.5}"#).unwrap();
    assert_eq!(parsed, v);
    let with_bin = Value::Binary(Bytes::from_static(&[9, 8]));
    assert_eq!(serde_json::to_string(&with_bin).unwrap(), "[9,8]");
}

#[test]
fn accessors_and_map() {
    let mut m = Map::new();
    assert!(m.is_empty());
    assert_eq!(m.insert("a", Value::from(1)), None);
    assert_eq!(m.insert("b", Value::from("s")), None);
    assert_eq!(m.insert("a", Value::from(2)), Some(Value::from(1)));
    assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert!(m.contains_key("b"));
    let v = Value::Object(m.clone());
    assert_eq!(v.get("a").and_then(Value::as_u64), Some(2));
    assert_eq!(v.get("a").and_then(Value::as_i64), Some(2));
    assert_eq!(v.get("a").and_then(Value::as_f64), Some(2.0));
    assert_eq!(v.get("b").and_then(Value::as_str), Some("s"));
    assert_eq!(Value::from(true).as_bool(), Some(true));
    assert!(Value::Null.is_null());
    assert!(!v.has_binary());
    assert!(Value::from_iter([Value::Binary(Bytes::new())]).has_binary());
    assert_eq!(m.remove("a"), Some(Value::from(2)));
    assert_eq!(m.len(), 1);
    assert_eq!(Value::from(Some("x")), Value::from("x"));
    assert_eq!(Value::from(None::<bool>), Value::Null);
}
