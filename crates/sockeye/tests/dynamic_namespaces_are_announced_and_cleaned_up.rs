//! Dynamic namespaces as socket.io 4.8 has them: a predicate that may wait
//! (`of_dynamic_async`), the `new_namespace` event for every namespace created after the
//! main one, and `cleanup_empty_child_namespaces` removing a child once its last socket left.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::sync::{Arc, Mutex};

use sio_support::{Raw, eventually, serve};
use sockeye::{ConnectError, Namespace, Socket, SocketIo, Value};
use tokio::sync::Notify;

fn names(io: &SocketIo) -> Vec<String> {
    let mut names: Vec<_> = io
        .namespaces()
        .iter()
        .map(|n| n.name().to_owned())
        .collect();
    names.sort();
    names
}

fn announced(io: &SocketIo) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    io.on_new_namespace(move |ns: &Namespace| s.lock().unwrap().push(ns.name().to_owned()));
    seen
}

fn cleaning_server() -> SocketIo {
    SocketIo::builder()
        .with_config(|c| c.cleanup_empty_child_namespaces = true)
        .build()
}

async fn join(addr: std::net::SocketAddr, nsp: &str) -> Raw {
    let mut raw = Raw::connect(addr).await;
    raw.send(&format!("0{nsp},")).await;
    let reply = raw.recv().await.unwrap();
    assert!(reply.starts_with(&format!("0{nsp},{{\"sid\":")), "{reply}");
    raw
}

