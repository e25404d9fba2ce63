//! The Admin UI's namespace as the official UI sees it on the wire: logging in (password,
//! session id, refusal with the exact message the UI matches), `config`, `all_sockets`,
//! `server_stats`, the live events of development mode, and the commands, with arguments of
//! the wrong type refused without harm.
#![cfg(feature = "admin")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod engine_support;
mod sio_support;

use std::net::SocketAddr;

use serde_json::{Value, json};
use sio_support::{Raw, serve};
use sockeye::admin::{AdminAuth, AdminError, AdminMode, AdminOptions, instrument};
use sockeye::{Socket, SocketIo};

fn basic() -> AdminAuth {
    AdminAuth::Basic {
        username: "admin".into(),
        // Cost 4: the lowest bcrypt allows, so that the tests stay quick.
        password_hash: bcrypt::hash("secret", 4).unwrap(),
    }
}

async fn server(options: AdminOptions) -> (SocketIo, SocketAddr) {
    let io = SocketIo::default();
    io.on_connection(|socket: Socket| async move {
        socket.on("hello", |socket: Socket, name: String| async move {
            socket.set_data(&json!({ "name": name })).unwrap();
            let _ = socket.emit("welcome", &name);
        });
    });
    instrument(&io, options).unwrap();
    let addr = serve(&io).await;
    (io, addr)
}

/// Connects to `/admin` with `auth`; returns the CONNECT answer.
async fn admin(addr: SocketAddr, auth: Value) -> (Raw, String) {
    let mut raw = Raw::connect(addr).await;
    raw.send(&format!("0/admin,{auth}")).await;
    let reply = raw.recv().await.unwrap();
    (raw, reply)
}

/// The next admin event named `name` (others, `server_stats` among them, are skipped).
async fn next(raw: &mut Raw, name: &str) -> Vec<Value> {
    next_text(raw, name).await.1
}

/// The same with the message as it came (its keys in their order).
async fn next_text(raw: &mut Raw, name: &str) -> (String, Vec<Value>) {
    loop {
        let msg = raw.recv().await.expect("connection open");
        let Some(body) = msg.strip_prefix("2/admin,") else {
            continue;
        };
        let mut args: Vec<Value> = serde_json::from_str(body).unwrap();
        if args[0] == name {
            args.remove(0);
            return (msg, args);
        }
    }
}

/// The next `socket_connected` of the main namespace (the UI's own, queued when it joined,
/// may come after `all_sockets`).
async fn next_connected(raw: &mut Raw) -> Value {
    loop {
        let mut args = next(raw, "socket_connected").await;
        if args[0]["nsp"] == "/" {
            return args.remove(0);
        }
    }
}

/// The next room event of a socket of the main namespace.
async fn next_room_event(raw: &mut Raw, name: &str) -> Vec<Value> {
    loop {
        let args = next(raw, name).await;
        if args[0] == "/" {
            return args;
        }
    }
}

#[tokio::test]
async fn a_wrong_password_gets_the_message_the_ui_matches() {
    let (_io, addr) = server(AdminOptions::new(basic())).await;
    for auth in [
        json!({ "username": "admin", "password": "wrong" }),
        json!({ "username": "root", "password": "secret" }),
        json!({ "username": "admin" }),
        json!({ "username": 1, "password": ["secret"] }),
        json!({ "sessionId": "0123456789abcdef" }),
        json!({}),
    ] {
        let (_raw, reply) = admin(addr, auth.clone()).await;
        assert_eq!(
            reply, r#"4/admin,{"message":"invalid credentials"}"#,
            "{auth}"
        );
    }
}

