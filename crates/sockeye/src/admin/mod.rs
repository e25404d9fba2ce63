//! The server side of the official Admin UI (`@socket.io/admin-ui` 0.5): the reference's
//! `instrument(io, options)`.
//!
//! The UI (hosted at <https://admin.socket.io>, or its `ui/dist` served anywhere) connects to
//! the admin namespace (`/admin`) as a Socket.IO client. Once it is let in, the server sends
//! it `config` (what it may do), `all_sockets` (every socket of every namespace, across the
//! cluster), `server_stats` every 2 seconds (connections, sockets per namespace, and the
//! aggregated counts per second), and, in development mode, every socket, room and event as
//! it happens. The UI's commands (`emit`, `join`, `leave`, `_disconnect`) reach the sockets
//! of every node, as the reference's do through the adapter; with `read_only` they are not
//! listened to, as in the reference.
//!
//! ```no_run
//! use sockeye::SocketIo;
//! use sockeye::admin::{AdminAuth, AdminOptions, instrument};
//! use sockeye::engine::{CorsConfig, CorsOrigin};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let io = SocketIo::builder()
//!     .with_config(|c| {
//!         // The hosted UI's origin, with credentials (it sends them for sticky sessions).
//!         let ui = CorsOrigin::Exact("https://admin.socket.io".into());
//!         c.engine.cors = Some(CorsConfig::default().origin(ui).credentials(true));
//!     })
//!     .build();
//! let hash = "$2b$10$heqvAkYMez.Va6Et2uXInOnkCT6/uQj1brkrbyG3LpopDklcq7ZOS"; // "changeit"
//! instrument(&io, AdminOptions::new(AdminAuth::Basic {
//!     username: "admin".into(),
//!     password_hash: hash.into(),
//! }))?;
//! io.listen("0.0.0.0:3000").await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Cost
//! While no admin is instrumented, the server's hooks check one empty slot (an atomic load)
//! and do nothing else. Once instrumented, packets and bytes are not counted again: the
//! admin reads the counters of [`SocketIo::metrics`] once a second.

mod commands;
mod options;
mod serialize;
mod stats;
mod store;
mod watch;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use socketio_proto::Value;
use tokio::sync::mpsc;

pub use options::{AdminAuth, AdminMode, AdminOptions};
pub use store::{InMemoryStore, SessionStore, StoreFuture};

use crate::error::ConnectError;
use crate::server::ServerInner;
use crate::{Args, Namespace, Socket, SocketIo};
use stats::EventBuffer;
use watch::{AdminObserver, UiEvent};

/// The message the UI matches to show its login form again: keep it exact.
pub const INVALID_CREDENTIALS: &str = "invalid credentials";

/// Why [`instrument`] refused to start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// `password_hash` is not a bcrypt hash (the reference's message).
    #[error("the `password` field must be a valid bcrypt hash")]
    InvalidHash,
    /// The server already has an admin (or another observer).
    #[error("the server is already instrumented")]
    AlreadyInstrumented,
    /// `namespace_name` does not start with `/`.
    #[error("the admin namespace must start with `/`, got {0:?}")]
    InvalidNamespace(String),
    /// Called outside a tokio runtime: the admin needs one for its task.
    #[error("instrument must be called within a tokio runtime")]
    NoRuntime,
}

