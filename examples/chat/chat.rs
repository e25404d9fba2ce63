//! The chat protocol: users join with a name, send messages with an acknowledgement, see who
//! is typing, and are told who joined and left.
//!
//! - `user-join(name, ack)`: the name is trimmed, 1 to 32 characters, and not in use by
//!   another socket (ignoring case). The answer is `{status: "ok"}` or `{error}` in words for
//!   the login form. A page joins again on every connection, before it sends anything.
//! - `chat-message({text, cid?}, ack)`: broadcast to all, answered `{status: "ok", id}`, or
//!   `{error: "Not authenticated"}` before joining. A `cid` (the page's id for the message,
//!   up to 64 characters) seen from the same socket among its last 32 is answered with the
//!   first one's id and not broadcast again: a page resends a message whose answer was lost
//!   with its connection.
//! - `typing`, `stop-typing`: told to the others as `user-typing(name)`,
//!   `user-stopped-typing(name)`, which also follows a joined user's disconnection.
//! - The server sends `user-list([{username, joinedAt}])` on every join and leave, and
//!   `system-message({text, timestamp})` for them.
//! - The handshake's `auth.key` (a per-tab secret) lets a tab that reconnects take its name
//!   back from its previous socket while the server has not yet seen that one go.
//!
//! - With connection state recovery (`recovery_window`), a user whose connection drops for a
//!   moment comes back with the same socket, its name and the messages sent meanwhile: the
//!   others see no "left" and "joined" messages. Whether a dropped user left is decided when
//!   the window closes.
//!
//! Who has joined lives in each socket's `data` and the online list comes from
//! `fetch_sockets`, so both span every node once an adapter joins several servers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sockeye::{Ack, DisconnectReason, RemoteSocket, Socket, SocketIo, Value};

/// The longest name, in characters (the page's input has the same `maxlength`).
const MAX_NAME_CHARS: usize = 32;
/// The longest tab key taken from the handshake; anything longer is ignored.
const MAX_KEY_CHARS: usize = 64;

/// A joined user, kept as the socket's `data`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Member {
    username: String,
    joined_at: u64,
    /// The page's per-tab secret (handshake `auth.key`): a reconnecting tab takes its name back
    /// from its own socket that the server has not yet seen go.
    key: Option<String>,
}

impl Member {
    fn same_name(&self, name: &str) -> bool {
        self.username.to_lowercase() == name.to_lowercase()
    }

    /// Whether `other` is this member again, from the same tab.
    fn same_tab(&self, other: &Member) -> bool {
        self.key.is_some() && self.key == other.key && self.same_name(&other.username)
    }
}

/// A user in the `user-list`.
#[derive(Debug, Clone, Serialize)]
struct User {
    username: String,
    #[serde(rename = "joinedAt")]
    joined_at: u64,
}

/// A `chat-message` from a client.
#[derive(Debug, Deserialize)]
struct Incoming {
    #[serde(default)]
    text: String,
    /// The page's own id for the message: a message sent again because its answer was lost
    /// with a connection is recognised and not broadcast twice.
    /// Anything but a string is ignored rather than refused.
    #[serde(default)]
    cid: Option<serde_json::Value>,
}

/// How many of a socket's last message ids are remembered, to recognise a message sent again.
const RECENT_MESSAGES: usize = 32;

#[derive(Default)]
struct Chat {
    /// How long a dropped connection may come back (connection state recovery), if on.
    recovery_window: Option<std::time::Duration>,
    /// Tells this process's message ids from other nodes' in a cluster.
    node: String,
    next_id: AtomicU64,
    /// Serializes name checks on this node, so two sockets cannot both take a free name
    /// between one's check and its claim.
    join_lock: tokio::sync::Mutex<()>,
    /// Each socket's last message ids from its page and the ids the server gave them.
    recent: std::sync::Mutex<std::collections::HashMap<String, Vec<(String, String)>>>,
}

impl Chat {
    /// The id already given to the message `cid` of socket `sid`, if it was seen.
    fn seen(&self, sid: &str, cid: &str) -> Option<String> {
        let recent = self.recent.lock().ok()?;
        recent
            .get(sid)?
            .iter()
            .find(|(c, _)| c == cid)
            .map(|(_, id)| id.clone())
    }

