//! The control events of a cluster test node: a client asks its node to start one
//! cross-node operation and gets the outcome in its acknowledgement. The Node node of the
//! mixed-cluster tests (`interop/redis/node-cluster-node.js`) answers the same events, so a
//! test can start every operation from either kind of node.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use sockeye::{
    Ack, Args, BroadcastAckError, BroadcastOperator, ServerSideAck, Socket, SocketIo, Value,
};

/// What a control event names: a selection of sockets and the operation's arguments.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Control {
    pub(crate) rooms: Vec<String>,
    pub(crate) except: Vec<String>,
    pub(crate) event: String,
    pub(crate) args: Vec<Value>,
    pub(crate) room: String,
    pub(crate) close: bool,
    pub(crate) timeout: Option<u64>,
}

impl Control {
    pub(crate) fn select(&self, io: &SocketIo) -> BroadcastOperator {
        io.to(self.rooms.clone()).except(self.except.clone())
    }
}

/// Registers the control events on `io`; `name` is what this node answers to server-side
/// events.
pub(crate) fn install(io: &SocketIo, name: &str) {
    let log: Arc<Mutex<Vec<Vec<Value>>>> = Arc::default();
    let (l, n) = (log.clone(), name.to_owned());
    io.on_server_side("sse", move |args: Args, ack: ServerSideAck| {
        let (log, name) = (l.clone(), n.clone());
        async move {
            if let Ok(mut log) = log.lock() {
                log.push(args.0);
            }
            ack.send(&name);
        }
    });
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let (io, log) = (io2.clone(), log.clone());
        async move { on_connection(&io, &log, &socket) }
    });
}

fn on_connection(io: &SocketIo, log: &Arc<Mutex<Vec<Vec<Value>>>>, socket: &Socket) {
    socket.on(
        "set-data",
        |socket: Socket, data: Value, ack: Ack| async move {
            let _ = socket.set_data(&data);
            ack.send(&());
        },
    );
    socket.on(
        "join",
        |socket: Socket, room: String, ack: Ack| async move {
            socket.join(room);
            ack.send(&());
        },
    );
    let io2 = io.clone();
    socket.on("c:emit", move |_s: Socket, c: Control, ack: Ack| {
        let io = io2.clone();
        async move {
            let result = c.select(&io).emit(&c.event, &Args(c.args.clone()));
            ack.send(&json!({ "ok": result.is_ok() }));
        }
    });
    let io2 = io.clone();
    socket.on("c:emit-ack", move |_s: Socket, c: Control, ack: Ack| {
        let io = io2.clone();
        async move {
            let timeout = Duration::from_millis(c.timeout.unwrap_or(2000));
            let outcome = c
                .select(&io)
                .timeout(timeout)
                .emit_with_ack::<_, Value>("ask", &())
                .await;
            let answer = match outcome {
                Ok(responses) => json!({ "ok": true, "responses": sorted(responses) }),
                Err(BroadcastAckError::Timeout(t)) => {
                    let firsts = t
                        .responses
                        .into_iter()
                        .filter_map(|(_, a)| a.into_iter().next());
                    json!({ "ok": false, "responses": sorted(firsts.collect()) })
                }
                Err(err) => json!({ "ok": false, "error": err.to_string() }),
            };
            ack.send(&answer);
        }
    });
    let io2 = io.clone();
    socket.on("c:fetch", move |_s: Socket, c: Control, ack: Ack| {
        let io = io2.clone();
        async move {
            let answer = match c.select(&io).fetch_sockets().await {
                Ok(mut sockets) => {
                    sockets.sort_by(|a, b| a.id.cmp(&b.id));
                    let list: Vec<serde_json::Value> = sockets
                        .iter()
                        .map(|s| {
                            let mut rooms: Vec<&String> = s.rooms.iter().collect();
                            rooms.sort();
                            json!({
                                "id": s.id,
                                "rooms": rooms,
                                "data": s.data,
                                "query": s.handshake.query,
                                "auth": s.handshake.auth,
                                "host": s.handshake.headers.contains_key("host"),
                            })
                        })
                        .collect();
                    json!({ "ok": true, "sockets": list })
                }
                Err(err) => json!({ "ok": false, "error": err.to_string() }),
            };
            ack.send(&answer);
        }
    });
    let io2 = io.clone();
    socket.on("c:join", move |_s: Socket, c: Control, ack: Ack| {
        let io = io2.clone();
        async move {
            let result = c.select(&io).sockets_join(c.room.clone()).await;
            ack.send(&json!({ "ok": result.is_ok() }));
        }
    });
    let io2 = io.clone();
    socket.on("c:leave", move |_s: Socket, c: Control, ack: Ack| {
        let io = io2.clone();
        async move {
            let result = c.select(&io).sockets_leave(c.room.clone()).await;
            ack.send(&json!({ "ok": result.is_ok() }));
        }
    });
    let io2 = io.clone();
    socket.on("c:disconnect", move |_s: Socket, c: Control, ack: Ack| {
        let io = io2.clone();
        async move {
            let result = c.select(&io).disconnect_sockets(c.close).await;
            ack.send(&json!({ "ok": result.is_ok() }));
        }
    });
    let io2 = io.clone();
    socket.on("c:sse", move |_s: Socket, args: Vec<Value>, ack: Ack| {
        let io = io2.clone();
        async move {
            let result = io.server_side_emit("sse", &Args(args)).await;
            ack.send(&json!({ "ok": result.is_ok() }));
        }
    });
    let io2 = io.clone();
    socket.on(
        "c:sse-ack",
        move |_s: Socket, args: Vec<Value>, ack: Ack| {
            let io = io2.clone();
            async move {
                let answer = match io
                    .server_side_emit_with_ack::<_, Value>("sse", &Args(args))
                    .await
                {
                    Ok(responses) => json!({ "ok": true, "responses": sorted(responses) }),
                    Err(err) => json!({ "ok": false, "error": err.to_string() }),
                };
                ack.send(&answer);
            }
        },
    );
    let l = log.clone();
    socket.on("c:sse-log", move |_s: Socket, _: (), ack: Ack| {
        let log = l.clone();
        async move {
            let entries = log.lock().map(|l| l.clone()).unwrap_or_default();
            ack.send(&entries);
        }
    });
    let io2 = io.clone();
    socket.on("c:all-rooms", move |_s: Socket, _: (), ack: Ack| {
        let io = io2.clone();
        async move {
            let answer = match io.all_rooms().await {
                Ok(rooms) => {
                    let mut rooms: Vec<String> = rooms.into_iter().collect();
                    rooms.sort();
                    json!({ "ok": true, "rooms": rooms })
                }
                Err(err) => json!({ "ok": false, "error": err.to_string() }),
            };
            ack.send(&answer);
        }
    });
    let io2 = io.clone();
    socket.on("c:server-count", move |_s: Socket, _: (), ack: Ack| {
        let io = io2.clone();
        async move {
            ack.send(&io.server_count().await.unwrap_or(0));
        }
    });
}

/// Answers in a stable order (strings by their text), as the Node node sorts them.
fn sorted(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_key(|v| match v {
        Value::String(s) => s.clone(),
        other => format!("{other:?}"),
    });
    values
}