/// Serves the Admin UI on `options.namespace_name` of `io` (the reference's `instrument`).
/// Call it within a tokio runtime; the admin's task ends with the server.
///
/// # Errors
/// [`AdminError`]: a password that is not a bcrypt hash, a second call, a namespace name
/// without its `/`, or no runtime.
pub fn instrument(io: &SocketIo, options: AdminOptions) -> Result<(), AdminError> {
    if !options.namespace_name.starts_with('/') {
        return Err(AdminError::InvalidNamespace(options.namespace_name));
    }
    if let AdminAuth::Basic { password_hash, .. } = &options.auth {
        if password_hash.parse::<bcrypt::HashParts>().is_err() {
            return Err(AdminError::InvalidHash);
        }
    }
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| AdminError::NoRuntime)?;
    let verbose = options.mode == AdminMode::Development;
    let (queue, events) = mpsc::unbounded_channel();
    let buffer = Arc::new(EventBuffer::default());
    let observer = Arc::new(AdminObserver {
        admin_nsp: options.namespace_name.clone(),
        verbose,
        buffer: buffer.clone(),
        queue,
    });
    if io.0.observer.set(observer).is_err() {
        return Err(AdminError::AlreadyInstrumented);
    }

    let admin = io.of(&options.namespace_name);
    let state = Arc::new(Admin {
        io: Arc::downgrade(&io.0),
        auth: options.auth,
        store: options.store,
        new_sessions: Mutex::new(HashMap::new()),
        read_only: options.read_only,
        verbose,
    });
    if matches!(state.auth, AdminAuth::None) {
        tracing::warn!(nsp = %options.namespace_name, "admin UI without authentication");
    } else {
        let state = state.clone();
        admin.middleware(move |socket: Socket| {
            let state = state.clone();
            async move { state.authenticate(&socket).await }
        });
    }
    let on_connect = state.clone();
    admin.on_connection(move |socket: Socket| {
        let state = on_connect.clone();
        async move { state.welcome(&socket).await }
    });

    let server_id = options.server_id.unwrap_or_else(hostname);
    let stats = StatsTask {
        io: Arc::downgrade(&io.0),
        admin,
        buffer,
        base: BaseStats {
            server_id,
            hostname: hostname(),
            pid: std::process::id(),
        },
        started: std::time::Instant::now(),
    };
    runtime.spawn(stats.run(events));
    Ok(())
}

/// What the admin's middleware and connection handler share.
struct Admin {
    io: Weak<ServerInner>,
    auth: AdminAuth,
    store: Arc<dyn SessionStore>,
    /// Session ids made for sockets still in the middleware, sent once they are connected
    /// (a socket cannot be sent to before).
    new_sessions: Mutex<HashMap<String, String>>,
    read_only: bool,
    verbose: bool,
}

impl Admin {
    /// The reference's check: a known `sessionId`, or the user name and password.
    async fn authenticate(&self, socket: &Socket) -> Result<(), ConnectError> {
        let AdminAuth::Basic {
            username,
            password_hash,
        } = &self.auth
        else {
            return Ok(());
        };
        let auth = &socket.handshake().auth;
        if let Some(session) = auth.get("sessionId").and_then(Value::as_str) {
            if !session.is_empty() && self.store.session_exists(session).await {
                return Ok(());
            }
        }
        let user = auth.get("username").and_then(Value::as_str);
        let password = auth.get("password").and_then(Value::as_str);
        if let (Some(user), Some(password)) = (user, password) {
            if user == username && verify(password, password_hash).await {
                let session = session_id();
                self.store.save_session(&session).await;
                if let Ok(mut pending) = self.new_sessions.lock() {
                    pending.insert(socket.id().to_owned(), session);
                }
                return Ok(());
            }
        }
        tracing::debug!(sid = socket.id(), "admin UI refused: {INVALID_CREDENTIALS}");
        Err(ConnectError::new(INVALID_CREDENTIALS))
    }

    /// What a UI gets once it is in: its session id, `config`, and (development mode) every
    /// socket.
    async fn welcome(&self, socket: &Socket) {
        let session = self
            .new_sessions
            .lock()
            .ok()
            .and_then(|mut p| p.remove(socket.id()));
        if let Some(session) = session {
            let _ = socket.emit("session", &session);
        }
        if !self.read_only {
            commands::register(socket, self.io.clone());
        }
        let _ = socket.emit(
            "config",
            &Config {
                supported_features: features(self.read_only, self.verbose),
            },
        );
        if self.verbose {
            if let Some(io) = self.io.upgrade().map(SocketIo) {
                let sockets = all_sockets(&io).await;
                let _ = socket.emit("all_sockets", &Value::Array(sockets));
            }
        }
    }
}

#[derive(Serialize)]
struct Config {
    #[serde(rename = "supportedFeatures")]
    supported_features: Vec<&'static str>,
}

/// The features `config` announces, in the reference's order.
fn features(read_only: bool, verbose: bool) -> Vec<&'static str> {
    let mut features = Vec::new();
    if !read_only {
        features.extend([
            "EMIT",
            "JOIN",
            "LEAVE",
            "DISCONNECT",
            "MJOIN",
            "MLEAVE",
            "MDISCONNECT",
        ]);
    }
    features.push("AGGREGATED_EVENTS");
    if verbose {
        features.push("ALL_EVENTS");
    }
    features
}