    fn remember(&self, sid: &str, cid: String, id: String) {
        if let Ok(mut recent) = self.recent.lock() {
            let list = recent.entry(sid.to_owned()).or_default();
            if list.len() >= RECENT_MESSAGES {
                list.remove(0);
            }
            list.push((cid, id));
        }
    }

    fn forget(&self, sid: &str) {
        if let Ok(mut recent) = self.recent.lock() {
            recent.remove(sid);
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn system_message(text: String) -> serde_json::Value {
    json!({ "text": text, "timestamp": now_ms() })
}

/// The joined users of every node, oldest first.
async fn members(io: &SocketIo) -> Result<Vec<(RemoteSocket, Member)>, String> {
    let sockets = io
        .fetch_sockets()
        .await
        .map_err(|err| format!("the server cannot list who is online: {err}"))?;
    let mut members: Vec<(RemoteSocket, Member)> = sockets
        .into_iter()
        .filter_map(|s| s.data::<Member>().map(|m| (s, m)))
        .collect();
    members.sort_by_key(|(_, m)| m.joined_at);
    Ok(members)
}

async fn emit_user_list(io: &SocketIo) {
    match members(io).await {
        Ok(members) => {
            let users: Vec<User> = members
                .into_iter()
                .map(|(_, m)| User {
                    username: m.username,
                    joined_at: m.joined_at,
                })
                .collect();
            let _ = io.emit("user-list", &users);
        }
        Err(err) => tracing::warn!("{err}"),
    }
}

/// Installs the chat protocol on the main namespace of `io`.
pub(crate) fn install(io: &SocketIo, recovery_window: Option<std::time::Duration>) {
    let chat = Arc::new(Chat {
        recovery_window,
        node: format!("{:x}{:x}-", std::process::id(), now_ms() & 0xffff),
        ..Chat::default()
    });
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let chat = chat.clone();
        let io = io2.clone();
        async move { on_connection(io, chat, socket) }
    });
}

/// The name a client asked for, trimmed, or why it cannot have it.
fn valid_name(name: &Value) -> Result<String, String> {
    let name = name.as_str().ok_or("A name must be text.")?.trim();
    if name.is_empty() {
        return Err("Please enter a name.".to_owned());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("A name has at most {MAX_NAME_CHARS} characters."));
    }
    Ok(name.to_owned())
}

/// How a `user-join` went.
enum Joined {
    /// A new member: everyone is told.
    New,
    /// The socket had already joined under this name.
    Again,
    /// The same tab came back while its previous socket was still here: that one goes.
    TookOver(Vec<RemoteSocket>),
}

async fn join(io: &SocketIo, chat: &Chat, socket: &Socket, name: &Value) -> Result<Joined, String> {
    let name = valid_name(name)?;
    let _claim = chat.join_lock.lock().await;
    if let Some(me) = socket.data::<Member>() {
        return if me.same_name(&name) {
            Ok(Joined::Again)
        } else {
            Err(format!("You have already joined as \"{}\".", me.username))
        };
    }
    let key = socket
        .handshake()
        .auth
        .get("key")
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty() && k.chars().count() <= MAX_KEY_CHARS)
        .map(str::to_owned);
    let me = Member {
        username: name,
        joined_at: now_ms(),
        key,
    };
    let mut previous = Vec::new();
    for (other, member) in members(io).await? {
        if other.id == socket.id() || !member.same_name(&me.username) {
            continue;
        }
        if !me.same_tab(&member) {
            return Err(format!(
                "The name \"{}\" is taken. Please choose another.",
                member.username
            ));
        }
        previous.push(other);
    }
    socket
        .set_data(&me)
        .map_err(|err| format!("the server cannot keep your name: {err}"))?;
    Ok(if previous.is_empty() {
        Joined::New
    } else {
        Joined::TookOver(previous)
    })
}

