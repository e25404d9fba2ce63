//! JSON nested 128 levels (the argument array included) is accepted, as Node accepts it; the
//! nesting limit (`Config::decoder_limits.max_depth`, default 256) closes the connection
//! past it, and it can be set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use sio_support::{Raw, serve};
use sockeye::{Socket, SocketIo, Value};

/// An event `["echo", <levels - 1 nested arrays around 1>]`: `levels` deep in all.
fn deep_event(levels: usize) -> String {
    format!(
        r#"2["echo",{}1{}]"#,
        "[".repeat(levels - 1),
        "]".repeat(levels - 1)
    )
}

async fn server(max_depth: Option<usize>) -> std::net::SocketAddr {
    let io = match max_depth {
        Some(d) => SocketIo::builder()
            .with_config(|c| c.decoder_limits = c.decoder_limits.clone().max_depth(d))
            .build(),
        None => SocketIo::default(),
    };
    io.on_connection(|socket: Socket| async move {
        socket.on("echo", |socket: Socket, _v: Value| async move {
            let _ = socket.emit("echoed", &());
        });
    });
    serve(&io).await
}

#[tokio::test]
async fn json_nested_128_levels_is_accepted_by_default() {
    let addr = server(None).await;
    let (mut raw, _) = Raw::join(addr).await;
    for levels in [128, 256] {
        raw.send(&deep_event(levels)).await;
        assert_eq!(
            raw.recv().await.as_deref(),
            Some(r#"2["echoed"]"#),
            "{levels}"
        );
    }
    raw.send(&deep_event(257)).await;
    assert!(raw.until_closed().await.is_empty());
}

#[tokio::test]
async fn the_nesting_limit_is_configurable() {
    let addr = server(Some(4)).await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(&deep_event(4)).await;
    assert_eq!(raw.recv().await.as_deref(), Some(r#"2["echoed"]"#));
    raw.send(&deep_event(5)).await;
    assert!(raw.until_closed().await.is_empty());
}
