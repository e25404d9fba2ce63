//! A chat message the page sends again (its answer was lost with a connection) is answered
//! with the first one's id and not broadcast twice; another message, or one without a `cid`,
//! is a new message.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use sockeye_client::{Manager, Options, Socket};

const CHAT: &str = env!("CARGO_BIN_EXE_sockeye-chat");

async fn ask(socket: &Socket, event: &str, data: &Value) -> Value {
    socket
        .timeout(Duration::from_secs(5))
        .emit_with_ack(event, data)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_message_sent_again_is_broadcast_once() {
    let mut child = Command::new(CHAT)
        .args(["--port", "0", "--host", "127.0.0.1"])
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().rsplit(':').next().unwrap().to_owned();
    let manager = Manager::new(&format!("http://127.0.0.1:{port}"), Options::default()).unwrap();
    let socket = manager.socket("/");
    let (tx, mut texts) = tokio::sync::mpsc::unbounded_channel();
    socket.on("chat-message", move |_s: Socket, msg: Value| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(msg["text"].as_str().unwrap_or_default().to_owned());
        }
    });
    socket.connect();
    assert_eq!(
        ask(&socket, "user-join", &json!("ann")).await["status"],
        "ok"
    );

    let first = ask(&socket, "chat-message", &json!({"text": "hi", "cid": "c1"})).await;
    let again = ask(&socket, "chat-message", &json!({"text": "hi", "cid": "c1"})).await;
    assert_eq!(first["status"], "ok");
    assert_eq!(again, first, "the same answer, the same id");
    let other = ask(&socket, "chat-message", &json!({"text": "hi", "cid": "c2"})).await;
    assert_ne!(other["id"], first["id"]);
    let bare = ask(&socket, "chat-message", &json!({"text": "no cid"})).await;
    let bare_again = ask(&socket, "chat-message", &json!({"text": "no cid"})).await;
    assert_ne!(
        bare["id"], bare_again["id"],
        "without a cid every message is new"
    );
    let wrong = ask(&socket, "chat-message", &json!({"text": "odd", "cid": 7})).await;
    assert_eq!(
        wrong["status"], "ok",
        "a cid of the wrong type is ignored: {wrong}"
    );

    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(
            tokio::time::timeout(Duration::from_secs(5), texts.recv())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(got, ["hi", "hi", "no cid", "no cid", "odd"]);
    let _ = child.kill();
    let _ = child.wait();
}
