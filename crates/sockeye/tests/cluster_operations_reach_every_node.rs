//! Every cross-node operation through the `ClusterAdapter` seam, on three `SocketIo` nodes
//! joined by the in-process cluster: broadcasts (all, room, several rooms, except, binary),
//! broadcasts with acknowledgements counted on every node, `fetch_sockets`, `sockets_join`,
//! `sockets_leave`, `disconnect_sockets`, server-side events with and without answers,
//! `all_rooms` and `server_count`, and `local` staying on its node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod sio_support;

use std::time::Duration;

use cluster_support::InProcessCluster;
use sio_support::{Raw, eventually, serve};
use sockeye::{BroadcastAckError, ServerSideAck, Socket, SocketIo, Value};

struct Node {
    io: SocketIo,
    client: Raw,
    id: String,
}

/// Three nodes of one cluster, one client on each, each socket's `data` holding its node.
async fn three_nodes() -> Vec<Node> {
    let cluster = InProcessCluster::new();
    let mut nodes = Vec::new();
    for n in 0..3 {
        let io = SocketIo::builder().adapter(cluster.factory(n)).build();
        io.on_connection(move |socket: Socket| async move {
            socket.set_data(&serde_json::json!({ "node": n })).unwrap();
            socket.on("answer-me", |_s: Socket, _v: Value| async move {});
        });
        let addr = serve(&io).await;
        let (client, id) = Raw::join(addr).await;
        eventually(|| io.sockets().socket_count() == 1).await;
        nodes.push(Node { io, client, id });
    }
    nodes
}

/// What each client gets next.
async fn next_of_each(nodes: &mut [Node]) -> Vec<String> {
    let mut got = Vec::new();
    for node in nodes.iter_mut() {
        got.push(node.client.recv().await.unwrap());
    }
    got
}

/// Sends a marker to everyone and returns what each client got before it: proves what did
/// not arrive.
async fn before_marker(nodes: &mut [Node]) -> Vec<Vec<String>> {
    nodes[0].io.emit("marker", &()).unwrap();
    let mut all = Vec::new();
    for node in nodes.iter_mut() {
        let mut got = Vec::new();
        loop {
            let m = node.client.recv().await.unwrap();
            if m == r#"2["marker"]"# {
                break;
            }
            got.push(m);
        }
        all.push(got);
    }
    all
}

