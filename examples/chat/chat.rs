//! The chat protocol: users join with a name, send messages with an acknowledgement, see who
//! is typing, and are told who joined and left.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sockeye::{Ack, DisconnectReason, Socket, SocketIo};

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
}

/// The chat's state: who has joined, by socket id.
#[derive(Default)]
struct Chat {
    users: Mutex<HashMap<String, User>>,
    next_id: AtomicU64,
}

impl Chat {
    fn user(&self, socket: &Socket) -> Option<User> {
        self.users.lock().ok()?.get(socket.id()).cloned()
    }

    fn list(&self) -> Vec<User> {
        let mut users: Vec<User> = self
            .users
            .lock()
            .map(|u| u.values().cloned().collect())
            .unwrap_or_default();
        users.sort_by_key(|u| u.joined_at);
        users
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

/// Installs the chat protocol on the main namespace of `io`.
pub(crate) fn install(io: &SocketIo) {
    let chat = Arc::new(Chat::default());
    let io2 = io.clone();
    io.on_connection(move |socket: Socket| {
        let chat = chat.clone();
        let io = io2.clone();
        async move { on_connection(io, chat, socket) }
    });
}

fn on_connection(io: SocketIo, chat: Arc<Chat>, socket: Socket) {
    let (c, i) = (chat.clone(), io.clone());
    socket.on(
        "user-join",
        move |socket: Socket, name: serde_json::Value| {
            let (chat, io) = (c.clone(), i.clone());
            async move {
                let Some(name) = name.as_str().map(str::trim).filter(|n| !n.is_empty()) else {
                    return;
                };
                let user = User {
                    username: name.to_owned(),
                    joined_at: now_ms(),
                };
                if let Ok(mut users) = chat.users.lock() {
                    users.insert(socket.id().to_owned(), user);
                }
                let _ = io.emit("user-list", &chat.list());
                let _ = socket.broadcast().emit(
                    "system-message",
                    &system_message(format!("{name} joined the chat")),
                );
            }
        },
    );

    let (c, i) = (chat.clone(), io.clone());
    socket.on(
        "chat-message",
        move |socket: Socket, msg: Option<Incoming>, ack: Ack| {
            let (chat, io) = (c.clone(), i.clone());
            async move {
                let Some(user) = chat.user(&socket) else {
                    ack.send(&json!({ "error": "Not authenticated" }));
                    return;
                };
                let id = (chat.next_id.fetch_add(1, Ordering::Relaxed) + 1).to_string();
                let text = msg.map(|m| m.text).unwrap_or_default();
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
        let c = chat.clone();
        socket.on(incoming, move |socket: Socket| {
            let chat = c.clone();
            async move {
                if let Some(user) = chat.user(&socket) {
                    let _ = socket.broadcast().emit(outgoing, &user.username);
                }
            }
        });
    }

    socket.on_disconnect(move |socket: Socket, _reason: DisconnectReason| {
        let (chat, io) = (chat.clone(), io.clone());
        async move {
            let user = chat
                .users
                .lock()
                .ok()
                .and_then(|mut u| u.remove(socket.id()));
            if let Some(user) = user {
                let _ = io.emit("user-list", &chat.list());
                let _ = io.emit(
                    "system-message",
                    &system_message(format!("{} left the chat", user.username)),
                );
            }
        }
    });
}
