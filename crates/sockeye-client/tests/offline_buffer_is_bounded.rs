//! Emits made while the namespace is not joined are kept up to `max_buffered_bytes` of
//! encoded packets: one more fails at once with `EmitError::BufferFull`, what was kept goes
//! out in order on connection, and the room comes back once it is sent or cleared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use sockeye_client::{AckError, EmitError, Manager, Options, Socket};
use support::{Kind, Server, next, nothing_for};
use tokio::sync::mpsc;

/// The wire length of `socket.emit("echo", text)` on the main namespace.
fn size(text: &str) -> usize {
    format!(r#"42["echo","{text}"]"#).len()
}

#[tokio::test]
async fn emits_beyond_the_limit_are_refused_and_the_rest_arrive() {
    // A port with nothing behind it yet: the socket cannot join until the server starts.
    let port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let texts = ["first", "second", "third"];
    let limit: usize = texts.iter().map(|t| size(t)).sum();
    let options = Options::default()
        .reconnection_delay(Duration::from_millis(50))
        .reconnection_delay_max(Duration::from_millis(100))
        .max_buffered_bytes(limit);
    let manager = Manager::new(&format!("http://127.0.0.1:{port}"), options).unwrap();
    let socket = manager.socket("/");
    let (tx, mut echoes) = mpsc::unbounded_channel();
    socket.on("echo", move |_: Socket, text: String| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(text);
        }
    });
    let (ctx, mut connects) = mpsc::unbounded_channel();
    socket.on_connect(move |_: Socket| {
        let ctx = ctx.clone();
        async move {
            let _ = ctx.send(());
        }
    });
    socket.connect();

    for text in texts {
        socket.emit("echo", text).unwrap();
    }
    // Full to the byte: even one more small emit does not fit.
    assert_eq!(
        socket.emit("echo", "x"),
        Err(EmitError::BufferFull { limit })
    );
    let with_ack = socket.emit_with_ack::<_, String>("echo", "x").await;
    assert_eq!(
        with_ack,
        Err(AckError::Emit(EmitError::BufferFull { limit }))
    );
    assert_eq!(
        EmitError::BufferFull { limit }.to_string(),
        format!("the offline buffer is full ({limit} bytes): emit refused")
    );
    // A volatile emit is never kept, so it is never refused for room either.
    socket.volatile().emit("echo", "volatile").unwrap();

    let server = Server::start_on(Kind::Sockeye, port).await;
    next(&mut connects).await;
    for text in texts {
        assert_eq!(next(&mut echoes).await, text);
    }
    // Sent, so counted no more: the whole limit is free again.
    socket.disconnect();
    for text in texts {
        socket.emit("echo", text).unwrap();
    }
    assert!(matches!(
        socket.emit("echo", "x"),
        Err(EmitError::BufferFull { .. })
    ));
    // Leaving the namespace again clears what was kept, and its room with it.
    socket.disconnect();
    let mut freed = false;
    for _ in 0..100 {
        if socket.emit("echo", "after").is_ok() {
            freed = true;
            break;
        }
        // The driver clears the buffer in its own task: give it its turn.
        tokio::task::yield_now().await;
    }
    assert!(freed);
    socket.connect();
    next(&mut connects).await;
    assert_eq!(next(&mut echoes).await, "after");
    nothing_for(&mut echoes, Duration::from_millis(200)).await;
    server.stop().await;
}

/// The queue between the handles and the connection's task is bounded too: emits made
/// faster than the task takes them fail with `EmitError::Full` once 1024 wait, and work again
/// once it caught up.
#[tokio::test]
async fn a_full_command_queue_refuses_emits_until_it_drains() {
    let port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let manager = Manager::new(&format!("http://127.0.0.1:{port}"), Options::default()).unwrap();
    let socket = manager.socket("/");
    socket.connect();
    // The test's runtime has one thread: the connection's task does not run until this
    // one awaits, so nothing is taken from the queue meanwhile.
    let mut sent = 1;
    let refused = loop {
        match socket.emit("echo", "x") {
            Ok(()) => sent += 1,
            Err(err) => break err,
        }
        assert!(sent <= 1024, "the queue took more than its capacity");
    };
    assert_eq!((sent, refused), (1024, EmitError::Full));
    assert_eq!(
        EmitError::Full.to_string(),
        "the client's command queue is full"
    );
    // Leaving is not an emit: it waits for room instead of failing.
    socket.disconnect();
    let mut accepted = false;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        if socket.emit("echo", "x").is_ok() {
            accepted = true;
            break;
        }
    }
    assert!(accepted);
}
