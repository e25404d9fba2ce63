//! `sockeye-chat --metrics` serves `/metrics` beside the chat, and its counters follow a chat
//! session: the connection and its transport, the socket in `/`, the packets and bytes, the
//! broadcasts, a refused request. Without `--metrics`, `/metrics` is 404.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use sockeye_client::{Manager, Options, Socket};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHAT: &str = env!("CARGO_BIN_EXE_sockeye-chat");

/// Starts the chat on a free port; its log lines are read (and dropped) on a thread so that
/// it never waits on a full pipe.
fn start(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(CHAT)
        .args(["--port", "0", "--host", "127.0.0.1"])
        .args(args)
        .env_remove("REDIS_URL")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    std::thread::spawn(move || for _ in stdout.lines().map_while(Result::ok) {});
    (child, port)
}

/// One `Connection: close` GET: the status and the body.
async fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

/// The value of the sample written exactly as `sample` (name and labels).
fn sample(text: &str, sample: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {sample} in:\n{text}"))
        .parse()
        .unwrap()
}

async fn ask(socket: &Socket, event: &str, data: &Value) -> Value {
    socket
        .timeout(Duration::from_secs(5))
        .emit_with_ack(event, data)
        .await
        .unwrap()
}

#[tokio::test]
async fn metrics_follow_a_chat_session() {
    let (mut child, port) = start(&["--metrics"]);
    let (status, text) = get(port, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(sample(&text, r#"socketio_sockets{namespace="/"}"#), 0);
    assert_eq!(sample(&text, "socketio_packets_received_total"), 0);

    // One user on long-polling (no upgrade, so that the transport is known).
    let manager = Manager::new(
        &format!("http://127.0.0.1:{port}"),
        Options::default().upgrade(false).reconnection(false),
    )
    .unwrap();
    let socket = manager.socket("/");
    socket.connect();
    assert_eq!(
        ask(&socket, "user-join", &json!("ann")).await["status"],
        "ok"
    );
    assert_eq!(
        ask(&socket, "chat-message", &json!({"text": "hi"})).await["status"],
        "ok"
    );
    let (status, _) = get(port, "/socket.io/?EIO=4&transport=carrier-pigeon").await;
    assert_eq!(status, 400);

    let (_, text) = get(port, "/metrics").await;
    assert_eq!(
        sample(&text, r#"engineio_connections{transport="polling"}"#),
        1
    );
    assert_eq!(
        sample(&text, r#"engineio_connections{transport="websocket"}"#),
        0
    );
    assert_eq!(sample(&text, "engineio_upgrades_total"), 0);
    assert_eq!(sample(&text, r#"socketio_sockets{namespace="/"}"#), 1);
    // CONNECT, user-join, chat-message.
    assert_eq!(sample(&text, "socketio_packets_received_total"), 3);
    assert!(sample(&text, "socketio_bytes_received_total") > "42[\"chat-message\"]".len() as u64);
    // The user list and the message went to everyone; the acks and the CONNECT answer to ann.
    assert!(sample(&text, "socketio_broadcasts_total") >= 2, "{text}");
    assert!(sample(&text, "socketio_packets_sent_total") >= 5, "{text}");
    assert!(sample(&text, "socketio_bytes_sent_total") > 0);
    assert_eq!(
        sample(
            &text,
            r#"engineio_handshake_failures_total{reason="unknown_transport"}"#
        ),
        1
    );
    assert_eq!(sample(&text, "socketio_acks_pending"), 0);

    socket.disconnect();
    let mut left = text;
    for _ in 0..500 {
        if sample(&left, r#"socketio_sockets{namespace="/"}"#) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        left = get(port, "/metrics").await.1;
    }
    assert_eq!(sample(&left, r#"socketio_sockets{namespace="/"}"#), 0);
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn without_the_flag_metrics_are_not_served() {
    let (mut child, port) = start(&[]);
    let (status, _) = get(port, "/metrics").await;
    assert_eq!(status, 404);
    let (status, _) = get(port, "/api/health").await;
    assert_eq!(status, 200);
    let _ = child.kill();
    let _ = child.wait();
}