#[tokio::test]
async fn broadcasts_reach_the_selected_sockets_on_every_node() {
    let mut nodes = three_nodes().await;
    let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();

    nodes[0].io.emit("all", &1).unwrap();
    assert_eq!(next_of_each(&mut nodes).await, vec![r#"2["all",1]"#; 3]);

    // Rooms joined on two nodes; a multi-room emit reaches each socket once.
    nodes[1]
        .io
        .sockets()
        .get_socket(&ids[1])
        .unwrap()
        .join(["a", "b"]);
    nodes[2].io.sockets().get_socket(&ids[2]).unwrap().join("b");
    nodes[0].io.to("a").to("b").emit("rooms", &2).unwrap();
    nodes[0].io.to("b").except("a").emit("except", &3).unwrap();
    nodes[2].io.to(ids[0].clone()).emit("by-id", &4).unwrap();
    nodes[1].io.local().emit("local", &5).unwrap();
    let bytes = bytes::Bytes::from_static(&[1, 2, 3]);
    nodes[1].io.to("b").emit("bin", &bytes).unwrap();
    let got = before_marker(&mut nodes).await;
    assert_eq!(got[0], vec![r#"2["by-id",4]"#.to_owned()]);
    assert_eq!(
        got[1],
        vec![
            r#"2["rooms",2]"#.to_owned(),
            r#"2["local",5]"#.to_owned(),
            r#"51-["bin",{"_placeholder":true,"num":0}]"#.to_owned(),
            "<binary 3>".to_owned()
        ]
    );
    assert_eq!(
        got[2],
        vec![
            r#"2["rooms",2]"#.to_owned(),
            r#"2["except",3]"#.to_owned(),
            r#"51-["bin",{"_placeholder":true,"num":0}]"#.to_owned(),
            "<binary 3>".to_owned()
        ]
    );

    // socket.broadcast() leaves out the sender, wherever the others are.
    let sender = nodes[1].io.sockets().get_socket(&ids[1]).unwrap();
    sender.broadcast().emit("others", &6).unwrap();
    let got = before_marker(&mut nodes).await;
    assert_eq!(got[0], vec![r#"2["others",6]"#.to_owned()]);
    assert!(got[1].is_empty());
    assert_eq!(got[2], vec![r#"2["others",6]"#.to_owned()]);
}

#[tokio::test]
async fn acknowledgements_are_counted_on_every_node() {
    let mut nodes = three_nodes().await;
    let io = nodes[0].io.clone();
    let ask = tokio::spawn(async move {
        io.timeout(Duration::from_secs(5))
            .emit_with_ack::<_, String>("ask", &())
            .await
    });
    for node in nodes.iter_mut() {
        let m = node.client.recv().await.unwrap();
        let id: String = m
            .trim_start_matches('2')
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert_eq!(m, format!(r#"2{id}["ask"]"#));
        node.client.send(&format!(r#"3{id}["{}"]"#, node.id)).await;
    }
    let mut answers = ask.await.unwrap().unwrap();
    answers.sort();
    let mut ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    ids.sort();
    assert_eq!(answers, ids);

    // One remote socket stays silent: the deadline reports the others' answers.
    let io = nodes[0].io.clone();
    let ask = tokio::spawn(async move {
        io.timeout(Duration::from_millis(300))
            .emit_with_ack::<_, u32>("ask", &())
            .await
    });
    for (i, node) in nodes.iter_mut().enumerate() {
        let m = node.client.recv().await.unwrap();
        let id: String = m[1..].chars().take_while(char::is_ascii_digit).collect();
        if i != 2 {
            node.client.send(&format!("3{id}[{i}]")).await;
        }
    }
    match ask.await.unwrap() {
        Err(BroadcastAckError::Timeout(t)) => {
            assert_eq!(t.expected, 3);
            assert_eq!(t.responses.len(), 2);
            assert!(t.missing.is_empty(), "the silent socket is remote");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn bulk_requests_reach_remote_sockets() {
    let mut nodes = three_nodes().await;
    let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let io = nodes[0].io.clone();

    let mut all = io.fetch_sockets().await.unwrap();
    all.sort_by_key(|s| s.data::<serde_json::Value>().unwrap()["node"].as_u64());
    assert_eq!(all.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), ids);
    assert!(all[2].rooms.contains(&ids[2]));
    assert_eq!(
        all[2].handshake.query.get("EIO").map(String::as_str),
        Some("4")
    );
    assert!(all[2].handshake.headers.contains_key("host"));
    assert_eq!(io.local().fetch_sockets().await.unwrap().len(), 1);

    io.within(ids[2].clone()).sockets_join("vip").await.unwrap();
    assert!(nodes[2].io.sockets().has_room("vip"));
    let vip = io.within("vip").fetch_sockets().await.unwrap();
    assert_eq!(vip.len(), 1);
    vip[0].emit("direct", &1).unwrap();
    assert_eq!(
        nodes[2].client.recv().await.as_deref(),
        Some(r#"2["direct",1]"#)
    );
    let rooms = io.sockets().all_rooms().await.unwrap();
    assert!(rooms.contains("vip") && ids.iter().all(|id| rooms.contains(id)));
    assert_eq!(io.server_count().await.unwrap(), 3);

    io.within("vip").sockets_leave("vip").await.unwrap();
    assert!(!nodes[2].io.sockets().has_room("vip"));

    io.within(ids[1].clone())
        .disconnect_sockets(false)
        .await
        .unwrap();
    assert_eq!(nodes[1].client.recv().await.as_deref(), Some("1"));
    eventually(|| nodes[1].io.sockets().socket_count() == 0).await;
    let ids_left = io.sockets().all_sockets().await.unwrap();
    assert_eq!(ids_left.len(), 2);
}

#[tokio::test]
async fn server_side_events_reach_the_other_nodes_and_answer() {
    let nodes = three_nodes().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for (n, node) in nodes.iter().enumerate() {
        let tx = tx.clone();
        node.io
            .on_server_side("hello", move |(a, b): (u32, String), ack: ServerSideAck| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send((n, a, b.clone(), ack.wanted()));
                    ack.send(&format!("{b} from {n}"));
                }
            });
    }
    nodes[0]
        .io
        .server_side_emit("hello", &(1, "x"))
        .await
        .unwrap();
    let mut got = vec![rx.recv().await.unwrap(), rx.recv().await.unwrap()];
    got.sort();
    assert_eq!(
        got,
        vec![(1, 1, "x".into(), false), (2, 1, "x".into(), false)]
    );

    let mut answers: Vec<String> = nodes[1]
        .io
        .server_side_emit_with_ack("hello", &(2, "y"))
        .await
        .unwrap();
    answers.sort();
    assert_eq!(answers, vec!["y from 0", "y from 2"]);
    // The sender's own listeners never run.
    let mut seen = Vec::new();
    while let Ok(m) = rx.try_recv() {
        seen.push(m.0);
    }
    seen.sort();
    assert_eq!(seen, vec![0, 2]);

    // Reserved names are refused before anything is sent.
    assert!(nodes[0].io.server_side_emit("connect", &()).await.is_err());
}
