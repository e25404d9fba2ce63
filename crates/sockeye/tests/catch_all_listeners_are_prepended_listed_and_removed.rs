//! `prepend_any`, `prepend_any_outgoing`, `listeners_any`, `listeners_any_outgoing`,
//! `off_any` and `off_any_outgoing`, as the reference's `prependAny` and friends: a prepended
//! listener runs first, the list is in running order, and removal stops the calls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::{Arc, Mutex};

use sio_support::{Raw, eventually, serve};
use sockeye::{Socket, SocketIo, Value};

type Seen = Arc<Mutex<Vec<String>>>;

fn record(seen: &Seen, tag: &'static str) -> impl Fn(&Socket, &str, &[Value]) + use<> {
    let seen = seen.clone();
    move |_s: &Socket, event: &str, _args: &[Value]| {
        seen.lock().unwrap().push(format!("{tag}:{event}"));
    }
}

#[tokio::test]
async fn prepended_listeners_run_first_and_the_lists_follow_the_running_order() {
    let io = SocketIo::default();
    let seen: Seen = Arc::default();
    let ids = Arc::new(Mutex::new(Vec::new()));
    let (s, i) = (seen.clone(), ids.clone());
    io.on_connection(move |socket: Socket| {
        let (seen, ids) = (s.clone(), i.clone());
        async move {
            let a = socket.on_any(record(&seen, "a"));
            let b = socket.prepend_any(record(&seen, "b"));
            let c = socket.on_any(record(&seen, "c"));
            assert_eq!(socket.listeners_any(), [b, a, c]);
            let x = socket.on_any_outgoing(record(&seen, "x"));
            let y = socket.prepend_any_outgoing(record(&seen, "y"));
            assert_eq!(socket.listeners_any_outgoing(), [y, x]);
            ids.lock().unwrap().extend([a, b, c, x, y]);
            socket.on("echo", |socket: Socket| async move {
                let _ = socket.emit("echoed", &());
            });
            let s = seen.clone();
            socket.on("quiet", move |socket: Socket| {
                let seen = s.clone();
                async move {
                    socket.off_any();
                    socket.off_any_outgoing();
                    assert!(socket.listeners_any().is_empty());
                    assert!(socket.listeners_any_outgoing().is_empty());
                    let _ = socket.emit("quieted", &());
                    seen.lock().unwrap().push("quiet".into());
                }
            });
        }
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(r#"2["echo"]"#).await;
    assert_eq!(raw.recv().await.as_deref(), Some(r#"2["echoed"]"#));
    assert_eq!(
        *seen.lock().unwrap(),
        ["b:echo", "a:echo", "c:echo", "y:echoed", "x:echoed"]
    );

    // Removed: neither incoming nor outgoing listeners are called any more.
    raw.send(r#"2["quiet"]"#).await;
    assert_eq!(raw.recv().await.as_deref(), Some(r#"2["quieted"]"#));
    raw.send(r#"2["echo"]"#).await;
    assert_eq!(raw.recv().await.as_deref(), Some(r#"2["echoed"]"#));
    eventually(|| seen.lock().unwrap().len() == 9).await;
    assert_eq!(
        seen.lock().unwrap()[5..],
        ["b:quiet", "a:quiet", "c:quiet", "quiet"]
    );
    assert_eq!(ids.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn one_prepended_listener_is_removed_by_its_id() {
    let io = SocketIo::default();
    let seen: Seen = Arc::default();
    let s = seen.clone();
    io.on_connection(move |socket: Socket| {
        let seen = s.clone();
        async move {
            let first = socket.prepend_any(record(&seen, "first"));
            let out = socket.prepend_any_outgoing(record(&seen, "out"));
            socket.on_any(record(&seen, "kept"));
            socket.remove_listener(first);
            socket.remove_listener(out);
            assert_eq!(socket.listeners_any().len(), 1);
            assert!(socket.listeners_any_outgoing().is_empty());
            socket.on("echo", |socket: Socket| async move {
                let _ = socket.emit("echoed", &());
            });
        }
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(r#"2["echo"]"#).await;
    assert_eq!(raw.recv().await.as_deref(), Some(r#"2["echoed"]"#));
    assert_eq!(*seen.lock().unwrap(), ["kept:echo"]);
}
