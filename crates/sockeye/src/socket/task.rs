//! The work of one socket: it runs the connection handlers, then each event's handlers one
//! at a time in arrival order, then the disconnect handlers. It is a future polled by the
//! socket's connection, in the connection's task: no task per socket, none per event.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use socketio_proto::Value;

use super::{Ack, AnyListener, DisconnectReason, Event, Socket};
use crate::error::ArgsError;

/// An incoming EVENT packet for the socket.
#[derive(Debug)]
pub(crate) struct SocketEvent {
    /// The event name first, then the arguments.
    pub(crate) args: Vec<Value>,
    /// The ack id the client asked to be answered with.
    pub(crate) id: Option<u64>,
}

pub(crate) async fn run(socket: Socket) {
    // A panicking handler costs its socket, not the connection's other sockets and session.
    if AssertUnwindSafe(serve(&socket))
        .catch_unwind()
        .await
        .is_err()
    {
        tracing::error!(
            nsp = socket.namespace().name(),
            id = socket.id(),
            "a handler panicked: disconnecting the socket"
        );
        socket.send_disconnect_packet();
        socket.close_with(DisconnectReason::ServerNamespaceDisconnect);
    }
    close(&socket).await;
}

/// The connection handlers, then the events until the socket closes.
async fn serve(socket: &Socket) {
    for handler in socket.namespace().connection_handlers() {
        handler(socket.clone()).await;
    }
    // A close closes the queue too: what is left in it is skipped, then it ends.
    while let Some(event) = socket.0.events.pop().await {
        if socket.connected() {
            dispatch(socket, event).await;
        }
    }
}

async fn dispatch(socket: &Socket, event: SocketEvent) {
    let ack_id = event.id;
    let mut args = event.args;
    if args.is_empty() {
        return;
    }
    // The reference accepts a number as an event name; listeners see it as its string.
    let name = match args.remove(0) {
        Value::String(name) => name,
        Value::Number(n) => n.to_string(),
        _ => return,
    };

    let (any, middlewares) = {
        let listeners = socket.listeners();
        let any: Vec<AnyListener> = listeners.any.iter().map(|(_, l)| l.clone()).collect();
        (any, listeners.middlewares.clone())
    };
    if let Some(observer) = socket.namespace().observer() {
        observer.event_received(socket, &name, &args);
    }
    for listener in any {
        listener(socket, &name, &args);
    }

    let mut event = Event { name, args };
    for middleware in middlewares {
        match middleware(socket.clone(), event).await {
            Ok(next) => event = next,
            Err(err) => {
                let handlers = socket.listeners().error.clone();
                if handlers.is_empty() {
                    tracing::debug!(sid = socket.id(), %err, "packet refused by a middleware");
                }
                for handler in handlers {
                    handler(socket, &err);
                }
                return;
            }
        }
    }
    if !socket.connected() {
        return;
    }

    let handlers = socket.listeners().take_for(&event.name);
    if handlers.is_empty() {
        tracing::debug!(sid = socket.id(), event = %event.name, "no handler for event");
        return;
    }
    // Only the first handler gets the callback: an acknowledgement is answered once. The
    // last one takes the arguments; the others get copies.
    let mut ack = Some(Ack::new(socket, ack_id));
    let last = handlers.len() - 1;
    let mut args = Some(event.args);
    for (i, handler) in handlers.into_iter().enumerate() {
        let ack = ack.take().unwrap_or_else(|| Ack::new(socket, None));
        let args = if i == last {
            args.take().unwrap_or_default()
        } else {
            args.clone().unwrap_or_default()
        };
        match handler(socket.clone(), args, ack) {
            Ok(fut) => fut.await,
            Err((mismatch, ack)) => {
                let err = ArgsError {
                    event: event.name.clone(),
                    index: mismatch.index,
                    message: mismatch.message,
                };
                super::args_error::report(socket, &err, ack);
            }
        }
    }
}

async fn close(socket: &Socket) {
    let reason = socket
        .0
        .close_reason
        .lock()
        .ok()
        .and_then(|r| *r)
        .unwrap_or(DisconnectReason::TransportClose);
    tracing::info!(
        nsp = socket.namespace().name(),
        id = socket.id(),
        reason = reason.as_str(),
        "socket disconnected"
    );
    if let Some(observer) = socket.namespace().observer() {
        observer.socket_disconnected(socket, reason);
    }
    let disconnecting = socket.listeners().disconnecting.clone();
    for handler in disconnecting {
        guarded(socket, handler(socket.clone(), reason)).await;
    }
    let ns = socket.namespace();
    // Left behind for the client to recover, rooms as they are after `disconnecting`.
    if let Some(state) = socket.session_state(reason) {
        ns.persist_session(state);
    } else if let Some(pid) = socket.pid() {
        // Gone for good: what the cluster kept of it while connected goes too.
        ns.forget_session(pid);
    }
    ns.leave_all(socket.id());
    ns.remove_socket(socket.id());
    socket.drop_acks();
    let disconnect = socket.listeners().disconnect.clone();
    for handler in disconnect {
        guarded(socket, handler(socket.clone(), reason)).await;
    }
    // Break the cycles through the handlers' captured sockets.
    *socket.listeners() = super::Listeners::default();
}

/// Runs a disconnect handler; a panic in it is logged, and the socket's leaving goes on.
async fn guarded(socket: &Socket, handler: impl std::future::Future<Output = ()>) {
    if AssertUnwindSafe(handler).catch_unwind().await.is_err() {
        tracing::error!(
            nsp = socket.namespace().name(),
            id = socket.id(),
            "a disconnect handler panicked"
        );
    }
}
