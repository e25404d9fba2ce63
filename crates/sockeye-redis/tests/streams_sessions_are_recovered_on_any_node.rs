//! Connection state recovery through the Redis Streams adapter, driven on the adapters of
//! two nodes: recoverable broadcasts get their stream offsets in call order, a session
//! persisted by one node is restored by the other with exactly the packets its rooms missed,
//! once, and bad or unknown offsets give a fresh session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use socketio_proto::{Packet, Value};
use sockeye::{
    AdapterError, BroadcastFlags, BroadcastOptions, ClusterAdapter, ClusterAdapterFactory,
    SessionState, SocketIo,
};
use sockeye_redis::RedisAdapter;
use support::{Redis, streams_config};

type Adapters = Arc<Mutex<Vec<(String, Arc<dyn ClusterAdapter>)>>>;

/// A node whose streams adapters (one per namespace) the test can reach.
async fn node(redis: &Redis) -> (SocketIo, Adapters) {
    let factory = RedisAdapter::streams(streams_config(redis)).await.unwrap();
    let adapters: Adapters = Arc::default();
    let seen = adapters.clone();
    let wrapped: ClusterAdapterFactory = Arc::new(move |handle| {
        let name = handle.name().to_owned();
        let adapter = factory(handle);
        seen.lock().unwrap().push((name, adapter.clone()));
        adapter
    });
    let io = SocketIo::builder()
        .adapter(wrapped)
        .with_config(|c| {
            c.connection_state_recovery = Some(sockeye::ConnectionStateRecovery::default())
        })
        .build();
    io.of("/chat");
    (io, adapters)
}

fn adapter(adapters: &Adapters, nsp: &str) -> Arc<dyn ClusterAdapter> {
    adapters
        .lock()
        .unwrap()
        .iter()
        .find(|(n, _)| n == nsp)
        .map(|(_, a)| a.clone())
        .unwrap()
}

fn to(rooms: &[&str], except: &[&str]) -> BroadcastOptions {
    BroadcastOptions {
        rooms: rooms.iter().map(|r| (*r).to_owned()).collect(),
        except: except.iter().map(|r| (*r).to_owned()).collect(),
        flags: BroadcastFlags::default(),
    }
}

/// Broadcasts recoverably and returns the offset the stream gave.
async fn send(
    adapter: &Arc<dyn ClusterAdapter>,
    nsp: &str,
    event: &str,
    opts: BroadcastOptions,
) -> String {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let packet = Packet::event(nsp, event, [Value::from(1u8)], None);
    adapter.broadcast_recoverable(
        packet,
        opts,
        Box::new(move |offset| {
            let _ = tx.send(offset);
        }),
    );
    rx.await.unwrap().unwrap()
}

fn session(pid: &str, rooms: &[&str]) -> SessionState {
    SessionState {
        sid: format!("sid-{pid}"),
        pid: pid.to_owned(),
        rooms: rooms.iter().map(|r| (*r).to_owned()).collect(),
        data: json!({"user": "ann", "n": [1, 2.5, null]}).into(),
    }
}

