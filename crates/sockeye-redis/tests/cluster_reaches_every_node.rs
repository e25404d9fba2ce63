//! Three sockeye nodes on one Redis, with the classic adapter and with the Redis Streams
//! adapter: every cross-node operation reaches the selected sockets of every node, once, in
//! the order it was sent. Each scenario runs with both adapters (`classic::` and `streams::`
//! tests); what only the streams adapter does (the stream's order across nodes, foreign
//! entries, its options, several streams) follows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use sockeye::{AdapterError, BroadcastAckError, ServerSideAck, SocketIo};
use support::{Raw, Redis, config, node, streams_config, streams_node, until_cluster};

struct Cluster {
    _redis: Redis,
    nodes: Vec<SocketIo>,
    addrs: Vec<std::net::SocketAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Classic,
    Streams,
}

async fn cluster(kind: Kind) -> Cluster {
    support::trace();
    let redis = Redis::start().await;
    let mut nodes = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..3 {
        let (io, addr) = match kind {
            Kind::Classic => node(config(&redis)).await,
            Kind::Streams => streams_node(streams_config(&redis)).await,
        };
        nodes.push(io);
        addrs.push(addr);
    }
    until_cluster(&nodes.iter().collect::<Vec<_>>(), 3).await;
    Cluster {
        _redis: redis,
        nodes,
        addrs,
    }
}

