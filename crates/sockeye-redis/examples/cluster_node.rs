//! One node of a Socket.IO cluster on Redis, for trying the adapter by hand or beside Node
//! nodes: `cargo run -p sockeye-redis --example cluster_node -- 3001 redis://127.0.0.1:6379`
//! (classic), or with `sharded` after the URL of one node of a Redis Cluster, and then
//! optionally `static`, `dynamic` (default) or `dynamic-private`.
//!
//! Its sockets join the rooms listed in their auth's `rooms`. A client drives it with events:
//! `emit` `{rooms, except, event, data}` broadcasts; `fetch` answers the ids of every socket of
//! the cluster; `ask` broadcasts `question` with acknowledgements (1 s) and answers with
//! them; `server_ask` sends `hello` to the other servers and answers with theirs; `count`
//! answers the server count. Server-side `hello` is answered with `sockeye`.

use std::time::Duration;

use serde::Deserialize;
use sockeye::{Ack, ServerSideAck, Socket, SocketIo, Value};
use sockeye_redis::{RedisAdapter, RedisConfig, ShardedConfig, SubscriptionMode};

#[derive(Deserialize)]
struct EmitOrder {
    #[serde(default)]
    rooms: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    event: String,
    data: Value,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().as_deref().unwrap_or("3001").parse()?;
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());

    let adapter = if args.next().as_deref() == Some("sharded") {
        let subscription_mode = match args.next().as_deref() {
            Some("static") => SubscriptionMode::Static,
            Some("dynamic-private") => SubscriptionMode::DynamicPrivate,
            _ => SubscriptionMode::Dynamic,
        };
        RedisAdapter::sharded(ShardedConfig {
            subscription_mode,
            ..ShardedConfig::new([url])
        })
        .await?
    } else {
        RedisAdapter::classic(RedisConfig::new(url)).await?
    };
    let io = SocketIo::builder().adapter(adapter).build();
    io.on_server_side("hello", |_: Value, ack: ServerSideAck| async move {
        ack.send("sockeye");
    });
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let io = io2.clone();
        async move {
            if let Some(rooms) = socket
                .handshake()
                .auth
                .get("rooms")
                .and_then(Value::as_array)
            {
                let rooms: Vec<String> = rooms
                    .iter()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect();
                socket.join(rooms);
            }
            let io1 = io.clone();
            socket.on("emit", move |_: Socket, order: EmitOrder| {
                let io = io1.clone();
                async move {
                    let op = io.to(order.rooms).except(order.except);
                    if let Err(err) = op.emit(&order.event, &order.data) {
                        eprintln!("emit: {err}");
                    }
                }
            });
            let io1 = io.clone();
            socket.on("fetch", move |_: Socket, _: Value, ack: Ack| {
                let io = io1.clone();
                async move {
                    let ids: Vec<String> = match io.fetch_sockets().await {
                        Ok(sockets) => sockets.into_iter().map(|s| s.id).collect(),
                        Err(err) => vec![format!("error: {err}")],
                    };
                    ack.send(&ids);
                }
            });
            let io1 = io.clone();
            socket.on("ask", move |_: Socket, _: Value, ack: Ack| {
                let io = io1.clone();
                async move {
                    let answers = io
                        .timeout(Duration::from_secs(1))
                        .emit_with_ack::<_, Value>("question", &())
                        .await;
                    match answers {
                        Ok(answers) => ack.send(&answers),
                        Err(err) => ack.send(&format!("error: {err}")),
                    };
                }
            });
            let io1 = io.clone();
            socket.on("server_ask", move |_: Socket, _: Value, ack: Ack| {
                let io = io1.clone();
                async move {
                    match io.server_side_emit_with_ack::<_, Value>("hello", &()).await {
                        Ok(answers) => ack.send(&answers),
                        Err(err) => ack.send(&format!("error: {err}")),
                    };
                }
            });
            let io1 = io.clone();
            socket.on("count", move |_: Socket, _: Value, ack: Ack| {
                let io = io1.clone();
                async move {
                    ack.send(&io.server_count().await.unwrap_or(0));
                }
            });
        }
    });

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on {}", listener.local_addr()?);
    sockeye::engine::serve(listener, io.service()).await?;
    Ok(())
}
