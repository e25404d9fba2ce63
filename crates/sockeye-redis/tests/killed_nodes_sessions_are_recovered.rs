//! With the Redis Streams adapter and connection state recovery, a connected socket's state is
//! kept in Redis as it changes, so that a node that is killed (no disconnect handling at all)
//! leaves its clients recoverable on another node with what they missed; a socket that leaves
//! for good takes its state with it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::{Redis, streams_config, streams_node_recovering};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

struct Client(WebSocketStream<TcpStream>);

impl Client {
    /// Opens a websocket session and sends CONNECT with `auth`.
    async fn connect(addr: SocketAddr, auth: Value) -> Client {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let stream = TcpStream::connect(addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
        let mut client = Client(ws);
        assert!(client.next().await.unwrap().starts_with('0'));
        client
            .0
            .send(Message::text(format!("40{auth}")))
            .await
            .unwrap();
        client
    }

    /// The next Engine.IO message's text (pings answered); `None` once closed.
    async fn next(&mut self) -> Option<String> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), self.0.next())
                .await
                .expect("a message within 10 s");
            match msg {
                Some(Ok(Message::Text(t))) if t.as_str() == "2" => {
                    let _ = self.0.send(Message::text("3")).await;
                }
                Some(Ok(Message::Text(t))) => return Some(t.to_string()),
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    }

    /// Events up to the CONNECT answer (a restore replays before it), and the answer.
    async fn until_connected(&mut self) -> (Vec<Value>, Value) {
        let mut events = Vec::new();
        loop {
            let text = self.next().await.expect("a CONNECT answer");
            if let Some(answer) = text.strip_prefix("40") {
                return (events, serde_json::from_str(answer).unwrap());
            }
            let body = text.strip_prefix("42").unwrap_or_else(|| panic!("{text}"));
            events.push(serde_json::from_str(body).unwrap());
        }
    }

    async fn event(&mut self) -> Value {
        let text = self.next().await.expect("an event");
        serde_json::from_str(text.strip_prefix("42").unwrap_or_else(|| panic!("{text}"))).unwrap()
    }
}

/// A recovering node in a runtime of its own, which `kill` drops with every task in it: no
/// disconnect handler runs, nothing is persisted at the end, as when the process is killed.
struct Doomed {
    addr: SocketAddr,
    kill: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Doomed {
    fn start(config: sockeye_redis::StreamsConfig) -> Doomed {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (kill, killed) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            let (io, addr) = runtime.block_on(streams_node_recovering(config));
            addr_tx.send(addr).unwrap();
            let _ = killed.recv();
            runtime.shutdown_background();
            std::mem::forget(io);
        });
        Doomed {
            addr: addr_rx.recv().unwrap(),
            kill,
            thread,
        }
    }

    fn kill(self) {
        self.kill.send(()).unwrap();
        self.thread.join().unwrap();
    }
}

async fn session_kept(redis: &Redis, pid: &str) -> bool {
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let exists: bool = redis::cmd("EXISTS")
        .arg(format!("sio:session:{pid}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    exists
}

async fn until_kept(redis: &Redis, pid: &str, kept: bool) {
    for _ in 0..500 {
        if session_kept(redis, pid).await == kept {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("session {pid} kept: not {kept} after 5 s");
}

#[tokio::test]
async fn a_killed_node_s_client_recovers_on_another_node_with_what_it_missed() {
    let redis = Redis::start().await;
    let doomed = Doomed::start(streams_config(&redis));
    let (other, other_addr) = streams_node_recovering(streams_config(&redis)).await;

    let mut client = Client::connect(doomed.addr, json!({"rooms": ["r"], "data": {"n": 1}})).await;
    let (_, answer) = client.until_connected().await;
    let (sid, pid) = (
        answer["sid"].clone(),
        answer["pid"].as_str().unwrap().to_owned(),
    );
    // An event for its room, from the other node, to learn an offset.
    support::eventually_async(|| async { other.server_count().await == Ok(2) }).await;
    other.to("r").emit("first", &1).unwrap();
    let first = client.event().await;
    assert_eq!(first[0], "first");
    let offset = first.as_array().unwrap().last().unwrap().clone();
    until_kept(&redis, &pid, true).await;

    doomed.kill();
    assert_eq!(
        client.next().await,
        None,
        "the killed node's connection is gone"
    );
    other.to("r").emit("missed", &2).unwrap();
    other.to("elsewhere").emit("not-for-it", &3).unwrap();

    let mut again = Client::connect(other_addr, json!({"pid": pid, "offset": offset})).await;
    let (replayed, answer) = again.until_connected().await;
    assert_eq!(answer["sid"], sid, "the same socket, restored");
    let names: Vec<&str> = replayed.iter().map(|e| e[0].as_str().unwrap()).collect();
    assert_eq!(names, ["missed"]);
    let restored = other.sockets().get_socket(sid.as_str().unwrap()).unwrap();
    assert!(restored.recovered());
    assert!(restored.rooms().contains("r"));
    assert_eq!(restored.data::<Value>().unwrap(), json!({"n": 1}));
}

#[tokio::test]
async fn a_socket_that_leaves_for_good_takes_its_kept_state_with_it() {
    let redis = Redis::start().await;
    let (_first, first_addr) = streams_node_recovering(streams_config(&redis)).await;
    let (_other, other_addr) = streams_node_recovering(streams_config(&redis)).await;

    let mut client = Client::connect(first_addr, json!({"rooms": ["r"]})).await;
    let (_, answer) = client.until_connected().await;
    let pid = answer["pid"].as_str().unwrap().to_owned();
    until_kept(&redis, &pid, true).await;

    // The client's own namespace disconnect: not recoverable.
    client.0.send(Message::text("41")).await.unwrap();
    until_kept(&redis, &pid, false).await;

    let mut again = Client::connect(other_addr, json!({"pid": pid, "offset": "0-0"})).await;
    let (replayed, fresh) = again.until_connected().await;
    assert!(replayed.is_empty());
    assert_ne!(fresh["sid"], answer["sid"], "a fresh socket");
}