/// A broadcast to everyone, sent after the others: once it arrives, everything before it has
/// (classic: one publisher, one subscriber per node, Redis keeps the order; streams: one
/// stream per namespace, read in order by every node).
async fn barrier(io: &SocketIo, clients: &mut [&mut Raw]) {
    io.emit("barrier", &()).unwrap();
    for c in clients.iter_mut() {
        assert_eq!(c.recv().await.unwrap(), r#"2["barrier"]"#);
    }
}

async fn broadcasts_reach_the_selected_sockets_of_every_node_once(kind: Kind) {
    let c = cluster(kind).await;
    let mut a = Raw::join(c.addrs[0], json!({"rooms": ["r1"]})).await;
    let mut b = Raw::join(c.addrs[1], json!({"rooms": ["r1", "r2"]})).await;
    let mut d = Raw::join(c.addrs[2], json!({"rooms": ["r3"]})).await;

    // everyone
    c.nodes[0].emit("all", &"hi").unwrap();
    for x in [&mut a, &mut b, &mut d] {
        assert_eq!(x.recv().await.unwrap(), r#"2["all","hi"]"#);
    }

    // one room (its own channel), from a node that has none of its sockets
    c.nodes[2].to("r2").emit("one", &1).unwrap();
    assert_eq!(b.recv().await.unwrap(), r#"2["one",1]"#);

    // several rooms: a socket in both gets it once
    c.nodes[2].to(["r1", "r2"]).emit("many", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["many"]"#);
    assert_eq!(b.recv().await.unwrap(), r#"2["many"]"#);

    // except
    c.nodes[0].except("r2").emit("but", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["but"]"#);
    assert_eq!(d.recv().await.unwrap(), r#"2["but"]"#);

    // a socket id is a room
    c.nodes[0].to(d.id.clone()).emit("direct", &"x").unwrap();
    assert_eq!(d.recv().await.unwrap(), r#"2["direct","x"]"#);

    barrier(&c.nodes[1], &mut [&mut a, &mut b, &mut d]).await;
}

async fn binary_and_nested_payloads_cross_nodes_intact(kind: Kind) {
    let c = cluster(kind).await;
    let mut b = Raw::join(c.addrs[1], json!({})).await;
    let payload = (
        json!({"n": -5, "f": 1.5, "big": 1u64 << 40, "s": "héllo 🌍", "nested": {"a": [null, true]}}),
        Bytes::from_static(&[0, 1, 2, 255]),
    );
    c.nodes[0].emit("bin", &payload).unwrap();
    assert_eq!(
        b.recv().await.unwrap(),
        // (json! sorts the keys)
        r#"51-["bin",{"big":1099511627776,"f":1.5,"n":-5,"nested":{"a":[null,true]},"s":"héllo 🌍"},{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(b.recv().await.unwrap(), "<binary 000102ff>");
}

async fn broadcast_acks_are_counted_across_nodes(kind: Kind) {
    let c = cluster(kind).await;
    let mut clients = Vec::new();
    for addr in &c.addrs {
        clients.push(Raw::join(*addr, json!({})).await);
    }
    let io = c.nodes[0].clone();
    let ask = tokio::spawn(async move {
        io.timeout(Duration::from_secs(5))
            .emit_with_ack::<_, String>("ask", &())
            .await
    });
    for (i, client) in clients.iter_mut().enumerate() {
        let msg = client.recv().await.unwrap();
        // 2<id>["ask"]
        let id: String = msg[1..].chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(&msg[1 + id.len()..], r#"["ask"]"#);
        client.send(&format!(r#"3{id}["answer {i}"]"#)).await;
    }
    let mut answers = ask.await.unwrap().unwrap();
    answers.sort();
    assert_eq!(answers, ["answer 0", "answer 1", "answer 2"]);
}

async fn a_socket_that_does_not_answer_times_the_broadcast_out(kind: Kind) {
    let c = cluster(kind).await;
    let mut a = Raw::join(c.addrs[1], json!({})).await;
    let mut silent = Raw::join(c.addrs[2], json!({})).await;
    let io = c.nodes[0].clone();
    let ask = tokio::spawn(async move {
        io.timeout(Duration::from_millis(500))
            .emit_with_ack::<_, u32>("ask", &())
            .await
    });
    let msg = a.recv().await.unwrap();
    let id: String = msg[1..].chars().take_while(char::is_ascii_digit).collect();
    a.send(&format!("3{id}[7]")).await;
    assert!(silent.recv().await.unwrap().ends_with(r#"["ask"]"#));
    match ask.await.unwrap() {
        Err(BroadcastAckError::Timeout(t)) => {
            assert_eq!(t.responses.len(), 1);
            assert_eq!(t.expected, 2);
        }
        other => panic!("{other:?}"),
    }
}

async fn fetch_sockets_describes_remote_sockets(kind: Kind) {
    let c = cluster(kind).await;
    let b = Raw::join(
        c.addrs[1],
        json!({"rooms": ["r1"], "data": {"user": "bob", "age": 7}}),
    )
    .await;
    let d = Raw::join(c.addrs[2], json!({"rooms": ["r2"]})).await;

    let all = c.nodes[0].fetch_sockets().await.unwrap();
    let ids: HashSet<String> = all.iter().map(|s| s.id.clone()).collect();
    assert_eq!(ids, HashSet::from([b.id.clone(), d.id.clone()]));

    let in_r1 = c.nodes[0].to("r1").fetch_sockets().await.unwrap();
    assert_eq!(in_r1.len(), 1);
    let bob = &in_r1[0];
    assert_eq!(bob.id, b.id);
    assert_eq!(bob.rooms, HashSet::from([b.id.clone(), "r1".to_owned()]));
    assert_eq!(bob.data, json!({"user": "bob", "age": 7}).into());
    assert_eq!(
        bob.handshake.auth.get("data"),
        Some(&json!({"user": "bob", "age": 7}).into())
    );
    assert!(bob.handshake.address.contains("127.0.0.1"));

    let ids = c.nodes[0].to("r2").all_sockets().await.unwrap();
    assert_eq!(ids, HashSet::from([d.id.clone()]));
}

async fn remote_joins_leaves_and_disconnects_apply_on_every_node(kind: Kind) {
    let c = cluster(kind).await;
    let mut a = Raw::join(c.addrs[0], json!({"rooms": ["src"]})).await;
    let mut b = Raw::join(c.addrs[1], json!({"rooms": ["src"]})).await;
    let mut d = Raw::join(c.addrs[2], json!({})).await;

    c.nodes[2].to("src").sockets_join("dst").await.unwrap();
    c.nodes[2].to("dst").emit("in-dst", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["in-dst"]"#);
    assert_eq!(b.recv().await.unwrap(), r#"2["in-dst"]"#);
    barrier(&c.nodes[2], &mut [&mut a, &mut b, &mut d]).await;

    c.nodes[0]
        .to(b.id.clone())
        .sockets_leave("dst")
        .await
        .unwrap();
    c.nodes[0].to("dst").emit("in-dst", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["in-dst"]"#);
    barrier(&c.nodes[0], &mut [&mut a, &mut b, &mut d]).await;

    let rooms = c.nodes[2].all_rooms().await.unwrap();
    match kind {
        Kind::Classic => {
            assert!(rooms.contains("dst") && rooms.contains("src"), "{rooms:?}");
            assert!(rooms.contains(&a.id) && rooms.contains(&d.id), "{rooms:?}");
        }
        // as in the reference, the protocol has no all-rooms request: a node knows its own
        Kind::Streams => assert!(rooms.contains(&d.id) && !rooms.contains(&a.id), "{rooms:?}"),
    }

    c.nodes[2]
        .to("src")
        .disconnect_sockets(false)
        .await
        .unwrap();
    assert_eq!(a.recv().await.unwrap(), "1");
    assert_eq!(b.recv().await.unwrap(), "1");
    let left = c.nodes[0].fetch_sockets().await.unwrap();
    assert_eq!(
        left.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        [d.id.clone()]
    );
}

async fn server_side_events_reach_the_other_nodes_and_come_back_answered(kind: Kind) {
    let c = cluster(kind).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for (i, io) in c.nodes.iter().enumerate() {
        let tx = tx.clone();
        io.on_server_side("hello", move |(n, s): (u32, String), ack: ServerSideAck| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((i, n, s));
                ack.send(&(i * 10));
            }
        });
    }
    c.nodes[0]
        .server_side_emit("hello", &(1, "x"))
        .await
        .unwrap();
    let mut got = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
    got.sort();
    assert_eq!(got, [(1, 1, "x".to_owned()), (2, 1, "x".to_owned())]);

    let mut answers: Vec<usize> = c.nodes[1]
        .server_side_emit_with_ack("hello", &(2, "y"))
        .await
        .unwrap();
    answers.sort();
    assert_eq!(answers, [0, 20]);
    assert_eq!(c.nodes[0].server_count().await, Ok(3));
}

async fn a_node_that_never_answers_times_the_request_out(kind: Kind) {
    let c = cluster(kind).await;
    // node 2 listens but never answers
    c.nodes[2].on_server_side("q", |_: (), _ack: ServerSideAck| async move {});
    c.nodes[1].on_server_side("q", |_: (), ack: ServerSideAck| async move { ack.send(&1) });
    let result = c.nodes[0]
        .server_side_emit_with_ack::<_, u32>("q", &())
        .await;
    assert_eq!(
        result,
        Err(BroadcastAckError::Adapter(AdapterError::Timeout))
    );
}

async fn namespaces_are_separate_clusters(kind: Kind) {
    let c = cluster(kind).await;
    for io in &c.nodes {
        io.of("/chat");
    }
    let mut main = Raw::join(c.addrs[1], json!({})).await;
    let mut chat = Raw::join_nsp(c.addrs[1], "/chat", json!({})).await;
    support::eventually_async(|| async { c.nodes[0].of("/chat").server_count().await == Ok(3) })
        .await;
    c.nodes[0].of("/chat").emit("in-chat", &()).unwrap();
    assert_eq!(chat.recv().await.unwrap(), r#"2/chat,["in-chat"]"#);
    c.nodes[0].emit("in-main", &()).unwrap();
    assert_eq!(main.recv().await.unwrap(), r#"2["in-main"]"#);
}

async fn a_closed_node_leaves_the_cluster(kind: Kind) {
    let c = cluster(kind).await;
    c.nodes[2].close().await;
    until_cluster(&[&c.nodes[0], &c.nodes[1]], 2).await;
    // and requests no longer wait for it
    assert!(c.nodes[0].fetch_sockets().await.unwrap().is_empty());
    if kind == Kind::Classic {
        assert_eq!(c.nodes[0].all_rooms().await, Ok(Default::default()));
    }
}

async fn a_burst_of_broadcasts_arrives_whole_and_in_order(kind: Kind) {
    let c = cluster(kind).await;
    let mut b = Raw::join(c.addrs[1], json!({"rooms": ["r"]})).await;
    for i in 0..2000u32 {
        // classic: alternate the namespace channel and a room's channel, one publisher keeps
        // the order; streams: everything goes through the one stream of the namespace
        if i % 2 == 0 {
            c.nodes[0].emit("n", &i).unwrap();
        } else {
            c.nodes[0].to("r").emit("n", &i).unwrap();
        }
    }
    for i in 0..2000u32 {
        assert_eq!(b.recv().await.unwrap(), format!(r#"2["n",{i}]"#));
    }
}

/// Each scenario above, once per adapter: `classic::<name>` and `streams::<name>`.
macro_rules! on_both_adapters {
    ($($name:ident),* $(,)?) => {
        mod classic {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Kind::Classic).await;
            })*
        }
        mod streams {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Kind::Streams).await;
            })*
        }
    };
}

on_both_adapters!(
    broadcasts_reach_the_selected_sockets_of_every_node_once,
    binary_and_nested_payloads_cross_nodes_intact,
    broadcast_acks_are_counted_across_nodes,
    a_socket_that_does_not_answer_times_the_broadcast_out,
    fetch_sockets_describes_remote_sockets,
    remote_joins_leaves_and_disconnects_apply_on_every_node,
    server_side_events_reach_the_other_nodes_and_come_back_answered,
    a_node_that_never_answers_times_the_request_out,
    namespaces_are_separate_clusters,
    a_closed_node_leaves_the_cluster,
    a_burst_of_broadcasts_arrives_whole_and_in_order,
);

// What only the streams adapter does.

#[tokio::test]
async fn joins_and_broadcasts_of_different_nodes_keep_the_streams_order() {
    let c = cluster(Kind::Streams).await;
    let mut b = Raw::join(c.addrs[1], json!({})).await;
    // node 0 makes b join, node 2 then broadcasts to the room: both went through the
    // stream, so b is in the room when the broadcast is read
    c.nodes[0]
        .to(b.id.clone())
        .sockets_join("late")
        .await
        .unwrap();
    c.nodes[2].to("late").emit("to-late", &()).unwrap();
    assert_eq!(b.recv().await.unwrap(), r#"2["to-late"]"#);
}

#[tokio::test]
async fn entries_from_other_programs_are_ignored_without_harm() {
    let c = cluster(Kind::Streams).await;
    let mut b = Raw::join(c.addrs[1], json!({})).await;
    let client = redis::Client::open(c._redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for fields in [
        vec![("foo", "bar")],
        vec![("nsp", "/"), ("type", "3"), ("data", "{not json")],
        vec![("nsp", "/"), ("type", "3"), ("data", "@@@")],
        vec![("nsp", "/"), ("type", "x"), ("uid", "other")],
        vec![("nsp", "/nobody"), ("type", "3"), ("data", "{}")],
    ] {
        let _: String = redis::cmd("XADD")
            .arg("socket.io")
            .arg("*")
            .arg(&fields)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
    barrier(&c.nodes[0], &mut [&mut b]).await;
}

#[tokio::test]
async fn bad_options_and_an_unreachable_redis_are_connect_errors() {
    use sockeye_redis::{RedisAdapter, StreamsConfig};
    let redis = Redis::start().await;
    for bad in [
        StreamsConfig {
            use_sharded_pub_sub: true,
            ..streams_config(&redis)
        },
        StreamsConfig {
            stream_count: 0,
            ..streams_config(&redis)
        },
        StreamsConfig {
            read_count: 0,
            ..streams_config(&redis)
        },
        StreamsConfig {
            max_len: 0,
            ..streams_config(&redis)
        },
        StreamsConfig::new("not a url"),
        // a port nobody listens on
        StreamsConfig::new("redis://127.0.0.1:1"),
    ] {
        assert!(RedisAdapter::streams(bad.clone()).await.is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn several_streams_carry_each_namespace_on_its_own() {
    let redis = Redis::start().await;
    let config = || sockeye_redis::StreamsConfig {
        stream_count: 3,
        ..streams_config(&redis)
    };
    let (io1, _) = streams_node(config()).await;
    let (io2, addr2) = streams_node(config()).await;
    for io in [&io1, &io2] {
        io.of("/admin");
    }
    until_cluster(&[&io1, &io2], 2).await;
    let mut main = Raw::join(addr2, json!({})).await;
    let mut admin = Raw::join_nsp(addr2, "/admin", json!({})).await;
    io1.emit("m", &1).unwrap();
    io1.of("/admin").emit("a", &2).unwrap();
    assert_eq!(main.recv().await.unwrap(), r#"2["m",1]"#);
    assert_eq!(admin.recv().await.unwrap(), r#"2/admin,["a",2]"#);
    // "/" and "/admin" hash to different streams of three (2 and 1)
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for (stream, len) in [("socket.io-2", 1), ("socket.io-1", 1), ("socket.io", 0)] {
        let n: usize = redis::cmd("XLEN")
            .arg(stream)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, len, "{stream}");
    }
}