/// Every socket of every namespace, on every node (`fetch_sockets`); a node that does not
/// answer leaves its sockets out.
async fn all_sockets(io: &SocketIo) -> Vec<Value> {
    let mut all = Vec::new();
    for ns in io.namespaces() {
        match ns.fetch_sockets().await {
            Ok(sockets) => all.extend(sockets.iter().map(
                |remote| match ns.get_socket(&remote.id) {
                    Some(local) => serialize::local_socket(&local),
                    None => serialize::remote_socket(remote, ns.name()),
                },
            )),
            Err(err) => tracing::warn!(nsp = ns.name(), %err, "admin: could not list sockets"),
        }
    }
    all
}

async fn verify(password: &str, hash: &str) -> bool {
    // bcrypt is slow on purpose (tens of milliseconds): not on the runtime's threads.
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .unwrap_or(false)
}

/// 8 random bytes in hex, as the reference's session ids.
fn session_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The machine's name, as Node's `os.hostname()` (the default server id): from
/// `/proc/sys/kernel/hostname`, else `HOSTNAME`, else `localhost`.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// What every `server_stats` of this node repeats.
struct BaseStats {
    server_id: String,
    hostname: String,
    pid: u32,
}

#[derive(Serialize)]
struct ServerStats<'a> {
    #[serde(rename = "serverId")]
    server_id: &'a str,
    hostname: &'a str,
    pid: u32,
    uptime: f64,
    #[serde(rename = "clientsCount")]
    clients_count: usize,
    #[serde(rename = "pollingClientsCount")]
    polling_clients_count: usize,
    #[serde(rename = "aggregatedEvents")]
    aggregated_events: Vec<stats::AggregatedEvent>,
    namespaces: Vec<NamespaceDetails>,
}

#[derive(Serialize)]
struct NamespaceDetails {
    name: String,
    #[serde(rename = "socketsCount")]
    sockets_count: usize,
}

/// The admin's task: it emits what the observer queued, samples the counters each second,
/// and sends `server_stats` every 2 seconds, through the admin namespace (so that, in a
/// cluster, every node's UI sees every node's stats, as with the reference).
struct StatsTask {
    io: Weak<ServerInner>,
    admin: Namespace,
    buffer: Arc<EventBuffer>,
    base: BaseStats,
    started: std::time::Instant,
}

impl StatsTask {
    async fn run(self, mut events: mpsc::UnboundedReceiver<UiEvent>) {
        let mut sample = tokio::time::interval(Duration::from_secs(1));
        let mut report = tokio::time::interval(Duration::from_secs(2));
        let mut last = match self.io.upgrade() {
            Some(io) => SocketIo(io).metrics(),
            None => return,
        };
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some((name, args)) => {
                        let _ = self.admin.emit(name, &Args(args));
                    }
                    // The observer went with the server.
                    None => break,
                },
                _ = sample.tick() => {
                    let Some(io) = self.io.upgrade().map(SocketIo) else { break };
                    let current = io.metrics();
                    self.buffer.push_traffic(SystemTime::now(), &last, &current);
                    last = current;
                }
                _ = report.tick() => {
                    let Some(io) = self.io.upgrade().map(SocketIo) else { break };
                    let stats = self.stats(&io);
                    let _ = self.admin.emit("server_stats", &stats);
                }
            }
        }
    }

    fn stats(&self, io: &SocketIo) -> ServerStats<'_> {
        let mut namespaces: Vec<NamespaceDetails> = io
            .namespaces()
            .iter()
            .map(|ns| NamespaceDetails {
                name: ns.name().to_owned(),
                sockets_count: ns.socket_count(),
            })
            .collect();
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        ServerStats {
            server_id: &self.base.server_id,
            hostname: &self.base.hostname,
            pid: self.base.pid,
            uptime: self.started.elapsed().as_secs_f64(),
            clients_count: io.connection_count(),
            polling_clients_count: io.0.polling_connection_count(),
            aggregated_events: self.buffer.take(),
            namespaces,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_announces_no_command() {
        assert_eq!(features(true, false), ["AGGREGATED_EVENTS"]);
        assert_eq!(
            features(false, true),
            [
                "EMIT",
                "JOIN",
                "LEAVE",
                "DISCONNECT",
                "MJOIN",
                "MLEAVE",
                "MDISCONNECT",
                "AGGREGATED_EVENTS",
                "ALL_EVENTS"
            ]
        );
    }

    #[test]
    fn session_ids_are_16_hex_digits() {
        let id = session_id();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