#[tokio::test]
async fn a_login_gets_a_session_that_lets_the_ui_back_in() {
    let (_io, addr) = server(AdminOptions::new(basic())).await;
    let (mut raw, reply) = admin(addr, json!({ "username": "admin", "password": "secret" })).await;
    assert!(reply.starts_with("0/admin,{\"sid\":"), "{reply}");
    let session = next(&mut raw, "session").await;
    let session = session[0].as_str().unwrap().to_owned();
    assert_eq!(session.len(), 16);
    let config = next(&mut raw, "config").await;
    assert_eq!(
        config[0],
        json!({ "supportedFeatures": ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE",
            "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"] })
    );

    // The UI reconnects (a page reload) with its session id instead of the password.
    let (mut again, reply) = admin(addr, json!({ "sessionId": session })).await;
    assert!(reply.starts_with("0/admin,{\"sid\":"), "{reply}");
    // No new session: the first event is the config.
    let first = again.recv().await.unwrap();
    assert!(first.starts_with(r#"2/admin,["config""#), "{first}");
}

#[tokio::test]
async fn the_ui_is_told_every_socket_and_what_happens_to_it() {
    let (_io, addr) = server(AdminOptions::new(AdminAuth::None)).await;
    let (mut user, user_id) = Raw::join(addr).await;
    let (mut ui, _) = admin(addr, json!({})).await;

    let all = next(&mut ui, "all_sockets").await;
    let sockets = all[0].as_array().unwrap();
    let me = sockets
        .iter()
        .find(|s| s["id"] == user_id.as_str())
        .unwrap();
    assert_eq!(me["nsp"], "/");
    assert_eq!(me["transport"], "websocket");
    assert_eq!(me["clientId"], &user.sid[..12]);
    assert_eq!(me["rooms"], json!([user_id]));
    assert_eq!(me["data"], json!({}));
    assert_eq!(me["handshake"]["address"], "127.0.0.1");
    assert!(me["handshake"]["headers"].is_object());
    assert!(me["handshake"]["issued"].is_u64());
    // The UI's own socket is listed too, as the reference lists it.
    assert!(sockets.iter().any(|s| s["nsp"] == "/admin"));

    user.send(r#"2["hello","ann"]"#).await;
    let received = next(&mut ui, "event_received").await;
    assert_eq!(received[0], "/");
    assert_eq!(received[1], user_id.as_str());
    assert_eq!(received[2], json!(["hello", "ann"]));
    assert!(received[3].as_str().unwrap().ends_with('Z'));
    let updated = next(&mut ui, "socket_updated").await;
    assert_eq!(
        updated[0],
        json!({ "id": user_id, "nsp": "/", "data": { "name": "ann" } })
    );
    let sent = next(&mut ui, "event_sent").await;
    assert_eq!(sent[2], json!(["welcome", "ann"]));

    let (_other, other_id) = Raw::join(addr).await;
    let connected = next_connected(&mut ui).await;
    assert_eq!(connected["id"], other_id.as_str());

    drop(user);
    let gone = next(&mut ui, "socket_disconnected").await;
    assert_eq!(gone[..2], [json!("/"), json!(user_id)]);
    // Dropped without a close frame: "transport error" (a close frame: "transport close").
    assert_eq!(gone[2], "transport error");
}

#[tokio::test]
async fn commands_reach_the_sockets_they_name() {
    let (io, addr) = server(AdminOptions::new(AdminAuth::None)).await;
    let (mut user, user_id) = Raw::join(addr).await;
    let (mut ui, _) = admin(addr, json!({})).await;
    next(&mut ui, "all_sockets").await;

    ui.send(&format!(r#"2/admin,["join","/","lobby","{user_id}"]"#))
        .await;
    let joined = next_room_event(&mut ui, "room_joined").await;
    assert_eq!(joined[..3], [json!("/"), json!("lobby"), json!(user_id)]);
    assert!(io.of("/").rooms().contains("lobby"));

    ui.send(r#"2/admin,["emit","/","lobby","news",1,{"a":true}]"#)
        .await;
    assert_eq!(user.recv().await.unwrap(), r#"2["news",1,{"a":true}]"#);

    ui.send(&format!(r#"2/admin,["leave","/","lobby","{user_id}"]"#))
        .await;
    let left = next_room_event(&mut ui, "room_left").await;
    assert_eq!(left[..3], [json!("/"), json!("lobby"), json!(user_id)]);

    ui.send(&format!(r#"2/admin,["_disconnect","/",false,"{user_id}"]"#))
        .await;
    assert_eq!(user.recv().await.unwrap(), "1");
    let gone = next(&mut ui, "socket_disconnected").await;
    assert_eq!(gone[2], "server namespace disconnect");
}

#[tokio::test]
async fn commands_of_the_wrong_shape_are_refused_and_nothing_breaks() {
    let (io, addr) = server(AdminOptions::new(AdminAuth::None)).await;
    let (mut user, _) = Raw::join(addr).await;
    let (mut ui, _) = admin(addr, json!({})).await;
    next(&mut ui, "all_sockets").await;
    let bad = [
        r#"["emit"]"#,
        r#"["emit",1,null,"x"]"#,
        r#"["emit","/",null,42]"#,
        r#"["emit","/",{"room":1},"x"]"#,
        r#"["emit","/",null,"connect"]"#,
        r#"["join","/",null]"#,
        r#"["join","/",{"a":1}]"#,
        r#"["leave",null,"room"]"#,
        r#"["_disconnect","/","yes"]"#,
        r#"["_disconnect","no-slash",true]"#,
    ];
    for (i, args) in bad.iter().enumerate() {
        ui.send(&format!("2/admin,{i}{args}")).await;
        let answer = loop {
            let msg = ui.recv().await.unwrap();
            if let Some(rest) = msg.strip_prefix(&format!("3/admin,{i}")) {
                break rest.to_owned();
            }
        };
        let answer: Value = serde_json::from_str(&answer).unwrap();
        assert!(answer[0]["error"].is_string(), "{args}: {answer}");
    }
    // Everyone is still there and a good command still works.
    assert_eq!(io.of("/").socket_count(), 1);
    ui.send(r#"2/admin,["emit","/",null,"still"]"#).await;
    assert_eq!(user.recv().await.unwrap(), r#"2["still"]"#);
}

#[tokio::test]
async fn read_only_announces_and_runs_no_command() {
    let mut options = AdminOptions::new(AdminAuth::None);
    options.read_only = true;
    let (io, addr) = server(options).await;
    let (mut user, user_id) = Raw::join(addr).await;
    let (mut ui, _) = admin(addr, json!({})).await;
    let config = next(&mut ui, "config").await;
    assert_eq!(
        config[0],
        json!({ "supportedFeatures": ["AGGREGATED_EVENTS", "ALL_EVENTS"] })
    );
    ui.send(&format!(r#"2/admin,["_disconnect","/",true,"{user_id}"]"#))
        .await;
    ui.send(r#"2/admin,["emit","/",null,"nope"]"#).await;
    // What comes next to the user is this server's own event, not the UI's.
    io.emit("after", &()).unwrap();
    assert_eq!(user.recv().await.unwrap(), r#"2["after"]"#);
    assert_eq!(io.of("/").socket_count(), 1);
}

#[tokio::test]
async fn server_stats_have_the_reference_shape() {
    let mut options = AdminOptions::new(AdminAuth::None);
    options.mode = AdminMode::Production;
    options.server_id = Some("node-a".into());
    let (_io, addr) = server(options).await;
    let (mut ui, _) = admin(addr, json!({})).await;
    let config = next(&mut ui, "config").await;
    assert_eq!(
        config[0],
        json!({ "supportedFeatures": ["EMIT", "JOIN", "LEAVE",
        "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS"] })
    );
    let (mut user, _) = Raw::join(addr).await;
    user.send(r#"2["hello","bob"]"#).await;
    assert_eq!(user.recv().await.unwrap(), r#"2["welcome","bob"]"#);

    // Sent every 2 s: the figures of the connections and packets above arrive in one of the
    // next ones.
    let mut seen = std::collections::HashSet::new();
    while ![
        "rawConnection",
        "packetsIn",
        "packetsOut",
        "bytesIn",
        "bytesOut",
    ]
    .iter()
    .all(|k| seen.contains(*k))
    {
        let (text, mut stats) = next_text(&mut ui, "server_stats").await;
        let stats = stats.remove(0);
        // The reference's keys, in its order.
        let keys = [
            "serverId",
            "hostname",
            "pid",
            "uptime",
            "clientsCount",
            "pollingClientsCount",
            "aggregatedEvents",
            "namespaces",
        ];
        let at: Vec<usize> = keys
            .iter()
            .map(|k| text.find(&format!("\"{k}\":")).expect(k))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(stats.as_object().unwrap().len(), keys.len());
        assert_eq!(stats["serverId"], "node-a");
        assert_eq!(stats["pid"], std::process::id());
        assert_eq!(stats["clientsCount"], 2);
        assert_eq!(stats["pollingClientsCount"], 0);
        assert_eq!(
            stats["namespaces"],
            json!([{ "name": "/", "socketsCount": 1 }, { "name": "/admin", "socketsCount": 1 }])
        );
        for event in stats["aggregatedEvents"].as_array().unwrap() {
            assert!(event["timestamp"].as_u64().unwrap() % 1000 == 0, "{event}");
            assert!(event["count"].as_u64().unwrap() > 0, "{event}");
            assert!(event.get("subType").is_none(), "{event}");
            seen.insert(event["type"].as_str().unwrap().to_owned());
        }
    }
    // Production mode tells nothing per socket: up to the stats that see the user gone, only
    // stats come.
    drop(user);
    loop {
        let msg = ui.recv().await.unwrap();
        assert!(msg.starts_with(r#"2/admin,["server_stats""#), "{msg}");
        if msg.contains(r#""clientsCount":1,"#) {
            assert!(msg.contains(r#""subType":"transport close""#), "{msg}");
            break;
        }
    }
}

#[tokio::test]
async fn bad_options_are_refused_at_start() {
    let io = SocketIo::default();
    let bad_hash = AdminAuth::Basic {
        username: "admin".into(),
        password_hash: "secret".into(),
    };
    assert!(matches!(
        instrument(&io, AdminOptions::new(bad_hash)),
        Err(AdminError::InvalidHash)
    ));
    let mut options = AdminOptions::new(AdminAuth::None);
    options.namespace_name = "admin".into();
    assert!(matches!(
        instrument(&io, options),
        Err(AdminError::InvalidNamespace(_))
    ));
    instrument(&io, AdminOptions::new(AdminAuth::None)).unwrap();
    assert!(matches!(
        instrument(&io, AdminOptions::new(AdminAuth::None)),
        Err(AdminError::AlreadyInstrumented)
    ));
}

#[tokio::test]
async fn a_polling_socket_is_counted_and_its_upgrade_is_told() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let (_io, addr) = server(AdminOptions::new(AdminAuth::None)).await;
    let (mut ui, _) = admin(addr, json!({})).await;
    next(&mut ui, "all_sockets").await;

    // A client on long-polling joins the main namespace.
    let open = engine_support::http(addr, "GET", "/socket.io/?EIO=4&transport=polling", "").await;
    let sid: Value = serde_json::from_str(&open.body[1..]).unwrap();
    let sid = sid["sid"].as_str().unwrap().to_owned();
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(
        engine_support::http(addr, "POST", &path, "40").await.status,
        200
    );
    let connected = next_connected(&mut ui).await;
    assert_eq!(connected["transport"], "polling");
    assert_eq!(connected["clientId"], &sid[..12]);
    let id = connected["id"].as_str().unwrap().to_owned();
    loop {
        let stats = next(&mut ui, "server_stats").await;
        if stats[0]["pollingClientsCount"] == 1 {
            break;
        }
    }

    // It upgrades: the UI is told the socket's new transport.
    let mut ws = engine_support::ws(
        addr,
        &format!("/socket.io/?EIO=4&transport=websocket&sid={sid}"),
    )
    .await;
    ws.send(Message::text("2probe")).await.unwrap();
    let probe = ws.next().await.unwrap().unwrap();
    assert_eq!(probe.to_text().unwrap(), "3probe");
    ws.send(Message::text("5")).await.unwrap();
    let updated = next(&mut ui, "socket_updated").await;
    assert_eq!(
        updated[0],
        json!({ "id": id, "nsp": "/", "transport": "websocket" })
    );
    loop {
        let stats = next(&mut ui, "server_stats").await;
        if stats[0]["pollingClientsCount"] == 0 {
            break;
        }
    }
}
