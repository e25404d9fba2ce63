//! Connection state recovery on one node, on the wire: the CONNECT answer's `pid`, offsets on
//! recoverable events, the replay of missed packets before the CONNECT answer, every case
//! that gives a fresh session instead, expiry, the log's byte bound, `skip_middlewares` both
//! ways, messages flowing while a client is cut again and again, and a client gone while its
//! session is being restored (the session waits for the next attempt).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use sio_support::{Raw, eventually, serve};
use sockeye::{ConnectError, ConnectionStateRecovery, Socket, SocketIo};

fn server(recovery: Option<ConnectionStateRecovery>) -> SocketIo {
    SocketIo::builder()
        .with_config(|c| c.connection_state_recovery = recovery)
        .build()
}

fn on() -> Option<ConnectionStateRecovery> {
    Some(ConnectionStateRecovery::default())
}

/// The JSON of a Socket.IO packet text after its type digit (and namespace, ack id).
fn body(text: &str) -> Value {
    let start = text.find(['[', '{']).expect("a JSON body");
    serde_json::from_str(&text[start..]).unwrap()
}

/// Joins `/` and returns the raw connection, the socket id and the pid.
async fn join(addr: std::net::SocketAddr, auth: Option<Value>) -> (Raw, Value) {
    let mut raw = Raw::connect(addr).await;
    match auth {
        Some(auth) => raw.send(&format!("0{auth}")).await,
        None => raw.send("0").await,
    }
    let mut replay = Vec::new();
    loop {
        let text = raw.recv().await.expect("a CONNECT answer");
        if text.starts_with('0') {
            let mut answer = body(&text);
            answer["replayed"] = Value::Array(replay);
            return (raw, answer);
        }
        assert!(text.starts_with('2'), "{text}");
        replay.push(body(&text));
    }
}

/// The next EVENT's arguments.
async fn event(raw: &mut Raw) -> Value {
    let text = raw.recv().await.expect("an event");
    assert!(text.starts_with('2'), "{text}");
    body(&text)
}

#[tokio::test]
async fn the_connect_answer_has_a_pid_and_recoverable_events_an_offset() {
    let io = server(on());
    io.on_connection(|socket: Socket| async move {
        socket.on("go", |socket: Socket| async move {
            socket.emit("direct", &json!(null)).unwrap();
            socket.volatile().emit("volatile", "v").unwrap();
            socket.namespace().emit("everyone", &(1, "two")).unwrap();
            socket.emit_with_callback("asks", &(), |_: Result<Value, _>| {});
            socket.emit("empty", &()).unwrap();
        });
    });
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let sid = answer["sid"].as_str().unwrap().to_owned();
    let pid = answer["pid"].as_str().unwrap();
    assert_eq!(pid.len(), 20, "a pid as long as the reference's: {pid}");
    assert_ne!(pid, sid);
    raw.send("2[\"go\"]").await;

    let direct = event(&mut raw).await;
    assert_eq!(direct[0], "direct");
    assert_eq!(direct[1], Value::Null, "null is an argument, kept");
    let first = direct[2].as_str().expect("an offset, last").to_owned();
    assert_eq!(direct.as_array().unwrap().len(), 3);
    assert_eq!(
        event(&mut raw).await,
        json!(["volatile", "v"]),
        "volatile: no offset"
    );
    let everyone = event(&mut raw).await;
    assert_eq!(
        everyone.as_array().unwrap()[..3],
        json!(["everyone", 1, "two"]).as_array().unwrap()[..]
    );
    let second = everyone[3].as_str().unwrap();
    assert_ne!(second, first);
    let asks = raw.recv().await.unwrap();
    assert!(
        asks.starts_with("2") && body(&asks) == json!(["asks"]),
        "with an ack id, no offset: {asks}"
    );
    let empty = event(&mut raw).await;
    assert_eq!(
        empty.as_array().unwrap().len(),
        2,
        "an event without arguments gets one: {empty}"
    );
}

