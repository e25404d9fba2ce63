//! Redis killed during traffic and started again: no panic, local delivery goes on, requests
//! fail with the typed error within their timeout, and the cluster works again once Redis is
//! back (the adapter reconnects and subscribes again by itself).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use sockeye::{AdapterError, EmitError};
use support::{Raw, Redis, config, eventually_async, node, until_cluster};

#[tokio::test]
async fn the_cluster_survives_a_redis_restart() {
    support::trace();
    let mut redis = Redis::start().await;
    let (io1, addr1) = node(config(&redis)).await;
    let (io2, addr2) = node(config(&redis)).await;
    until_cluster(&[&io1, &io2], 2).await;
    let mut a = Raw::join(addr1, json!({})).await;
    let mut b = Raw::join(addr2, json!({})).await;
    io1.emit("before", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["before"]"#);
    assert_eq!(b.recv().await.unwrap(), r#"2["before"]"#);

    redis.kill();

    // Requests fail with the typed error, within the requests timeout (2 s here).
    let started = tokio::time::Instant::now();
    let err = io1.fetch_sockets().await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Transport(_) | AdapterError::Timeout),
        "{err:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(io1.server_count().await.is_err());

    // Local delivery goes on; the other nodes' part is reported (once the outage is known).
    eventually_async(|| async {
        matches!(
            io1.emit("during", &()),
            Err(EmitError::Adapter(AdapterError::Transport(_)))
        )
    })
    .await;
    let mut seen = 0;
    while let Some(msg) = a.recv().await {
        assert_eq!(msg, r#"2["during"]"#);
        seen += 1;
        if seen >= 1 {
            break;
        }
    }

    redis.restart().await;
    // Back within seconds: both nodes resubscribed.
    until_cluster(&[&io1, &io2], 2).await;
    eventually_async(|| async { io1.emit("after", &()).is_ok() }).await;
    // node 1's own socket gets every "during"/"after" emit locally; b gets the first "after"
    // that crossed Redis.
    loop {
        let msg = b.recv().await.unwrap();
        if msg == r#"2["after"]"# {
            break;
        }
    }
    every_node_answers_again(&io2, 2).await;
}

#[tokio::test]
async fn the_sharded_cluster_survives_a_redis_cluster_restart() {
    support::trace();
    let mut redis = support::RedisCluster::start().await;
    let config = || sockeye_redis::ShardedConfig {
        requests_timeout: std::time::Duration::from_secs(2),
        ..sockeye_redis::ShardedConfig::new(redis.urls())
    };
    let (io1, addr1) = support::sharded_node(config()).await;
    let (io2, addr2) = support::sharded_node(config()).await;
    until_cluster(&[&io1, &io2], 2).await;
    let mut a = Raw::join(addr1, json!({})).await;
    let mut b = Raw::join(addr2, json!({})).await;

    redis.kill();
    let err = io1.fetch_sockets().await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Transport(_) | AdapterError::Timeout),
        "{err:?}"
    );
    // local delivery goes on, whatever the cluster part says
    let _ = io1.emit("during", &());
    assert_eq!(a.recv().await.unwrap(), r#"2["during"]"#);

    redis.restart().await;
    until_cluster(&[&io1, &io2], 2).await;
    eventually_async(|| async { io1.emit("after", &()).is_ok() }).await;
    loop {
        let msg = b.recv().await.unwrap();
        if msg == r#"2["after"]"# {
            break;
        }
    }
    every_node_answers_again(&io2, 2).await;
}

#[tokio::test]
async fn the_streams_cluster_survives_a_redis_restart() {
    support::trace();
    let mut redis = Redis::start().await;
    let (io1, addr1) = support::streams_node(support::streams_config(&redis)).await;
    let (io2, addr2) = support::streams_node(support::streams_config(&redis)).await;
    until_cluster(&[&io1, &io2], 2).await;
    let mut a = Raw::join(addr1, json!({})).await;
    let mut b = Raw::join(addr2, json!({})).await;
    io1.emit("before", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["before"]"#);
    assert_eq!(b.recv().await.unwrap(), r#"2["before"]"#);

    redis.kill();
    let err = io1.fetch_sockets().await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Transport(_) | AdapterError::Timeout),
        "{err:?}"
    );
    // local delivery goes on; the other nodes' part is reported once the outage is known
    eventually_async(|| async {
        matches!(
            io1.emit("during", &()),
            Err(EmitError::Adapter(AdapterError::Transport(_)))
        )
    })
    .await;
    assert_eq!(a.recv().await.unwrap(), r#"2["during"]"#);

    redis.restart().await;
    // subscribed again and reading the new stream: a broadcast crosses again
    until_cluster(&[&io1, &io2], 2).await;
    eventually_async(|| async { io1.emit("after", &()).is_ok() }).await;
    loop {
        let msg = b.recv().await.unwrap();
        if msg == r#"2["after"]"# {
            break;
        }
        assert_eq!(msg, r#"2["during"]"#, "only what was sent is received");
    }
    every_node_answers_again(&io2, 2).await;
}

/// Waits until a request from `io` is answered by every node again. `until_cluster` only proves
/// that each node listens on the namespace's channel again; a node's own response channel may
/// be subscribed again a moment later (one channel per command on a Redis Cluster), and a
/// request made in between times out, as it does with the Node adapter.
async fn every_node_answers_again(io: &sockeye::SocketIo, sockets: usize) {
    eventually_async(|| async { io.fetch_sockets().await.map(|s| s.len()).ok() == Some(sockets) })
        .await;
}
