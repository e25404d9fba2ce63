//! The Rust emitter, a process without sockets, reaches the sockets of every node.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bytes::Bytes;
use serde_json::json;
use sockeye::ServerSideAck;
use sockeye_redis::{Emitter, EmitterConfig, EmitterError};
use support::{Raw, Redis, config, node, until_cluster};

#[tokio::test]
async fn emitter_broadcasts_requests_and_server_side_events() {
    support::trace();
    let redis = Redis::start().await;
    let (io1, addr1) = node(config(&redis)).await;
    let (io2, addr2) = node(config(&redis)).await;
    until_cluster(&[&io1, &io2], 2).await;
    let emitter = Emitter::connect(EmitterConfig::new(redis.url()))
        .await
        .unwrap();

    let mut a = Raw::join(addr1, json!({"rooms": ["r1"]})).await;
    let mut b = Raw::join(addr2, json!({"rooms": ["r2"]})).await;

    emitter.emit("all", &("x", 1)).await.unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["all","x",1]"#);
    assert_eq!(b.recv().await.unwrap(), r#"2["all","x",1]"#);

    emitter.to("r1").emit("one", &()).await.unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["one"]"#);
    emitter
        .except("r1")
        .volatile()
        .compress(true)
        .emit("but", &())
        .await
        .unwrap();
    assert_eq!(b.recv().await.unwrap(), r#"2["but"]"#);

    emitter
        .emit("bin", &Bytes::from_static(b"\x01\x02"))
        .await
        .unwrap();
    assert_eq!(
        a.recv().await.unwrap(),
        r#"51-["bin",{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(a.recv().await.unwrap(), "<binary 0102>");
    assert_eq!(
        b.recv().await.unwrap(),
        r#"51-["bin",{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(b.recv().await.unwrap(), "<binary 0102>");

    emitter.to("r2").sockets_join("r3").await.unwrap();
    emitter.to("r3").emit("three", &()).await.unwrap();
    assert_eq!(b.recv().await.unwrap(), r#"2["three"]"#);
    emitter.sockets_leave("r3").await.unwrap();
    emitter.to("r3").emit("three", &()).await.unwrap();
    emitter.emit("barrier", &()).await.unwrap();
    assert_eq!(b.recv().await.unwrap(), r#"2["barrier"]"#);
    assert_eq!(a.recv().await.unwrap(), r#"2["barrier"]"#);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for io in [&io1, &io2] {
        let tx = tx.clone();
        io.on_server_side("ping", move |n: u32, ack: ServerSideAck| {
            let tx = tx.clone();
            async move {
                // the emitter asks for no answer
                assert!(!ack.wanted());
                let _ = tx.send(n);
            }
        });
    }
    emitter.server_side_emit("ping", &5).await.unwrap();
    assert_eq!((rx.recv().await, rx.recv().await), (Some(5), Some(5)));

    emitter.to("r1").disconnect_sockets(false).await.unwrap();
    assert_eq!(a.recv().await.unwrap(), "1");

    // other namespaces
    io1.of("/chat");
    let mut c = Raw::join_nsp(addr1, "/chat", json!({})).await;
    emitter.of("chat").emit("hi", &()).await.unwrap();
    assert_eq!(c.recv().await.unwrap(), r#"2/chat,["hi"]"#);
}

#[tokio::test]
async fn reserved_event_names_are_refused() {
    let redis = Redis::start().await;
    let emitter = Emitter::connect(EmitterConfig::new(redis.url()))
        .await
        .unwrap();
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        assert_eq!(
            emitter.emit(name, &()).await,
            Err(EmitterError::Reserved(name.to_owned()))
        );
    }
}

#[tokio::test]
async fn an_unreachable_redis_is_a_connect_error() {
    let redis = Redis::start().await;
    let url = redis.url();
    drop(redis);
    assert!(
        Emitter::connect(EmitterConfig::new(url.clone()))
            .await
            .is_err()
    );
    assert!(
        sockeye_redis::RedisAdapter::classic(sockeye_redis::RedisConfig::new(url))
            .await
            .is_err()
    );
    assert!(
        Emitter::connect(EmitterConfig::new("not a url"))
            .await
            .is_err()
    );
}
