//! Requests a sockeye node never sends but older or other nodes do (SOCKETS, the one-socket
//! `sid` form of join/leave/disconnect) are answered as the reference answers them; and the
//! `publish_on_specific_response_channel` option works across nodes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use sockeye::ServerSideAck;
use support::{Raw, Redis, config, node, until_cluster};

/// A bare Redis peer: publishes raw requests and reads the answers.
struct Peer {
    conn: redis::aio::MultiplexedConnection,
    answers: redis::aio::PubSubStream,
}

impl Peer {
    async fn new(redis: &Redis, channel: &str) -> Peer {
        let client = redis::Client::open(redis.url()).unwrap();
        let mut pubsub = client.get_async_pubsub().await.unwrap();
        pubsub.subscribe(channel).await.unwrap();
        let conn = client.get_multiplexed_async_connection().await.unwrap();
        Peer {
            conn,
            answers: pubsub.into_on_message(),
        }
    }

    async fn publish(&mut self, channel: &str, request: serde_json::Value) {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(request.to_string())
            .query_async(&mut self.conn)
            .await
            .unwrap();
    }

    async fn answer(&mut self) -> serde_json::Value {
        let msg = tokio::time::timeout(Duration::from_secs(5), self.answers.next())
            .await
            .expect("an answer within 5 s")
            .unwrap();
        serde_json::from_slice(msg.get_payload_bytes()).unwrap()
    }
}

#[tokio::test]
async fn sockets_requests_and_the_one_socket_forms_are_answered() {
    support::trace();
    let redis = Redis::start().await;
    let (io, addr) = node(config(&redis)).await;
    until_cluster(&[&io], 1).await;
    let mut a = Raw::join(addr, json!({"rooms": ["r1"]})).await;
    let mut peer = Peer::new(&redis, "socket.io-response#/#").await;
    let requests = "socket.io-request#/#";

    peer.publish(
        requests,
        json!({"uid": "peer", "requestId": "q1", "type": 0, "rooms": ["r1"]}),
    )
    .await;
    assert_eq!(
        peer.answer().await,
        json!({"requestId": "q1", "sockets": [a.id]})
    );

    peer.publish(
        requests,
        json!({"uid": "peer", "requestId": "q2", "type": 2, "sid": a.id, "room": "joined"}),
    )
    .await;
    assert_eq!(peer.answer().await, json!({"requestId": "q2"}));
    io.to("joined").emit("in-joined", &()).unwrap();
    assert_eq!(a.recv().await.unwrap(), r#"2["in-joined"]"#);

    peer.publish(
        requests,
        json!({"uid": "peer", "requestId": "q3", "type": 3, "sid": a.id, "room": "joined"}),
    )
    .await;
    assert_eq!(peer.answer().await, json!({"requestId": "q3"}));
    assert!(!io.sockets().has_room("joined"));

    // an unknown socket: no answer (the requester times out, as with the reference); the
    // next answer is the next request's
    peer.publish(
        requests,
        json!({"uid": "peer", "requestId": "q4", "type": 4, "sid": "nobody", "close": false}),
    )
    .await;
    peer.publish(
        requests,
        json!({"uid": "peer", "requestId": "q5", "type": 4, "sid": a.id, "close": false}),
    )
    .await;
    assert_eq!(peer.answer().await, json!({"requestId": "q5"}));
    assert_eq!(a.recv().await.unwrap(), "1");

    // malformed requests are ignored, and the node still answers afterwards
    peer.publish(requests, json!({"type": "x"})).await;
    peer.publish(requests, json!({"uid": "peer", "type": 1}))
        .await;
    peer.publish(
        requests,
        json!({"uid": "peer", "requestId": "q6", "type": 1}),
    )
    .await;
    assert_eq!(peer.answer().await["requestId"], "q6");
}

#[tokio::test]
async fn answers_on_the_requesters_own_channel_when_asked_to() {
    let redis = Redis::start().await;
    let specific = || sockeye_redis::RedisConfig {
        publish_on_specific_response_channel: true,
        ..config(&redis)
    };
    let (io1, _) = node(specific()).await;
    let (io2, addr2) = node(specific()).await;
    until_cluster(&[&io1, &io2], 2).await;
    let b = Raw::join(addr2, json!({})).await;
    io2.on_server_side(
        "q",
        |_: (), ack: ServerSideAck| async move { ack.send(&"two") },
    );

    // what goes on the shared response channel: only the server-side answer (checked last)
    let mut shared = Peer::new(&redis, "socket.io-response#/#").await;
    let fetched = io1.fetch_sockets().await.unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].id, b.id);
    let rooms = io1.all_rooms().await.unwrap();
    assert!(rooms.contains(&b.id));
    // a server-side answer goes on the shared channel, as the reference does; the fetch and
    // rooms answers went on io1's own channel, or they would come first here
    let answers: Vec<String> = io1.server_side_emit_with_ack("q", &()).await.unwrap();
    assert_eq!(answers, ["two"]);
    assert_eq!(shared.answer().await["data"], "two");
}
