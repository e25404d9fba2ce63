//! At the default level (info), a refused request, a refused namespace connection and each
//! socket's disconnection are logged with their reason; the per-packet news is not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;
mod sio_support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use sio_support::{Raw, eventually, serve};
use sockeye::{ConnectError, Socket, SocketIo};

/// What the subscriber wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn refusals_and_disconnect_reasons_are_logged_at_info() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // One test in this binary: the subscriber is the process's.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on(
            "bye",
            |socket: Socket| async move { socket.disconnect(false) },
        );
    });
    io.of("/private")
        .middleware(|_socket: Socket| async move { Err(ConnectError::new("not authorized")) });
    let addr = serve(&io).await;

    let r = engine_support::http(addr, "GET", "/socket.io/?EIO=4&transport=pigeon", "").await;
    assert_eq!(r.status, 400);
    let line = |needle: &str| {
        captured
            .text()
            .lines()
            .find(|l| l.contains(needle))
            .map(str::to_owned)
    };
    let refused = line("engine.io request refused").expect("the refusal is logged");
    assert!(refused.contains(" INFO "), "{refused}");
    assert!(
        refused.contains("reason=\"unknown_transport\""),
        "{refused}"
    );
    assert!(refused.contains("Transport unknown"), "{refused}");

    let (mut raw, id) = Raw::join(addr).await;
    raw.send("0/private,").await;
    let answer = raw.recv().await.unwrap();
    assert!(answer.starts_with("4/private,"), "{answer}");
    let refused = line("refused by a middleware").expect("the middleware's refusal is logged");
    assert!(refused.contains(" INFO "), "{refused}");
    assert!(refused.contains("not authorized"), "{refused}");

    // The server disconnects the socket, then its client goes.
    raw.send(r#"2["bye"]"#).await;
    assert_eq!(raw.recv().await.unwrap(), "1");
    eventually(|| line("server namespace disconnect").is_some()).await;
    let disconnected = line("server namespace disconnect").unwrap();
    assert!(disconnected.contains(" INFO "), "{disconnected}");
    assert!(
        disconnected.contains("socket disconnected"),
        "{disconnected}"
    );
    assert!(disconnected.contains(&id), "{disconnected}");

    let (raw, id) = Raw::join(addr).await;
    drop(raw);
    eventually(|| line("transport close").is_some()).await;
    assert!(line("transport close").unwrap().contains(&id));

    // Nothing per packet at info.
    let text = captured.text();
    assert!(!text.contains("DEBUG"), "{text}");
    assert!(!text.contains("packet in"), "{text}");
}
