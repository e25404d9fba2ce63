//! Three sockeye nodes with the sharded adapter on a three-master Redis Cluster, in each
//! subscription mode: every cross-node operation reaches the selected sockets once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use sockeye::{ServerSideAck, SocketIo};
use sockeye_redis::{ShardedConfig, SubscriptionMode};
use support::{Raw, RedisCluster, sharded_node, until_cluster};

/// A broadcast to everyone: once it arrives, what was sent before on the same channel has.
/// Extra probes (see `until_received`) are skipped: they may come on a room's own channel,
/// whose order against the namespace channel Redis does not keep (other shard).
async fn barrier(io: &SocketIo, clients: &mut [&mut Raw]) {
    io.emit("barrier", &()).unwrap();
    for c in clients.iter_mut() {
        loop {
            let msg = c.recv().await.unwrap();
            if msg != r#"2["probe"]"# {
                assert_eq!(msg, r#"2["barrier"]"#);
                break;
            }
        }
    }
}

/// Broadcasts to `room` until `client` gets it (a room's own channel is subscribed a moment
/// after the room appears on its node), then drains the extra copies.
async fn until_received(io: &SocketIo, room: &str, client: &mut Raw) {
    for _ in 0..50 {
        io.to(room).emit("probe", &()).unwrap();
        if client.recv_within(Duration::from_millis(200)).await.is_ok() {
            return;
        }
    }
    panic!("{room} never reached the client");
}

async fn every_operation(mode: SubscriptionMode) {
    support::trace();
    let redis = RedisCluster::start().await;
    let mut nodes = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..3 {
        let config = ShardedConfig {
            subscription_mode: mode,
            requests_timeout: Duration::from_secs(2),
            ..ShardedConfig::new(redis.urls())
        };
        let (io, addr) = sharded_node(config).await;
        nodes.push(io);
        addrs.push(addr);
    }
    until_cluster(&nodes.iter().collect::<Vec<_>>(), 3).await;

    let mut a = Raw::join(addrs[0], json!({"rooms": ["r1"]})).await;
    let mut b = Raw::join(addrs[1], json!({"rooms": ["r1", "r2"], "data": {"n": 1}})).await;
    let mut d = Raw::join(addrs[2], json!({"rooms": ["r3"]})).await;
    // a dynamic room's channel is subscribed by the node that has it: wait until a
    // broadcast to it arrives
    until_received(&nodes[2], "r2", &mut b).await;
    barrier(&nodes[0], &mut [&mut a, &mut b, &mut d]).await;

    nodes[0].emit("all", &"hi").unwrap();
    for x in [&mut a, &mut b, &mut d] {
        assert_eq!(x.recv().await.unwrap(), r#"2["all","hi"]"#);
    }
    nodes[2].to("r2").emit("one", &1).unwrap();
    assert_eq!(b.recv().await.unwrap(), r#"2["one",1]"#);
    nodes[2].to(["r1", "r2"]).emit("many", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["many"]"#);
    assert_eq!(b.recv().await.unwrap(), r#"2["many"]"#);
    nodes[0].except("r2").emit("but", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["but"]"#);
    assert_eq!(d.recv().await.unwrap(), r#"2["but"]"#);
    nodes[0].to(d.id.clone()).emit("direct", &()).unwrap();
    assert_eq!(d.recv().await.unwrap(), r#"2["direct"]"#);
    nodes[0]
        .to("r3")
        .emit("bin", &Bytes::from_static(&[1, 2]))
        .unwrap();
    assert_eq!(
        d.recv().await.unwrap(),
        r#"51-["bin",{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(d.recv().await.unwrap(), "<binary 0102>");
    barrier(&nodes[1], &mut [&mut a, &mut b, &mut d]).await;

    // acks counted across nodes
    let io = nodes[0].clone();
    let ask = tokio::spawn(async move {
        io.timeout(Duration::from_secs(5))
            .emit_with_ack::<_, u32>("ask", &())
            .await
    });
    for (i, client) in [&mut a, &mut b, &mut d].into_iter().enumerate() {
        let msg = client.recv().await.unwrap();
        let id: String = msg[1..].chars().take_while(char::is_ascii_digit).collect();
        client.send(&format!("3{id}[{i}]")).await;
    }
    let mut answers = ask.await.unwrap().unwrap();
    answers.sort();
    assert_eq!(answers, [0, 1, 2]);

    // fetch, join, leave, disconnect
    let fetched = nodes[0].to("r2").fetch_sockets().await.unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].id, b.id);
    assert_eq!(fetched[0].data, json!({"n": 1}).into());
    assert_eq!(
        fetched[0].rooms,
        HashSet::from([b.id.clone(), "r1".into(), "r2".into()])
    );
    nodes[2].to("r1").sockets_join("new").await.unwrap();
    until_received(&nodes[2], "new", &mut a).await;
    barrier(&nodes[2], &mut [&mut a, &mut b, &mut d]).await;
    nodes[2].to("new").sockets_leave("new").await.unwrap();
    nodes[0].to("r3").disconnect_sockets(false).await.unwrap();
    assert_eq!(d.recv().await.unwrap(), "1");

    // server-side events
    for (i, io) in nodes.iter().enumerate() {
        io.on_server_side("hello", move |n: u32, ack: ServerSideAck| async move {
            ack.send(&(n + i as u32));
        });
    }
    let mut answers: Vec<u32> = nodes[1]
        .server_side_emit_with_ack("hello", &10)
        .await
        .unwrap();
    answers.sort();
    assert_eq!(answers, [10, 12]);
    assert_eq!(nodes[0].server_count().await, Ok(3));
}

#[tokio::test]
async fn static_mode_reaches_every_node() {
    every_operation(SubscriptionMode::Static).await;
}

#[tokio::test]
async fn dynamic_mode_reaches_every_node() {
    every_operation(SubscriptionMode::Dynamic).await;
}

#[tokio::test]
async fn dynamic_private_mode_reaches_every_node() {
    every_operation(SubscriptionMode::DynamicPrivate).await;
}