#[tokio::test]
async fn a_session_persisted_on_one_node_is_restored_on_another_with_what_it_missed() {
    support::trace();
    let redis = Redis::start().await;
    let (_a, on_a) = node(&redis).await;
    let (_b, on_b) = node(&redis).await;
    let (a, b) = (adapter(&on_a, "/"), adapter(&on_b, "/"));
    assert!(a.recovers_sessions());

    let seen = send(&a, "/", "seen", to(&[], &[])).await;
    let state = session("p1", &["sid-p1", "r1"]);
    a.persist_session(state.clone(), Duration::from_secs(60))
        .await
        .unwrap();

    let for_r1 = send(&a, "/", "for-r1", to(&["r1"], &[])).await;
    send(&b, "/", "for-r2", to(&["r2"], &[])).await;
    send(&b, "/", "not-r1", to(&[], &["r1"])).await;
    send(
        &adapter(&on_a, "/chat"),
        "/chat",
        "other-namespace",
        to(&[], &[]),
    )
    .await;
    let for_all = send(&b, "/", "for-all", to(&[], &[])).await;
    let to_me = send(&a, "/", "to-me", to(&["x", "sid-p1"], &["y"])).await;

    let restored = b.restore_session("p1", &seen).await.unwrap().unwrap();
    assert_eq!(restored.state, state);
    let missed: Vec<(String, String)> = restored
        .missed
        .iter()
        .map(|args| {
            assert_eq!(args.len(), 3, "{args:?}");
            (
                args[0].as_str().unwrap().to_owned(),
                args[2].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        missed,
        [
            ("for-r1".to_owned(), for_r1),
            ("for-all".to_owned(), for_all),
            ("to-me".to_owned(), to_me),
        ]
    );

    // at most once
    assert_eq!(b.restore_session("p1", &seen).await.unwrap(), None);
    assert_eq!(a.restore_session("p1", &seen).await.unwrap(), None);
}

#[tokio::test]
async fn unknown_sessions_and_offsets_give_a_fresh_session() {
    let redis = Redis::start().await;
    let (_a, on_a) = node(&redis).await;
    let a = adapter(&on_a, "/");
    let seen = send(&a, "/", "seen", to(&[], &[])).await;
    a.persist_session(session("p2", &["sid-p2"]), Duration::from_secs(60))
        .await
        .unwrap();

    // not an offset at all: the session is not even looked at
    for bad in [
        "", "abc", "1", "1-", "-1", "1-2-3", "$", "+", "0-0 ", "１-1",
    ] {
        assert_eq!(a.restore_session("p2", bad).await.unwrap(), None, "{bad:?}");
    }
    assert_eq!(a.restore_session("nobody", &seen).await.unwrap(), None);
    // an offset the stream never had (or trimmed away)
    assert_eq!(a.restore_session("p2", "1-1").await.unwrap(), None);

    // nothing missed is an empty list, not a failure
    a.persist_session(session("p3", &["sid-p3"]), Duration::from_secs(60))
        .await
        .unwrap();
    let last = send(&a, "/", "last", to(&[], &[])).await;
    let restored = a.restore_session("p3", &last).await.unwrap().unwrap();
    assert!(restored.missed.is_empty());
}

#[tokio::test]
async fn sessions_expire_with_the_ttl_given() {
    let redis = Redis::start().await;
    let (_a, on_a) = node(&redis).await;
    let a = adapter(&on_a, "/");
    a.persist_session(session("p4", &["sid-p4"]), Duration::from_millis(45_000))
        .await
        .unwrap();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg("sio:session:p4")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 0 && ttl <= 45_000, "{ttl}");
}

#[tokio::test]
async fn offsets_are_reported_in_call_order() {
    let redis = Redis::start().await;
    let (_a, on_a) = node(&redis).await;
    let a = adapter(&on_a, "/");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..500u32 {
        let tx = tx.clone();
        a.broadcast_recoverable(
            Packet::event("/", "n", [Value::from(i)], None),
            to(&[], &[]),
            Box::new(move |offset: Result<String, AdapterError>| {
                let _ = tx.send((i, offset.unwrap()));
            }),
        );
    }
    drop(tx);
    let mut previous: Option<(u64, u64)> = None;
    for expected in 0..500u32 {
        let (i, offset) = rx.recv().await.unwrap();
        assert_eq!(i, expected);
        let (ms, seq) = offset.split_once('-').unwrap();
        let id = (ms.parse().unwrap(), seq.parse().unwrap());
        assert!(previous < Some(id), "{previous:?} then {id:?}");
        previous = Some(id);
    }
}

#[tokio::test]
async fn broadcasts_from_other_nodes_carry_their_stream_offset() {
    let redis = Redis::start().await;
    let (io_a, _) = support::streams_node_recovering(streams_config(&redis)).await;
    let (_io_b, addr_b) = support::streams_node_recovering(streams_config(&redis)).await;
    let mut b = support::Raw::join(addr_b, json!({})).await;
    io_a.emit("hello", &1).unwrap();
    let msg = b.recv().await.unwrap();
    let rest = msg
        .strip_prefix(r#"2["hello",1,""#)
        .unwrap_or_else(|| panic!("{msg}"));
    let offset = rest.strip_suffix(r#""]"#).unwrap();
    assert!(sockeye_redis::wire::streams::is_offset(offset), "{msg}");
    // volatile broadcasts are not recoverable: no offset
    io_a.volatile().emit("v", &2).unwrap();
    assert_eq!(b.recv().await.unwrap(), r#"2["v",2]"#);
}

#[tokio::test]
async fn without_redis_every_recoverable_broadcast_hears_its_error_in_order() {
    let mut redis = Redis::start().await;
    let (_a, on_a) = node(&redis).await;
    let a = adapter(&on_a, "/");
    redis.kill();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..20u32 {
        let tx = tx.clone();
        a.broadcast_recoverable(
            Packet::event("/", "n", [Value::from(i)], None),
            to(&[], &[]),
            Box::new(move |offset: Result<String, AdapterError>| {
                let _ = tx.send((i, offset));
            }),
        );
    }
    drop(tx);
    for expected in 0..20u32 {
        let (i, offset) = rx.recv().await.unwrap();
        assert_eq!(i, expected);
        assert!(
            matches!(
                offset,
                Err(AdapterError::Transport(_) | AdapterError::Timeout)
            ),
            "{offset:?}"
        );
    }
    assert!(
        a.persist_session(session("p5", &[]), Duration::from_secs(1))
            .await
            .is_err()
    );
    assert!(a.restore_session("p5", "1-1").await.is_err());
}

#[tokio::test]
async fn packets_after_reads_what_followed_an_offset_still_in_the_stream() {
    let redis = Redis::start().await;
    let (_a, on_a) = node(&redis).await;
    let (_b, on_b) = node(&redis).await;
    let (a, b) = (adapter(&on_a, "/"), adapter(&on_b, "/"));
    let first = send(&a, "/", "first", to(&[], &[])).await;
    let second = send(&b, "/", "second", to(&["r1"], &[])).await;
    send(&b, "/", "elsewhere", to(&["r2"], &[])).await;
    let third = send(&a, "/", "third", to(&[], &["r2"])).await;
    let rooms = vec!["sid".to_owned(), "r1".to_owned()];
    let after = b.packets_after(&first, &rooms).await.unwrap().unwrap();
    let names: Vec<(&str, &str)> = after
        .iter()
        .map(|args| {
            (
                args[0].as_str().unwrap(),
                args.last().unwrap().as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [("second", second.as_str()), ("third", third.as_str())]
    );
    assert_eq!(a.packets_after(&third, &rooms).await.unwrap(), Some(vec![]));
    for gone in ["1-0", "not-an-offset", ""] {
        assert_eq!(
            b.packets_after(gone, &rooms).await.unwrap(),
            None,
            "{gone:?}"
        );
    }
}