#[tokio::test]
async fn without_the_option_there_is_no_pid_and_no_offset() {
    let io = server(None);
    io.on_connection(|socket: Socket| async move {
        socket.emit("hello", "x").unwrap();
    });
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, Some(json!({"pid": "a", "offset": "1"}))).await;
    assert!(answer.get("pid").is_none(), "{answer}");
    assert_eq!(event(&mut raw).await, json!(["hello", "x"]));
}

/// A recovery-enabled server whose sockets join `room1`, keep data, and say whether they
/// were recovered.
/// What each connection handler saw: id, recovered, rooms (sorted), data.
type Seen = Arc<std::sync::Mutex<Vec<(String, bool, Vec<String>, Value)>>>;

fn recovering_server(recovery: ConnectionStateRecovery) -> (SocketIo, Seen) {
    let io = server(Some(recovery));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    io.on_connection(move |socket: Socket| {
        let s = s.clone();
        async move {
            if !socket.recovered() {
                socket.join("room1");
                socket.set_data(&json!({"name": "ann"})).unwrap();
            }
            let mut rooms: Vec<String> = socket.rooms().into_iter().collect();
            rooms.sort();
            s.lock().unwrap().push((
                socket.id().to_owned(),
                socket.recovered(),
                rooms,
                socket.data::<Value>().unwrap_or(Value::Null),
            ));
            socket.emit("welcome", &()).unwrap();
        }
    });
    (io, seen)
}

