//! The `chat-client` program against the `sockeye-chat` server: two clients see each other's
//! messages. Runs the release binaries (`cargo build --release --bins`, as `scripts/test`
//! does first); when they are missing the test says so and passes without running.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")));
    target.join("release").join(name)
}

#[tokio::test]
async fn two_chat_clients_see_each_others_messages() {
    let (server_bin, client_bin) = (binary("sockeye-chat"), binary("chat-client"));
    if !server_bin.exists() || !client_bin.exists() {
        eprintln!("skipped: build the release binaries first (cargo build --release --bins)");
        return;
    }
    let mut server = Command::new(&server_bin)
        .env("PORT", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), out.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let url = line.split_whitespace().last().unwrap().to_owned();
    assert!(url.starts_with("http://localhost:"), "{line}");

    // Bob listens (websocket) long enough for Alice's message; Alice sends over polling.
    let mut bob = Command::new(&client_bin)
        .args([
            "--url",
            &url,
            "--name",
            "bob",
            "--transport",
            "websocket",
            "--wait",
            "3",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut bob_out = BufReader::new(bob.stdout.take().unwrap()).lines();
    let mut bob_in = bob.stdin.take().unwrap();
    bob_in.write_all(b"hi from bob\n").await.unwrap();
    drop(bob_in);
    // Bob has joined once his own message comes back.
    let first = tokio::time::timeout(Duration::from_secs(10), bob_out.next_line())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.as_deref(), Some("bob: hi from bob"));

    let mut alice = Command::new(&client_bin)
        .args(["--url", &url, "--name", "alice", "--transport", "polling"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = alice.stdin.take().unwrap();
    stdin.write_all(b"hello from alice\n").await.unwrap();
    drop(stdin);
    let done = tokio::time::timeout(Duration::from_secs(15), alice.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    let alice_said = String::from_utf8_lossy(&done.stdout);
    assert!(
        alice_said.contains("alice: hello from alice"),
        "{alice_said}"
    );

    let mut bob_saw = Vec::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(10), bob_out.next_line()).await
    {
        bob_saw.push(line);
    }
    assert!(
        bob_saw.contains(&"* alice joined the chat".to_owned()),
        "{bob_saw:?}"
    );
    assert!(
        bob_saw.contains(&"alice: hello from alice".to_owned()),
        "{bob_saw:?}"
    );
    let status = tokio::time::timeout(Duration::from_secs(10), bob.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    let _ = server.kill().await;
}
