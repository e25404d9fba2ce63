//! How Rust values become the arguments of an event and back.
//!
//! An emit takes one serde value: a tuple at the top level is several arguments (as
//! `socket.emit("ev", a, b)` in JavaScript), `()` none, anything else exactly one. A typed
//! parameter is read from the single argument when there is one, from `null` when there is
//! none, and from the array of all the arguments otherwise (so a tuple type gets several).

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::Value;

use crate::error::EmitError;

/// Converts `data` into an argument list.
pub(crate) fn to_args<T: Serialize + ?Sized>(data: &T) -> Result<Vec<Value>, EmitError> {
    let value = socketio_proto::to_value(data).map_err(|e| EmitError::Serialize(e.to_string()))?;
    Ok(match (shape::of(data), value) {
        (shape::Shape::Unit, _) => Vec::new(),
        (shape::Shape::Tuple, Value::Array(items)) => items,
        (_, value) => vec![value],
    })
}

/// Reads a typed parameter from an argument list.
pub(crate) fn from_args<T: DeserializeOwned>(mut args: Vec<Value>) -> Result<T, String> {
    let value = match args.len() {
        0 => Value::Null,
        1 => args.pop().unwrap_or(Value::Null),
        _ => Value::Array(args),
    };
    socketio_proto::from_value(value).map_err(|e| e.to_string())
}

mod shape {
    //! Tells a tuple and `()` from other values at the top level, without serializing: the
    //! probe serializer stops with the answer at the first call.

    use serde::Serialize;
    use serde::ser::Impossible;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Shape {
        Unit,
        Tuple,
        Other,
    }

    #[derive(Debug)]
    pub(super) struct Found(Shape);

    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }

    impl std::error::Error for Found {}

    impl serde::ser::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Found(Shape::Other)
        }
    }

    pub(super) fn of<T: Serialize + ?Sized>(data: &T) -> Shape {
        match data.serialize(Probe) {
            Err(Found(shape)) => shape,
            Ok(()) => Shape::Other,
        }
    }

    struct Probe;

    type R<T = ()> = Result<T, Found>;

    fn other<T>() -> R<T> {
        Err(Found(Shape::Other))
    }

    macro_rules! others {
        ($($name:ident($($arg:ty),*);)*) => { $(fn $name(self $(, _: $arg)*) -> R { other() })* };
    }

    impl serde::Serializer for Probe {
        type Ok = ();
        type Error = Found;
        type SerializeSeq = Impossible<(), Found>;
        type SerializeTuple = Impossible<(), Found>;
        type SerializeTupleStruct = Impossible<(), Found>;
        type SerializeTupleVariant = Impossible<(), Found>;
        type SerializeMap = Impossible<(), Found>;
        type SerializeStruct = Impossible<(), Found>;
        type SerializeStructVariant = Impossible<(), Found>;

        others! {
            serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
            serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
            serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
            serialize_str(&str); serialize_bytes(&[u8]); serialize_none();
            serialize_unit_struct(&'static str);
            serialize_unit_variant(&'static str, u32, &'static str);
        }

        fn serialize_unit(self) -> R {
            Err(Found(Shape::Unit))
        }
        fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
            value.serialize(Probe)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> R {
            v.serialize(Probe)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> R {
            other()
        }
        fn serialize_seq(self, _: Option<usize>) -> R<Self::SerializeSeq> {
            other()
        }
        fn serialize_tuple(self, _: usize) -> R<Self::SerializeTuple> {
            Err(Found(Shape::Tuple))
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> R<Self::SerializeTupleStruct> {
            other()
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> R<Self::SerializeTupleVariant> {
            other()
        }
        fn serialize_map(self, _: Option<usize>) -> R<Self::SerializeMap> {
            other()
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> R<Self::SerializeStruct> {
            other()
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> R<Self::SerializeStructVariant> {
            other()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_are_several_arguments_unit_none() {
        assert_eq!(to_args(&(1, "a")).unwrap().len(), 2);
        assert!(to_args(&()).unwrap().is_empty());
        assert_eq!(to_args(&vec![1, 2]).unwrap().len(), 1);
        let two: (u32, String) = from_args(vec![Value::from(1u32), Value::from("b")]).unwrap();
        assert_eq!(two, (1, "b".to_owned()));
        let none: Option<u32> = from_args(vec![]).unwrap();
        assert_eq!(none, None);
    }
}