#[tokio::test]
async fn a_returning_client_gets_its_socket_back_with_what_it_missed() {
    let (io, seen) = recovering_server(ConnectionStateRecovery::default());
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let (sid, pid) = (answer["sid"].clone(), answer["pid"].clone());
    let welcome = event(&mut raw).await;
    let offset = welcome[1].clone();
    drop(raw);
    eventually(|| io.metrics().recovery_sessions == 1).await;

    io.to("room1").emit("m1", "for room1").unwrap();
    io.emit("m2", &json!({"all": true})).unwrap();
    io.to("elsewhere").emit("m3", "not for it").unwrap();
    io.to(sid.as_str().unwrap()).emit("m4", "direct").unwrap();
    io.except("room1").emit("m5", "excepted").unwrap();
    io.volatile().emit("m6", "volatile is not kept").unwrap();

    let (mut raw, answer) = join(
        addr,
        Some(json!({"pid": pid, "offset": offset, "token": 1})),
    )
    .await;
    assert_eq!(answer["sid"], sid);
    assert_eq!(answer["pid"], pid);
    let names: Vec<&str> = answer["replayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[0].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["m1", "m2", "m4"],
        "replayed before the CONNECT answer, in order"
    );
    let offsets: Vec<&Value> = answer["replayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_array().unwrap().last().unwrap())
        .collect();
    assert!(offsets.iter().all(|o| o.is_string()));
    // Then the live ones: the connection handler's welcome.
    assert_eq!(event(&mut raw).await[0], "welcome");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let sid = sid.as_str().unwrap();
    assert_eq!(seen[1].0, sid);
    assert!(seen[1].1, "socket.recovered()");
    let mut rooms = vec!["room1".to_owned(), sid.to_owned()];
    rooms.sort();
    assert_eq!(seen[1].2, rooms);
    assert_eq!(seen[1].3, json!({"name": "ann"}));
    assert_eq!(io.metrics().recovery_sessions, 0, "a session is taken once");
}

#[tokio::test]
async fn every_case_that_cannot_recover_gives_a_fresh_socket() {
    let (io, seen) = recovering_server(ConnectionStateRecovery::default());
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let (sid, pid) = (answer["sid"].clone(), answer["pid"].clone());
    let offset = event(&mut raw).await[1].clone();
    drop(raw);
    eventually(|| io.metrics().recovery_sessions == 1).await;

    let cases = [
        ("unknown pid", json!({"pid": "nobody", "offset": offset})),
        ("offset never given", json!({"pid": pid, "offset": "99999"})),
        ("offset not a string", json!({"pid": pid, "offset": 1})),
        ("pid not a string", json!({"pid": 7, "offset": offset})),
        ("offset missing", json!({"pid": pid})),
        ("offset empty", json!({"pid": pid, "offset": ""})),
        ("pid null", json!({"pid": null, "offset": offset})),
    ];
    for (case, auth) in cases {
        // The session survives the failed claims that never reached it...
        let (raw, answer) = join(addr, Some(auth)).await;
        assert_ne!(answer["sid"], sid, "{case}");
        assert_ne!(answer["pid"], pid, "{case}");
        assert!(answer["replayed"].as_array().unwrap().is_empty(), "{case}");
        assert!(
            !seen.lock().unwrap().last().unwrap().1,
            "{case}: recovered() is false"
        );
        // (closing with `1` is not recoverable: no session is left by these)
        let mut raw = raw;
        raw.send("1").await;
    }
    // ...but the "offset never given" claim took it, as the reference does.
    assert_eq!(io.metrics().recovery_sessions, 0);
}

#[tokio::test]
async fn a_namespace_disconnect_leaves_nothing_to_recover() {
    let (io, _) = recovering_server(ConnectionStateRecovery::default());
    let addr = serve(&io).await;
    let (mut raw, _) = join(addr, None).await;
    event(&mut raw).await;
    raw.send("1").await;
    eventually(|| io.of("/").socket_count() == 0).await;
    assert_eq!(io.metrics().recovery_sessions, 0);
}

#[tokio::test]
async fn a_session_expires_after_max_disconnection_duration() {
    let config = ConnectionStateRecovery {
        max_disconnection_duration: Duration::from_millis(200),
        ..ConnectionStateRecovery::default()
    };
    let (io, _) = recovering_server(config);
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let offset = event(&mut raw).await[1].clone();
    drop(raw);
    eventually(|| io.metrics().recovery_sessions == 1).await;
    // The sweep forgets it (and the log's packets) without any other traffic.
    eventually(|| {
        let m = io.metrics();
        m.recovery_sessions == 0 && m.recovery_packets == 0
    })
    .await;
    let (_raw, again) = join(addr, Some(json!({"pid": answer["pid"], "offset": offset}))).await;
    assert_ne!(again["sid"], answer["sid"]);
}

#[tokio::test]
async fn skip_middlewares_both_ways() {
    for skip in [true, false] {
        let io = server(Some(ConnectionStateRecovery {
            skip_middlewares: skip,
            ..ConnectionStateRecovery::default()
        }));
        let runs = Arc::new(AtomicUsize::new(0));
        let recovered_in_middleware = Arc::new(AtomicUsize::new(0));
        let (r, m) = (runs.clone(), recovered_in_middleware.clone());
        io.middleware(move |socket: Socket| {
            let (r, m) = (r.clone(), m.clone());
            async move {
                r.fetch_add(1, Ordering::SeqCst);
                if socket.recovered() {
                    m.fetch_add(1, Ordering::SeqCst);
                    if socket.handshake().auth.get("refuse").is_some() {
                        return Err(ConnectError::new("no"));
                    }
                }
                Ok(())
            }
        });
        io.on_connection(|socket: Socket| async move {
            socket.emit("welcome", &()).unwrap();
        });
        let addr = serve(&io).await;
        let (mut raw, answer) = join(addr, None).await;
        let offset = event(&mut raw).await[1].clone();
        drop(raw);
        eventually(|| io.metrics().recovery_sessions == 1).await;
        let (_raw, again) = join(addr, Some(json!({"pid": answer["pid"], "offset": offset}))).await;
        assert_eq!(again["sid"], answer["sid"], "skip={skip}");
        assert_eq!(
            runs.load(Ordering::SeqCst),
            if skip { 1 } else { 2 },
            "skip={skip}"
        );
        assert_eq!(
            recovered_in_middleware.load(Ordering::SeqCst),
            usize::from(!skip)
        );
    }
}

#[tokio::test]
async fn a_middleware_may_refuse_a_recovered_socket() {
    let io = server(Some(ConnectionStateRecovery {
        skip_middlewares: false,
        ..ConnectionStateRecovery::default()
    }));
    io.middleware(|socket: Socket| async move {
        if socket.recovered() {
            Err(ConnectError::new("log in again"))
        } else {
            Ok(())
        }
    });
    io.on_connection(|socket: Socket| async move {
        socket.emit("welcome", &()).unwrap();
    });
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let offset = event(&mut raw).await[1].clone();
    drop(raw);
    eventually(|| io.metrics().recovery_sessions == 1).await;
    let mut raw = Raw::connect(addr).await;
    raw.send(&format!(
        "0{}",
        json!({"pid": answer["pid"], "offset": offset})
    ))
    .await;
    let refused = raw.recv().await.unwrap();
    assert_eq!(refused, "4{\"message\":\"log in again\"}");
    assert_eq!(io.of("/").socket_count(), 0);
}

#[tokio::test]
async fn the_log_stays_within_its_byte_bound() {
    let io = server(Some(ConnectionStateRecovery {
        max_log_bytes: 64 * 1024,
        ..ConnectionStateRecovery::default()
    }));
    let addr = serve(&io).await;
    let (_raw, _) = join(addr, None).await;
    let payload = "x".repeat(1000);
    for i in 0..1000 {
        io.to("nobody").emit("big", &(i, &payload)).unwrap();
        assert!(
            io.metrics().recovery_bytes <= 64 * 1024,
            "{:?}",
            io.metrics()
        );
    }
    let m = io.metrics();
    assert!(m.recovery_packets > 10 && m.recovery_packets < 100, "{m:?}");
}

/// Messages flow to a room and to the socket itself while its client is cut again and
/// again: each one arrives exactly once, in order. Two worker threads, so that emits race
/// with the restores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_after_cut_nothing_is_lost_or_doubled() {
    let io = server(on());
    io.on_connection(|socket: Socket| async move {
        if !socket.recovered() {
            socket.join("news");
        }
    });
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let sid = answer["sid"].as_str().unwrap().to_owned();
    let pid = answer["pid"].clone();

    const TOTAL: u64 = 600;
    let producer = {
        let io = io.clone();
        let sid = sid.clone();
        tokio::spawn(async move {
            for i in 0..TOTAL {
                if i % 2 == 0 {
                    io.to("news").emit("n", &i).unwrap();
                } else {
                    io.to(sid.as_str()).emit("n", &i).unwrap();
                }
                if i % 3 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        })
    };

    let mut got: Vec<u64> = Vec::new();
    let mut offset = Value::Null;
    let mut cuts = 0;
    let take = |args: &Value, got: &mut Vec<u64>, offset: &mut Value| {
        got.push(args[1].as_u64().unwrap());
        *offset = args[2].clone();
    };
    while got.len() < TOTAL as usize {
        let text = raw.recv().await.expect("events until the end");
        take(&body(&text), &mut got, &mut offset);
        if got.len() % 60 == 0 && cuts < 8 {
            cuts += 1;
            drop(raw);
            // Nothing can be claimed before the server has seen the cut.
            eventually(|| io.metrics().recovery_sessions == 1).await;
            let (again, answer) = join(addr, Some(json!({"pid": pid, "offset": offset}))).await;
            assert_eq!(answer["sid"], sid.as_str(), "cut {cuts}");
            for args in answer["replayed"].as_array().unwrap() {
                take(args, &mut got, &mut offset);
            }
            raw = again;
        }
    }
    producer.await.unwrap();
    assert_eq!(cuts, 8);
    let expected: Vec<u64> = (0..TOTAL).collect();
    assert_eq!(got, expected, "exactly once, in order");
}

/// A restored socket joins its rooms after the middlewares: what is sent while they run is
/// replayed as well, once, in order.
#[tokio::test]
async fn packets_sent_while_the_middlewares_run_are_replayed_too() {
    let io = server(Some(ConnectionStateRecovery {
        skip_middlewares: false,
        ..ConnectionStateRecovery::default()
    }));
    let io2 = io.clone();
    io.middleware(move |socket: Socket| {
        let io = io2.clone();
        async move {
            if socket.recovered() {
                io.to("room1").emit("during", &1).unwrap();
                io.emit("during", &2).unwrap();
            }
            Ok(())
        }
    });
    io.on_connection(|socket: Socket| async move {
        if !socket.recovered() {
            socket.join("room1");
        }
        socket.emit("welcome", &()).unwrap();
    });
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let offset = event(&mut raw).await[1].clone();
    drop(raw);
    eventually(|| io.metrics().recovery_sessions == 1).await;
    io.to("room1").emit("before", &0).unwrap();
    let (mut raw, again) = join(addr, Some(json!({"pid": answer["pid"], "offset": offset}))).await;
    let replayed: Vec<(String, i64)> = again["replayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a[0].as_str().unwrap().to_owned(), a[1].as_i64().unwrap()))
        .collect();
    assert_eq!(
        replayed,
        [
            ("before".to_owned(), 0),
            ("during".to_owned(), 1),
            ("during".to_owned(), 2)
        ]
    );
    assert_eq!(event(&mut raw).await[0], "welcome", "and nothing twice");
}

#[tokio::test]
async fn a_client_gone_while_its_session_is_restored_can_restore_it_again() {
    let io = server(Some(ConnectionStateRecovery {
        skip_middlewares: false,
        ..ConnectionStateRecovery::default()
    }));
    // The first restore waits in the middleware until its client is gone.
    let (entered_tx, mut entered) = tokio::sync::mpsc::unbounded_channel();
    let release = Arc::new(tokio::sync::Notify::new());
    let hold = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let (r, h) = (release.clone(), hold.clone());
    io.middleware(move |socket: Socket| {
        let (entered_tx, release, hold) = (entered_tx.clone(), r.clone(), h.clone());
        async move {
            if socket.recovered() && hold.swap(false, Ordering::SeqCst) {
                let _ = entered_tx.send(());
                release.notified().await;
            }
            Ok(())
        }
    });
    io.on_connection(|socket: Socket| async move {
        if !socket.recovered() {
            socket.join("room1");
        }
        socket.emit("welcome", &()).unwrap();
    });
    let addr = serve(&io).await;
    let (mut raw, answer) = join(addr, None).await;
    let (sid, pid) = (answer["sid"].clone(), answer["pid"].clone());
    let offset = event(&mut raw).await[1].clone();
    drop(raw);
    eventually(|| io.metrics().recovery_sessions == 1).await;
    io.to("room1").emit("missed", &1).unwrap();

    let mut second = Raw::connect(addr).await;
    second
        .send(&format!("0{}", json!({"pid": pid, "offset": offset})))
        .await;
    entered.recv().await.unwrap();
    assert_eq!(io.metrics().recovery_sessions, 0, "taken by the attempt");
    drop(second);
    eventually(|| io.engine().session_count() == 0).await;
    release.notify_one();
    eventually(|| io.metrics().recovery_sessions == 1).await;
    assert_eq!(io.sockets().socket_count(), 0, "the attempt left no socket");

    let (mut raw, again) = join(addr, Some(json!({"pid": pid, "offset": offset}))).await;
    assert_eq!(again["sid"], sid, "the same socket, at the next attempt");
    let replayed: Vec<&str> = again["replayed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[0].as_str().unwrap())
        .collect();
    assert_eq!(replayed, ["missed"]);
    assert_eq!(event(&mut raw).await[0], "welcome");
}