#[tokio::test]
async fn an_empty_child_is_removed_and_made_again_by_the_next_connection() {
    let io = cleaning_server();
    let seen = announced(&io);
    io.of_regex(regex_lite::Regex::new(r"^/dyn-\d+$").unwrap())
        .on_connection(|socket: Socket| async move {
            let _ = socket.emit("welcome", socket.namespace().name());
        });
    let addr = serve(&io).await;

    let mut a = join(addr, "/dyn-1").await;
    assert_eq!(
        a.recv().await.as_deref(),
        Some(r#"2/dyn-1,["welcome","/dyn-1"]"#)
    );
    let mut b = join(addr, "/dyn-1").await;
    assert_eq!(
        b.recv().await.as_deref(),
        Some(r#"2/dyn-1,["welcome","/dyn-1"]"#)
    );
    assert_eq!(names(&io), ["/", "/dyn-1"]);

    // One socket left: the child stays.
    a.send("1/dyn-1,").await;
    eventually(|| count(&io, "/dyn-1") == 1).await;
    assert_eq!(names(&io), ["/", "/dyn-1"]);

    // The last one left: the child is gone.
    b.send("1/dyn-1,").await;
    eventually(|| names(&io) == ["/"]).await;

    // The next connection makes it again, announced again, with the parent's handlers.
    let mut c = join(addr, "/dyn-1").await;
    assert_eq!(
        c.recv().await.as_deref(),
        Some(r#"2/dyn-1,["welcome","/dyn-1"]"#)
    );
    assert_eq!(names(&io), ["/", "/dyn-1"]);
    assert_eq!(*seen.lock().unwrap(), ["/dyn-1", "/dyn-1"]);
}

fn count(io: &SocketIo, name: &str) -> usize {
    io.namespaces()
        .iter()
        .find(|n| n.name() == name)
        .map_or(0, |n| n.socket_count())
}

#[tokio::test]
async fn without_the_option_an_empty_child_stays() {
    let io = SocketIo::default();
    io.of_dynamic(|name, _| name.starts_with("/room-"));
    let addr = serve(&io).await;
    let mut a = join(addr, "/room-a").await;
    a.send("1/room-a,").await;
    eventually(|| count(&io, "/room-a") == 0).await;
    assert_eq!(names(&io), ["/", "/room-a"]);
}

#[tokio::test]
async fn a_child_whose_only_connection_was_refused_is_removed() {
    let io = cleaning_server();
    io.of_dynamic(|name, _| name.starts_with("/team-"))
        .middleware(|_socket: Socket| async move { Err(ConnectError::new("closed")) });
    let addr = serve(&io).await;
    let mut raw = Raw::connect(addr).await;
    raw.send("0/team-x,").await;
    assert_eq!(
        raw.recv().await.as_deref(),
        Some(r#"4/team-x,{"message":"closed"}"#)
    );
    eventually(|| names(&io) == ["/"]).await;
}

#[tokio::test]
async fn a_namespace_of_the_main_server_is_not_removed_when_empty() {
    let io = cleaning_server();
    io.of("/chat");
    let addr = serve(&io).await;
    let mut a = join(addr, "/chat").await;
    a.send("1/chat,").await;
    eventually(|| count(&io, "/chat") == 0).await;
    assert_eq!(names(&io), ["/", "/chat"]);
}

#[tokio::test]
async fn new_namespace_is_called_once_per_created_namespace_but_the_main_one() {
    let io = SocketIo::default();
    let seen = announced(&io);
    io.of("/");
    io.of("/admin");
    io.of("admin");
    io.of_dynamic(|name, _| name == "/lazy");
    assert_eq!(*seen.lock().unwrap(), ["/admin"]);

    // The handler runs before the first socket is added: handlers it adds see that socket.
    io.on_new_namespace(|ns: &Namespace| {
        ns.on_connection(|socket: Socket| async move {
            let _ = socket.emit("hello", "from new_namespace");
        });
    });
    let addr = serve(&io).await;
    let mut a = join(addr, "/lazy").await;
    assert_eq!(
        a.recv().await.as_deref(),
        Some(r#"2/lazy,["hello","from new_namespace"]"#)
    );
    let _b = join(addr, "/lazy").await;
    assert_eq!(*seen.lock().unwrap(), ["/admin", "/lazy"]);
}

#[tokio::test]
async fn an_async_predicate_decides_while_the_connection_goes_on() {
    let io = SocketIo::default();
    let gate = Arc::new(Notify::new());
    let g = gate.clone();
    io.of_dynamic_async(move |name: String, auth: Value| {
        let gate = g.clone();
        async move {
            gate.notified().await;
            name.starts_with("/ws-") && auth.get("token").and_then(Value::as_str) == Some("t")
        }
    })
    .on_connection(|socket: Socket| async move {
        let _ = socket.emit("in", socket.namespace().name());
    });
    io.on_connection(|socket: Socket| async move {
        socket.on("ping", |socket: Socket| async move {
            let _ = socket.emit("pong", &());
        });
    });
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;

    // Waiting for the predicate: the main namespace still answers.
    raw.send(r#"0/ws-1,{"token":"t"}"#).await;
    raw.send(r#"2["ping"]"#).await;
    assert_eq!(raw.recv().await.as_deref(), Some(r#"2["pong"]"#));
    gate.notify_one();
    let reply = raw.recv().await.unwrap();
    assert!(reply.starts_with("0/ws-1,{\"sid\":"), "{reply}");
    assert_eq!(
        raw.recv().await.as_deref(),
        Some(r#"2/ws-1,["in","/ws-1"]"#)
    );

    // Refused by the predicate (wrong token): an unknown namespace.
    raw.send(r#"0/ws-2,{"token":"nope"}"#).await;
    gate.notify_one();
    assert_eq!(
        raw.recv().await.as_deref(),
        Some(r#"4/ws-2,{"message":"Invalid namespace"}"#)
    );
    // A known namespace does not ask the predicate again.
    raw.send("1/ws-1,").await;
    raw.send(r#"0/ws-1,{"token":"t"}"#).await;
    let reply = raw.recv().await.unwrap();
    assert!(reply.starts_with("0/ws-1,{\"sid\":"), "{reply}");
}

#[tokio::test]
async fn dynamic_namespaces_are_asked_in_order_sync_and_async_alike() {
    let io = SocketIo::default();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let a = asked.clone();
    io.of_dynamic_async(move |name: String, _auth: Value| {
        let asked = a.clone();
        async move {
            asked.lock().unwrap().push("async");
            name == "/first"
        }
    })
    .on_connection(|socket: Socket| async move {
        let _ = socket.emit("by", "async");
    });
    let a = asked.clone();
    io.of_dynamic(move |_name, _auth| {
        a.lock().unwrap().push("sync");
        true
    })
    .on_connection(|socket: Socket| async move {
        let _ = socket.emit("by", "sync");
    });
    let addr = serve(&io).await;
    let mut first = join(addr, "/first").await;
    assert_eq!(
        first.recv().await.as_deref(),
        Some(r#"2/first,["by","async"]"#)
    );
    let mut second = join(addr, "/second").await;
    assert_eq!(
        second.recv().await.as_deref(),
        Some(r#"2/second,["by","sync"]"#)
    );
    assert_eq!(*asked.lock().unwrap(), ["async", "async", "sync"]);
}

#[tokio::test]
async fn of_a_name_a_regex_parent_matches_gives_its_child() {
    let io = cleaning_server();
    let seen = announced(&io);
    let parent = io.of_regex(regex_lite::Regex::new(r"^/dyn-\d+$").unwrap());
    parent.on_connection(|socket: Socket| async move {
        let _ = socket.emit("welcome", socket.namespace().name());
    });
    // As the reference: the child exists at once, with the parent's handlers, and stays
    // until a socket has left it even with the cleanup on.
    let child = io.of("/dyn-9");
    assert_eq!(names(&io), ["/", "/dyn-9"]);
    assert_eq!(*seen.lock().unwrap(), ["/dyn-9"]);
    child.on_connection(|socket: Socket| async move {
        let _ = socket.emit("child", &());
    });
    let addr = serve(&io).await;
    let mut a = join(addr, "/dyn-9").await;
    assert_eq!(
        a.recv().await.as_deref(),
        Some(r#"2/dyn-9,["welcome","/dyn-9"]"#)
    );
    assert_eq!(a.recv().await.as_deref(), Some(r#"2/dyn-9,["child"]"#));
    assert!(io.of("/dyn-9").socket_count() == 1);
    // A name the pattern does not match is a plain namespace.
    io.of("/other");
    assert_eq!(names(&io), ["/", "/dyn-9", "/other"]);
    a.send("1/dyn-9,").await;
    eventually(|| names(&io) == ["/", "/other"]).await;
}
