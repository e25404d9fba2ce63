//! The UI's commands: `emit`, `join`, `leave` and `_disconnect`, each on the sockets of a
//! namespace or of one room of it ("filter": a socket's id names its own room), anywhere in
//! the cluster, as the reference runs them through `io.of(nsp).in(filter)`.
//!
//! The reference's arguments are JavaScript's: a command with arguments of the wrong type is
//! refused here with a log line, and, when the sender asked for an acknowledgement, an
//! answer `{ "error": why }`, instead of doing something unexpected.

use socketio_proto::{Map, Value};

use crate::adapter::room_name;
use crate::operators::BroadcastOperator;
use crate::{Ack, Args, Socket, SocketIo};

/// The commands the UI may send, by the features `config` announces.
pub(crate) const COMMANDS: [&str; 4] = ["emit", "join", "leave", "_disconnect"];

/// Registers the commands on an admin socket.
pub(crate) fn register(socket: &Socket, io: std::sync::Weak<crate::server::ServerInner>) {
    for command in COMMANDS {
        let io = io.clone();
        socket.on(command, move |_: Socket, args: Args, ack: Ack| {
            let io = io.upgrade().map(SocketIo);
            async move {
                let Some(io) = io else { return };
                let outcome = run(&io, command, args.0).await;
                if let Err(why) = &outcome {
                    tracing::warn!(command, %why, "admin command refused");
                }
                if ack.requested() {
                    let mut answer = Map::new();
                    if let Err(why) = outcome {
                        answer.insert("error", Value::String(why));
                    }
                    ack.send(&Value::Object(answer));
                }
            }
        });
    }
}

/// Runs one command with the UI's arguments.
pub(crate) async fn run(io: &SocketIo, command: &str, args: Vec<Value>) -> Result<(), String> {
    let mut args = args.into_iter();
    let nsp = match args.next() {
        Some(Value::String(nsp)) if nsp.starts_with('/') => nsp,
        other => {
            return Err(format!(
                "the namespace must be a string starting with /, got {}",
                kind(&other)
            ));
        }
    };
    match command {
        "emit" => {
            let filter = filter(args.next())?;
            let event = match args.next() {
                Some(Value::String(event)) => event,
                other => {
                    return Err(format!(
                        "the event name must be a string, got {}",
                        kind(&other)
                    ));
                }
            };
            let rest: Vec<Value> = args.collect();
            target(io, &nsp, filter)
                .emit(&event, &Args(rest))
                .map_err(|e| e.to_string())
        }
        "join" | "leave" => {
            let room = args
                .next()
                .as_ref()
                .and_then(room_name)
                .ok_or("the room must be a string or a number")?;
            let op = target(io, &nsp, filter(args.next())?);
            let done = if command == "join" {
                op.sockets_join(room).await
            } else {
                op.sockets_leave(room).await
            };
            done.map_err(|e| e.to_string())
        }
        "_disconnect" => {
            let close = match args.next() {
                Some(Value::Bool(close)) => close,
                None | Some(Value::Null) => false,
                other => return Err(format!("`close` must be a boolean, got {}", kind(&other))),
            };
            target(io, &nsp, filter(args.next())?)
                .disconnect_sockets(close)
                .await
                .map_err(|e| e.to_string())
        }
        other => Err(format!("unknown command {other}")),
    }
}

/// The optional room a command is limited to; JavaScript's falsy values mean none.
fn filter(value: Option<Value>) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(v) => room_name(&v)
            .map(Some)
            .ok_or_else(|| format!("the filter must be a room name, got {}", kind(&Some(v)))),
    }
}

fn target(io: &SocketIo, nsp: &str, filter: Option<String>) -> BroadcastOperator {
    // As the reference's `io.of(nsp)`: a namespace this node does not have yet is created, so
    // that the command reaches the nodes that have it.
    let ns = io.of(nsp);
    match filter {
        Some(room) => ns.within(room),
        None => BroadcastOperator::new(ns),
    }
}

fn kind(value: &Option<Value>) -> &'static str {
    match value {
        None => "nothing",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
        Some(Value::Object(_)) => "an object",
        Some(Value::Binary(_)) => "binary data",
    }
}
