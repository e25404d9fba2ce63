//! The Admin UI's sessions in Redis, with the keys and values of `@socket.io/admin-ui`'s
//! `RedisStore`, so that a session made on one node (Node or sockeye) lets the UI in on every
//! other.
#![cfg(feature = "admin")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use redis::AsyncCommands;
use sockeye::admin::SessionStore;
use sockeye_redis::RedisSessionStore;
use support::Redis;

#[tokio::test]
async fn sessions_use_the_reference_keys_and_expire_in_a_day() {
    let redis = Redis::start().await;
    let store = RedisSessionStore::connect(&redis.url()).await.unwrap();
    assert!(!store.session_exists("0123456789abcdef").await);
    store.save_session("0123456789abcdef").await;
    assert!(store.session_exists("0123456789abcdef").await);

    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let value: String = conn.get("socket.io-admin#0123456789abcdef").await.unwrap();
    assert_eq!(value, "true");
    let ttl: i64 = conn.ttl("socket.io-admin#0123456789abcdef").await.unwrap();
    assert!((86_000..=86_400).contains(&ttl), "{ttl}");

    // A session a Node node saved (its key, any value) is one too.
    let _: () = conn.set("socket.io-admin#fromnode", "1").await.unwrap();
    assert!(store.session_exists("fromnode").await);

    let custom = store.prefix("other").duration(Duration::from_secs(5));
    custom.save_session("abc").await;
    let ttl: i64 = conn.ttl("other#abc").await.unwrap();
    assert!((1..=5).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn a_redis_that_is_gone_means_no_session() {
    let mut redis = Redis::start().await;
    let store = RedisSessionStore::connect(&redis.url()).await.unwrap();
    redis.kill();
    // Asked for the password again, never a panic or a hang.
    assert!(!store.session_exists("0123456789abcdef").await);
    store.save_session("0123456789abcdef").await;
}
