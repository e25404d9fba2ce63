//! `io.listen(addr)` and `io.serve(listener)`: Socket.IO alone on a port, as Node's
//! `io.listen(3000)`, with no axum app around it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod engine_support;
mod sio_support;

use std::net::SocketAddr;
use std::time::Duration;

use sio_support::Raw;
use sockeye::{Socket, SocketIo};

fn greeting_server() -> SocketIo {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        let _ = socket.emit("hello", "world");
    });
    io
}

async fn assert_greets(addr: SocketAddr) {
    let (mut raw, _) = Raw::join(addr).await;
    assert_eq!(raw.recv().await.as_deref(), Some(r#"2["hello","world"]"#));
    let client = engine_support::http(addr, "GET", "/socket.io/socket.io.js", "").await;
    assert_eq!(client.status, 200, "the browser client is served");
    let other = engine_support::http(addr, "GET", "/index.html", "").await;
    assert_ne!(
        other.status, 200,
        "nothing but Socket.IO is served: {other:?}"
    );
}

#[tokio::test]
async fn serve_answers_on_a_listener_the_caller_bound() {
    let io = greeting_server();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn({
        let io = io.clone();
        async move { io.serve(listener).await }
    });
    assert_greets(addr).await;
    server.abort();
}

#[tokio::test]
async fn listen_binds_the_address_and_serves() {
    // A port found free a moment ago may be taken by then: try another one.
    for _ in 0..10 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let io = greeting_server();
        let server = tokio::spawn({
            let io = io.clone();
            async move { io.listen(("127.0.0.1", port)).await }
        });
        // Until the server accepts, or its listen ends (the port was taken meanwhile).
        let accepted = loop {
            if server.is_finished() {
                break false;
            }
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        if accepted {
            assert_greets(addr).await;
            server.abort();
            return;
        }
    }
    panic!("no free port could be listened on");
}

#[tokio::test]
async fn listen_on_an_address_in_use_is_an_error_naming_it() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap();
    let err = SocketIo::default().listen(addr).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    assert!(
        err.to_string()
            .starts_with(&format!("cannot listen on {addr}: ")),
        "{err}"
    );
}

#[tokio::test]
async fn listen_on_a_name_that_does_not_resolve_is_an_error() {
    // `.invalid` never resolves (RFC 6761); the resolver may still take a moment to say so.
    let result = SocketIo::default()
        .listen("no-such-host.invalid:3000")
        .await;
    assert!(result.is_err());
}
