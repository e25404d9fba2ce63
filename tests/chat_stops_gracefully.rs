//! The chat stops gracefully on SIGTERM: it stops accepting, tells its clients to reconnect
//! (their transport closes, not "io server disconnect", so they do reconnect), and exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use sockeye_client::{DisconnectReason, Manager, Options, Socket};

const CHAT: &str = env!("CARGO_BIN_EXE_sockeye-chat");

#[tokio::test]
async fn sigterm_closes_every_connection_and_exits() {
    let mut child = Command::new(CHAT)
        .args(["--port", "0", "--host", "127.0.0.1"])
        .env_remove("REDIS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port = line.trim().rsplit(':').next().unwrap().to_owned();

    let manager = Manager::new(
        &format!("http://127.0.0.1:{port}"),
        Options::default().reconnection(false),
    )
    .unwrap();
    let socket = manager.socket("/");
    let (tx, mut reasons) = tokio::sync::mpsc::unbounded_channel();
    socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(reason.to_string());
        }
    });
    let (up, connected) = tokio::sync::oneshot::channel();
    let up = std::sync::Mutex::new(Some(up));
    socket.on_connect(move |_s: Socket| {
        let up = up.lock().unwrap().take();
        async move {
            if let Some(up) = up {
                let _ = up.send(());
            }
        }
    });
    socket.connect();
    tokio::time::timeout(Duration::from_secs(10), connected)
        .await
        .unwrap()
        .unwrap();

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let reason = tokio::time::timeout(Duration::from_secs(10), reasons.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reason, "transport close", "a client told to reconnect");
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(
        rest.contains("Shutting down: closing 1 connection(s)"),
        "{rest}"
    );
}
