//! The bulk operations (`fetch_sockets`, `sockets_join`, `sockets_leave`,
//! `disconnect_sockets`), per-packet middleware, `on_any`/`on_any_outgoing`, `once` and `data`,
//! driven through real connections.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::{Arc, Mutex};

use sio_support::{Raw, eventually, serve};
use sockeye::{ConnectError, Event, Socket, SocketIo, Value};

async fn two_clients() -> (SocketIo, Raw, String, Raw, String) {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket
            .set_data(&serde_json::json!({ "name": socket.handshake().query.get("name") }))
            .unwrap();
    });
    let addr = serve(&io).await;
    let (a, a_id) = Raw::join(addr).await;
    let (b, b_id) = Raw::join(addr).await;
    eventually(|| io.sockets().socket_count() == 2).await;
    (io, a, a_id, b, b_id)
}

#[tokio::test]
async fn bulk_operations_reach_the_selected_sockets() {
    let (io, mut a, a_id, mut b, b_id) = two_clients().await;
    io.within(a_id.clone())
        .sockets_join(["vip", "staff"])
        .await
        .unwrap();
    let vip: Vec<String> = io
        .within("vip")
        .fetch_sockets()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(vip, vec![a_id.clone()]);
    let all = io.fetch_sockets().await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|s| s.rooms.contains(&s.id)));

    // A remote socket handle emits to its socket.
    let remote = io.within("vip").fetch_sockets().await.unwrap().remove(0);
    remote.emit("direct", &1).unwrap();
    assert_eq!(a.recv().await.as_deref(), Some(r#"2["direct",1]"#));

    io.within("vip").sockets_leave("staff").await.unwrap();
    assert!(io.within("staff").fetch_sockets().await.unwrap().is_empty());

    io.within("vip").disconnect_sockets(false).await.unwrap();
    assert_eq!(a.recv().await.as_deref(), Some("1"));
    eventually(|| io.sockets().socket_count() == 1).await;
    let left: Vec<String> = io
        .fetch_sockets()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![b_id]);
    io.emit("still", &()).unwrap();
    assert_eq!(b.recv().await.as_deref(), Some(r#"2["still"]"#));
}

#[tokio::test]
async fn per_packet_middleware_any_listeners_and_once() {
    let io = SocketIo::default();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s2 = seen.clone();
    io.on_connection(move |socket: Socket| {
        let seen = s2.clone();
        async move {
            let s = seen.clone();
            socket.on_any(move |_s, event, _args| s.lock().unwrap().push(format!("any:{event}")));
            let s = seen.clone();
            socket.on_any_outgoing(move |_s, event, _args| {
                s.lock().unwrap().push(format!("out:{event}"))
            });
            socket.middleware(|_s: Socket, mut event: Event| async move {
                if event.name == "forbidden" {
                    return Err(ConnectError::new("refused"));
                }
                event.args.push(Value::from("added"));
                Ok(event)
            });
            let s = seen.clone();
            socket.on_error(move |_s, err| s.lock().unwrap().push(format!("error:{err}")));
            socket.once("hello", |socket: Socket, args: sockeye::Args| async move {
                let _ = socket.emit("hello-back", &args);
            });
        }
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    raw.send(r#"2["forbidden"]"#).await;
    raw.send(r#"2["hello",1]"#).await;
    assert_eq!(
        raw.recv().await.as_deref(),
        Some(r#"2["hello-back",1,"added"]"#)
    );
    raw.send(r#"2["hello",2]"#).await; // `once`: no second answer
    raw.send(r#"2["probe"]"#).await;
    eventually(|| seen.lock().unwrap().iter().any(|e| e == "any:probe")).await;
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            "any:forbidden",
            "error:refused",
            "any:hello",
            "out:hello-back",
            "any:hello",
            "any:probe"
        ]
    );
}

#[tokio::test]
async fn socket_data_is_typed_and_visible_to_fetch_sockets() {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.set_data(&("alice", 7)).unwrap();
    });
    let addr = serve(&io).await;
    let (_raw, id) = Raw::join(addr).await;
    eventually(|| io.sockets().socket_count() == 1).await;
    let socket = io.sockets().get_socket(&id).unwrap();
    // The connection handler runs in the socket's task, just after it joined.
    eventually(|| socket.data::<(String, u32)>().is_some()).await;
    assert_eq!(
        socket.data::<(String, u32)>(),
        Some(("alice".to_owned(), 7))
    );
    let fetched = io.fetch_sockets().await.unwrap();
    assert_eq!(
        fetched[0].data::<(String, u32)>(),
        Some(("alice".to_owned(), 7))
    );
}
