//! Events that arrive before a namespace's CONNECT answer (a recovering server replays the
//! missed ones first) reach the handlers, in order, before `connect`; those whose answer never
//! comes are dropped with the connection and not counted, so that the replay of the next
//! connection delivers them once. A scripted websocket server plays the server's side.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use std::time::Duration;

use serde_json::json;
use sockeye_client::{DisconnectReason, Options, Socket, Transport};
use support::next;
use support::scripted::Conn;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn early_events_come_before_connect_and_unanswered_ones_are_dropped() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let options = Options::default()
        .transports([Transport::WebSocket])
        .reconnection_delay(Duration::from_millis(50))
        .reconnection_delay_max(Duration::from_millis(100))
        .auth(&json!({ "token": "t" }));
    let socket = sockeye_client::io_with(&url, options).unwrap();
    let (tx, mut seen) = mpsc::unbounded_channel();
    let t = tx.clone();
    socket.on_connect(move |s: Socket| {
        let t = t.clone();
        async move {
            let _ = t.send(format!("connect recovered={}", s.recovered()));
        }
    });
    let t = tx.clone();
    socket.on_disconnect(move |_s: Socket, _r: DisconnectReason| {
        let t = t.clone();
        async move {
            let _ = t.send("disconnect".to_owned());
        }
    });
    socket.on("m", move |_s: Socket, n: u32| {
        let t = tx.clone();
        async move {
            let _ = t.send(format!("m {n}"));
        }
    });
    socket.connect();

    // A first connection: an event before the answer, which gives a pid.
    let mut c = Conn::accept(&listener).await;
    assert_eq!(c.connect_auth().await, json!({ "token": "t" }));
    c.send(r#"42["m",1,"o1"]"#).await;
    c.send(r#"40{"sid":"s1","pid":"p1"}"#).await;
    c.send(r#"42["m",2,"o2"]"#).await;
    assert_eq!(next(&mut seen).await, "m 1");
    assert_eq!(next(&mut seen).await, "connect recovered=false");
    assert_eq!(next(&mut seen).await, "m 2");
    assert_eq!(socket.last_offset().as_deref(), Some("o2"));
    c.close().await;
    assert_eq!(next(&mut seen).await, "disconnect");

    // The second connection replays an event, then dies before its CONNECT answer.
    let mut c = Conn::accept(&listener).await;
    assert_eq!(
        c.connect_auth().await,
        json!({ "pid": "p1", "offset": "o2", "token": "t" })
    );
    c.send(r#"42["m",3,"o3"]"#).await;
    c.close().await;

    // The third asks from the same offset: the held event was never delivered.
    let mut c = Conn::accept(&listener).await;
    assert_eq!(
        c.connect_auth().await,
        json!({ "pid": "p1", "offset": "o2", "token": "t" })
    );
    c.send(r#"42["m",3,"o3"]"#).await;
    c.send(r#"42["m",4,"o4"]"#).await;
    c.send(r#"40{"sid":"s1","pid":"p1"}"#).await;
    assert_eq!(next(&mut seen).await, "m 3");
    assert_eq!(next(&mut seen).await, "m 4");
    assert_eq!(next(&mut seen).await, "connect recovered=true");
    assert!(socket.recovered());
    assert_eq!(socket.id().as_deref(), Some("s1"));
    assert_eq!(socket.last_offset().as_deref(), Some("o4"));

    // A CONNECT answer without a pid (recovery off from now on): not recovered, no pid sent.
    c.close().await;
    assert_eq!(next(&mut seen).await, "disconnect");
    let mut c = Conn::accept(&listener).await;
    c.connect_auth().await;
    c.send(r#"40{"sid":"s2"}"#).await;
    assert_eq!(next(&mut seen).await, "connect recovered=false");
    c.close().await;
    assert_eq!(next(&mut seen).await, "disconnect");
    let mut c = Conn::accept(&listener).await;
    assert_eq!(c.connect_auth().await, json!({ "token": "t" }));
    socket.disconnect();
    c.close().await;
}
