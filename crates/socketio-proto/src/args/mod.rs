//! How Rust values become the arguments of an event and back.
//!
//! An emit takes one serde value. A tuple at the top level stands for several arguments (as
//! `socket.emit("ev", a, b)` in JavaScript), `()` for none, anything else (`null` included)
//! for exactly one. Reading is the mirror image, as a JavaScript listener sees its arguments
//! (see [`from_args`]).

mod ack;
mod handler;
mod read;

pub use ack::{Ack, AckSink};
pub use handler::{Handler, HandlerFuture, shapes};
pub use read::{ArgsMismatch, from_args};

use crate::Value;
use serde::Serialize;
use serde::ser::SerializeTuple;

use crate::ValueError;

/// Converts `data` into the argument list of an event or ack: a tuple is several arguments,
/// `()` none, anything else one.
///
/// Only `()` itself means "no argument": a JSON `null` (`Value::Null`,
/// `serde_json::Value::Null`, `None`) is one argument, as `socket.emit("ev", null)` is in
/// JavaScript.
pub fn to_args<T: Serialize + ?Sized>(data: &T) -> Result<Vec<Value>, ValueError> {
    let shape = top_level_shape(data);
    let value = crate::to_value(data)?;
    Ok(match (shape, value) {
        // `()` is the only unit without a size: a null value serializes as a unit too, and
        // it is an argument.
        (Shape::Unit, _) if std::mem::size_of_val(data) == 0 => Vec::new(),
        (Shape::Tuple, Value::Array(items)) => items,
        (_, value) => vec![value],
    })
}

/// All the arguments of an event, as they came: take it as a handler's data to see every
/// argument, or emit it to send each of its values as one argument.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args(pub Vec<Value>);

impl Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A tuple at the top level is how several arguments are spelled.
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for value in &self.0 {
            tuple.serialize_element(value)?;
        }
        tuple.end()
    }
}

impl<'de> serde::Deserialize<'de> for Args {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::Array(items) => Args(items),
            value => Args(vec![value]),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Unit,
    Tuple,
    Other,
}

/// Finds what a value is at its top level without serializing it: the probe serializer
/// stops at the first call.
fn top_level_shape<T: Serialize + ?Sized>(data: &T) -> Shape {
    match data.serialize(Probe) {
        Err(ProbeDone(shape)) => shape,
        Ok(never) => match never {},
    }
}

#[derive(Debug)]
struct ProbeDone(Shape);

impl std::fmt::Display for ProbeDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "probe: {:?}", self.0)
    }
}

impl std::error::Error for ProbeDone {}

impl serde::ser::Error for ProbeDone {
    fn custom<M: std::fmt::Display>(_msg: M) -> Self {
        ProbeDone(Shape::Other)
    }
}

enum Never {}

struct Probe;

type Done<T = Never> = Result<T, ProbeDone>;

fn other<T>() -> Done<T> {
    Err(ProbeDone(Shape::Other))
}

macro_rules! probe_other {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self $(, _: $arg)*) -> Done { other() })*
    };
}

impl serde::Serializer for Probe {
    type Ok = Never;
    type Error = ProbeDone;
    type SerializeSeq = serde::ser::Impossible<Never, ProbeDone>;
    type SerializeTuple = serde::ser::Impossible<Never, ProbeDone>;
    type SerializeTupleStruct = serde::ser::Impossible<Never, ProbeDone>;
    type SerializeTupleVariant = serde::ser::Impossible<Never, ProbeDone>;
    type SerializeMap = serde::ser::Impossible<Never, ProbeDone>;
    type SerializeStruct = serde::ser::Impossible<Never, ProbeDone>;
    type SerializeStructVariant = serde::ser::Impossible<Never, ProbeDone>;

    probe_other! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_unit(self) -> Done {
        Err(ProbeDone(Shape::Unit))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(Probe)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(Probe)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Done {
        other()
    }
    fn serialize_seq(self, _: Option<usize>) -> Done<Self::SerializeSeq> {
        other()
    }
    fn serialize_tuple(self, _: usize) -> Done<Self::SerializeTuple> {
        Err(ProbeDone(Shape::Tuple))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Done<Self::SerializeTupleStruct> {
        other()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Done<Self::SerializeTupleVariant> {
        other()
    }
    fn serialize_map(self, _: Option<usize>) -> Done<Self::SerializeMap> {
        other()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Done<Self::SerializeStruct> {
        other()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Done<Self::SerializeStructVariant> {
        other()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tuple_is_several_arguments_and_unit_none() {
        assert_eq!(to_args(&(1, "a")).unwrap().len(), 2);
        assert!(to_args(&()).unwrap().is_empty());
        assert_eq!(to_args(&vec![1, 2, 3]).unwrap().len(), 1);
        assert_eq!(to_args("x").unwrap().len(), 1);
        assert_eq!(to_args(&Some((1, 2))).unwrap().len(), 2);
    }

    #[test]
    fn null_is_one_argument_and_only_unit_is_none() {
        let null = vec![Value::Null];
        assert_eq!(to_args(&Value::Null).unwrap(), null);
        assert_eq!(to_args(&serde_json::Value::Null).unwrap(), null);
        assert_eq!(to_args(&None::<u32>).unwrap(), null);
        assert_eq!(to_args(&Some(Value::Null)).unwrap(), null);
        assert_eq!(to_args(&(Value::Null,)).unwrap(), null);
        assert!(to_args(&()).unwrap().is_empty());
        assert!(to_args(&Some(())).unwrap().len() == 1);
    }

    #[test]
    fn args_keep_every_argument_as_it_came() {
        let one_array = vec![Value::Array(vec![Value::from(1u32), Value::from(2u32)])];
        let args: Args = from_args(one_array.clone()).unwrap();
        assert_eq!(args.0, one_array);
        assert_eq!(to_args(&args).unwrap(), one_array);
        assert!(to_args(&Args(vec![])).unwrap().is_empty());
    }
}
