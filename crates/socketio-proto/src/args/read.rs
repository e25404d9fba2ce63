//! Reading received arguments into a typed value, as a JavaScript listener sees them.

use std::any::Any;
use std::cell::Cell;

use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};

use super::Args;
use crate::{Value, ValueError};

/// Received arguments did not fit the type they were read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("argument {index}: {message}")]
pub struct ArgsMismatch {
    /// The position (from 0, the event name not counted) of the argument that did not fit.
    pub index: usize,
    /// serde's message (`invalid type: map, expected a string`, `missing field "name"`...).
    pub message: String,
}

/// Reads a typed value from received arguments, as a JavaScript listener would take them:
///
/// - a tuple `(A, B, ..)` (or an array `[T; N]`) takes the arguments in order, one per
///   element, like `(a, b) => ..`; a missing one reads as `null` (so an `Option` element is
///   `None`), extra ones are ignored;
/// - [`Args`] takes all of them as they came, like `(...args) => ..`;
/// - `()` takes none and ignores what came;
/// - any other type takes the first argument, like `(a) => ..` (`null` when there is none;
///   the others are ignored).
pub fn from_args<T: DeserializeOwned + 'static>(mut args: Vec<Value>) -> Result<T, ArgsMismatch> {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<Args>() {
        let raw: Box<dyn Any> = Box::new(Args(args));
        return raw.downcast::<T>().map(|t| *t).map_err(|_| ArgsMismatch {
            index: 0,
            message: "argument list".to_owned(),
        });
    }
    match top_level_request::<T>() {
        Request::Tuple => {
            let at = Cell::new(0);
            let given = args.len();
            T::deserialize(ArgList { args, at: &at }).map_err(|e| {
                let index = at.get();
                let message = if index >= given {
                    format!("missing argument ({e})")
                } else {
                    e.to_string()
                };
                ArgsMismatch { index, message }
            })
        }
        Request::Unit => crate::from_value(Value::Null).map_err(|e| mismatch(0, e)),
        Request::Other => {
            let first = if args.is_empty() {
                Value::Null
            } else {
                args.swap_remove(0)
            };
            crate::from_value(first).map_err(|e| mismatch(0, e))
        }
    }
}

fn mismatch(index: usize, err: ValueError) -> ArgsMismatch {
    ArgsMismatch {
        index,
        message: err.to_string(),
    }
}

/// What a type asks of a deserializer at its top level, which decides how it takes the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    Tuple,
    Unit,
    Other,
}

/// Asks `T` what it wants without giving it anything: the probe answers the first call with
/// an error naming it.
fn top_level_request<T: DeserializeOwned>() -> Request {
    match T::deserialize(Probe) {
        Err(ProbeDone(request)) => request,
        // No value can come out of the probe; treat a type that manages it as any other.
        Ok(_) => Request::Other,
    }
}

#[derive(Debug)]
struct ProbeDone(Request);

impl std::fmt::Display for ProbeDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "probe: {:?}", self.0)
    }
}

impl std::error::Error for ProbeDone {}

impl de::Error for ProbeDone {
    fn custom<M: std::fmt::Display>(_msg: M) -> Self {
        ProbeDone(Request::Other)
    }
}

struct Probe;

impl<'de> de::Deserializer<'de> for Probe {
    type Error = ProbeDone;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeDone> {
        Err(ProbeDone(Request::Other))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, ProbeDone> {
        Err(ProbeDone(Request::Tuple))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeDone> {
        Err(ProbeDone(Request::Unit))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit_struct newtype_struct seq tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The argument list read as a tuple; `at` tells which argument was being read last.
struct ArgList<'a> {
    args: Vec<Value>,
    at: &'a Cell<usize>,
}

impl<'de> de::Deserializer<'de> for ArgList<'_> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_seq(ArgSeq {
            args: self.args.into_iter(),
            next: 0,
            at: self.at,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct ArgSeq<'a> {
    args: std::vec::IntoIter<Value>,
    next: usize,
    at: &'a Cell<usize>,
}

impl<'de> SeqAccess<'de> for ArgSeq<'_> {
    type Error = ValueError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, ValueError> {
        self.at.set(self.next);
        self.next += 1;
        // A missing argument is `undefined` in JavaScript: null here, so `Option` takes it.
        let value = self.args.next().unwrap_or(Value::Null);
        seed.deserialize(value).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn one_parameter_takes_the_first_argument_as_javascript() {
        let one: String = from_args(vec![s("a")]).unwrap();
        assert_eq!(one, "a");
        let first: Value = from_args(vec![s("a"), s("b")]).unwrap();
        assert_eq!(first, s("a"));
        let none: Option<u32> = from_args(vec![]).unwrap();
        assert_eq!(none, None);
        let null: Value = from_args(vec![]).unwrap();
        assert_eq!(null, Value::Null);
        let array: Vec<u32> = from_args(vec![Value::Array(vec![Value::from(1u32)])]).unwrap();
        assert_eq!(array, [1]);
    }

    #[test]
    fn a_tuple_takes_one_argument_per_element() {
        let two: (u32, String) = from_args(vec![Value::from(1u32), s("b")]).unwrap();
        assert_eq!(two, (1, "b".to_string()));
        let extra: (u32,) = from_args(vec![Value::from(1u32), s("ignored")]).unwrap();
        assert_eq!(extra, (1,));
        let optional: (u32, Option<String>) = from_args(vec![Value::from(1u32)]).unwrap();
        assert_eq!(optional, (1, None));
        let array: [u32; 2] = from_args(vec![Value::from(1u32), Value::from(2u32)]).unwrap();
        assert_eq!(array, [1, 2]);
    }

    #[test]
    fn unit_ignores_what_came() {
        let () = from_args(vec![]).unwrap();
        let () = from_args(vec![s("a"), s("b")]).unwrap();
    }

    #[test]
    fn a_mismatch_names_the_argument_and_says_why() {
        let err = from_args::<String>(vec![Value::Bool(true)]).unwrap_err();
        assert_eq!(err.index, 0);
        assert!(err.message.contains("expected a string"), "{err}");

        let err =
            from_args::<(u32, String)>(vec![Value::from(1u32), Value::from(2u32)]).unwrap_err();
        assert_eq!(err.index, 1);
        assert!(err.message.contains("expected a string"), "{err}");

        let err = from_args::<(u32, String)>(vec![Value::from(1u32)]).unwrap_err();
        assert_eq!(err.index, 1);
        assert!(err.message.starts_with("missing argument"), "{err}");

        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Msg {
            text: String,
        }
        let err = from_args::<Msg>(vec![Value::Object(Default::default())]).unwrap_err();
        assert_eq!(err.index, 0);
        assert!(err.message.contains("missing field `text`"), "{err}");
        assert_eq!(err.to_string(), format!("argument 0: {}", err.message));
    }
}
