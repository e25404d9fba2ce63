//! The shapes of an event handler, the same on both ends: the server's `socket.on` and the
//! client's take a function of the socket, then optionally the event's data (read by
//! [`from_args`]) and the acknowledgement callback. Each end names its own
//! socket and ack types and its own `EventHandler` trait on top of [`Handler`].

use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;

use super::{ArgsMismatch, from_args};
use crate::Value;

/// The future a handler returns, boxed so that handlers of every shape can sit in one list.
pub type HandlerFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A function that handles an event with socket type `S` and acknowledgement type `A`, of one
/// of the shapes `Fn(S)`, `Fn(S, A)`, `Fn(S, T)` and `Fn(S, T, A)` returning a future, where
/// `T` is any `DeserializeOwned` type. The marker `M` (one of [`shapes`]) tells the shapes
/// apart and is inferred.
pub trait Handler<S, A, M>: Send + Sync + 'static {
    /// Runs the handler, or gives back why the arguments do not fit its data type, with the
    /// acknowledgement it did not take (so that the caller may still answer it).
    fn call(&self, socket: S, args: Vec<Value>, ack: A)
    -> Result<HandlerFuture, (ArgsMismatch, A)>;
}

/// The markers that tell the shapes of a [`Handler`] apart. They are inferred; no program
/// names them. Listed so that the trait's page shows each shape's exact bounds.
pub mod shapes {
    /// Marks the `Fn(Socket)` shape.
    #[derive(Debug)]
    pub struct SocketOnly;
    /// Marks the `Fn(Socket, Ack)` shape.
    #[derive(Debug)]
    pub struct AckOnly;
    /// Marks the `Fn(Socket, T)` shape.
    #[derive(Debug)]
    pub struct WithData<T>(std::marker::PhantomData<fn() -> T>);
    /// Marks the `Fn(Socket, T, Ack)` shape.
    #[derive(Debug)]
    pub struct WithDataAck<T>(std::marker::PhantomData<fn() -> T>);
}

use shapes::{AckOnly, SocketOnly, WithData, WithDataAck};

impl<S, A, F, Fut> Handler<S, A, SocketOnly> for F
where
    F: Fn(S) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(
        &self,
        socket: S,
        _args: Vec<Value>,
        _ack: A,
    ) -> Result<HandlerFuture, (ArgsMismatch, A)> {
        Ok(Box::pin(self(socket)))
    }
}

// Not ambiguous with `WithData<A>` as long as the ack type is not `DeserializeOwned`, which
// neither end's is: only this impl then fits a `Fn(S, A)`.
impl<S, A, F, Fut> Handler<S, A, AckOnly> for F
where
    F: Fn(S, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn call(
        &self,
        socket: S,
        _args: Vec<Value>,
        ack: A,
    ) -> Result<HandlerFuture, (ArgsMismatch, A)> {
        Ok(Box::pin(self(socket, ack)))
    }
}

impl<S, A, F, Fut, T> Handler<S, A, WithData<T>> for F
where
    F: Fn(S, T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(
        &self,
        socket: S,
        args: Vec<Value>,
        ack: A,
    ) -> Result<HandlerFuture, (ArgsMismatch, A)> {
        match from_args::<T>(args) {
            Ok(data) => Ok(Box::pin(self(socket, data))),
            Err(mismatch) => Err((mismatch, ack)),
        }
    }
}

impl<S, A, F, Fut, T> Handler<S, A, WithDataAck<T>> for F
where
    F: Fn(S, T, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    T: DeserializeOwned + Send + 'static,
{
    fn call(
        &self,
        socket: S,
        args: Vec<Value>,
        ack: A,
    ) -> Result<HandlerFuture, (ArgsMismatch, A)> {
        match from_args::<T>(args) {
            Ok(data) => Ok(Box::pin(self(socket, data, ack))),
            Err(mismatch) => Err((mismatch, ack)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A stand-in socket that records what each handler saw.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<String>>>);

    /// A stand-in ack: not `DeserializeOwned`, as on both ends.
    #[derive(Debug, PartialEq)]
    struct Callback(u64);

    fn run<M, H: Handler<Seen, Callback, M>>(h: H, args: Vec<Value>) -> (Vec<String>, Option<u64>) {
        let seen = Seen::default();
        let refused = match h.call(seen.clone(), args, Callback(7)) {
            Ok(fut) => {
                poll_ready(fut);
                None
            }
            Err((_, ack)) => Some(ack.0),
        };
        let out = seen.0.lock().map(|v| v.clone()).unwrap_or_default();
        (out, refused)
    }

    /// The handlers here never wait, so one poll finishes them.
    fn poll_ready(mut fut: HandlerFuture) {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(fut.as_mut().poll(&mut cx).is_ready());
    }

    fn push(seen: &Seen, s: String) {
        if let Ok(mut v) = seen.0.lock() {
            v.push(s);
        }
    }

    #[test]
    fn each_shape_gets_what_it_asks_for() {
        let args = vec![Value::from("a"), Value::from(2)];
        let only = |s: Seen| async move { push(&s, "only".into()) };
        assert_eq!(run(only, args.clone()), (vec!["only".to_owned()], None));
        let ack = |s: Seen, a: Callback| async move { push(&s, format!("ack {}", a.0)) };
        assert_eq!(run(ack, args.clone()), (vec!["ack 7".to_owned()], None));
        let data = |s: Seen, d: String| async move { push(&s, d) };
        assert_eq!(run(data, args.clone()), (vec!["a".to_owned()], None));
        let both = |s: Seen, (d, n): (String, u8), a: Callback| async move {
            push(&s, format!("{d} {n} {}", a.0))
        };
        assert_eq!(run(both, args), (vec!["a 2 7".to_owned()], None));
    }

    #[test]
    fn data_that_does_not_fit_gives_the_ack_back() {
        let data = |s: Seen, n: u8| async move { push(&s, n.to_string()) };
        assert_eq!(run(data, vec![Value::from("x")]), (vec![], Some(7)));
        let both = |s: Seen, n: u8, _: Callback| async move { push(&s, n.to_string()) };
        assert_eq!(run(both, vec![]), (vec![], Some(7)));
    }
}
