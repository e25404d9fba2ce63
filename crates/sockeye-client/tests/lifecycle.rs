//! The connection's life: a server that stops pinging (a tiny raw websocket server, so that
//! it can go silent on purpose) is noticed within `pingInterval + pingTimeout`; reconnection
//! gives up after `reconnection_attempts` and starts again on `connect()`; dropping the last
//! handle leaves the server cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sockeye_client::{DisconnectReason, Manager, Options, Socket, Transport};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Accepts websocket sessions that open, join the main namespace, then never ping.
async fn silent_server() -> (String, mpsc::UnboundedReceiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            n += 1;
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
                let open = format!(
                    r#"0{{"sid":"s{n}","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000000}}"#
                );
                ws.send(Message::text(open)).await.unwrap();
                let _ = tx.send(());
                while let Some(Ok(msg)) = ws.next().await {
                    if msg.to_text().ok() == Some("40") {
                        ws.send(Message::text(format!(r#"40{{"sid":"x{n}"}}"#)))
                            .await
                            .unwrap();
                    }
                }
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn a_server_that_stops_pinging_is_a_ping_timeout_then_a_reconnection() {
    support::trace();
    let (url, mut sessions) = silent_server().await;
    let options = Options::default()
        .transports([Transport::WebSocket])
        .reconnection_delay(Duration::from_millis(50))
        .reconnection_delay_max(Duration::from_millis(50));
    let manager = Manager::new(&url, options).unwrap();
    let socket = manager.socket("/");
    let (tx, mut events) = mpsc::unbounded_channel();
    let t = tx.clone();
    socket.on_connect(move |_s: Socket| {
        let t = t.clone();
        async move {
            let _ = t.send("connect".to_owned());
        }
    });
    socket.on_disconnect(move |_s: Socket, reason: DisconnectReason| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(reason.to_string());
        }
    });
    socket.connect();
    support::next(&mut sessions).await;
    assert_eq!(support::next(&mut events).await, "connect");
    let started = tokio::time::Instant::now();
    assert_eq!(support::next(&mut events).await, "ping timeout");
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1000), "{took:?}");
    // The manager opens a new session on its own.
    support::next(&mut sessions).await;
    assert_eq!(support::next(&mut events).await, "connect");
}

#[tokio::test]
async fn dropping_the_last_handle_closes_the_connection() {
    let server = support::Server::start(support::Kind::Sockeye).await;
    let socket = sockeye_client::io(&server.url()).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    socket.on_connect(move |_s: Socket| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(());
        }
    });
    socket.connect();
    support::next(&mut rx).await;
    let support::Server::Sockeye { io, .. } = &server else {
        unreachable!()
    };
    assert_eq!(io.of("/").socket_count(), 1);
    drop(socket);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while io.of("/").socket_count() != 0 {
        assert!(tokio::time::Instant::now() < deadline, "still connected");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn reconnection_gives_up_after_its_attempts_and_connect_starts_again() {
    // A port nobody listens on, until the server starts there.
    let port = support::bind(0).await.local_addr().unwrap().port();
    let options = Options::default()
        .reconnection_attempts(2)
        .reconnection_delay(Duration::from_millis(20))
        .reconnection_delay_max(Duration::from_millis(40));
    let manager = Manager::new(&format!("http://127.0.0.1:{port}"), options).unwrap();
    let (tx, mut events) = mpsc::unbounded_channel();
    let t = tx.clone();
    manager.on_reconnect_attempt(move |n| {
        let _ = t.send(format!("attempt {n}"));
    });
    let t = tx.clone();
    manager.on_reconnect_error(move |_| {
        let _ = t.send("reconnect_error".to_owned());
    });
    let t = tx.clone();
    manager.on_reconnect_failed(move || {
        let _ = t.send("reconnect_failed".to_owned());
    });
    let socket = manager.socket("/");
    let t = tx.clone();
    socket.on_connect_error(move |_s: Socket, err| {
        let t = t.clone();
        async move {
            assert!(err.message.contains("error"), "{err}");
            let _ = t.send("connect_error".to_owned());
        }
    });
    socket.on_connect(move |_s: Socket| {
        let t = tx.clone();
        async move {
            let _ = t.send("connect".to_owned());
        }
    });
    socket.connect();
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("reconnect_failed") {
        seen.push(support::next(&mut events).await);
    }
    let manager_events: Vec<&str> = seen
        .iter()
        .map(String::as_str)
        .filter(|e| *e != "connect_error")
        .collect();
    assert_eq!(
        manager_events,
        [
            "attempt 1",
            "reconnect_error",
            "attempt 2",
            "reconnect_error",
            "reconnect_failed"
        ]
    );
    // Socket handlers run on the socket's own task: the last one may come after.
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(300), events.recv()).await {
        seen.push(e);
    }
    assert_eq!(
        seen.iter().filter(|e| *e == "connect_error").count(),
        3,
        "{seen:?}"
    );
    let failed_at = seen.iter().position(|e| e == "reconnect_failed").unwrap();
    assert!(
        seen[failed_at + 1..].iter().all(|e| e == "connect_error"),
        "no attempt after giving up: {seen:?}"
    );

    let server = support::Server::start_on(support::Kind::Sockeye, port).await;
    socket.connect();
    loop {
        let e = support::next(&mut events).await;
        if e == "connect" {
            break;
        }
    }
    server.stop().await;
}
