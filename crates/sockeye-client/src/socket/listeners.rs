//! The functions registered on a socket, and the task that runs them in arrival order.

use std::collections::HashMap;
use std::sync::Arc;

use socketio_proto::Value;
use tokio::sync::mpsc;

use super::handler::{Ack, BoxFut, ErasedHandler};
use super::{Socket, SocketShared};
use crate::error::{ConnectError, DisconnectReason};
use crate::manager::{Queued, SocketEvent, WeakManager};

/// A `connect` handler.
pub(crate) type ConnectHandler = Arc<dyn Fn(Socket) -> BoxFut + Send + Sync>;
/// A `connect_error` handler.
pub(crate) type ConnectErrorHandler = Arc<dyn Fn(Socket, ConnectError) -> BoxFut + Send + Sync>;
/// A `disconnect` handler.
pub(crate) type DisconnectHandler = Arc<dyn Fn(Socket, DisconnectReason) -> BoxFut + Send + Sync>;
/// An `onAny` listener: called with the event name and arguments before the handlers.
pub(crate) type AnyListener = Arc<dyn Fn(&Socket, &str, &[Value]) + Send + Sync>;

/// One registered event handler.
pub(crate) struct Listener {
    pub(crate) id: u64,
    pub(crate) once: bool,
    pub(crate) handler: ErasedHandler,
}

/// Everything registered on one socket.
#[derive(Default)]
pub(crate) struct Listeners {
    pub(crate) next_id: u64,
    pub(crate) events: HashMap<String, Vec<Listener>>,
    pub(crate) any: Vec<(u64, AnyListener)>,
    pub(crate) connect: Vec<(u64, ConnectHandler)>,
    pub(crate) connect_error: Vec<(u64, ConnectErrorHandler)>,
    pub(crate) disconnect: Vec<(u64, DisconnectHandler)>,
}

impl Listeners {
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn remove(&mut self, id: u64) {
        for list in self.events.values_mut() {
            list.retain(|l| l.id != id);
        }
        self.any.retain(|(i, _)| *i != id);
        self.connect.retain(|(i, _)| *i != id);
        self.connect_error.retain(|(i, _)| *i != id);
        self.disconnect.retain(|(i, _)| *i != id);
    }
}

/// Runs the socket's handlers, one event at a time, until every user handle is gone.
pub(crate) async fn dispatch(
    shared: Arc<SocketShared>,
    manager: WeakManager,
    mut rx: mpsc::UnboundedReceiver<Queued>,
) {
    while let Some(Queued { event, size }) = rx.recv().await {
        shared.link.took_event(size);
        let Some(manager) = manager.upgrade() else {
            return;
        };
        let socket = Socket {
            shared: shared.clone(),
            manager,
        };
        run(&socket, event).await;
    }
}

async fn run(socket: &Socket, event: SocketEvent) {
    let futures: Vec<BoxFut> = {
        let mut l = socket.shared.listeners();
        match event {
            SocketEvent::Connect => l.connect.iter().map(|(_, h)| h(socket.clone())).collect(),
            SocketEvent::ConnectError(err) => l
                .connect_error
                .iter()
                .map(|(_, h)| h(socket.clone(), err.clone()))
                .collect(),
            SocketEvent::Disconnect(reason) => l
                .disconnect
                .iter()
                .map(|(_, h)| h(socket.clone(), reason))
                .collect(),
            SocketEvent::Event { mut args, id } => {
                let name = match args.first() {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return,
                };
                args.remove(0);
                let any: Vec<AnyListener> = l.any.iter().map(|(_, f)| f.clone()).collect();
                let handlers: Vec<ErasedHandler> = match l.events.get_mut(&name) {
                    Some(list) => {
                        let hs = list.iter().map(|h| h.handler.clone()).collect();
                        list.retain(|h| !h.once);
                        hs
                    }
                    None => Vec::new(),
                };
                drop(l);
                for f in any {
                    f(socket, &name, &args);
                }
                // As in the reference, only the first handler gets the ack callback.
                let mut ack = Some(Ack::new(socket, id));
                let mut futures = Vec::new();
                for h in handlers {
                    let a = ack.take().unwrap_or_else(|| Ack::new(socket, None));
                    if let Some(fut) = h(socket.clone(), args.clone(), a) {
                        futures.push(fut);
                    }
                }
                futures
            }
        }
    };
    for fut in futures {
        fut.await;
    }
}