fn on_connection(io: SocketIo, chat: Arc<Chat>, socket: Socket) {
    let (c, i) = (chat.clone(), io.clone());
    socket.on("user-join", move |socket: Socket, name: Value, ack: Ack| {
        let (chat, io) = (c.clone(), i.clone());
        async move {
            match join(&io, &chat, &socket, &name).await {
                Err(error) => {
                    ack.send(&json!({ "error": error }));
                }
                Ok(Joined::Again) => {
                    ack.send(&json!({ "status": "ok" }));
                }
                Ok(joined) => {
                    let announce = match joined {
                        Joined::TookOver(previous) => {
                            for old in previous {
                                let _ = old.disconnect(true).await;
                            }
                            false
                        }
                        _ => true,
                    };
                    emit_user_list(&io).await;
                    if let (true, Some(me)) = (announce, socket.data::<Member>()) {
                        let _ = socket.broadcast().emit(
                            "system-message",
                            &system_message(format!("{} joined the chat", me.username)),
                        );
                    }
                    ack.send(&json!({ "status": "ok" }));
                }
            }
        }
    });

    let (c, i) = (chat.clone(), io.clone());
    socket.on(
        "chat-message",
        move |socket: Socket, msg: Option<Incoming>, ack: Ack| {
            let (chat, io) = (c.clone(), i.clone());
            async move {
                let Some(user) = socket.data::<Member>() else {
                    ack.send(&json!({ "error": "Not authenticated" }));
                    return;
                };
                let (text, cid) = msg.map(|m| (m.text, m.cid)).unwrap_or_default();
                let cid = cid
                    .as_ref()
                    .and_then(serde_json::Value::as_str)
                    .filter(|c| !c.is_empty() && c.len() <= MAX_KEY_CHARS)
                    .map(str::to_owned);
                if let Some(id) = cid.as_deref().and_then(|c| chat.seen(socket.id(), c)) {
                    // Sent again after its answer was lost: it was broadcast already.
                    ack.send(&json!({ "status": "ok", "id": id }));
                    return;
                }
                let n = chat.next_id.fetch_add(1, Ordering::Relaxed) + 1;
                let id = format!("{}{n}", chat.node);
                if let Some(cid) = cid {
                    chat.remember(socket.id(), cid, id.clone());
                }
                let message =
                    json!({ "id": id, "user": user.username, "text": text, "timestamp": now_ms() });
                let _ = io.emit("chat-message", &message);
                ack.send(&json!({ "status": "ok", "id": id }));
            }
        },
    );

    for (incoming, outgoing) in [
        ("typing", "user-typing"),
        ("stop-typing", "user-stopped-typing"),
    ] {
        socket.on(incoming, move |socket: Socket| async move {
            if let Some(user) = socket.data::<Member>() {
                let _ = socket.broadcast().emit(outgoing, &user.username);
            }
        });
    }

    socket.on_disconnect(move |socket: Socket, reason: DisconnectReason| {
        let (io, chat) = (io.clone(), chat.clone());
        async move {
            let Some(gone) = socket.data::<Member>() else {
                return;
            };
            // A tab closed mid-word never sends `stop-typing`.
            let _ = io.emit("user-stopped-typing", &gone.username);
            match chat.recovery_window {
                // It may come back with the same socket: decide once the window has closed.
                Some(window) if reason.is_recoverable() => {
                    tokio::spawn(async move {
                        tokio::time::sleep(window).await;
                        if announce_left(&io, &gone, Some(socket.id())).await {
                            chat.forget(socket.id());
                        }
                    });
                }
                _ => {
                    chat.forget(socket.id());
                    announce_left(&io, &gone, None).await;
                }
            }
        }
    });
}

/// Tells everyone that `gone` left, unless the same tab is back (its socket `id` recovered,
/// or a new socket of the same tab took its name). Returns whether the socket is gone for
/// good.
async fn announce_left(io: &SocketIo, gone: &Member, id: Option<&str>) -> bool {
    let Ok(members) = members(io).await else {
        return false;
    };
    if members.iter().any(|(s, _)| Some(s.id.as_str()) == id) {
        return false;
    }
    if members.iter().any(|(_, m)| m.same_tab(gone)) {
        if id.is_none() {
            emit_user_list(io).await;
        }
        return true;
    }
    emit_user_list(io).await;
    let _ = io.emit(
        "system-message",
        &system_message(format!("{} left the chat", gone.username)),
    );
    true
}
