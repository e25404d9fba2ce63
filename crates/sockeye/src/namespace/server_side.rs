//! Events between the nodes of a cluster: the listeners of `serverSideEmit`.

use std::borrow::Cow;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;
use socketio_proto::Value;

use crate::socket::BoxFut;

/// The answer to an event another node sent with `server_side_emit_with_ack`: the reference's
/// callback, called at most once, with one value. When the sender asked for no answer,
/// [`send`](ServerSideAck::send) does nothing.
#[derive(Clone)]
pub struct ServerSideAck(Arc<Mutex<Option<AckFn>>>);

type AckFn = Box<dyn FnOnce(Value) + Send>;

impl ServerSideAck {
    /// An answer that calls `f` with the value (for cluster adapters).
    pub fn new(f: impl FnOnce(Value) + Send + 'static) -> Self {
        ServerSideAck(Arc::new(Mutex::new(Some(Box::new(f)))))
    }

    /// The answer of an event that wants none.
    pub fn none() -> Self {
        ServerSideAck(Arc::new(Mutex::new(None)))
    }

    /// Whether the sender waits for an answer.
    pub fn wanted(&self) -> bool {
        self.0.lock().map(|f| f.is_some()).unwrap_or(false)
    }

    /// Answers with `data` (its serde value). The first answer counts; later ones, and a
    /// value that does not serialize, are dropped.
    pub fn send<T: Serialize + ?Sized>(&self, data: &T) {
        let f = self.0.lock().ok().and_then(|mut f| f.take());
        if let Some(f) = f {
            f(socketio_proto::to_value(data).unwrap_or(Value::Null));
        }
    }
}

impl std::fmt::Debug for ServerSideAck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSideAck")
            .field("wanted", &self.wanted())
            .finish()
    }
}

/// A listener for events from other nodes, with its arguments still untyped. `None` when
/// they did not fit its parameter type.
pub(crate) type ServerSideListener =
    Arc<dyn Fn(Vec<Value>, ServerSideAck) -> Option<BoxFut> + Send + Sync>;

/// The listeners of one namespace, by event name.
pub(crate) type ServerSideListeners = Vec<(Cow<'static, str>, ServerSideListener)>;

/// Erases a typed listener: its arguments are read as `T` (a tuple for several).
pub(crate) fn erase<F, T, Fut>(event: &str, listener: F) -> ServerSideListener
where
    F: Fn(T, ServerSideAck) -> Fut + Send + Sync + 'static,
    T: DeserializeOwned + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let event = event.to_owned();
    Arc::new(move |args, ack| match crate::args::from_args::<T>(args) {
        Ok(data) => Some(Box::pin(listener(data, ack)) as BoxFut),
        Err(err) => {
            tracing::warn!(%event, %err, "a server-side event did not fit its listener");
            None
        }
    })
}
